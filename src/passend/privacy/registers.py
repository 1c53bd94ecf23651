"""Registers generated from the real configuration, never typed by hand.

* The register of processing activities (AVG art. 30) from the processing activities declared in
  code (``passend.privacy.activities``): the same declarations every access-log entry names.
* The access register (ORG-05; privacyreglement art. 8.2, bijlage 1): every person with a current
  membership, their function, why they have access and to which data categories, derived from
  the membership's role and the access policy (``passend.access.policy``), with the number of
  cases they currently take part in.

No models: each call reads the current state. Exports (CSV, PDF) are built from the same rows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from passend.privacy import activities
from passend.privacy.categories import ALL_CATEGORIES, category_labels

# --- Register of processing activities (AVG art. 30) -------------------------------------------


@dataclass(frozen=True)
class ProcessingRow:
    code: str
    name: str
    purpose: str
    legal_basis: str
    data_categories: list[str]
    retention: str


def processing_register() -> list[ProcessingRow]:
    """One row per declared processing activity, in code order."""
    return [
        ProcessingRow(
            code=a.code,
            name=str(a.name),
            purpose=str(a.purpose),
            legal_basis=str(a.legal_basis),
            data_categories=_category_names(a.data_categories),
            retention=str(a.retention),
        )
        for a in activities.all_activities()
    ]


def _category_names(codes: Iterable[str]) -> list[str]:
    codes = list(codes)
    known = category_labels(codes)
    extra = [c for c in codes if c not in ALL_CATEGORIES]
    labels = {"account": _("Accountgegevens (medewerkers)")}
    return known + [str(labels.get(c, c)) for c in extra]


# --- Access register (ORG-05) -------------------------------------------------------------------


@dataclass(frozen=True)
class AccessRow:
    name: str
    username: str
    organisation: str
    role: str
    function: str
    motivation: str
    categories: list[str]
    scope: str
    active_cases: int


def _role_access(role: str, phase_union: frozenset[str]) -> tuple[frozenset[str], str]:
    """Which categories a role can reach and on what scope, as the policy decides it."""
    from passend.access.policy import ATTENDANCE_OFFICER_CATEGORIES
    from passend.accounts.models import Role

    if role == Role.PRIVACY_OFFICER:
        return frozenset(), _(
            "Geen inhoud van dossiers; wel het toegangslog, verzoeken van betrokkenen en "
            "besluiten (ORG-02)."
        )
    if role == Role.FUNCTIONAL_ADMIN:
        return frozenset(), _("Geen inhoud van dossiers; alleen de inrichting (configuratie).")
    if role == Role.ATTENDANCE_OFFICER:
        return ATTENDANCE_OFFICER_CATEGORIES, _(
            "Alleen verzuim- en thuiszittertrajecten waarin hij/zij deelnemer is (ABS-05)."
        )
    return ALL_CATEGORIES, _(
        "Alleen trajecten waarin hij/zij actief deelnemer is (ORG-04): alle categorieën als "
        "eigenaar of regisseur, anders de categorieën van de fase van deelname (%(phase)s) en "
        "alleen met toestemming of een andere grondslag; noodtoegang alleen met reden, "
        "tijdelijk en gemeld aan de FG."
    ) % {"phase": ", ".join(category_labels(phase_union)) or "-"}


def access_register() -> list[AccessRow]:
    """Every current membership with its access, in a constant number of queries."""
    from django.db.models import Count

    from passend.access.policy import phase_policies
    from passend.accounts.models import Membership, Role

    # The register is generated from the real permission data: involvement is participation.
    from passend.cases.models import Participant

    phase_union: frozenset[str] = frozenset().union(*phase_policies().values())
    involvement = {
        (row["user_id"], row["organisation_id"]): row["n"]
        for row in Participant.objects.filter(ended_at__isnull=True)
        .values("user_id", "organisation_id")
        .annotate(n=Count("id"))
    }
    memberships = (
        Membership.objects.active()
        .filter(user__is_active=True)
        .select_related("user", "organisation")
        .order_by("organisation__name", "user__last_name", "user__username", "role")
    )
    # What a role may reach is the same for everyone holding it: worked out once per role, not
    # once per person (a region has ~1,500 memberships and a handful of roles).
    labels = dict(Role.choices)
    per_role: dict[str, tuple[str, list[str], str]] = {}
    rows = []
    for m in memberships:
        if m.role not in per_role:
            categories, scope = _role_access(m.role, phase_union)
            per_role[m.role] = (str(labels.get(m.role, m.role)), category_labels(categories), scope)
        role, category_names, scope = per_role[m.role]
        rows.append(
            AccessRow(
                name=m.user.get_full_name() or m.user.username,
                username=m.user.username,
                organisation=m.organisation.name,
                role=role,
                function=m.function_title,
                motivation=_("%(role)s bij %(organisation)s; grondslag: %(basis)s")
                % {
                    "role": role,
                    "organisation": m.organisation.name,
                    "basis": m.organisation.legal_basis,
                },
                categories=list(category_names),
                scope=str(scope),
                active_cases=involvement.get((m.user_id, m.organisation_id), 0),
            )
        )
    return rows


@dataclass(frozen=True)
class RoleAccessRow:
    role: str
    categories: list[str]
    scope: str


def access_by_role(rows: Sequence[AccessRow]) -> list[RoleAccessRow]:
    """The categories and scope of each role in the register, once per role (the readable
    register: a person's row names the role, this table says what the role reaches)."""
    seen: dict[str, RoleAccessRow] = {}
    for row in rows:
        if row.role not in seen:
            seen[row.role] = RoleAccessRow(row.role, row.categories, row.scope)
    return sorted(seen.values(), key=lambda r: r.role)


# --- Exports ------------------------------------------------------------------------------------

PROCESSING_COLUMNS = (
    ("code", "Code"),
    ("name", "Verwerking"),
    ("purpose", "Doel"),
    ("legal_basis", "Grondslag"),
    ("data_categories", "Categorieën"),
    ("retention", "Bewaartermijn"),
)
ACCESS_COLUMNS = (
    ("name", "Naam"),
    ("username", "Gebruikersnaam"),
    ("organisation", "Organisatie"),
    ("role", "Rol"),
    ("function", "Functie"),
    ("motivation", "Motivering"),
    ("categories", "Categorieën"),
    ("scope", "Reikwijdte"),
    ("active_cases", "Actieve trajecten"),
)
# The page and the PDF: a person's row without the role's categories and scope, which follow
# from the role and are listed once per role (ROLE_ACCESS_COLUMNS). The same text on every
# row of 1,500 made the page 1 MB and the PDF take two minutes (issue 10); the CSV keeps every
# column on every row, for machine use.
ACCESS_PERSON_COLUMNS = tuple(c for c in ACCESS_COLUMNS if c[0] not in ("categories", "scope"))
ROLE_ACCESS_COLUMNS = (
    ("role", "Rol"),
    ("categories", "Categorieën"),
    ("scope", "Reikwijdte"),
)


def _cell(value: Any) -> str:
    text = "; ".join(value) if isinstance(value, list) else str(value)
    # CSV injection: a spreadsheet must never execute a cell.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(rows: Sequence[Any], columns: Sequence[tuple[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow([label for _name, label in columns])
    for row in rows:
        writer.writerow([_cell(getattr(row, name)) for name, _label in columns])
    return buffer.getvalue()


def table(rows: Sequence[Any], columns: Sequence[tuple[str, str]]) -> list[list[str]]:
    """Rows as lists of display strings (for HTML and PDF)."""
    return [
        [
            "; ".join(v) if isinstance(v := getattr(row, name), list) else str(v)
            for name, _label in columns
        ]
        for row in rows
    ]
