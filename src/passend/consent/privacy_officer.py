"""The FG's view of compelling-interest decisions (CON-05). Every view is itself logged."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from passend.access.actor import Actor
from passend.accounts.models import Role
from passend.consent import selectors, services
from passend.privacy.context import AccessContext
from passend.privacy.services import LogItem, record_access_many


def _require_privacy_officer(request: HttpRequest) -> None:
    membership = getattr(request, "membership", None)
    if membership is None or membership.role != Role.PRIVACY_OFFICER:
        raise PermissionDenied


@require_GET
def justification_list(request: HttpRequest) -> HttpResponse:
    _require_privacy_officer(request)
    decisions = list(selectors.justifications_for_privacy_officer()[:200])
    record_access_many(
        AccessContext.from_request(request),
        [
            LogItem(
                subject_pseudonym="",
                object_type="consent.justification",
                object_id=str(d.pk),
                legal_ground="privacy_supervision",
            )
            for d in decisions
        ],
        action="list",
        activity="privacy_supervision",
    )
    return render(request, "consent/justification_list.html", {"decisions": decisions})


@require_POST
def justification_reviewed(request: HttpRequest, pk: int) -> HttpResponse:
    _require_privacy_officer(request)
    decision = get_object_or_404(selectors.justifications_for_privacy_officer(), pk=pk)
    services.mark_justification_reviewed(Actor.from_request(request), decision)
    messages.success(request, _("Het besluit is gemarkeerd als beoordeeld."))
    return redirect("privacy_officer:justifications")
