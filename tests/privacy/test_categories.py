"""Data categories' labels (DESIGN.md privacy core 3): in the catalogue's order, in the active
language, also now that each language's labels are made once per process (issue 10)."""

from __future__ import annotations

from django.utils import translation

from passend.privacy.categories import DataCategory, category_labels


def test_labels_follow_the_catalogue_and_the_active_language() -> None:
    codes = [DataCategory.HEALTH, "ordinary", "unknown", DataCategory.FAMILY, "health"]
    with translation.override("nl"):
        dutch = category_labels(codes)
    with translation.override("en"):
        english = category_labels(iter(codes))  # any iterable of codes
    with translation.override("nl"):
        assert category_labels(codes) == dutch  # the language switches back, too
    assert dutch == ["Algemeen (contact, school, loopbaan)", "Gezin en gezag", "Gezondheid"]
    assert english == [
        "General (contact, school, school career)",
        "Family and parental authority",
        "Health",
    ]
    assert category_labels(()) == []
