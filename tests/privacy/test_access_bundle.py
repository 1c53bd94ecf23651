"""The access bundle (PRV-02, AVG art. 15): every record about the pupil from every module,
with purposes, origins, recipients and who accessed the file; nothing about anyone else.

The records are made by a generic builder: for every model an app exports, one row hangs off
pupil A (through its case, plan, application …) and one off pupil B. Adding a model to an
exporter adds it to this test automatically.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid
from collections import Counter
from typing import Any

import pytest
from django.apps import apps
from django.db import models
from django.test import RequestFactory
from django.utils import timezone

from passend.access import selectors as access_selectors
from passend.access.actor import Actor
from passend.accounts.models import Membership, Role
from passend.attendance.models import AbsenceRecord
from passend.cases.models import Phase
from passend.privacy import selectors, services, subject_data
from passend.privacy.categories import DataCategory
from passend.privacy.context import AccessContext
from passend.privacy.models import AccessLogEntry
from passend.privacy.subject_data import NEVER_EXPORTED
from tests.access.helpers import make_case, make_pupil

pytestmark = pytest.mark.django_db

SECRET_B = "Zwaantje"
# Every app that holds data about a pupil; a new app registers its own ``subject_data.py`` and
# the check below then covers every model of it.
COVERED_APPS = {
    "pupils",
    "cases",
    "consent",
    "documents",
    "consultations",
    "correspondence",
    "tlv",
    "arrangements",
    "attendance",
    "inquiries",
    "intake",
    "portal",
    "emergency",
    "retention",
}


def _dummy(field: models.Field, n: int) -> Any:
    if field.choices:
        return field.choices[0][0]
    if isinstance(field, models.EmailField):
        return f"test{n}@example.org"
    if isinstance(field, models.GenericIPAddressField):
        return "127.0.0.1"
    if isinstance(field, models.UUIDField):
        return uuid.uuid4()
    if isinstance(field, models.CharField | models.TextField):
        # Letters only: a run of nine digits could pass the elfproef and trip the BSN guard.
        text = "T" + uuid.uuid4().hex[:12].translate(str.maketrans("0123456789", "ghijklmnop"))
        return text[: field.max_length] if field.max_length else text
    if isinstance(field, models.BooleanField):
        return False
    if isinstance(field, models.DecimalField):
        return decimal.Decimal("1")
    if isinstance(field, models.IntegerField | models.FloatField):
        return 1
    if isinstance(field, models.DateTimeField):
        return timezone.now()
    if isinstance(field, models.DateField):
        return dt.date(2026, 1, 5)
    if isinstance(field, models.TimeField):
        return dt.time(9, 0)
    if isinstance(field, models.DurationField):
        return dt.timedelta(days=1)
    if isinstance(field, models.JSONField):
        return []
    if isinstance(field, models.BinaryField):
        return b"x"
    raise AssertionError(f"no dummy for {field!r}")


class Builder:
    """Creates one row of a model, its required parents taken from (or added to) `context`."""

    def __init__(self, context: dict[type, Any]) -> None:
        self.context = context
        self.created: list[Any] = []
        self.n = 0

    def get(self, model: type) -> Any:
        if model not in self.context:
            self.context[model] = self.build(model)
        return self.context[model]

    def build(self, model: type) -> Any:
        self.n += 1
        values: dict[str, Any] = {}
        for field in model._meta.concrete_fields:
            # A key of its own is the database's; a one-to-one key (a row that extends its
            # parent, such as a TLV application's figures) is that parent.
            if (field.primary_key and not field.is_relation) or getattr(field, "auto_now", False):
                continue
            if getattr(field, "auto_now_add", False):
                continue
            if field.is_relation:
                related = field.related_model
                if related in self.context or not field.null:
                    values[field.name] = self.get(related)
                continue
            if field.has_default() or field.null:
                continue
            if field.blank and isinstance(field, models.CharField | models.TextField):
                continue
            values[field.name] = _dummy(field, self.n)
        instance = model(**values)
        instance.save()
        self.created.append(instance)
        return instance


def exported_models() -> list[type]:
    labels = {s.model for s in subject_data.collect(0)}
    return [apps.get_model(label) for label in sorted(labels)]


def _world(region: dict[str, Any], coordinator: Any, school: Any, first_name: str) -> Builder:
    membership = Membership.objects.get(user=coordinator)
    pupil = make_pupil(school, first_name=first_name, last_name="Bundel")
    case = make_case(membership, pupil=pupil, phase=Phase.ASSESSMENT)
    user_model = apps.get_model("accounts", "User")
    builder = Builder(
        {
            apps.get_model("pupils", "Pupil"): pupil,
            apps.get_model("cases", "Case"): case,
            apps.get_model("accounts", "Organisation"): school,
            user_model: coordinator,
            Membership: membership,
        }
    )
    builder.created.extend([pupil, case])
    # Rows the helpers made already (enrolment, guardian, the owner's participation) count too.
    for section in subject_data.collect(pupil.pk):
        model = apps.get_model(section.model)
        for record in section.records:
            obj = model.objects.get(pk=record["id"])
            builder.context.setdefault(model, obj)
            if obj not in builder.created:
                builder.created.append(obj)
    for model in exported_models():
        if model not in builder.context:
            builder.context[model] = builder.build(model)
    return builder


def _access_request(pupil: Any, fg_actor: Actor) -> Any:
    return services.submit_subject_request(
        pupil=pupil,
        kind="access",
        description="Inzage in alles.",
        requester_name="Ouder Bundel",
        requester_relation="parent",
        channel="staff",
        identity_verified=True,
        organisation_id=fg_actor.membership.organisation_id,  # type: ignore[union-attr]
    )


def _bundle(pupil: Any, fg_actor: Actor) -> dict[str, Any]:
    return selectors.access_bundle(_access_request(pupil, fg_actor))


def test_prv02_every_module_registers_an_exporter() -> None:
    assert set(subject_data.exporters()) >= {
        "pupils",
        "cases",
        "consent",
        "documents",
        "consultations",
        "correspondence",
        "tlv",
        "arrangements",
        "attendance",
        "inquiries",
        "intake",
        "portal",
        "emergency",
        "retention",
    }


def test_prv02_every_model_about_a_pupil_is_exported() -> None:
    """Any model of a Passend app with a foreign-key path to a pupil or a case is in a section
    (privacy's own request/disclosure models are reported separately in the bundle)."""
    pupil_model = apps.get_model("pupils", "Pupil")
    exported = set(exported_models()) | {pupil_model}
    linked: set[type] = {pupil_model}
    changed = True
    while changed:
        changed = False
        for model in apps.get_models():
            if model in linked or not model.__module__.startswith("passend."):
                continue
            if model._meta.app_label in {"privacy", "terms"}:
                continue
            for field in model._meta.concrete_fields:
                # A parent reached only through a nullable "previous"/reference link is not
                # enough: the row must hang off the pupil by a required or case/pupil link.
                if field.is_relation and field.related_model in linked:
                    linked.add(model)
                    changed = True
                    break
    missing = sorted(m._meta.label for m in linked - exported)
    registered = COVERED_APPS | set(subject_data.exporters())
    missing = [label for label in missing if label.split(".")[0] in registered]
    assert missing == [], f"models with pupil data but no exporter: {missing}"


def test_prv02_bundle_holds_every_record_of_the_pupil_and_nothing_of_another(
    region: dict[str, Any], coordinator_a: Any, coordinator_b: Any, fg_actor: Actor
) -> None:
    world_a = _world(region, coordinator_a, region["school_a"], "Sem")
    world_b = _world(region, coordinator_b, region["school_b"], SECRET_B)
    pupil_a = world_a.context[apps.get_model("pupils", "Pupil")]
    bundle = _bundle(pupil_a, fg_actor)

    records = [record for s in bundle["sections"] for record in s["records"]]
    in_bundle = {(record["_model"], record["id"]) for record in records if "id" in record}
    exported = {m._meta.label_lower for m in exported_models()}
    expected_a = {
        (obj._meta.label_lower, obj.pk)
        for obj in world_a.created
        if obj._meta.label_lower in exported and obj._meta.pk.name not in NEVER_EXPORTED
    }
    # Records whose key is never exported (absence: a hash) carry no id: counted per model.
    without_id = Counter(record["_model"] for record in records if "id" not in record)
    assert without_id == Counter(
        obj._meta.label_lower
        for obj in world_a.created
        if obj._meta.label_lower in exported and obj._meta.pk.name in NEVER_EXPORTED
    )
    assert without_id["attendance.absencerecord"] >= 1
    of_b = {
        (obj._meta.label_lower, obj.pk)
        for obj in world_b.created
        if obj._meta.label_lower in exported
    }
    assert len(expected_a) >= 40  # a row in every exported model (pupils … inquiries)
    assert expected_a - in_bundle == set(), "records of pupil A missing from the bundle"
    assert in_bundle & of_b == set(), "records of pupil B in pupil A's bundle"
    assert SECRET_B not in json.dumps(bundle)
    # Purposes come from the declared processing activities; every section names one.
    codes = {p["code"] for p in bundle["purposes"]}
    assert {"pupil_administration", "case_management", "tlv_procedure"} <= codes
    assert all(s["purpose"] for s in bundle["sections"])
    # Origins: every record says where it came from (supplier, organisation or source).
    assert all(r["_origin"] for s in bundle["sections"] if s["records"] for r in s["records"][:1])


def test_prv02_bundle_never_holds_file_contents_or_keys(
    region: dict[str, Any], coordinator_a: Any, fg_actor: Actor
) -> None:
    world = _world(region, coordinator_a, region["school_a"], "Sem")
    bundle = _bundle(world.context[apps.get_model("pupils", "Pupil")], fg_actor)
    documents = next(s for s in bundle["sections"] if s["model"] == "documents.document")
    assert documents["records"]
    for record in documents["records"]:
        assert not {"wrapped_key", "nonce", "storage_name", "key_id", "sha256"} & set(record)
    # An absence record's idempotency key is a hash of the school's record id (AGE-02).
    absence = next(s for s in bundle["sections"] if s["model"] == "attendance.absencerecord")
    assert absence["records"]
    assert all("record_key" not in record for record in absence["records"])
    # Nor as the record's id, now that it is the primary key (attendance 0010).
    assert all("id" not in record for record in absence["records"])
    keys = AbsenceRecord.objects.values_list("record_key", flat=True)
    exported_text = json.dumps(bundle)
    assert all(key.hex not in exported_text and str(key) not in exported_text for key in keys)


def test_prv02_bundle_lists_who_accessed_the_file_and_the_recipients(
    region: dict[str, Any], coordinator_a: Any, coordinator_b: Any, fg_actor: Actor
) -> None:
    membership = Membership.objects.get(user=coordinator_a)
    pupil = make_pupil(region["school_a"], first_name="Sem", last_name="Inzage")
    case = make_case(membership, pupil=pupil)
    other = make_case(
        Membership.objects.get(user=coordinator_b),
        pupil=make_pupil(region["school_b"], first_name=SECRET_B, last_name="X"),
    )
    for user, target in ((coordinator_a, case), (coordinator_b, other)):
        web = RequestFactory().get("/")
        web.user = user
        web.membership = Membership.objects.get(user=user)  # type: ignore[attr-defined]
        web.trace_id = "t"  # type: ignore[attr-defined]
        access_selectors.get_case(web, target.pk)
    services.register_disclosure(
        AccessContext(user=coordinator_a, organisation_id=region["school_a"].pk),
        pupil_id=pupil.pk,
        recipient="Gemeente Test (leerplicht)",
        recipient_organisation_id=region["municipality"].pk,
        description="Verzuimmelding",
        legal_ground="Leerplichtwet 1969 art. 21",
        data_categories=[DataCategory.ABSENCE],
    )
    bundle = _bundle(pupil, fg_actor)
    views = [a for a in bundle["accesses"] if a["action"] == "view"]
    assert len(views) == 1
    assert views[0]["organisation"] == "School A"
    assert views[0]["role"] == str(Role.SUPPORT_COORDINATOR.label)
    assert views[0]["what"] == f"cases.case {case.pk}"
    assert views[0]["legal_ground"] == "own_task"
    assert all(str(other.pk) not in a["what"].split() for a in bundle["accesses"])
    assert [r["recipient"] for r in bundle["recipients"]] == ["Gemeente Test (leerplicht)"]
    assert bundle["recipients"][0]["disclosed_by_organisation"] == "School A"


def test_prv02_bundle_pdf_and_json_downloads_are_logged(
    region: dict[str, Any], coordinator_a: Any, fg: Any, fg_actor: Actor
) -> None:
    from tests.conftest import make_professional, verified_client

    membership = Membership.objects.get(user=coordinator_a)
    pupil = make_pupil(region["school_a"], first_name="Sem", last_name="Pdf")
    make_case(membership, pupil=pupil)
    request = services.submit_subject_request(
        pupil=pupil,
        kind="access",
        description="Inzage in alles.",
        requester_name="Ouder Pdf",
        requester_relation="parent",
        channel="portal",
    )
    client = verified_client(fg)
    # Identity not yet verified: no bundle (PRV-02).
    assert client.post(f"/privacy/verzoeken/{request.pk}/inzage.json").status_code == 403
    services.verify_identity(fg_actor, request, note="Paspoort gezien")
    # Never a page to browse to: only an explicit POST makes the bundle.
    assert client.get(f"/privacy/verzoeken/{request.pk}/inzage.json").status_code == 405
    response = client.post(f"/privacy/verzoeken/{request.pk}/inzage.json")
    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["subject"]["name"] == "Sem Pdf"
    assert "Sem" not in response["Content-Disposition"]
    pdf = client.post(f"/privacy/verzoeken/{request.pk}/inzage.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    logged = AccessLogEntry.objects.filter(
        action="subject_access_bundle", object_id=str(request.pk)
    )
    assert logged.count() == 2
    assert set(logged.values_list("subject_pseudonym", flat=True)) == {
        services.pupil_subject(pupil.pk)
    }
    assert request.events.filter(kind="bundle").count() == 2
    # Another handler role of the SWV takes in and routes, but does not compile the file.
    director = make_professional(region["swv"], Role.SWV_DIRECTOR, username="dir-bundle")
    director_client = verified_client(director)
    assert director_client.post(f"/privacy/verzoeken/{request.pk}/inzage.json").status_code == 403
    services.assign_subject_request(fg_actor, request, user=director)
    assert director_client.post(f"/privacy/verzoeken/{request.pk}/inzage.json").status_code == 200


def test_prv02_bundle_queries_do_not_grow_with_the_number_of_records(
    region: dict[str, Any], coordinator_a: Any, fg_actor: Actor
) -> None:
    """Issue 10: a busy pupil's bundle made one query per foreign key per record (626 for a
    pupil of the large benchmark region); labels are now fetched per record type."""
    from django.db import IntegrityError, connection, transaction
    from django.test.utils import CaptureQueriesContext

    world = _world(region, coordinator_a, region["school_a"], "Sem")
    pupil = world.context[apps.get_model("pupils", "Pupil")]
    request = _access_request(pupil, fg_actor)

    def add_rows() -> None:
        for model in exported_models():
            for _ in range(3):  # more rows of every model about the same pupil, where allowed
                try:
                    with transaction.atomic():
                        world.build(model)
                except IntegrityError:
                    break

    def bundle_records() -> int:
        return sum(len(s["records"]) for s in selectors.access_bundle(request)["sections"])

    # A first round links every optional foreign key the builder knows, so that both counts
    # below fetch the same relations; only the number of records differs.
    add_rows()
    with CaptureQueriesContext(connection) as before:
        records_before = bundle_records()
    add_rows()
    with CaptureQueriesContext(connection) as after:
        records_after = bundle_records()
    assert records_after >= records_before + 60
    assert len(after.captured_queries) == len(before.captured_queries)


def test_prv02_bundle_choice_labels_are_the_models_own_display_in_dutch(
    region: dict[str, Any], coordinator_a: Any, fg_actor: Actor
) -> None:
    """Labels are translated once per section (issue 10), yet each is the model's own
    ``get_<field>_display()`` text: in every exported model, for the record's value."""
    world = _world(region, coordinator_a, region["school_a"], "Sem")
    pupil = world.context[apps.get_model("pupils", "Pupil")]
    bundle = _bundle(pupil, fg_actor)
    compared = 0
    for section in bundle["sections"]:
        model = apps.get_model(section["model"])
        for record in section["records"]:
            if "id" in record:
                instance = model.objects.get(pk=record["id"])
            else:  # a key never exported (absence): the world's one record of the model
                assert len(section["records"]) == 1
                instance = world.context[model]
            for name, label in record.items():
                if not name.endswith("_label") or name == "_label":
                    continue
                field_name = name.removesuffix("_label")
                assert label == str(getattr(instance, f"get_{field_name}_display")())
                assert type(label) is str  # not a lazy translation
                compared += 1
    assert compared >= 40  # choices in most exported models (phase, kind, status, role …)


def test_prv02_a_models_own_display_method_is_kept(
    region: dict[str, Any], coordinator_a: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    membership = Membership.objects.get(user=coordinator_a)
    monkeypatch.setattr(Membership, "get_role_display", lambda self: f"eigen {self.role}")
    [record] = subject_data.rows(Membership.objects.filter(pk=membership.pk))
    assert record["role_label"] == f"eigen {membership.role}"
    monkeypatch.undo()
    [record] = subject_data.rows(Membership.objects.filter(pk=membership.pk))
    assert record["role_label"] == str(Role(membership.role).label)


def test_prv02_access_list_categories_are_dutch_labels(
    region: dict[str, Any], coordinator_a: Any, fg_actor: Actor
) -> None:
    membership = Membership.objects.get(user=coordinator_a)
    pupil = make_pupil(region["school_a"], first_name="Sem", last_name="Categorie")
    case = make_case(membership, pupil=pupil)
    web = RequestFactory().get("/")
    web.user = coordinator_a
    web.membership = membership  # type: ignore[attr-defined]
    web.trace_id = "t"  # type: ignore[attr-defined]
    access_selectors.get_case(web, case.pk)
    bundle = _bundle(pupil, fg_actor)
    [view] = [a for a in bundle["accesses"] if a["action"] == "view"]
    entry = AccessLogEntry.objects.get(action="view", object_id=str(case.pk))
    logged = [c for c in entry.data_categories.split(",") if c]
    assert len(logged) >= 2  # the case page shows several categories to its coordinator
    assert view["categories"] == [str(DataCategory(c).label) for c in logged]
    assert all(type(c) is str for c in view["categories"])
    json.dumps(bundle)  # plain JSON values throughout


def test_prv02_bundle_reads_each_related_row_once_and_labels_it_as_itself(
    region: dict[str, Any], coordinator_a: Any, fg_actor: Actor
) -> None:
    """Issue 10: the records of a bundle point to the same case, school and professionals from
    many sections; each related row is read once per bundle, and every label is still ``str``
    of the row it names."""
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    world = _world(region, coordinator_a, region["school_a"], "Sem")
    request = _access_request(world.context[apps.get_model("pupils", "Pupil")], fg_actor)
    with CaptureQueriesContext(connection) as queries:
        bundle = selectors.access_bundle(request)
    pointing: dict[str, int] = {}
    for section in bundle["sections"]:
        model = apps.get_model(section["model"])
        for record in section["records"]:
            for model_field in model._meta.concrete_fields:
                value = record.get(model_field.name)
                if (
                    not model_field.is_relation
                    or not isinstance(value, dict)
                    or value["id"] is None
                ):
                    continue
                related = model_field.related_model._default_manager.get(pk=value["id"])
                assert value["label"] == str(related), (section["model"], model_field.name)
                table = model_field.related_model._meta.db_table
                pointing[table] = pointing.get(table, 0) + 1
    # Labels of a consent, a hearing … name their case, read by their own ``__str__`` (once
    # per such row); the bundle itself reads a related row once (it read the case 33 times, the
    # school 37 times and the professionals 50 times before).
    for table, at_most in (("accounts_organisation", 1), ("accounts_user", 1), ("cases_case", 3)):
        by_key = re.compile(rf'FROM "{table}" WHERE "{table}"\."id" (IN|=)')
        reads = [q["sql"] for q in queries.captured_queries if by_key.search(q["sql"])]
        assert pointing[table] >= 25, table  # pointed to from many sections …
        assert len(reads) <= at_most, (table, reads)  # … and read once


def test_prv02_bundle_reads_only_the_sections_that_have_rows(
    region: dict[str, Any], coordinator_a: Any
) -> None:
    """Issue 10: most sections of a bundle are empty (a busy pupil of the large region: 21 of 57
    have records). One statement asks which have rows; an empty one is not read on its own,
    and a section with rows is still read in full."""
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    membership = Membership.objects.get(user=coordinator_a)
    pupil = make_pupil(region["school_a"], first_name="Sem", last_name="Weinig")
    case = make_case(membership, pupil=pupil)
    with CaptureQueriesContext(connection) as queries:
        sections = subject_data.collect(pupil.pk)
    statements = [q["sql"] for q in queries.captured_queries]
    probes = [sql for sql in statements if sql.startswith("SELECT EXISTS")]
    assert len(probes) == 1
    assert probes[0].count("EXISTS (") == len(sections) >= 50  # every section, one statement
    own = {s.model: s for s in sections}
    assert [r["id"] for r in own["cases.case"].records] == [case.pk]
    assert [r["id"] for r in own["pupils.pupil"].records] == [pupil.pk]
    empty = [label for label, s in own.items() if not s.records]
    assert "tlv.objection" in empty and "consultations.plan" in empty
    read_from = re.compile(r'SELECT [^(]*? FROM "(\w+)"')  # a statement's own table
    tables_read = {m.group(1) for sql in statements if (m := read_from.match(sql))}
    assert "cases_case" in tables_read
    for label in empty:  # only asked about inside the probe
        assert apps.get_model(label)._meta.db_table not in tables_read, label
    assert all(s.query is None for s in sections)  # nothing left for a caller to read


def test_prv02_a_record_read_by_its_section_is_not_read_again_as_a_related_row(
    region: dict[str, Any], coordinator_a: Any, fg_actor: Actor
) -> None:
    """Issue 10: an assessment and a letter point to their TLV application, a letter and a TLV
    to their decision, an invitee to its agenda item; each of those was read as a record of its
    own section just before, and is labelled from that record, as ``str`` of itself."""
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    world = _world(region, coordinator_a, region["school_a"], "Sem")
    request = _access_request(world.context[apps.get_model("pupils", "Pupil")], fg_actor)
    with CaptureQueriesContext(connection) as queries:
        bundle = selectors.access_bundle(request)
    by_model = {s["model"]: s["records"] for s in bundle["sections"]}
    for pointing, name, target in (
        ("tlv.assessment", "application", "tlv.tlvapplication"),
        ("tlv.letter", "application", "tlv.tlvapplication"),
        ("tlv.tlv", "decision", "tlv.decision"),
        ("consultations.agendainvitee", "item", "consultations.agendaitem"),
    ):
        model = apps.get_model(target)
        [record] = by_model[pointing][:1]
        assert record[name]["id"] in {r["id"] for r in by_model[target]}
        assert record[name]["label"] == str(model.objects.get(pk=record[name]["id"]))
        table = model._meta.db_table
        by_key = re.compile(rf'FROM "{table}" WHERE "{table}"\."id" (IN|=)')
        assert not [q for q in queries.captured_queries if by_key.search(q["sql"])], target
