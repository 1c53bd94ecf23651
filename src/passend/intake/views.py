"""Screens of the digital application form.

Professional pages under /aanmeldingen/ (2FA, acting membership): the intake queue, form
configuration and the delivery links of a case. Public pages under /formulier/ (no login, the
only exemption from the 2FA gate besides login itself): a published form, and the one-time
delivery page of an outside party. Views are thin: reads via selectors (scoped, logged), writes
via services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from passend.access import selectors as access
from passend.access.actor import Actor
from passend.intake import forms, selectors, services
from passend.intake.models import IntakeForm, IntakeSubmission
from passend.privacy.context import AccessContext

# --- Intake queue -----------------------------------------------------------------------------


def _membership(request: HttpRequest) -> Any:
    return getattr(request, "membership", None)


@require_http_methods(["GET"])
def queue(request: HttpRequest) -> HttpResponse:
    if not selectors.is_queue_member(_membership(request)):
        raise Http404
    form = forms.FilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    rows = selectors.queue(request, status=status)
    return render(request, "intake/queue.html", {"form": form, "rows": rows})


@require_http_methods(["GET"])
def detail(request: HttpRequest, submission_id: int) -> HttpResponse:
    submission = selectors.get_submission(request, submission_id)
    return render(
        request,
        "intake/detail.html",
        {"s": submission, "files": list(submission.files.all())},
    )


@require_http_methods(["GET"])
def download(request: HttpRequest, submission_id: int, file_id: int) -> HttpResponse:
    submission = selectors.get_submission(request, submission_id, action="download")
    intake_file = selectors.get_file(request, submission, file_id)
    from passend.documents.models import MIME_TYPES

    extension = "txt" if intake_file.kind == "txt" else intake_file.kind
    response = HttpResponse(
        services.read_file(intake_file),
        content_type=MIME_TYPES.get(intake_file.kind, "application/octet-stream"),
    )
    # Server-generated name: never the uploaded file name (it may hold a pupil's name).
    name = f"aanmelding-{submission.pk}-bijlage-{intake_file.pk}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_http_methods(["GET", "POST"])
def decide(request: HttpRequest, submission_id: int, name: str) -> HttpResponse:
    if name not in ("aannemen", "afwijzen"):
        raise Http404
    submission = selectors.get_submission(request, submission_id)
    if submission.status != IntakeSubmission.Status.NEW:
        raise PermissionDenied(_("Over deze aanmelding is al beslist."))
    data = request.POST if request.method == "POST" else None
    form: Any = forms.AcceptForm(data) if name == "aannemen" else forms.RejectForm(data)
    if request.method == "POST" and form.is_valid():
        actor = Actor.from_request(request)
        try:
            if name == "aannemen":
                case = services.accept(actor, submission, kind=form.cleaned_data["kind"])
            else:
                services.reject(actor, submission, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            forms.apply_service_errors(form, error)
        else:
            if name == "aannemen":
                messages.success(request, _("De aanmelding is aangenomen als traject."))
                return HttpResponseRedirect(reverse("cases:detail", args=[case.pk]))
            messages.success(request, _("De aanmelding is afgewezen."))
            return HttpResponseRedirect(reverse("intake:detail", args=[submission.pk]))
    title = _("Aanmelding aannemen") if name == "aannemen" else _("Aanmelding afwijzen")
    return render(request, "intake/decide.html", {"form": form, "title": title, "s": submission})


# --- Form configuration -----------------------------------------------------------------------


def _require_config(request: HttpRequest) -> None:
    if not selectors.is_config_member(_membership(request)):
        raise Http404


@require_http_methods(["GET"])
def form_list(request: HttpRequest) -> HttpResponse:
    _require_config(request)
    return render(request, "intake/form_list.html", {"forms": selectors.config_forms(request)})


@require_http_methods(["GET", "POST"])
def form_create(request: HttpRequest) -> HttpResponse:
    _require_config(request)
    form = forms.IntakeFormForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.create_form(Actor.from_request(request), **form.cleaned_data)
        except ValidationError as error:
            forms.apply_service_errors(form, error)
        else:
            messages.success(request, _("Het formulier is aangemaakt (concept)."))
            return HttpResponseRedirect(reverse("intake:form_edit", args=[created.pk]))
    return render(
        request, "intake/config_form.html", {"form": form, "title": _("Nieuw aanmeldformulier")}
    )


@require_http_methods(["GET", "POST"])
def form_edit(request: HttpRequest, form_id: int) -> HttpResponse:
    intake_form = selectors.get_config_form(request, form_id)
    initial = {
        "title": intake_form.title,
        "intro": intake_form.intro,
        "audience": intake_form.audience,
        "consent_text": intake_form.consent_text,
    }
    form = forms.IntakeFormForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_form(Actor.from_request(request), intake_form, **form.cleaned_data)
        except ValidationError as error:
            forms.apply_service_errors(form, error)
        else:
            messages.success(request, _("Het formulier is opgeslagen."))
            return HttpResponseRedirect(reverse("intake:form_edit", args=[intake_form.pk]))
    public_url = request.build_absolute_uri(
        reverse("intake_public:form", args=[intake_form.public_id])
    )
    return render(
        request,
        "intake/form_edit.html",
        {
            "form": form,
            "f": intake_form,
            "fields": list(intake_form.fields.all()),
            "rules": list(intake_form.attachment_rules.all()),
            "status_form": forms.StatusForm(initial={"status": intake_form.status}),
            "public_url": public_url,
        },
    )


@require_POST
def form_status(request: HttpRequest, form_id: int) -> HttpResponse:
    intake_form = selectors.get_config_form(request, form_id)
    form = forms.StatusForm(request.POST)
    if form.is_valid():
        services.set_status(Actor.from_request(request), intake_form, form.cleaned_data["status"])
        messages.success(request, _("De status is gewijzigd."))
    return HttpResponseRedirect(reverse("intake:form_edit", args=[intake_form.pk]))


@require_http_methods(["GET", "POST"])
def field_edit(request: HttpRequest, form_id: int, field_id: int | None = None) -> HttpResponse:
    intake_form = selectors.get_config_form(request, form_id)
    field = None
    if field_id is not None:
        field = intake_form.fields.filter(pk=field_id).first()
        if field is None:
            raise Http404
    initial = (
        {
            "label": field.label,
            "kind": field.kind,
            "required": field.required,
            "help_text": field.help_text,
            "choices": field.choices,
            "order": field.order,
        }
        if field is not None
        else {}
    )
    form = forms.FieldForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        actor = Actor.from_request(request)
        values = dict(form.cleaned_data)
        try:
            if field is None:
                services.add_field(actor, intake_form, **values)
            else:
                if values["order"] is None:
                    values["order"] = field.order
                services.update_field(actor, field, **values)
        except ValidationError as error:
            forms.apply_service_errors(form, error)
        else:
            messages.success(request, _("De vraag is opgeslagen."))
            return HttpResponseRedirect(reverse("intake:form_edit", args=[intake_form.pk]))
    title = _("Vraag toevoegen") if field is None else _("Vraag wijzigen")
    return render(
        request, "intake/config_form.html", {"form": form, "title": title, "f": intake_form}
    )


@require_POST
def field_delete(request: HttpRequest, form_id: int, field_id: int) -> HttpResponse:
    intake_form = selectors.get_config_form(request, form_id)
    field = intake_form.fields.filter(pk=field_id).first()
    if field is None:
        raise Http404
    services.delete_field(Actor.from_request(request), field)
    messages.success(request, _("De vraag is verwijderd."))
    return HttpResponseRedirect(reverse("intake:form_edit", args=[intake_form.pk]))


@require_http_methods(["GET", "POST"])
def rule_create(request: HttpRequest, form_id: int) -> HttpResponse:
    intake_form = selectors.get_config_form(request, form_id)
    form = forms.AttachmentRuleForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_attachment_rule(
                Actor.from_request(request), intake_form, **form.cleaned_data
            )
        except ValidationError as error:
            forms.apply_service_errors(form, error)
        else:
            messages.success(request, _("De gevraagde bijlage is toegevoegd."))
            return HttpResponseRedirect(reverse("intake:form_edit", args=[intake_form.pk]))
    return render(
        request,
        "intake/config_form.html",
        {"form": form, "title": _("Gevraagde bijlage toevoegen"), "f": intake_form},
    )


@require_POST
def rule_delete(request: HttpRequest, form_id: int, rule_id: int) -> HttpResponse:
    intake_form = selectors.get_config_form(request, form_id)
    rule = intake_form.attachment_rules.filter(pk=rule_id).first()
    if rule is None:
        raise Http404
    services.delete_attachment_rule(Actor.from_request(request), rule)
    messages.success(request, _("De gevraagde bijlage is verwijderd."))
    return HttpResponseRedirect(reverse("intake:form_edit", args=[intake_form.pk]))


# --- Delivery links of a case (CON-06) --------------------------------------------------------


@require_http_methods(["GET", "POST"])
def case_links(request: HttpRequest, case_id: int) -> HttpResponse:
    row = access.get_case(request, case_id)
    parties = list(services.link_parties())
    form = forms.LinkForm(request.POST if request.method == "POST" else None, parties=parties)
    new_url = ""
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        try:
            _link, token = services.create_link(
                Actor.from_request(request),
                row.case,
                party=form.parties[values["party"]],
                category=values["category"],
                reference=values["reference"],
                days=values["days"],
            )
        except ValidationError as error:
            forms.apply_service_errors(form, error)
        except PermissionDenied:
            raise Http404 from None
        else:
            new_url = request.build_absolute_uri(reverse("intake_public:deliver", args=[token]))
            form = forms.LinkForm(parties=parties)
    return render(
        request,
        "intake/case_links.html",
        {
            "row": row,
            "form": form,
            "links": selectors.links_for_case(row),
            "new_url": new_url,
        },
    )


@require_POST
def link_revoke(request: HttpRequest, case_id: int, link_id: int) -> HttpResponse:
    row = access.get_case(request, case_id, action="revoke_delivery_link")
    link = next((x for x in selectors.links_for_case(row) if x.pk == link_id), None)
    if link is None:
        raise Http404
    services.revoke_link(Actor.from_request(request), link)
    messages.success(request, _("De link is ingetrokken."))
    return HttpResponseRedirect(reverse("intake:case_links", args=[row.case.pk]))


# --- Public pages (no login) ------------------------------------------------------------------


def _too_large(request: HttpRequest) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return length > services.max_total_bytes() + 1024 * 1024


@require_http_methods(["GET", "POST"])
def public_form(request: HttpRequest, public_id: str) -> HttpResponse:
    intake_form = selectors.published_form(public_id)
    if intake_form is None:
        raise Http404
    if request.method == "POST" and _too_large(request):
        return render(
            request,
            "intake/public_message.html",
            {
                "title": intake_form.title,
                "message": _("De bijlagen zijn samen te groot. Verklein ze en probeer opnieuw."),
            },
            status=413,
        )
    form = forms.PublicForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        intake_form=intake_form,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.submit(
                AccessContext.from_request(request),
                intake_form,
                submitter_name=data["submitter_name"],
                submitter_email=data["submitter_email"],
                submitter_phone=data["submitter_phone"],
                pupil_first_name=data["pupil_first_name"],
                pupil_name_prefix=data["pupil_name_prefix"],
                pupil_last_name=data["pupil_last_name"],
                pupil_birth_date=data["pupil_birth_date"],
                answers=form.answers(),
                files=form.uploads(),
                consent_accepted=data["consent"],
            )
        except ValidationError as error:
            forms.apply_service_errors(form, error)
        else:
            return render(
                request,
                "intake/public_message.html",
                {
                    "title": intake_form.title,
                    "message": _(
                        "Dank u wel. Uw aanmelding is ontvangen door %(swv)s. U hoort van ons."
                    )
                    % {"swv": intake_form.swv.name},
                },
            )
    return render(request, "intake/public_form.html", {"f": intake_form, "form": form})


@require_http_methods(["GET", "POST"])
def deliver(request: HttpRequest, token: str) -> HttpResponse:
    context = AccessContext.from_request(request)
    invalid = _("Deze link is niet (meer) geldig. Vraag de afzender om een nieuwe link.")
    if request.method == "POST" and _too_large(request):
        return render(
            request,
            "intake/public_message.html",
            {"title": _("Informatie aanleveren"), "message": _("De bijlage is te groot.")},
            status=413,
        )
    if request.method == "GET":
        try:
            link = services.find_link(context, token)
        except PermissionDenied:
            return render(
                request,
                "intake/public_message.html",
                {"title": _("Informatie aanleveren"), "message": invalid},
                status=404,
            )
        return render(request, "intake/deliver.html", {"link": link, "form": forms.DeliveryForm()})
    form = forms.DeliveryForm(request.POST, request.FILES)
    link_info = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.deliver(
                context, token, title=data["title"], body=data["body"], upload=data["file"]
            )
        except PermissionDenied:
            return render(
                request,
                "intake/public_message.html",
                {"title": _("Informatie aanleveren"), "message": invalid},
                status=404,
            )
        except ValidationError as error:
            forms.apply_service_errors(form, error)
        else:
            return render(
                request,
                "intake/public_message.html",
                {
                    "title": _("Informatie aanleveren"),
                    "message": _(
                        "Dank u wel. Uw informatie is afgeleverd. De link is nu gebruikt en "
                        "werkt niet meer."
                    ),
                },
            )
    try:
        link_info = services.find_link(context, token, action="open_link")
    except PermissionDenied:
        return render(
            request,
            "intake/public_message.html",
            {"title": _("Informatie aanleveren"), "message": invalid},
            status=404,
        )
    return render(request, "intake/deliver.html", {"link": link_info, "form": form})


def intake_form_url(intake_form: IntakeForm) -> str:
    return reverse("intake_public:form", args=[intake_form.public_id])
