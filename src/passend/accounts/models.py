"""Organisations, users, memberships and roles (ORG-01, ORG-02)."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from passend.modelbase import PassendModel

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class OrganisationKind(models.TextChoices):
    SWV = "swv", _("Samenwerkingsverband")
    SCHOOL_BOARD = "school_board", _("Schoolbestuur (bevoegd gezag)")
    SCHOOL = "school", _("School")
    ADVISORY_COMMITTEE = "advisory_committee", _("Commissie van Advies")
    MUNICIPALITY = "municipality", _("Gemeente (leerplicht/RMC, Jeugd en Gezin)")
    GGD = "ggd", _("GGD (jeugdgezondheidszorg)")
    NEIGHBOURHOOD_TEAM = "neighbourhood_team", _("Wijkteam / CJG / WIJ")
    YOUTH_CARE_PROVIDER = "youth_care_provider", _("Jeugdhulpaanbieder")
    HALT = "halt", _("Halt")
    OTHER = "other", _("Overig")


class Sector(models.TextChoices):
    PO = "po", _("Primair onderwijs")
    VO = "vo", _("Voortgezet onderwijs")


class SchoolType(models.TextChoices):
    REGULAR = "regular", _("Regulier")
    SBO = "sbo", _("Speciaal basisonderwijs (SBO)")
    SO = "so", _("Speciaal onderwijs (SO)")
    VSO = "vso", _("Voortgezet speciaal onderwijs (VSO)")


# ORG-01: each organisation kind carries its legal basis for processing.
LEGAL_BASIS_BY_KIND: dict[str, StrOrPromise] = {
    OrganisationKind.SWV: _("Wpo art. 18a / Wvo art. 17a (passend onderwijs)"),
    OrganisationKind.SCHOOL_BOARD: _("Wpo art. 18a / Wvo art. 17a (passend onderwijs)"),
    OrganisationKind.SCHOOL: _("Wpo / Wvo (zorgplicht, onderwijskundig rapport)"),
    OrganisationKind.ADVISORY_COMMITTEE: _("Wpo art. 18a / Wvo art. 17a (deskundigenadvies TLV)"),
    OrganisationKind.MUNICIPALITY: _("Leerplichtwet 1969; Jeugdwet"),
    OrganisationKind.GGD: _("Wet publieke gezondheid"),
    OrganisationKind.NEIGHBOURHOOD_TEAM: _("Jeugdwet; Wmo 2015"),
    OrganisationKind.YOUTH_CARE_PROVIDER: _("Jeugdwet"),
    OrganisationKind.HALT: _("Wetboek van Strafrecht art. 77e (Halt-afdoening)"),
    OrganisationKind.OTHER: _("Toestemming van de betrokkene"),
}


class Organisation(PassendModel):
    """A party in the region (ORG-01)."""

    name = models.CharField(_("naam"), max_length=200)
    kind = models.CharField(_("soort"), max_length=32, choices=OrganisationKind.choices)
    sector = models.CharField(_("sector"), max_length=2, choices=Sector.choices, blank=True)
    school_type = models.CharField(
        _("schoolsoort"), max_length=16, choices=SchoolType.choices, blank=True
    )
    brin = models.CharField(_("BRIN"), max_length=4, blank=True)
    vestiging = models.CharField(_("vestigingsnummer"), max_length=2, blank=True)
    town = models.CharField(_("plaats"), max_length=100, blank=True)
    board = models.ForeignKey(
        "self",
        verbose_name=_("schoolbestuur"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="schools",
        limit_choices_to={"kind": OrganisationKind.SCHOOL_BOARD},
    )
    swv = models.ForeignKey(
        "self",
        verbose_name=_("samenwerkingsverband"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="member_schools",
        limit_choices_to={"kind": OrganisationKind.SWV},
    )
    served_swvs = models.ManyToManyField(
        "self",
        verbose_name=_("bediende samenwerkingsverbanden"),
        symmetrical=False,
        blank=True,
        related_name="advisory_committees",
        limit_choices_to={"kind": OrganisationKind.SWV},
    )
    is_active = models.BooleanField(_("actief"), default=True)

    class Meta:
        verbose_name = _("organisatie")
        verbose_name_plural = _("organisaties")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["brin", "vestiging"],
                condition=~Q(brin=""),
                name="organisation_unique_brin_vestiging",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def legal_basis(self) -> str:
        return str(LEGAL_BASIS_BY_KIND[self.kind])

    @property
    def brin_code(self) -> str:
        return f"{self.brin}{self.vestiging}" if self.brin else ""

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.kind == OrganisationKind.SCHOOL:
            if not self.board_id:
                errors["board"] = str(_("Een school hoort bij een schoolbestuur (ORG-01)."))
            if not self.school_type:
                errors["school_type"] = str(_("Kies de schoolsoort (ORG-01)."))
        if self.kind in (OrganisationKind.SWV, OrganisationKind.SCHOOL) and not self.sector:
            errors["sector"] = str(_("Kies PO of VO (ORG-01)."))
        if self.brin and (len(self.brin) != 4 or not self.brin.isalnum()):
            errors["brin"] = str(_("Een BRIN bestaat uit vier tekens, bijvoorbeeld 12AB (ORG-01)."))
        if self.vestiging and not (len(self.vestiging) == 2 and self.vestiging.isdigit()):
            errors["vestiging"] = str(_("Het vestigingsnummer bestaat uit twee cijfers (ORG-01)."))
        if errors:
            raise ValidationError(errors)


class Role(models.TextChoices):
    """Professional roles (ORG-02)."""

    SUPPORT_COORDINATOR = (
        "support_coordinator",
        _("Ondersteuningscoördinator / intern begeleider / zorgcoördinator"),
    )
    SCHOOL_BOARD = "school_board", _("Schoolbestuur (bevoegd gezag)")
    CVA_SECRETARY = "cva_secretary", _("Secretaris CvA")
    CVA_CHAIR = "cva_chair", _("Voorzitter CvA")
    CVA_MEDICAL_SPECIALIST = "cva_medical_specialist", _("Medisch specialist CvA")
    CVA_SOCIAL_WORKER = "cva_social_worker", _("Maatschappelijk functionaris CvA")
    ECT_MEMBER = "ect_member", _("Lid Expertise- en Consultatieteam")
    SWV_DIRECTOR = "swv_director", _("Bestuur / directeur SWV")
    INFORMATION_DESK = "information_desk", _("Medewerker informatiepunt")
    ATTENDANCE_OFFICER = "attendance_officer", _("Leerplichtambtenaar")
    GGD_PROFESSIONAL = "ggd_professional", _("Jeugdarts / jeugdverpleegkundige GGD")
    NEIGHBOURHOOD_TEAM_WORKER = "neighbourhood_team_worker", _("Medewerker wijkteam / WIJ")
    YOUTH_CARE_PROFESSIONAL = "youth_care_professional", _("Jeugdhulpprofessional")
    BEHAVIOUR_EXPERT = "behaviour_expert", _("Gedragsdeskundige")
    FUNCTIONAL_ADMIN = "functional_admin", _("Functioneel beheerder")
    PRIVACY_OFFICER = "privacy_officer", _("Functionaris gegevensbescherming (FG)")


# Which roles can be held at which kind of organisation. A membership outside this table is
# refused, so that e.g. a leerplichtambtenaar cannot be registered at a school (ORG-02, ABS-05).
ROLES_BY_KIND: dict[str, frozenset[str]] = {
    OrganisationKind.SCHOOL: frozenset({Role.SUPPORT_COORDINATOR, Role.BEHAVIOUR_EXPERT}),
    OrganisationKind.SCHOOL_BOARD: frozenset({Role.SCHOOL_BOARD, Role.BEHAVIOUR_EXPERT}),
    OrganisationKind.SWV: frozenset(
        {
            Role.SWV_DIRECTOR,
            Role.ECT_MEMBER,
            Role.INFORMATION_DESK,
            Role.BEHAVIOUR_EXPERT,
            Role.FUNCTIONAL_ADMIN,
            Role.PRIVACY_OFFICER,
        }
    ),
    OrganisationKind.ADVISORY_COMMITTEE: frozenset(
        {
            Role.CVA_SECRETARY,
            Role.CVA_CHAIR,
            Role.CVA_MEDICAL_SPECIALIST,
            Role.CVA_SOCIAL_WORKER,
            Role.FUNCTIONAL_ADMIN,
        }
    ),
    OrganisationKind.MUNICIPALITY: frozenset({Role.ATTENDANCE_OFFICER, Role.PRIVACY_OFFICER}),
    OrganisationKind.GGD: frozenset({Role.GGD_PROFESSIONAL}),
    OrganisationKind.NEIGHBOURHOOD_TEAM: frozenset({Role.NEIGHBOURHOOD_TEAM_WORKER}),
    OrganisationKind.YOUTH_CARE_PROVIDER: frozenset(
        {Role.YOUTH_CARE_PROFESSIONAL, Role.BEHAVIOUR_EXPERT}
    ),
    OrganisationKind.HALT: frozenset({Role.YOUTH_CARE_PROFESSIONAL}),
    OrganisationKind.OTHER: frozenset({Role.YOUTH_CARE_PROFESSIONAL, Role.BEHAVIOUR_EXPERT}),
}


class User(AbstractUser, PassendModel):
    """A professional. Every professional signs in with a second factor (PRV-08)."""

    email = models.EmailField(_("e-mailadres"), blank=True)

    class Meta:
        verbose_name = _("gebruiker")
        verbose_name_plural = _("gebruikers")


class MembershipQuerySet(models.QuerySet["Membership"]):
    def active(self, on: object = None) -> MembershipQuerySet:
        # Also written as SQL for every request's membership (accounts.selectors.
        # _active_membership); tests/accounts/test_request_reads.py holds the two equal.
        today = on or timezone.localdate()
        return self.filter(
            Q(is_active=True),
            Q(valid_from__lte=today),
            Q(valid_until__isnull=True) | Q(valid_until__gte=today),
            organisation__is_active=True,
        )


class Membership(PassendModel):
    """A user acting for one organisation in one role (ORG-02).

    A user with several memberships picks the one they act in; every logged action records it.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("rol"), max_length=40, choices=Role.choices)
    function_title = models.CharField(_("functie"), max_length=120, blank=True)
    is_active = models.BooleanField(_("actief"), default=True)
    valid_from = models.DateField(_("geldig vanaf"), default=timezone.localdate)
    valid_until = models.DateField(_("geldig tot en met"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("lidmaatschap")
        verbose_name_plural = _("lidmaatschappen")
        ordering = ["organisation__name", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="membership_unique_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} — {self.organisation}"

    def clean(self) -> None:
        allowed = ROLES_BY_KIND.get(self.organisation.kind, frozenset())
        if self.role not in allowed:
            raise ValidationError(
                {
                    "role": _("De rol %(role)s kan niet worden vervuld bij een %(kind)s (ORG-02).")
                    % {
                        "role": self.get_role_display(),
                        "kind": self.organisation.get_kind_display(),
                    }
                }
            )

    def is_current(self) -> bool:
        today = timezone.localdate()
        return (
            self.is_active
            and self.organisation.is_active
            and self.valid_from <= today
            and (self.valid_until is None or self.valid_until >= today)
        )


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(PassendModel):
    """An API token tied to one membership. Only its SHA-256 hash is stored."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("omschrijving"), max_length=100, blank=True)
    prefix = models.CharField(max_length=8, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("verloopt op"))
    revoked_at = models.DateTimeField(_("ingetrokken op"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API-token")
        verbose_name_plural = _("API-tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.membership})"

    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
