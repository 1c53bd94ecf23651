"""The TLV part of the region generator (issue 10; ``manage.py generate_region``).

``scale.tlvs`` TLV applications, each on a case of kind TLV (``TlvApplication.case`` is
one-to-one): every TLV case of the cases part gets one, matching its phase, and the remainder
are older, historical TLV cases that this part opens itself (a region's TLV register spans more
years than its open case load), so a region of scale ``large`` holds 50,000 cases of the cases
part plus about 12,500 historical TLV cases.

What the procedure would have written, in bulk (TLV-01..13): the application with every step
filled in (or, when suspended, with gaps that ``services.missing_items`` reports), letters,
the terms of ``passend.terms`` with due dates from ``terms.services.compute_due`` (suspended
"opgeschort" where the file is incomplete or back to the MDO), the triage with the CvA members
as participants, assessments, advice (positive mostly "bij hamerslag", about 80 % as TLV-12
aims; negative only after the CvA breed and the conversation, TLV-09), decisions, TLVs with
their number, category and end date (``criteria.tlv_end_date``), extensions of earlier TLVs,
safety-net offers, exit-perspective prognoses, and the board, intended school, committee and
SWV as participants or legal-ground holders (CON-04). Applications triaged to the CvA breed
keep their meeting date in ``Generator.tlv_meetings`` for the meetings part.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from datetime import timedelta
from importlib import import_module
from typing import Any

from django.apps import apps as django_apps
from django.db.models import Exists, OuterRef, Subquery

from passend.accounts.models import Organisation, OrganisationKind, Role, SchoolType, Sector
from passend.cases import generator
from passend.cases.models import Case, CaseKind, Participant, Phase, PhaseChange
from passend.consent.models import LegalBasis, LegalGround
from passend.privacy.categories import ALL_CATEGORIES
from passend.terms.models import Term, TermRule
from passend.terms.services import compute_due
from passend.tlv import criteria, report_figures
from passend.tlv.models import (
    Advice,
    Assessment,
    Decision,
    Disability,
    ExitPerspective,
    ExitPerspectiveRecord,
    ExpertProfession,
    Letter,
    Route,
    SafetyNetOffer,
    Tlv,
    TlvApplication,
    TlvDuration,
    TlvSettings,
    TlvType,
    Triage,
)

Status = TlvApplication.Status
APP_OBJECT = "tlv.tlvapplication"
DECISION_OBJECT = "tlv.decision"
TLV_OBJECT = "tlv.tlv"
CVA_ROLES = (
    Role.CVA_SECRETARY,
    Role.CVA_CHAIR,
    Role.CVA_MEDICAL_SPECIALIST,
    Role.CVA_SOCIAL_WORKER,
)
# The CvA breed of the generated region has met every N weeks since this Tuesday (TLV-05).
FIRST_CVA_MEETING = dt.date(2019, 1, 8)
ALL_CATS_JSON = "[" + ",".join(f'"{c}"' for c in sorted(ALL_CATEGORIES)) + "]"

# Status of the application by the phase of its case (weights).
STATUS_BY_PHASE: dict[str, list[tuple[str, int]]] = {
    Phase.INTAKE: [(Status.DRAFT, 50), (Status.SUSPENDED, 30), (Status.SUBMITTED, 20)],
    Phase.ASSESSMENT: [
        (Status.SUBMITTED, 15),
        (Status.IN_ASSESSMENT, 50),
        (Status.SUSPENDED, 15),
        (Status.BACK_TO_MDO, 5),
        (Status.ADVISED, 15),
    ],
    Phase.CLOSED: [(Status.DECIDED, 85), (Status.WITHDRAWN, 15)],
}
TRIAGE_WEIGHTS: list[tuple[str, int]] = [
    (Triage.SECRETARY, 50),
    (Triage.SECRETARY_CHAIR, 30),
    (Triage.FULL, 20),
]
DISABILITY_WEIGHTS: list[tuple[str, int]] = [
    (Disability.PSYCHIATRIC, 50),
    (Disability.ZML, 25),
    (Disability.LG, 10),
    (Disability.LZ, 8),
    (Disability.LZK, 7),
]
EXIT_WEIGHTS: list[tuple[str, int]] = [
    (ExitPerspective.FURTHER_EDUCATION, 50),
    (ExitPerspective.LABOUR_MARKET, 30),
    (ExitPerspective.DAYTIME_ACTIVITIES, 20),
]
TEXT = "Fictieve aanvraag van de benchmarkregio: beschreven in algemene termen, zonder namen."
IVO = {
    "instruction": "Kleine groep, korte instructie",
    "time": "Extra begeleide leertijd",
    "materials": "Aangepaste materialen",
    "space": "Prikkelarme werkplek",
    "expertise": "Gedragsspecialist",
    "cooperation": "Afstemming met jeugdhulp",
}
APPLICATION_FIELDS = [
    "id",
    "case_id",
    "committee_id",
    "swv_id",
    "requesting_school_id",
    "board_id",
    "intended_school_id",
    "route",
    "previous_tlv_id",
    "requested_type",
    "disability",
    "needs",
    "exit_perspective",
    "support_given",
    "support_results",
    "lovs_summary",
    "why_not_regular",
    "substantiation",
    "iq",
    "additional_disorder",
    "why_intended_school",
    "end_goals",
    "ivo",
    "parents_seen_on",
    "parents_view",
    "parents_agree",
    "pupil_heard_on",
    "pupil_view",
    "pupil_not_heard_reason",
    "expert_1_name",
    "expert_1_profession",
    "expert_1_signed_on",
    "expert_2_name",
    "expert_2_expertise",
    "expert_2_signed_on",
    "experts_agree",
    "status",
    "submitted_on",
    "complete_on",
    "receipt_confirmed_on",
    "triage",
    "cva_meeting_on",
    "created_by_id",
    "created_at",
    "updated_at",
]
TERM_FIELDS = [
    "id",
    "rule_id",
    "object_type",
    "object_id",
    "subject_pseudonym",
    "owner_id",
    "start_date",
    "due_date",
    "suspended_since",
    "suspended_days",
    "extension_reason",
    "extended_by",
    "completed_on",
    "created_by_id",
    "created_at",
]
PARTICIPANT_FIELDS = [
    "id",
    "case_id",
    "organisation_id",
    "user_id",
    "role",
    "legal_task",
    "joined_phase",
    "joined_at",
    "ended_at",
    "end_reason",
    "case_opened_at",
]
GROUND_FIELDS = [
    "id",
    "case_id",
    "organisation_id",
    "basis",
    "categories",
    "note",
    "parents_informed_on",
    "recorded_by_id",
    "recorded_at",
    "ended_at",
]


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC)


class _Writer:
    """Collects the rows of one part run, hands out ids, and keeps cross-row bookkeeping."""

    def __init__(self, g: generator.Generator) -> None:
        self.g = g
        self.rng = g.rng
        self.today = generator.ANCHOR.date()
        self.rules = {r.code: r for r in TermRule.objects.filter(code__startswith="tlv-")}
        config = TlvSettings.objects.filter(pk=1).first() or TlvSettings()
        self.cva_interval_days = 7 * config.cva_meeting_interval_weeks
        self.durations = dict(TlvDuration.objects.values_list("tlv_type", "school_years"))
        n = g.scale.tlvs
        self.extra_cases = max(0, n - sum(1 for c in g.cases if c.kind == CaseKind.TLV))
        self.case_ids = iter(g.new_ids(Case, self.extra_cases))
        self.app_ids = iter(g.new_ids(TlvApplication, n))
        self.term_ids = iter(g.new_ids(Term, 8 * n))
        self.letter_ids = iter(g.new_ids(Letter, 3 * n))
        self.assessment_ids = iter(g.new_ids(Assessment, n))
        self.advice_ids = iter(g.new_ids(Advice, n))
        self.decision_ids = iter(g.new_ids(Decision, n))
        self.tlv_ids = iter(g.new_ids(Tlv, n))
        self.exit_ids = iter(g.new_ids(ExitPerspectiveRecord, n))
        self.safety_ids = iter(g.new_ids(SafetyNetOffer, n))
        self.part_ids = iter(g.new_ids(Participant, 10 * n))
        self.change_ids = iter(g.new_ids(PhaseChange, 4 * self.extra_cases))
        self.ground_ids = iter(g.new_ids(LegalGround, 5 * n))
        self.rows: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        self.tlv_numbers: dict[tuple[int, int], int] = defaultdict(int)
        self.last_tlv: dict[int, tuple[int, dt.date]] = {}  # pupil -> (tlv id, end date)
        self.active: dict[int, set[tuple[int, int]]] = {}  # case -> active (user, org)
        self.grounds: dict[int, set[int]] = {}  # case -> organisations with a ground
        self.meetings: list[tuple[int, int, dt.date, list[generator.Person]]] = []

    # --- small helpers ------------------------------------------------------------------------

    def next_cva_meeting(self, after: dt.date) -> dt.date:
        """The CvA breed meets every N weeks (``TlvSettings``, TLV-05) from a fixed Tuesday."""
        steps = (after - FIRST_CVA_MEETING).days // self.cva_interval_days + 1
        return FIRST_CVA_MEETING + timedelta(days=steps * self.cva_interval_days)

    def date_between(self, first: dt.date, days_min: int, days_max: int) -> dt.date:
        return min(self.today, first + timedelta(days=self.rng.randint(days_min, days_max)))

    def term(
        self,
        code: str,
        object_type: str,
        object_id: int,
        pseudonym: str,
        owner_id: int | None,
        start: dt.date,
        *,
        completed: dt.date | None = None,
        suspended_since: dt.date | None = None,
        suspended_days: int = 0,
        created_by: int,
    ) -> None:
        """A term as ``terms.services`` computes it: due = rule length from the start, moved
        by the days it stood still."""
        rule = self.rules[code]
        due = compute_due(rule.unit, start, rule.length) + timedelta(days=suspended_days)
        self.rows["term"].append(
            (
                next(self.term_ids),
                rule.pk,
                object_type,
                str(object_id),
                pseudonym,
                owner_id,
                start,
                due,
                suspended_since,
                suspended_days,
                "",
                0,
                completed,
                created_by,
                _at(start),
            )
        )

    def participate(
        self,
        case: generator.CaseInfo,
        person: generator.Person,
        role: str,
        joined: dt.date,
        legal_task: str = "",
    ) -> None:
        case_id = case.id
        active = self.active.setdefault(case_id, set())
        key = (person.user_id, person.organisation_id)
        if key in active:
            return
        active.add(key)
        self.rows["participant"].append(
            (
                next(self.part_ids),
                case_id,
                person.organisation_id,
                person.user_id,
                role,
                legal_task,
                Phase.ASSESSMENT,
                _at(joined, 11),
                None,
                "",
                case.opened_at,
            )
        )

    def ground(self, case_id: int, organisation_id: int, on: dt.date, by: int) -> None:
        held = self.grounds.setdefault(case_id, set())
        if organisation_id in held:
            return
        held.add(organisation_id)
        self.rows["ground"].append(
            (
                next(self.ground_ids),
                case_id,
                organisation_id,
                LegalBasis.EXTRA_SUPPORT,
                ALL_CATS_JSON,
                "TLV-aanvraag (TLV-01)",
                on,
                by,
                _at(on),
                None,
            )
        )

    def letter(self, application_id: int, kind: str, on: dt.date, missing: str = "[]") -> None:
        self.rows["letter"].append((next(self.letter_ids), application_id, kind, on, missing))


def _special_schools(g: generator.Generator) -> dict[str, list[Organisation]]:
    result: dict[str, list[Organisation]] = defaultdict(list)
    for school in g.schools:
        if school.school_type in (SchoolType.SBO, SchoolType.SO, SchoolType.VSO):
            result[school.school_type].append(school)
    return result


def _receiving_schools(g: generator.Generator) -> dict[str, list[Organisation]]:
    """The special schools of the region; a small region without one of a type gets one
    receiving school of that type (no pupils, no users), so that applications can name it."""
    special = _special_schools(g)
    added: list[Organisation] = []
    ids = iter(g.new_ids(Organisation, 3))
    for tlv_type, sector in (
        (TlvType.SBO, Sector.PO),
        (TlvType.SO, Sector.PO),
        (TlvType.VSO, Sector.VO),
    ):
        if special.get(tlv_type):
            continue
        swv = next((s for s in g.swvs if s.sector == sector), g.swvs[0])
        school = Organisation(
            id=next(ids),
            name=f"{tlv_type.upper()} De Ontvangst",
            kind=OrganisationKind.SCHOOL,
            sector=sector,
            school_type=tlv_type,
            brin=f"99Z{chr(65 + len(added))}",
            vestiging="00",
            town=swv.town,
            board_id=g.boards[0].id,
            swv_id=swv.id,
        )
        added.append(school)
        special[tlv_type].append(school)
    if added:
        Organisation.objects.bulk_create(added)
        g.counts["organisations"] = g.counts.get("organisations", 0) + len(added)
    return special


def _committee_of(g: generator.Generator, swv_id: int) -> Organisation:
    index = [s.id for s in g.swvs].index(swv_id)
    return g.cvas[index % len(g.cvas)]


def _historical_cases(w: _Writer) -> list[generator.CaseInfo]:
    """Older TLV cases (two to six years back), mostly decided and closed, some still running."""
    g, rng = w.g, w.rng
    infos: list[generator.CaseInfo] = []
    openings = sorted(g.moment(6 * 365, 2 * 365) for _ in range(w.extra_cases))
    # Pupils with a TLV history come from a pool, so that extensions follow earlier TLVs.
    pool = sorted({c.pupil_id for c in g.cases if c.kind == CaseKind.TLV and c.pupil_id})
    school_of_pupil = {
        pupil_id: school for school in g.schools for pupil_id in g.pupils_by_school[school.id]
    }
    for opened_at, case_id in zip(openings, w.case_ids, strict=False):
        school = g.schools[rng.randrange(len(g.schools))]
        if pool and rng.random() < 0.4:
            pupil_id = rng.choice(pool)
            school = school_of_pupil[pupil_id]
        else:
            pupil_id = rng.choice(g.pupils_by_school[school.id])
            pool.append(pupil_id)
        coordinator = g.person(school.id, [Role.SUPPORT_COORDINATOR])
        assert coordinator is not None  # noqa: S101 - every school has one (_role_plan)
        phase = Phase.CLOSED if rng.random() < 0.7 else Phase.MONITORING
        path = [Phase.INTAKE, Phase.ASSESSMENT]
        path += [Phase.CLOSED] if phase == Phase.CLOSED else [Phase.PLAN, Phase.MONITORING]
        stamp = opened_at
        for index, to_phase in enumerate(path):
            if index:
                stamp += timedelta(days=rng.randint(20, 60) if to_phase != Phase.CLOSED else 400)
            stamp = min(stamp, generator.ANCHOR - timedelta(days=1))
            w.rows["change"].append(
                (
                    next(w.change_ids),
                    case_id,
                    path[index - 1] if index else "",
                    to_phase,
                    "",
                    coordinator.user_id,
                    stamp,
                )
            )
        w.rows["case"].append(
            (
                case_id,
                CaseKind.TLV,
                pupil_id,
                generator.pseudonym_for(case_id),
                False,
                str(CaseKind.TLV.label),
                school.id,
                coordinator.user_id,
                None,
                phase,
                None,
                None,
                opened_at,
                stamp if phase == Phase.CLOSED else None,
                stamp,
                1,
            )
        )
        w.rows["participant"].append(
            (
                next(w.part_ids),
                case_id,
                school.id,
                coordinator.user_id,
                "Procesregisseur",
                "",
                Phase.INTAKE,
                opened_at,
                None,
                "",
                opened_at,
            )
        )
        w.active[case_id] = {(coordinator.user_id, school.id)}
        info = generator.CaseInfo(
            case_id, CaseKind.TLV, phase, pupil_id, school.id, school.id, opened_at
        )
        info.participants.append(coordinator)
        infos.append(info)
    return infos


def load_defaults() -> None:
    """The module's configuration (term rules and the like) as its data migration loads it.

    A migrated database has it already (every step is a ``get_or_create``); a test database
    that a transactional test flushed has lost it.
    """
    import_module("passend.tlv.migrations.0002_defaults").load(django_apps, None)


@generator.register_part("tlv", after="cases")
def generate_tlvs(g: generator.Generator) -> None:
    """``scale.tlvs`` applications over every status, with terms, advice, decisions and TLVs."""
    load_defaults()
    if not g.scale.tlvs or not g.cvas:
        return
    w = _Writer(g)
    receiving = _receiving_schools(g)
    school_of = {s.id: s for s in g.schools}
    tlv_cases = [c for c in g.cases if c.kind == CaseKind.TLV and c.pupil_id is not None]
    for case_id, org_ids in LegalGround.objects.filter(
        case_id__in=[c.id for c in tlv_cases]
    ).values_list("case_id", "organisation_id"):
        w.grounds.setdefault(case_id, set()).add(org_ids)
    for case in tlv_cases:
        w.active[case.id] = {(p.user_id, p.organisation_id) for p in case.participants}
    historical = _historical_cases(w)
    # Oldest first, so that an extension follows the TLV it extends.
    everything = sorted([*historical, *tlv_cases], key=lambda c: c.opened_at)[: g.scale.tlvs]
    boards = {
        org_id: people[0]
        for org_id, people in g.people_by_org.items()
        if people and people[0].role == Role.SCHOOL_BOARD
    }
    directors = {p.organisation_id: p for p in g.people_by_role.get(Role.SWV_DIRECTOR, [])}
    for case in everything:
        school = school_of[case.school_id]
        _application(w, case, school, receiving, boards, directors)
    g.tlv_meetings = w.meetings  # type: ignore[attr-defined]
    historical_ids = {c.id for c in historical}
    g.cases.extend(historical)
    _write(g, w, historical_ids)


def _application(
    w: _Writer,
    case: generator.CaseInfo,
    school: Organisation,
    receiving: dict[str, list[Organisation]],
    boards: dict[int, generator.Person],
    directors: dict[int, generator.Person],
) -> None:
    g, rng = w.g, w.rng
    today = w.today
    assert case.pupil_id is not None and school.swv_id is not None  # noqa: S101
    coordinator = case.participants[0]
    pseudonym = generator.pseudonym_for(case.id)
    committee = _committee_of(g, school.swv_id)
    swv_id = school.swv_id
    if case.phase in STATUS_BY_PHASE:
        status = g.pick_weighted(STATUS_BY_PHASE[case.phase])
    else:
        status = Status.DECIDED
    po = school.sector == Sector.PO
    requested = (TlvType.SBO if rng.random() < 0.55 else TlvType.SO) if po else TlvType.VSO
    disability = "" if requested == TlvType.SBO else g.pick_weighted(DISABILITY_WEIGHTS)
    intended = rng.choice(receiving[requested])
    route = Route.NEW
    previous = w.last_tlv.get(case.pupil_id)
    previous_tlv_id = None
    if previous is not None and rng.random() < 0.7:
        route, previous_tlv_id = Route.EXTENSION, previous[0]
    elif rng.random() < 0.04:
        route = Route.OUTSIDE_SWV
    opened = case.opened_at.date()
    incomplete = status in (Status.DRAFT, Status.SUSPENDED)
    filled = not (status == Status.DRAFT and rng.random() < 0.5)
    # Early statuses are recent; a later one keeps the timeline of its case.
    if status in (Status.SUBMITTED, Status.SUSPENDED, Status.IN_ASSESSMENT, Status.BACK_TO_MDO):
        submitted = max(opened, today - timedelta(days=rng.randint(2, 35)))
    else:
        submitted = w.date_between(opened, 7, 45)
    signed = submitted - timedelta(days=rng.randint(3, 14))
    iq = rng.randint(35, 70) if disability == Disability.ZML else None
    experts_agree = status != Status.BACK_TO_MDO
    app_id = next(w.app_ids)
    board_person = boards.get(school.board_id or 0)
    created_by = coordinator.user_id
    # The board applies, the intended school helps prepare it (TLV-01, CON-04).
    for org_id in (school.board_id, intended.id):
        if org_id:
            w.ground(case.id, org_id, opened, created_by)
    if board_person is not None:
        w.participate(case, board_person, "Bevoegd gezag (aanvrager)", opened)
    for person in g.people_by_org.get(intended.id, []):
        if person.role == Role.SUPPORT_COORDINATOR:
            w.participate(case, person, "Beoogde school", opened)
    triage = ""
    meeting_on = None
    complete_on = None
    decided_on = None
    if status != Status.DRAFT:
        for org_id in (committee.id, swv_id):
            w.ground(case.id, org_id, submitted, created_by)
        w.term(
            "tlv-receipt", APP_OBJECT, app_id, pseudonym, committee.id, submitted,
            completed=submitted, created_by=created_by,
        )  # fmt: skip
        w.letter(app_id, Letter.Kind.RECEIPT, submitted)
    if status == Status.SUSPENDED:
        w.term(
            "tlv-overall", APP_OBJECT, app_id, pseudonym, swv_id, submitted,
            suspended_since=submitted, created_by=created_by,
        )  # fmt: skip
        w.letter(
            app_id,
            Letter.Kind.INCOMPLETE,
            submitted,
            '["De zienswijze van de ouders (TLV-01).", "De tweede deskundige met specifieke '
            'expertise, met naam en medeondertekening (TLV-02)."]',
        )
    elif status != Status.DRAFT:
        # Some complete files were suspended for a while first (opgeschort, TLV-04).
        stood_still = rng.choice((0, 0, 0, rng.randint(4, 30)))
        complete_on = min(today, submitted + timedelta(days=stood_still))
        stood_still = (complete_on - submitted).days
        if stood_still:
            w.letter(app_id, Letter.Kind.INCOMPLETE, submitted, '["Aanvullende stukken."]')
        overall: dict[str, Any] = {"suspended_days": stood_still}
        advice_start = complete_on
        assessed_on = None
        if status != Status.SUBMITTED:
            triage = g.pick_weighted(TRIAGE_WEIGHTS)
            triaged_on = w.date_between(complete_on, 1, 7)
            later = (Status.ADVISED, Status.DECIDED, Status.WITHDRAWN)
            if triage == Triage.FULL and status in later and w.next_cva_meeting(triaged_on) > today:
                triage = Triage.SECRETARY_CHAIR  # advised already: no CvA breed still to come
            members = _cva_members(g, committee.id, triage)
            for person in members:
                w.participate(
                    case,
                    person,
                    "CvA",
                    triaged_on,
                    legal_task=str(committee.legal_basis),
                )
            if triage == Triage.FULL:
                meeting_on = w.next_cva_meeting(triaged_on)
                w.meetings.append((case.id, committee.id, meeting_on, members))
            assessed_on = w.date_between(triaged_on, 2, 14)
        advised_on = None
        positive = True
        by_gavel = False
        if assessed_on is not None and (status != Status.IN_ASSESSMENT or rng.random() < 0.5):
            positive = not (triage == Triage.FULL and rng.random() < 0.35)
            met = experts_agree and positive
            w.rows["assessment"].append(
                (
                    next(w.assessment_ids),
                    app_id,
                    True,
                    met or rng.random() < 0.5,
                    met or rng.random() < 0.5,
                    disability == Disability.PSYCHIATRIC and met,
                    "",
                    met,
                    '["Beoordeeld aan de hand van de criteria (TLV-06)."]',
                    members[0].user_id,
                    _at(assessed_on),
                )
            )
        if status == Status.BACK_TO_MDO:
            overall = {"suspended_days": stood_still, "suspended_since": assessed_on}
            w.term(
                "tlv-advice", APP_OBJECT, app_id, pseudonym, committee.id, advice_start,
                suspended_since=assessed_on, created_by=created_by,
            )  # fmt: skip
        elif status in (Status.SUBMITTED, Status.IN_ASSESSMENT):
            w.term(
                "tlv-advice", APP_OBJECT, app_id, pseudonym, committee.id, advice_start,
                created_by=created_by,
            )  # fmt: skip
        else:  # advised, decided, withdrawn
            assert assessed_on is not None  # noqa: S101
            if status == Status.WITHDRAWN:
                w.term(
                    "tlv-advice", APP_OBJECT, app_id, pseudonym, committee.id, advice_start,
                    completed=assessed_on, created_by=created_by,
                )  # fmt: skip
            else:
                late = meeting_on if meeting_on is not None else assessed_on
                advised_on = w.date_between(max(late, assessed_on), 0, 10)
                by_gavel = positive and triage != Triage.FULL and rng.random() < 0.95
                proposed = criteria.proposed_category(disability)
                category = proposed if requested != TlvType.SBO and positive else None
                reason = ""
                if category is not None and rng.random() < 0.08:
                    category, reason = min(3, category + 1), "Zware zorgvraag (TLV-07)."
                conversation = None if positive else w.date_between(assessed_on, 1, 5)
                w.rows["advice"].append(
                    (
                        next(w.advice_ids),
                        app_id,
                        Advice.Status.POSITIVE if positive else Advice.Status.NEGATIVE,
                        by_gavel,
                        requested,
                        proposed,
                        category,
                        reason,
                        "" if positive else "Niet aangetoond dat de school dit niet kan bieden.",
                        None if positive else assessed_on,
                        conversation,
                        "" if positive else "Besproken met school en ouders (TLV-09).",
                        advised_on,
                        members[0].user_id,
                    )
                )
                w.term(
                    "tlv-advice", APP_OBJECT, app_id, pseudonym, committee.id, advice_start,
                    completed=advised_on, created_by=created_by,
                )  # fmt: skip
                if status == Status.ADVISED:
                    w.term(
                        "tlv-board", APP_OBJECT, app_id, pseudonym, swv_id, advised_on,
                        created_by=created_by,
                    )  # fmt: skip
                else:
                    decided_on = w.date_between(advised_on, 0, 6)
                    _decide(
                        w, case, school, intended, app_id, pseudonym, swv_id, requested,
                        category, positive, route, previous, advised_on, decided_on, directors,
                    )  # fmt: skip
        done = decided_on or (assessed_on if status == Status.WITHDRAWN else None)
        w.term(
            "tlv-overall", APP_OBJECT, app_id, pseudonym, swv_id, submitted,
            completed=done, created_by=created_by, **overall,
        )  # fmt: skip
    missing_parts = status == Status.SUSPENDED or (status == Status.DRAFT and not filled)
    text = "" if (status == Status.DRAFT and not filled) else TEXT
    w.rows["application"].append(
        (
            app_id,
            case.id,
            committee.id,
            swv_id,
            school.id,
            school.board_id,
            intended.id,
            route,
            previous_tlv_id,
            requested,
            disability,
            text,
            g.pick_weighted(EXIT_WEIGHTS),
            text,
            text,
            text,
            text,
            text,
            iq,
            rng.random() < 0.2,
            text,
            text,
            "{}" if not text else _ivo_json(),
            None if incomplete and not filled else signed,
            "" if missing_parts else "Ouders steunen de aanvraag.",
            True,
            signed if filled else None,
            "Wil graag naar een school die past." if filled else "",
            "",
            "Orthopedagoog (fictief)" if filled else "",
            ExpertProfession.ORTHOPEDAGOGUE if filled else "",
            signed if filled else None,
            "" if missing_parts else "Tweede deskundige (fictief)",
            "" if missing_parts else "Kinder- en jeugdpsychiatrie",
            None if missing_parts else signed,
            experts_agree,
            status,
            None if status == Status.DRAFT else submitted,
            complete_on,
            None if status == Status.DRAFT else submitted,
            triage,
            meeting_on,
            created_by,
            case.opened_at,
            _at(decided_on or complete_on or submitted if status != Status.DRAFT else opened),
        )
    )


def _ivo_json() -> str:
    import json

    return json.dumps(IVO, sort_keys=True)


def _cva_members(g: generator.Generator, committee_id: int, triage: str) -> list[generator.Person]:
    """Secretary first; with the chair (secretary + chair) or every CvA role (CvA breed)."""
    by_triage: dict[str, tuple[str, ...]] = {
        Triage.SECRETARY: (Role.CVA_SECRETARY,),
        Triage.SECRETARY_CHAIR: (Role.CVA_SECRETARY, Role.CVA_CHAIR),
        Triage.FULL: CVA_ROLES,
    }
    roles = by_triage[triage]
    people: list[generator.Person] = []
    for role in roles:
        person = g.person(committee_id, [role])
        if person is not None:
            people.append(person)
    return people


def _decide(
    w: _Writer,
    case: generator.CaseInfo,
    school: Organisation,
    intended: Organisation,
    app_id: int,
    pseudonym: str,
    swv_id: int,
    requested: str,
    category: int | None,
    positive: bool,
    route: str,
    previous: tuple[int, dt.date] | None,
    advised_on: dt.date,
    decided_on: dt.date,
    directors: dict[int, generator.Person],
) -> None:
    g, rng = w.g, w.rng
    director = directors.get(swv_id)
    decided_by = director.user_id if director else case.participants[0].user_id
    if director is not None:
        w.participate(case, director, "Bestuur SWV (besluit)", decided_on)
    decision_id = next(w.decision_ids)
    w.rows["decision"].append(
        (decision_id, app_id, positive, decided_on, decided_by, "", decided_on)
    )
    w.term(
        "tlv-board", APP_OBJECT, app_id, pseudonym, swv_id, advised_on,
        completed=decided_on, created_by=decided_by,
    )  # fmt: skip
    w.term(
        "tlv-written", APP_OBJECT, app_id, pseudonym, swv_id, decided_on,
        completed=decided_on, created_by=decided_by,
    )  # fmt: skip
    w.letter(app_id, Letter.Kind.DECISION, decided_on)
    w.term(
        "tlv-objection", DECISION_OBJECT, decision_id, pseudonym, swv_id, decided_on,
        created_by=decided_by,
    )  # fmt: skip
    if not positive:
        w.rows["safety"].append(
            (next(w.safety_ids), decision_id, f"SWV {swv_id}", "", _at(decided_on))
        )
        return
    start = decided_on
    if route == Route.EXTENSION and previous is not None:
        start = max(start, previous[1] + timedelta(days=1))
    end = criteria.tlv_end_date(start, w.durations.get(requested, 1))
    key = (start.year, swv_id)
    w.tlv_numbers[key] += 1
    tlv_id = next(w.tlv_ids)
    w.rows["tlv"].append(
        (
            tlv_id,
            decision_id,
            case.id,
            f"TLV{start.year}-{swv_id:03d}-{w.tlv_numbers[key]:04d}",
            swv_id,
            requested,
            category,
            start,
            end,
            intended.id,
            school.id,
            start if start <= w.today else None,
        )
    )
    assert case.pupil_id is not None  # noqa: S101
    w.last_tlv[case.pupil_id] = (tlv_id, end)
    prognosis_on = None
    if start + timedelta(days=42) < w.today and rng.random() < 0.9:
        prognosis_on = start + timedelta(days=rng.randint(10, 40))
        w.rows["exit"].append(
            (
                next(w.exit_ids),
                tlv_id,
                ExitPerspectiveRecord.Stage.PROGNOSIS,
                g.pick_weighted(EXIT_WEIGHTS),
                prognosis_on,
                case.participants[0].user_id,
            )
        )
    w.term(
        "tlv-exit-prognosis", TLV_OBJECT, tlv_id, pseudonym, intended.id, start,
        completed=prognosis_on, created_by=decided_by,
    )  # fmt: skip


def _write(g: generator.Generator, w: _Writer, historical_ids: set[int]) -> None:
    r = w.rows
    g.copy(Case, generator.CASE_FIELDS, r["case"])
    g.copy(
        PhaseChange,
        ["id", "case_id", "from_phase", "to_phase", "reason", "changed_by_id", "changed_at"],
        r["change"],
    )
    g.copy(Participant, PARTICIPANT_FIELDS, r["participant"])
    g.copy(LegalGround, GROUND_FIELDS, r["ground"])
    # An extension refers to an earlier TLV, inserted below: Django's foreign keys are
    # checked at commit (DEFERRABLE INITIALLY DEFERRED on PostgreSQL and SQLite).
    g.copy(TlvApplication, APPLICATION_FIELDS, r["application"])
    g.copy(
        Assessment,
        [
            "id",
            "application_id",
            "disorder_established",
            "educational_limitation",
            "care_insufficient",
            "causal_link",
            "notes",
            "met",
            "explanation",
            "assessed_by_id",
            "assessed_at",
        ],
        r["assessment"],
    )
    g.copy(
        Advice,
        [
            "id",
            "application_id",
            "status",
            "by_gavel",
            "tlv_type",
            "proposed_category",
            "category",
            "category_reason",
            "motivation",
            "shared_with_school_on",
            "conversation_on",
            "conversation_notes",
            "given_on",
            "given_by_id",
        ],
        r["advice"],
    )
    g.copy(
        Decision,
        [
            "id",
            "application_id",
            "positive",
            "decided_on",
            "decided_by_id",
            "motivation",
            "sent_on",
        ],
        r["decision"],
    )
    g.copy(
        Tlv,
        [
            "id",
            "decision_id",
            "case_id",
            "number",
            "swv_id",
            "tlv_type",
            "category",
            "start_date",
            "end_date",
            "school_id",
            "current_school_id",
            "collected_on",
        ],
        r["tlv"],
    )
    g.copy(
        ExitPerspectiveRecord,
        ["id", "tlv_id", "stage", "perspective", "recorded_on", "recorded_by_id"],
        r["exit"],
    )
    g.copy(
        SafetyNetOffer, ["id", "decision_id", "provider", "description", "created_at"], r["safety"]
    )
    g.copy(Letter, ["id", "application_id", "kind", "issued_on", "missing"], r["letter"])
    g.copy(Term, TERM_FIELDS, r["term"])
    # What the decision keeps in step (``cases.services.record_tlv_decided``), in one statement.
    ended = TlvApplication.objects.filter(
        case_id=OuterRef("case_id"), status__in=TlvApplication.ENDED_STATUSES
    )
    Participant.objects.filter(Exists(ended)).update(
        case_tlv_ended_at=Subquery(ended.values("updated_at")[:1])
    )
    # The report's figures of every submitted application, as the services keep them.
    report_figures.refresh(
        TlvApplication.objects.filter(submitted_on__isnull=False).values_list("pk", flat=True)
    )
    g.counts["tlv historical cases"] = len(historical_ids)
