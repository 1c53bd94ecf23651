"""Reads of correspondence, always from a CaseRow that ``passend.access`` decided and logged."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from passend.access.selectors import CaseRow
from passend.correspondence.models import Letter, LetterTemplate, Message
from passend.correspondence.services import may_read, templates_for


def visible_messages(row: CaseRow) -> list[Message]:
    """Messages of the case for this viewer: addressed to them and in a category they see
    (or sent by their own organisation, CON-06)."""
    organisation_id = row.access.organisation_id
    messages = Message.objects.filter(case=row.case).select_related(
        "sender", "sender_organisation", "to_organisation"
    )
    return [
        m
        for m in messages
        if may_read(m, organisation_id)
        and (row.access.can_see(m.category) or m.sender_organisation_id == organisation_id)
    ]


def letters_of(row: CaseRow) -> list[Letter]:
    if not row.access.can_see("ordinary"):
        return []
    return list(Letter.objects.filter(case=row.case).select_related("created_by", "organisation"))


def letter_of(row: CaseRow, pk: object) -> Letter:
    letter = next((x for x in letters_of(row) if str(x.pk) == str(pk)), None)
    if letter is None:
        raise Http404
    return letter


def letter_templates(membership: Any) -> list[LetterTemplate]:
    return list(templates_for(membership.organisation_id if membership else None))
