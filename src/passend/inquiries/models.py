"""Informatiepunt (INF-01, seed 004 §8): a CRM-like register of questions and complaints from
parents and professionals, with answering, referral and deadline monitoring.

Inquiries are SWV-internal. The contact's name, e-mail and phone are personal data of the
contact (guarded against BSNs, AGE-02). A case is linked only when the information-desk user
may see it through the access policy; otherwise only its pseudonym is kept as a reference.
The answer term is a ``terms.Term`` (rules "inquiry-answer", "inquiry-complaint").
"""

from __future__ import annotations

import re

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from passend.accounts.models import Organisation
from passend.cases.models import Case
from passend.modelbase import PassendModel


class Channel(models.TextChoices):
    PHONE = "phone", _("Telefoon")
    EMAIL = "email", _("E-mail")
    DESK = "desk", _("Balie")
    FORM = "form", _("Formulier")


class InquiryKind(models.TextChoices):
    QUESTION = "question", _("Vraag")
    COMPLAINT = "complaint", _("Klacht")


class ContactRole(models.TextChoices):
    PARENT = "parent", _("Ouder / verzorger")
    PUPIL = "pupil", _("Leerling")
    PROFESSIONAL = "professional", _("Professional")


def normalise_phone(phone: str) -> str:
    """Digits only, with +31 written as 0: '06-1234 5678' and '+31612345678' match."""
    digits = re.sub(r"[^0-9+]", "", phone or "")
    if digits.startswith("+31"):
        digits = "0" + digits[3:]
    elif digits.startswith("0031"):
        digits = "0" + digits[4:]
    return digits.replace("+", "")


class Inquiry(PassendModel):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ASSIGNED = "assigned", _("Toegewezen")
        ANSWERED = "answered", _("Beantwoord")
        REFERRED = "referred", _("Doorverwezen")
        CLOSED = "closed", _("Gesloten")

    swv = models.ForeignKey(
        Organisation,
        verbose_name=_("samenwerkingsverband"),
        on_delete=models.PROTECT,
        related_name="inquiries",
    )
    kind = models.CharField(_("soort"), max_length=10, choices=InquiryKind.choices)
    channel = models.CharField(_("kanaal"), max_length=10, choices=Channel.choices)
    topic = models.CharField(_("onderwerp"), max_length=200)
    question = models.TextField(_("vraag of klacht"))
    contact_role = models.CharField(_("afzender"), max_length=15, choices=ContactRole.choices)
    contact_name = models.CharField(_("naam contactpersoon"), max_length=200)
    contact_email = models.EmailField(_("e-mailadres"), blank=True)
    contact_phone = models.CharField(_("telefoonnummer"), max_length=30, blank=True)
    contact_phone_key = models.CharField(max_length=30, blank=True, editable=False)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("betrokken organisatie"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    case = models.ForeignKey(
        Case,
        verbose_name=_("traject"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    case_reference = models.CharField(_("pseudoniem traject"), max_length=20, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default="open")
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("toegewezen aan"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    received_on = models.DateField(_("ontvangen op"))
    due_date = models.DateField(_("uiterlijk beantwoorden op"))
    answer = models.TextField(_("antwoord"), blank=True)
    referred_to = models.CharField(_("doorverwezen naar"), max_length=200, blank=True)
    escalated_at = models.DateTimeField(_("geëscaleerd op"), null=True, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("vraag of klacht")
        verbose_name_plural = _("vragen en klachten")
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(fields=["swv", "status", "due_date"], name="inquiry_queue"),
            models.Index(fields=["swv", "contact_email"], name="inquiry_contact_email"),
            models.Index(fields=["swv", "contact_phone_key"], name="inquiry_contact_phone"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.contact_email = (self.contact_email or "").strip().lower()
        self.contact_phone_key = normalise_phone(self.contact_phone)
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.OPEN, self.Status.ASSIGNED)


class InquiryEvent(PassendModel):
    """The history of an inquiry: every action is a row (shown as a timeline)."""

    class Kind(models.TextChoices):
        REGISTERED = "registered", _("Geregistreerd")
        ASSIGNED = "assigned", _("Toegewezen")
        ANSWERED = "answered", _("Beantwoord")
        REFERRED = "referred", _("Doorverwezen")
        CLOSED = "closed", _("Gesloten")
        ESCALATED = "escalated", _("Geëscaleerd: termijn verstreken")

    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    note = models.TextField(_("toelichting"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.inquiry_id} {self.kind}"
