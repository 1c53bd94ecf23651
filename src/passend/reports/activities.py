"""Processing activity of the reports module (register of AVG art. 30)."""

from django.utils.translation import gettext_lazy as _

from passend.privacy.activities import ProcessingActivity, declare

MANAGEMENT_INFORMATION = declare(
    ProcessingActivity(
        code="management_information",
        name=_("Managementinformatie en geanonimiseerde statistiek"),
        purpose=_(
            "Beschrijving, evaluatie en beleid van het samenwerkingsverband: doorlooptijden, "
            "aantallen en bedragen, zonder dat personen herleidbaar zijn (PRV-07, seed 000 §5 f)."
        ),
        legal_basis=_("AVG art. 89 en art. 6 lid 1 sub e; reglement art. 4.2 (seed 004)"),
        data_categories=(),
        retention=_("Niet bewaard: een rapportage wordt bij elke opvraag opnieuw berekend"),
    )
)
