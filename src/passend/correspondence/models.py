"""Correspondence (module c): secure messages in a case, letters from templates, notifications.

A notification e-mail never carries content: it says that something new is waiting and links
to the platform (DESIGN.md privacy core 4, CO-04).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from passend.accounts.models import Organisation
from passend.cases.models import Case
from passend.modelbase import PassendModel
from passend.privacy.categories import DataCategory


class Message(PassendModel):
    """A message inside a case, between its participants (or to one party of it)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="messages")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sender_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+"
    )
    # Empty: every participant of the case; set: only that organisation (and the sender's).
    to_organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("aan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    subject = models.CharField(_("onderwerp"), max_length=200)
    body = models.TextField(_("bericht"))
    category = models.CharField(
        _("gegevenscategorie"),
        max_length=20,
        choices=DataCategory.choices,
        default=DataCategory.ORDINARY,
    )
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("bericht")
        verbose_name_plural = _("berichten")
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["case", "-sent_at"], name="message_case_recent")]

    def __str__(self) -> str:
        return f"bericht {self.pk}"


class LetterTemplate(PassendModel):
    """An editable letter template. Placeholders like {{ leerling }} are filled per case."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisatie"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="letter_templates",
        help_text=_("Leeg: beschikbaar voor alle organisaties."),
    )
    code = models.SlugField(_("code"), max_length=60)
    name = models.CharField(_("naam"), max_length=200)
    subject = models.CharField(_("onderwerp"), max_length=200)
    body = models.TextField(
        _("tekst"),
        help_text=_(
            "Plaatshouders: {{ leerling }}, {{ pseudoniem }}, {{ geboortedatum }}, {{ school }}, "
            "{{ afzender }}, {{ organisatie }}, {{ datum }}, {{ ontvanger }}."
        ),
    )
    is_active = models.BooleanField(_("in gebruik"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("briefsjabloon")
        verbose_name_plural = _("briefsjablonen")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "code"], name="letter_template_unique_code"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Letter(PassendModel):
    """A letter made from a template for a case; the PDF is rendered on request."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="letters")
    template = models.ForeignKey(LetterTemplate, on_delete=models.PROTECT, related_name="+")
    recipient = models.CharField(_("ontvanger"), max_length=200)
    subject = models.CharField(_("onderwerp"), max_length=200)
    body = models.TextField(_("tekst"))
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("brief")
        verbose_name_plural = _("brieven")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"brief {self.pk}"


class Notification(PassendModel):
    """That a content-free e-mail went to a user, and which link it carried."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    topic = models.CharField(max_length=40)
    link = models.CharField(max_length=300)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at", "-id"]

    def __str__(self) -> str:
        return f"{self.topic} -> {self.recipient_id}"
