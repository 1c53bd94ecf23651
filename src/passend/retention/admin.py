"""Retention in "Beheer": policies and legal holds, each change audited (DESIGN.md)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from passend.privacy.admin_audit import AuditedConfigAdmin
from passend.retention.models import DeletionRecord, LegalHold, PurgeRun, RetentionPolicy


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(AuditedConfigAdmin):
    list_display = ["case_kind", "organisation", "years", "months", "basis", "updated_at"]
    list_filter = ["case_kind"]
    list_select_related = ["organisation"]
    raw_id_fields = ["organisation"]


@admin.register(LegalHold)
class LegalHoldAdmin(AuditedConfigAdmin):
    list_display = ["case", "reason", "placed_by", "placed_at", "until", "lifted_at"]
    list_select_related = ["case", "placed_by"]
    raw_id_fields = ["case"]
    readonly_fields = ["placed_by", "placed_at", "lifted_at", "lifted_by"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            obj.placed_by = request.user
        super().save_model(request, obj, form, change)


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PurgeRun)
class PurgeRunAdmin(_ReadOnly):
    list_display = [
        "started_at",
        "trigger",
        "dry_run",
        "cases_deleted",
        "cases_held",
        "cases_failed",
        "rows_deleted",
        "files_deleted",
    ]


@admin.register(DeletionRecord)
class DeletionRecordAdmin(_ReadOnly):
    list_display = ["deleted_at", "case_kind", "owner", "closed_on", "expired_on", "policy_label"]
    list_filter = ["case_kind"]
    list_select_related = ["owner"]
