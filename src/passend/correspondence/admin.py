from django.contrib import admin

from passend.correspondence.models import LetterTemplate
from passend.privacy.admin_audit import AuditedConfigAdmin


@admin.register(LetterTemplate)
class LetterTemplateAdmin(AuditedConfigAdmin):
    """Functional administrators edit letter templates; each change is audited."""

    list_display = ["name", "code", "organisation", "is_active", "updated_at"]
    list_filter = ["is_active", "organisation"]
    search_fields = ["name", "code"]
