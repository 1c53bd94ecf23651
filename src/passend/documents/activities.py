"""Processing activities of documents (DESIGN.md privacy core 2; register of AVG art. 30)."""

from django.utils.translation import gettext_lazy as _

from passend.privacy.activities import ProcessingActivity, declare
from passend.privacy.categories import DataCategory

DOCUMENT_MANAGEMENT = declare(
    ProcessingActivity(
        code="document_management",
        name=_("Documenten bij een traject"),
        purpose=_(
            "Verslagen en rapporten die voor de ondersteuning van een leerling nodig zijn, "
            "versleuteld bewaren en alleen delen met wie ze mag zien (ORG-04, CON-06); een BSN "
            "wordt vóór opslag gevonden en onkenbaar gemaakt (AGE-02)."
        ),
        legal_basis=_(
            "Wpo art. 18a / Wvo art. 17a; toestemming (CON-01) of een andere grondslag (CON-04)"
        ),
        data_categories=tuple(DataCategory.values),
        retention=_("3 jaar na afmelding van het traject (PRV-06)"),
    )
)
