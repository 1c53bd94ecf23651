"""Who may read which management report, and over which organisations (PRV-07, ORG-04).

Reports are aggregates of one or more SWVs. The scope comes from the acting membership only:
an SWV reads its own figures, a Commissie van Advies those of the SWVs it serves (TLV only),
a school board those of its own schools.
"""

from __future__ import annotations

from dataclasses import dataclass

from passend.accounts.models import Membership, Organisation, OrganisationKind, Role

# report code -> roles that may read it
REPORTS: dict[str, frozenset[str]] = {
    "tlv": frozenset({Role.SWV_DIRECTOR, Role.CVA_SECRETARY, Role.CVA_CHAIR, Role.SCHOOL_BOARD}),
    "arrangementen": frozenset({Role.SWV_DIRECTOR, Role.ECT_MEMBER, Role.SCHOOL_BOARD}),
    "thuiszitters": frozenset({Role.SWV_DIRECTOR, Role.SCHOOL_BOARD}),
    "verzuim": frozenset({Role.SWV_DIRECTOR, Role.SCHOOL_BOARD}),
    "informatiepunt": frozenset({Role.SWV_DIRECTOR, Role.INFORMATION_DESK}),
}
REPORT_ROLES: frozenset[str] = frozenset().union(*REPORTS.values())


@dataclass(frozen=True)
class Scope:
    """The organisations a membership may report on."""

    swvs: tuple[Organisation, ...]
    board: Organisation | None = None  # a school board sees its own schools only

    @property
    def swv_ids(self) -> list[int]:
        return [o.pk for o in self.swvs]


def reports_for(membership: Membership | None) -> list[str]:
    if membership is None:
        return []
    return [code for code, roles in REPORTS.items() if membership.role in roles]


def scope_for(membership: Membership | None, report: str) -> Scope | None:
    """None when the membership may not read this report."""
    if membership is None or membership.role not in REPORTS.get(report, frozenset()):
        return None
    organisation = membership.organisation
    if organisation.kind == OrganisationKind.SWV:
        return Scope((organisation,))
    if organisation.kind == OrganisationKind.ADVISORY_COMMITTEE:
        return Scope(tuple(organisation.served_swvs.order_by("name")))
    if organisation.kind == OrganisationKind.SCHOOL_BOARD:
        swvs = Organisation.objects.filter(
            kind=OrganisationKind.SWV, member_schools__board=organisation
        ).distinct()
        return Scope(tuple(swvs.order_by("name")), board=organisation)
    return None
