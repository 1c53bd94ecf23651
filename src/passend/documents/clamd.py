"""Virus scanner hook: clamd over its unix socket (INSTREAM), used when configured.

``settings.PASSEND_CLAMD_SOCKET`` names the socket. When it is set and clamd cannot be reached,
the upload is refused: a configured scanner that is down must not let files through.
"""

from __future__ import annotations

import socket
import struct

from django.conf import settings

CHUNK = 64 * 1024
TIMEOUT_SECONDS = 30


class ScannerUnavailable(Exception):
    pass


def configured() -> bool:
    return bool(getattr(settings, "PASSEND_CLAMD_SOCKET", ""))


def scan(data: bytes) -> str | None:
    """The signature name clamd found, or None when the data is clean."""
    path = settings.PASSEND_CLAMD_SOCKET
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(TIMEOUT_SECONDS)
            conn.connect(path)
            conn.sendall(b"zINSTREAM\0")
            for start in range(0, len(data), CHUNK):
                chunk = data[start : start + CHUNK]
                conn.sendall(struct.pack("!L", len(chunk)) + chunk)
            conn.sendall(struct.pack("!L", 0))
            reply = b""
            while not reply.endswith(b"\0"):
                part = conn.recv(4096)
                if not part:
                    break
                reply += part
    except OSError as error:
        raise ScannerUnavailable(str(error)) from error
    text = reply.rstrip(b"\0").decode("utf-8", "replace").strip()
    # "stream: OK" | "stream: Eicar-Signature FOUND" | "INSTREAM size limit exceeded. ERROR"
    if text.endswith(" FOUND"):
        return text.removeprefix("stream:").removesuffix("FOUND").strip() or "unknown"
    if text.endswith("OK"):
        return None
    raise ScannerUnavailable(text[:100])
