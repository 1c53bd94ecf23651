"""Processing activities of the pupils app (DESIGN.md privacy core 2).

Imported from ``PupilsConfig.ready()`` so they are declared before any request or task runs.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from passend.privacy.activities import ProcessingActivity, declare

PUPIL_ADMINISTRATION = declare(
    ProcessingActivity(
        code="pupil_administration",
        name=_("Leerlingadministratie"),
        purpose=_(
            "Vastleggen welke leerling op welke school staat ingeschreven, met ouders/verzorgers "
            "en gezag, zodat ondersteuning kan worden aangevraagd en de privacyrechten per "
            "leeftijd kunnen worden bepaald (AGE-01, AGE-03). Gegevens komen van de school "
            "(handmatig of uit de leerlingadministratie) of van ouders en leerling (PRV-09). "
            "Nooit een BSN (AGE-02)."
        ),
        legal_basis=_("Wpo art. 18a / Wvo art. 17a (passend onderwijs); AVG art. 6 lid 1 sub e"),
        data_categories=("ordinary", "family"),
        retention=_(
            "Zolang de leerling is ingeschreven of een traject loopt, daarna volgens het "
            "bewaarbeleid"
        ),
    )
)

AGE_POLICY_ADMINISTRATION = declare(
    ProcessingActivity(
        code="age_policy_administration",
        name=_("Beheer van de leeftijdsregels voor privacyrechten"),
        purpose=_(
            "Vastleggen vanaf welke leeftijd kind en ouders de privacyrechten uitoefenen (AGE-03); "
            "elke wijziging wordt gelogd."
        ),
        legal_basis=_("AVG art. 5 lid 2 (verantwoordingsplicht)"),
        data_categories=("account",),
        retention=_("5 jaar (toegangslog)"),
    )
)
