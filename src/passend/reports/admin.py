"""The reports settings row in "Beheer": small-cell threshold (PRV-07), triage targets (TLV-05).
Each change is audited (``AuditedConfigAdmin``)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from passend.privacy.admin_audit import AuditedConfigAdmin
from passend.reports.models import ReportSettings


@admin.register(ReportSettings)
class ReportSettingsAdmin(AuditedConfigAdmin):
    list_display = ["__str__", "suppression_threshold", "secretary_min", "secretary_max"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not ReportSettings.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
