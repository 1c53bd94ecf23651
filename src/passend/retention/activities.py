"""Processing activities of retention (PRV-06)."""

from django.utils.translation import gettext_lazy as _

from passend.privacy.activities import ProcessingActivity, declare

RETENTION = declare(
    ProcessingActivity(
        code="retention",
        name=_("Bewaren en vernietigen van dossiers"),
        purpose=_(
            "Dossiers vernietigen wanneer de bewaartermijn is verstreken, behalve bij een "
            "bewaarplicht (legal hold); de vernietiging vastleggen zonder persoonsgegevens "
            "(PRV-06)."
        ),
        legal_basis=_("AVG art. 5 lid 1 sub e (opslagbeperking); privacyreglement art. 12"),
        data_categories=("ordinary",),
        retention=_("Vernietigingsverklaring: onbeperkt, zonder persoonsgegevens"),
    )
)
