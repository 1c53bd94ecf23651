"""Processing activities of the parent and youth portal (register of AVG art. 30)."""

from django.utils.translation import gettext_lazy as _

from passend.privacy.activities import ProcessingActivity, declare
from passend.privacy.categories import ALL_CATEGORIES

RIGHTS_HOLDER_PORTAL = declare(
    ProcessingActivity(
        code="rights_holder_portal",
        name=_("Ouder- en jongerenportaal"),
        purpose=_(
            "Ouders met gezag en jongeren laten zien welke gegevens over hen of hun kind worden "
            "verwerkt en wie die inzag, en hen toestemming laten geven of intrekken, een "
            "zienswijze laten geven en verzoeken laten indienen (AVG art. 12-22, AGE-03, PRV-01)."
        ),
        legal_basis=_("AVG art. 6 lid 1 sub c (wettelijke plicht: rechten van betrokkenen)"),
        data_categories=tuple(sorted(ALL_CATEGORIES)),
        retention=_("Als het traject; aanmeldpogingen 30 dagen; toegangslog 5 jaar"),
    )
)
PORTAL_SIGN_IN = declare(
    ProcessingActivity(
        code="portal_sign_in",
        name=_("Aanmelden in het ouder- en jongerenportaal"),
        purpose=_("Vaststellen dat de ouder of jongere het opgegeven e-mailadres beheert."),
        legal_basis=_("AVG art. 32 (beveiliging); art. 12 lid 6 (identiteit verzoeker)"),
        data_categories=("account",),
        retention=_("Aanmeldpogingen 30 dagen; toegangslog 5 jaar"),
    )
)
