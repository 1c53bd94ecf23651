"""Configuration edited in the admin leaves an access-log entry per change (DESIGN.md:
"configurable rules … editable by a functional administrator, each change audited")."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest

from passend.privacy.context import AccessContext
from passend.privacy.services import record_access


class AuditedConfigAdmin(admin.ModelAdmin):
    """Writes the change and its log entry in one transaction; names the changed fields."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            record_access(
                AccessContext.from_request(request),
                action="config_change" if change else "config_create",
                activity="configuration",
                obj=obj,
                reason=",".join(form.changed_data)[:200],
            )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            record_access(
                AccessContext.from_request(request),
                action="config_delete",
                activity="configuration",
                obj=obj,
            )
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            self.delete_model(request, obj)
