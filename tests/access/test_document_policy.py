"""can_see_document: item visibility (category OR supplier, CON-06) plus parents' control for
health and diagnostics (shared beyond the supplier only with consent or the rights holder's mark)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest

from passend.access.policy import CaseAccess, Grant, can_see_document, consent_categories
from passend.consent.models import LegalBasis
from passend.privacy.categories import ALL_CATEGORIES, DataCategory

SUPPLIER, VIEWER = 1, 2


def access(categories: frozenset[str], grants: list[Grant] | None = None) -> CaseAccess:
    return CaseAccess(
        case=SimpleNamespace(phase="plan"),  # type: ignore[arg-type]
        allowed=True,
        categories=categories,
        grants=grants or [],
        organisation_id=VIEWER,
    )


def document(category: str, *, supplier: int = SUPPLIER, marked: bool = False) -> Any:
    return SimpleNamespace(
        category=category,
        supplied_by_id=supplier,
        shareable_marked_on=dt.date(2026, 1, 5) if marked else None,
    )


def test_con_06_ordinary_documents_follow_can_see_entry() -> None:
    viewer = access(frozenset({DataCategory.ORDINARY}))
    assert can_see_document(viewer, document(DataCategory.ORDINARY))
    assert not can_see_document(viewer, document(DataCategory.BEHAVIOUR))
    assert can_see_document(viewer, document(DataCategory.BEHAVIOUR, supplier=VIEWER))


@pytest.mark.parametrize("category", [DataCategory.HEALTH, DataCategory.DIAGNOSTICS])
def test_parents_control_own_task_or_ground_is_not_enough(category: str) -> None:
    owner = access(ALL_CATEGORIES, [Grant(LegalBasis.OWN_TASK, ALL_CATEGORIES, "eigenaar")])
    assert not can_see_document(owner, document(category))
    grounded = access(
        frozenset({category}), [Grant(LegalBasis.EXTRA_SUPPORT, frozenset({category}), "grond")]
    )
    assert not can_see_document(grounded, document(category))


@pytest.mark.parametrize("category", [DataCategory.HEALTH, DataCategory.DIAGNOSTICS])
def test_parents_control_consent_covering_the_category_or_the_mark_opens_it(category: str) -> None:
    consented = access(
        frozenset({category}), [Grant(LegalBasis.CONSENT, frozenset({category}), "toestemming")]
    )
    assert consent_categories(consented) == {category}
    assert can_see_document(consented, document(category))
    owner = access(ALL_CATEGORIES, [Grant(LegalBasis.OWN_TASK, ALL_CATEGORIES, "eigenaar")])
    assert can_see_document(owner, document(category, marked=True))
    # The supplier always sees its own report.
    assert can_see_document(owner, document(category, supplier=VIEWER))


def test_parents_control_consent_for_another_category_does_not_open_it() -> None:
    viewer = access(
        ALL_CATEGORIES,
        [
            Grant(LegalBasis.OWN_TASK, ALL_CATEGORIES, "eigenaar"),
            Grant(LegalBasis.CONSENT, frozenset({DataCategory.HEALTH}), "toestemming"),
        ],
    )
    assert can_see_document(viewer, document(DataCategory.HEALTH))
    assert not can_see_document(viewer, document(DataCategory.DIAGNOSTICS))


def test_the_mark_does_not_widen_categories_or_phase() -> None:
    viewer = access(frozenset({DataCategory.ORDINARY}))
    assert not can_see_document(viewer, document(DataCategory.HEALTH, marked=True))
    denied = CaseAccess(case=SimpleNamespace(phase="plan"), allowed=False)  # type: ignore[arg-type]
    assert not can_see_document(denied, document(DataCategory.ORDINARY))
