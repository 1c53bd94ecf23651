"""Processing activities of the arrangements module (register of AVG art. 30)."""

from django.utils.translation import gettext_lazy as _

from passend.privacy.activities import ProcessingActivity, declare
from passend.privacy.categories import DataCategory

ARRANGEMENTS = declare(
    ProcessingActivity(
        code="arrangements",
        name=_("Arrangementen (flexmodule / ECT) aanvragen, adviseren, besluiten en evalueren"),
        purpose=_(
            "Extra ondersteuning toewijzen in een door het SWV ingericht arrangement: aanvraag "
            "door de school, advies van het ECT, genummerd besluit met periode en bedrag, "
            "evaluatie en verlenging; budgetbewaking per schooljaar."
        ),
        legal_basis=_(
            "Wpo art. 18a / Wvo art. 17a; school aan SWV voor extra ondersteuning (CON-04)"
        ),
        data_categories=(DataCategory.ORDINARY, DataCategory.BEHAVIOUR),
        retention=_("Als het traject: 3 jaar na afloop van het arrangement (PRV-06)"),
    )
)
