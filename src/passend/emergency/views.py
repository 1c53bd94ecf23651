"""Break-the-glass screen under /noodtoegang/. Thin: the service decides, logs and notifies."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from passend.access.actor import Actor
from passend.emergency import services
from passend.emergency.forms import BreakGlassForm


@require_http_methods(["GET", "POST"])
def request_access(request: HttpRequest) -> HttpResponse:
    membership = getattr(request, "membership", None)
    if membership is None or membership.role in services.EXCLUDED_ROLES:
        raise PermissionDenied
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            grant = services.break_glass(
                Actor.from_request(request),
                pseudonym=form.cleaned_data["pseudonym"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            for name, errors in error.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.warning(
                request,
                _("Noodtoegang verleend tot %(until)s. De FG is op de hoogte gebracht.")
                % {"until": date_format(localtime(grant.expires_at), "SHORT_DATETIME_FORMAT")},
            )
            return redirect("cases:detail", grant.case_id)
    return render(
        request,
        "emergency/request.html",
        {"form": form, "hours": services.grant_hours()},
    )
