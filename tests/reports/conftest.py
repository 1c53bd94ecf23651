"""Hand-made data for the management reports: every figure in the tests is computed by hand
from the rows created here (school year 2026-2027, SWV "SWV VO Test")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from passend.accounts.models import OrganisationKind, Role, SchoolType, Sector
from passend.arrangements.models import Arrangement, ArrangementKind
from passend.arrangements.models import Decision as ArrangementDecision
from passend.attendance.models import DuoReport, HomeStay
from passend.cases.models import Case, CaseKind
from passend.inquiries.models import Inquiry
from passend.reports.models import ReportSettings
from passend.terms.models import Term, TermRule
from passend.tlv import report_figures
from passend.tlv.models import Advice, Decision, Objection, Tlv, TlvApplication
from tests.access.helpers import make_pupil
from tests.conftest import make_professional
from tests.factories import OrganisationFactory

D = dt.date
_n = {"case": 0, "tlv": 0}


@dataclass
class ReportWorld:
    region: dict[str, Any]
    vso: Any
    other_swv: Any
    other_school: Any
    director: Any
    secretary: Any
    board_user: Any
    coordinator: Any
    desk: Any
    officer: Any
    user: Any  # author of the rows

    @property
    def swv(self) -> Any:
        return self.region["swv"]


def set_threshold(value: int) -> None:
    row = ReportSettings.current()
    row.suppression_threshold = value
    row.save()


def make_case(world: ReportWorld, kind: str, owner: Any) -> Case:
    _n["case"] += 1
    return Case.objects.create(
        kind=kind,
        pupil=make_pupil(owner),
        pseudonym=f"RPT-{_n['case']:05d}",
        owner=owner,
        process_director=world.user,
    )


def make_application(
    world: ReportWorld,
    *,
    submitted_on: dt.date,
    status: str,
    route: str = "new",
    triage: str = "",
    tlv_type: str = "vso",
    swv: Any = None,
    school: Any = None,
    advice: str = "",
    by_gavel: bool = False,
    decision: bool | None = None,
    previous_tlv: Any = None,
) -> TlvApplication:
    school = school or world.region["school_a"]
    application = TlvApplication.objects.create(
        case=make_case(world, CaseKind.TLV, school),
        committee=world.region["cva"],
        swv=swv or world.swv,
        requesting_school=school,
        board=school.board,
        intended_school=world.vso,
        route=route,
        requested_type=tlv_type,
        status=status,
        submitted_on=submitted_on,
        triage=triage,
        previous_tlv=previous_tlv,
        created_by=world.user,
    )
    if advice:
        Advice.objects.create(
            application=application,
            status=advice,
            by_gavel=by_gavel,
            given_on=submitted_on + dt.timedelta(days=20),
            given_by=world.user,
        )
    if decision is not None:
        Decision.objects.create(
            application=application,
            positive=decision,
            decided_on=submitted_on + dt.timedelta(days=25),
            decided_by=world.user,
        )
    # Rows made by hand, not by the services: their report figures as the services keep them.
    report_figures.refresh([application.pk])
    return application


def make_term(
    obj: Any,
    code: str,
    start: dt.date,
    due: dt.date,
    completed: dt.date | None = None,
    *,
    suspended_days: int = 0,
    suspended_since: dt.date | None = None,
    object_type: str = "tlv.tlvapplication",
) -> Term:
    term = Term.objects.create(
        rule=TermRule.objects.get(code=code),
        object_type=object_type,
        object_id=str(obj.pk),
        start_date=start,
        due_date=due,
        completed_on=completed,
        suspended_days=suspended_days,
        suspended_since=suspended_since,
    )
    if object_type == report_figures.APP_OBJECT:
        report_figures.refresh([obj.pk])
    return term


def make_tlv(
    application: TlvApplication, category: int | None, start: dt.date, end: dt.date
) -> Tlv:
    _n["tlv"] += 1
    return Tlv.objects.create(
        decision=application.decision,
        case=application.case,
        number=f"TLVTEST-{_n['tlv']:04d}",
        swv=application.swv,
        tlv_type=application.requested_type,
        category=category,
        start_date=start,
        end_date=end,
        school=application.intended_school or application.requesting_school,
        current_school=application.requesting_school,
    )


@pytest.fixture
def world(region: dict[str, Any], coordinator_a: Any) -> ReportWorld:
    vso = OrganisationFactory(
        name="VSO De Brug",
        kind=OrganisationKind.SCHOOL,
        sector=Sector.VO,
        school_type=SchoolType.VSO,
        board=region["board"],
        swv=region["swv"],
    )
    other_swv = OrganisationFactory(name="SWV Elders", kind=OrganisationKind.SWV)
    other_board = OrganisationFactory(name="Bestuur Elders", kind=OrganisationKind.SCHOOL_BOARD)
    other_school = OrganisationFactory(
        name="School Elders",
        kind=OrganisationKind.SCHOOL,
        school_type=SchoolType.REGULAR,
        board=other_board,
        swv=other_swv,
    )
    region["cva"].served_swvs.add(other_swv)
    director = make_professional(region["swv"], Role.SWV_DIRECTOR, username="rapport-directeur")
    return ReportWorld(
        region=region,
        vso=vso,
        other_swv=other_swv,
        other_school=other_school,
        director=director,
        secretary=make_professional(region["cva"], Role.CVA_SECRETARY, username="rapport-secr"),
        board_user=make_professional(region["board"], Role.SCHOOL_BOARD, username="rapport-bg"),
        coordinator=coordinator_a,
        desk=make_professional(region["swv"], Role.INFORMATION_DESK, username="rapport-desk"),
        officer=make_professional(
            region["municipality"], Role.ATTENDANCE_OFFICER, username="rapport-lpa"
        ),
        user=director,
    )


@dataclass
class TlvData:
    apps: dict[str, TlvApplication]


@pytest.fixture
def tlv_data(world: ReportWorld) -> TlvData:
    """Six applications of SWV VO Test submitted in 2026-2027 (A1..A6), one of the year before
    (A7), one of another SWV (X1). See test_figures.py for the figures computed by hand."""
    a7 = make_application(
        world, submitted_on=D(2025, 9, 1), status="decided", advice="positive", decision=True
    )
    old_tlv = make_tlv(a7, 1, D(2025, 10, 1), D(2027, 7, 31))
    a1 = make_application(
        world,
        submitted_on=D(2026, 9, 1),
        status="decided",
        triage="secretary",
        advice="positive",
        by_gavel=True,
        decision=True,
    )
    a2 = make_application(
        world,
        submitted_on=D(2026, 9, 1),
        status="decided",
        triage="secretary",
        advice="positive",
        decision=True,
    )
    a3 = make_application(
        world,
        submitted_on=D(2026, 9, 1),
        status="decided",
        triage="full",
        tlv_type="so",
        advice="positive",
        by_gavel=True,
        decision=True,
    )
    a4 = make_application(
        world,
        submitted_on=D(2026, 9, 10),
        status="in_assessment",
        route="extension",
        triage="secretary_chair",
        previous_tlv=old_tlv,
    )
    a5 = make_application(world, submitted_on=D(2026, 10, 1), status="suspended")
    a6 = make_application(
        world,
        submitted_on=D(2026, 9, 2),
        status="decided",
        triage="full",
        advice="negative",
        decision=False,
    )
    x1 = make_application(
        world,
        submitted_on=D(2026, 9, 1),
        status="decided",
        triage="secretary",
        advice="positive",
        by_gavel=True,
        decision=True,
        swv=world.other_swv,
        school=world.other_school,
    )
    for app in (a1, a2, a3, a4, a5, a6, x1, a7):
        assert app.submitted_on is not None
        make_term(
            app,
            "tlv-receipt",
            app.submitted_on,
            app.submitted_on + dt.timedelta(days=7),
            app.submitted_on,
        )
    make_term(a1, "tlv-advice", D(2026, 9, 1), D(2026, 9, 29), D(2026, 9, 20))
    make_term(a2, "tlv-advice", D(2026, 9, 1), D(2026, 9, 29), D(2026, 10, 6))
    make_term(a3, "tlv-advice", D(2026, 9, 1), D(2026, 9, 29), D(2026, 9, 25))
    make_term(a6, "tlv-advice", D(2026, 9, 2), D(2026, 9, 30), D(2026, 10, 30))
    make_term(a4, "tlv-advice", D(2026, 9, 10), D(2026, 10, 8))
    make_term(x1, "tlv-advice", D(2026, 9, 1), D(2026, 9, 29), D(2026, 12, 1))
    make_term(a1, "tlv-overall", D(2026, 9, 1), D(2026, 10, 13), D(2026, 9, 27), suspended_days=5)
    make_term(a5, "tlv-overall", D(2026, 10, 1), D(2026, 11, 12), suspended_since=D(2026, 10, 1))
    make_tlv(a1, 1, D(2026, 10, 1), D(2028, 7, 31))
    t2 = make_tlv(a2, 2, D(2026, 10, 15), D(2027, 7, 31))
    make_tlv(a3, 1, D(2026, 11, 1), D(2028, 7, 31))
    make_tlv(x1, 3, D(2026, 10, 1), D(2027, 7, 31))
    Objection.objects.create(
        decision=a6.decision,
        lodged_by="parents",
        received_on=D(2026, 11, 5),
        decided_on=D(2026, 12, 20),
        outcome="rejected",
        appeal_on=D(2027, 1, 10),
        recorded_by=world.user,
    )
    Objection.objects.create(
        decision=t2.decision, lodged_by="board", received_on=D(2026, 11, 10), recorded_by=world.user
    )
    return TlvData({"A1": a1, "A2": a2, "A3": a3, "A4": a4, "A5": a5, "A6": a6, "A7": a7, "X1": x1})


@pytest.fixture
def other_data(world: ReportWorld) -> None:
    add_other_data(world)


def add_other_data(world: ReportWorld, kind_name: str = "Ambulante begeleiding") -> None:
    """Arrangements, thuiszitters, DUO reports and inquiries of 2026-2027."""
    school_a, school_b = world.region["school_a"], world.region["school_b"]
    kind = ArrangementKind.objects.create(swv=world.swv, name=kind_name)
    for school, status, amount in (
        (school_a, "granted", Decimal("1200.50")),
        (school_a, "granted", Decimal("800.00")),
        (school_b, "refused", None),
        (school_b, "submitted", None),
    ):
        arrangement = Arrangement.objects.create(
            case=make_case(world, CaseKind.ARRANGEMENT, school),
            kind=kind,
            swv=world.swv,
            school=school,
            status=status,
            support_need="Begeleiding.",
            applied_by=world.user,
            applied_on=D(2026, 9, 15),
        )
        if status in ("granted", "refused"):
            _n["tlv"] += 1
            ArrangementDecision.objects.create(
                arrangement=arrangement,
                swv=world.swv,
                year=2026,
                sequence=_n["tlv"],
                number=f"ARR-2026-{_n['tlv']:04d}",
                granted=status == "granted",
                amount=amount,
                motivation="Besluit.",
                decided_by=world.user,
                decided_on=D(2026, 10, 1),
            )
    # Thuiszitters: relative since 1 Sep (on 30 Sep: 4 weeks to 3 months; on 31 Dec: over 3
    # months), absolute since 15 Oct ended 20 Nov, exemption 5a since 1 Aug.
    for kind_value, start, end, ground in (
        ("relative", D(2026, 9, 1), None, ""),
        ("absolute", D(2026, 10, 15), D(2026, 11, 20), ""),
        ("exemption", D(2026, 8, 1), None, "5a"),
    ):
        HomeStay.objects.create(
            case=make_case(world, CaseKind.HOME_STAY, school_a),
            swv=world.swv,
            school=school_a,
            kind=kind_value,
            exemption_ground=ground,
            start_date=start,
            end_date=end,
            reason="no_place",
            status="open" if end is None else "resolved",
            recorded_by=world.user,
        )
    for reported_on, kind_value in (
        (D(2026, 9, 10), "sixteen_hours"),
        (D(2026, 9, 20), "sixteen_hours"),
        (D(2026, 10, 5), "long_term"),
    ):
        case = make_case(world, CaseKind.ATTENDANCE, school_a)
        assert case.pupil is not None
        DuoReport.objects.create(
            case=case,
            pupil=case.pupil,
            kind=kind_value,
            reported_on=reported_on,
            reference="DUO-1",
            municipality=world.region["municipality"],
            recorded_by=world.user,
        )
    for kind_value, received, due, done in (
        ("question", D(2026, 9, 1), D(2026, 9, 15), D(2026, 9, 8)),
        ("question", D(2026, 9, 3), D(2026, 9, 17), D(2026, 9, 24)),
        ("complaint", D(2026, 10, 1), D(2026, 10, 29), None),
    ):
        inquiry = Inquiry.objects.create(
            swv=world.swv,
            kind=kind_value,
            channel="phone",
            topic="Vraag",
            question="Vraag over de procedure.",
            contact_role="parent",
            contact_name="Ouder",
            received_on=received,
            due_date=due,
            status="answered" if done else "open",
            registered_by=world.user,
        )
        code = "inquiry-answer" if kind_value == "question" else "inquiry-complaint"
        make_term(inquiry, code, received, due, done, object_type="inquiries.inquiry")
