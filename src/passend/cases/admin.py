from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from passend.cases.models import PhaseDataPolicy
from passend.privacy.admin_audit import AuditedConfigAdmin
from passend.privacy.categories import DataCategory


class PhaseDataPolicyForm(forms.ModelForm):
    categories = forms.MultipleChoiceField(
        label=_("Gegevenscategorieën"),
        choices=DataCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Wat deelnemers die in deze fase aansloten mogen zien (CO-02)."),
    )

    class Meta:
        model = PhaseDataPolicy
        fields = ["categories"]


@admin.register(PhaseDataPolicy)
class PhaseDataPolicyAdmin(AuditedConfigAdmin):
    """CO-02 configuration. Cases themselves are not in the admin: reads go through `access`."""

    form = PhaseDataPolicyForm
    list_display = ["__str__", "categories", "updated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # one row per phase, made by the data migration

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
