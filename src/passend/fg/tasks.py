"""Background tasks of the FG console. Arguments are ids only: no personal data in the queue."""

from __future__ import annotations

from django.tasks import task


@task
def build_register_pdf(pdf_id: int) -> bool:
    """Render, seal and store one requested register PDF (``services.build_register_pdf``)."""
    from passend.fg.services import build_register_pdf as build

    return build(pdf_id)
