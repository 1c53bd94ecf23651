"""A fictitious region for benchmarks and tests: ``manage.py generate_region --scale ...``.

Deterministic (one seed drives every choice; all dates hang off a fixed anchor), fast (bulk
inserts: COPY on PostgreSQL, ``executemany`` on SQLite, ids set explicitly and sequences reset
afterwards) and structured per part: each model group is one function registered with
``register_part``. Modules that arrive later (documents, TLVs, meetings, absence) add their
own part from their AppConfig.ready without touching this file::

    from passend.cases import generator

    @generator.register_part("absence", after="cases")
    def generate_absence(g: generator.Generator) -> None:
        g.copy(AbsenceLine, ["id", "case_id", ...], rows)

Everything here is invented: names are combinations from short lists, no value resembles a
BSN, and every user of the region shares one documented benchmark password (``PASSWORD``).
Never run this against a production database: the command refuses a database that already
holds organisations, users, pupils or cases.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, models, transaction

from passend.accounts.models import (
    Membership,
    Organisation,
    OrganisationKind,
    Role,
    SchoolType,
    Sector,
    User,
)
from passend.cases.models import (
    PHASE_ORDER,
    PHASES_WITH_PLAN,
    Case,
    CaseEntry,
    CaseKind,
    Hearing,
    Participant,
    Phase,
    PhaseChange,
)
from passend.consent.models import Consent, ConsentMethod, LegalBasis, LegalGround
from passend.privacy import chain
from passend.privacy.categories import DataCategory
from passend.privacy.chain import GENESIS_HASH
from passend.privacy.models import AccessLogEntry, AccessLogSeal
from passend.privacy.services import SEAL_BLOCK_SIZE, seal_access_log
from passend.pupils.models import Enrolment, Guardian, Pupil

# The password of every generated user (fictitious data only; documented in docs/performance.md).
PASSWORD = "Passend-Bench-2026!"  # noqa: S105 - fictitious benchmark users only
# Every date of the region hangs off this moment, so that two runs with one seed are identical.
ANCHOR = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
_PSEUDONYM_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True)
class Scale:
    """Sizes of one region. ``large`` is the design target of DESIGN.md "Scale"."""

    name: str
    swvs: int
    schools: int
    pupils: int
    cases: int
    users: int
    access_log: int
    # Parts of modules that add themselves later (see the module docstring).
    documents: int = 0
    tlvs: int = 0
    meetings: int = 0
    absence_lines: int = 0


SCALES: dict[str, Scale] = {
    "tiny": Scale("tiny", 1, 2, 200, 100, 30, 2_000, 500, 40, 2, 4_000),
    "small": Scale("small", 5, 3, 1_000, 500, 15, 100_000, 2_500, 200, 5, 20_000),
    "large": Scale(
        "large", 5, 300, 100_000, 50_000, 1_500, 10_000_000, 250_000, 20_000, 500, 2_000_000
    ),
}

FIRST_NAMES = [
    "Daan",
    "Sem",
    "Lucas",
    "Levi",
    "Finn",
    "Milan",
    "Noah",
    "Luuk",
    "Bram",
    "Jesse",
    "Thijs",
    "Sven",
    "Mees",
    "Gijs",
    "Ruben",
    "Julian",
    "Emma",
    "Julia",
    "Mila",
    "Tess",
    "Sophie",
    "Zoë",
    "Sara",
    "Nora",
    "Evi",
    "Lotte",
    "Fleur",
    "Anna",
    "Liv",
    "Noor",
    "Saar",
    "Isa",
    "Yara",
    "Fenna",
    "Amira",
    "Mohammed",
    "Ayoub",
    "Ilias",
    "Selin",
    "Elif",
    "Kenji",
    "Mirte",
    "Jip",
    "Roos",
    "Femke",
    "Stijn",
    "Wout",
]
LAST_NAMES = [
    "Jansen",
    "Visser",
    "Smit",
    "Meijer",
    "Bos",
    "Mulder",
    "Vos",
    "Peters",
    "Hendriks",
    "Dekker",
    "Brouwer",
    "Dijkstra",
    "Kok",
    "Willems",
    "Verbeek",
    "Koster",
    "Prins",
    "Huisman",
    "Postma",
    "Kuipers",
    "Schouten",
    "Veenstra",
    "Hoekstra",
    "Bakker",
    "Vermeulen",
    "Maas",
    "Kramer",
    "Wolters",
    "Jacobs",
    "Hermans",
    "Sahin",
    "Yilmaz",
    "ElAmrani",
    "Bouzid",
    "Nguyen",
    "Tan",
    "Haverkamp",
    "Scholten",
    "Timmer",
    "Groen",
    "Boer",
    "Veldman",
    "Lammers",
    "Kroon",
    "Zwart",
    "Hofman",
]
PREFIXES = ("", "", "", "", "van", "de", "van der", "van den", "ter")
TOWNS = [
    "Groningen",
    "Assen",
    "Emmen",
    "Zwolle",
    "Deventer",
    "Meppel",
    "Leeuwarden",
    "Sneek",
    "Hoogeveen",
    "Veendam",
    "Winschoten",
    "Drachten",
    "Heerenveen",
    "Kampen",
    "Coevorden",
]
ENTRY_TITLES = (
    "Gesprek met ouders",
    "Observatie in de klas",
    "Verslag mentor",
    "Afspraken ondersteuning",
    "Terugkoppeling wijkteam",
    "Evaluatie doelen",
    "Notitie overleg",
    "Verzuimoverzicht",
)
ENTRY_BODY = (
    "Besproken: de voortgang, de aanpak in de klas en wat thuis helpt. Afgesproken dat de "
    "mentor wekelijks kort terugkoppelt en dat we over zes weken evalueren. "
)

# Kind mix and phase mix of the cases (weights).
KIND_WEIGHTS: list[tuple[str, int]] = [
    (CaseKind.SUPPORT, 40),
    (CaseKind.CONSULTATION, 15),
    (CaseKind.TLV, 15),
    (CaseKind.ARRANGEMENT, 15),
    (CaseKind.ATTENDANCE, 10),
    (CaseKind.HOME_STAY, 5),
]
PHASE_WEIGHTS: list[tuple[str, int]] = [
    (Phase.INTAKE, 12),
    (Phase.ASSESSMENT, 12),
    (Phase.PLAN, 14),
    (Phase.MONITORING, 18),
    (Phase.EVALUATION, 8),
    (Phase.AFTERCARE, 6),
    (Phase.CLOSED, 30),
]


@dataclass
class Person:
    user_id: int
    username: str
    organisation_id: int
    role: str


@dataclass
class CaseInfo:
    """What later parts (access log, modules) need to know about a generated case."""

    id: int
    kind: str
    phase: str
    pupil_id: int | None
    owner_id: int
    school_id: int
    opened_at: datetime
    participants: list[Person] = field(default_factory=list)
    subject: str = ""


PartFunction = Callable[["Generator"], None]


@dataclass
class Part:
    name: str
    function: PartFunction
    after: str


_PARTS: list[Part] = []


def register_part(name: str, *, after: str = "") -> Callable[[PartFunction], PartFunction]:
    """Adds a generator part; ``after`` names the part it must run after (default: last)."""

    def wrap(function: PartFunction) -> PartFunction:
        if any(p.name == name for p in _PARTS):
            raise ValueError(f"generator part {name!r} registered twice")
        _PARTS.append(Part(name, function, after))
        return function

    return wrap


def ordered_parts() -> list[Part]:
    """Registration order, except that a part with ``after`` runs after that part."""
    result: list[Part] = []
    pending = list(_PARTS)
    while pending:
        progressed = False
        for part in list(pending):
            if not part.after or any(p.name == part.after for p in result):
                result.append(part)
                pending.remove(part)
                progressed = True
        if not progressed:
            missing = ", ".join(f"{p.name} (after {p.after})" for p in pending)
            raise ValueError(f"generator parts wait for unknown parts: {missing}")
    return result


class Generator:
    """Holds the seeded random source, the ids handed out so far and the bulk writer."""

    def __init__(self, scale: Scale, *, seed: int = 2026, out: Any = None) -> None:
        self.scale = scale
        self.seed = seed
        self.rng = random.Random(seed)  # noqa: S311 - fictitious data, reproducible on purpose
        self.out = out
        self.timings: dict[str, float] = {}
        self.counts: dict[str, int] = {}
        self.vendor = connection.vendor
        self._next_ids: dict[type[models.Model], int] = {}
        self._touched: list[type[models.Model]] = []
        # Filled by the parts, read by later ones.
        self.swvs: list[Organisation] = []
        self.boards: list[Organisation] = []
        self.schools: list[Organisation] = []
        self.cvas: list[Organisation] = []
        self.partners: dict[str, list[Organisation]] = {}
        self.people_by_org: dict[int, list[Person]] = {}
        self.people_by_role: dict[str, list[Person]] = {}
        self.pupils_by_school: dict[int, list[int]] = {}
        self.pupil_birth: dict[int, date] = {}
        self.guardian_of: dict[int, int] = {}
        self.cases: list[CaseInfo] = []
        self.superuser_id: int | None = None

    # --- Infrastructure ------------------------------------------------------------------------

    def say(self, message: str) -> None:
        if self.out is not None:
            self.out.write(message + "\n")
            self.out.flush()

    def new_ids(self, model: type[models.Model], count: int) -> range:
        """``count`` fresh primary keys for ``model`` (after the current maximum)."""
        if model not in self._next_ids:
            current = model._default_manager.aggregate(m=models.Max("pk"))["m"] or 0
            self._next_ids[model] = current + 1
        start = self._next_ids[model]
        self._next_ids[model] = start + count
        if model not in self._touched:
            self._touched.append(model)
        return range(start, start + count)

    def copy(
        self, model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> int:
        """Bulk-inserts rows (values in the order of ``fields``, which are column names)."""
        table = model._meta.db_table
        count = 0
        if self.vendor == "postgresql":
            raw = connection.connection  # the psycopg 3 connection
            columns = ", ".join(connection.ops.quote_name(f) for f in fields)
            with (
                raw.cursor() as cursor,
                cursor.copy(
                    f"COPY {connection.ops.quote_name(table)} ({columns}) FROM STDIN"
                ) as cp,
            ):
                for row in rows:
                    cp.write_row(row)
                    count += 1
        else:
            columns = ", ".join(connection.ops.quote_name(f) for f in fields)
            marks = ", ".join("?" for _ in fields)
            sql = f"INSERT INTO {connection.ops.quote_name(table)} ({columns}) VALUES ({marks})"  # noqa: S608 - quoted model names
            raw_sqlite = connection.connection
            batch: list[tuple[Any, ...]] = []
            for row in rows:
                batch.append(tuple(_sqlite_value(v) for v in row))
                if len(batch) >= 20_000:
                    raw_sqlite.executemany(sql, batch)
                    count += len(batch)
                    batch = []
            if batch:
                raw_sqlite.executemany(sql, batch)
                count += len(batch)
        self.counts[table] = self.counts.get(table, 0) + count
        if model not in self._touched:
            self._touched.append(model)
        return count

    @contextmanager
    def indexes_deferred(
        self, model: type[models.Model], *, primary_key: bool = False
    ) -> Iterator[None]:
        """Drop the secondary indexes and unique constraints of ``model``'s table, load, and
        build them again in one pass (much faster than maintaining them row by row for
        millions of rows). All in the part's transaction.

        ``primary_key`` (PostgreSQL): the primary key as well, with the foreign keys that
        point at it, for a key that is not a sequence (the absence records' hashed key, whose
        B-tree would otherwise take each of millions of rows at a random place). Its
        referencing tables are checked again when their keys come back: load them after."""
        table = model._meta.db_table
        qn = connection.ops.quote_name
        if self.vendor == "sqlite":
            with self._sqlite_indexes_deferred(table):
                yield
            return
        if self.vendor != "postgresql":
            yield
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = ANY(%s) ORDER BY contype",
                [table, ["p", "u"] if primary_key else ["u"]],
            )
            constraints = cursor.fetchall()
            referencing: list[tuple[str, str, str]] = []
            if primary_key:
                cursor.execute(
                    "SELECT c.relname, con.conname, pg_get_constraintdef(con.oid) "
                    "FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid "
                    "WHERE con.confrelid = %s::regclass AND con.contype = 'f'",
                    [table],
                )
                referencing = cursor.fetchall()
            for other, name, _definition in referencing:
                cursor.execute(f"ALTER TABLE {qn(other)} DROP CONSTRAINT {qn(name)}")
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname "
                "NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
                [table, table],
            )
            indexes = cursor.fetchall()
            for name, _definition in constraints:
                cursor.execute(f"ALTER TABLE {qn(table)} DROP CONSTRAINT {qn(name)}")
            for name, _definition in indexes:
                cursor.execute(f"DROP INDEX {qn(name)}")
        yield
        started = time.perf_counter()
        with connection.cursor() as cursor:
            # The loaded rows' foreign keys are checked now: PostgreSQL refuses to ALTER a table
            # with pending (deferred) trigger events.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for name, definition in constraints:
                cursor.execute(f"ALTER TABLE {qn(table)} ADD CONSTRAINT {qn(name)} {definition}")
            for _name, definition in indexes:
                cursor.execute(definition)
            for other, name, definition in referencing:
                cursor.execute(f"ALTER TABLE {qn(other)} ADD CONSTRAINT {qn(name)} {definition}")
            # Back to Django's default (its foreign keys are INITIALLY DEFERRED) for whatever
            # else runs in this transaction, e.g. all parts inside one test transaction.
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        self.timings[f"{table} indexes"] = time.perf_counter() - started

    @contextmanager
    def _sqlite_indexes_deferred(self, table: str) -> Iterator[None]:
        """SQLite: the indexes with a definition of their own (``CREATE [UNIQUE] INDEX``; a
        column's UNIQUE is part of the table and stays). Rebuilding them after the load takes
        one sort each instead of a B-tree insert per row and index (issue 10)."""
        qn = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master "
                "WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL",
                [table],
            )
            indexes = cursor.fetchall()
            for name, _definition in indexes:
                cursor.execute(f"DROP INDEX {qn(name)}")
        yield
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for _name, definition in indexes:
                cursor.execute(definition)
        self.timings[f"{table} indexes"] = time.perf_counter() - started

    def reset_sequences(self) -> None:
        statements = connection.ops.sequence_reset_sql(no_style(), self._touched)
        if statements:
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)

    def run(self) -> dict[str, float]:
        connection.ensure_connection()
        for part in ordered_parts():
            started = time.perf_counter()
            with transaction.atomic():
                part.function(self)
            elapsed = time.perf_counter() - started
            self.timings[part.name] = elapsed
            self.say(f"  {part.name:<14} {elapsed:8.1f} s")
        started = time.perf_counter()
        self.reset_sequences()
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                cursor.execute("ANALYZE")
            elif self.vendor == "sqlite":
                # Sampled statistics for SQLite's planner (a full ANALYZE reads every row).
                cursor.execute("PRAGMA analysis_limit = 1000")
                cursor.execute("ANALYZE")
        self.timings["analyze"] = time.perf_counter() - started
        return self.timings

    # --- Helpers for parts --------------------------------------------------------------------

    def moment(self, days_back_max: int, days_back_min: int = 0) -> datetime:
        """A moment between ``days_back_max`` and ``days_back_min`` days before the anchor."""
        seconds = self.rng.randint(days_back_min * 86_400, days_back_max * 86_400)
        return ANCHOR - timedelta(seconds=seconds)

    def pick_weighted(self, weights: list[tuple[str, int]]) -> str:
        return self.rng.choices([w[0] for w in weights], [w[1] for w in weights])[0]

    def person(self, organisation_id: int, roles: Iterable[str] | None = None) -> Person | None:
        people = self.people_by_org.get(organisation_id, [])
        if roles is not None:
            wanted = set(roles)
            people = [p for p in people if p.role in wanted]
        return self.rng.choice(people) if people else None


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def region_is_empty() -> bool:
    return not (
        Organisation.objects.exists()
        or User.objects.exists()
        or Pupil.objects.exists()
        or Case.objects.exists()
    )


def pseudonym_for(index: int) -> str:
    """A unique case pseudonym in the format of ``cases.services`` (bijection on 32**5)."""
    number = (index * 2_654_435_761 + 12_345) % 32**5
    code = ""
    for _ in range(5):
        number, digit = divmod(number, 32)
        code += _PSEUDONYM_ALPHABET[digit]
    return f"T{ANCHOR.year}-{code}"


def totp_key(seed: int, user_id: int) -> str:
    """The (fictitious) TOTP secret of a generated user, hex as django-otp stores it."""
    return hashlib.sha256(f"passend-bench-totp:{seed}:{user_id}".encode()).hexdigest()[:40]


# --- Parts ------------------------------------------------------------------------------------


# The columns of a generated case, in COPY order (other modules' parts open cases too).
CASE_FIELDS = [
    "id",
    "kind",
    "pupil_id",
    "pseudonym",
    "is_anonymous",
    "title",
    "owner_id",
    "process_director_id",
    "case_director_id",
    "phase",
    "aftercare_until",
    "restricted_since",
    "opened_at",
    "closed_at",
    "updated_at",
    "version",
]


@register_part("organisations")
def generate_organisations(g: Generator) -> None:
    """SWVs, school boards, schools (PO/VO, regular and special), a CvA and the partners."""
    s = g.scale
    rng = g.rng
    orgs: list[Organisation] = []

    def org(**kwargs: Any) -> Organisation:
        organisation = Organisation(**kwargs)
        orgs.append(organisation)
        return organisation

    ids = iter(g.new_ids(Organisation, 10_000))
    for i in range(s.swvs):
        sector = Sector.PO if i % 2 == 0 else Sector.VO
        g.swvs.append(
            org(
                id=next(ids),
                name=f"SWV {sector.upper()} {TOWNS[i % len(TOWNS)]} {i + 1}",
                kind=OrganisationKind.SWV,
                sector=sector,
                town=TOWNS[i % len(TOWNS)],
            )
        )
    for i in range(max(1, s.schools // 8)):
        g.boards.append(
            org(
                id=next(ids),
                name=f"Stichting Onderwijs {i + 1}",
                kind=OrganisationKind.SCHOOL_BOARD,
            )
        )
    for i in range(s.schools):
        swv = g.swvs[i % len(g.swvs)]
        roll = rng.random()
        if swv.sector == Sector.PO:
            school_type = SchoolType.SBO if roll < 0.06 else SchoolType.SO if roll < 0.1 else ""
        else:
            school_type = SchoolType.VSO if roll < 0.08 else ""
        g.schools.append(
            org(
                id=next(ids),
                name=f"{'Basisschool' if swv.sector == Sector.PO else 'College'} {i + 1}",
                kind=OrganisationKind.SCHOOL,
                sector=swv.sector,
                school_type=school_type or SchoolType.REGULAR,
                brin=f"{(i // 676) % 100:02d}{chr(65 + (i // 26) % 26)}{chr(65 + i % 26)}",
                vestiging="00",
                town=TOWNS[i % len(TOWNS)],
                board_id=g.boards[i % len(g.boards)].id,
                swv_id=swv.id,
            )
        )
    for i in range(max(1, s.swvs // 3)):
        g.cvas.append(
            org(
                id=next(ids),
                name=f"Commissie van Advies {i + 1}",
                kind=OrganisationKind.ADVISORY_COMMITTEE,
            )
        )
    partner_counts = {
        OrganisationKind.MUNICIPALITY: max(1, s.schools // 30),
        OrganisationKind.GGD: max(1, s.swvs // 2),
        OrganisationKind.NEIGHBOURHOOD_TEAM: max(1, s.schools // 30),
        OrganisationKind.YOUTH_CARE_PROVIDER: max(1, s.schools // 30),
    }
    labels = {
        OrganisationKind.MUNICIPALITY: "Gemeente",
        OrganisationKind.GGD: "GGD",
        OrganisationKind.NEIGHBOURHOOD_TEAM: "Wijkteam",
        OrganisationKind.YOUTH_CARE_PROVIDER: "Jeugdhulp",
    }
    for kind, count in partner_counts.items():
        g.partners[kind] = [
            org(id=next(ids), name=f"{labels[kind]} {TOWNS[i % len(TOWNS)]} {i + 1}", kind=kind)
            for i in range(count)
        ]
    Organisation.objects.bulk_create(orgs, batch_size=1000)
    through = Organisation.served_swvs.through
    through.objects.bulk_create(
        [
            through(from_organisation_id=g.cvas[i % len(g.cvas)].id, to_organisation_id=swv.id)
            for i, swv in enumerate(g.swvs)
        ]
    )
    g.counts["organisations"] = len(orgs)


def _role_plan(g: Generator) -> list[tuple[Organisation, str, str]]:
    """(organisation, role, username stem) for every user, at least one per role in use."""
    s = g.scale
    plan: list[tuple[Organisation, str, str]] = []
    coordinators = max(len(g.schools), int(s.users * 0.4))
    for i in range(coordinators):
        plan.append((g.schools[i % len(g.schools)], Role.SUPPORT_COORDINATOR, "ib"))
    for i in range(max(1, s.users // 30)):
        plan.append((g.schools[(i * 7) % len(g.schools)], Role.BEHAVIOUR_EXPERT, "gedrag"))
    for board in g.boards[: max(1, s.users // 40)]:
        plan.append((board, Role.SCHOOL_BOARD, "bestuur"))
    for swv in g.swvs:
        plan.append((swv, Role.SWV_DIRECTOR, "directeur"))
        plan.append((swv, Role.FUNCTIONAL_ADMIN, "fb"))
        plan.append((swv, Role.PRIVACY_OFFICER, "fg"))
    for i in range(max(len(g.swvs), s.users // 30)):
        plan.append((g.swvs[i % len(g.swvs)], Role.ECT_MEMBER, "ect"))
    for i in range(max(1, s.users // 100)):
        plan.append((g.swvs[i % len(g.swvs)], Role.INFORMATION_DESK, "loket"))
    for cva in g.cvas:
        for role, stem, share in (
            (Role.CVA_SECRETARY, "cva-secr", 400),
            (Role.CVA_CHAIR, "cva-vz", 750),
            (Role.CVA_MEDICAL_SPECIALIST, "cva-arts", 400),
            (Role.CVA_SOCIAL_WORKER, "cva-mw", 400),
        ):
            for _ in range(max(1, s.users // share // len(g.cvas))):
                plan.append((cva, role, stem))
    partner_roles = [
        (OrganisationKind.MUNICIPALITY, Role.ATTENDANCE_OFFICER, "lpa", 25),
        (OrganisationKind.GGD, Role.GGD_PROFESSIONAL, "ggd", 25),
        (OrganisationKind.NEIGHBOURHOOD_TEAM, Role.NEIGHBOURHOOD_TEAM_WORKER, "wijk", 8),
        (OrganisationKind.YOUTH_CARE_PROVIDER, Role.YOUTH_CARE_PROFESSIONAL, "jeugd", 8),
    ]
    for kind, role, stem, share in partner_roles:
        partners = g.partners[kind]
        for i in range(max(len(partners), s.users // share)):
            plan.append((partners[i % len(partners)], role, stem))
    # The remainder (if any) are more coordinators: schools are the biggest user group.
    i = 0
    while len(plan) < s.users:
        plan.append((g.schools[i % len(g.schools)], Role.SUPPORT_COORDINATOR, "ib"))
        i += 1
    return plan


@register_part("users", after="organisations")
def generate_users(g: Generator) -> None:
    """Users with one membership each, a confirmed TOTP device, and one superuser."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    plan = _role_plan(g)
    password = make_password(PASSWORD, salt=f"bench{g.seed}")
    user_ids = g.new_ids(User, len(plan) + 1)
    joined = ANCHOR - timedelta(days=800)
    users: list[User] = []
    memberships: list[Membership] = []
    devices: list[TOTPDevice] = []
    counters: dict[str, int] = {}
    for (organisation, role, stem), user_id in zip(plan, user_ids, strict=False):
        counters[stem] = counters.get(stem, 0) + 1
        username = f"{stem}-{counters[stem]:04d}"
        first = g.rng.choice(FIRST_NAMES)
        last = g.rng.choice(LAST_NAMES)
        users.append(
            User(
                id=user_id,
                username=username,
                first_name=first,
                last_name=last,
                email=f"{username}@example.invalid",
                password=password,
                date_joined=joined,
            )
        )
        memberships.append(
            Membership(
                user_id=user_id,
                organisation_id=organisation.id,
                role=role,
                valid_from=joined.date(),
                created_at=joined,
            )
        )
        devices.append(
            TOTPDevice(
                user_id=user_id,
                name="authenticator",
                confirmed=True,
                key=totp_key(g.seed, user_id),
            )
        )
        person = Person(user_id, username, organisation.id, role)
        g.people_by_org.setdefault(organisation.id, []).append(person)
        g.people_by_role.setdefault(role, []).append(person)
    g.superuser_id = user_ids[-1]
    users.append(
        User(
            id=g.superuser_id,
            username="beheerder",
            password=password,
            is_superuser=True,
            is_staff=True,
            date_joined=joined,
        )
    )
    devices.append(
        TOTPDevice(
            user_id=g.superuser_id,
            name="authenticator",
            confirmed=True,
            key=totp_key(g.seed, g.superuser_id),
        )
    )
    User.objects.bulk_create(users, batch_size=1000)
    Membership.objects.bulk_create(memberships, batch_size=1000)
    TOTPDevice.objects.bulk_create(devices, batch_size=1000)
    g.counts["users"] = len(users)


@register_part("pupils", after="users")
def generate_pupils(g: Generator) -> None:
    """Pupils with one or two guardians and their enrolments (15 % changed school)."""
    s = g.scale
    rng = g.rng
    pupil_ids = g.new_ids(Pupil, s.pupils)
    guardian_ids = iter(g.new_ids(Guardian, 2 * s.pupils))
    enrolment_ids = iter(g.new_ids(Enrolment, 2 * s.pupils))
    created = ANCHOR - timedelta(days=700)
    pupils: list[tuple[Any, ...]] = []
    guardians: list[tuple[Any, ...]] = []
    enrolments: list[tuple[Any, ...]] = []
    schools = g.schools
    for n, pupil_id in enumerate(pupil_ids):
        school = schools[n % len(schools)]
        po = school.sector == Sector.PO
        age_days = rng.randint(4 * 365 + 30, 12 * 365) if po else rng.randint(12 * 365, 18 * 365)
        birth = (ANCHOR - timedelta(days=age_days)).date()
        last = rng.choice(LAST_NAMES)
        prefix = rng.choice(PREFIXES)
        pupils.append(
            (
                pupil_id,
                rng.choice(FIRST_NAMES),
                prefix,
                last,
                birth,
                rng.choice("fmx"),
                "",
                "",
                "",
                "parnassys" if po else "magister",
                f"L{pupil_id:07d}",
                school.id,
                created,
                created,
            )
        )
        g.pupils_by_school.setdefault(school.id, []).append(pupil_id)
        g.pupil_birth[pupil_id] = birth
        for index in range(1 if rng.random() < 0.3 else 2):
            guardian_id = next(guardian_ids)
            if index == 0:
                g.guardian_of[pupil_id] = guardian_id
            guardians.append(
                (
                    guardian_id,
                    pupil_id,
                    rng.choice(FIRST_NAMES),
                    prefix,
                    last,
                    "mother" if index == 0 else "father",
                    True,
                    "",
                    "",
                )
            )
        start = date(ANCHOR.year - rng.randint(0, 3), 8, 20)
        if rng.random() < 0.15:
            previous = schools[(n + 7) % len(schools)]
            earlier = date(start.year - 2, 8, 20)
            enrolments.append((next(enrolment_ids), pupil_id, previous.id, earlier, start, ""))
        enrolments.append((next(enrolment_ids), pupil_id, school.id, start, None, ""))
    g.copy(
        Pupil,
        [
            "id",
            "first_name",
            "name_prefix",
            "last_name",
            "birth_date",
            "gender",
            "email",
            "phone",
            "address",
            "source_system",
            "source_key",
            "source_school_id",
            "created_at",
            "updated_at",
        ],
        pupils,
    )
    g.copy(
        Guardian,
        [
            "id",
            "pupil_id",
            "first_name",
            "name_prefix",
            "last_name",
            "relation",
            "has_parental_authority",
            "email",
            "phone",
        ],
        guardians,
    )
    g.copy(
        Enrolment, ["id", "pupil_id", "school_id", "start_date", "end_date", "grade"], enrolments
    )


def _external_participants(g: Generator, kind: str, school: Organisation) -> list[Person]:
    """The partners of a case besides the school, by kind (ORG-04, ABS-05)."""
    rng = g.rng
    swv_id = school.swv_id or g.swvs[0].id
    region = school.id
    people: list[Person | None] = []

    def partner(kind_: str, role: str) -> Person | None:
        orgs = g.partners[kind_]
        return g.person(orgs[region % len(orgs)].id, [role])

    cva = g.cvas[[s.id for s in g.swvs].index(swv_id) % len(g.cvas)] if g.cvas else None
    if kind == CaseKind.SUPPORT:
        if rng.random() < 0.5:
            people.append(g.person(swv_id, [Role.ECT_MEMBER]))
        if rng.random() < 0.3:
            people.append(
                partner(OrganisationKind.NEIGHBOURHOOD_TEAM, Role.NEIGHBOURHOOD_TEAM_WORKER)
            )
        if rng.random() < 0.2:
            people.append(partner(OrganisationKind.GGD, Role.GGD_PROFESSIONAL))
    elif kind == CaseKind.CONSULTATION:
        people.append(partner(OrganisationKind.NEIGHBOURHOOD_TEAM, Role.NEIGHBOURHOOD_TEAM_WORKER))
        if rng.random() < 0.6:
            people.append(partner(OrganisationKind.GGD, Role.GGD_PROFESSIONAL))
        if rng.random() < 0.5:
            people.append(
                partner(OrganisationKind.YOUTH_CARE_PROVIDER, Role.YOUTH_CARE_PROFESSIONAL)
            )
    elif kind == CaseKind.TLV:
        people.append(g.person(swv_id, [Role.ECT_MEMBER]))
        if cva is not None:
            people.append(g.person(cva.id, [Role.CVA_SECRETARY]))
            if rng.random() < 0.5:
                people.append(
                    g.person(cva.id, [Role.CVA_MEDICAL_SPECIALIST, Role.CVA_SOCIAL_WORKER])
                )
    elif kind == CaseKind.ARRANGEMENT:
        people.append(g.person(swv_id, [Role.ECT_MEMBER, Role.INFORMATION_DESK]))
        if rng.random() < 0.4:
            people.append(g.person(school.id, [Role.BEHAVIOUR_EXPERT]))
    else:  # attendance, home stay
        people.append(partner(OrganisationKind.MUNICIPALITY, Role.ATTENDANCE_OFFICER))
        if rng.random() < 0.4:
            people.append(
                partner(OrganisationKind.NEIGHBOURHOOD_TEAM, Role.NEIGHBOURHOOD_TEAM_WORKER)
            )
    unique: dict[tuple[int, int], Person] = {}
    for person in people:
        if person is not None:
            unique.setdefault((person.user_id, person.organisation_id), person)
    return list(unique.values())


CONSENT_PARTNER_KINDS = frozenset(
    {
        OrganisationKind.NEIGHBOURHOOD_TEAM,
        OrganisationKind.GGD,
        OrganisationKind.YOUTH_CARE_PROVIDER,
    }
)
ALL_CATS = [c.value for c in DataCategory]


@register_part("cases", after="pupils")
def generate_cases(g: Generator) -> None:
    """Cases across all kinds and phases, with participants, phase changes, consents, legal
    grounds, hearings and entries."""
    s = g.scale
    rng = g.rng
    kind_of_org = {o.id: o.kind for group in g.partners.values() for o in group}
    kind_of_org.update({o.id: o.kind for o in g.swvs})
    kind_of_org.update({o.id: o.kind for o in g.cvas})
    kind_of_org.update({o.id: o.kind for o in g.schools})
    case_ids = g.new_ids(Case, s.cases)
    part_ids = iter(g.new_ids(Participant, 8 * s.cases))
    change_ids = iter(g.new_ids(PhaseChange, 8 * s.cases))
    consent_ids = iter(g.new_ids(Consent, s.cases))
    ground_ids = iter(g.new_ids(LegalGround, 3 * s.cases))
    entry_ids = iter(g.new_ids(CaseEntry, 8 * s.cases))
    hearing_ids = iter(g.new_ids(Hearing, s.cases))
    party_through = Consent.parties.through
    guardian_through = Consent.given_by_guardians.through
    party_ids = iter(g.new_ids(party_through, 4 * s.cases))
    given_ids = iter(g.new_ids(guardian_through, s.cases))

    cases, participants, changes, consents, parties, given = [], [], [], [], [], []
    grounds, entries, hearings = [], [], []
    # Oldest first: ids grow with opened_at, like a real installation.
    openings = sorted(g.moment(730, 1) for _ in range(s.cases))
    for case_id, opened_at in zip(case_ids, openings, strict=True):
        kind = g.pick_weighted(KIND_WEIGHTS)
        phase = g.pick_weighted(PHASE_WEIGHTS)
        school = g.schools[rng.randrange(len(g.schools))]
        pupils = g.pupils_by_school[school.id]
        anonymous = kind == CaseKind.CONSULTATION and rng.random() < 0.1
        pupil_id = None if anonymous else rng.choice(pupils)
        coordinator = g.person(school.id, [Role.SUPPORT_COORDINATOR])
        if coordinator is None:  # every school has a coordinator (_role_plan)
            raise RuntimeError("school without a support coordinator")
        owner_id = school.id
        director = coordinator
        externals = _external_participants(g, kind, school)
        everyone = [director, *externals]
        case_director = None
        if phase in PHASES_WITH_PLAN or (phase == Phase.CLOSED and rng.random() < 0.5):
            case_director = rng.choice(everyone)
        closed_at = None
        # The phase path: intake .. current; a closed case was closed from some open phase.
        if phase == Phase.CLOSED:
            last_open = rng.choice(PHASE_ORDER[:-1])
            path = [*PHASE_ORDER[: PHASE_ORDER.index(last_open) + 1], Phase.CLOSED]
        else:
            path = PHASE_ORDER[: PHASE_ORDER.index(phase) + 1]
        stamp = opened_at
        step = max(1, int((ANCHOR - opened_at).total_seconds() / (len(path) + 1)))
        for index, to_phase in enumerate(path):
            if index:
                stamp = stamp + timedelta(seconds=rng.randint(step // 2, step))
            changes.append(
                (
                    next(change_ids),
                    case_id,
                    path[index - 1] if index else "",
                    to_phase,
                    "",
                    director.user_id,
                    stamp,
                )
            )
        if phase == Phase.CLOSED:
            closed_at = stamp
        aftercare_until = (ANCHOR + timedelta(days=90)).date() if phase == Phase.AFTERCARE else None
        cases.append(
            (
                case_id,
                kind,
                pupil_id,
                pseudonym_for(case_id),
                anonymous,
                str(CaseKind(kind).label),
                owner_id,
                director.user_id,
                case_director.user_id if case_director else None,
                phase,
                aftercare_until,
                opened_at if rng.random() < 0.002 else None,
                opened_at,
                closed_at,
                stamp,
                1,
            )
        )
        info = CaseInfo(case_id, kind, phase, pupil_id, owner_id, school.id, opened_at)
        open_phases = [p for p in path if p != Phase.CLOSED]
        for index, person in enumerate(everyone):
            ended = rng.random() < 0.05 and index > 0
            joined_phase = Phase.INTAKE if index == 0 else rng.choice(open_phases)
            participants.append(
                (
                    next(part_ids),
                    case_id,
                    person.organisation_id,
                    person.user_id,
                    "Procesregisseur" if index == 0 else "Betrokken professional",
                    "",
                    joined_phase,
                    opened_at + timedelta(minutes=index),
                    opened_at + timedelta(days=30) if ended else None,
                    "Bijdrage afgerond" if ended else "",
                    opened_at,
                )
            )
            if not ended:
                info.participants.append(person)
        # Consent for partners without a statutory ground (CON-01); statutory grounds (CON-04).
        consent_partners = sorted(
            {
                p.organisation_id
                for p in externals
                if kind_of_org.get(p.organisation_id) in CONSENT_PARTNER_KINDS
            }
        )
        if consent_partners and pupil_id is not None:
            consent_id = next(consent_ids)
            categories = ["ordinary", "family", "behaviour"] + (
                ["health"] if rng.random() < 0.4 else []
            )
            revoked = rng.random() < 0.04
            consents.append(
                (
                    consent_id,
                    case_id,
                    _json(categories),
                    (ANCHOR - opened_at).days > 0 and rng.random() < 0.3,
                    opened_at.date(),
                    "2024-1",
                    rng.choice(ConsentMethod.values),
                    "Dossier school, map toestemming",
                    director.user_id,
                    opened_at,
                    opened_at + timedelta(days=60) if revoked else None,
                    director.user_id if revoked else None,
                    "Ingetrokken door ouders" if revoked else "",
                )
            )
            for org_id in consent_partners:
                parties.append((next(party_ids), consent_id, org_id))
            given.append((next(given_ids), consent_id, g.guardian_of[pupil_id]))
        for person in externals:
            org_kind = kind_of_org.get(person.organisation_id)
            basis, cats = None, []
            if org_kind == OrganisationKind.MUNICIPALITY:
                basis, cats = LegalBasis.ABSENCE_REPORT, ["ordinary", "absence"]
            elif org_kind in (OrganisationKind.SWV, OrganisationKind.ADVISORY_COMMITTEE):
                basis, cats = LegalBasis.EXTRA_SUPPORT, ALL_CATS
            if basis is not None:
                grounds.append(
                    (
                        next(ground_ids),
                        case_id,
                        person.organisation_id,
                        basis,
                        _json(cats),
                        "",
                        opened_at.date(),
                        director.user_id,
                        opened_at,
                        None,
                    )
                )
        for _ in range(rng.randint(1, 5)):
            author = rng.choice(everyone)
            entries.append(
                (
                    next(entry_ids),
                    case_id,
                    rng.choice(ALL_CATS),
                    author.organisation_id,
                    rng.choice(open_phases),
                    rng.choice(ENTRY_TITLES),
                    ENTRY_BODY,
                    author.user_id,
                    opened_at + timedelta(days=rng.randint(0, 20)),
                )
            )
        if len(open_phases) > 1 and rng.random() < 0.3:
            hearings.append(
                (
                    next(hearing_ids),
                    case_id,
                    (opened_at + timedelta(days=10)).date(),
                    "Mentor",
                    "Wil graag op deze school blijven.",
                    "",
                    director.user_id,
                    opened_at + timedelta(days=10),
                )
            )
        g.cases.append(info)

    g.copy(
        Case,
        CASE_FIELDS,
        cases,
    )
    g.copy(
        Participant,
        [
            "id",
            "case_id",
            "organisation_id",
            "user_id",
            "role",
            "legal_task",
            "joined_phase",
            "joined_at",
            "ended_at",
            "end_reason",
            "case_opened_at",
        ],
        participants,
    )
    g.copy(
        PhaseChange,
        ["id", "case_id", "from_phase", "to_phase", "reason", "changed_by_id", "changed_at"],
        changes,
    )
    g.copy(
        Consent,
        [
            "id",
            "case_id",
            "categories",
            "given_by_pupil",
            "given_on",
            "form_version",
            "method",
            "evidence",
            "recorded_by_id",
            "recorded_at",
            "revoked_at",
            "revoked_by_id",
            "revocation_note",
        ],
        consents,
    )
    g.copy(party_through, ["id", "consent_id", "organisation_id"], parties)
    g.copy(guardian_through, ["id", "consent_id", "guardian_id"], given)
    g.copy(
        LegalGround,
        [
            "id",
            "case_id",
            "organisation_id",
            "basis",
            "categories",
            "note",
            "parents_informed_on",
            "recorded_by_id",
            "recorded_at",
            "ended_at",
        ],
        grounds,
    )
    g.copy(
        CaseEntry,
        [
            "id",
            "case_id",
            "category",
            "supplied_by_id",
            "phase",
            "title",
            "body",
            "recorded_by_id",
            "recorded_at",
        ],
        entries,
    )
    g.copy(
        Hearing,
        [
            "id",
            "case_id",
            "heard_on",
            "heard_by",
            "child_view",
            "not_heard_reason",
            "recorded_by_id",
            "recorded_at",
        ],
        hearings,
    )


def _json(values: list[str]) -> str:
    return "[" + ",".join(f'"{v}"' for v in values) + "]"


# The COPY columns: the id, then the hashed fields in ``privacy.chain``'s order, which is the
# order in which ``_access_log_rows`` yields them.
ACCESS_LOG_FIELDS = ["id", *chain.HASHED_FIELDS]


def canonical(
    *,
    entry_id: int,
    occurred_at: str,
    actor_id: int,
    actor_username: str,
    organisation_id: int,
    role: str,
    action: str,
    subject: str,
    object_type: str,
    object_id: str,
    data_categories: str,
    activity: str,
    legal_ground: str,
    trace_id: str,
    outcome: str,
    reason: str,
    ip_address: str,
) -> str:
    """``privacy.chain.canonical``'s JSON, for values without characters that JSON escapes
    (all generated values are plain ASCII; a test compares both)."""
    return (
        f'{{"action":"{action}","activity":"{activity}","actor_id":"{actor_id}",'
        f'"actor_username":"{actor_username}","data_categories":"{data_categories}",'
        f'"id":"{entry_id}","ip_address":"{ip_address}","legal_ground":"{legal_ground}",'
        f'"object_id":"{object_id}","object_type":"{object_type}",'
        f'"occurred_at":"{occurred_at}","organisation_id":"{organisation_id}",'
        f'"outcome":"{outcome}","reason":"{reason}","role":"{role}",'
        f'"subject_pseudonym":"{subject}","trace_id":"{trace_id}"}}'
    )


def access_log_rows(
    g: Generator, count: int, seals: list[AccessLogSeal]
) -> Iterator[tuple[Any, ...]]:
    """``count`` entries in id and time order over the last two years; their sealed blocks of
    the hash chain (``privacy.chain``) are appended to ``seals`` as the rows are produced.

    The queries run here, before the caller starts its COPY (one connection, one statement at
    a time); the rows come from the generator returned. Existing entries are sealed first, so
    the new blocks continue the chain.
    """
    seal_access_log()
    last = AccessLogSeal.objects.order_by("-last_entry_id").first()
    ids = g.new_ids(AccessLogEntry, count)
    if last is None:
        return _access_log_rows(g, ids, GENESIS_HASH, 0, seals)
    return _access_log_rows(g, ids, last.block_hash, last.last_entry_id, seals)


def _access_log_rows(
    g: Generator, ids: range, previous: str, after: int, seals: list[AccessLogSeal]
) -> Iterator[tuple[Any, ...]]:
    rng = g.rng
    count = len(ids)
    key = settings.PSEUDONYM_KEY.encode()
    # One "slot" per (case, active participant): every constant part of an entry, including
    # its fragments of the canonical JSON, computed once.
    slots: list[tuple[Any, ...]] = []
    for case in g.cases:
        if not case.participants:
            continue
        kind, pk = ("case", case.id) if case.pupil_id is None else ("pupil", case.pupil_id)
        digest = hmac.new(key, f"{kind}:{pk}".encode(), hashlib.sha256).hexdigest()
        case.subject = subject = f"{kind[:3]}-{digest[:24]}"
        for p in case.participants:
            ip = f"10.{p.organisation_id % 250}.{p.user_id // 250 % 250}.{p.user_id % 250}"
            head = f'"actor_id":"{p.user_id}","actor_username":"{p.username}",'
            middle = f'"ip_address":"{ip}",'
            objects = f'"object_id":"{case.id}","object_type":"cases.case",'
            tail = f'"organisation_id":"{p.organisation_id}",'
            who = f'"role":"{p.role}","subject_pseudonym":"{subject}",'
            slots.append(
                (
                    p.user_id,
                    p.username,
                    p.organisation_id,
                    p.role,
                    subject,
                    str(case.id),
                    ip,
                    head,
                    middle,
                    objects,
                    tail,
                    who,
                )
            )
    # Weighted variants of (action, outcome, reason, categories, ground), drawn by index.
    variants: list[tuple[str, str, str, str, str]] = []
    for action, weight in (("view", 70), ("list", 27), ("update", 3)):
        for cats, ground in (
            ("ordinary", "own_task"),
            ("family,ordinary", "consent"),
            ("absence,ordinary", "absence_report"),
            ("ordinary", "extra_support"),
        ):
            variants.extend([(action, "allowed", "", cats, ground)] * weight)
        variants.append((action, "denied", "not involved in this case (ORG-04)", "", ""))
    start = ANCHOR - timedelta(days=730)
    start_s = int(start.timestamp())
    span_us = int(timedelta(days=729).total_seconds() * 1_000_000)
    step = max(1, span_us // max(1, count))
    sqlite = g.vendor != "postgresql"
    sep = " " if sqlite else "T"
    suffix = "" if sqlite else "+00:00"
    days: dict[int, str] = {}
    sha256 = hashlib.sha256
    rand = rng.random
    randbytes = rng.randbytes
    n_slots = len(slots)
    n_variants = len(variants)
    offset = 0
    sealed_at = ANCHOR
    block: Any = None
    block_last = after
    in_block = 0
    for index, entry_id in enumerate(ids):
        if block is None:
            # Blocks of SEAL_BLOCK_SIZE ids, hashed as they stream (privacy.chain.block_hash).
            block_last = ids[min(index + SEAL_BLOCK_SIZE, len(ids)) - 1]
            block = sha256(f"{previous}:{after}:{block_last}:".encode())
            in_block = 0
        offset += step
        seconds, micro = divmod(offset, 1_000_000)
        seconds += start_s
        day_index, second_of_day = divmod(seconds, 86_400)
        day = days.get(day_index)
        if day is None:
            day = days[day_index] = (
                datetime.fromtimestamp(day_index * 86_400, UTC).date().isoformat()
            )
        hour, rest = divmod(second_of_day, 3600)
        minute, second = divmod(rest, 60)
        clock = f"{hour:02d}:{minute:02d}:{second:02d}.{micro:06d}"
        stamp = f"{day}T{clock}+00:00"
        (
            user_id,
            username,
            org_id,
            role,
            subject,
            object_id,
            ip,
            head,
            middle,
            objects,
            tail,
            who,
        ) = slots[int(rand() * n_slots)]
        action, outcome, reason, cats, ground = variants[int(rand() * n_variants)]
        trace = randbytes(16).hex()
        payload = (
            f'{{"action":"{action}","activity":"case_management",{head}'
            f'"data_categories":"{cats}","id":"{entry_id}",{middle}"legal_ground":"{ground}",'
            f'{objects}"occurred_at":"{stamp}",{tail}"outcome":"{outcome}","reason":"{reason}",'
            f'{who}"trace_id":"{trace}"}}'
        )
        block.update(sha256(payload.encode()).hexdigest().encode())
        in_block += 1
        if entry_id == block_last:
            block_hash = block.hexdigest()
            seals.append(
                AccessLogSeal(
                    after_entry_id=after,
                    last_entry_id=block_last,
                    entry_count=in_block,
                    sealed_at=sealed_at,
                    previous_hash=previous,
                    block_hash=block_hash,
                )
            )
            previous, after, block = block_hash, block_last, None
        yield (
            entry_id,
            f"{day}{sep}{clock}{suffix}",
            user_id,
            username,
            org_id,
            role,
            action,
            subject,
            "cases.case",
            object_id,
            cats,
            "case_management",
            ground,
            trace,
            outcome,
            reason,
            ip,
        )


@register_part("access_log", after="cases")
def generate_access_log(g: Generator) -> None:
    """The access log of two years of work, sealed in blocks that continue the hash chain."""
    seals: list[AccessLogSeal] = []
    rows = access_log_rows(g, g.scale.access_log, seals)
    with g.indexes_deferred(AccessLogEntry):
        g.copy(AccessLogEntry, ACCESS_LOG_FIELDS, rows)
    AccessLogSeal.objects.bulk_create(seals, batch_size=1000)
