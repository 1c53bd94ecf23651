"""Demo pupils and cases for the demo region (clearly fictitious), loaded by `load_demo`.

Idempotent: pupils are found by their demo pupil number, cases by their fixed pseudonym; an
existing case is left as it is, so a second run changes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from passend.accounts.demo import DemoRegion
from passend.cases.models import Case, CaseEntry, CaseKind, Hearing, Participant, Phase, PhaseChange
from passend.consent.models import Consent, ConsentMethod, LegalBasis, LegalGround
from passend.privacy.categories import DataCategory
from passend.pupils.models import Enrolment, Guardian, Pupil

DEMO_SOURCE = "demo"

# pupil number, school key, first name, last name, birth date, gender, guardians
DEMO_PUPILS: list[tuple[str, str, str, str, dt.date, str, list[tuple[str, str, str]]]] = [
    (
        "D001",
        "school_vo",
        "Sem",
        "Demo-Veldkamp",
        dt.date(2012, 3, 14),
        "m",
        [("Marieke", "Demo-Veldkamp", "mother"), ("Johan", "Demo-Veldkamp", "father")],
    ),
    (
        "D002",
        "school_vo",
        "Noor",
        "Demo-Hendriks",
        dt.date(2009, 9, 2),
        "f",
        [("Linda", "Demo-Hendriks", "mother")],
    ),
    (
        "D003",
        "school_vo",
        "Daan",
        "Demo-Kramer",
        dt.date(2011, 1, 20),
        "m",
        [("Petra", "Demo-Kramer", "mother")],
    ),
    (
        "D004",
        "school_po_a",
        "Lotte",
        "Demo-Smits",
        dt.date(2016, 6, 5),
        "f",
        [("Erik", "Demo-Smits", "father"), ("Sanne", "Demo-Smits", "mother")],
    ),
    (
        "D005",
        "school_po_a",
        "Finn",
        "Demo-Mulder",
        dt.date(2017, 11, 30),
        "m",
        [("Karin", "Demo-Mulder", "mother")],
    ),
    (
        "D006",
        "school_vso",
        "Julia",
        "Demo-Bosma",
        dt.date(2010, 4, 18),
        "f",
        [("Anja", "Demo-Bosma", "mother")],
    ),
]


def _pupil(region: DemoRegion, number: str) -> Pupil:
    return Pupil.objects.get(source_system=DEMO_SOURCE, source_key=number)


def load_pupils(region: DemoRegion) -> None:
    for number, school_key, first, last, born, gender, guardians in DEMO_PUPILS:
        school = region.org(school_key)
        pupil, created = Pupil.objects.get_or_create(
            source_system=DEMO_SOURCE,
            source_key=number,
            source_school=school,
            defaults={"first_name": first, "last_name": last, "birth_date": born, "gender": gender},
        )
        if not created:
            continue
        region.changes += 1
        Enrolment.objects.create(pupil=pupil, school=school, start_date=dt.date(2025, 8, 25))
        for g_first, g_last, relation in guardians:
            Guardian.objects.create(
                pupil=pupil, first_name=g_first, last_name=g_last, relation=relation
            )


def _case(
    region: DemoRegion,
    *,
    pseudonym: str,
    kind: str,
    owner: str,
    director: str,
    pupil: Pupil | None,
    phase: str,
    title: str,
    case_director: str | None = None,
) -> Case | None:
    """Creates the case with its first participant, or returns None when it exists already."""
    if Case.objects.filter(pseudonym=pseudonym).exists():
        return None
    region.changes += 1
    director_user = region.users[director]
    case = Case.objects.create(
        kind=kind,
        pupil=pupil,
        is_anonymous=pupil is None,
        pseudonym=pseudonym,
        title=title,
        owner=region.org(owner),
        process_director=director_user,
        case_director=region.users[case_director] if case_director else None,
        phase=phase,
    )
    _participant(region, case, owner, director, "Procesregisseur", Phase.INTAKE)
    previous = ""
    for step in Phase.values[: Phase.values.index(phase) + 1]:
        PhaseChange.objects.create(
            case=case, from_phase=previous, to_phase=step, changed_by=director_user
        )
        previous = step
    return case


def _participant(
    region: DemoRegion, case: Case, org: str, username: str, role: str, phase: str
) -> Participant:
    organisation = region.org(org)
    return Participant.objects.create(
        case=case,
        organisation=organisation,
        user=region.users[username],
        role=role,
        legal_task=organisation.legal_basis,
        joined_phase=phase,
    )


def _entry(
    case: Case, region: DemoRegion, org: str, user: str, category: str, title: str, body: str
) -> Any:
    return CaseEntry.objects.create(
        case=case,
        category=category,
        supplied_by=region.org(org),
        phase=case.phase,
        title=title,
        body=body,
        recorded_by=region.users[user],
    )


def load_cases(region: DemoRegion) -> None:
    """Five cases that show the privacy core: grounds, consent, phases, anonymity, leerplicht."""
    load_pupils(region)
    zoco = "zoco-vo"

    # 1. Support trajectory in assessment: ECT on a legal ground, GGD on consent (CON-01/04).
    sem = _pupil(region, "D001")
    case = _case(
        region,
        pseudonym="TDEMO-001",
        kind=CaseKind.SUPPORT,
        owner="school_vo",
        director=zoco,
        pupil=sem,
        phase=Phase.ASSESSMENT,
        title="Vastlopen in de brugklas (demo)",
    )
    if case is not None:
        _participant(region, case, "swv_vo", "ect", "Orthopedagoog ECT", Phase.ASSESSMENT)
        _participant(region, case, "ggd", "jeugdarts", "Jeugdarts", Phase.ASSESSMENT)
        LegalGround.objects.create(
            case=case,
            organisation=region.org("swv_vo"),
            basis=LegalBasis.EXTRA_SUPPORT,
            categories=[DataCategory.ORDINARY, DataCategory.BEHAVIOUR, DataCategory.DIAGNOSTICS],
            note="Aanvraag extra ondersteuning (demo)",
            parents_informed_on=dt.date(2026, 9, 15),
            recorded_by=region.users[zoco],
        )
        consent = Consent.objects.create(
            case=case,
            categories=[DataCategory.ORDINARY, DataCategory.HEALTH],
            given_by_pupil=True,
            given_on=dt.date(2026, 9, 15),
            form_version="Convenant 2025 v1 (demo)",
            method=ConsentMethod.PAPER,
            evidence="Getekend formulier in de leerlingmap (demo)",
            recorded_by=region.users[zoco],
        )
        consent.parties.set([region.org("ggd")])
        consent.given_by_guardians.set(sem.guardians.all())
        Hearing.objects.create(
            case=case,
            heard_on=dt.date(2026, 9, 10),
            heard_by="Zorgcoördinator (demo)",
            child_view="Wil graag in een kleinere klas, vindt de pauzes lastig. (demo)",
            recorded_by=region.users[zoco],
        )
        _entry(
            case,
            region,
            "school_vo",
            zoco,
            DataCategory.BEHAVIOUR,
            "Observatie in de klas",
            "Raakt overprikkeld in grote groepen; werkt goed met een vaste plek. (demo)",
        )
        _entry(
            case,
            region,
            "ggd",
            "jeugdarts",
            DataCategory.HEALTH,
            "Verslag JGZ",
            "Slaapt slecht; advies huisarts. (demo)",
        )

    # 2. Anonymous consultation (CON-07): a pseudonym only.
    _case(
        region,
        pseudonym="TDEMO-002",
        kind=CaseKind.CONSULTATION,
        owner="school_po_a",
        director="ib-po",
        pupil=None,
        phase=Phase.INTAKE,
        title="Anonieme vraag over schoolweigering (demo)",
    )

    # 3. Attendance case with leerplicht on the DUO report ground (ABS-05, CON-04).
    noor = _pupil(region, "D002")
    case = _case(
        region,
        pseudonym="TDEMO-003",
        kind=CaseKind.ATTENDANCE,
        owner="school_vo",
        director=zoco,
        pupil=noor,
        phase=Phase.INTAKE,
        title="Verzuim na de herfstvakantie (demo)",
    )
    if case is not None:
        _participant(
            region, case, "municipality", "leerplicht", "Leerplichtambtenaar", Phase.INTAKE
        )
        LegalGround.objects.create(
            case=case,
            organisation=region.org("municipality"),
            basis=LegalBasis.ABSENCE_REPORT,
            categories=[DataCategory.ORDINARY, DataCategory.ABSENCE],
            note="DUO-melding verzuim (demo)",
            parents_informed_on=dt.date(2026, 11, 2),
            recorded_by=region.users[zoco],
        )
        _entry(
            case,
            region,
            "school_vo",
            zoco,
            DataCategory.ABSENCE,
            "Verzuimoverzicht",
            "18 uur ongeoorloofd verzuim in 4 weken. (demo)",
        )

    # 4. Primary-school case in the plan phase, with a casusregisseur from WIJ (ORG-03).
    lotte = _pupil(region, "D004")
    case = _case(
        region,
        pseudonym="TDEMO-004",
        kind=CaseKind.SUPPORT,
        owner="school_po_a",
        director="ib-po",
        pupil=lotte,
        phase=Phase.PLAN,
        title="Thuissituatie en leerachterstand (demo)",
        case_director="wij",
    )
    if case is not None:
        _participant(region, case, "wij", "wij", "Casusregisseur", Phase.PLAN)
        consent = Consent.objects.create(
            case=case,
            categories=[DataCategory.ORDINARY, DataCategory.FAMILY, DataCategory.BEHAVIOUR],
            given_by_pupil=False,
            given_on=dt.date(2026, 10, 1),
            form_version="Convenant 2025 v1 (demo)",
            method=ConsentMethod.IN_PERSON,
            recorded_by=region.users["ib-po"],
        )
        consent.parties.set([region.org("wij")])
        consent.given_by_guardians.set(lotte.guardians.all())
        Hearing.objects.create(
            case=case,
            heard_on=dt.date(2026, 9, 28),
            heard_by="Intern begeleider (demo)",
            child_view="Vindt rekenen moeilijk, wil hulp van juf. (demo)",
            recorded_by=region.users["ib-po"],
        )

    # 5. A closed case ("afgemeld"): the retention clock runs (PRV-06).
    daan = _pupil(region, "D003")
    case = _case(
        region,
        pseudonym="TDEMO-005",
        kind=CaseKind.SUPPORT,
        owner="school_vo",
        director=zoco,
        pupil=daan,
        phase=Phase.CLOSED,
        title="Begeleiding afgerond (demo)",
    )
    if case is not None:
        Case.objects.filter(pk=case.pk).update(closed_at=dt.datetime(2026, 7, 1, 12, tzinfo=dt.UTC))
