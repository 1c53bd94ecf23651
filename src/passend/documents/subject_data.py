"""Subject-data exporter of documents (access bundle, PRV-02): metadata only, never contents
or key material (the pupil receives a copy of a document on request, through the handler)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from passend.documents.models import Document
from passend.privacy.subject_data import Section, register, section


@register("documents")
def export(pupil_id: int) -> list[Section]:
    return [
        section(
            "documents",
            _("Documenten (gegevens over het document)"),
            "document_management",
            Document.objects.filter(case__pupil_id=pupil_id),
        )
    ]
