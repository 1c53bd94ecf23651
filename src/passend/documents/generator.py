"""The documents part of the region generator (issue 10; ``manage.py generate_region``).

Document records with small blobs that are REAL ciphertext under the configured master key,
exactly as ``services.write_sealed`` stores them (DESIGN.md "At rest"): a 256-bit AES-GCM key
and a 96-bit nonce of its own per file, the storage name bound in as associated data, the file
key wrapped with the master key. A generated document downloads and decrypts like an uploaded
one. Only the source of randomness differs: the key and nonce of each file come from the
generator's seeded random source, so two runs with one seed write identical rows and blobs
(fictitious data only; ``generate_region`` refuses production settings). The plaintexts are a
handful of short invented texts and one-page PDFs, reused across files.
"""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from passend.cases import generator
from passend.cases.models import CaseKind, Phase
from passend.documents import crypto
from passend.documents.models import Document, DocumentStatus, FileKind
from passend.documents.services import STORAGE_DIR
from passend.privacy.categories import DataCategory

DOCUMENT_FIELDS = [
    "id",
    "case_id",
    "title",
    "category",
    "supplied_by_id",
    "phase",
    "kind",
    "size",
    "sha256",
    "storage_name",
    "key_id",
    "wrapped_key",
    "nonce",
    "status",
    "bsn_hits",
    "needs_scan_confirmation",
    "scan_confirmed_at",
    "scan_confirmed_by_id",
    "redacted_at",
    "shareable_marked_by",
    "shareable_marked_on",
    "shareable_recorded_by_id",
    "uploaded_by_id",
    "uploaded_at",
]

# (title, category, weight) per case kind family; the attendance kinds carry absence papers.
TITLES: list[tuple[str, str, int]] = [
    ("Groeidocument", DataCategory.ORDINARY, 20),
    ("Verslag leerlingbespreking", DataCategory.ORDINARY, 14),
    ("Handelingsplan", DataCategory.ORDINARY, 10),
    ("Observatieverslag gedrag", DataCategory.BEHAVIOUR, 12),
    ("Gezinssituatie (verslag huisbezoek)", DataCategory.FAMILY, 8),
    ("Medische informatie (jeugdarts)", DataCategory.HEALTH, 8),
    ("Psychologisch onderzoek", DataCategory.DIAGNOSTICS, 8),
    ("Didactisch onderzoek", DataCategory.DIAGNOSTICS, 6),
    ("Verzuimoverzicht", DataCategory.ABSENCE, 4),
]
ATTENDANCE_TITLES: list[tuple[str, str, int]] = [
    ("Verzuimoverzicht", DataCategory.ABSENCE, 40),
    ("Verslag gesprek verzuim", DataCategory.ABSENCE, 25),
    ("Verslag leerlingbespreking", DataCategory.ORDINARY, 20),
    ("Medische informatie (jeugdarts)", DataCategory.HEALTH, 15),
]

_TEXT = (
    "Fictief document van de benchmarkregio (geen echte leerling).\n"
    "Besproken: de voortgang, de aanpak in de klas en wat thuis helpt. Afgesproken dat de "
    "mentor wekelijks kort terugkoppelt en dat we over zes weken evalueren.\n"
)


def _pdf(text: str) -> bytes:
    """A minimal one-page PDF with a text line (hand-built, byte-for-byte reproducible)."""
    stream = f"BT /F1 11 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)


def plaintexts() -> list[tuple[str, bytes, str]]:
    """(file kind, content, sha256): a few short texts and one-page PDFs, reused per file."""
    contents = [(FileKind.TXT, (_TEXT * n).encode()) for n in (1, 2, 4)] + [
        (FileKind.PDF, _pdf("Fictief verslag - benchmarkregio")),
        (FileKind.PDF, _pdf("Fictief onderzoeksverslag - benchmarkregio")),
    ]
    return [(kind, data, hashlib.sha256(data).hexdigest()) for kind, data in contents]


class _BlobWriter:
    """Writes blobs straight to the file system when the storage has one, overwriting (a rerun
    with one seed writes the same names), through the storage API otherwise.

    Creating a small file costs 50 µs to 2 ms on this machine's ext4 depending on the load,
    nearly all of it waiting for the file system, so the files are written in batches by a few
    threads while the main thread encrypts and feeds the COPY. ``close`` waits for every batch
    and re-raises the first error (the part's transaction then rolls back).
    """

    BATCH = 500

    def __init__(self) -> None:
        try:
            self.root: str | None = default_storage.path(STORAGE_DIR)
        except NotImplementedError:
            self.root = None
        if self.root is not None:
            os.makedirs(self.root, exist_ok=True)
        # As FileSystemStorage saves a file (FILE_UPLOAD_PERMISSIONS, 0o644 by default).
        self.mode = settings.FILE_UPLOAD_PERMISSIONS or 0o644
        self.pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="generator-blobs")
        self.pending: list[Future[None]] = []
        self.batch: list[tuple[str, bytes]] = []

    def write(self, name: str, data: bytes) -> None:
        self.batch.append((name, data))
        if len(self.batch) >= self.BATCH:
            self.pending.append(self.pool.submit(self._write_batch, self.batch))
            self.batch = []

    def _write_batch(self, batch: list[tuple[str, bytes]]) -> None:
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
        for name, data in batch:
            if self.root is None:
                if default_storage.exists(name):
                    default_storage.delete(name)
                if default_storage.save(name, ContentFile(data)) != name:
                    raise RuntimeError("storage renamed a generated document blob")
                continue
            fd = os.open(os.path.join(self.root, name.rsplit("/", 1)[1]), flags, self.mode)
            try:
                os.write(fd, data)
            finally:
                os.close(fd)

    def close(self) -> None:
        if self.batch:
            self.pending.append(self.pool.submit(self._write_batch, self.batch))
            self.batch = []
        try:
            for future in self.pending:
                future.result()
        finally:
            self.pool.shutdown(wait=True, cancel_futures=True)


# After the TLV part, so that its older TLV cases get documents too.
@generator.register_part("documents", after="tlv")
def generate_documents(g: generator.Generator) -> None:
    """``scale.documents`` documents over the cases with participants, real ciphertext each."""
    rng = g.rng
    count = g.scale.documents
    cases = [c for c in g.cases if c.participants]
    if not count or not cases:
        return
    key_id = crypto.current_key_id()
    master = crypto.master_key(key_id)
    texts = plaintexts()
    writer = _BlobWriter()
    ids = g.new_ids(Document, count)
    title_sets = {
        False: ([t[:2] for t in TITLES], [t[2] for t in TITLES]),
        True: ([t[:2] for t in ATTENDANCE_TITLES], [t[2] for t in ATTENDANCE_TITLES]),
    }
    randbytes = rng.randbytes
    seal = crypto.seal_with

    def rows() -> Any:
        for doc_id in ids:
            case = cases[int(rng.random() * len(cases))]
            uploader = case.participants[int(rng.random() * len(case.participants))]
            choices, weights = title_sets[case.kind in (CaseKind.ATTENDANCE, CaseKind.HOME_STAY)]
            title, category = rng.choices(choices, weights)[0]
            kind, data, digest = texts[int(rng.random() * len(texts))]
            name = f"{STORAGE_DIR}/{randbytes(20).hex()}.bin"
            sealed = seal(
                data,
                name,
                file_key=randbytes(32),
                nonce=randbytes(12),
                key_id=key_id,
                master=master,
            )
            writer.write(name, sealed.ciphertext)
            age = max(60, int((generator.ANCHOR - case.opened_at).total_seconds()))
            uploaded_at = case.opened_at + timedelta(seconds=int(rng.random() * (age - 60)))
            yield (
                doc_id,
                case.id,
                title,
                category,
                uploader.organisation_id,
                case.phase if case.phase != Phase.CLOSED else Phase.EVALUATION,
                kind,
                len(data),
                digest,
                name,
                key_id,
                sealed.wrapped_key,
                sealed.nonce,
                DocumentStatus.STORED,
                0,
                False,
                None,
                None,
                None,
                "",
                None,
                None,
                uploader.user_id,
                uploaded_at,
            )

    try:
        with g.indexes_deferred(Document):
            g.copy(Document, DOCUMENT_FIELDS, rows())
    finally:
        writer.close()
