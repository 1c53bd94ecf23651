"""THE access policy (DESIGN.md privacy core 1; ORG-04, CON-01..06, CO-02, ABS-05).

Every read of case data asks this module, which decides from:
role and organisation; direct involvement (an active participant); module limits (leerplicht
sees attendance only); the phase a participant joined for and the categories it allows; a valid
consent or another legal ground; revocations (computed per request, never cached);
restriction (AVG art. 18). It explains its answer: each grant names its ground and source.

It only decides. Selectors apply it to querysets and write the access-log entries.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.translation import gettext as _

from passend.accounts.models import Membership, Role
from passend.cases.models import ATTENDANCE_KINDS, Case, Participant, PhaseDataPolicy
from passend.consent.models import LegalBasis
from passend.prepared import PreparedQuery
from passend.privacy.categories import ALL_CATEGORIES, DataCategory
from passend.privacy.models import ProcessingRestriction


class Action:
    VIEW = "view"
    ADD_ENTRY = "add_entry"
    MANAGE = "manage"  # participants, consent, grounds, phase, hearing
    CHANGE_PHASE = "change_phase"


# ABS-05: the leerplichtambtenaar sees the attendance module only: who the pupil is and absence.
ATTENDANCE_OFFICER_CATEGORIES: frozenset[str] = frozenset(
    {DataCategory.ORDINARY, DataCategory.ABSENCE}
)


@dataclass(frozen=True)
class Grant:
    basis: str
    categories: frozenset[str]
    source: str

    @property
    def basis_label(self) -> str:
        return str(LegalBasis(self.basis).label)


@dataclass
class CaseAccess:
    """The policy's answer for one user (acting in one membership) and one case."""

    case: Case
    allowed: bool
    categories: frozenset[str] = frozenset()
    grants: list[Grant] = field(default_factory=list)
    participant: Participant | None = None
    is_director: bool = False
    is_owner: bool = False
    organisation_id: int | None = None
    denied_reason: str = ""
    # Break-the-glass (passend.emergency): read-only, time-limited, flagged in the log.
    break_glass: bool = False

    def can_see(self, category: str) -> bool:
        return self.allowed and category in self.categories

    def can_see_entry(self, entry: Any) -> bool:
        # CON-06: the party that supplied an item always sees it; others per category.
        return self.allowed and (
            entry.category in self.categories or entry.supplied_by_id == self.organisation_id
        )

    @property
    def can_manage(self) -> bool:
        return self.allowed and (self.is_director or self.is_owner) and self.case.phase != "closed"

    @property
    def legal_ground_summary(self) -> str:
        if self.break_glass:
            return "break_the_glass"
        return ",".join(sorted({g.basis for g in self.grants if g.categories & self.categories}))

    def explain(self) -> list[str]:
        """'Why you can see this': one line per ground, with its source."""
        lines = [
            _("%(basis)s — %(source)s") % {"basis": g.basis_label, "source": g.source}
            for g in self.grants
            if g.categories & self.categories
        ]
        if self.participant is not None and not self.is_owner and not self.is_director:
            lines.append(
                _(
                    "Betrokken vanaf fase %(phase)s: alleen de gegevens die die fase nodig heeft (CO-02)."
                )
                % {"phase": self.participant.get_joined_phase_display()}
            )
        return lines


def phase_policies() -> dict[str, frozenset[str]]:
    # Read on every page that decides a case: its query compiled once (``prepared``).
    return {p.phase: frozenset(p.categories) for p in _PHASE_POLICIES.fetch()}


_PHASE_POLICIES = PreparedQuery(lambda: PhaseDataPolicy.objects.all())


class LazyPhasePolicies(Mapping[str, frozenset[str]]):
    """``phase_policies()``, read on first use: once per request for a list whose rows need it,
    not at all for one where the viewer owns or directs every case (CO-02 limits only the other
    participants)."""

    def __init__(self) -> None:
        self._policies: dict[str, frozenset[str]] | None = None

    def _load(self) -> dict[str, frozenset[str]]:
        if self._policies is None:
            self._policies = phase_policies()
        return self._policies

    def __getitem__(self, phase: str) -> frozenset[str]:
        return self._load()[phase]

    def __iter__(self) -> Iterator[str]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())


def _membership_ok(membership: Membership | None, user: Any) -> bool:
    return (
        membership is not None
        and user is not None
        and user.is_authenticated
        and membership.user_id == user.pk
    )


def restriction_exists() -> Exists:
    """SQL: the case's pupil has an active processing restriction (privacy, AVG art. 18)."""
    return Exists(
        ProcessingRestriction.objects.filter(pupil_id=OuterRef("pupil_id"), lifted_at__isnull=True)
    )


def pupil_restricted(case: Case) -> bool:
    """Uses the ``pupil_restricted`` annotation of ``with_policy_data`` when present (no query
    per case on list pages); otherwise asks once and remembers it on the instance."""
    restricted = getattr(case, "pupil_restricted", None)
    if restricted is None:
        restricted = (
            case.pupil_id is not None
            and ProcessingRestriction.objects.filter(
                pupil_id=case.pupil_id, lifted_at__isnull=True
            ).exists()
        )
        setattr(case, "pupil_restricted", restricted)  # noqa: B010
    return bool(restricted)


def _policy_rows(obj: Any, relation: str) -> Any:
    """The related rows the policy reads: the plain list that ``with_row_policy_data`` stores as
    ``policy_<relation>`` (already cut to what the policy looks at), else the relation itself
    (prefetched by ``with_policy_data``, or queried)."""
    rows = getattr(obj, f"policy_{relation}", None)
    return rows if rows is not None else getattr(obj, relation).all()


def decide_case(
    user: Any,
    membership: Membership | None,
    case: Case,
    *,
    phase_categories: Mapping[str, frozenset[str]] | None = None,
) -> CaseAccess:
    """Decides whether and which categories of `case` the user may see.

    Expects `participants`, `consents` (with `parties`), `legal_grounds` and `justifications`
    prefetched when called for many cases (see access.selectors.with_policy_data).
    """
    if not _membership_ok(membership, user):
        return CaseAccess(case, False, denied_reason="no acting membership")
    if membership is None:  # narrowed by _membership_ok; keeps type checkers informed
        return CaseAccess(case, False, denied_reason="no acting membership")
    if membership.role == Role.PRIVACY_OFFICER:
        # ORG-02: the FG sees logs and requests, never case content by default.
        return CaseAccess(case, False, denied_reason="privacy officer sees no case content")
    if membership.role == Role.ATTENDANCE_OFFICER and case.kind not in ATTENDANCE_KINDS:
        return CaseAccess(case, False, denied_reason="attendance module only (ABS-05)")
    if pupil_restricted(case):
        # PRV-03/04: a restriction or granted objection on the pupil: storage only. Nobody
        # (break-the-glass included) opens or changes the file; the request's handler reads
        # it through the subject request (privacy), not through a case.
        return CaseAccess(case, False, denied_reason="pupil restricted on request (AVG art. 18)")

    organisation_id = membership.organisation_id
    participant = next(
        (
            p
            for p in _policy_rows(case, "participants")
            if p.user_id == user.pk and p.organisation_id == organisation_id and p.ended_at is None
        ),
        None,
    )
    if participant is None:
        return _break_glass_access(user, organisation_id, case) or CaseAccess(
            case, False, denied_reason="not involved in this case (ORG-04)"
        )
    is_director = user.pk in (case.process_director_id, case.case_director_id)
    if case.restricted_since is not None and user.pk != case.process_director_id:
        return CaseAccess(case, False, denied_reason="processing restricted (AVG art. 18)")

    is_owner = case.owner_id == organisation_id
    grants = list(_grants_for(case, organisation_id, is_owner))
    granted: frozenset[str] = frozenset().union(*(g.categories for g in grants))
    if is_owner or is_director:
        allowed_by_phase = ALL_CATEGORIES
    else:
        policies = phase_categories if phase_categories is not None else phase_policies()
        allowed_by_phase = policies.get(participant.joined_phase, frozenset())
    categories = granted & allowed_by_phase
    if membership.role == Role.ATTENDANCE_OFFICER:
        categories &= ATTENDANCE_OFFICER_CATEGORIES
    return CaseAccess(
        case,
        True,
        categories=frozenset(categories),
        grants=grants,
        participant=participant,
        is_director=is_director,
        is_owner=is_owner,
        organisation_id=organisation_id,
    )


_NOT_LOADED = object()


def _break_glass_access(user: Any, organisation_id: int, case: Case) -> CaseAccess | None:
    """An active break-the-glass grant (passend.emergency) gives read access to every category
    for a few hours; never while processing is restricted. Queried only for a case the user is
    not involved in, so list pages (already filtered on involvement) pay nothing; a page that
    shows cases the user may not be involved in (a meeting's agenda) looks the grants up for all
    its cases in one query first."""
    if case.restricted_since is not None:
        return None
    loaded: Any = getattr(case, "policy_break_glass", _NOT_LOADED)
    if loaded is _NOT_LOADED:
        from passend.emergency.selectors import active_grant

        grant = active_grant(user, organisation_id, case.pk)
    else:  # looked up for many cases at once (access.selectors.attach_break_glass)
        grant = loaded
    if grant is None:
        return None
    return CaseAccess(
        case,
        True,
        categories=ALL_CATEGORIES,
        grants=[
            Grant(
                LegalBasis.COMPELLING_INTEREST,
                ALL_CATEGORIES,
                _("noodtoegang (break-the-glass) tot %(until)s, gemeld aan de FG")
                % {"until": date_format(grant.expires_at, "SHORT_DATETIME_FORMAT")},
            )
        ],
        organisation_id=organisation_id,
        break_glass=True,
    )


def _owner_source(case: Case) -> str:
    return _("uw organisatie is eigenaar van dit dossier (%(basis)s)") % {
        "basis": case.owner.legal_basis
    }


def _consent_source(given_on: Any, form_version: str) -> str:
    return _("toestemming van %(date)s, formulier %(version)s") % {
        "date": date_format(given_on, "SHORT_DATE_FORMAT"),
        "version": form_version,
    }


def _ground_source(recorded_at: Any) -> str:
    return _("vastgelegd op %(date)s") % {"date": date_format(recorded_at.date())}


def _justification_source(decided_at: Any) -> str:
    return _("besluit van %(date)s, gemeld aan de FG") % {"date": date_format(decided_at.date())}


# A grant's source is read only where the page explains a decision ("Waarom zie ik dit?"):
# written out when shown, not for every row of a list (issue 10: formatting the dates was a
# tenth of deciding a list page).
_lazy_owner_source = lazy(_owner_source, str)
_lazy_consent_source = lazy(_consent_source, str)
_lazy_ground_source = lazy(_ground_source, str)
_lazy_justification_source = lazy(_justification_source, str)


def _grants_for(case: Case, organisation_id: int, is_owner: bool) -> Iterable[Grant]:
    if is_owner:
        yield Grant(LegalBasis.OWN_TASK, ALL_CATEGORIES, _lazy_owner_source(case))
    for consent in _policy_rows(case, "consents"):
        if consent.revoked_at is None and any(
            party.pk == organisation_id for party in _policy_rows(consent, "parties")
        ):
            yield Grant(
                LegalBasis.CONSENT,
                frozenset(consent.categories),
                _lazy_consent_source(consent.given_on, consent.form_version),
            )
    for ground in _policy_rows(case, "legal_grounds"):
        if ground.ended_at is None and ground.organisation_id == organisation_id:
            yield Grant(
                ground.basis, frozenset(ground.categories), _lazy_ground_source(ground.recorded_at)
            )
    for decision in _policy_rows(case, "justifications"):
        if decision.ended_at is None and decision.organisation_id == organisation_id:
            yield Grant(
                LegalBasis.COMPELLING_INTEREST,
                frozenset(decision.categories),
                _lazy_justification_source(decision.decided_at),
            )


def can(user: Any, membership: Membership | None, action: str, case: Case) -> bool:
    decision = decide_case(user, membership, case)
    if action == Action.VIEW:
        return decision.allowed
    if action == Action.ADD_ENTRY:
        return (
            decision.allowed
            and not decision.break_glass
            and bool(decision.categories)
            and case.phase != "closed"
        )
    if action in (Action.MANAGE, Action.CHANGE_PHASE):
        return decision.can_manage
    raise ValueError(f"Unknown action {action!r}")


# --- Documents (issue 4) ----------------------------------------------------------------------
# Parents' control (CON-06, AGE-05): medical and psychological reports are shared beyond the
# party that supplied them only when the consent covers them or the rights holder said so.
PARENT_CONTROLLED_CATEGORIES: frozenset[str] = frozenset(
    {DataCategory.HEALTH, DataCategory.DIAGNOSTICS}
)


def consent_categories(access: CaseAccess) -> frozenset[str]:
    """Categories that an active consent covers for the viewer's organisation (from the grants)."""
    return frozenset().union(
        *(g.categories for g in access.grants if g.basis == LegalBasis.CONSENT)
    )


def can_see_document(
    access: CaseAccess, document: Any, consent_categories_: frozenset[str] | None = None
) -> bool:
    """Item visibility (category OR supplier, as ``can_see_entry``) plus parents' control.

    A health or diagnostics document is visible beyond its supplier only when an active consent
    covering that category for the viewer's organisation exists, or when the rights holder
    marked it shareable (``document.shareable_marked_on``). Pass ``consent_categories_`` to
    avoid recomputing it per document.
    """
    if not access.can_see_entry(document):
        return False
    if document.supplied_by_id == access.organisation_id:
        return True
    if document.category not in PARENT_CONTROLLED_CATEGORIES:
        return True
    if document.shareable_marked_on is not None:
        return True
    covered = consent_categories_ if consent_categories_ is not None else consent_categories(access)
    return document.category in covered
