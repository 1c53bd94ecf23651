"""The demo region "Groningen Stad": fictitious organisations and one login per role (ORG-01/02).

Everything here is made up: names carry "(demo)", e-mail addresses end in ``example.invalid``
and BRIN codes start with 99. The loader is idempotent: a second run finds every row by its
natural key and changes nothing. Secrets are derived deterministically from the username, so
the printed logins stay valid after a database reset — and are public: never load the demo
into a production database (``load_demo`` refuses unless told otherwise).

The loader is built from parts, each a function that takes the ``DemoRegion`` built so far
and adds to it. To extend the demo (pupils, cases, …) write another ``load_*`` function and
add it to ``PARTS``; look organisations up with ``region.org("swv_vo")`` and users with
``region.users["ib-po"]``.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.db import models, transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from passend.accounts.models import (
    Membership,
    Organisation,
    OrganisationKind,
    Role,
    SchoolType,
    Sector,
    User,
)
from passend.accounts.services import BACKUP_CODE_COUNT
from passend.privacy.context import AccessContext
from passend.privacy.services import record_access

DEMO_PASSWORD = "Passend-demo-2026!"  # noqa: S105 - printed on purpose: demo accounts only
DEMO_EMAIL_DOMAIN = "example.invalid"
DEMO_REGION_NAME = "Groningen Stad"
# Memberships start at the beginning of a school year in the past, so they are current.
DEMO_VALID_FROM = date(2024, 8, 1)
TOTP_DEVICE_NAME = "Demo-authenticator"
# Same name as passend.accounts.services uses, so renewing codes in the app replaces these.
BACKUP_DEVICE_NAME = "Reservecodes"

# --- Helpers --------------------------------------------------------------------------------


def upsert[M: models.Model](
    model: type[M], lookup: dict[str, Any], values: dict[str, Any]
) -> tuple[M, bool]:
    """Finds a row by its natural key and brings it to ``values``, saving only what differs.

    Returns ``(obj, changed)``. Unlike ``update_or_create`` it does not write an unchanged row,
    so a second demo run leaves the database exactly as it was.
    """
    obj, created = model._default_manager.get_or_create(**lookup, defaults=values)
    if created:
        return obj, True
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=changed)
    return obj, bool(changed)


def _derive(purpose: str, username: str, length: int) -> bytes:
    return hashlib.sha256(f"passend-demo:{purpose}:{username}".encode()).digest()[:length]


def demo_totp_key(username: str) -> str:
    """Hex TOTP key (20 bytes), derived from the username: stable across database resets."""
    return _derive("totp", username, 20).hex()


def demo_backup_codes(username: str) -> list[str]:
    """Backup codes in the format of ``StaticToken.random_token`` (8 lowercase base32)."""
    return [
        base64.b32encode(_derive(f"backup-{i}", username, 5)).decode().lower()
        for i in range(BACKUP_CODE_COUNT)
    ]


def demo_password_hash() -> str:
    """One hash with a fixed salt for every demo user: one slow hash per run, and comparing
    strings tells whether a password must be (re)set. The password is public anyway."""
    return make_password(DEMO_PASSWORD, salt="passenddemo2026")


def base32_secret(hex_key: str) -> str:
    """The secret as an authenticator app wants it typed: base32, in groups of four."""
    secret = base64.b32encode(bytes.fromhex(hex_key)).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


# --- Result ---------------------------------------------------------------------------------


@dataclass
class DemoLogin:
    username: str
    full_name: str
    memberships: list[str]
    totp_secret: str
    backup_codes: list[str]
    is_superuser: bool = False


@dataclass
class DemoRegion:
    """What the loader built so far; every part adds to it."""

    organisations: dict[str, Organisation] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    logins: list[DemoLogin] = field(default_factory=list)
    changes: int = 0  # rows created or changed by this run
    # Extra lines for the printed instructions, added by later parts (e.g. the portal sign-in).
    notes: list[str] = field(default_factory=list)

    def org(self, key: str) -> Organisation:
        return self.organisations[key]


# --- Part 1: organisations (ORG-01) -------------------------------------------------------

# key -> (name, kind, extra fields). Schools are found by BRIN + vestiging, others by name.
ORGANISATIONS: list[tuple[str, str, str, dict[str, Any]]] = [
    ("swv_vo", "SWV VO Groningen Stad (demo)", OrganisationKind.SWV, {"sector": Sector.VO}),
    ("swv_po", "SWV PO Groningen Stad (demo)", OrganisationKind.SWV, {"sector": Sector.PO}),
    ("cva", "Commissie van Advies Groningen Stad (demo)", OrganisationKind.ADVISORY_COMMITTEE, {}),
    ("board", "Stichting Stadsscholen Groningen (demo)", OrganisationKind.SCHOOL_BOARD, {}),
    (
        "school_po_a",
        "Basisschool De Zonnewijzer (demo)",
        OrganisationKind.SCHOOL,
        {"sector": Sector.PO, "school_type": SchoolType.REGULAR, "brin": "99XA", "swv": "swv_po"},
    ),
    (
        "school_po_b",
        "Basisschool Het Kompas (demo)",
        OrganisationKind.SCHOOL,
        {"sector": Sector.PO, "school_type": SchoolType.REGULAR, "brin": "99XB", "swv": "swv_po"},
    ),
    (
        "school_vo",
        "Lyceum De Zuiderhaven (demo)",
        OrganisationKind.SCHOOL,
        {"sector": Sector.VO, "school_type": SchoolType.REGULAR, "brin": "99XC", "swv": "swv_vo"},
    ),
    (
        "school_vso",
        "VSO De Uitkijk (demo)",
        OrganisationKind.SCHOOL,
        {"sector": Sector.VO, "school_type": SchoolType.VSO, "brin": "99XD", "swv": "swv_vo"},
    ),
    ("municipality", "Gemeente Groningen (demo)", OrganisationKind.MUNICIPALITY, {}),
    ("ggd", "GGD Groningen (demo)", OrganisationKind.GGD, {}),
    ("wij", "WIJ Groningen (demo)", OrganisationKind.NEIGHBOURHOOD_TEAM, {}),
    ("youth_care", "Jeugdhulp De Noorderzon (demo)", OrganisationKind.YOUTH_CARE_PROVIDER, {}),
]
TOWN = "Groningen"


def load_organisations(region: DemoRegion) -> None:
    """The two SWVs, their shared CvA, a board with four schools (one VSO) and the partners."""
    for key, name, kind, extra in ORGANISATIONS:
        values: dict[str, Any] = {"name": name, "kind": kind, "town": TOWN, "is_active": True}
        values.update(extra)
        if kind == OrganisationKind.SCHOOL:
            values["swv"] = region.org(values["swv"])
            values["board"] = region.org("board")
            values.setdefault("vestiging", "00")
            lookup = {"brin": values.pop("brin"), "vestiging": values.pop("vestiging")}
        else:
            lookup = {"name": values.pop("name"), "kind": kind}
            values.pop("kind")
        obj, changed = upsert(Organisation, lookup, values)
        obj.full_clean()
        region.organisations[key] = obj
        region.changes += changed
    cva = region.org("cva")
    served = set(cva.served_swvs.values_list("pk", flat=True))
    for swv in (region.org("swv_vo"), region.org("swv_po")):
        if swv.pk not in served:
            cva.served_swvs.add(swv)
            region.changes += 1


# --- Part 2: users, one per role (ORG-02), with a confirmed second factor (PRV-08) ----------

# username, first name, last name, [(organisation key, role, function title)], superuser
DEMO_USERS: list[tuple[str, str, str, list[tuple[str, str, str]], bool]] = [
    (
        "ib-po",
        "Ilse",
        "Brouwer",
        [("school_po_a", Role.SUPPORT_COORDINATOR, "Intern begeleider")],
        False,
    ),
    (
        "zoco-vo",
        "Sander",
        "Kuipers",
        [("school_vo", Role.SUPPORT_COORDINATOR, "Zorgcoördinator")],
        False,
    ),
    (
        "zoco-vso",
        "Yvonne",
        "Brouwer",
        [("school_vso", Role.SUPPORT_COORDINATOR, "Zorgcoördinator VSO")],
        False,
    ),
    ("bestuur", "Bert", "Smit", [("board", Role.SCHOOL_BOARD, "Bestuurder")], False),
    ("cva-secretaris", "Carla", "Mulder", [("cva", Role.CVA_SECRETARY, "Secretaris")], False),
    ("cva-voorzitter", "Pieter", "Dijkstra", [("cva", Role.CVA_CHAIR, "Voorzitter")], False),
    (
        "cva-arts",
        "Anna",
        "Visser",
        [("cva", Role.CVA_MEDICAL_SPECIALIST, "Jeugdarts (CvA)")],
        False,
    ),
    (
        "cva-maatschappelijk",
        "Marco",
        "Hoekstra",
        [("cva", Role.CVA_SOCIAL_WORKER, "Maatschappelijk werker")],
        False,
    ),
    ("ect", "Eva", "Bos", [("swv_vo", Role.ECT_MEMBER, "Orthopedagoog ECT")], False),
    ("directeur-swv", "Dirk", "Meijer", [("swv_vo", Role.SWV_DIRECTOR, "Directeur")], False),
    (
        "informatiepunt",
        "Ingrid",
        "de Vries",
        [("swv_po", Role.INFORMATION_DESK, "Medewerker informatiepunt")],
        False,
    ),
    (
        "leerplicht",
        "Lars",
        "Jansen",
        [("municipality", Role.ATTENDANCE_OFFICER, "Leerplichtambtenaar")],
        False,
    ),
    ("jeugdarts", "Gerda", "Postma", [("ggd", Role.GGD_PROFESSIONAL, "Jeugdarts")], False),
    (
        "wij",
        "Wouter",
        "Veenstra",
        [("wij", Role.NEIGHBOURHOOD_TEAM_WORKER, "Generalist WIJ-team")],
        False,
    ),
    (
        "jeugdhulp",
        "Joke",
        "Wierenga",
        [("youth_care", Role.YOUTH_CARE_PROFESSIONAL, "Jeugdhulpverlener")],
        False,
    ),
    (
        "gedrag",
        "Gijs",
        "Bakker",
        [("swv_po", Role.BEHAVIOUR_EXPERT, "Gedragswetenschapper")],
        False,
    ),
    ("fg", "Femke", "Zijlstra", [("swv_vo", Role.PRIVACY_OFFICER, "FG")], False),
    # Two memberships: shows the chooser of the acting organisation and role (ORG-02).
    (
        "dubbelrol",
        "Dana",
        "Koster",
        [
            ("school_vo", Role.BEHAVIOUR_EXPERT, "Gedragsdeskundige"),
            ("swv_vo", Role.BEHAVIOUR_EXPERT, "Gedragsdeskundige ECT"),
        ],
        False,
    ),
    (
        "beheer",
        "Bea",
        "Heeres",
        [("swv_vo", Role.FUNCTIONAL_ADMIN, "Functioneel beheerder")],
        True,
    ),
]


def _load_user(
    region: DemoRegion,
    username: str,
    first_name: str,
    last_name: str,
    memberships: list[tuple[str, str, str]],
    superuser: bool,
    password_hash: str,
) -> None:
    context = AccessContext.system(trace_id="load_demo")
    user, changed = upsert(
        User,
        {"username": username},
        {
            "first_name": first_name,
            "last_name": f"{last_name} (demo)",
            "email": f"{username}@{DEMO_EMAIL_DOMAIN}",
            "is_active": True,
            "is_staff": superuser,
            "is_superuser": superuser,
        },
    )
    if user.password != password_hash:
        validate_password(DEMO_PASSWORD, user)
        user.password = password_hash
        user.save(update_fields=["password"])
        changed = True
    labels = []
    for org_key, role, title in memberships:
        membership, m_changed = upsert(
            Membership,
            {"user": user, "organisation": region.org(org_key), "role": role},
            {"function_title": title, "is_active": True, "valid_from": DEMO_VALID_FROM},
        )
        membership.full_clean()  # the role must fit the organisation kind (ORG-02)
        changed = changed or m_changed
        labels.append(str(membership))

    key = demo_totp_key(username)
    totp, t_changed = upsert(
        TOTPDevice,
        {"user": user, "name": TOTP_DEVICE_NAME},
        {"key": key, "confirmed": True},
    )
    static, s_changed = upsert(
        StaticDevice, {"user": user, "name": BACKUP_DEVICE_NAME}, {"confirmed": True}
    )
    codes = demo_backup_codes(username)
    existing = set(static.token_set.values_list("token", flat=True))
    if existing != set(codes):
        static.token_set.exclude(token__in=codes).delete()
        StaticToken.objects.bulk_create(
            [StaticToken(device=static, token=c) for c in codes if c not in existing]
        )
        s_changed = True
    changed = changed or t_changed or s_changed

    if changed:
        region.changes += 1
        record_access(
            context, action="demo_account_loaded", activity="account_administration", obj=user
        )
    region.users[username] = user
    region.logins.append(
        DemoLogin(
            username=username,
            full_name=user.get_full_name(),
            memberships=labels,
            totp_secret=base32_secret(totp.key),
            backup_codes=codes,
            is_superuser=superuser,
        )
    )


def load_users(region: DemoRegion) -> None:
    """One login per role of ORG-02, one user with two memberships, and the superuser."""
    password_hash = demo_password_hash()
    for username, first_name, last_name, memberships, superuser in DEMO_USERS:
        _load_user(region, username, first_name, last_name, memberships, superuser, password_hash)


# --- Running and printing -------------------------------------------------------------------

# The parts, in order. Later parts may use what earlier ones put in the region.
PARTS: list[Callable[[DemoRegion], None]] = [load_organisations, load_users]


def register_part(part: Callable[[DemoRegion], None]) -> None:
    """Lets a later app add its demo data (from its AppConfig.ready), keeping imports one-way."""
    if part not in PARTS:
        PARTS.append(part)


def load_demo() -> DemoRegion:
    """Loads every part in one transaction: all of the demo, or nothing."""
    region = DemoRegion()
    with transaction.atomic():
        for part in PARTS:
            part(region)
    return region


def format_logins(region: DemoRegion) -> str:
    lines = [
        f"Demoregio {DEMO_REGION_NAME} — fictieve organisaties en gebruikers.",
        "Aanmelden op /accounts/login/ met gebruikersnaam en wachtwoord, daarna een code uit",
        "een authenticator-app (voeg de TOTP-sleutel toe) of een van de reservecodes.",
        "Een reservecode werkt één keer; `manage.py load_demo` zet ze terug.",
        "",
        f"Wachtwoord voor alle demogebruikers: {DEMO_PASSWORD}",
        "",
    ]
    for login in region.logins:
        suffix = " [superuser]" if login.is_superuser else ""
        lines.append(f"{login.username} — {login.full_name}{suffix}")
        lines.extend(f"    {label}" for label in login.memberships)
        lines.append(f"    TOTP-sleutel (base32): {login.totp_secret}")
        lines.append(f"    Reservecodes: {' '.join(login.backup_codes)}")
        lines.append("")
    lines.extend(region.notes)
    return "\n".join(lines)
