from typing import Any

from django.apps import AppConfig

# AGE-02: the free-text fields of a document. The other text fields are technical (a SHA-256
# in hex, a random storage name) and would trip the guard on a chance elfproef match, so
# ``bsn_guard.guard_models`` (which guards every text field) is not used for this model.
FREE_TEXT_FIELDS = ("title", "shareable_marked_by")


def _refuse_bsn_on_save(sender: type[Any], instance: Any, raw: bool = False, **kwargs: Any) -> None:
    from passend.bsn_guard import ensure_no_bsn

    if not raw:
        ensure_no_bsn({name: getattr(instance, name) for name in FREE_TEXT_FIELDS})


class DocumentsConfig(AppConfig):
    name = "passend.documents"
    label = "documents"
    verbose_name = "Documenten"

    def ready(self) -> None:
        from django.db.models.signals import pre_save

        from passend.bsn_guard import validate_no_bsn
        from passend.documents import activities  # noqa: F401  (declares processing activities)
        from passend.documents.models import Document

        for name in FREE_TEXT_FIELDS:
            field = Document._meta.get_field(name)
            if validate_no_bsn not in field.validators:  # type: ignore[union-attr]
                field.validators.append(validate_no_bsn)  # type: ignore[union-attr]
        pre_save.connect(_refuse_bsn_on_save, sender=Document, dispatch_uid="bsn_guard:documents")
        from passend.documents import (
            generator,  # noqa: F401  (region generator part, issue 10)
            subject_data,  # noqa: F401  (access-bundle exporter, PRV-02)
        )
