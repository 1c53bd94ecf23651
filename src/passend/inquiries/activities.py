"""Processing activities of the informatiepunt (register of AVG art. 30)."""

from django.utils.translation import gettext_lazy as _

from passend.privacy.activities import ProcessingActivity, declare
from passend.privacy.categories import DataCategory

INFORMATION_DESK = declare(
    ProcessingActivity(
        code="information_desk",
        name=_("Informatiepunt: vragen en klachten"),
        purpose=_(
            "Vragen en klachten van ouders en professionals registreren, toewijzen, "
            "beantwoorden of doorverwijzen en de antwoordtermijn bewaken (INF-01)."
        ),
        legal_basis=_("AVG art. 6 lid 1 sub e (publieke taak SWV, Wpo art. 18a / Wvo art. 17a)"),
        data_categories=(DataCategory.ORDINARY,),
        retention=_("2 jaar na het sluiten van de vraag of klacht"),
    )
)
