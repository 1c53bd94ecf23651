"""The parent and youth portal: sign-in, the youth's permission for parents, zienswijzen.

A portal identity is not a professional account: it has no password, no membership and no
role; the session that carries it can never pass the professional gate (see middleware).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from passend.cases.models import Case
from passend.modelbase import PassendModel
from passend.pupils.models import Guardian, Pupil


class PortalIdentity(PassendModel):
    """Someone who proved control of an e-mail address known as a guardian's or a pupil's.

    Which pupils the person may stand for is decided per request by the access policy for
    rights holders (``passend.access.rights_holder``), from the guardian and pupil records
    with this address; nothing about that is stored here.
    """

    email = models.EmailField(_("e-mailadres"), unique=True)  # stored lower-cased
    created_at = models.DateTimeField(auto_now_add=True)
    last_sign_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("portaalidentiteit")
        verbose_name_plural = _("portaalidentiteiten")

    def __str__(self) -> str:
        return f"portal identity {self.pk}"


class SignInAttempt(PassendModel):
    """One request for a sign-in link (for every address, known or not: same work, same answer).

    The link's token and the code are stored only as hashes. ``identity`` is empty for an
    unknown address; such an attempt can never be completed. Rate limits count these rows.
    """

    identity = models.ForeignKey(
        PortalIdentity, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    email_digest = models.CharField(max_length=64, db_index=True)  # HMAC, never the address
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField()
    failed_codes = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("aanmeldpoging portaal")
        verbose_name_plural = _("aanmeldpogingen portaal")

    def __str__(self) -> str:
        return f"sign-in attempt {self.pk}"


class GuardianViewPermission(PassendModel):
    """AGE-03: from 16 the youth alone decides; the youth may let a parent see their data."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="+")
    guardian = models.ForeignKey(Guardian, on_delete=models.CASCADE, related_name="+")
    granted_at = models.DateTimeField(_("toegestaan op"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("ingetrokken op"), null=True, blank=True)

    class Meta:
        verbose_name = _("inzage voor ouder (toestemming jongere)")
        verbose_name_plural = _("inzage voor ouders (toestemming jongere)")
        constraints = [
            models.UniqueConstraint(
                fields=["pupil", "guardian"],
                condition=models.Q(revoked_at__isnull=True),
                name="portal_one_active_guardian_permission",
            )
        ]

    def __str__(self) -> str:
        return f"{self.pupil_id} -> {self.guardian_id}"


class Author(models.TextChoices):
    GUARDIAN = "guardian", _("ouder/verzorger met gezag")
    YOUTH = "youth", _("jongere")


class Statement(PassendModel):
    """A zienswijze: the parent's or youth's own view on a case, with its provenance (CON-06).

    Supplied by the rights holder through the portal, never changed afterwards; it belongs to
    the case and is shown to the professionals who may see the case's ordinary data.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="portal_statements")
    author = models.CharField(_("van"), max_length=10, choices=Author.choices)
    guardian = models.ForeignKey(
        Guardian,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("ouder/verzorger"),
    )
    text = models.TextField(_("zienswijze"))
    channel = models.CharField(_("kanaal"), max_length=20, default="portal")
    submitted_at = models.DateTimeField(_("ingediend op"), auto_now_add=True)
    # The request's trace id (hexadecimal), set by the application: not free text, so the BSN
    # guard does not read it (``bsn_guard._guarded_fields``).
    trace_id = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("zienswijze")
        verbose_name_plural = _("zienswijzen")
        ordering = ["-submitted_at", "-id"]

    def __str__(self) -> str:
        return f"statement {self.pk}"


class ConsentApproval(PassendModel):
    """One rights holder's digital "yes" to giving a revoked consent again (CON-02).

    When the approvals together form a valid set of givers under AGE-03 (e.g. child AND the
    guardians with authority from 12), the consent itself is recorded by
    ``consent.services.give_consent_as_rights_holders``.
    """

    previous = models.ForeignKey(
        "consent.Consent", on_delete=models.CASCADE, related_name="+", verbose_name=_("toestemming")
    )
    by_pupil = models.BooleanField(default=False)
    guardian = models.ForeignKey(
        Guardian, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    approved_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("instemming via het portaal")
        verbose_name_plural = _("instemmingen via het portaal")
        constraints = [
            models.UniqueConstraint(
                fields=["previous", "guardian"],
                condition=models.Q(guardian__isnull=False),
                name="portal_one_approval_per_guardian",
            ),
            models.UniqueConstraint(
                fields=["previous"],
                condition=models.Q(by_pupil=True),
                name="portal_one_approval_by_pupil",
            ),
        ]

    def __str__(self) -> str:
        return f"approval {self.pk}"
