"""Master-key rotation without re-encryption (DESIGN.md "At rest") and the clamd hook."""

from __future__ import annotations

import base64
import secrets
import socket
import struct
import threading
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.management import call_command

from passend.documents import crypto, safety, services
from passend.documents.models import Document
from passend.privacy.categories import DataCategory
from tests.cases.screens import World, actor
from tests.documents import fixtures as f
from tests.documents.conftest import blobs, upload_file

pytestmark = pytest.mark.django_db


def new_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def upload(world: World, data: bytes) -> Document:
    return services.upload_document(
        actor(world.owner),
        world.case,
        upload=upload_file(data),
        title="Verslag",
        category=DataCategory.ORDINARY,
    )


def test_at_rest_rotation_rewraps_keys_without_reencrypting(
    world: World, settings: Any, media_root: Path
) -> None:
    old = new_key()
    settings.PASSEND_DOCUMENT_MASTER_KEY_ID = "k1"
    settings.PASSEND_DOCUMENT_MASTER_KEYS = {"k1": old}
    data = f.pdf("Verslag")
    document = upload(world, data)
    [blob] = blobs(media_root)
    ciphertext = blob.read_bytes()

    settings.PASSEND_DOCUMENT_MASTER_KEY_ID = "k2"
    settings.PASSEND_DOCUMENT_MASTER_KEYS = {"k1": old, "k2": new_key()}
    out = StringIO()
    call_command("rotate_document_keys", stdout=out)
    assert "1 document key(s) re-wrapped under master key 'k2'" in out.getvalue()

    document.refresh_from_db()
    assert document.key_id == "k2"
    assert blob.read_bytes() == ciphertext  # content untouched
    settings.PASSEND_DOCUMENT_MASTER_KEYS = {"k2": settings.PASSEND_DOCUMENT_MASTER_KEYS["k2"]}
    assert services.read_content(document) == data  # the old key is no longer needed
    call_command("rotate_document_keys", stdout=StringIO())  # idempotent


def test_at_rest_missing_or_malformed_master_key_is_refused(settings: Any) -> None:
    settings.PASSEND_DOCUMENT_MASTER_KEYS = {"k1": "dG9vLXNob3J0"}
    with pytest.raises(ImproperlyConfigured):
        crypto.master_key("k1")
    with pytest.raises(ImproperlyConfigured):
        crypto.master_key("unknown")


def test_at_rest_dev_settings_name_their_key_dev_only(settings: Any) -> None:
    from passend.settings import document_master_keys

    key_id, keys = document_master_keys({})
    assert key_id == "dev-only"
    key_id, keys = document_master_keys(
        {
            "PASSEND_DOCUMENT_MASTER_KEY": "bmV3",
            "PASSEND_DOCUMENT_MASTER_KEY_ID": "2027",
            "PASSEND_DOCUMENT_PREVIOUS_MASTER_KEYS": "2026=b2xk",
        }
    )
    assert key_id == "2027" and keys == {"2027": "bmV3", "2026": "b2xk"}


# --- clamd --------------------------------------------------------------------------------------

EICAR_MARKER = b"EICAR-TEST"


@pytest.fixture
def fake_clamd(tmp_path: Path, settings: Any) -> Iterator[list[bytes]]:
    """A clamd stand-in on a unix socket: INSTREAM, FOUND when the marker is in the stream."""
    path = str(tmp_path / "clamd.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(5)
    received: list[bytes] = []

    def serve() -> None:
        while True:
            try:
                conn, _addr = server.accept()
            except OSError:
                return
            with conn:
                command = b""
                while not command.endswith(b"\0"):
                    command += conn.recv(1)
                assert command == b"zINSTREAM\0"
                data = b""
                while True:
                    header = b""
                    while len(header) < 4:
                        header += conn.recv(4 - len(header))
                    (size,) = struct.unpack("!L", header)
                    if size == 0:
                        break
                    chunk = b""
                    while len(chunk) < size:
                        chunk += conn.recv(size - len(chunk))
                    data += chunk
                received.append(data)
                reply = (
                    b"stream: Eicar-Test-Signature FOUND\0"
                    if EICAR_MARKER in data
                    else b"stream: OK\0"
                )
                conn.sendall(reply)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    settings.PASSEND_CLAMD_SOCKET = path
    yield received
    server.close()


def test_virus_scanner_refuses_on_found(
    world: World, fake_clamd: list[bytes], media_root: Path
) -> None:
    infected = f"Tekst {EICAR_MARKER.decode()} tekst".encode()
    with pytest.raises(ValidationError) as refused:
        upload(world, infected)
    assert refused.value.error_dict["file"][0].code == "virus"
    assert fake_clamd == [infected]
    assert Document.objects.count() == 0 and blobs(media_root) == []


def test_virus_scanner_passes_clean_files_in_chunks(fake_clamd: list[bytes]) -> None:
    data = f.pdf("Schoon") + b"%" + b"x" * 200_000  # larger than one INSTREAM chunk
    assert safety.inspect_upload(data).kind == "pdf"
    assert fake_clamd == [data]


def test_virus_scanner_configured_but_down_refuses(settings: Any, tmp_path: Path) -> None:
    settings.PASSEND_CLAMD_SOCKET = str(tmp_path / "absent.sock")
    with pytest.raises(safety.UploadRefused) as refused:
        safety.inspect_upload(b"gewone tekst")
    assert refused.value.code == "scanner_unavailable"
