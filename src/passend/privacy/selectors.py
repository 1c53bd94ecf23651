"""Reads of the privacy app."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from passend.privacy.models import GENESIS_HASH, AccessLogEntry


@dataclass(frozen=True)
class ChainBreak:
    entry_id: int
    problem: str


def verify_chain(chunk_size: int = 5000) -> Iterator[ChainBreak]:
    """Recompute the hash chain in id order; yield every entry where it breaks."""
    previous = GENESIS_HASH
    for entry in AccessLogEntry.objects.order_by("id").iterator(chunk_size=chunk_size):
        if entry.previous_hash != previous:
            yield ChainBreak(entry.id, "previous_hash does not match the entry before it")
        elif entry.compute_hash(entry.previous_hash) != entry.entry_hash:
            yield ChainBreak(entry.id, "content does not match its hash")
        previous = entry.entry_hash
