from django.contrib import admin

from passend.privacy.admin_audit import AuditedConfigAdmin
from passend.terms.models import SchoolHoliday, TermRule


@admin.register(TermRule)
class TermRuleAdmin(AuditedConfigAdmin):
    list_display = ["code", "name", "rule_reference", "length", "unit", "max_extension"]
    readonly_fields = ["code"]
    search_fields = ["code", "name", "rule_reference"]


@admin.register(SchoolHoliday)
class SchoolHolidayAdmin(AuditedConfigAdmin):
    list_display = ["name", "swv", "start_date", "end_date"]
    list_filter = ["swv"]
    date_hierarchy = "start_date"
