"""Configuration of the attendance module in "Beheer": the rules row (ABS-01, ABS-04).

The DUO-report term is a ``terms.TermRule`` (code ``attendance-duo-report``) and the school
holidays are ``terms.SchoolHoliday``: both are edited in the terms admin. Each change is
audited (``AuditedConfigAdmin``). Absence data itself is never edited here.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from passend.attendance.models import AttendanceRules
from passend.privacy.admin_audit import AuditedConfigAdmin


@admin.register(AttendanceRules)
class AttendanceRulesAdmin(AuditedConfigAdmin):
    list_display = [
        "__str__",
        "threshold_hours",
        "window_school_weeks",
        "long_term_school_weeks",
        "home_stay_flag_months",
        "export_min_count",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not AttendanceRules.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
