"""Processing activities of case consultation (register of AVG art. 30)."""

from django.utils.translation import gettext_lazy as _

from passend.privacy.activities import ProcessingActivity, declare
from passend.privacy.categories import DataCategory

CASE_CONSULTATION = declare(
    ProcessingActivity(
        code="case_consultation",
        name=_("Casusoverleg: agenda, verslagen, plan van aanpak en OPP"),
        purpose=_(
            "Met de direct betrokken partijen een casus bespreken, een gezamenlijk plan "
            "opstellen en volgen (1 kind 1 plan), opschalen als dat nodig is (CO-01..07)."
        ),
        legal_basis=_(
            "Wpo art. 18a / Wvo art. 17a; toestemming (CON-01) of een andere grondslag (CON-04); "
            "OPP: Wpo art. 40a / Wvo art. 26 (instemming handelingsdeel)"
        ),
        data_categories=tuple(DataCategory.values),
        retention=_("Zolang het traject wordt bewaard (PRV-06)"),
    )
)
