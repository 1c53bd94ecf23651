"""The module parts of the region generator (issue 10): documents, TLVs, meetings, absence.

Each part is registered by its own app and runs at scale ``tiny`` here. The rows it writes must
satisfy the module's own rules, not just exist: a generated document decrypts and downloads, a
generated TLV file passes the TLV module's completeness check and term arithmetic and renders
for its CvA secretary, a generated meeting renders for an invitee, and the attendance
module's own detection finds exactly the meldplichtig pupils the generator wrote.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from typing import Any

import pytest
from django.db.models import F
from django.test import Client
from django.urls import reverse

from passend.accounts.models import Membership, Organisation, Role
from passend.cases import generator
from passend.cases.models import Case, CaseKind, Participant, Phase
from passend.documents.models import Document
from passend.documents.services import read_content
from passend.terms.models import Term
from passend.terms.services import compute_due

pytestmark = pytest.mark.django_db

SCALE = generator.SCALES["tiny"]


@pytest.fixture
def tiny_region() -> generator.Generator:
    g = generator.Generator(SCALE, seed=5)
    g.run()
    return g


def login(user: Any) -> Client:
    from tests.conftest import verified_client

    return verified_client(user)


def test_module_parts_are_registered_by_their_apps() -> None:
    names = [p.name for p in generator.ordered_parts()]
    for part in ("documents", "tlv", "meetings", "absence"):
        assert part in names
        assert names.index(part) > names.index("cases")
    assert names.index("meetings") > names.index("tlv")
    assert names.index("documents") > names.index("tlv")  # the TLV part's own cases too


def _assert_terms_follow_their_rules(object_type: str) -> None:
    """Every generated term has the due date ``terms.services`` computes (never inline)."""
    terms = list(Term.objects.filter(object_type=object_type).select_related("rule"))
    assert terms
    for term in terms:
        base = compute_due(term.rule.unit, term.start_date, term.rule.length + term.extended_by)
        assert term.due_date == base + dt.timedelta(days=term.suspended_days)
        assert term.completed_on is None or term.completed_on >= term.start_date


# --- documents ------------------------------------------------------------------------------


def test_documents_are_real_ciphertext_and_download(tiny_region: generator.Generator) -> None:
    """DESIGN.md "At rest": each generated blob decrypts under the configured master key with
    its own key and nonce and matches the recorded SHA-256; its uploader downloads it."""
    assert Document.objects.count() == SCALE.documents
    assert Document.objects.values("nonce").distinct().count() == SCALE.documents
    assert Document.objects.values("wrapped_key").distinct().count() == SCALE.documents
    for document in Document.objects.order_by("pk")[::20]:
        content = read_content(document)
        assert hashlib.sha256(content).hexdigest() == document.sha256
        assert len(content) == document.size
    own = (
        Document.objects.filter(
            case__restricted_since__isnull=True, case__process_director_id=F("uploaded_by_id")
        )
        .exclude(case__phase=Phase.CLOSED)
        .select_related("case", "case__process_director")
        .order_by("pk")
        .first()
    )
    assert own is not None
    client = login(own.case.process_director)
    response = client.get(reverse("documents:download", args=[own.case_id, own.pk]))
    assert response.status_code == 200
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert hashlib.sha256(body).hexdigest() == own.sha256


# --- TLV ------------------------------------------------------------------------------------


def test_tlv_files_follow_the_procedure(tiny_region: generator.Generator) -> None:
    """TLV-01/02/04/05/07/09/11/12: completeness, suspension, advice, decision and the TLV."""
    from passend.tlv import criteria, selectors, services
    from passend.tlv.models import Advice, SafetyNetOffer, Tlv, TlvApplication, TlvDuration, Triage

    Status = TlvApplication.Status
    applications = list(TlvApplication.objects.select_related("case"))
    assert len(applications) == SCALE.tlvs
    assert all(a.case.kind == CaseKind.TLV for a in applications)
    statuses = Counter(a.status for a in applications)
    assert statuses[Status.DECIDED] and statuses[Status.SUSPENDED], statuses
    for a in applications:
        missing = services.missing_items(a)
        if a.status == Status.SUSPENDED:
            assert missing
            overall = Term.objects.get(
                object_type="tlv.tlvapplication", object_id=str(a.pk), rule__code="tlv-overall"
            )
            assert overall.suspended_since is not None  # opgeschort (TLV-04)
        elif a.status != Status.DRAFT:
            assert missing == [], (a.status, missing)
        if a.triage == Triage.FULL:
            assert a.cva_meeting_on is not None
    durations = dict(TlvDuration.objects.values_list("tlv_type", "school_years"))
    for advice in Advice.objects.select_related("application"):
        if advice.by_gavel:
            assert advice.status == Advice.Status.POSITIVE
        if advice.status == Advice.Status.NEGATIVE:  # TLV-09: CvA breed after the conversation
            assert advice.application.triage == Triage.FULL
            assert advice.conversation_on is not None
    for tlv in Tlv.objects.select_related("decision__application"):
        assert tlv.decision.positive
        assert tlv.end_date == criteria.tlv_end_date(tlv.start_date, durations[tlv.tlv_type])
    negative = TlvApplication.objects.filter(decision__positive=False).count()
    assert SafetyNetOffer.objects.count() == negative
    _assert_terms_follow_their_rules("tlv.tlvapplication")
    # TLV-12: most positive advice goes "bij hamerslag" (about 80 % at scale; tiny is noisy).
    stats = selectors.statistics(
        swv_ids=[s.pk for s in tiny_region.swvs],
        start=generator.ANCHOR.date().replace(year=2015),
        end=generator.ANCHOR.date(),
        today=generator.ANCHOR.date(),
    )
    assert stats.positive_advice and stats.by_gavel / stats.positive_advice >= 0.6


def test_tlv_detail_renders_for_its_cva_secretary(tiny_region: generator.Generator) -> None:
    from passend.tlv.models import TlvApplication

    secretaries = Membership.objects.filter(role=Role.CVA_SECRETARY).values("user_id")
    participant = (
        Participant.objects.filter(
            user_id__in=secretaries,
            ended_at__isnull=True,
            case__kind=CaseKind.TLV,
            case__restricted_since__isnull=True,
            case__tlv_application__status=TlvApplication.Status.DECIDED,
        )
        .exclude(case__phase=Phase.CLOSED)
        .select_related("user", "case")
        .order_by("case_id")
        .first()
    )
    assert participant is not None
    client = login(participant.user)
    response = client.get(reverse("tlv:detail", args=[participant.case_id]))
    assert response.status_code == 200
    assert participant.case.pseudonym in response.content.decode()
    assert client.get(reverse("tlv:overview")).status_code == 200


# --- meetings -------------------------------------------------------------------------------


def test_meetings_have_their_cases_participants(tiny_region: generator.Generator) -> None:
    """CO-03: invitees are participants of the item's case; the convener directs the cases."""
    from passend.consultations.models import AgendaInvitee, AgendaItem, Meeting
    from passend.consultations.services import COMMITTEE_KIND_CODE
    from passend.tlv.models import TlvApplication, Triage

    assert Meeting.objects.exclude(kind__code=COMMITTEE_KIND_CODE).count() == SCALE.meetings
    active = set(
        Participant.objects.filter(ended_at__isnull=True).values_list(
            "case_id", "user_id", "organisation_id"
        )
    )
    invitees = list(AgendaInvitee.objects.select_related("item"))
    assert invitees
    for invitee in invitees:
        assert (invitee.item.case_id, invitee.user_id, invitee.organisation_id) in active
    for item in AgendaItem.objects.exclude(meeting__kind__code=COMMITTEE_KIND_CODE).select_related(
        "case", "meeting"
    ):
        assert item.case.process_director_id == item.meeting.convener_id
        assert item.case.phase != Phase.CLOSED
    assert not Meeting.objects.filter(
        kind__code=COMMITTEE_KIND_CODE, status=Meeting.Status.CANCELLED
    ).exists()
    # TLV-05: every file for the CvA breed is on the committee's meeting of that day.
    for application in TlvApplication.objects.filter(triage=Triage.FULL):
        item = AgendaItem.objects.select_related("meeting").get(case_id=application.case_id)
        assert item.meeting.kind.code == COMMITTEE_KIND_CODE
        assert item.meeting.starts_at.date() == application.cva_meeting_on
    _assert_terms_follow_their_rules("consultations.meeting")


def test_a_meeting_renders_for_an_invitee(tiny_region: generator.Generator) -> None:
    from passend.consultations.models import AgendaInvitee
    from passend.consultations.services import COMMITTEE_KIND_CODE

    invitee = (
        AgendaInvitee.objects.exclude(item__meeting__kind__code=COMMITTEE_KIND_CODE)
        .exclude(user_id=F("item__meeting__convener_id"))
        .filter(item__case__restricted_since__isnull=True)
        .select_related("user", "item__meeting")
        .order_by("pk")
        .first()
    )
    assert invitee is not None
    response = login(invitee.user).get(
        reverse("consultations:meeting", args=[invitee.item.meeting_id])
    )
    assert response.status_code == 200


# --- absence --------------------------------------------------------------------------------


def test_absence_lines_and_meldplichtig_match_the_detection(
    tiny_region: generator.Generator,
) -> None:
    """ABS-01: the module's own detection over the generated lines finds nothing new."""
    from passend.attendance import detection
    from passend.attendance.models import AbsenceImport, AbsenceRecord, ReportableAbsence
    from passend.privacy.context import AccessContext

    assert AbsenceRecord.objects.count() == SCALE.absence_lines
    assert sum(AbsenceImport.objects.values_list("total_lines", flat=True)) == SCALE.absence_lines
    reportables = list(ReportableAbsence.objects.select_related("term"))
    assert reportables, "some pupils are meldplichtig"
    for reportable in reportables:
        assert reportable.term is not None and reportable.term.is_open
        assert reportable.unauthorised_hours >= 16 or reportable.reason == "long_term"
        assert reportable.evidence.exists()
    _assert_terms_follow_their_rules("attendance.reportableabsence")
    context = AccessContext.system()
    for school in Organisation.objects.filter(pk__in=[s.pk for s in tiny_region.schools]):
        pupils = tiny_region.pupils_by_school[school.pk]
        found = detection.detect(
            school, pupils, membership=None, context=context, today=generator.ANCHOR.date()
        )
        assert found == 0
    assert ReportableAbsence.objects.count() == len(reportables)


def test_historical_tlv_cases_and_receiving_schools_are_counted(
    tiny_region: generator.Generator,
) -> None:
    """The TLV part's own cases (older TLV history) are on top of the cases part's."""
    extra = tiny_region.counts["tlv historical cases"]
    assert Case.objects.count() == SCALE.cases + extra
    assert Case.objects.filter(kind=CaseKind.TLV).count() >= SCALE.tlvs
