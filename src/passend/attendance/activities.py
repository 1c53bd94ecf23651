"""Processing activities of the attendance module (register of AVG art. 30)."""

from django.utils.translation import gettext_lazy as _

from passend.privacy.activities import ProcessingActivity, declare
from passend.privacy.categories import DataCategory

ATTENDANCE = declare(
    ProcessingActivity(
        code="attendance",
        name=_("Verzuimregistratie en verzuimmeldingen"),
        purpose=_(
            "Ongeoorloofd verzuim signaleren en tijdig bij DUO melden; leerplicht laten "
            "handelen na een melding (ABS-01..03, CO-07)."
        ),
        legal_basis=_(
            "Leerplichtwet 1969 art. 21 en 21a (meldplicht school); Wpo/Wvo (administratie)"
        ),
        data_categories=(DataCategory.ORDINARY, DataCategory.ABSENCE),
        retention=_("Verzuimgegevens 5 jaar; trajecten 3 jaar na afmelding (PRV-06)"),
    )
)
HOME_STAY = declare(
    ProcessingActivity(
        code="home_stay",
        name=_("Registratie van thuiszitters"),
        purpose=_(
            "Thuiszitters in beeld houden tot er een passend aanbod is, en geanonimiseerd "
            "verantwoorden aan de Inspectie (ABS-04)."
        ),
        legal_basis=_("Wpo art. 18a / Wvo art. 17a (zorgplicht SWV); Leerplichtwet 1969"),
        data_categories=(DataCategory.ORDINARY, DataCategory.ABSENCE),
        retention=_("3 jaar na afmelding van het traject (PRV-06)"),
    )
)
