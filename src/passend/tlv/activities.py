"""Processing activities of the TLV procedure (register of AVG art. 30)."""

from django.utils.translation import gettext_lazy as _

from passend.privacy.activities import ProcessingActivity, declare
from passend.privacy.categories import DataCategory

TLV_PROCEDURE = declare(
    ProcessingActivity(
        code="tlv_procedure",
        name=_("Toelaatbaarheidsverklaring (TLV) aanvragen, adviseren en besluiten"),
        purpose=_(
            "Beoordelen of een leerling toelaatbaar is tot SBO, SO of VSO: aanvraag door het "
            "bevoegd gezag, advies van de Commissie van Advies, besluit van het SWV, bezwaar "
            "(TLV-01..13)."
        ),
        legal_basis=_("Wpo art. 18a / Wvo art. 17a; school aan SWV voor TLV (CON-04)"),
        data_categories=tuple(DataCategory.values),
        retention=_("3 jaar na afloop van de beoordeling en de schriftelijke afhandeling (PRV-06)"),
    )
)
TLV_DUO_EXPORT = declare(
    ProcessingActivity(
        code="tlv_duo_export",
        name=_("Gegevens voor de registratie van de TLV bij DUO"),
        purpose=_(
            "De ontvangende school registreert nummer, start, einde, categorie en soort van de "
            "TLV bij DUO (TLV-11); zonder BSN (AGE-02)."
        ),
        legal_basis=_("Wpo art. 18a / Wvo art. 17a; registratie in BRON/ROD"),
        data_categories=(DataCategory.ORDINARY,),
        retention=_("Niet bewaard: het bestand wordt alleen aangemaakt en gedownload"),
    )
)
