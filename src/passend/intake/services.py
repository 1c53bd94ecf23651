"""Writes of the digital application form (seed 000 §5 module a). One transaction per call;
every write leaves an access-log entry in that transaction.

* Form configuration by SWV staff (functional administrator, director, informatiepunt): every
  change is logged (activity ``intake_form_administration``) and raises the form's version.
* Public submission (no login): rate-limited per sender and per form, size-limited, every text
  value through the BSN guard (AGE-02) with the field's own label in the message, every upload
  through the documents app's safety checks and BSN scan. An upload with a BSN-like number is
  refused (a public sender has no account to decide on a held upload); a refused submission
  stores nothing and is logged as denied with the reason code only.
* Intake queue: accept (pupil matched or created via ``pupils.services``, case opened via
  ``cases.services``, answers as a case entry, attachments via ``documents.services``, all in
  one transaction) or reject with a reason.
* Delivery links (CON-06): a case participant creates a personal, expiring, single-use link for
  one outside party; only the SHA-256 of the random token is stored. The delivery becomes a case
  entry (and a document) supplied by that party, in the category the sender chose.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from passend.access.actor import Actor
from passend.access.policy import decide_case
from passend.access.selectors import case_subject, with_policy_data
from passend.accounts.models import Membership, Organisation, OrganisationKind, Role
from passend.bsn_guard import first_match
from passend.cases import services as case_services
from passend.cases.models import ATTENDANCE_KINDS, Case, CaseEntry, CaseKind, Phase
from passend.correspondence.notifications import notify
from passend.documents import safety, scanning
from passend.documents import services as document_services
from passend.documents.models import Document
from passend.intake.models import (
    Audience,
    DeliveryLink,
    FieldKind,
    IntakeAttachmentRule,
    IntakeField,
    IntakeFile,
    IntakeForm,
    IntakeSubmission,
)
from passend.privacy.categories import DataCategory
from passend.privacy.context import AccessContext, subject_pseudonym
from passend.privacy.models import AccessLogEntry, Outcome
from passend.privacy.services import record_access
from passend.pupils import services as pupil_services
from passend.pupils.models import Pupil

logger = logging.getLogger(__name__)

ACTIVITY = "intake"
CONFIG_ACTIVITY = "intake_form_administration"
DELIVERY_ACTIVITY = "external_delivery"
STORAGE_DIR = "intake"

# Who configures forms of an SWV, and who handles its intake queue (ORG-02). The functional
# administrator configures but never reads submissions; the FG does neither.
CONFIG_ROLES = frozenset({Role.FUNCTIONAL_ADMIN, Role.SWV_DIRECTOR, Role.INFORMATION_DESK})
QUEUE_ROLES = frozenset(
    {Role.SWV_DIRECTOR, Role.INFORMATION_DESK, Role.ECT_MEMBER, Role.BEHAVIOUR_EXPERT}
)
# Cases an SWV opens from an application (leerplicht's own kinds are not for the SWV).
ACCEPT_KINDS = [(k, label) for k, label in CaseKind.choices if k not in ATTENDANCE_KINDS]

TEXT_MAX = 500
LONG_TEXT_MAX = 5000
LINK_DAYS_DEFAULT = 14
LINK_DAYS_MAX = 60


def link_days() -> int:
    return int(getattr(settings, "PASSEND_INTAKE_LINK_DAYS", LINK_DAYS_DEFAULT))


def rate_per_source() -> int:
    """Submissions per sender (IP address) per hour, over all forms."""
    return int(getattr(settings, "PASSEND_INTAKE_RATE_PER_SOURCE", 5))


def rate_per_form() -> int:
    """Submissions per form per hour, whoever sends them (a flood from many addresses)."""
    return int(getattr(settings, "PASSEND_INTAKE_RATE_PER_FORM", 100))


def max_total_bytes() -> int:
    return int(getattr(settings, "PASSEND_INTAKE_MAX_TOTAL_BYTES", 50 * 1024 * 1024))


# --- Helpers ----------------------------------------------------------------------------------


def submission_subject(submission: IntakeSubmission) -> str:
    return subject_pseudonym("intake", submission.pk)


# Hex digits spelled as letters: a stored hash then never holds a digit run that the BSN guard
# on the model (guard_models) would take for a BSN.
_HEX_AS_LETTERS = str.maketrans("0123456789", "ghijklmnop")
_PUBLIC_ID_ALPHABET = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"


def _letters(hexdigest: str) -> str:
    return hexdigest.translate(_HEX_AS_LETTERS)


def new_public_id() -> str:
    """Random, letters only (no digit run, no meaning): ~124 bits."""
    return "".join(secrets.choice(_PUBLIC_ID_ALPHABET) for _ in range(22))


def source_key(ip_address: str | None) -> str:
    """An HMAC of the sender's address: enough to count, never the address (no personal data)."""
    return _letters(
        hmac.new(
            settings.PSEUDONYM_KEY.encode(),
            f"intake-ip:{ip_address or '-'}".encode(),
            hashlib.sha256,
        ).hexdigest()
    )


def hash_token(token: str) -> str:
    return _letters(hashlib.sha256(token.encode()).hexdigest())


def bsn_check(values: Mapping[str, tuple[Any, Any]]) -> dict[str, ValidationError]:
    """AGE-02 for every value, the error naming the field's label: {name: (label, value)}."""
    errors: dict[str, ValidationError] = {}
    for name, (label, value) in values.items():
        match = first_match(value)
        if match is not None:
            errors[name] = ValidationError(
                _("„%(label)s”: %(message)s") % {"label": label, "message": match.message},
                code=match.kind,
            )
    return errors


def _membership(actor: Actor) -> Membership:
    if actor.membership is None:
        raise PermissionDenied(_("Kies eerst namens welke organisatie u werkt."))
    return actor.membership


def require_config(actor: Actor, swv_id: int | None = None) -> Membership:
    membership = _membership(actor)
    if (
        membership.organisation.kind != OrganisationKind.SWV
        or membership.role not in CONFIG_ROLES
        or (swv_id is not None and membership.organisation_id != swv_id)
    ):
        raise PermissionDenied(
            _("Aanmeldformulieren richt de functioneel beheerder of de staf van het SWV in.")
        )
    return membership


def require_queue(actor: Actor, swv_id: int | None = None) -> Membership:
    membership = _membership(actor)
    if (
        membership.organisation.kind != OrganisationKind.SWV
        or membership.role not in QUEUE_ROLES
        or (swv_id is not None and membership.organisation_id != swv_id)
    ):
        raise PermissionDenied(_("De intakewachtrij is voor de medewerkers van het SWV."))
    return membership


def _config_log(actor: Actor, action: str, form: IntakeForm, reason: str = "") -> None:
    record_access(actor.context, action=action, activity=CONFIG_ACTIVITY, obj=form, reason=reason)


# --- Form configuration -----------------------------------------------------------------------

FORM_FIELDS = ("title", "intro", "audience", "consent_text")
FORM_LABELS = {
    "title": _("Titel"),
    "intro": _("Inleiding"),
    "audience": _("Voor wie"),
    "consent_text": _("Toestemmingstekst"),
}


def _check_form_values(values: Mapping[str, Any]) -> None:
    errors: dict[str, Any] = {}
    if not str(values.get("title", "")).strip():
        errors["title"] = _("Vul „Titel” in.")
    if values.get("audience") not in Audience.values:
        errors["audience"] = _("Kies bij „Voor wie”: ouders of professionals zonder account.")
    if not str(values.get("consent_text", "")).strip():
        errors["consent_text"] = _(
            "Vul de „Toestemmingstekst” in: de indiener moet die accepteren (CON-02)."
        )
    errors.update(
        bsn_check({n: (FORM_LABELS[n], values.get(n, "")) for n in FORM_FIELDS if n in values})
    )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_form(
    actor: Actor, *, title: str, intro: str = "", audience: str, consent_text: str
) -> IntakeForm:
    membership = require_config(actor)
    values = {"title": title, "intro": intro, "audience": audience, "consent_text": consent_text}
    _check_form_values(values)
    form = IntakeForm.objects.create(
        swv=membership.organisation,
        title=title.strip(),
        intro=intro.strip(),
        audience=audience,
        consent_text=consent_text.strip(),
        public_id=new_public_id(),
        created_by=actor.user,
    )
    _config_log(actor, "create", form)
    return form


@transaction.atomic
def update_form(actor: Actor, form: IntakeForm, **changes: Any) -> IntakeForm:
    form = IntakeForm.objects.select_for_update().get(pk=form.pk)
    require_config(actor, form.swv_id)
    unknown = set(changes) - set(FORM_FIELDS)
    if unknown:
        raise TypeError(f"Unknown fields: {sorted(unknown)}")
    values = {n: getattr(form, n) for n in FORM_FIELDS} | changes
    _check_form_values(values)
    changed = [n for n in FORM_FIELDS if str(values[n]).strip() != getattr(form, n)]
    if not changed:
        return form
    for name in changed:
        setattr(form, name, str(values[name]).strip())
    form.version += 1
    form.save()
    _config_log(actor, "update", form, reason="fields: " + ",".join(changed))
    return form


@transaction.atomic
def set_status(actor: Actor, form: IntakeForm, status: str) -> IntakeForm:
    form = IntakeForm.objects.select_for_update().get(pk=form.pk)
    require_config(actor, form.swv_id)
    if status not in IntakeForm.Status.values:
        raise ValidationError({"status": _("Onbekende status.")})
    form.status = status
    form.save(update_fields=["status", "updated_at"])
    _config_log(actor, "set_status", form, reason=f"status: {status}")
    return form


FIELD_LABELS = {
    "label": _("Vraag"),
    "help_text": _("Toelichting"),
    "choices": _("Keuzes"),
}


def _check_field(label: str, kind: str, help_text: str, choices: str) -> None:
    errors: dict[str, Any] = {}
    if not label.strip():
        errors["label"] = _("Vul „Vraag” in.")
    if kind not in FieldKind.values:
        errors["kind"] = _("Kies bij „Soort”: tekst, lange tekst, datum, keuze of ja/nee.")
    if kind == FieldKind.CHOICE and len([c for c in choices.splitlines() if c.strip()]) < 2:
        errors["choices"] = _("Een keuzevraag heeft bij „Keuzes” minstens twee regels.")
    errors.update(
        bsn_check(
            {
                "label": (FIELD_LABELS["label"], label),
                "help_text": (FIELD_LABELS["help_text"], help_text),
                "choices": (FIELD_LABELS["choices"], choices),
            }
        )
    )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def add_field(
    actor: Actor,
    form: IntakeForm,
    *,
    label: str,
    kind: str,
    required: bool = False,
    help_text: str = "",
    choices: str = "",
    order: int | None = None,
) -> IntakeField:
    form = IntakeForm.objects.select_for_update().get(pk=form.pk)
    require_config(actor, form.swv_id)
    _check_field(label, kind, help_text, choices)
    if order is None:
        order = (form.fields.count() + 1) * 10
    field = IntakeField.objects.create(
        form=form,
        order=order,
        label=label.strip(),
        kind=kind,
        required=required,
        help_text=help_text.strip(),
        choices=choices.strip() if kind == FieldKind.CHOICE else "",
    )
    form.version += 1
    form.save(update_fields=["version", "updated_at"])
    _config_log(actor, "add_field", form, reason=f"field: {field.pk}")
    return field


@transaction.atomic
def update_field(actor: Actor, field: IntakeField, **changes: Any) -> IntakeField:
    form = IntakeForm.objects.select_for_update().get(pk=field.form_id)
    require_config(actor, form.swv_id)
    names = ("label", "kind", "required", "help_text", "choices", "order")
    unknown = set(changes) - set(names)
    if unknown:
        raise TypeError(f"Unknown fields: {sorted(unknown)}")
    for name, value in changes.items():
        setattr(field, name, value.strip() if isinstance(value, str) else value)
    _check_field(field.label, field.kind, field.help_text, field.choices)
    if field.kind != FieldKind.CHOICE:
        field.choices = ""
    field.save()
    form.version += 1
    form.save(update_fields=["version", "updated_at"])
    _config_log(actor, "update_field", form, reason=f"field: {field.pk}")
    return field


@transaction.atomic
def delete_field(actor: Actor, field: IntakeField) -> None:
    form = IntakeForm.objects.select_for_update().get(pk=field.form_id)
    require_config(actor, form.swv_id)
    pk = field.pk
    field.delete()
    form.version += 1
    form.save(update_fields=["version", "updated_at"])
    _config_log(actor, "delete_field", form, reason=f"field: {pk}")


@transaction.atomic
def add_attachment_rule(
    actor: Actor, form: IntakeForm, *, label: str, category: str, required: bool = True
) -> IntakeAttachmentRule:
    form = IntakeForm.objects.select_for_update().get(pk=form.pk)
    require_config(actor, form.swv_id)
    errors: dict[str, Any] = {}
    if not label.strip():
        errors["label"] = _("Vul „Omschrijving” in.")
    if category not in DataCategory.values:
        errors["category"] = _("Kies bij „Gegevenscategorie” een categorie (AGE-01).")
    errors.update(bsn_check({"label": (_("Omschrijving"), label)}))
    if errors:
        raise ValidationError(errors)
    rule = IntakeAttachmentRule.objects.create(
        form=form,
        order=(form.attachment_rules.count() + 1) * 10,
        label=label.strip(),
        category=category,
        required=required,
    )
    form.version += 1
    form.save(update_fields=["version", "updated_at"])
    _config_log(actor, "add_attachment_rule", form, reason=f"rule: {rule.pk}")
    return rule


@transaction.atomic
def delete_attachment_rule(actor: Actor, rule: IntakeAttachmentRule) -> None:
    form = IntakeForm.objects.select_for_update().get(pk=rule.form_id)
    require_config(actor, form.swv_id)
    pk = rule.pk
    rule.delete()
    form.version += 1
    form.save(update_fields=["version", "updated_at"])
    _config_log(actor, "delete_attachment_rule", form, reason=f"rule: {pk}")


# --- Encrypted storage of intake attachments --------------------------------------------------


@dataclass(frozen=True)
class CheckedUpload:
    name: str  # the form field it came from
    label: str
    category: str
    rule: IntakeAttachmentRule | None
    kind: str
    data: bytes
    needs_confirmation: bool


def _write_blob(data: bytes) -> document_services.StoredBlob:
    return document_services.write_sealed(STORAGE_DIR, data)


_delete_blob = document_services.delete_sealed


def read_file(intake_file: IntakeFile) -> bytes:
    """The decrypted content. Callers decide and log access first (see selectors)."""
    return document_services.read_sealed(intake_file)


class _Refused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def check_upload(upload: Any) -> tuple[str, bytes, bool]:
    """Documents' safety checks and BSN scan (AGE-02). Returns (kind, data, needs_confirmation);
    raises ``_Refused`` for anything unsafe, unreadable or holding a BSN-like number."""
    try:
        data = safety.read_limited(upload, getattr(upload, "size", None))
        inspected = safety.inspect_upload(data)
        try:
            result = scanning.scan(inspected.kind, data)
        except Exception as error:  # a parser failing on untrusted input: refuse
            raise safety.UploadRefused(
                "unreadable",
                _(
                    "De tekst van het bestand kan niet betrouwbaar worden gelezen, dus ook niet "
                    "worden gecontroleerd op een BSN (AGE-02). Sla het opnieuw op als PDF."
                ),
            ) from error
    except safety.UploadRefused as refusal:
        raise _Refused(refusal.code, refusal.message) from None
    if result.findings:
        raise _Refused(
            "bsn_found",
            _(
                "In dit bestand staat een nummer dat op een BSN lijkt. Het samenwerkingsverband "
                "mag geen BSN verwerken (AGE-02): maak het nummer onleesbaar en stuur het "
                "bestand opnieuw."
            ),
        )
    return inspected.kind, data, result.needs_confirmation


# --- Public submission ------------------------------------------------------------------------

SUBMITTER_LABELS = {
    "submitter_name": _("Uw naam"),
    "submitter_email": _("Uw e-mailadres"),
    "submitter_phone": _("Uw telefoonnummer"),
    "pupil_first_name": _("Voornaam van de leerling"),
    "pupil_name_prefix": _("Tussenvoegsel"),
    "pupil_last_name": _("Achternaam van de leerling"),
}


def field_name(field: IntakeField) -> str:
    return f"field_{field.pk}"


def attachment_name(rule: IntakeAttachmentRule) -> str:
    return f"attachment_{rule.pk}"


# Refused attempts count too (each one costs a scan), a few times more leniently: a parent who
# mistyped may try again, a script that floods bad uploads may not.
REFUSED_ATTEMPTS_FACTOR = 4


def _rate_limited(form: IntakeForm, key: str, ip_address: str | None) -> bool:
    since = timezone.now() - timedelta(hours=1)
    recent = IntakeSubmission.objects.filter(submitted_at__gte=since)
    if recent.filter(source_key=key).count() >= rate_per_source():
        return True
    if recent.filter(form=form).count() >= rate_per_form():
        return True
    # Uses the access log's index of intake forms' entries (accesslog_intakeform).
    refused = AccessLogEntry.objects.filter(
        object_type="intake.intakeform",
        object_id=str(form.pk),
        action="submit_refused",
        occurred_at__gte=since,
        ip_address=ip_address,
    )
    return refused.count() >= rate_per_source() * REFUSED_ATTEMPTS_FACTOR


def _answer_value(field: IntakeField, raw: Any) -> tuple[Any, str | None]:
    """(stored value, error) for one answer, by the field's kind."""
    if field.kind == FieldKind.YES_NO:
        if raw in (None, ""):
            return "", (_("Kies ja of nee bij „%(label)s”.") if field.required else None)
        if raw not in ("ja", "nee", True, False):
            return "", _("Kies ja of nee bij „%(label)s”.")
        return ("ja" if raw in ("ja", True) else "nee"), None
    if field.kind == FieldKind.DATE:
        if raw in (None, ""):
            return "", (_("Vul „%(label)s” in.") if field.required else None)
        if isinstance(raw, date):
            return raw.isoformat(), None
        try:
            return date.fromisoformat(str(raw)).isoformat(), None
        except ValueError:
            return "", _("Vul bij „%(label)s” een geldige datum in.")
    text = str(raw or "").strip()
    if not text:
        return "", (_("Vul „%(label)s” in.") if field.required else None)
    if field.kind == FieldKind.CHOICE and text not in field.choice_list:
        return "", _("Kies bij „%(label)s” een van de mogelijkheden.")
    limit = LONG_TEXT_MAX if field.kind == FieldKind.LONG_TEXT else TEXT_MAX
    if len(text) > limit:
        return "", _("„%(label)s” is te lang (hoogstens %(max)s tekens).")
    return text, None


def _log_refused(context: AccessContext, form: IntakeForm, reason: str) -> None:
    with transaction.atomic():
        record_access(
            context,
            action="submit_refused",
            activity=ACTIVITY,
            outcome=Outcome.DENIED,
            object_type="intake.intakeform",
            object_id=str(form.pk),
            reason=reason,
        )


def submit(
    context: AccessContext,
    form: IntakeForm,
    *,
    submitter_name: str,
    submitter_email: str = "",
    submitter_phone: str = "",
    pupil_first_name: str,
    pupil_name_prefix: str = "",
    pupil_last_name: str,
    pupil_birth_date: date | None,
    answers: Mapping[str, Any],
    files: Mapping[str, Any],
    consent_accepted: bool,
) -> IntakeSubmission:
    """A public submission into the queue of the form's SWV. All or nothing."""
    if not form.is_published:
        raise PermissionDenied(_("Dit formulier is niet (meer) beschikbaar."))
    key = source_key(context.ip_address)
    if _rate_limited(form, key, context.ip_address):
        _log_refused(context, form, "rate_limited")
        raise ValidationError(
            _(
                "Er zijn vanaf dit adres te veel aanmeldingen verstuurd. Probeer het over een uur "
                "opnieuw, of neem contact op met het samenwerkingsverband."
            ),
            code="rate_limited",
        )
    errors: dict[str, Any] = {}
    if not submitter_name.strip():
        errors["submitter_name"] = _("Vul „Uw naam” in.")
    if submitter_email.strip():
        try:
            validate_email(submitter_email.strip())
        except ValidationError:
            errors["submitter_email"] = _("Vul bij „Uw e-mailadres” een geldig e-mailadres in.")
    if not pupil_first_name.strip():
        errors["pupil_first_name"] = _("Vul „Voornaam van de leerling” in.")
    if not pupil_last_name.strip():
        errors["pupil_last_name"] = _("Vul „Achternaam van de leerling” in.")
    if pupil_birth_date is None:
        errors["pupil_birth_date"] = _("Vul „Geboortedatum van de leerling” in.")
    elif pupil_birth_date > timezone.localdate():
        errors["pupil_birth_date"] = _("De geboortedatum ligt in de toekomst (AGE-01).")
    if not consent_accepted:
        errors["consent"] = _("Lees de toestemmingstekst en vink aan dat u akkoord gaat (CON-02).")
    texts: dict[str, tuple[Any, Any]] = {
        "submitter_name": (SUBMITTER_LABELS["submitter_name"], submitter_name),
        "submitter_email": (SUBMITTER_LABELS["submitter_email"], submitter_email),
        "submitter_phone": (SUBMITTER_LABELS["submitter_phone"], submitter_phone),
        "pupil_first_name": (SUBMITTER_LABELS["pupil_first_name"], pupil_first_name),
        "pupil_name_prefix": (SUBMITTER_LABELS["pupil_name_prefix"], pupil_name_prefix),
        "pupil_last_name": (SUBMITTER_LABELS["pupil_last_name"], pupil_last_name),
    }
    stored_answers: list[dict[str, Any]] = []
    for field in form.fields.all():
        name = field_name(field)
        value, error = _answer_value(field, answers.get(name))
        if error:
            limit = LONG_TEXT_MAX if field.kind == FieldKind.LONG_TEXT else TEXT_MAX
            errors[name] = error % {"label": field.label, "max": limit}
        texts[name] = (field.label, value)
        stored_answers.append(
            {"field": field.pk, "label": field.label, "kind": field.kind, "value": value}
        )
    for name, bsn_error in bsn_check(texts).items():
        errors.setdefault(name, bsn_error)

    checked: list[CheckedUpload] = []
    refused_codes: list[str] = []
    total = 0
    for rule in form.attachment_rules.all():
        name = attachment_name(rule)
        upload = files.get(name)
        if upload is None:
            if rule.required:
                errors[name] = _("Voeg „%(label)s” toe.") % {"label": rule.label}
            continue
        try:
            kind, data, needs_confirmation = check_upload(upload)
        except _Refused as refusal:
            errors[name] = ValidationError(
                _("„%(label)s”: %(message)s") % {"label": rule.label, "message": refusal.message},
                code=refusal.code,
            )
            refused_codes.append(refusal.code)
            continue
        total += len(data)
        checked.append(
            CheckedUpload(name, rule.label, rule.category, rule, kind, data, needs_confirmation)
        )
    if total > max_total_bytes():
        errors["__all__"] = _("De bijlagen zijn samen groter dan %(mb)s MB.") % {
            "mb": max_total_bytes() // (1024 * 1024)
        }
    if errors:
        if refused_codes:
            _log_refused(context, form, "upload_refused:" + ",".join(sorted(set(refused_codes))))
        elif any(getattr(e, "code", "") in ("bsn", "onderwijsnummer") for e in errors.values()):
            _log_refused(context, form, "bsn_in_text")
        raise ValidationError(errors)

    blobs: list[document_services.StoredBlob] = []
    try:
        for upload in checked:
            blobs.append(_write_blob(upload.data))
        with transaction.atomic():
            submission = IntakeSubmission.objects.create(
                form=form,
                swv_id=form.swv_id,
                form_version=form.version,
                submitter_role=form.audience,
                submitter_name=submitter_name.strip(),
                submitter_email=submitter_email.strip().lower(),
                submitter_phone=submitter_phone.strip(),
                pupil_first_name=pupil_first_name.strip(),
                pupil_name_prefix=pupil_name_prefix.strip(),
                pupil_last_name=pupil_last_name.strip(),
                pupil_birth_date=pupil_birth_date,  # type: ignore[misc]  # checked above
                answers=stored_answers,
                consent_text=form.consent_text,
                consent_accepted_at=timezone.now(),
                source_key=key,
            )
            for upload, blob in zip(checked, blobs, strict=True):
                IntakeFile.objects.create(
                    submission=submission,
                    rule=upload.rule,
                    label=upload.label,
                    category=upload.category,
                    kind=upload.kind,
                    size=len(upload.data),
                    sha256=hashlib.sha256(upload.data).hexdigest(),
                    storage_name=blob.storage_name,
                    key_id=blob.key_id,
                    wrapped_key=blob.wrapped_key,
                    nonce=blob.nonce,
                    needs_scan_confirmation=upload.needs_confirmation,
                )
            record_access(
                context,
                action="submit",
                activity=ACTIVITY,
                subject_pseudonym=submission_subject(submission),
                obj=submission,
                data_categories=sorted({DataCategory.ORDINARY, *(u.category for u in checked)}),
            )
    except BaseException:
        for blob in blobs:
            _delete_blob(blob.storage_name)
        raise
    return submission


# --- Intake queue: accept or reject -----------------------------------------------------------


def _answers_text(submission: IntakeSubmission) -> str:
    lines = [
        _("Aanmelding via het formulier „%(title)s” (versie %(version)s), ontvangen op %(date)s.")
        % {
            "title": submission.form.title,
            "version": submission.form_version,
            "date": timezone.localtime(submission.submitted_at).strftime("%d-%m-%Y %H:%M"),
        },
        _("Ingediend door: %(name)s (%(role)s).")
        % {"name": submission.submitter_name, "role": submission.get_submitter_role_display()},
        _("Toestemmingstekst geaccepteerd op %(date)s.")
        % {"date": timezone.localtime(submission.consent_accepted_at).strftime("%d-%m-%Y %H:%M")},
        "",
    ]
    for answer in submission.answers:
        lines.append(f"{answer['label']}: {answer['value'] or '-'}")
    return "\n".join(lines)


def _match_or_create_pupil(context: AccessContext, submission: IntakeSubmission) -> Pupil:
    """The one pupil with this name and birth date, or a new one (AGE-01)."""
    matches = list(
        Pupil.objects.filter(
            first_name__iexact=submission.pupil_first_name,
            last_name__iexact=submission.pupil_last_name,
            birth_date=submission.pupil_birth_date,
        )[:2]
    )
    if len(matches) == 1:
        pupil_services.log_pupil_access(
            context, matches[0], action="match", reason="intake submission accepted"
        )
        return matches[0]
    return pupil_services.create_pupil(
        context,
        first_name=submission.pupil_first_name,
        name_prefix=submission.pupil_name_prefix,
        last_name=submission.pupil_last_name,
        birth_date=submission.pupil_birth_date,
    )


@transaction.atomic
def accept(actor: Actor, submission: IntakeSubmission, *, kind: str) -> Case:
    """Opens a case for the pupil of a submission: all of it (pupil, case, entry, documents,
    status) in one transaction, or nothing."""
    submission = (
        IntakeSubmission.objects.select_for_update().select_related("form").get(pk=submission.pk)
    )
    require_queue(actor, submission.swv_id)
    if submission.status != IntakeSubmission.Status.NEW:
        raise ValidationError(_("Over deze aanmelding is al beslist."))
    if kind not in dict(ACCEPT_KINDS):
        raise ValidationError({"kind": _("Kies bij „Soort traject” een soort.")})
    pupil = _match_or_create_pupil(actor.context, submission)
    case = case_services.open_case(actor, kind=kind, pupil=pupil, title=submission.form.title[:200])
    case_services.add_entry(
        actor,
        case,
        category=DataCategory.ORDINARY,
        title=_("Aanmelding: %(title)s") % {"title": submission.form.title[:150]},
        body=_answers_text(submission),
    )
    names = []
    for intake_file in submission.files.all():
        content = ContentFile(read_file(intake_file), name="bijlage")
        document_services.upload_document(
            actor,
            case,
            upload=content,
            title=intake_file.label,
            category=intake_file.category,
            phase=Phase.INTAKE,
        )
        names.append(intake_file.storage_name)
    submission.files.all().delete()
    submission.status = IntakeSubmission.Status.ACCEPTED
    submission.case = case
    submission.decided_by = actor.user
    submission.decided_at = timezone.now()
    submission.save(update_fields=["status", "case", "decided_by", "decided_at"])
    record_access(
        actor.context,
        action="accept",
        activity=ACTIVITY,
        subject_pseudonym=submission_subject(submission),
        obj=submission,
        data_categories=[DataCategory.ORDINARY],
        reason=f"case: {case.pk}",
    )
    for name in names:
        transaction.on_commit(partial(_delete_blob, name))
    return case


@transaction.atomic
def reject(actor: Actor, submission: IntakeSubmission, *, reason: str) -> IntakeSubmission:
    """Rejects with a reason; the attachments are deleted at once (data minimisation)."""
    submission = IntakeSubmission.objects.select_for_update().get(pk=submission.pk)
    require_queue(actor, submission.swv_id)
    if submission.status != IntakeSubmission.Status.NEW:
        raise ValidationError(_("Over deze aanmelding is al beslist."))
    if not reason.strip():
        raise ValidationError({"reason": _("Vul bij „Reden” in waarom u de aanmelding afwijst.")})
    errors = bsn_check({"reason": (_("Reden"), reason)})
    if errors:
        raise ValidationError(errors)
    names = list(submission.files.values_list("storage_name", flat=True))
    submission.files.all().delete()
    submission.status = IntakeSubmission.Status.REJECTED
    submission.reject_reason = reason.strip()
    submission.decided_by = actor.user
    submission.decided_at = timezone.now()
    submission.save(update_fields=["status", "reject_reason", "decided_by", "decided_at"])
    record_access(
        actor.context,
        action="reject",
        activity=ACTIVITY,
        subject_pseudonym=submission_subject(submission),
        obj=submission,
        data_categories=[DataCategory.ORDINARY],
    )
    for name in names:
        transaction.on_commit(partial(_delete_blob, name))
    return submission


# --- Delivery links (CON-06) ------------------------------------------------------------------


def link_parties() -> Any:
    """Organisations that can be asked to deliver: active, any kind but an SWV of its own."""
    return Organisation.objects.filter(is_active=True).order_by("name")


def _case_for_policy(case: Case) -> Case:
    return with_policy_data(Case.objects.filter(pk=case.pk)).get()


@transaction.atomic
def create_link(
    actor: Actor,
    case: Case,
    *,
    party: Organisation,
    category: str,
    reference: str,
    days: int | None = None,
) -> tuple[DeliveryLink, str]:
    """A link for ``party`` to deliver into ``case`` once. Returns the link and the raw token,
    which is shown to the sender once and never stored."""
    case = _case_for_policy(case)
    access = decide_case(actor.user, actor.membership, case)
    if not access.allowed or case.phase == Phase.CLOSED:
        raise PermissionDenied(_("U kunt voor dit traject geen aanleverlink maken."))
    days = link_days() if days is None else days
    errors: dict[str, Any] = {}
    if category not in DataCategory.values:
        errors["category"] = _("Kies bij „Gegevenscategorie” een categorie (AGE-01).")
    elif not access.can_see(category):
        errors["category"] = _(
            "U kunt alleen een link maken voor een categorie die u zelf in dit traject mag zien "
            "(CON-06)."
        )
    if not reference.strip():
        errors["reference"] = _("Vul bij „Kenmerk” een neutraal kenmerk in.")
    elif case.pupil is not None:
        lowered = reference.lower()
        names = [case.pupil.first_name, case.pupil.last_name]
        if any(n and len(n) > 1 and n.lower() in lowered for n in names):
            errors["reference"] = _(
                "Het kenmerk mag de naam van de leerling niet bevatten: de ontvanger ziet het "
                "(dataminimalisatie)."
            )
    if not 1 <= days <= LINK_DAYS_MAX:
        errors["days"] = _("Een link is 1 tot %(max)s dagen geldig.") % {"max": LINK_DAYS_MAX}
    if party is None or not party.is_active:
        errors["party"] = _("Kies bij „Aanleverende partij” een organisatie.")
    errors.update(bsn_check({"reference": (_("Kenmerk"), reference)}))
    if errors:
        raise ValidationError(errors)
    token = secrets.token_urlsafe(32)
    link = DeliveryLink.objects.create(
        case=case,
        token_hash=hash_token(token),
        reference=reference.strip(),
        party=party,
        category=category,
        created_by=actor.user,
        expires_at=timezone.now() + timedelta(days=days),
    )
    record_access(
        actor.context,
        action="create_delivery_link",
        activity=DELIVERY_ACTIVITY,
        subject_pseudonym=case_subject(case),
        obj=link,
        data_categories=[category],
        legal_ground=access.legal_ground_summary,
        reason=f"party: {party.pk}",
    )
    return link, token


@transaction.atomic
def revoke_link(actor: Actor, link: DeliveryLink) -> DeliveryLink:
    case = _case_for_policy(link.case)
    if not decide_case(actor.user, actor.membership, case).allowed:
        raise PermissionDenied(_("U bent niet (meer) betrokken bij dit traject (ORG-04)."))
    if link.used_at is None and link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
        record_access(
            actor.context,
            action="revoke_delivery_link",
            activity=DELIVERY_ACTIVITY,
            subject_pseudonym=case_subject(case),
            obj=link,
        )
    return link


def party_context(context: AccessContext, link: DeliveryLink) -> AccessContext:
    """The outside party as the actor in the log: no user, its organisation, from where."""
    return AccessContext(
        user=None,
        organisation_id=link.party_id,
        role="external_party",
        ip_address=context.ip_address,
        trace_id=context.trace_id,
    )


def find_link(context: AccessContext, token: str, *, action: str = "open_link") -> DeliveryLink:
    """The usable link for this token, logged; a logged 404-like ``PermissionDenied`` else."""
    link = (
        DeliveryLink.objects.select_related("party", "case")
        .filter(token_hash=hash_token(token))
        .first()
        if token and len(token) < 200
        else None
    )
    if link is None or not link.is_usable():
        with transaction.atomic():
            record_access(
                context,
                action=action,
                activity=DELIVERY_ACTIVITY,
                outcome=Outcome.DENIED,
                subject_pseudonym=case_subject(link.case) if link is not None else "",
                object_type="intake.deliverylink",
                object_id=str(link.pk) if link is not None else "",
                reason="unknown token" if link is None else "used, revoked or expired",
            )
        raise PermissionDenied(_("Deze link is niet (meer) geldig."))
    with transaction.atomic():
        record_access(
            party_context(context, link),
            action=action,
            activity=DELIVERY_ACTIVITY,
            subject_pseudonym=case_subject(link.case),
            obj=link,
        )
    return link


def deliver(
    context: AccessContext, token: str, *, title: str, body: str, upload: Any = None
) -> CaseEntry:
    """The outside party's delivery: a case entry (and a document) supplied by that party in the
    category the sender chose (CON-06). The link is spent in the same transaction."""
    link = find_link(context, token, action="deliver")
    errors: dict[str, Any] = {}
    if not title.strip():
        errors["title"] = _("Vul „Onderwerp” in.")
    if not body.strip():
        errors["body"] = _("Vul „Informatie” in.")
    if len(title) > 200:
        errors["title"] = _("„Onderwerp” is te lang (hoogstens 200 tekens).")
    if len(body) > LONG_TEXT_MAX:
        errors["body"] = _("„Informatie” is te lang (hoogstens %(max)s tekens).") % {
            "max": LONG_TEXT_MAX
        }
    errors.update(bsn_check({"title": (_("Onderwerp"), title), "body": (_("Informatie"), body)}))
    checked: tuple[str, bytes, bool] | None = None
    if upload is not None:
        try:
            checked = check_upload(upload)
        except _Refused as refusal:
            errors["file"] = ValidationError(
                _("„Bijlage”: %(message)s") % {"message": refusal.message}, code=refusal.code
            )
            with transaction.atomic():
                record_access(
                    party_context(context, link),
                    action="deliver_refused",
                    activity=DELIVERY_ACTIVITY,
                    outcome=Outcome.DENIED,
                    subject_pseudonym=case_subject(link.case),
                    obj=link,
                    reason=refusal.code,
                )
    if errors:
        raise ValidationError(errors)

    blob = document_services._write_blob(checked[1]) if checked is not None else None

    def write() -> CaseEntry:
        now = timezone.now()
        spent = DeliveryLink.objects.filter(
            pk=link.pk, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
        ).update(used_at=now)
        if spent != 1:  # used by a concurrent request in the meantime
            raise PermissionDenied(_("Deze link is niet (meer) geldig."))
        case = Case.objects.select_for_update().get(pk=link.case_id)
        if case.phase == Phase.CLOSED:
            raise PermissionDenied(_("Deze link is niet (meer) geldig."))
        entry = CaseEntry.objects.create(
            case=case,
            category=link.category,
            supplied_by=link.party,
            phase=case.phase,
            title=title.strip(),
            body=body.strip(),
            recorded_by=link.created_by,
        )
        link.used_at = now
        link.entry = entry
        link.save(update_fields=["used_at", "entry"])
        party = party_context(context, link)
        record_access(
            party,
            action="deliver",
            activity=DELIVERY_ACTIVITY,
            subject_pseudonym=case_subject(case),
            obj=entry,
            data_categories=[link.category],
            reason=f"link: {link.pk}",
        )
        if checked is not None and blob is not None:
            kind, _data, needs_confirmation = checked
            document = Document.objects.create(
                case=case,
                title=title.strip()[:200],
                category=link.category,
                supplied_by=link.party,
                phase=case.phase,
                kind=kind,
                size=blob.size,
                sha256=blob.sha256,
                storage_name=blob.storage_name,
                key_id=blob.key_id,
                wrapped_key=blob.wrapped_key,
                nonce=blob.nonce,
                # A scan cannot be checked for a BSN: held for the link's creator (AGE-02).
                status=Document.Status.PENDING if needs_confirmation else Document.Status.STORED,
                needs_scan_confirmation=needs_confirmation,
                uploaded_by=link.created_by,
            )
            record_access(
                party,
                action="upload_held" if needs_confirmation else "upload",
                activity="document_management",
                subject_pseudonym=case_subject(case),
                obj=document,
                data_categories=[link.category],
                reason=f"link: {link.pk}",
            )
        recipients = [
            p.user for p in case.participants.filter(ended_at__isnull=True).select_related("user")
        ]
        path = reverse("cases:detail", args=[case.pk])
        transaction.on_commit(partial(notify, recipients, "message", path))
        return entry

    if blob is None:
        with transaction.atomic():
            return write()
    result: CaseEntry = document_services._with_blob_cleanup(blob, write)
    return result


# --- Housekeeping (PRV-06) --------------------------------------------------------------------


def retention_days() -> int:
    return int(getattr(settings, "PASSEND_INTAKE_RETENTION_DAYS", 365))


def purge_decided(now: Any = None) -> dict[str, int]:
    """Deletes decided submissions a retention period after the decision (an accepted one lives
    on in its case), and intake blobs whose row never committed. Each deletion leaves a
    content-free access-log entry. Run daily (``manage.py intake_purge``)."""
    now = now or timezone.now()
    limit = now - timedelta(days=retention_days())
    context = AccessContext.system()
    deleted = 0
    expired = IntakeSubmission.objects.filter(
        status__in=[IntakeSubmission.Status.ACCEPTED, IntakeSubmission.Status.REJECTED],
        decided_at__lt=limit,
    ).order_by("pk")
    for submission in expired.iterator():
        with transaction.atomic():
            names = list(submission.files.values_list("storage_name", flat=True))
            record_access(
                context,
                action="delete_expired",
                activity=ACTIVITY,
                subject_pseudonym=submission_subject(submission),
                object_type="intake.intakesubmission",
                object_id=str(submission.pk),
                reason="retention period after the decision ended",
            )
            submission.delete()
            for name in names:
                transaction.on_commit(partial(_delete_blob, name))
        deleted += 1
    return {
        "submissions_deleted": deleted,
        "orphans_deleted": document_services.delete_orphan_blobs(
            STORAGE_DIR, IntakeFile, now - timedelta(hours=1)
        ),
    }
