"""Pupil import from a school's administration (issue 3; AGE-02, PRV-09)."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from passend.privacy.context import AccessContext
from passend.privacy.models import AccessLogEntry
from passend.pupils import importers, services, tasks
from passend.pupils.models import Enrolment, ImportStatus, Pupil, PupilImport
from tests.pupils.conftest import PARNASSYS_HEADER, VALID_BSN, VALID_ONDERWIJSNUMMER, csv_bytes

pytestmark = pytest.mark.django_db

DUMMY_TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def queue(settings: Any) -> Any:
    """A task backend that only records what was enqueued (nothing runs)."""
    from django.tasks import default_task_backend

    settings.TASKS = DUMMY_TASKS
    return default_task_backend


ROWS = [
    ["1001", "Zoë", "", "Jansen", "14-03-2012", "V", "7", VALID_BSN, "Groningen"],
    ["1002", "Daan", "van", "Dijk", "2011-09-30", "M", "8", "", "Haren"],
    ["1003", "Renée", "de", "Vries", "01-01-2013", "X", "6", "1234.56.782", "Groningen"],
]


def run(school: Any, rows: list[list[str]], source: str = "parnassys", **kw: Any) -> PupilImport:
    context = AccessContext(trace_id="import-test")
    pupil_import = services.start_import(
        context, school=school, source=source, file=csv_bytes(rows, **kw)
    )
    pupil_import.refresh_from_db()
    return pupil_import


def database_dump() -> str:
    out = io.StringIO()
    call_command("dumpdata", stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("delimiter", "encoding"),
    [(";", "utf-8-sig"), (",", "utf-8"), (";", "cp1252"), (",", "cp1252")],
)
def test_import_reads_both_delimiters_and_encodings(
    region: dict, delimiter: str, encoding: str
) -> None:
    result = run(
        region["school_a"], [PARNASSYS_HEADER, *ROWS], delimiter=delimiter, encoding=encoding
    )
    assert result.status == ImportStatus.DONE
    assert (result.created_count, result.rejected_count) == (3, 0)
    zoe = Pupil.objects.get(source_key="1001")
    assert zoe.first_name == "Zoë"
    assert zoe.birth_date == date(2012, 3, 14)
    assert zoe.gender == "f"
    assert zoe.address == "Groningen"
    assert Pupil.objects.get(source_key="1003").first_name == "Renée"
    assert Pupil.objects.get(source_key="1002").birth_date == date(2011, 9, 30)  # Y-m-d
    assert Enrolment.objects.filter(school=region["school_a"], end_date=None).count() == 3


def test_nul_characters_in_an_export_are_dropped_not_a_crash(region: dict) -> None:
    """Found by fuzzing on PostgreSQL, whose text columns cannot hold NUL: the import failed."""
    rows = [list(r) for r in ROWS]
    rows[0][1] = rows[0][1][:2] + "\x00" + rows[0][1][2:]
    result = run(region["school_a"], [PARNASSYS_HEADER, *rows])
    assert result.status == ImportStatus.DONE
    assert (result.created_count, result.rejected_count) == (3, 0)
    assert Pupil.objects.get(source_key="1001").first_name == "Zoë"


def test_import_is_idempotent(region: dict) -> None:
    first = run(region["school_a"], [PARNASSYS_HEADER, *ROWS])
    assert (first.created_count, first.updated_count, first.unchanged_count) == (3, 0, 0)
    second = run(region["school_a"], [PARNASSYS_HEADER, *ROWS])
    assert (second.created_count, second.updated_count, second.unchanged_count) == (0, 0, 3)
    assert second.rejected_count == 0
    assert Pupil.objects.count() == 3
    assert Enrolment.objects.count() == 3
    # a changed grade and name are updates, not new pupils
    changed = [row[:] for row in ROWS]
    changed[0][6] = "8"
    changed[1][3] = "Dijkstra"
    third = run(region["school_a"], [PARNASSYS_HEADER, *changed])
    assert (third.created_count, third.updated_count, third.unchanged_count) == (0, 2, 1)
    assert Pupil.objects.get(source_key="1002").last_name == "Dijkstra"
    assert Enrolment.objects.get(pupil__source_key="1001").grade == "8"
    updates = AccessLogEntry.objects.filter(action="import_update")
    assert updates.count() == 2
    assert all("Dijkstra" not in e.reason for e in updates)


def test_import_key_is_per_school(region: dict) -> None:
    run(region["school_a"], [PARNASSYS_HEADER, ROWS[1]])
    other = run(region["school_b"], [PARNASSYS_HEADER, ["1002", "Iris", "", "Bos", "02-02-2012"]])
    assert other.created_count == 1
    # pupil number 1002 of school B is another child than 1002 of school A
    assert set(Pupil.objects.values_list("first_name", flat=True)) == {"Daan", "Iris"}


def test_age_02_bsn_column_is_ignored_and_never_stored(region: dict) -> None:
    result = run(region["school_a"], [PARNASSYS_HEADER, *ROWS])
    assert result.ignored_columns == ["BSN"]
    assert result.created_count == 3
    dump = database_dump()
    for notation in (VALID_BSN, "1234.56.782"):
        assert notation not in dump


def test_age_02_bsn_like_value_rejects_the_line_and_is_stored_nowhere(region: dict) -> None:
    rows = [
        PARNASSYS_HEADER,
        ["2001", "Sem", "", "Bakker", "14-03-2012", "M", "7", "", "Haren"],
        ["2002", "Lotte", "", f"Smit {VALID_BSN}", "15-03-2012", "V", "7", "", "Haren"],
        ["2003", "Finn", "", "Mulder", "16-03-2012", "M", "7", "", "123 456 782"],
        ["2004", "Evi", "", "Meijer", "17-03-2012", "V", VALID_ONDERWIJSNUMMER, "", "Haren"],
    ]
    result = run(region["school_a"], rows)
    assert result.created_count == 1
    assert result.rejected_count == 3
    lines = {item["line"]: item["reason"] for item in result.rejected_lines}
    assert set(lines) == {3, 4, 5}
    assert "'Achternaam'" in lines[3] and "BSN" in lines[3] and "AGE-02" in lines[3]
    assert "'Woonplaats'" in lines[4]
    assert "'Groep'" in lines[5]
    dump = database_dump()
    for notation in (VALID_BSN, "123 456 782", VALID_ONDERWIJSNUMMER, "Lotte", "Finn"):
        assert notation not in dump
    assert not Pupil.objects.filter(source_key__in=["2002", "2003", "2004"]).exists()


def test_age_02_upload_copy_holds_no_bsn_and_only_mapped_columns(region: dict, queue: Any) -> None:
    extra = [*PARNASSYS_HEADER, "Notitie"]
    rows = [extra, [*ROWS[0], "privé"], [*ROWS[2], "x"]]
    pupil_import = services.start_import(
        AccessContext(), school=region["school_a"], source="parnassys", file=csv_bytes(rows)
    )
    content = PupilImport.objects.get(pk=pupil_import.pk).content
    assert content
    assert VALID_BSN not in content and "1234.56.782" not in content
    assert "privé" not in content and "Notitie" not in content
    assert pupil_import.total_lines == 2


def test_rejected_lines_have_line_numbers_and_dutch_reasons(region: dict) -> None:
    rows = [
        PARNASSYS_HEADER,
        ["3001", "Sem", "", "", "14-03-2012"],  # no last name
        ["3002", "Sem", "", "Bakker", "31-02-2012"],  # no such date
        ["3003", "Sem", "", "Bakker", "14-03-2099"],  # in the future
        [],  # empty lines are skipped, but keep their number
        ["3004", "Sem", "", "Bakker", "14-03-2012"],
        ["3004", "Sam", "", "Bakker", "14-03-2012"],  # duplicate pupil number
        ["3005", "S" * 101, "", "Bakker", "14-03-2012"],  # too long
    ]
    result = run(region["school_a"], rows)
    assert result.created_count == 1
    reasons = {item["line"]: item["reason"] for item in result.rejected_lines}
    assert reasons == {
        2: "Kolom 'Achternaam' is verplicht maar leeg.",
        3: "Kolom 'Geboortedatum' bevat geen geldige datum (gebruik dd-mm-jjjj of jjjj-mm-dd).",
        4: "Kolom 'Geboortedatum' bevat geen aannemelijke geboortedatum voor een leerling.",
        7: "Het leerlingnummer (kolom 'Leerlingnummer') staat ook op regel 6; alleen die regel "
        "is gebruikt.",
        8: "Kolom 'Roepnaam' is te lang.",
    }
    assert result.rejected_count == 5
    assert result.processed_lines == result.total_lines == 6


def test_missing_required_column_refuses_the_upload(region: dict) -> None:
    with pytest.raises(ValidationError) as info:
        run(region["school_a"], [["Leerlingnummer", "Roepnaam", "Achternaam"], ["1", "a", "b"]])
    assert "Geboortedatum" in info.value.messages[0]
    assert not PupilImport.objects.exists()


def test_each_source_has_its_own_mapping(region: dict) -> None:
    header = ["Stamnummer", "Roepnaam", "Tussenvoegsel", "Achternaam", "Geboortedatum", "Klas"]
    result = run(
        region["school_a"], [header, ["55", "Bo", "", "Kok", "01-02-2010", "2b"]], source="magister"
    )
    assert result.created_count == 1
    assert Pupil.objects.get().source_system == "magister"
    assert Enrolment.objects.get().grade == "2b"
    with pytest.raises(ValidationError):  # a Magister file is not a ParnasSys file
        run(region["school_a"], [header, ["56", "Bo", "", "Kok", "01-02-2010", "2b"]])


def test_task_runs_with_only_the_import_id(region: dict, queue: Any, settings: Any) -> None:
    pupil_import = services.start_import(
        AccessContext(),
        school=region["school_a"],
        source="parnassys",
        file=csv_bytes([PARNASSYS_HEADER, *ROWS]),
    )
    (queued,) = queue.results
    assert queued.task.func is tasks.process_pupil_import.func
    assert (queued.args, queued.kwargs) == ([pupil_import.pk], {})
    assert pupil_import.status == ImportStatus.PENDING
    # the real task, through a backend that runs it, with that id only
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    result = tasks.process_pupil_import.enqueue(*queued.args)
    assert result.return_value == {"created": 3, "updated": 0, "unchanged": 0, "rejected": 0}
    pupil_import.refresh_from_db()
    assert pupil_import.status == ImportStatus.DONE
    assert pupil_import.content == ""  # the upload is kept only until processed
    # a second run of the same id does nothing
    assert tasks.process_pupil_import.enqueue(pupil_import.pk).return_value is None


def test_writes_are_logged_per_pupil_as_the_requesting_coordinator(
    region: dict, coordinator_a: Any
) -> None:
    context = AccessContext(
        user=coordinator_a,
        organisation_id=region["school_a"].pk,
        role="support_coordinator",
        trace_id="t1",
    )
    services.start_import(
        context,
        school=region["school_a"],
        source="parnassys",
        file=csv_bytes([PARNASSYS_HEADER, *ROWS]),
    )
    created = AccessLogEntry.objects.filter(action="import_create")
    assert created.count() == 3
    assert {e.actor_id for e in created} == {coordinator_a.pk}
    assert {e.organisation_id for e in created} == {region["school_a"].pk}
    assert all(e.subject_pseudonym.startswith("pup-") for e in created)
    assert all("PRV-09" in e.reason for e in created)


def test_batches_commit_separately_and_a_failure_clears_the_upload(
    region: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importers, "BATCH_SIZE", 2)
    real = importers._process_batch
    calls = {"n": 0}

    def failing_second_batch(*args: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        real(*args, **kwargs)
        if calls["n"] == 2:
            raise RuntimeError("boom")

    monkeypatch.setattr(importers, "_process_batch", failing_second_batch)
    rows = [PARNASSYS_HEADER, *[[str(4000 + i), "A", "", "B", "01-01-2012"] for i in range(5)]]
    result = run(region["school_a"], rows)
    assert result.status == ImportStatus.FAILED
    assert result.content == ""
    assert result.failure
    assert result.created_count == 2 and result.processed_lines == 2
    assert Pupil.objects.count() == 2  # the first batch stays, the second was rolled back
    # after the failure, the same file imports the rest and leaves the first two alone
    monkeypatch.setattr(importers, "_process_batch", real)
    again = run(region["school_a"], rows)
    assert (again.created_count, again.unchanged_count) == (3, 2)


def test_a_second_import_waits_for_the_pending_one(region: dict, queue: Any) -> None:
    run(region["school_a"], [PARNASSYS_HEADER, *ROWS])
    with pytest.raises(ValidationError):
        run(region["school_a"], [PARNASSYS_HEADER, *ROWS])
    run(region["school_b"], [PARNASSYS_HEADER, *ROWS])  # another school is not held up


def test_management_command_imports_a_file(region: dict, tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "leerlingen.csv"
    path.write_bytes(csv_bytes([PARNASSYS_HEADER, *ROWS]).getvalue())
    call_command("import_pupils", "--school", "11AA00", "--source", "parnassys", str(path))
    out = capsys.readouterr().out
    assert "nieuw 3" in out
    assert "Niet ingelezen (BSN): BSN" in out
    assert VALID_BSN not in out
    assert Pupil.objects.count() == 3
    with pytest.raises(CommandError):
        call_command("import_pupils", "--school", "99ZZ", "--source", "parnassys", str(path))


def test_unreadable_file_is_refused(region: dict) -> None:
    with pytest.raises(ValidationError):
        services.start_import(
            AccessContext(),
            school=region["school_a"],
            source="parnassys",
            file=io.BytesIO(b"\x81\x8d\x8f\x90\x9d;\x81\n"),
        )
