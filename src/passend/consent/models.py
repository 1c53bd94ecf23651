"""Consent, other legal grounds and compelling-interest decisions (CON-01..05)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from passend.accounts.models import Organisation
from passend.cases.models import Case
from passend.modelbase import PassendModel
from passend.pupils.models import Guardian


class LegalBasis(models.TextChoices):
    """Why a party may see data of a case. The access policy explains itself with these."""

    OWN_TASK = "own_task", _("Eigen wettelijke taak van de eigenaar van het dossier")
    CONSENT = "consent", _("Toestemming (CON-01)")
    EXTRA_SUPPORT = "extra_support", _("School aan SWV voor extra ondersteuning en TLV (CON-04)")
    TRANSFER_FILE = "transfer_file", _("Overdrachtsdossier po naar vo (CON-04)")
    ABSENCE_REPORT = "absence_report", _("Verzuimmelding school en leerplicht (CON-04)")
    REPORTING_RIGHT = (
        "reporting_right",
        _("Meldrecht (Veilig Thuis, Verwijsindex, Raad voor de Kinderbescherming) (CON-04)"),
    )
    FAMILY_GUARDIAN = "family_guardian", _("Gezinsvoogd bij ondertoezichtstelling (CON-04)")
    OPP_ANALYSIS = "opp_analysis", _("Analyse van het dossier voor het OPP (CON-04)")
    COMPELLING_INTEREST = "compelling_interest", _("Zwaarwegend belang (CON-05)")


# The grounds of CON-04 that can be recorded as such (no consent needed).
STATUTORY_GROUNDS: tuple[str, ...] = (
    LegalBasis.EXTRA_SUPPORT,
    LegalBasis.TRANSFER_FILE,
    LegalBasis.ABSENCE_REPORT,
    LegalBasis.REPORTING_RIGHT,
    LegalBasis.FAMILY_GUARDIAN,
    LegalBasis.OPP_ANALYSIS,
)


class ConsentMethod(models.TextChoices):
    PAPER = "paper", _("Papieren formulier (scan)")
    IN_PERSON = "in_person", _("Mondeling in gesprek, vastgelegd")
    DIGITAL = "digital", _("Digitaal")


class Consent(PassendModel):
    """CON-01/02: one consent per trajectory, with whom and which data, revocable (CON-03)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consents")
    parties = models.ManyToManyField(
        Organisation, verbose_name=_("met wie"), related_name="consents"
    )
    categories = models.JSONField(_("welke gegevens"), default=list)
    given_by_pupil = models.BooleanField(_("gegeven door de leerling"), default=False)
    given_by_guardians = models.ManyToManyField(
        Guardian, verbose_name=_("gegeven door ouders/verzorgers"), blank=True, related_name="+"
    )
    given_on = models.DateField(_("gegeven op"))
    form_version = models.CharField(_("versie toestemmingsformulier"), max_length=40)
    method = models.CharField(_("hoe gegeven"), max_length=20, choices=ConsentMethod.choices)
    evidence = models.CharField(_("bewijs (vindplaats)"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(_("ingetrokken op"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revocation_note = models.CharField(_("toelichting intrekking"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("toestemming")
        verbose_name_plural = _("toestemmingen")
        ordering = ["-given_on", "-id"]
        indexes = [models.Index(fields=["case", "revoked_at"], name="consent_case_active")]

    def __str__(self) -> str:
        return f"{self.case} {self.given_on:%d-%m-%Y}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class LegalGround(PassendModel):
    """CON-04: a statutory ground for a party, recorded instead of consent."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="legal_grounds")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisatie"), on_delete=models.PROTECT, related_name="+"
    )
    basis = models.CharField(_("grondslag"), max_length=30, choices=LegalBasis.choices)
    categories = models.JSONField(_("welke gegevens"), default=list)
    note = models.CharField(_("toelichting"), max_length=500, blank=True)
    # CON-04: parents are still informed.
    parents_informed_on = models.DateField(_("ouders geïnformeerd op"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(_("beëindigd op"), null=True, blank=True)

    class Meta:
        verbose_name = _("wettelijke grondslag")
        verbose_name_plural = _("wettelijke grondslagen")
        ordering = ["-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.case} {self.basis}"


class Justification(PassendModel):
    """CON-05: a reasoned compelling-interest decision, always flagged for the FG."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="justifications")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("met wie"), on_delete=models.PROTECT, related_name="+"
    )
    categories = models.JSONField(_("welke gegevens"), default=list)
    reason = models.TextField(_("onderbouwing"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)
    reviewed_by_privacy_officer_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(_("beëindigd op"), null=True, blank=True)

    class Meta:
        verbose_name = _("besluit zwaarwegend belang")
        verbose_name_plural = _("besluiten zwaarwegend belang")
        ordering = ["-decided_at", "-id"]

    def __str__(self) -> str:
        return f"{self.case} {self.decided_at:%d-%m-%Y}"
