"""Check 3 of issue 11: fuzzing of the importers, text extraction, BSN detector and every form.

Hypothesis generates hostile input (any Unicode, control characters, quotes, delimiters,
huge and empty cells, BSNs in every notation, broken PDFs/DOCX/ODT) and checks:

* no crash: only the documented refusals (``ValidationError``) come out, never a 500;
* the BSN guard holds (AGE-02): a BSN-like number never survives into stored data or into a
  form's ``cleaned_data``;
* no partial write: a refused upload stores no row and no file; a form's validation writes
  nothing; an import stores exactly what it reports.

``make test`` runs few examples per target (fast); ``make verify`` (PASSEND_VERIFY=1) runs
many more (``PASSEND_FUZZ_EXAMPLES`` overrides both) plus the atheris targets
(``tests/security/atheris_targets.py``, coverage-guided, in a subprocess each).
"""

from __future__ import annotations

import datetime as dt
import enum as enum_module
import importlib
import inspect
import io
import os
import pkgutil
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from passend.bsn_guard import BsnGuardFormMixin, find_bsn_like, redact_bsn

VERIFY = os.environ.get("PASSEND_VERIFY") == "1"
EXAMPLES = int(os.environ.get("PASSEND_FUZZ_EXAMPLES") or (300 if VERIFY else 10))
# In `make verify` (``-m verify``) the hypothesis targets run too, with many more examples.
pytestmark = [pytest.mark.verify] if VERIFY else []
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
    derandomize=not VERIFY,  # make test: reproducible; make verify: new inputs every night
)

# A BSN, an onderwijsnummer and the notations the guard must find (tests/pupils/conftest.py).
BSNS = ["123456782", "1234.56.782", "123 456 782", "123.456.782", "101222331", "12345672"]
HOSTILE = [
    "",
    " ",
    '"',
    '""',
    ";",
    ",",
    "\t",
    "\r\n",
    "\x00",
    "\u202e",
    "\ufeff",
    "=cmd|' /C calc'!A0",
    "31-02-2026",
    "2026-13-01",
    "99:99",
    "-1",
    "1e309",
    "Ongeoorloofd",
    "Geoorloofd",
    "Ziek",
    "1001",
    "x" * 5000,
]
text = st.one_of(
    st.text(max_size=60),
    st.sampled_from(HOSTILE),
    st.sampled_from(BSNS),
    st.builds(
        lambda a, b, c: f"{a} {b} {c}",
        st.text(max_size=10),
        st.sampled_from(BSNS),
        st.text(max_size=10),
    ),
)


def _bsn_in(value: Any) -> bool:
    if isinstance(value, str):
        return bool(find_bsn_like(value))
    if isinstance(value, (list, tuple)):
        return any(_bsn_in(v) for v in value)
    return False


# --- The BSN detector ----------------------------------------------------------------------


@given(
    before=st.text(max_size=40),
    number=st.sampled_from(BSNS),
    after=st.text(max_size=40),
)
@FUZZ
def test_age02_fuzz_bsn_detector_finds_every_embedded_number_and_redacts_it(
    before: str, number: str, after: str
) -> None:
    """A BSN between non-digits is always found; redacted text holds no BSN-like number."""
    sep_before = " " if before[-1:].isdigit() or before[-1:] in ".,-" else ""
    sep_after = " " if after[:1].isdigit() or after[:1] in ".,-" else ""
    sample = f"{before}{sep_before}{number}{sep_after}{after}"
    matches = find_bsn_like(sample)
    assert matches, "an embedded BSN was not found"
    assert all(number not in repr(m) for m in matches), "a match's repr shows the number"
    assert not find_bsn_like(redact_bsn(sample)), "redaction left a BSN-like number"


@given(sample=st.text(max_size=300))
@FUZZ
def test_age02_fuzz_bsn_detector_never_crashes(sample: str) -> None:
    for m in find_bsn_like(sample):
        assert 0 <= m.start < m.end <= len(sample)
    assert not find_bsn_like(redact_bsn(sample))


# --- Every form -----------------------------------------------------------------------------

# The apps of the first session; a form of a later app that the generic argument guessing
# cannot build yet is reported as a warning, not a failure.
BASELINE_APPS = {
    "accounts",
    "arrangements",
    "attendance",
    "cases",
    "consent",
    "consultations",
    "correspondence",
    "documents",
    "inquiries",
    "privacy",
    "pupils",
    "tlv",
}

# Field names that hold a secret the user types and that are never stored as text.
NOT_TEXT = {"password", "token", "otp_token", "code"}


def _passend_forms() -> list[type[forms.BaseForm]]:
    from django.apps import apps

    # Only installed apps: a module of an app that is not (yet) installed cannot be imported.
    for config in apps.get_app_configs():
        if not config.name.startswith("passend"):
            continue
        for module in pkgutil.iter_modules([config.path], f"{config.name}."):
            if module.name.rsplit(".", 1)[-1] in ("forms", "admin"):
                importlib.import_module(module.name)

    def subclasses(cls: type) -> Iterator[type]:
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    found = {
        cls
        for cls in subclasses(forms.BaseForm)
        if cls.__module__.startswith("passend.") and not inspect.isabstract(cls)
    }
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__qualname__}")


def _candidates(name: str, annotation: Any, module: str) -> list[Any]:
    """Values to try for a form's required keyword argument, most likely first."""
    from passend.accounts.models import Membership, Organisation, User
    from passend.pupils.models import Pupil

    lowered = name.lower()
    guesses: list[Any] = []
    if "pupil" in lowered:
        guesses.append(Pupil.objects.all())
    if any(w in lowered for w in ("school", "organisation", "municipal", "supplier")):
        guesses += [Organisation.objects.all(), list(Organisation.objects.all())]
    if any(w in lowered for w in ("officer", "user")):
        guesses += [User.objects.all(), list(User.objects.all())]
    if lowered == "user":
        guesses.insert(0, User.objects.first())
    if "membership" in lowered:
        guesses.append(list(Membership.objects.all()))
    if lowered == "own":
        guesses.append(Organisation.objects.first())
    if "phase" in lowered:
        guesses.append("intake")
    if lowered == "scope":  # the organisations a report may cover (reports.scope.Scope)
        from passend.reports.scope import Scope

        guesses.append(Scope(swvs=tuple(Organisation.objects.filter(kind="swv"))))
    if annotation in (bool, "bool") or lowered.startswith(("show_", "is_", "has_", "editing")):
        guesses.append(False)
    if isinstance(annotation, str):  # postponed annotations: look the name up in the module
        annotation = vars(sys.modules[module]).get(annotation.split("|")[0].strip())
    if isinstance(annotation, type) and issubclass(annotation, enum_module.Enum):
        guesses.append(next(iter(annotation)))
    elif isinstance(annotation, type) and hasattr(annotation, "_meta"):
        first = annotation.objects.first()  # type: ignore[attr-defined]
        guesses.append(first if first is not None else annotation())
    return [*guesses, [], None, "", Organisation.objects.all(), User.objects.all()]


def _form_kwargs(form_class: type[forms.BaseForm]) -> dict[str, Any]:
    """The required keyword arguments of any passend form, guessed generically."""
    required: list[inspect.Parameter] = []
    for klass in form_class.__mro__:  # a subclass may pass **kwargs on to its parent's
        if "__init__" not in vars(klass):
            continue
        parameters = inspect.signature(vars(klass)["__init__"]).parameters.values()
        required += [
            p
            for p in parameters
            if p.kind == p.KEYWORD_ONLY
            and p.default is inspect.Parameter.empty
            and p.name not in {r.name for r in required}
        ]
        if not any(p.kind == p.VAR_KEYWORD for p in parameters):
            break
    # The models of the form's choice fields are good guesses for a queryset argument.
    querysets = [
        f.queryset.model.objects.all()
        for f in form_class.base_fields.values()
        if isinstance(f, forms.ModelChoiceField) and f.queryset is not None
    ]
    probe = {name: "1" for name in form_class.base_fields}
    options = {
        p.name: (lambda g: g[:-5] + querysets + g[-5:])(
            _candidates(p.name, p.annotation, form_class.__module__)
        )
        for p in required
    }
    # Greedy, in passes: each pass keeps what worked and retries the rest with it.
    kwargs: dict[str, Any] = {}
    for _pass in range(len(required) + 1):
        for parameter in required:
            if parameter.name in kwargs:
                continue
            for value in options[parameter.name]:
                trial = {**kwargs, parameter.name: value}
                for other in required:
                    trial.setdefault(other.name, options[other.name][0])
                try:
                    form_class(data=probe, **trial).is_valid()
                except Exception:  # noqa: S112 not this value: try the next guess
                    continue
                kwargs[parameter.name] = value
                break
    missing = [p.name for p in required if p.name not in kwargs]
    if missing:
        raise AssertionError(
            f"{form_class.__module__}.{form_class.__qualname__}: no value for its keyword "
            f"arguments {missing}; add a guess to _candidates in {__file__}"
        )
    return kwargs


def _field_value(field: forms.Field, draw: Any) -> Any:
    if isinstance(field, forms.FileField):
        return None
    if isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
        return draw(st.lists(text, max_size=3))
    if isinstance(field, forms.BooleanField):
        return draw(st.sampled_from(["on", "", "true", "false", "\x00"]))
    return draw(text)


@pytest.fixture
def seeded(region: dict[str, Any], coordinator_a: Any) -> dict[str, Any]:
    """A region with a pupil, so that querysets in forms are not all empty."""
    from tests.cases.screens import build_world

    return {"world": build_world(region, coordinator_a, first_name="Fuzzelien")}


@pytest.mark.django_db
def test_age02_fuzz_every_form_no_crash_no_bsn_no_write(seeded: dict[str, Any]) -> None:
    """Every Form in passend, found by walking the class tree, gets arbitrary input."""
    form_classes = _passend_forms()
    assert len(form_classes) >= 60, f"only {len(form_classes)} forms found"
    failures: list[str] = []
    for form_class in form_classes:
        name = f"{form_class.__module__}.{form_class.__qualname__}"
        try:
            kwargs = _form_kwargs(form_class)
        except AssertionError as error:
            if form_class.__module__.split(".")[1] in BASELINE_APPS:
                failures.append(str(error))
            else:  # an app still being built: the generic guess may not fit it yet
                warnings.warn(f"not fuzzed: {error}", stacklevel=1)
            continue
        # Forms with the BSN guard mixin must hold it under any input; other forms leave the
        # check to their service (ensure_no_bsn), tested with the service.
        guarded = issubclass(form_class, BsnGuardFormMixin)
        exempt = set(getattr(form_class, "bsn_guard_exempt", ())) | NOT_TEXT
        if not guarded:
            exempt = set(form_class.base_fields)
        run = _form_fuzzer(form_class, kwargs, exempt)
        try:
            run()
        except Exception as error:
            failures.append(f"{name}: {type(error).__name__}: {str(error)[:400]}")
    assert not failures, f"{len(failures)} forms failed:\n" + "\n".join(failures)


def _form_fuzzer(form_class: type[forms.BaseForm], kwargs: dict[str, Any], exempt: set[str]) -> Any:
    template = form_class(**kwargs)
    field_names = list(template.fields)

    @given(data=st.data())
    @settings(FUZZ, max_examples=max(3, EXAMPLES // 2))
    def run(data: Any) -> None:
        values = {
            n: _field_value(template.fields[n], data.draw)
            for n in field_names
            if data.draw(st.booleans(), label=f"send {n}") or not VERIFY
        }
        files = {
            n: SimpleUploadedFile("f.csv", data.draw(st.binary(max_size=200)))
            for n in field_names
            if isinstance(template.fields[n], forms.FileField)
        }
        post = {k: v for k, v in values.items() if v is not None}
        with CaptureQueriesContext(connection) as queries:
            form = form_class(data=_querydict(post), files=files or None, **kwargs)
            form.is_valid()
        writes = [
            q["sql"][:80]
            for q in queries.captured_queries
            if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE", "COPY"))
        ]
        assert not writes, f"validating the form wrote to the database: {writes}"
        cleaned = getattr(form, "cleaned_data", {}) or {}
        leaked = [n for n, v in cleaned.items() if n not in exempt and _bsn_in(v)]
        assert not leaked, f"a BSN passed the guard in {leaked} (AGE-02)"

    return run


def _querydict(values: dict[str, Any]) -> Any:
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    for key, value in values.items():
        if isinstance(value, list):
            query.setlist(key, value)
        else:
            query[key] = value
    return query


# --- The absence importer -------------------------------------------------------------------

ABSENCE_HEADER = [
    "Stamnummer",
    "Datum",
    "Lesuur",
    "T/m lesuur",
    "Verantwoording",
    "Code",
    "Absentie-ID",
]
absence_cell = st.one_of(
    text,
    st.sampled_from(["1001", "1002", "Ongeoorloofd", "Geoorloofd", "Ziek", "1", "4", "9"]),
    st.dates(dt.date(2019, 1, 1), dt.date(2027, 12, 31)).map(lambda d: f"{d:%d-%m-%Y}"),
)


def _mutated(valid: Any, cell: Any) -> Any:
    """A valid row with some cells replaced by hostile ones, or a row of anything."""

    def mutate(args: tuple[list[str], list[tuple[int, str]]]) -> list[str]:
        row, changes = args
        row = list(row)
        for position, value in changes:
            row[position % len(row)] = value
        return row

    changed = st.tuples(valid, st.lists(st.tuples(st.integers(0, 20), cell), max_size=2))
    return st.one_of(changed.map(mutate), st.lists(cell, max_size=10))


_recent = st.integers(7, 300).map(lambda d: dt.date.today() - dt.timedelta(days=d))
valid_absence_row = st.builds(
    lambda key, day, first, n, kind, rec: [
        key,
        f"{day:%d-%m-%Y}",
        str(first),
        str(first + n),
        kind,
        "",
        f"R{rec}",
    ],
    st.sampled_from(["1001", "1002"]),
    _recent,
    st.integers(1, 6),
    st.integers(0, 3),
    st.sampled_from(["Ongeoorloofd", "Geoorloofd", "Ziek"]),
    st.integers(0, 10**6),
)
absence_row = _mutated(valid_absence_row, absence_cell)


def _csv(rows: list[list[str]], delimiter: str) -> bytes:
    import csv

    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerows(rows)
    return out.getvalue().encode("utf-8", errors="surrogatepass")


@pytest.fixture
def attendance_world(region: dict[str, Any], coordinator_a: Any) -> Any:
    from passend.access.actor import Actor
    from passend.accounts.models import Membership
    from tests.attendance.conftest import make_pupil

    for key in ("1001", "1002"):
        make_pupil(region["school_a"], key)
    return Actor.for_membership(Membership.objects.get(user=coordinator_a))


@pytest.mark.django_db
def test_abs01_age02_fuzz_absence_importer(attendance_world: Any) -> None:
    """Arbitrary rows: refused at upload or imported; stored = reported; never a BSN stored."""
    from passend.attendance import services
    from passend.attendance.models import AbsenceImport, AbsenceRecord

    @given(
        rows=st.lists(absence_row, max_size=8),
        delimiter=st.sampled_from([";", ",", "\t"]),
        header=st.one_of(st.just(ABSENCE_HEADER), st.lists(text, max_size=8)),
        garbage=st.one_of(st.just(b""), st.binary(max_size=40)),
    )
    @FUZZ
    def run(rows: list[list[str]], delimiter: str, header: list[str], garbage: bytes) -> None:
        try:
            data = _csv([header, *rows], delimiter) + garbage
        except UnicodeEncodeError:
            return
        with transaction.atomic():
            before = AbsenceImport.objects.count()
            try:
                run_ = services.start_import(
                    attendance_world, source="magister", file=io.BytesIO(data)
                )
            except ValidationError:
                event("absence: refused at upload")
                assert AbsenceImport.objects.count() == before, "a refused upload was stored"
                transaction.set_rollback(True)
                return
            run_.refresh_from_db()
            assert run_.status == "done", f"import ended {run_.status}: {run_.failure}"
            assert run_.content == "", "the sanitised upload outlived the import"
            stored = AbsenceRecord.objects.filter(import_run=run_).count()
            event(f"absence: imported, {'some' if stored else 'no'} records stored")
            assert stored == run_.created_count + run_.updated_count, "stored ≠ reported"
            for record in AbsenceRecord.objects.all().values():
                texts = [v for v in record.values() if isinstance(v, str)]
                assert not any(find_bsn_like(v) for v in texts), "a BSN was stored (AGE-02)"
            transaction.set_rollback(True)

    run()


# --- The pupil importer ---------------------------------------------------------------------


@pytest.mark.django_db
def test_age02_fuzz_pupil_importer(region: dict[str, Any]) -> None:
    from passend.privacy.context import AccessContext
    from passend.pupils import services
    from passend.pupils.models import Guardian, ImportStatus, Pupil, PupilImport
    from tests.pupils.conftest import PARNASSYS_HEADER

    pupil_cell = st.one_of(
        text,
        st.dates(dt.date(2005, 1, 1), dt.date(2022, 12, 31)).map(lambda d: f"{d:%d-%m-%Y}"),
        st.sampled_from(["M", "V", "X", "7", "Groningen"]),
    )

    valid_pupil_row = st.builds(
        lambda key, first, last, born, sex, group: [
            str(key),
            first,
            "",
            last,
            f"{born:%d-%m-%Y}",
            sex,
            str(group),
            "",
            "Groningen",
        ],
        st.integers(1000, 9999),
        st.sampled_from(["Zoë", "Daan", "Renée", "Ahmed"]),
        st.sampled_from(["Jansen", "Dijk", "Vries", "El Amrani"]),
        st.dates(dt.date(2008, 1, 1), dt.date(2020, 12, 31)),
        st.sampled_from(["M", "V", "X"]),
        st.integers(1, 8),
    )

    @given(
        rows=st.lists(_mutated(valid_pupil_row, pupil_cell), max_size=8),
        delimiter=st.sampled_from([";", ","]),
        header=st.one_of(st.just(PARNASSYS_HEADER), st.lists(text, max_size=9)),
    )
    @FUZZ
    def run(rows: list[list[str]], delimiter: str, header: list[str]) -> None:
        try:
            data = _csv([header, *rows], delimiter)
        except UnicodeEncodeError:
            return
        with transaction.atomic():
            before = (PupilImport.objects.count(), Pupil.objects.count())
            try:
                result = services.start_import(
                    AccessContext(trace_id="fuzz"),
                    school=region["school_a"],
                    source="parnassys",
                    file=io.BytesIO(data),
                )
            except ValidationError:
                event("pupils: refused at upload")
                after = (PupilImport.objects.count(), Pupil.objects.count())
                assert after == before, "a refused upload was stored"
                transaction.set_rollback(True)
                return
            result.refresh_from_db()
            assert result.status == ImportStatus.DONE, f"import ended {result.status}"
            assert Pupil.objects.count() - before[1] == result.created_count, "stored ≠ reported"
            event(f"pupils: imported, {'some' if result.created_count else 'no'} pupils created")
            for model in (Pupil, Guardian):
                for row in model.objects.values():
                    texts = [v for v in row.values() if isinstance(v, str)]
                    assert not any(find_bsn_like(v) for v in texts), "a BSN was stored (AGE-02)"
            transaction.set_rollback(True)

    run()


# --- Document text extraction ---------------------------------------------------------------


def _seeds() -> list[bytes]:
    from tests.documents import fixtures

    return [
        fixtures.pdf("Verslag\nBSN 123456782", metadata={"title": "x"}),
        fixtures.docx_file("Leerling 1234.56.782", header="kop", table_cell="cel"),
        fixtures.odt_file("Onderwijsnummer 101222331"),
        b"Tekst met BSN 123 456 782\n",
        fixtures.png(),
    ]


def _mutate(seed: bytes, edits: list[tuple[int, int]], cut: int) -> bytes:
    data = bytearray(seed)
    for position, value in edits:
        if data:
            data[position % len(data)] = value
    return bytes(data[: max(1, len(data) - cut)])


@pytest.mark.django_db
def test_age02_fuzz_document_upload_and_text_extraction(
    region: dict[str, Any], coordinator_a: Any, settings: Any, tmp_path: Path
) -> None:
    """Mutated PDFs/DOCX/ODT/TXT: refused or stored; no orphan file; a BSN in text is held."""
    from passend.documents import services
    from passend.documents.models import Document
    from tests.cases.screens import actor, build_world

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSEND_CLAMD_SOCKET = ""
    world = build_world(region, coordinator_a, first_name="Fuzzelien")
    who = actor(coordinator_a)
    seeds = _seeds()
    folder = settings.MEDIA_ROOT / "documents"

    def files() -> int:
        return sum(1 for _ in folder.iterdir()) if folder.exists() else 0

    @given(
        seed=st.sampled_from(range(len(seeds))),
        edits=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=6),
        cut=st.integers(0, 400),
        raw=st.one_of(st.none(), st.binary(max_size=300)),
    )
    @FUZZ
    def run(seed: int, edits: list[tuple[int, int]], cut: int, raw: bytes | None) -> None:
        data = raw if raw is not None else _mutate(seeds[seed], edits, cut)
        with transaction.atomic():
            before = (Document.objects.count(), files())
            try:
                document = services.upload_document(
                    who,
                    world.case,
                    upload=SimpleUploadedFile("bestand.pdf", data),
                    title="Verslag",
                    category="ordinary",
                )
            except ValidationError as error:
                event("document: refused")
                assert "file" in error.message_dict, error.message_dict
                assert (Document.objects.count(), files()) == before, "refused, yet stored"
                transaction.set_rollback(True)
                return
            event(f"document: stored as {document.kind}, {document.status}")
            assert Document.objects.count() == before[0] + 1
            assert files() == before[1] + 1
            if document.kind == "txt" and find_bsn_like(data.decode("utf-8", "replace")):
                assert document.status == Document.Status.PENDING, "a BSN in text was not held"
            transaction.set_rollback(True)
        for stray in set(folder.iterdir()) if folder.exists() else set():
            if not Document.objects.filter(storage_name__endswith=stray.name).exists():
                stray.unlink()  # the rolled-back example's blob, not an application orphan

    run()


# --- atheris (make verify) ------------------------------------------------------------------

ATHERIS_TARGETS = ["bsn", "absence_csv", "pupil_csv", "documents"]


@pytest.mark.verify
@pytest.mark.parametrize("target", ATHERIS_TARGETS)
def test_atheris_coverage_guided_fuzzing(target: str, tmp_path: Path) -> None:
    """Coverage-guided fuzzing with atheris/libFuzzer, one subprocess per target."""
    pytest.importorskip("atheris")
    runs = os.environ.get("PASSEND_ATHERIS_RUNS", "20000")
    seconds = os.environ.get("PASSEND_ATHERIS_SECONDS", "60")
    script = Path(__file__).with_name("atheris_targets.py")
    done = subprocess.run(  # noqa: S603 our own script, fixed arguments
        [
            sys.executable,
            str(script),
            target,
            f"-runs={runs}",
            f"-max_total_time={seconds}",
            "-timeout=30",
            "-rss_limit_mb=3072",
            f"-artifact_prefix={tmp_path}/",
        ],
        capture_output=True,
        text=True,
        timeout=int(seconds) + 120,
        cwd=Path(__file__).resolve().parents[2],
    )
    tail = (done.stdout + done.stderr)[-3000:]
    assert done.returncode == 0, f"atheris found a crash in {target}:\n{tail}"


@pytest.mark.django_db
def test_age02_damaged_office_files_are_refused_not_a_server_error(
    region: dict[str, Any], coordinator_a: Any, settings: Any, tmp_path: Path
) -> None:
    """Regression of a fuzzing find: a DOCX/ODT whose zip member is damaged (bad CRC, header
    and directory disagree) raised BadZipFile out of the upload check, a 500."""
    from passend.documents import services
    from tests.cases.screens import actor, build_world
    from tests.documents import fixtures

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSEND_CLAMD_SOCKET = ""
    world = build_world(region, coordinator_a, first_name="Fuzzelien")
    who = actor(coordinator_a)
    for seed in (fixtures.docx_file("Verslag", header="kop"), fixtures.odt_file("Verslag")):
        for position in range(30, min(len(seed), 1500), 37):
            data = bytearray(seed)
            data[position] ^= 0xFF
            try:
                services.upload_document(
                    who,
                    world.case,
                    upload=SimpleUploadedFile("verslag.docx", bytes(data)),
                    title="Verslag",
                    category="ordinary",
                )
            except ValidationError as error:
                assert "file" in error.message_dict
