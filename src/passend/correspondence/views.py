"""Screens of correspondence: messages per case, letters from templates (PDF)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from passend.access import selectors as access
from passend.access.actor import Actor
from passend.cases.forms import apply_service_errors
from passend.correspondence import forms, selectors, services
from passend.correspondence.letters import render_letter_pdf


def _organisations(row: Any) -> list[Any]:
    seen: dict[int, Any] = {}
    for participant in row.case.participants.all():
        if participant.ended_at is None:
            seen.setdefault(participant.organisation_id, participant.organisation)
    return sorted(seen.values(), key=lambda o: o.name)


@require_http_methods(["GET", "POST"])
def case_messages(request: HttpRequest, case_id: int) -> HttpResponse:
    row = access.get_case(
        request, case_id, action="send_message" if request.method == "POST" else "view"
    )
    form = forms.MessageForm(request.POST or None, organisations=_organisations(row))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.send_message(
                    Actor.from_request(request),
                    row.case,
                    subject=data["subject"],
                    body=data["body"],
                    category=data["category"],
                    to_organisation=form.organisation(),
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Het bericht is verstuurd. De ontvangers krijgen een e-mail zonder inhoud."),
                )
                return HttpResponseRedirect(reverse("correspondence:messages", args=[row.case.pk]))
        status = 400
    return render(
        request,
        "correspondence/messages.html",
        {
            "row": row,
            "case": row.case,
            "form": form,
            "messages_list": selectors.visible_messages(row),
            "letters": selectors.letters_of(row),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def letter_create(request: HttpRequest, case_id: int) -> HttpResponse:
    row = access.get_case(
        request, case_id, action="create_letter" if request.method == "POST" else "view"
    )
    form = forms.LetterForm(
        request.POST or None,
        templates=selectors.letter_templates(getattr(request, "membership", None)),
    )
    back = reverse("correspondence:messages", args=[row.case.pk])
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                letter = services.create_letter(
                    Actor.from_request(request),
                    row.case,
                    template=form.chosen_template(),
                    recipient=form.cleaned_data["recipient"],
                    body=form.cleaned_data["body"],
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("De brief is gemaakt."))
                return HttpResponseRedirect(
                    reverse("correspondence:letter_pdf", args=[row.case.pk, letter.pk])
                )
        status = 400
    return render(
        request,
        "correspondence/letter_form.html",
        {"row": row, "case": row.case, "form": form, "back": back},
        status=status,
    )


@require_http_methods(["GET"])
def letter_pdf(request: HttpRequest, case_id: int, pk: int) -> HttpResponse:
    row = access.get_case(request, case_id, action="download_letter")
    letter = selectors.letter_of(row, pk)
    response = HttpResponse(render_letter_pdf(letter), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="brief-{letter.pk}.pdf"'
    return response
