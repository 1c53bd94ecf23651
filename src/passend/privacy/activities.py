"""Processing activities, declared in code (DESIGN.md privacy core 2).

Every access-log entry names one of these. The register of processing activities
(AVG art. 30) is generated from this list, never typed by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class ProcessingActivity:
    code: str
    name: str | Promise
    purpose: str | Promise
    legal_basis: str | Promise
    data_categories: tuple[str, ...] = field(default_factory=tuple)
    retention: str | Promise = ""


_REGISTRY: dict[str, ProcessingActivity] = {}


def declare(activity: ProcessingActivity) -> ProcessingActivity:
    if activity.code in _REGISTRY and _REGISTRY[activity.code] != activity:
        raise ValueError(f"Processing activity {activity.code!r} declared twice")
    _REGISTRY[activity.code] = activity
    return activity


def get(code: str) -> ProcessingActivity:
    try:
        return _REGISTRY[code]
    except KeyError:
        raise LookupError(f"Undeclared processing activity {code!r}") from None


def all_activities() -> list[ProcessingActivity]:
    return sorted(_REGISTRY.values(), key=lambda a: a.code)


AUTHENTICATION = declare(
    ProcessingActivity(
        code="authentication",
        name=_("Aanmelden en beveiliging"),
        purpose=_("Toegang tot het platform beveiligen met twee factoren (PRV-08)."),
        legal_basis=_("AVG art. 32 (beveiliging); gerechtvaardigd belang"),
        data_categories=("account",),
        retention=_("5 jaar (toegangslog)"),
    )
)
ACCOUNT_ADMINISTRATION = declare(
    ProcessingActivity(
        code="account_administration",
        name=_("Beheer van gebruikers en lidmaatschappen"),
        purpose=_("Vastleggen wie namens welke organisatie in welke rol werkt (ORG-02, ORG-05)."),
        legal_basis=_("AVG art. 6 lid 1 sub b en f"),
        data_categories=("account",),
        retention=_("Tot 5 jaar na het einde van het lidmaatschap"),
    )
)
API_ACCESS = declare(
    ProcessingActivity(
        code="api_access",
        name=_("Koppelingen via de API"),
        purpose=_("Uitwisseling met systemen van aangesloten organisaties via tokens."),
        legal_basis=_("Als de onderliggende verwerking"),
        data_categories=("account",),
        retention=_("5 jaar (toegangslog)"),
    )
)
CONFIGURATION = declare(
    ProcessingActivity(
        code="configuration",
        name=_("Beheer van de inrichting"),
        purpose=_(
            "Configureerbare regels (termijnen, gegevens per fase, vakanties, leeftijdsgrenzen) "
            "aanpassen, met een spoor van elke wijziging (DESIGN.md conventies)."
        ),
        legal_basis=_("AVG art. 5 lid 2 (verantwoordingsplicht)"),
        data_categories=("account",),
        retention=_("5 jaar (toegangslog)"),
    )
)
SUBJECT_RIGHTS = declare(
    ProcessingActivity(
        code="subject_rights",
        name=_("Rechten van betrokkenen en verstrekkingen"),
        purpose=_(
            "Verzoeken om inzage, rectificatie, verwijdering, beperking, bezwaar, klachten en "
            "menselijke blik afhandelen binnen de termijn, en verstrekkingen aan derden "
            "vastleggen (PRV-01..05)."
        ),
        legal_basis=_("AVG art. 6 lid 1 sub c (wettelijke plicht, AVG art. 12-22 en 30)"),
        data_categories=(
            "ordinary",
            "family",
            "behaviour",
            "absence",
            "health",
            "diagnostics",
        ),
        retention=_("5 jaar na het afhandelen van het verzoek"),
    )
)
