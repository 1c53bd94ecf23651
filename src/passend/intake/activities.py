"""Processing activities of the digital application form (register of AVG art. 30)."""

from django.utils.translation import gettext_lazy as _

from passend.privacy.activities import ProcessingActivity, declare
from passend.privacy.categories import DataCategory

INTAKE = declare(
    ProcessingActivity(
        code="intake",
        name=_("Digitaal aanmeldformulier en intakewachtrij"),
        purpose=_(
            "Aanmeldingen van ouders en professionals zonder account ontvangen, beoordelen en "
            "aannemen als traject of afwijzen (seed 000 §5 module a)."
        ),
        legal_basis=_(
            "AVG art. 6 lid 1 sub e (publieke taak SWV, Wpo art. 18a / Wvo art. 17a); "
            "toestemming van de indiener voor de bijlagen (CON-01)"
        ),
        data_categories=tuple(DataCategory.values),
        retention=_(
            "1 jaar na de beslissing (PASSEND_INTAKE_RETENTION_DAYS, `intake_purge`); een "
            "aangenomen aanmelding leeft voort in het traject"
        ),
    )
)

INTAKE_FORM_ADMINISTRATION = declare(
    ProcessingActivity(
        code="intake_form_administration",
        name=_("Inrichting van aanmeldformulieren"),
        purpose=_("Vragen, gevraagde bijlagen en toestemmingstekst van een formulier beheren."),
        legal_basis=_("AVG art. 6 lid 1 sub e (publieke taak SWV)"),
        data_categories=(),
        retention=_("Zolang het formulier bestaat"),
    )
)

EXTERNAL_DELIVERY = declare(
    ProcessingActivity(
        code="external_delivery",
        name=_("Aanleveren door een externe partij via een persoonlijke link"),
        purpose=_(
            "Een partij zonder account (bijv. een jeugdhulpaanbieder) levert informatie aan in "
            "één traject, zonder iets van het traject te zien (CON-06)."
        ),
        legal_basis=_("Toestemming (CON-01) of een andere grondslag van het traject (CON-04)"),
        data_categories=tuple(DataCategory.values),
        retention=_("Die van het traject (PRV-06)"),
    )
)
