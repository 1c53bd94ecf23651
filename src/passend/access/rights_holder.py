"""The access policy for rights holders: parents and youths in the portal (issue 8, AGE-03).

A rights holder is not a professional: no user account, no membership, no organisation. What
they may see is decided here, from ``passend.pupils.rights`` (AGE-03, never recomputed):

* a guardian with parental authority sees the child's data while the guardians exercise the
  child's rights (under 16: alone under 12, together with the child from 12);
* from 16 the youth exercises the rights alone; a guardian then sees the youth's data only
  when the youth allowed that guardian (``guardian_view_allowed``, kept by the portal), and
  then only to read: consent, requests and views are the youth's own (AGE-03);
* the pupil sees their own data from 12 (from then on the child exercises the rights);
* a guardian without parental authority is not a rights holder.

Like ``access.selectors``, every read here writes the access log (actor: the rights holder's
pseudonymous label; role: ``portal_guardian`` or ``portal_youth``); a denied read is logged and
answered as "not found".
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Prefetch, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from passend.accounts.models import Organisation, Role
from passend.cases.models import Case, CaseEntry, Participant
from passend.consent.models import Consent
from passend.privacy.categories import ALL_CATEGORIES, DataCategory
from passend.privacy.context import AccessContext, subject_pseudonym
from passend.privacy.models import AccessLogEntry, Outcome
from passend.privacy.services import LogItem, record_access, record_access_many
from passend.pupils.models import AgePolicy, Enrolment, Guardian, Pupil
from passend.pupils.rights import RightsHolders, rights_holders

# Declared in passend.portal.activities (the portal is the one caller).
ACTIVITY = "rights_holder_portal"
ROLE_GUARDIAN = "portal_guardian"
ROLE_YOUTH = "portal_youth"
PORTAL_ROLES = {
    ROLE_GUARDIAN: gettext_lazy("Ouder/verzorger (via het portaal)"),
    ROLE_YOUTH: gettext_lazy("Jongere (via het portaal)"),
}
# AVG art. 15 (inzage) read by the data subject or the legal representative (AGE-03).
GROUND = "data_subject_access"


@dataclass(frozen=True)
class RightsHolder:
    """A signed-in parent or youth: who they are for the log, and whom they may stand for.

    ``guardian_ids`` and ``pupil_ids`` are the guardian and pupil records whose e-mail address
    the person proved to control; the policy still decides per pupil and per day.
    """

    label: str
    guardian_ids: frozenset[int]
    pupil_ids: frozenset[int]
    context: AccessContext

    def context_as(self, role: str) -> AccessContext:
        return dataclasses.replace(self.context, role=role, user=None, organisation_id=None)


@dataclass(frozen=True)
class PupilAccess:
    """The policy's answer for one rights holder and one pupil on one date."""

    pupil: Pupil
    allowed: bool
    as_youth: bool = False
    guardian: Guardian | None = None
    can_act: bool = False  # exercises the rights: consent, zienswijze, requests (AGE-03)
    by_permission: bool = False  # a guardian of a 16+ youth, allowed by the youth
    holders: RightsHolders | None = None
    denied_reason: str = ""

    @property
    def role(self) -> str:
        return ROLE_YOUTH if self.as_youth else ROLE_GUARDIAN

    @property
    def legal_ground(self) -> str:
        return "youth_permission" if self.by_permission else GROUND

    def explain(self) -> str:
        if self.as_youth:
            return _("U bent de leerling zelf en oefent uw privacyrechten uit (AGE-03).")
        if self.by_permission:
            return _(
                "De jongere is 16 jaar of ouder en beslist zelf; de jongere heeft u toegestaan "
                "deze gegevens in te zien (AGE-03)."
            )
        return _("U bent ouder/verzorger met gezag en oefent de privacyrechten uit (AGE-03).")


def pupil_subject(pupil_id: int) -> str:
    return subject_pseudonym("pupil", pupil_id)


def decide_pupil(
    holder: RightsHolder,
    pupil: Pupil,
    *,
    on_date: date,
    policy: AgePolicy,
    guardian_view_allowed: Iterable[int] = (),
) -> PupilAccess:
    """May ``holder`` see ``pupil`` on ``on_date``? Expects ``pupil.guardians`` prefetched."""
    guardians = list(pupil.guardians.all())
    if on_date < pupil.birth_date:
        return PupilAccess(pupil, False, denied_reason="not born on this date")
    holders = rights_holders(pupil, guardians, on_date, policy)
    if pupil.pk in holder.pupil_ids:
        if holders.child:
            return PupilAccess(pupil, True, as_youth=True, can_act=True, holders=holders)
        return PupilAccess(
            pupil, False, as_youth=True, holders=holders, denied_reason="under 12 (AGE-03)"
        )
    guardian = next((g for g in guardians if g.pk in holder.guardian_ids), None)
    if guardian is None:
        return PupilAccess(pupil, False, denied_reason="not a guardian of this pupil")
    if not guardian.has_parental_authority:
        return PupilAccess(
            pupil, False, guardian=guardian, denied_reason="no parental authority (AGE-03)"
        )
    if guardian.pk in holders.guardian_ids:
        return PupilAccess(pupil, True, guardian=guardian, can_act=True, holders=holders)
    # 16 and older: the youth alone decides, also about what the parents see (AGE-03).
    if guardian.pk in set(guardian_view_allowed):
        return PupilAccess(pupil, True, guardian=guardian, by_permission=True, holders=holders)
    return PupilAccess(
        pupil,
        False,
        guardian=guardian,
        holders=holders,
        denied_reason="youth of 16+ has not allowed this guardian (AGE-03)",
    )


def _candidates(holder: RightsHolder) -> list[Pupil]:
    if not holder.guardian_ids and not holder.pupil_ids:
        return []
    return list(
        Pupil.objects.filter(Q(pk__in=holder.pupil_ids) | Q(guardians__pk__in=holder.guardian_ids))
        .distinct()
        .prefetch_related(
            "guardians", Prefetch("enrolments", queryset=Enrolment.objects.select_related("school"))
        )
        .order_by("birth_date", "pk")
    )


def decide_all(
    holder: RightsHolder,
    permitted: Mapping[int, Iterable[int]],
    on_date: date | None = None,
) -> list[PupilAccess]:
    """The policy for every pupil the holder is linked to (allowed or not), without logging."""
    today = on_date or timezone.localdate()
    policy = AgePolicy.current()
    return [
        decide_pupil(
            holder,
            pupil,
            on_date=today,
            policy=policy,
            guardian_view_allowed=permitted.get(pupil.pk, ()),
        )
        for pupil in _candidates(holder)
    ]


def visible_pupils(
    holder: RightsHolder, permitted: Mapping[int, Iterable[int]], *, action: str = "portal_list"
) -> list[PupilAccess]:
    """The pupils the holder may see today; one access-log entry per pupil shown."""
    allowed = [a for a in decide_all(holder, permitted) if a.allowed]
    for role in (ROLE_GUARDIAN, ROLE_YOUTH):
        items = [
            LogItem(
                subject_pseudonym=pupil_subject(a.pupil.pk),
                object_type="pupils.pupil",
                object_id=str(a.pupil.pk),
                data_categories=(DataCategory.ORDINARY,),
                legal_ground=a.legal_ground,
            )
            for a in allowed
            if a.role == role
        ]
        if items:
            record_access_many(holder.context_as(role), items, action=action, activity=ACTIVITY)
    return allowed


def get_pupil(
    holder: RightsHolder,
    pupil_id: object,
    permitted: Mapping[int, Iterable[int]],
    *,
    action: str = "portal_view",
    categories: Iterable[str] = ALL_CATEGORIES,
) -> PupilAccess:
    """One pupil for the holder, or Http404 — and an access-log entry either way."""
    try:
        pk = int(str(pupil_id))
    except ValueError:
        pk = 0
    found = next((a for a in decide_all(holder, permitted) if a.pupil.pk == pk), None)
    if found is None or not found.allowed:
        role = found.role if found is not None else ROLE_GUARDIAN
        record_access(
            holder.context_as(role),
            action=action,
            activity=ACTIVITY,
            outcome=Outcome.DENIED,
            subject_pseudonym=pupil_subject(pk) if found is not None else "",
            object_type="pupils.pupil",
            object_id=str(pupil_id)[:64],
            reason=found.denied_reason if found is not None else "not linked to this person",
        )
        raise Http404
    record_access(
        holder.context_as(found.role),
        action=action,
        activity=ACTIVITY,
        subject_pseudonym=pupil_subject(pk),
        obj=found.pupil,
        data_categories=categories,
        legal_ground=found.legal_ground,
    )
    return found


def cases_of(holder: RightsHolder, accesses: Iterable[PupilAccess]) -> dict[int, list[Case]]:
    """The cases of the allowed pupils (not anonymous ones: those hold no personal data,
    CON-07), with consents, parties, entries and participating organisations, in a constant
    number of queries; one access-log entry per case shown."""
    allowed = {a.pupil.pk: a for a in accesses if a.allowed}
    result: dict[int, list[Case]] = {pk: [] for pk in allowed}
    if not allowed:
        return result
    cases = list(
        Case.objects.filter(pupil_id__in=allowed, is_anonymous=False)
        .select_related("owner")
        .prefetch_related(
            Prefetch(
                "consents",
                queryset=Consent.objects.prefetch_related("parties").order_by("-given_on", "-id"),
            ),
            Prefetch("entries", queryset=CaseEntry.objects.select_related("supplied_by")),
            Prefetch(
                "participants",
                queryset=Participant.objects.filter(ended_at__isnull=True).select_related(
                    "organisation"
                ),
            ),
        )
        .order_by("-opened_at", "-id")
    )
    for case in cases:
        if case.pupil_id is not None:
            result[case.pupil_id].append(case)
    for role in (ROLE_GUARDIAN, ROLE_YOUTH):
        items = [
            LogItem(
                subject_pseudonym=pupil_subject(case.pupil_id),
                object_type="cases.case",
                object_id=str(case.pk),
                data_categories=tuple(sorted({e.category for e in case.entries.all()}))
                or (DataCategory.ORDINARY,),
                legal_ground=allowed[case.pupil_id].legal_ground,
            )
            for case in cases
            if case.pupil_id is not None and allowed[case.pupil_id].role == role
        ]
        if items:
            record_access_many(
                holder.context_as(role), items, action="portal_view", activity=ACTIVITY
            )
    return result


def records_for_email(
    email: str,
    *,
    among_guardians: Iterable[int] | None = None,
    among_pupils: Iterable[int] | None = None,
) -> tuple[frozenset[int], frozenset[int]]:
    """Guardian and pupil records that carry this e-mail address (case-insensitive).

    At sign-in all of them; on later requests only among the ids found then (by primary key,
    so that a changed address ends the link at once)."""
    address = email.strip()
    if not address:
        return frozenset(), frozenset()
    guardians = Guardian.objects.filter(email__iexact=address)
    pupils = Pupil.objects.filter(email__iexact=address)
    if among_guardians is not None:
        guardians = guardians.filter(pk__in=list(among_guardians))
    if among_pupils is not None:
        pupils = pupils.filter(pk__in=list(among_pupils))
    return (
        frozenset(guardians.values_list("pk", flat=True)),
        frozenset(pupils.values_list("pk", flat=True)),
    )


@dataclass(frozen=True)
class ViewEvent:
    """One line of "who viewed my file": organisation and role, never the employee's name."""

    occurred_at: datetime
    organisation: str
    role: str
    action: str
    what: str
    categories: str
    ground: str
    outcome: str


OBJECT_LABELS = {
    "pupils.pupil": gettext_lazy("leerlinggegevens"),
    "pupils.guardian": gettext_lazy("gegevens ouders/verzorgers"),
    "cases.case": gettext_lazy("traject"),
    "cases.caseentry": gettext_lazy("gegeven in een traject"),
    "documents.document": gettext_lazy("document"),
    "consent.consent": gettext_lazy("toestemming"),
    "portal.statement": gettext_lazy("zienswijze"),
    "privacy.accesslogentry": gettext_lazy("toegangslog"),
}


def access_history(
    holder: RightsHolder, access: PupilAccess, *, limit: int = 200
) -> list[ViewEvent]:
    """NEN 7513 for the data subject: who accessed this pupil's file (organisation, role, when,
    what, ground), newest first. Reading it is itself logged."""
    subject = pupil_subject(access.pupil.pk)
    rows = list(
        AccessLogEntry.objects.filter(subject_pseudonym=subject)
        .order_by("-id")
        .values(
            "occurred_at",
            "organisation_id",
            "role",
            "action",
            "object_type",
            "data_categories",
            "legal_ground",
            "outcome",
        )[:limit]
    )
    org_ids = {r["organisation_id"] for r in rows if r["organisation_id"]}
    names = dict(Organisation.objects.filter(pk__in=org_ids).values_list("pk", "name"))
    role_labels = {**dict(Role.choices), **PORTAL_ROLES}
    category_labels = dict(DataCategory.choices)
    events = [
        ViewEvent(
            occurred_at=r["occurred_at"],
            organisation=names.get(r["organisation_id"], "")
            if r["organisation_id"]
            else (_("—") if r["role"] in PORTAL_ROLES else _("Systeem")),
            role=str(role_labels.get(r["role"], r["role"])),
            action=r["action"],
            what=str(OBJECT_LABELS.get(r["object_type"], r["object_type"])),
            categories=", ".join(
                str(category_labels.get(c, c)) for c in r["data_categories"].split(",") if c
            ),
            ground=r["legal_ground"],
            outcome=r["outcome"],
        )
        for r in rows
    ]
    record_access(
        holder.context_as(access.role),
        action="portal_access_history",
        activity=ACTIVITY,
        subject_pseudonym=subject,
        object_type="privacy.accesslogentry",
        legal_ground=access.legal_ground,
    )
    return events
