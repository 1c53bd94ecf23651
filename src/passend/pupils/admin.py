"""Admin of the pupils app: only the AGE-03 age policy.

Pupils themselves are not in the admin: every read of a pupil goes through the access policy.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from passend.privacy.context import AccessContext
from passend.pupils import services
from passend.pupils.models import AgePolicy


@admin.register(AgePolicy)
class AgePolicyAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "joint_from_age",
        "child_alone_from_age",
        "parents_information_until_age",
        "consent_requires_all_guardians",
        "updated_at",
    ]
    fields = services.AGE_POLICY_FIELDS

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not AgePolicy.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: AgePolicy, form: Any, change: bool) -> None:
        # Through the service, so that the change is validated and audited (AGE-03).
        services.update_age_policy(
            AccessContext.from_request(request),
            **{name: form.cleaned_data[name] for name in services.AGE_POLICY_FIELDS},
        )
