"""Pupils and guardians (AGE-01). No BSN is ever stored (AGE-02)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from passend.accounts.models import Organisation
from passend.bsn_guard import validate_no_bsn
from passend.modelbase import PassendModel

# AGE-02: every free-text field of a pupil or guardian refuses a BSN-like value.
NO_BSN = [validate_no_bsn]


class Gender(models.TextChoices):
    GIRL = "f", _("meisje")
    BOY = "m", _("jongen")
    OTHER = "x", _("anders / onbekend")


class Pupil(PassendModel):
    first_name = models.CharField(_("voornaam"), max_length=100, validators=NO_BSN)
    name_prefix = models.CharField(_("tussenvoegsel"), max_length=30, blank=True, validators=NO_BSN)
    last_name = models.CharField(_("achternaam"), max_length=100, validators=NO_BSN)
    birth_date = models.DateField(_("geboortedatum"))
    gender = models.CharField(_("geslacht"), max_length=1, choices=Gender.choices, default="x")
    email = models.EmailField(_("e-mailadres"), blank=True, validators=NO_BSN)
    phone = models.CharField(_("telefoonnummer"), max_length=30, blank=True, validators=NO_BSN)
    address = models.CharField(_("adres"), max_length=200, blank=True, validators=NO_BSN)
    # The school administration's own pupil number: the key for idempotent imports.
    source_system = models.CharField(_("bronsysteem"), max_length=20, blank=True)
    source_key = models.CharField(
        _("leerlingnummer in bronsysteem"), max_length=40, blank=True, validators=NO_BSN
    )
    # Pupil numbers are unique per school administration, not nationally: the key of an
    # imported pupil is (source_school, source_system, source_key).
    source_school = models.ForeignKey(
        Organisation,
        verbose_name=_("school van het bronsysteem"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("leerling")
        verbose_name_plural = _("leerlingen")
        ordering = ["last_name", "first_name"]
        indexes = [models.Index(fields=["last_name", "first_name"], name="pupil_name")]
        constraints = [
            models.UniqueConstraint(
                fields=["source_school", "source_system", "source_key"],
                condition=~Q(source_key=""),
                name="pupil_unique_source_key",
            )
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.name_prefix, self.last_name) if p)


class Enrolment(PassendModel):
    """School enrolment history: the current school is the one without an end date."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="enrolments")
    school = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("school")
    )
    start_date = models.DateField(_("ingeschreven vanaf"))
    end_date = models.DateField(_("uitgeschreven per"), null=True, blank=True)
    grade = models.CharField(_("leerjaar / groep"), max_length=20, blank=True, validators=NO_BSN)

    class Meta:
        verbose_name = _("inschrijving")
        verbose_name_plural = _("inschrijvingen")
        ordering = ["-start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["pupil", "school", "start_date"], name="enrolment_unique_start"
            )
        ]
        indexes = [models.Index(fields=["school", "end_date"], name="enrolment_school_current")]

    def __str__(self) -> str:
        return f"{self.school} ({self.start_date:%d-%m-%Y})"


class GuardianRelation(models.TextChoices):
    MOTHER = "mother", _("moeder")
    FATHER = "father", _("vader")
    PARENT = "parent", _("ouder")
    GUARDIAN = "guardian", _("voogd")
    FOSTER_PARENT = "foster_parent", _("pleegouder")
    OTHER = "other", _("anders")


class Guardian(PassendModel):
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="guardians")
    first_name = models.CharField(_("voornaam"), max_length=100, blank=True, validators=NO_BSN)
    name_prefix = models.CharField(_("tussenvoegsel"), max_length=30, blank=True, validators=NO_BSN)
    last_name = models.CharField(_("achternaam"), max_length=100, validators=NO_BSN)
    relation = models.CharField(_("relatie"), max_length=20, choices=GuardianRelation.choices)
    has_parental_authority = models.BooleanField(_("heeft gezag"), default=True)
    email = models.EmailField(_("e-mailadres"), blank=True, validators=NO_BSN)
    phone = models.CharField(_("telefoonnummer"), max_length=30, blank=True, validators=NO_BSN)

    class Meta:
        verbose_name = _("ouder / verzorger")
        verbose_name_plural = _("ouders / verzorgers")
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.name_prefix, self.last_name) if p)


class AgePolicy(PassendModel):
    """The ages of AGE-03, editable by a functional administrator (one row).

    Defaults are the covenant's values, loaded by a data migration; every change is written to
    the access log (``services.update_age_policy``). ``passend.pupils.rights`` is the only code
    that interprets these numbers.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    joint_from_age = models.PositiveSmallIntegerField(
        _("kind beslist mee vanaf (jaar)"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(21)],
        help_text=_("Vanaf deze leeftijd oefenen kind en ouders met gezag de rechten samen uit."),
    )
    child_alone_from_age = models.PositiveSmallIntegerField(
        _("jongere beslist alleen vanaf (jaar)"),
        default=16,
        validators=[MinValueValidator(1), MaxValueValidator(21)],
        help_text=_("Vanaf deze leeftijd oefent de jongere de rechten alleen uit."),
    )
    parents_information_until_age = models.PositiveSmallIntegerField(
        _("informatierecht ouders tot (jaar)"),
        default=18,
        validators=[MinValueValidator(1), MaxValueValidator(21)],
        help_text=_("Tot deze leeftijd houden ouders met gezag recht op informatie van school."),
    )
    consent_requires_all_guardians = models.BooleanField(
        _("toestemming van alle ouders met gezag nodig"),
        default=True,
        help_text=_(
            "Aan: alle ouders/verzorgers met gezag moeten toestemming geven. Uit: de toestemming "
            "van één ouder met gezag is genoeg."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("leeftijdsregels (AGE-03)")
        verbose_name_plural = _("leeftijdsregels (AGE-03)")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="agepolicy_single_row")]

    def __str__(self) -> str:
        return str(_("Leeftijdsregels privacyrechten"))

    @classmethod
    def current(cls) -> AgePolicy:
        """The policy in force; the covenant's defaults if the row is missing."""
        return cls.objects.filter(pk=1).first() or cls()

    def clean(self) -> None:
        if self.joint_from_age >= self.child_alone_from_age:
            raise ValidationError(
                {
                    "joint_from_age": _(
                        "De leeftijd voor samen beslissen moet lager zijn dan de leeftijd waarop "
                        "de jongere alleen beslist (AGE-03)."
                    )
                }
            )
        if self.child_alone_from_age > self.parents_information_until_age:
            raise ValidationError(
                {
                    "parents_information_until_age": _(
                        "Het informatierecht van ouders kan niet eindigen voordat de jongere "
                        "alleen beslist (AGE-03)."
                    )
                }
            )


class ImportSource(models.TextChoices):
    """Pupil administration systems with a documented column mapping (docs/imports.md)."""

    PARNASSYS = "parnassys", "ParnasSys"
    MAGISTER = "magister", "Magister"
    SOMTODAY = "somtoday", "SOMtoday"
    ESIS = "esis", "Esis"


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("wacht op verwerking")
    RUNNING = "running", _("wordt verwerkt")
    DONE = "done", _("klaar")
    FAILED = "failed", _("mislukt")


class PupilImport(PassendModel):
    """One upload of a school's pupil export.

    ``content`` holds the file only until it is processed, and never a BSN: on upload the
    BSN columns and every unmapped column are dropped and BSN-like values are blanked
    (``importers.prepare``); the task then clears it.
    """

    school = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("school")
    )
    source = models.CharField(_("bronsysteem"), max_length=20, choices=ImportSource.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("aangevraagd door"),
    )
    requested_role = models.CharField(_("rol"), max_length=40, blank=True)
    trace_id = models.CharField(max_length=64, blank=True)
    content = models.TextField(blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    total_lines = models.PositiveIntegerField(_("regels"), default=0)
    processed_lines = models.PositiveIntegerField(_("verwerkt"), default=0)
    created_count = models.PositiveIntegerField(_("nieuw"), default=0)
    updated_count = models.PositiveIntegerField(_("bijgewerkt"), default=0)
    unchanged_count = models.PositiveIntegerField(_("ongewijzigd"), default=0)
    rejected_count = models.PositiveIntegerField(_("afgewezen"), default=0)
    # [{"line": 7, "reason": "..."}]: line numbers and reasons only, never a value from the file.
    rejected_lines = models.JSONField(_("afgewezen regels"), default=list, blank=True)
    ignored_columns = models.JSONField(_("genegeerde BSN-kolommen"), default=list, blank=True)
    # Passend field -> header in the uploaded file, for reasons that name the school's column.
    column_labels = models.JSONField(default=dict, blank=True)
    failure = models.CharField(_("foutmelding"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("leerlingimport")
        verbose_name_plural = _("leerlingimports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_source_display()} #{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)

    @property
    def percent(self) -> int:
        if not self.total_lines:
            return 100 if self.is_finished else 0
        return min(100, round(100 * self.processed_lines / self.total_lines))
