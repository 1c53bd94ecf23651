"""The meetings part of the region generator (issue 10; ``manage.py generate_region``).

``scale.meetings`` meetings of the covenant's consultation kinds (CO-01): an MDO for support
and arrangement cases, an MPO or AOJ-team for consultation cases, a verzuimoverleg for
attendance cases and a thuiszittersoverleg for home-stay cases. Each is convened by the
procesregisseur of its cases (``add_agenda_item`` requires that right, ORG-03) and holds
agenda items for open cases only, with invitees among each case's active participants (CO-03),
parents invited where the kind says so (AGE-05), the kind's two terms (documents before, minutes
after) and, for a held meeting of a kind that makes minutes, finalised minutes per item.

On top of those come the "CvA breed" meetings on which the TLV part put applications (TLV-05,
``Generator.tlv_meetings``): one per committee and meeting day, convened by its secretary, with
the committee members invited.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from datetime import timedelta
from importlib import import_module
from typing import Any
from zoneinfo import ZoneInfo

from django.apps import apps as django_apps
from django.conf import settings

from passend.accounts.models import Role
from passend.cases import generator
from passend.cases.models import CaseKind, Phase
from passend.consultations.models import (
    AgendaInvitee,
    AgendaItem,
    ConsultationKind,
    Meeting,
    Minutes,
)
from passend.consultations.services import (
    COMMITTEE_KIND_CODE,
    COMMITTEE_MEETING_HOURS,
    MEETING_TYPE,
    RULE_DOCUMENTS,
    RULE_MINUTES,
)
from passend.privacy.categories import DataCategory
from passend.terms.models import Term, TermRule, Unit
from passend.terms.services import compute_due

# Meeting kind (code) per case kind, and how often each kind is held (weights).
KIND_FOR_CASE: dict[str, str] = {
    CaseKind.SUPPORT: "mdo",
    CaseKind.ARRANGEMENT: "mdo",
    CaseKind.CONSULTATION: "mpo",
    CaseKind.ATTENDANCE: "verzuimoverleg",
    CaseKind.HOME_STAY: "thuiszittersoverleg",
}
KIND_WEIGHTS: list[tuple[str, int]] = [
    ("mdo", 40),
    ("mpo", 20),
    ("aoj-team", 10),
    ("verzuimoverleg", 20),
    ("thuiszittersoverleg", 10),
]
MINUTES_TEXT = (
    "Besproken: de voortgang en wat nodig is. Afgesproken: de mentor koppelt wekelijks terug, "
    "de ouders worden door de procesregisseur geïnformeerd, evaluatie over zes weken."
)
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


def _days_before(rule: TermRule) -> int:
    return rule.length * 7 if rule.unit == Unit.WEEKS else rule.length


def load_defaults() -> None:
    """The module's configuration (term rules and the like) as its data migration loads it.

    A migrated database has it already (every step is a ``get_or_create``); a test database
    that a transactional test flushed has lost it.
    """
    import_module("passend.consultations.migrations.0002_defaults").load(django_apps, None)


@generator.register_part("meetings", after="tlv")
def generate_meetings(g: generator.Generator) -> None:
    """``scale.meetings`` consultation meetings plus the CvA breed meetings of the TLV part."""
    load_defaults()
    rng = g.rng
    zone = ZoneInfo(settings.TIME_ZONE)
    today = generator.ANCHOR.date()
    kinds = {k.code: k for k in ConsultationKind.objects.filter(swv__isnull=True)}
    rules = {r.code: r for r in TermRule.objects.filter(code__in=[RULE_DOCUMENTS, RULE_MINUTES])}
    documents_days = _days_before(rules[RULE_DOCUMENTS])
    tlv_meetings: list[tuple[int, int, dt.date, list[generator.Person]]] = getattr(
        g, "tlv_meetings", []
    )
    committee_days: dict[tuple[int, dt.date], list[tuple[int, list[generator.Person]]]] = (
        defaultdict(list)
    )
    for case_id, committee_id, day, members in tlv_meetings:
        if COMMITTEE_KIND_CODE in kinds and members:
            committee_days[(committee_id, day)].append((case_id, members))
    # Open cases per (procesregisseur, meeting kind): the convener manages every case on it.
    by_convener: dict[tuple[str, int], list[generator.CaseInfo]] = defaultdict(list)
    for case in g.cases:
        if case.phase == Phase.CLOSED or not case.participants or case.kind == CaseKind.TLV:
            continue
        code = KIND_FOR_CASE[case.kind]
        director = case.participants[0]
        by_convener[(code, director.user_id)].append(case)
        if code == "mpo":
            by_convener[("aoj-team", director.user_id)].append(case)
    pools = {
        code: sorted(key for key in by_convener if key[0] == code) for code, _weight in KIND_WEIGHTS
    }
    weights = [(code, w) for code, w in KIND_WEIGHTS if pools[code] and code in kinds]
    count = g.scale.meetings if weights else 0
    total = count + len(committee_days)
    meeting_ids = iter(g.new_ids(Meeting, total))
    item_ids = iter(g.new_ids(AgendaItem, 60 * total))
    invitee_ids = iter(g.new_ids(AgendaInvitee, 200 * total))
    minutes_ids = iter(g.new_ids(Minutes, 60 * total))
    term_ids = iter(g.new_ids(Term, 2 * total))
    meetings: list[tuple[Any, ...]] = []
    items: list[tuple[Any, ...]] = []
    invitees: list[tuple[Any, ...]] = []
    minutes: list[tuple[Any, ...]] = []
    term_rows: list[tuple[Any, ...]] = []

    def add_meeting(
        kind: ConsultationKind,
        convener: generator.Person,
        day: dt.date,
        hours: tuple[dt.time, dt.time],
        location: str,
        agenda: list[tuple[generator.CaseInfo | int, list[generator.Person]]],
    ) -> None:
        meeting_id = next(meeting_ids)
        starts = dt.datetime.combine(day, hours[0], tzinfo=zone)
        ends = dt.datetime.combine(day, hours[1], tzinfo=zone)
        held = day < today
        status = Meeting.Status.PLANNED
        if held:
            # A few consultations were called off; the CvA breed met (its files were advised).
            committee = kind.code == COMMITTEE_KIND_CODE
            cancelled = not committee and rng.random() < 0.04
            status = Meeting.Status.CANCELLED if cancelled else Meeting.Status.HELD
        planned_at = starts - timedelta(days=rng.randint(14, 42))
        meetings.append(
            (
                meeting_id,
                kind.pk,
                convener.organisation_id,
                convener.user_id,
                starts,
                ends,
                location,
                "",
                status,
                planned_at,
            )
        )
        finalised = status == Meeting.Status.HELD and kind.minutes_made
        for position, (case, people) in enumerate(agenda, start=1):
            case_id = case if isinstance(case, int) else case.id
            has_pupil = not isinstance(case, int) and case.pupil_id is not None
            parents = kind.parents_invited and has_pupil and rng.random() < 0.92
            reason = ""
            if kind.parents_invited and has_pupil and not parents:
                reason = (
                    "Ouders willen eerst een gesprek op school; zij worden daarna geïnformeerd."
                )
            item_id = next(item_ids)
            items.append(
                (
                    item_id,
                    meeting_id,
                    case_id,
                    position,
                    # A plain "HH:MM:SS" (COPY and SQLite both take it for a time column).
                    (
                        dt.datetime.combine(day, hours[0]) + timedelta(minutes=20 * (position - 1))
                    ).strftime("%H:%M:%S"),
                    parents,
                    (planned_at + timedelta(days=2)).date() if parents else None,
                    reason,
                    parents and kind.youth_invited and rng.random() < 0.4,
                    "",
                    day if held and not kind.parents_invited and has_pupil else None,
                    "Procesregisseur" if held and not kind.parents_invited and has_pupil else "",
                    convener.user_id,
                    planned_at + timedelta(minutes=position),
                )
            )
            seen: set[int] = set()
            for person in people:
                if person.user_id in seen:
                    continue
                seen.add(person.user_id)
                invitees.append(
                    (
                        next(invitee_ids),
                        item_id,
                        person.user_id,
                        person.organisation_id,
                        planned_at + timedelta(minutes=position),
                    )
                )
            if finalised:
                written = starts + timedelta(days=rng.randint(1, 6))
                minutes.append(
                    (
                        next(minutes_ids),
                        item_id,
                        MINUTES_TEXT,
                        DataCategory.ORDINARY,
                        kind.minutes_use_pseudonyms,
                        convener.user_id,
                        convener.organisation_id,
                        written,
                        written,
                    )
                )
        # The kind's terms, as ``services._start_meeting_terms`` starts them (CO-01).
        documents = rules[RULE_DOCUMENTS]
        start = day - timedelta(days=2 * documents_days)
        due = compute_due(documents.unit, start, documents.length)
        term_rows.append(
            (
                next(term_ids),
                documents.pk,
                MEETING_TYPE,
                str(meeting_id),
                "",
                convener.organisation_id,
                start,
                due,
                None,
                0,
                "",
                0,
                due if held else None,
                convener.user_id,
                planned_at,
            )
        )
        minutes_rule = rules[RULE_MINUTES]
        minutes_due = compute_due(minutes_rule.unit, day, minutes_rule.length)
        done = finalised or status == Meeting.Status.CANCELLED or not kind.minutes_made
        term_rows.append(
            (
                next(term_ids),
                minutes_rule.pk,
                MEETING_TYPE,
                str(meeting_id),
                "",
                convener.organisation_id,
                day,
                minutes_due,
                None,
                0,
                "",
                0,
                min(today, day + timedelta(days=6)) if held and done else None,
                convener.user_id,
                planned_at,
            )
        )

    for _ in range(count):
        code = g.pick_weighted(weights)
        key = rng.choice(pools[code])
        cases = by_convener[key]
        chosen = rng.sample(cases, min(len(cases), rng.randint(1, 6)))
        convener = chosen[0].participants[0]
        day = (generator.ANCHOR - timedelta(days=rng.randint(-40, 365))).date()
        while day.weekday() >= 5:
            day -= timedelta(days=1)
        agenda: list[tuple[generator.CaseInfo | int, list[generator.Person]]] = []
        for case in chosen:
            others = [p for p in case.participants if p.user_id != convener.user_id]
            agenda.append((case, rng.sample(others, min(len(others), rng.randint(1, 3)))))
        hour = rng.choice((9, 10, 13, 14, 15))
        add_meeting(
            kinds[code],
            convener,
            day,
            (dt.time(hour, 0), dt.time(hour + 1, 30)),
            "Vergaderruimte school" if code != "thuiszittersoverleg" else "Kantoor SWV",
            agenda,
        )
    # The CvA breed meetings of the TLV part (TLV-05): convened by the committee's secretary.
    for (committee_id, day), entries in sorted(committee_days.items()):
        secretary = g.person(committee_id, [Role.CVA_SECRETARY]) or entries[0][1][0]
        add_meeting(
            kinds[COMMITTEE_KIND_CODE],
            secretary,
            day,
            COMMITTEE_MEETING_HOURS,
            "Commissie van Advies",
            [(case_id, members) for case_id, members in entries],
        )
    g.copy(
        Meeting,
        [
            "id",
            "kind_id",
            "organisation_id",
            "convener_id",
            "starts_at",
            "ends_at",
            "location",
            "video_link",
            "status",
            "created_at",
        ],
        meetings,
    )
    g.copy(
        AgendaItem,
        [
            "id",
            "meeting_id",
            "case_id",
            "position",
            "starts_at",
            "parents_invited",
            "parents_invited_on",
            "parents_not_invited_reason",
            "youth_invited",
            "supporter_note",
            "parents_informed_orally_on",
            "parents_informed_by",
            "created_by_id",
            "created_at",
        ],
        items,
    )
    g.copy(AgendaInvitee, ["id", "item_id", "user_id", "organisation_id", "invited_at"], invitees)
    g.copy(
        Minutes,
        [
            "id",
            "item_id",
            "body",
            "category",
            "written_with_pseudonyms",
            "written_by_id",
            "supplied_by_id",
            "updated_at",
            "finalised_at",
        ],
        minutes,
    )
    g.copy(Term, TERM_FIELDS, term_rows)
