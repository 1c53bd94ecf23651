"""Processing activities of case work (DESIGN.md privacy core 2; register of AVG art. 30)."""

from django.utils.translation import gettext_lazy as _

from passend.privacy.activities import ProcessingActivity, declare
from passend.privacy.categories import DataCategory

CASE_MANAGEMENT = declare(
    ProcessingActivity(
        code="case_management",
        name=_("Trajectbegeleiding passend onderwijs"),
        purpose=_(
            "Passende ondersteuning voor een leerling organiseren met de direct betrokken "
            "partijen (ORG-04, CO-01)."
        ),
        legal_basis=_(
            "Wpo art. 18a / Wvo art. 17a; toestemming (CON-01) of een andere grondslag (CON-04)"
        ),
        data_categories=tuple(DataCategory.values),
        retention=_("3 jaar na afmelding van het traject (PRV-06)"),
    )
)
CONSENT_ADMINISTRATION = declare(
    ProcessingActivity(
        code="consent_administration",
        name=_("Vastleggen van toestemming en grondslagen"),
        purpose=_("Aantonen op welke grond gegevens worden gedeeld (CON-01..05)."),
        legal_basis=_("AVG art. 7 lid 1 (aantonen toestemming); art. 5 lid 2"),
        data_categories=(DataCategory.ORDINARY, DataCategory.FAMILY),
        retention=_("Zolang het traject wordt bewaard (PRV-06)"),
    )
)
PRIVACY_SUPERVISION = declare(
    ProcessingActivity(
        code="privacy_supervision",
        name=_("Toezicht door de functionaris gegevensbescherming"),
        purpose=_(
            "De FG beoordeelt besluiten over zwaarwegend belang en het toegangslog (CON-05, ORG-02)."
        ),
        legal_basis=_("AVG art. 38 en 39 (taken van de FG)"),
        data_categories=(DataCategory.ORDINARY,),
        retention=_("5 jaar (toegangslog)"),
    )
)
