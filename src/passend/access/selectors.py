"""Scoped reads of case data. Every function here applies the policy AND writes the log.

Views, API views, exports and reports read case data only through these functions.
A denied access is logged and answered as "not found", so that probing reveals nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest

from passend.access.policy import (
    CaseAccess,
    LazyPhasePolicies,
    decide_case,
    restriction_exists,
)
from passend.accounts.models import Membership, Organisation, Role
from passend.cases.models import ATTENDANCE_KINDS, Case, CaseEntry, Participant
from passend.consent.models import Consent, Justification, LegalGround
from passend.privacy.categories import DataCategory
from passend.privacy.context import AccessContext, subject_pseudonym
from passend.privacy.models import Outcome
from passend.privacy.services import LogItem, record_access, record_access_many

ACTIVITY = "case_management"


def case_subject(case: Case) -> str:
    if case.pupil_id is None:
        return subject_pseudonym("case", case.pk)
    return subject_pseudonym("pupil", case.pupil_id)


def _with_case_and_participants(queryset: QuerySet[Case]) -> QuerySet[Case]:
    """The case's own policy input: restriction, directors, participants."""
    return (
        queryset.annotate(pupil_restricted=restriction_exists())
        .select_related("owner", "pupil", "process_director", "case_director")
        .prefetch_related(
            Prefetch(
                "participants",
                queryset=Participant.objects.select_related("organisation", "user"),
            )
        )
    )


def with_policy_data(queryset: QuerySet[Case]) -> QuerySet[Case]:
    """Everything the policy needs, in a constant number of queries."""
    return _with_case_and_participants(queryset).prefetch_related(
        Prefetch("consents", queryset=Consent.objects.prefetch_related("parties")),
        "legal_grounds",
        "justifications",
    )


# Columns of the related rows a case list shows (name, owner, directors); the policy needs none
# of them. No password hashes or addresses are loaded for a list.
_PUPIL_NAME_FIELDS = ("pupil__first_name", "pupil__name_prefix", "pupil__last_name")
_USER_NAME_FIELDS = ("id", "username", "first_name", "last_name")


def _viewer_grounds(organisation_id: int) -> list[Prefetch]:
    """The consents, legal grounds and justifications the policy looks at for a viewer of this
    organisation (unrevoked / unended, naming it), as plain lists ``policy_<relation>``."""
    return [
        Prefetch(
            "consents",
            queryset=Consent.objects.filter(revoked_at__isnull=True, parties__id=organisation_id)
            .only("id", "case_id", "categories", "given_on", "form_version", "revoked_at")
            .prefetch_related(
                Prefetch(
                    "parties",
                    queryset=Organisation.objects.filter(pk=organisation_id).only("id"),
                    to_attr="policy_parties",
                )
            ),
            to_attr="policy_consents",
        ),
        Prefetch(
            "legal_grounds",
            queryset=LegalGround.objects.filter(
                organisation_id=organisation_id, ended_at__isnull=True
            ).only(
                "id",
                "case_id",
                "organisation_id",
                "basis",
                "categories",
                "recorded_at",
                "ended_at",
            ),
            to_attr="policy_legal_grounds",
        ),
        Prefetch(
            "justifications",
            queryset=Justification.objects.filter(
                organisation_id=organisation_id, ended_at__isnull=True
            ).only("id", "case_id", "organisation_id", "categories", "decided_at", "ended_at"),
            to_attr="policy_justifications",
        ),
    ]


def with_row_policy_data(
    queryset: QuerySet[Case],
    user: Any,
    membership: Membership | None,
    participations: list[int] | None = None,
) -> QuerySet[Case]:
    """``with_policy_data`` for lists: the same decisions with far fewer, lighter objects.

    ``decide_case`` looks only at the viewer's own active participation, at the unrevoked
    consents that name the viewer's organisation, and at the unended legal grounds and
    justifications of that organisation. So these are the only related rows fetched (the same
    filters as the policy applies, so its answer is unchanged), with the columns it reads and
    without users and organisations, as plain lists ``policy_<relation>`` that the policy
    prefers (no queryset per case and relation). They are the policy's input only: never show
    them (a case page uses ``with_policy_data`` / ``get_case``).

    ``participations``: the ids of the viewer's participations that the list's key query joined
    (``cases.selectors.newest_first``). They are read again by id, and ``decide_case`` checks
    that each is the viewer's own and active. Filtering on user and organisation here instead
    makes PostgreSQL read every participation of a busy person through the (user,
    organisation) index: it expects 27 rows of the busiest coordinator, who has 1,414.
    """
    if membership is None or getattr(user, "pk", None) is None:
        return with_policy_data(queryset)  # the policy denies these anyway
    user_id: int = user.pk
    organisation_id: int = membership.organisation_id
    own = Participant.objects.filter(ended_at__isnull=True)
    if participations is None:
        own = own.filter(user_id=user_id, organisation_id=organisation_id)
    else:
        own = own.filter(pk__in=participations)
    return (
        queryset.annotate(pupil_restricted=restriction_exists())
        # Only the pupil is joined: every further join multiplies PostgreSQL's planning time
        # (about 15 ms for the four of ``with_policy_data`` on this sorted, filtered query,
        # against under 1 ms for the pupil alone); the owner is one small query, the directors
        # another (``cases_for_rows``).
        .select_related("pupil")
        .only(*(f.name for f in Case._meta.concrete_fields), *_PUPIL_NAME_FIELDS)
        .prefetch_related(
            Prefetch("owner", queryset=Organisation.objects.only("id", "name", "kind")),
            Prefetch(
                "participants",
                queryset=own.only(
                    "id", "case_id", "user_id", "organisation_id", "joined_phase", "ended_at"
                ),
                to_attr="policy_participants",
            ),
            *_viewer_grounds(organisation_id),
        )
    )


def cases_for_rows(
    ids: list[int],
    user: Any,
    membership: Membership | None,
    participations: list[int] | None = None,
) -> list[Case]:
    """The cases of one list page, in the order of ``ids``, with the light policy input.

    A list first takes the page's ids from its scoped, sorted query (case and participation
    only: at 1,400 cases of one person that is 4 ms against 10 ms when every joined row is
    carried through the sort) and then loads these few cases here. The policy decides on what
    this second query reads, so a change between the two is never shown unchecked.
    """
    if not ids:
        return []
    cases = list(
        with_row_policy_data(Case.objects.filter(pk__in=ids), user, membership, participations)
    )
    _attach_directors(cases)
    by_id = {case.pk: case for case in cases}
    return [by_id[pk] for pk in ids if pk in by_id]


def attach_break_glass(cases: Iterable[Case], user: Any, membership: Membership | None) -> None:
    """The user's active break-the-glass grants for these cases, in one query, where the policy
    looks for them (``policy_break_glass``; None: no grant). For pages whose cases are not
    filtered on the user's involvement, where the policy would otherwise query per case."""
    cases = list(cases)
    if membership is None or not cases:
        return
    from passend.emergency.selectors import active_grants

    grants = active_grants(user, membership.organisation_id, [case.pk for case in cases])
    for case in cases:
        case.policy_break_glass = grants.get(case.pk)  # type: ignore[attr-defined]


def _attach_directors(cases: list[Case]) -> None:
    """Process and case directors of all cases in one query (their names only)."""
    ids: set[int] = {c.process_director_id for c in cases}
    ids.update(c.case_director_id for c in cases if c.case_director_id is not None)
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=ids).only(*_USER_NAME_FIELDS)}
    for case in cases:
        Case.process_director.field.set_cached_value(case, users[case.process_director_id])
        if case.case_director_id is not None:
            Case.case_director.field.set_cached_value(case, users[case.case_director_id])


def involved_cases(user: Any, membership: Membership | None) -> QuerySet[Case]:
    """Cases in which the user, acting for this membership, is an active participant.

    The SQL pre-filter of the policy (ORG-04, ABS-05, AVG art. 18 per case and per pupil); the
    policy itself then decides per case which categories are visible.
    """
    if membership is None or membership.role == Role.PRIVACY_OFFICER:
        return Case.objects.none()
    user_id = getattr(user, "pk", None)
    if user_id is None:
        return Case.objects.none()
    return _involved_cases(user_id, membership.organisation_id, membership.role).all()


@functools.lru_cache(maxsize=256)
def _involved_cases(user_id: int, organisation_id: int, role: str) -> QuerySet[Case]:
    """The query of ``involved_cases``, built once per person, organisation and role: it holds
    SQL and parameters only, never rows (callers get a copy, ``.all()``). The start page uses
    it seven times; building it each time was 7 % of that page's time (issue 10)."""
    queryset = Case.objects.filter(
        participants__user_id=user_id,
        participants__organisation_id=organisation_id,
        participants__ended_at__isnull=True,
    ).filter(Q(restricted_since__isnull=True) | Q(process_director_id=user_id))
    queryset = queryset.filter(~restriction_exists())  # AVG art. 18 on request (privacy)
    if role == Role.ATTENDANCE_OFFICER:
        queryset = queryset.filter(kind__in=ATTENDANCE_KINDS)
    return queryset


@dataclass(frozen=True)
class CaseRow:
    case: Case
    access: CaseAccess

    @property
    def display_name(self) -> str:
        if self.access.can_see(DataCategory.ORDINARY):
            return self.case.display_name
        return self.case.pseudonym


def _membership(request: HttpRequest) -> Membership | None:
    return getattr(request, "membership", None)


def log_rows(request: HttpRequest, rows: list[CaseRow], action: str = "list") -> None:
    record_access_many(
        AccessContext.from_request(request),
        [
            LogItem(
                subject_pseudonym=case_subject(row.case),
                object_type="cases.case",
                object_id=str(row.case.pk),
                data_categories=(DataCategory.ORDINARY,)
                if row.access.can_see(DataCategory.ORDINARY)
                else (),
                legal_ground=row.access.legal_ground_summary,
            )
            for row in rows
        ],
        action=action,
        activity=ACTIVITY,
    )


def decide_rows(request: HttpRequest, cases: list[Case]) -> list[CaseRow]:
    """Applies the policy to cases fetched with `with_policy_data` (no extra queries per case)."""
    user, membership = request.user, _membership(request)
    policies = LazyPhasePolicies()
    rows = [CaseRow(c, decide_case(user, membership, c, phase_categories=policies)) for c in cases]
    return [row for row in rows if row.access.allowed]


def get_case(
    request: HttpRequest, case_id: object, *, action: str = "view", shows_grounds: bool = True
) -> CaseRow:
    """One case for the acting user, or Http404 — and an access-log entry either way.

    ``shows_grounds=False`` when the caller will not show the case's consents, legal grounds and
    justifications (``row.case.consents`` etc. then hold only the viewer's own)."""
    context = AccessContext.from_request(request)
    pk = _valid_id(case_id)
    membership = _membership(request)
    case = _case_for_view(pk, membership, shows_grounds) if pk else None
    access = decide_case(request.user, membership, case) if case is not None else None
    if case is None or access is None or not access.allowed:
        record_access(
            context,
            action=action,
            activity=ACTIVITY,
            outcome=Outcome.DENIED,
            subject_pseudonym=case_subject(case) if case is not None else "",
            object_type="cases.case",
            object_id=str(case_id)[:64],
            reason=access.denied_reason if access is not None else "does not exist",
        )
        raise Http404
    record_access(
        context,
        action=action,
        activity=ACTIVITY,
        subject_pseudonym=case_subject(case),
        obj=case,
        data_categories=access.categories,
        legal_ground=access.legal_ground_summary,
    )
    return CaseRow(case, access)


def _case_for_view(pk: int, membership: Membership | None, shows_grounds: bool) -> Case | None:
    queryset = Case.objects.filter(pk=pk)
    if shows_grounds or membership is None:
        return with_policy_data(queryset).first()
    # The caller shows participants but no consents or grounds (the API's case): only the
    # viewer's grounds are read, as for a list row; the decision is the same.
    return (
        _with_case_and_participants(queryset)
        .prefetch_related(*_viewer_grounds(membership.organisation_id))
        .first()
    )


def _valid_id(value: object) -> int | None:
    try:
        number = int(str(value))
    except ValueError:
        return None
    return number if 0 < number < 2**63 else None


def visible_entries(row: CaseRow) -> list[CaseEntry]:
    """Items of the case the viewer may see: by category, or because they supplied it (CON-06)."""
    entries = row.case.entries.select_related("supplied_by")
    return [e for e in entries if row.access.can_see_entry(e)]
