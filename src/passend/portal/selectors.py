"""Reads of the portal. Every read of pupil or case data goes through
``passend.access.rights_holder``, which applies the policy and writes the access log."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from passend.access.rights_holder import (
    PupilAccess,
    RightsHolder,
    ViewEvent,
    access_history,
    cases_of,
    get_pupil,
    visible_pupils,
)
from passend.access.selectors import CaseRow
from passend.cases.models import Case
from passend.consent.models import Consent
from passend.portal.models import ConsentApproval, GuardianViewPermission, Statement
from passend.prepared import PreparedQuery
from passend.privacy.categories import DataCategory, category_labels


def permitted_guardians(holder: RightsHolder) -> dict[int, frozenset[int]]:
    """AGE-03: per pupil, the guardians the 16+ youth allowed to see their data."""
    if not holder.guardian_ids:
        return {}
    found: dict[int, set[int]] = defaultdict(set)
    for pupil_id, guardian_id in GuardianViewPermission.objects.filter(
        guardian_id__in=holder.guardian_ids, revoked_at__isnull=True
    ).values_list("pupil_id", "guardian_id"):
        found[pupil_id].add(guardian_id)
    return {k: frozenset(v) for k, v in found.items()}


@dataclass
class ConsentView:
    consent: Consent
    parties: list[str]
    categories: list[str]
    approved_by_me: bool = False


@dataclass
class CaseView:
    case: Case
    entries: list
    consents: list[ConsentView]
    organisations: list[str]
    statements: list[Statement]

    @property
    def is_open(self) -> bool:
        return self.case.phase != "closed"

    @property
    def active_consent(self) -> ConsentView | None:
        return next((c for c in self.consents if c.consent.revoked_at is None), None)

    @property
    def renewable_consent(self) -> ConsentView | None:
        """The latest revoked consent, when no consent is in force (CON-01: one per case)."""
        if not self.is_open or self.active_consent is not None:
            return None
        return next(iter(self.consents), None)


@dataclass
class PupilView:
    access: PupilAccess
    cases: list[CaseView]
    schools: list[str]
    guardians: list = field(default_factory=list)
    permissions: dict[int, GuardianViewPermission] = field(default_factory=dict)


def _case_views(holder: RightsHolder, accesses: list[PupilAccess]) -> dict[int, list[CaseView]]:
    by_pupil = cases_of(holder, accesses)
    case_ids = [c.pk for cases in by_pupil.values() for c in cases]
    statements: dict[int, list[Statement]] = defaultdict(list)
    for statement in Statement.objects.filter(case_id__in=case_ids):
        statements[statement.case_id].append(statement)
    mine = _my_approvals(holder, accesses, case_ids)
    result: dict[int, list[CaseView]] = {}
    for pupil_id, cases in by_pupil.items():
        result[pupil_id] = [
            CaseView(
                case=case,
                entries=list(case.entries.all()),
                consents=[
                    ConsentView(
                        consent=consent,
                        parties=sorted(p.name for p in consent.parties.all()),
                        categories=category_labels(consent.categories),
                        approved_by_me=consent.pk in mine,
                    )
                    for consent in case.consents.all()
                ],
                organisations=sorted(
                    {p.organisation.name for p in case.participants.all()} | {case.owner.name}
                ),
                statements=statements.get(case.pk, []),
            )
            for case in cases
        ]
    return result


def _my_approvals(
    holder: RightsHolder, accesses: list[PupilAccess], case_ids: list[int]
) -> set[int]:
    youth = [a.pupil.pk for a in accesses if a.as_youth]
    queryset = ConsentApproval.objects.filter(previous__case_id__in=case_ids)
    found = set()
    for consent_id, guardian_id, by_pupil, pupil_id in queryset.values_list(
        "previous_id", "guardian_id", "by_pupil", "previous__case__pupil_id"
    ):
        if (by_pupil and pupil_id in youth) or (guardian_id in holder.guardian_ids):
            found.add(consent_id)
    return found


def _schools(access: PupilAccess) -> list[str]:
    return [e.school.name for e in access.pupil.enrolments.all() if e.end_date is None]


def overview(holder: RightsHolder) -> list[PupilView]:
    """Every pupil the holder may see today, with their cases (constant number of queries)."""
    accesses = visible_pupils(holder, permitted_guardians(holder))
    cases = _case_views(holder, accesses)
    return [
        PupilView(access=a, cases=cases.get(a.pupil.pk, []), schools=_schools(a)) for a in accesses
    ]


def pupil_view(holder: RightsHolder, pupil_id: object) -> PupilView:
    """One pupil in full: data, guardians, cases, consents, zienswijzen (or Http404)."""
    access = get_pupil(holder, pupil_id, permitted_guardians(holder))
    cases = _case_views(holder, [access])
    guardians = list(access.pupil.guardians.all())
    permissions: dict[int, GuardianViewPermission] = {}
    if access.as_youth:
        permissions = {
            p.guardian_id: p
            for p in GuardianViewPermission.objects.filter(
                pupil=access.pupil, revoked_at__isnull=True
            )
        }
    return PupilView(
        access=access,
        cases=cases.get(access.pupil.pk, []),
        schools=_schools(access),
        guardians=guardians,
        permissions=permissions,
    )


def pupil_access(holder: RightsHolder, pupil_id: object, *, action: str) -> PupilAccess:
    return get_pupil(holder, pupil_id, permitted_guardians(holder), action=action)


def who_viewed(holder: RightsHolder, pupil_id: object) -> tuple[PupilAccess, list[ViewEvent]]:
    access = pupil_access(holder, pupil_id, action="portal_view")
    return access, access_history(holder, access)


def statements_for_case(row: CaseRow) -> list[Statement]:
    """Zienswijzen of a case for a professional, through the case policy: shown to whoever may
    see the case's ordinary data (the case view that produced ``row`` was logged already)."""
    if not row.access.can_see(DataCategory.ORDINARY):
        return []
    return _CASE_STATEMENTS.fetch(case=row.case.pk)


# ``statements_for_case``, on every case page: compiled once per process (``passend.prepared``;
# it was the case page's one queryset still compiled per request, issue 10).
_CASE_STATEMENTS = PreparedQuery(
    lambda *, case: Statement.objects.filter(case_id=case).select_related("guardian"), case=int
)


def statement_panel(row: CaseRow) -> dict[str, Any] | None:
    """The case page's panel of zienswijzen (AGE-04), left out when there are none to see."""
    statements = statements_for_case(row)
    if not statements:
        return None
    return {"statements": statements, "can_see_family": row.access.can_see(DataCategory.FAMILY)}
