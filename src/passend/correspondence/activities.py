"""Processing activities of correspondence (register of AVG art. 30)."""

from django.utils.translation import gettext_lazy as _

from passend.privacy.activities import ProcessingActivity, declare
from passend.privacy.categories import DataCategory

CORRESPONDENCE = declare(
    ProcessingActivity(
        code="correspondence",
        name=_("Beveiligde berichten en brieven binnen een traject"),
        purpose=_(
            "Deelnemers van een traject, en het SWV/de CvA met aanvragende scholen, wisselen "
            "berichten en brieven uit in de beveiligde omgeving; e-mails melden alleen dat er "
            "iets klaarstaat (CO-04)."
        ),
        legal_basis=_("Als de grondslag van het traject: toestemming (CON-01) of wettelijke taak"),
        data_categories=tuple(DataCategory.values),
        retention=_("Zolang het traject wordt bewaard (PRV-06)"),
    )
)
