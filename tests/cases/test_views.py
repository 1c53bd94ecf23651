"""Case screens: ORG-04 scoping and 404s, CON-03, CO-02, ABS-05, ORG-02 (FG), CON-07, ORG-03,
optimistic locking, Dutch form errors and constant query counts."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from passend.accounts.models import Membership, OrganisationKind, Role
from passend.cases import services as case_services
from passend.cases.models import Case, CaseEntry, CaseKind, Participant, Phase
from passend.cases.views import ACTIONS
from passend.consent.models import Consent
from passend.privacy.categories import DataCategory
from passend.privacy.models import AccessLogEntry
from tests.access.helpers import add_participant as orm_participant
from tests.access.helpers import make_case, make_pupil, set_opened_at
from tests.cases.screens import (
    ALL,
    World,
    actor,
    add_partner,
    build_world,
    cases_for_every_filter,
    consent_for,
    entry,
    open_case,
)
from tests.conftest import make_professional, verified_client
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

LIST = "/trajecten/"


@pytest.fixture
def world(region: dict[str, Any], coordinator_a: Any) -> World:
    return build_world(region, coordinator_a)


@pytest.fixture
def world_b(region: dict[str, Any], coordinator_b: Any) -> Case:
    pupil = make_pupil(region["school_b"], first_name="Bregje", last_name="Buitenschot")
    return open_case(coordinator_b, pupil)


def detail_url(case: Case) -> str:
    return reverse("cases:detail", args=[case.pk])


def action_urls(case: Case, object_id: int) -> list[str]:
    urls = []
    for name in ACTIONS:
        args = [case.pk, object_id] if name in ("end_participant", "revoke_consent") else [case.pk]
        urls.append(reverse(f"cases:{name}", args=args))
    return urls


def search(client: Any, q: str, **filters: str) -> Any:
    return client.post(LIST, {"q": q, **filters})


# --- ORG-04: other schools' cases are invisible, also to probing ------------------------------


def test_org_04_other_school_gets_404_on_detail_and_every_action_and_it_is_logged(
    world: World, world_b: Case, coordinator_a: Any
) -> None:
    participant = world_b.participants.get()
    consent_b = Consent.objects.create(
        case=world_b,
        categories=["ordinary"],
        given_on=dt.date(2026, 1, 1),
        form_version="v1",
        method="paper",
        recorded_by=world_b.process_director,
    )
    client = verified_client(coordinator_a)
    before = Case.objects.get(pk=world_b.pk).version
    assert client.get(detail_url(world_b)).status_code == 404
    urls = [*action_urls(world_b, participant.pk)]
    urls += [reverse("cases:revoke_consent", args=[world_b.pk, consent_b.pk])]
    for url in urls:
        for method in ("get", "post"):
            response = getattr(client, method)(
                url, {"reason": "x", "version": "1"} if method == "post" else None
            )
            assert response.status_code == 404, f"{method} {url}"
            assert "Bregje" not in response.content.decode()
            assert world_b.pseudonym not in response.content.decode()
    denied = AccessLogEntry.objects.filter(
        actor=coordinator_a, outcome="denied", object_type="cases.case", object_id=str(world_b.pk)
    )
    assert denied.count() == 1 + len(urls) * 2
    assert Case.objects.get(pk=world_b.pk).version == before
    assert participant.__class__.objects.get(pk=participant.pk).ended_at is None


def test_org_04_list_and_search_never_show_other_schools_cases(
    world: World, world_b: Case, coordinator_a: Any
) -> None:
    client = verified_client(coordinator_a)
    body = client.get(LIST).content.decode()
    assert world.case.pseudonym in body and "Fenna Zilverschoon" in body
    assert world_b.pseudonym not in body and "Bregje" not in body
    for q in ("Bregje", "Buitenschot", world_b.pseudonym):
        response = search(client, q)
        assert response.context["rows"] == []
        assert "Geen trajecten gevonden." in response.content.decode()
    # A fresh 404 for a random id does not leak either.
    assert client.get(reverse("cases:detail", args=[999999])).status_code == 404


def test_list_is_logged_per_case_shown(world: World, coordinator_a: Any) -> None:
    verified_client(coordinator_a).get(LIST)
    logged = AccessLogEntry.objects.filter(action="list", actor=coordinator_a)
    assert list(logged.values_list("object_id", flat=True)) == [str(world.case.pk)]
    assert logged.get().data_categories == "ordinary"


@pytest.mark.leak_guard_exempt("request_url", reason="requests ?q=<name> to prove it is ignored")
def test_search_term_never_travels_in_the_url(world: World, coordinator_a: Any) -> None:
    """No personal data in URLs: a name in ?q= is ignored; the search form posts it."""
    client = verified_client(coordinator_a)
    other = open_case(coordinator_a, make_pupil(world.region["school_a"], first_name="Anouk"))
    by_get = client.get(LIST, {"q": "Anouk"}).content.decode()
    assert world.case.pseudonym in by_get  # the term was ignored: everything listed
    by_post = search(client, "Anouk").content.decode()
    assert other.pseudonym in by_post and world.case.pseudonym not in by_post
    assert "Anouk" not in (search(client, "").get("Location") or "")


def test_filter_form_rendered_once_per_values_is_the_same_html_and_never_holds_a_name(
    world: World, coordinator_a: Any, settings: Any
) -> None:
    """The filter fields are rendered once per language and filter values (issue 10): the page is
    byte for byte the one rendered without that cache; a search term is never cached."""
    from passend.cases.views import _filter_fields

    client = verified_client(coordinator_a)
    urls = [LIST, LIST + "?fase=intake&status=open", LIST + "?fase=bogus"]

    def pages() -> list[str]:
        bodies = [client.get(url).content.decode() for url in urls]
        bodies.append(search(client, "Zilverschoon", fase="intake").content.decode())
        tokens = r'(csrfmiddlewaretoken" value="|"X-CSRFToken": "|nonce=")[-\w]+'  # CSRF, CSP
        return [re.sub(tokens, r"\1", body) for body in bodies]

    _filter_fields.cache_clear()
    cached = pages()
    assert _filter_fields.cache_info().currsize == 2  # the two valid GETs; not the search
    settings.DEBUG = True  # renders the form itself
    assert pages() == cached
    assert 'value="Zilverschoon"' in cached[3] and "Kies bij „Fase”" in cached[2]


def test_filters_by_phase_kind_and_status(world: World, coordinator_a: Any) -> None:
    client = verified_client(coordinator_a)
    attendance = open_case(
        coordinator_a, make_pupil(world.region["school_a"]), kind=CaseKind.ATTENDANCE
    )
    case_services.change_phase(actor(coordinator_a), attendance, to_phase=Phase.CLOSED)
    body = client.get(LIST, {"soort": CaseKind.ATTENDANCE}).content.decode()
    assert attendance.pseudonym in body and world.case.pseudonym not in body
    body = client.get(LIST, {"status": "open"}).content.decode()
    assert attendance.pseudonym not in body and world.case.pseudonym in body
    body = client.get(LIST, {"fase": Phase.CLOSED}).content.decode()
    assert attendance.pseudonym in body and world.case.pseudonym not in body
    # POST without a search term redirects to the bookmarkable GET.
    response = client.post(LIST, {"status": "closed", "q": ""})
    assert response.status_code == 302 and response["Location"].endswith("?status=closed")


def test_list_is_in_order_of_opening_also_where_ids_are_not(
    region: dict[str, Any], coordinator_a: Any
) -> None:
    """Newest opened first, across pages, also for cases registered later than they were opened
    (history brought in from another system): the order is the opening time as copied onto the
    viewer's participation (issue 10), never the id."""
    cases = [open_case(coordinator_a, None) for _ in range(52)]
    now = timezone.now()
    for age, case in enumerate(cases):  # the first registered is the newest
        set_opened_at(Case.objects.filter(pk=case.pk), now - dt.timedelta(days=age))
    client = verified_client(coordinator_a)
    first = client.get(LIST)
    second = client.get(LIST + first.context["next_url"])
    shown = re.findall(r"T\d{4}-[A-Z0-9]{5}", first.content.decode() + second.content.decode())
    assert list(dict.fromkeys(shown)) == [c.pseudonym for c in cases]


def test_list_paginates_fifty_in_stable_order(region: dict[str, Any], coordinator_a: Any) -> None:
    cases = [open_case(coordinator_a, None) for _ in range(53)]
    # Same opened_at for all: the id breaks the tie, so no case is skipped or repeated.
    set_opened_at(Case.objects.all(), timezone.now())
    client = verified_client(coordinator_a)
    first = client.get(LIST)
    page_one = re.findall(r"T\d{4}-[A-Z0-9]{5}", first.content.decode())
    next_url = first.context["next_url"]
    assert next_url
    page_two = re.findall(r"T\d{4}-[A-Z0-9]{5}", client.get(LIST + next_url).content.decode())
    assert len(set(page_one)) == 50 and len(set(page_two)) == 3
    assert set(page_one) | set(page_two) == {c.pseudonym for c in cases}
    assert page_one[0] == max(cases, key=lambda c: c.pk).pseudonym


# --- The name is shown only with "ordinary" ---------------------------------------------------


def test_pupil_name_hidden_when_ordinary_not_granted(world: World) -> None:
    """A participant without consent or ground sees the pseudonym only, also in search."""
    client = verified_client(world.partner)
    listing = client.get(LIST).content.decode()
    assert world.case.pseudonym in listing and "Zilverschoon" not in listing
    detail = client.get(detail_url(world.case)).content.decode()
    assert "Zilverschoon" not in detail and "Lezen en rekenen" not in detail
    assert "01-05-2012" not in detail
    assert world.case.pseudonym not in search(client, "Zilverschoon").content.decode()
    assert world.case.pseudonym in search(client, world.case.pseudonym[-5:]).content.decode()
    log = AccessLogEntry.objects.filter(actor=world.partner, action="view").get()
    assert log.data_categories == ""


def test_owner_sees_name_explanation_and_all_panels(world: World, coordinator_a: Any) -> None:
    consent_for(coordinator_a, world.case, [world.ggd], [DataCategory.ORDINARY])
    entry(coordinator_a, world.case, DataCategory.HEALTH, "Medicatie")
    response = verified_client(coordinator_a).get(detail_url(world.case))
    body = response.content.decode()
    assert "Fenna Zilverschoon" in body and "01-05-2012" in body
    assert "Waarom ziet u dit?" in body and "Eigen wettelijke taak" in body
    for text in (
        "GGD Test",
        "Toestemming vastleggen",
        "Deelnemer toevoegen",
        "Beëindigen",
        "Hoorrecht vastleggen",
        "Medicatie",
        "Tijdlijn",
        "Toestemming vastgelegd voor: GGD Test",
    ):
        assert text in body, text
    assert "<caption" in body and 'scope="col"' in body


# --- CON-03: revocation takes effect on the next request ---------------------------------------


def test_con_03_revoking_consent_removes_partner_access_on_next_request(
    world: World, coordinator_a: Any
) -> None:
    consent = consent_for(
        coordinator_a, world.case, [world.ggd], [DataCategory.ORDINARY, DataCategory.FAMILY]
    )
    entry(coordinator_a, world.case, DataCategory.FAMILY, "Gedragsobservatie")
    partner = verified_client(world.partner)
    before = partner.get(detail_url(world.case)).content.decode()
    assert "Gedragsobservatie" in before and "Fenna Zilverschoon" in before
    assert "Toestemming (CON-01)" in before

    owner = verified_client(coordinator_a)
    url = reverse("cases:revoke_consent", args=[world.case.pk, consent.pk])
    assert owner.get(url).status_code == 200
    response = owner.post(url, {"note": "Ouders trekken in"})
    assert response.status_code == 302

    after = partner.get(detail_url(world.case)).content.decode()
    assert "Gedragsobservatie" not in after and "Fenna Zilverschoon" not in after
    assert "Toestemming intrekken" not in after  # no manage links for the partner
    listing = partner.get(LIST).content.decode()
    assert "Zilverschoon" not in listing
    # A revoked consent cannot be revoked twice: its URL is gone.
    assert owner.get(url).status_code == 404


def test_partner_cannot_manage_gets_403_not_404(world: World) -> None:
    client = verified_client(world.partner)
    response = client.post(
        reverse("cases:phase", args=[world.case.pk]), {"to_phase": "assessment", "version": "1"}
    )
    assert response.status_code == 403
    assert world.refresh().phase == Phase.INTAKE


# --- CO-02: phase-limited participants ---------------------------------------------------------


def test_co_02_participant_sees_only_categories_of_the_phase_they_joined(
    region: dict[str, Any], coordinator_a: Any
) -> None:
    world = build_world(region, coordinator_a)
    late = make_professional(world.ggd, Role.GGD_PROFESSIONAL, username="laat")
    add_partner(coordinator_a, world.case, late, world.ggd, phase=Phase.MONITORING)
    consent_for(coordinator_a, world.case, [world.ggd], ALL)
    entry(coordinator_a, world.case, DataCategory.HEALTH, "Diagnose astma")
    entry(coordinator_a, world.case, DataCategory.BEHAVIOUR, "Gedrag in de klas")

    body = verified_client(late).get(detail_url(world.case)).content.decode()
    # Monitoring allows ordinary, behaviour, absence (CO-02 defaults): not health.
    assert "Gedrag in de klas" in body and "Diagnose astma" not in body
    assert "Betrokken vanaf fase Monitoring" in body
    early = verified_client(world.partner).get(detail_url(world.case)).content.decode()
    # Intake allows ordinary and family only.
    assert "Gedrag in de klas" not in early and "Diagnose astma" not in early


# --- ABS-05 and ORG-02 --------------------------------------------------------------------------


def test_abs_05_attendance_officer_sees_only_attendance_cases_and_ordinary_absence(
    region: dict[str, Any], coordinator_a: Any
) -> None:
    officer = make_professional(region["municipality"], Role.ATTENDANCE_OFFICER, username="lpa")
    officer_membership = Membership.objects.get(user=officer)
    pupil = make_pupil(region["school_a"], first_name="Vera", last_name="Verzuimd")
    attendance = open_case(coordinator_a, pupil, kind=CaseKind.ATTENDANCE)
    # Joined in the assessment phase, which allows every category (CO-02): ABS-05 still cuts.
    add_partner(coordinator_a, attendance, officer, region["municipality"], phase=Phase.ASSESSMENT)
    consent_for(coordinator_a, attendance, [region["municipality"]], ALL)
    entry(coordinator_a, attendance, DataCategory.ABSENCE, "Verzuim 18 uur")
    entry(coordinator_a, attendance, DataCategory.FAMILY, "Gezinssituatie")
    # A support case in which the officer was (wrongly) registered directly: still invisible.
    support = open_case(coordinator_a, make_pupil(region["school_a"], first_name="Sanne"))
    orm_participant(support, officer_membership, Phase.INTAKE)

    client = verified_client(officer)
    listing = client.get(LIST).content.decode()
    assert attendance.pseudonym in listing and "Vera Verzuimd" in listing
    assert support.pseudonym not in listing and "Sanne" not in listing
    body = client.get(detail_url(attendance)).content.decode()
    assert "Verzuim 18 uur" in body and "Gezinssituatie" not in body
    assert client.get(detail_url(support)).status_code == 404
    assert AccessLogEntry.objects.filter(
        actor=officer, outcome="denied", object_id=str(support.pk)
    ).exists()


def test_org_02_privacy_officer_sees_no_cases(region: dict[str, Any], coordinator_a: Any) -> None:
    fg = make_professional(region["swv"], Role.PRIVACY_OFFICER, username="fg")
    case = open_case(coordinator_a, make_pupil(region["school_a"]))
    orm_participant(case, Membership.objects.get(user=fg), Phase.INTAKE)
    client = verified_client(fg)
    assert case.pseudonym not in client.get(LIST).content.decode()
    assert client.get(detail_url(case)).status_code == 404
    assert "Mijn trajecten" not in client.get("/").content.decode()
    assert "Mijn trajecten" in verified_client(coordinator_a).get("/").content.decode()


# --- Writes through the screens ----------------------------------------------------------------


def test_new_case_lists_only_own_pupils_and_opens_the_case(
    region: dict[str, Any], coordinator_a: Any
) -> None:
    own = make_pupil(region["school_a"], first_name="Eigen", last_name="Leerling")
    make_pupil(region["school_b"], first_name="Vreemde", last_name="Leerling")
    client = verified_client(coordinator_a)
    form = client.get(reverse("cases:create")).content.decode()
    assert "Eigen Leerling" in form and "Vreemde" not in form
    response = client.post(
        reverse("cases:create"), {"kind": CaseKind.SUPPORT, "pupil": own.pk, "title": "Lezen"}
    )
    case = Case.objects.get(pupil=own)
    assert response.status_code == 302 and response["Location"] == detail_url(case)
    assert case.owner == region["school_a"] and case.process_director == coordinator_a
    assert "Eigen Leerling" not in response["Location"]


def test_con_07_anonymous_with_pupil_is_refused_on_the_pupil_field(
    region: dict[str, Any], coordinator_a: Any
) -> None:
    pupil = make_pupil(region["school_a"])
    response = verified_client(coordinator_a).post(
        reverse("cases:create"), {"kind": CaseKind.SUPPORT, "pupil": pupil.pk, "is_anonymous": "on"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["pupil"] == [
        "Een anoniem traject bevat geen leerling, alleen een pseudoniem (CON-07)."
    ]
    assert not Case.objects.exists()


def test_add_and_end_participant_through_the_screens(world: World, coordinator_a: Any) -> None:
    client = verified_client(coordinator_a)
    colleague = make_professional(world.ggd, Role.GGD_PROFESSIONAL, username="verpleegkundige")
    response = client.post(
        reverse("cases:add_participant", args=[world.case.pk]),
        {
            "organisation": world.ggd.pk,
            "user": "verpleegkundige",
            "role": "Jeugdverpleegkundige",
            "joined_phase": Phase.INTAKE,
        },
    )
    assert response.status_code == 302
    participant = Participant.objects.get(user=colleague)
    url = reverse("cases:end_participant", args=[world.case.pk, participant.pk])
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "Taak afgerond"}).status_code == 302
    participant.refresh_from_db()
    assert participant.ended_at is not None and participant.end_reason == "Taak afgerond"


def test_unknown_colleague_is_an_error_on_the_person_field(
    world: World, coordinator_a: Any
) -> None:
    response = verified_client(coordinator_a).post(
        reverse("cases:add_participant", args=[world.case.pk]),
        {"organisation": world.ggd.pk, "user": "niemand", "role": "x", "joined_phase": "intake"},
    )
    assert response.status_code == 400
    assert "GGD Test" in response.context["form"].errors["user"][0]


def test_give_consent_through_the_screen_and_age_rule_on_guardians(
    world: World, coordinator_a: Any
) -> None:
    client = verified_client(coordinator_a)
    url = reverse("cases:give_consent", args=[world.case.pk])
    page = client.get(url).content.decode()
    assert "<fieldset" in page and "<legend" in page and "Moeder Testerink" in page
    data = {
        "parties": [str(world.ggd.pk)],
        "categories": ["ordinary", "health"],
        "given_by_pupil": "on",
        "given_on": timezone.localdate().isoformat(),
        "form_version": "2026-1",
        "method": "paper",
    }
    # 13 years old: the guardians must consent too (AGE-03), the error is on their field.
    response = client.post(url, data)
    assert response.status_code == 400
    assert "AGE-03" in response.context["form"].errors["given_by_guardians"][0]
    guardian = world.pupil.guardians.get()
    response = client.post(url, {**data, "given_by_guardians": [str(guardian.pk)]})
    assert response.status_code == 302
    consent = Consent.objects.get(case=world.case)
    assert sorted(consent.categories) == ["health", "ordinary"]
    assert list(consent.parties.all()) == [world.ggd]


def test_hearing_entry_grounds_and_justification_through_the_screens(
    world: World, coordinator_a: Any
) -> None:
    client = verified_client(coordinator_a)
    pk = world.case.pk
    assert (
        client.post(
            reverse("cases:hearing", args=[pk]),
            {"heard_on": "2026-10-01", "heard_by": "IB", "child_view": "Wil op school blijven"},
        ).status_code
        == 302
    )
    assert (
        client.post(
            reverse("cases:add_entry", args=[pk]),
            {"category": "behaviour", "title": "Observatie", "body": "Werkt goed in kleine groep."},
        ).status_code
        == 302
    )
    assert (
        client.post(
            reverse("cases:legal_ground", args=[pk]),
            {"organisation": world.ggd.pk, "basis": "extra_support", "categories": ["ordinary"]},
        ).status_code
        == 302
    )
    short = client.post(
        reverse("cases:justification", args=[pk]),
        {"organisation": world.ggd.pk, "categories": ["health"], "reason": "Gevaar"},
    )
    assert "CON-05" in short.context["form"].errors["reason"][0]
    body = client.get(detail_url(world.case)).content.decode()
    assert "Wil op school blijven" in body and "Observatie" in body
    assert "School aan SWV voor extra ondersteuning" in body


def test_age_02_bsn_in_entry_body_is_refused_on_the_field(world: World, coordinator_a: Any) -> None:
    response = verified_client(coordinator_a).post(
        reverse("cases:add_entry", args=[world.case.pk]),
        {"category": "ordinary", "title": "Notitie", "body": "BSN 111222333 genoteerd"},
    )
    assert response.status_code == 400
    assert "AGE-02" in response.context["form"].errors["body"][0]
    assert not CaseEntry.objects.exists()


# --- ORG-03 and optimistic locking ---------------------------------------------------------------


def test_phase_change_with_stale_version_shows_the_conflict_message(
    world: World, coordinator_a: Any
) -> None:
    client = verified_client(coordinator_a)
    url = reverse("cases:phase", args=[world.case.pk])
    stale = world.case.version
    case_services.change_phase(actor(coordinator_a), world.case, to_phase=Phase.ASSESSMENT)
    response = client.post(url, {"to_phase": Phase.PLAN, "version": stale})
    assert response.status_code == 400
    assert "Iemand anders heeft dit traject intussen gewijzigd" in response.content.decode()
    assert world.refresh().phase == Phase.ASSESSMENT


def test_directors_with_stale_version_conflict_then_current_version_saves(
    world: World, coordinator_a: Any
) -> None:
    client = verified_client(coordinator_a)
    url = reverse("cases:directors", args=[world.case.pk])
    page = client.get(url)
    version = page.context["form"].initial["version"]
    data = {"process_director": coordinator_a.pk, "case_director": world.partner.pk}
    case_services.assign_directors(
        actor(coordinator_a), world.case, process_director=coordinator_a, case_director=None
    )
    conflict = client.post(url, {**data, "version": version})
    assert "Iemand anders heeft dit traject intussen gewijzigd" in conflict.content.decode()
    saved = client.post(url, {**data, "version": world.refresh().version})
    assert saved.status_code == 302
    assert world.refresh().case_director == world.partner
    # Now the case director manages: the plan phase may follow (ORG-03).
    client.post(
        reverse("cases:phase", args=[world.case.pk]),
        {"to_phase": Phase.ASSESSMENT, "version": world.refresh().version},
    )
    assert world.refresh().phase == Phase.ASSESSMENT


# --- Dutch errors naming the field ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "labels"),
    [
        (
            "add_participant",
            [
                "Organisatie",
                "Persoon (gebruikersnaam of e-mailadres)",
                "Rol in het traject",
                "Betrokken vanaf fase",
            ],
        ),
        (
            "give_consent",
            [
                "Met wie",
                "Welke gegevens",
                "Gegeven op",
                "Versie toestemmingsformulier",
                "Hoe gegeven",
            ],
        ),
        ("add_entry", ["Gegevenscategorie", "Onderwerp", "Inhoud"]),
        ("legal_ground", ["Organisatie", "Wettelijke grondslag", "Welke gegevens"]),
        ("justification", ["Met wie", "Welke gegevens", "Onderbouwing"]),
        ("phase", ["Naar fase"]),
    ],
)
def test_every_form_error_names_the_field_in_dutch(
    world: World, coordinator_a: Any, action: str, labels: list[str]
) -> None:
    response = verified_client(coordinator_a).post(
        reverse(f"cases:{action}", args=[world.case.pk]), {"version": world.case.version}
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    for name, messages in errors.items():
        label = str(response.context["form"].fields[name].label) if name != "__all__" else ""
        for message in messages:
            assert label in message, f"{name}: {message}"
    named = " ".join(m for msgs in errors.values() for m in msgs)
    for label in labels:
        assert f"„{label}”" in named, label


def test_invalid_date_names_the_field(world: World, coordinator_a: Any) -> None:
    response = verified_client(coordinator_a).post(
        reverse("cases:hearing", args=[world.case.pk]), {"heard_on": "gisteren"}
    )
    assert response.context["form"].errors["heard_on"] == [
        "Vul bij „Gehoord op” een geldige datum in (dd-mm-jjjj)."
    ]


# --- Constant query counts ---------------------------------------------------------------------------


def _count(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries.captured_queries)


def test_list_query_count_is_constant_in_cases_participants_and_consents(
    region: dict[str, Any], coordinator_a: Any
) -> None:
    ggd = OrganisationFactory(name="GGD", kind=OrganisationKind.GGD)
    client = verified_client(coordinator_a)

    def make_cases(n: int) -> None:
        for i in range(n):
            case = open_case(coordinator_a, make_pupil(region["school_a"]))
            doctor = make_professional(ggd, Role.GGD_PROFESSIONAL, username=f"arts-{case.pk}-{i}")
            add_partner(coordinator_a, case, doctor, ggd)
            consent_for(coordinator_a, case, [ggd], [DataCategory.ORDINARY])

    make_cases(1)
    client.get(LIST)  # warm up session and caches
    one = _count(client, LIST)
    make_cases(19)
    twenty = _count(client, LIST)
    assert twenty == one, f"1 case: {one} queries, 20 cases: {twenty}"
    assert AccessLogEntry.objects.filter(action="list").count() == 1 + 1 + 20


def test_detail_query_count_is_constant_in_participants_consents_and_entries(
    region: dict[str, Any], coordinator_a: Any
) -> None:
    ggd = OrganisationFactory(name="GGD", kind=OrganisationKind.GGD)
    pupil = make_pupil(region["school_a"])
    case = open_case(coordinator_a, pupil)
    client = verified_client(coordinator_a)

    def grow(n: int) -> None:
        for i in range(n):
            doctor = make_professional(
                ggd,
                Role.GGD_PROFESSIONAL,
                username=f"d-{case.pk}-{Participant.objects.count()}-{i}",
            )
            participant = add_partner(coordinator_a, case, doctor, ggd)
            consent_for(coordinator_a, case, [ggd], [DataCategory.ORDINARY])
            entry(coordinator_a, case, DataCategory.BEHAVIOUR, f"Observatie {participant.pk}")
            case_services.record_hearing(
                actor(coordinator_a),
                Case.objects.get(pk=case.pk),
                heard_on=dt.date(2026, 9, 1),
                heard_by="IB",
                child_view="Goed",
            )
        Participant.objects.filter(user__username__startswith="d-").update(ended_at=None)

    grow(1)
    consent_for(coordinator_a, case, [ggd], [DataCategory.FAMILY])  # one revoked, one active
    url = detail_url(case)
    client.get(url)
    one = _count(client, url)
    grow(9)
    ten = _count(client, url)
    assert ten == one, f"1 participant: {one} queries, 10: {ten}"
    # Revoked consents (a new one replaces the old, CON-01) are listed as well.
    assert Consent.objects.filter(case=case).count() == 11


def test_detail_reads_the_case_with_its_relations_and_the_pages_rows_in_one_statement_each(
    region: dict[str, Any], coordinator_a: Any
) -> None:
    """Issue 10: the case with the policy's relations (participants, consents, parties,
    legal grounds, justifications) is one round trip, and the page's own rows (the consents'
    guardians, hearings, phase changes, entries) another (``statements.Together``)."""
    ggd = OrganisationFactory(name="GGD", kind=OrganisationKind.GGD)
    case = open_case(coordinator_a, make_pupil(region["school_a"]))
    doctor = make_professional(ggd, Role.GGD_PROFESSIONAL, username="arts-rondes")
    add_partner(coordinator_a, case, doctor, ggd)
    consent_for(coordinator_a, case, [ggd], [DataCategory.ORDINARY])
    entry(coordinator_a, case, DataCategory.ORDINARY, "Observatie")
    client = verified_client(coordinator_a)
    url = detail_url(case)
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert "Observatie" in response.text
    reads = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]

    def reading(table: str) -> list[str]:
        return [sql for sql in reads if f'"{table}" t' in sql]

    (policy,) = reading("cases_participant")
    for table in ("cases_case", "consent_consent", "consent_legalground"):
        assert reading(table) == [policy], table
    assert "consent_justification" in policy and "consent_consent_parties" in policy
    (own,) = reading("cases_hearing")
    for table in ("cases_phasechange", "cases_caseentry", "pupils_guardian"):
        assert reading(table) == [own], table
    # The session, the user with second factor and membership, these two, the log, a panel
    # (the test's own transaction adds savepoints around the log's write).
    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == 6, [sql[:80] for sql in statements]


def test_case_row_for_owner_with_manage_links_but_closed_case_has_none(
    world: World, coordinator_a: Any
) -> None:
    case_services.change_phase(actor(coordinator_a), world.case, to_phase=Phase.CLOSED)
    body = verified_client(coordinator_a).get(detail_url(world.case)).content.decode()
    assert "Afgemeld" in body
    assert "Deelnemer toevoegen" not in body and "Gegeven toevoegen" not in body


def test_anonymous_case_shows_the_pseudonym_only(
    region: dict[str, Any], coordinator_a: Any
) -> None:
    membership = Membership.objects.get(user=coordinator_a)
    case = make_case(membership)
    body = verified_client(coordinator_a).get(detail_url(case)).content.decode()
    assert f">{case.pseudonym}</h1>" in body
    assert "geen persoonsgegevens" in body and "Toestemming vastleggen" not in body


def test_swv_chooses_a_pupil_out_of_many_by_searching_first(
    region: dict[str, Any], monkeypatch: Any
) -> None:
    """An SWV may open a case for every pupil of its schools (20,000 at region scale: a 1.2 MB
    page with every name and birth date). Above PUPIL_CHOICES_SHOWN the form offers none until
    a search (in the POST body, never the URL), then only the matches; it still accepts any
    openable pupil (issue 10, ORG-04)."""
    from passend.cases import forms as case_forms

    monkeypatch.setattr(case_forms, "PUPIL_CHOICES_SHOWN", 3)
    director = make_professional(region["swv"], Role.SWV_DIRECTOR, username="dir-zoek")
    pupils = [
        make_pupil(region["school_a"], first_name=f"Kind{n}", last_name=f"Achternaam{n}")
        for n in range(5)
    ]
    wanted = make_pupil(region["school_b"], first_name="Zoë", last_name="Gezocht")
    client = verified_client(director)
    url = reverse("cases:create")
    first = client.get(url).content.decode()
    assert "Leerling zoeken" in first and 'name="zoek_leerling"' in first
    assert not any(p.last_name in first for p in [*pupils, wanted])
    found = client.post(
        url, {"kind": CaseKind.SUPPORT, "pupil_search": "gezocht", "zoek_leerling": "1"}
    )
    page = found.content.decode()
    assert found.status_code == 200 and "Gezocht" in page
    assert not any(p.last_name in page for p in pupils)
    assert "utrecht-form-field-error-message" not in page  # a search is not a submission
    assert 'value="gezocht"' in page
    assert not Case.objects.exists()
    # The choice is validated against every openable pupil, not only the ones offered.
    response = client.post(url, {"kind": CaseKind.SUPPORT, "pupil": pupils[4].pk, "title": "x"})
    assert response.status_code == 302
    assert Case.objects.get().pupil == pupils[4]


def test_a_school_still_sees_its_pupils_without_searching(
    region: dict[str, Any], coordinator_a: Any
) -> None:
    make_pupil(region["school_a"], first_name="Direct", last_name="Zichtbaar")
    form = verified_client(coordinator_a).get(reverse("cases:create")).content.decode()
    assert "Direct Zichtbaar" in form and "Leerling zoeken" not in form


def test_list_keys_compiled_once_are_the_keys_of_the_filtered_queryset(
    world: World, coordinator_a: Any, orm_compilations: list[str]
) -> None:
    """The list's keys without a name search come from a query compiled once per process
    (``selectors.involved_keys``, issue 10): the same keys, in the same order, as the filtered
    queryset gives, for every filter and on a later page too."""
    from passend.access import selectors as access
    from passend.cases import selectors

    attendance = cases_for_every_filter(world, coordinator_a)
    membership = Membership.objects.get(user=coordinator_a)
    involved = access.involved_cases(coordinator_a, membership)
    compared = 0
    for filters in (
        {},
        {"status": "open"},
        {"status": "closed"},
        {"phase": Phase.CLOSED},
        {"kind": CaseKind.ATTENDANCE, "status": "closed"},
        {"phase": Phase.INTAKE, "kind": CaseKind.SUPPORT},
    ):
        expected = selectors.queryset_keys(selectors.filter_cases(involved, **filters))
        ours = selectors.involved_keys(coordinator_a, membership, **filters)
        first = ours(None, 2)
        assert first == expected(None, 2), filters
        if first:
            cursor = (first[-1][0], first[-1][1])
            assert ours(cursor, 50) == expected(cursor, 50), filters
            compared += len(first)
    assert compared >= 6  # not vacuous: the filters found cases
    # Nobody's involvement (the privacy officer reads the log, not cases): no keys.
    assert selectors.involved_keys(coordinator_a, None)(None, 50) == []

    client = verified_client(coordinator_a)
    assert client.get(LIST, {"status": "open"}).status_code == 200
    orm_compilations.clear()
    body = client.get(LIST, {"status": "open"}).content.decode()
    assert world.case.pseudonym in body and attendance.pseudonym not in body
    assert "cases.Case" not in orm_compilations


def test_list_keys_are_planned_for_anyone(world: World, coordinator_a: Any) -> None:
    """Issue 10 (session 42): the list's keys compare the participation's person and
    organisation with values PostgreSQL's planner does not look at (``prepared.opaque_id``): the
    plan (the person's participations newest first, by their index, up to a page) is the same
    for a busy coordinator and a quiet one, and PostgreSQL planned the statement again at every
    request for a person its statistics know. The first page and the next still list the
    person's own cases only (``test_list_keys_compiled_once_are_the_keys_of_the_filtered_queryset``
    compares them with the policy's queryset)."""
    client = verified_client(coordinator_a)
    client.get(LIST)
    with CaptureQueriesContext(connection) as queries:
        body = client.get(LIST).content.decode()
    assert world.case.pseudonym in body
    keys = [q["sql"] for q in queries if "involved_opened_at" in q["sql"]]
    assert len(keys) == 1
    for column in ("user_id", "organisation_id"):
        assert f'"cases_participant"."{column}" = (SELECT' in keys[0]
    # A deeper page (session 45): its position too, which PostgreSQL planned again at every
    # page, planned for the position. Still the cases after it only.
    from passend.accounts.models import Membership
    from passend.cases import selectors

    membership = Membership.objects.get(user=coordinator_a)
    [(moment, pk, _own)] = selectors.involved_keys(coordinator_a, membership)(None, 1)
    with CaptureQueriesContext(connection) as queries:
        assert selectors.involved_keys(coordinator_a, membership)((moment, pk), 50) == []
    [deeper] = [q["sql"] for q in queries if "involved_opened_at" in q["sql"]]
    assert '"cases_participant"."case_opened_at" <= (SELECT' in deeper
    assert '"cases_participant"."case_opened_at" < (SELECT' in deeper
    assert '"cases_case"."id" < (SELECT' in deeper


def test_a_tampered_cursor_gives_the_first_page(world: World, coordinator_a: Any) -> None:
    """A cursor the list did not write (an id beyond 64 bits, a time without its zone) is no
    cursor: the first page, never a database error."""
    import base64

    from passend.cases import selectors

    client = verified_client(coordinator_a)
    first = client.get(LIST).content.decode()
    for raw in (f"2026-01-01T00:00:00+00:00|{2**70}", "2026-01-01T00:00:00|5", "x|0"):
        token = base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
        assert selectors.decode_cursor(token) is None
        response = client.get(LIST, {"na": token})
        assert response.status_code == 200
        assert world.case.pseudonym in response.content.decode() and world.case.pseudonym in first
    valid = selectors.encode_position(timezone.now(), 2**40)
    assert selectors.decode_cursor(valid) is not None
