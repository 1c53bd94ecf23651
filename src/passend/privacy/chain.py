"""The access log's hash chain (DESIGN.md privacy core 2, NEN 7513), as pure functions.

Entries are written without a hash, in the request's own transaction. A sealer
(``privacy.services.seal_access_log``) later takes every entry that can no longer change —
all ids up to a fence — and seals them, in id order, into a block: one ``AccessLogSeal`` row
whose hash covers the previous block's hash, the block's id range and the digest of every entry
in it. Changing, adding or removing an entry after sealing, or removing a block, breaks the
chain at that block (``privacy.selectors.verify_chain``). Writers no longer wait for each other
to compute a running hash (issue 10: the chain serialised every request).

Used by the models, the sealer, the verifier, the region generator and a migration, so it
imports no model.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from json.encoder import encode_basestring_ascii
from typing import Any

GENESIS_HASH = "0" * 64

# The fields of an entry that its digest covers (with its id).
HASHED_FIELDS = (
    "occurred_at",
    "actor_id",
    "actor_username",
    "organisation_id",
    "role",
    "action",
    "subject_pseudonym",
    "object_type",
    "object_id",
    "data_categories",
    "activity",
    "legal_ground",
    "trace_id",
    "outcome",
    "reason",
    "ip_address",
)


def canonical(entry_id: int, values: Mapping[str, Any]) -> str:
    """Canonical JSON of one entry: its id and hashed fields as strings, keys sorted."""
    payload = {"id": str(entry_id)}
    for name in HASHED_FIELDS:
        value = values[name]
        if name == "occurred_at":
            value = value.isoformat(timespec="microseconds")
        payload[name] = "" if value is None else str(value)
    return json.dumps(payload, sort_keys=True, separators=(",", ":"))


def entry_digest(entry_id: int, values: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(entry_id, values).encode()).hexdigest()


# ``row_digest``'s columns: "id" then HASHED_FIELDS (a row's positions), in ``canonical``'s key
# order, each with its JSON key already written out.
ROW_COLUMNS = ("id", *HASHED_FIELDS)
_ROW_KEYS = tuple((f"{json.dumps(name)}:", ROW_COLUMNS.index(name)) for name in sorted(ROW_COLUMNS))
_OCCURRED_AT = ROW_COLUMNS.index("occurred_at")


def row_digest(row: Sequence[Any]) -> str:
    """``entry_digest`` of a row of ``ROW_COLUMNS`` (a ``values_list`` row). ``canonical``
    stays the definition (the migration and the model use it; a test holds both to the same
    digests); this is the same digest at a third of the cost: no model instance, no dict, no JSON encoder set-up per entry. The
    sealer and the verifier read thousands of entries a second under load (issue 10: the
    sealer runs in the web workers, next to the requests)."""
    parts = []
    for key, index in _ROW_KEYS:
        value = row[index]
        if index == _OCCURRED_AT:
            value = value.isoformat(timespec="microseconds")
        # The JSON string json.dumps writes for it (ASCII, same escapes).
        parts.append(key + encode_basestring_ascii("" if value is None else str(value)))
    return hashlib.sha256(("{" + ",".join(parts) + "}").encode()).hexdigest()


# ``row_digest`` computed by PostgreSQL, for the sealer (issue 10, session 44): reading an
# entry's 17 values into Python and digesting them there took 10 µs of a web worker's CPU per
# entry on a slow host, which PostgreSQL does in under half of that, and the sealer then reads
# 64 characters per entry instead of the entry. The columns are the model's (``ROW_COLUMNS``
# are attnames, which are its column names). Written only for the values where both digests
# are plainly the same: when every text value is printable ASCII, the JSON escapes of
# ``encode_basestring_ascii`` are those of ``"`` and ``\`` alone; an entry holding anything
# else (an accent, a control character) gets NULL, and the sealer digests it in Python.
_NUMBER_COLUMNS = frozenset({"id", "actor_id", "organisation_id"})
_TEXT_COLUMNS = tuple(
    n for n in ROW_COLUMNS if n not in _NUMBER_COLUMNS and n not in ("occurred_at", "ip_address")
)


def _sql_value(name: str) -> str:
    if name == "occurred_at":  # isoformat(timespec="microseconds") of the UTC time
        return "to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"')"
    if name == "ip_address":  # the address as Python reads it: no /32 or /128
        return "host(ip_address)"
    if name in _NUMBER_COLUMNS:
        return name
    # E'' strings: their backslashes mean the same whatever standard_conforming_strings says.
    return f"replace(replace({name}, E'\\\\', E'\\\\\\\\'), '\"', E'\\\\\"')"


def _digest_sql() -> str:
    # concat() writes NULL as nothing, as ``row_digest`` writes None as "".
    parts = []
    for i, (key, index) in enumerate(_ROW_KEYS):
        parts.append("'" + ("{" if i == 0 else '",') + key + '"' + "'")
        parts.append(_sql_value(ROW_COLUMNS[index]))
    parts.append("""'"}'""")
    return (
        f"CASE WHEN concat({', '.join(_TEXT_COLUMNS)}) ~ '[^ -~]' THEN NULL "
        f"ELSE encode(sha256(convert_to(concat({', '.join(parts)}), 'UTF8')), 'hex') END"
    )


DIGEST_SQL = _digest_sql()


def block_hash(previous_hash: str, after_id: int, last_id: int, digests: Iterable[str]) -> str:
    """The hash of a block: the entries with after_id < id <= last_id, in id order."""
    hasher = hashlib.sha256(f"{previous_hash}:{after_id}:{last_id}:".encode())
    for digest in digests:
        hasher.update(digest.encode())
    return hasher.hexdigest()
