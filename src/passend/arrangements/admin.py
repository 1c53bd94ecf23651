"""Arrangement kinds, configured per SWV by the functional administrator (audited).

Applications and decisions are case data: not in the admin.
"""

from django.contrib import admin

from passend.arrangements.models import ArrangementKind
from passend.privacy.admin_audit import AuditedConfigAdmin


@admin.register(ArrangementKind)
class ArrangementKindAdmin(AuditedConfigAdmin):
    list_display = (
        "name",
        "swv",
        "decider_role",
        "duration_length",
        "duration_unit",
        "budget_per_school_year",
        "is_active",
    )
    list_filter = ("swv", "is_active", "decider_role")
    search_fields = ("name",)
