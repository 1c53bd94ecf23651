"""Envelope encryption of documents (DESIGN.md "At rest").

Each file gets its own 256-bit AES-GCM key and a fresh 96-bit nonce; the storage name is bound
in as associated data, so a blob moved to another document's name fails to decrypt. The file
key is wrapped with AES key wrap (RFC 3394) under a master key from configuration
(``PASSEND_DOCUMENT_MASTER_KEYS``, id -> base64). Rotating the master key re-wraps the file keys
only; the encrypted content stays as it is.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap, aes_key_wrap
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

NONCE_BYTES = 12


@dataclass(frozen=True)
class Sealed:
    ciphertext: bytes
    nonce: bytes
    wrapped_key: bytes
    key_id: str


def current_key_id() -> str:
    return str(settings.PASSEND_DOCUMENT_MASTER_KEY_ID)


def master_key(key_id: str) -> bytes:
    encoded = settings.PASSEND_DOCUMENT_MASTER_KEYS.get(key_id)
    if encoded is None:
        raise ImproperlyConfigured(f"Document master key {key_id!r} is not configured.")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise ImproperlyConfigured(f"Document master key {key_id!r} must be 32 bytes (base64).")
    return raw


def _aad(storage_name: str) -> bytes:
    return f"passend-document:{storage_name}".encode()


def seal(plaintext: bytes, storage_name: str) -> Sealed:
    key_id = current_key_id()
    return seal_with(
        plaintext,
        storage_name,
        file_key=AESGCM.generate_key(bit_length=256),
        nonce=os.urandom(NONCE_BYTES),
        key_id=key_id,
        master=master_key(key_id),
    )


def seal_with(
    plaintext: bytes,
    storage_name: str,
    *,
    file_key: bytes,
    nonce: bytes,
    key_id: str,
    master: bytes,
) -> Sealed:
    """``seal`` with the file key and nonce given: one fresh pair per file, always. Only the
    region generator (fictitious data, reproducible per seed) supplies its own pair."""
    if len(file_key) != 32 or len(nonce) != NONCE_BYTES:
        raise ValueError("a document needs a 256-bit file key and a 96-bit nonce")
    ciphertext = AESGCM(file_key).encrypt(nonce, plaintext, _aad(storage_name))
    return Sealed(ciphertext, nonce, aes_key_wrap(master, file_key), key_id)


def unseal(
    ciphertext: bytes, *, nonce: bytes, wrapped_key: bytes, key_id: str, storage_name: str
) -> bytes:
    """The plaintext; raises ``cryptography.exceptions.InvalidTag`` when anything was altered."""
    file_key = aes_key_unwrap(master_key(key_id), bytes(wrapped_key))
    return AESGCM(file_key).decrypt(bytes(nonce), ciphertext, _aad(storage_name))


def rewrap(wrapped_key: bytes, from_key_id: str, to_key_id: str) -> bytes:
    """The same file key, wrapped under another master key (key rotation)."""
    file_key = aes_key_unwrap(master_key(from_key_id), bytes(wrapped_key))
    return aes_key_wrap(master_key(to_key_id), file_key)
