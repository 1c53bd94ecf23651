"""The busiest lists' rows are written in Python (``passend.markup``, issue 10: the case list's
fifty rows were a fifth of its page's instructions). Each tag must write what the template
loop it replaced wrote, byte for byte, in both languages: escaping of names with markup
characters, a cell that is markup already, the pseudonym beside a name the viewer may see, the
overdue and suspended marks (TLV-04), a row without a link or an action, a group without
files."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.utils import timezone, translation
from django.utils.functional import lazy
from django.utils.safestring import SafeString, mark_safe

from passend import statements
from passend.accounts.models import Organisation, User
from passend.cases.models import Case, CaseEntry, Participant, Phase
from passend.cases.selectors import TimelineEvent
from passend.cases.templatetags.cases_tags import (
    case_rows,
    consent_rows,
    entry_articles,
    participant_rows,
    timeline_items,
)
from passend.consent.models import Consent, ConsentMethod
from passend.markup import text
from passend.privacy.categories import DataCategory
from passend.pupils.models import Guardian, GuardianRelation
from passend.reports.dashboard import TermItem, WorkGroup
from passend.reports.templatetags.report_tags import term_rows, waiting_groups
from passend.tlv.templatetags.tlv_tags import work_rows

LANGUAGES = ("nl", "en")
# A name as a person or school may spell it, and one that tries to be markup.
ODD = 'De "Regenboog" & <Zon>'
SCRIPT = "<script>alert('x')</script>"

# The loops the tags replaced, as the templates held them before session 49.
CASE_LIST_LOOP = Template(
    "{% for row in rows %}\n"
    '    <tr class="utrecht-table__row">\n'
    '      <th scope="row" class="utrecht-table__header-cell"><a class="utrecht-link" '
    'href="{{ row.url }}">{{ row.name }}</a>{% if row.shows_pseudonym %} '
    '<span class="passend-pseudonym">({{ row.pseudonym }})</span>{% endif %}</th>\n'
    '      <td class="utrecht-table__cell">{{ row.kind }}</td>\n'
    '      <td class="utrecht-table__cell">{{ row.phase }}</td>\n'
    '      <td class="utrecht-table__cell">{{ row.owner }}</td>\n'
    '      <td class="utrecht-table__cell">{{ row.process_director }}</td>\n'
    '      <td class="utrecht-table__cell">{{ row.opened }}</td>\n'
    "    </tr>\n"
    "    {% endfor %}"
)
WORK_LIST_LOOP = Template(
    "{% load i18n %}{% for r in rows %}\n"
    '    <tr class="utrecht-table__row">\n'
    '      <th scope="row" class="utrecht-table__header-cell">{% if r.url %}<a class="utrecht-link" '
    'href="{{ r.url }}">{{ r.label }}</a>{% else %}{{ r.label }}{% endif %}</th>\n'
    '      <td class="utrecht-table__cell">{{ r.status }}{% if r.overdue %} '
    '<strong class="passend-overdue">{% translate "termijn verstreken" %}</strong>{% endif %}'
    "</td>\n"
    '      <td class="utrecht-table__cell">{{ r.terms }}</td>\n'
    '      <td class="utrecht-table__cell">{% if r.action %}<a class="utrecht-link" '
    'href="{{ r.action.0 }}">{{ r.action.1 }}</a>{% endif %}</td>\n'
    "    </tr>\n"
    "    {% endfor %}"
)
TERMS_LOOP = Template(
    "{% load i18n %}{% for t in board.terms %}\n"
    '<tr class="utrecht-table__row"><td class="utrecht-table__cell">'
    '{{ t.due_date|date:"d-m-Y" }}{% if t.overdue %} <strong class="passend-overdue">'
    '{% translate "termijn verstreken" %}</strong>{% elif t.suspended %} '
    '({% translate "opgeschort" %}){% endif %}</td>\n'
    '<td class="utrecht-table__cell">{{ t.what }}</td><td class="utrecht-table__cell">'
    '<a class="utrecht-link" href="{{ t.url }}">{{ t.label }}</a></td></tr>\n'
    "{% endfor %}"
)
WAITING_LOOP = Template(
    "{% for group in board.waiting %}\n"
    '  <li class="passend-tasks__item"><a class="passend-tasks__link" href="{{ group.url }}">'
    '{{ group.title }}: <span class="passend-dashboard__count">{{ group.count }}</span></a>\n'
    '  {% if group.items %}<ul class="utrecht-unordered-list">{% for label, detail, url in '
    'group.items %}<li class="utrecht-unordered-list__item"><a class="utrecht-link" '
    'href="{{ url }}">{{ label }}</a> — {{ detail }}</li>{% endfor %}</ul>{% endif %}\n'
    "  </li>\n"
    "{% endfor %}"
)


def case_list_items() -> list[dict[str, object]]:
    row = {
        "url": "/trajecten/12/",
        "name": "Jan de Vries",
        "pseudonym": "TR-0012",
        "shows_pseudonym": True,
        "kind": "Ondersteuningsvraag",
        "phase": "Analyse",
        "owner": ODD,
        "process_director": "Els Bakker",
        "opened": "07-12-2026",
    }
    # The name hidden by the policy: the pseudonym once, not beside itself.
    hidden = {**row, "url": "/trajecten/13/?a=1&b=2", "name": "TR-0013"}
    hidden.update(pseudonym="TR-0013", shows_pseudonym=False, process_director=SCRIPT)
    return [row, hidden]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_case_lists_rows_are_the_loops_markup(language: str) -> None:
    rows = case_list_items()
    with translation.override(language):
        written = case_rows(rows)
        assert written == CASE_LIST_LOOP.render(Context({"rows": rows}))
    assert isinstance(written, SafeString)
    assert "&quot;Regenboog&quot; &amp; &lt;Zon&gt;" in written and "<Zon>" not in written
    assert "&lt;script&gt;" in written and "<script>" not in written
    assert written.count("passend-pseudonym") == 1
    assert case_rows([]) == CASE_LIST_LOOP.render(Context({"rows": []})) == ""


def work_list_items() -> list[dict[str, object]]:
    terms = mark_safe('<span class="passend-term">Advies: uiterlijk 01-12-2026</span><br>')
    return [
        # Involved, overdue, no action.
        {"url": "/tlv/12/", "label": ODD, "status": "Ingediend", "overdue": True}
        | {"terms": terms, "action": None},
        # A queue row: no link (pseudonym only), an action to take.
        {"url": "", "label": "TR-0013", "status": "Opgeschort", "overdue": False}
        | {"terms": "", "action": ("/tlv/13/verdelen/?a=1&b=2", "Verdelen")},
        # Text that is not markup is escaped, also in a cell that is usually markup.
        {"url": "/tlv/14/", "label": SCRIPT, "status": "Besluit <b>", "overdue": False}
        | {"terms": "a < b", "action": ("/tlv/14/besluiten/", SCRIPT)},
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_tlv_work_lists_rows_are_the_loops_markup(language: str) -> None:
    rows = work_list_items()
    with translation.override(language):
        written = work_rows(rows)
        assert written == WORK_LIST_LOOP.render(Context({"rows": rows}))
        assert written.count(f">{translation.gettext('termijn verstreken')}</strong>") == 1
    assert '<span class="passend-term">' in written  # markup stays markup
    assert "a &lt; b" in written and "<script>" not in written
    assert written.count('href="/tlv/') == 4  # two files that may be opened, two actions
    assert work_rows([]) == ""


def board(terms: list[TermItem], waiting: list[WorkGroup]) -> dict[str, object]:
    return {"terms": terms, "waiting": waiting}


def term_items() -> list[TermItem]:
    day = dt.date(2026, 3, 4)
    return [
        TermItem("Advies CvA", ODD, day, True, False, "/tlv/12/"),
        # Overdue wins over suspended, as the loop's elif had it.
        TermItem("Besluit", "TR-0013", day, True, True, "/tlv/13/?a=1&b=2"),
        TermItem(SCRIPT, "TR-0014", dt.date(999, 12, 31), False, True, "/tlv/14/"),
        TermItem("Hoorrecht", "TR-0015", dt.date(2027, 1, 1), False, False, "/tlv/15/"),
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_start_pages_terms_are_the_loops_markup(language: str) -> None:
    terms = term_items()
    with translation.override(language):
        written = term_rows(terms)
        assert written == TERMS_LOOP.render(Context({"board": board(terms, [])}))
        assert written.count(f"({translation.gettext('opgeschort')})") == 1
    assert ">04-03-2026 <strong" in written and ">31-12-0999 (" in written
    assert "<script>" not in written


def waiting() -> list[WorkGroup]:
    files = [(ODD, "ingediend op 01-12-2026", "/tlv/12/"), ("TR-0013", SCRIPT, "/tlv/13/?a&b")]
    return [
        WorkGroup("TLV-aanvragen om te verdelen", 1234, "/tlv/", files),
        WorkGroup("Arrangementen <advies>", 0, "/arrangementen/", []),  # none shown
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_start_pages_waiting_files_are_the_loops_markup(language: str) -> None:
    groups = waiting()
    with translation.override(language):
        written = waiting_groups(groups)
        assert written == WAITING_LOOP.render(Context({"board": board([], groups)}))
    assert '<span class="passend-dashboard__count">1234</span>' in written
    assert written.count('<ul class="utrecht-unordered-list">') == 1  # not for an empty group
    assert "&lt;advies&gt;" in written and "<script>" not in written


def test_text_escapes_as_autoescaping_does() -> None:
    label = lazy(lambda: "A & B", str)()
    for value in ("plain", ODD, SCRIPT, mark_safe("<b>markup</b>"), label, 1234, ""):
        assert text(value) == Template("{{ v }}").render(Context({"v": value}))
    assert text(mark_safe("<b>x</b>")) == "<b>x</b>"


# The case page's loops (cases/case_detail.html before session 49).
TIMELINE_LOOP = Template(
    '{% for event in detail.timeline %}<li class="utrecht-ordered-list__item"><time '
    'datetime="{{ event.at|date:\'c\' }}">{{ event.at|date:"d-m-Y H:i" }}</time> — '
    "{{ event.text }}</li>{% endfor %}"
)
ENTRIES_LOOP = Template(
    "{% load i18n %}{% for e in detail.entries %}\n"
    '  <article class="passend-entry">\n'
    '    <h3 class="utrecht-heading-3">{{ e.title }}</h3>\n'
    '    <p class="utrecht-paragraph passend-entry__meta">{{ e.get_category_display }} · '
    "{% blocktranslate trimmed with org=e.supplied_by.name "
    'date=e.recorded_at|date:"d-m-Y" phase=e.get_phase_display %}aangeleverd door {{ org }} '
    "op {{ date }}, fase {{ phase }}{% endblocktranslate %}</p>\n"
    '    <p class="utrecht-paragraph">{{ e.body|linebreaksbr }}</p>\n'
    "  </article>\n"
    "  {% endfor %}"
)
PARTICIPANTS_LOOP = Template(
    "{% load i18n %}{% for p in detail.participants %}\n"
    '      <tr class="utrecht-table__row">\n'
    '        <td class="utrecht-table__cell">{{ p.organisation.name }}</td>\n'
    '        <th scope="row" class="utrecht-table__header-cell">'
    "{{ p.user.get_full_name|default:p.user.username }}</th>\n"
    '        <td class="utrecht-table__cell">{{ p.role }}</td>\n'
    '        <td class="utrecht-table__cell">{{ p.legal_task }}</td>\n'
    '        <td class="utrecht-table__cell">{{ p.get_joined_phase_display }}</td>\n'
    '        <td class="utrecht-table__cell">{{ p.joined_at|date:"d-m-Y" }}</td>\n'
    '        <td class="utrecht-table__cell">{% if p.ended_at %}{{ p.ended_at|date:"d-m-Y" }}'
    "{% if p.end_reason %} — {{ p.end_reason }}{% endif %}{% else %}—{% endif %}</td>\n"
    '        {% if can_manage %}<td class="utrecht-table__cell">{% if not p.ended_at and '
    "p.user_id != case.process_director_id and p.user_id != case.case_director_id %}"
    '<a class="utrecht-link" href="{% url \'cases:end_participant\' case.pk p.pk %}">'
    '{% translate "Beëindigen" %}<span class="passend-visually-hidden"> '
    "({{ p.user.get_full_name|default:p.user.username }})</span></a>{% endif %}</td>"
    "{% endif %}\n"
    "      </tr>\n"
    "    {% endfor %}"
)
# Late in the evening in UTC: another day in Amsterdam, and another again in São Paulo.
LATE = dt.datetime(2026, 3, 4, 23, 30, tzinfo=dt.UTC)
TIME_ZONES = ("Europe/Amsterdam", "America/Sao_Paulo")


def organisation(name: str) -> Organisation:
    return Organisation(name=name)


def person(pk: int, first: str, last: str, username: str) -> User:
    return User(pk=pk, first_name=first, last_name=last, username=username)


@pytest.mark.parametrize("zone", TIME_ZONES)
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_case_pages_timeline_is_the_loops_markup(language: str, zone: str) -> None:
    events = [
        TimelineEvent(LATE, f"Traject geopend in fase Intake ({ODD})"),
        TimelineEvent(LATE + dt.timedelta(days=40, minutes=7), SCRIPT),
    ]
    with translation.override(language), timezone.override(zone):
        written = timeline_items(events)
        assert written == TIMELINE_LOOP.render(Context({"detail": {"timeline": events}}))
    assert written.count("<time ") == 2 and "<script>" not in written


@pytest.mark.parametrize("zone", TIME_ZONES)
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_case_pages_entries_are_the_loops_markup(language: str, zone: str) -> None:
    entries = [
        CaseEntry(
            supplied_by=organisation(ODD),
            category=DataCategory.BEHAVIOUR,
            phase=Phase.ASSESSMENT,
            title=SCRIPT,
            body="Eerste regel\r\ntweede & <derde>\nvierde",
            recorded_at=LATE,
        ),
        CaseEntry(
            supplied_by=organisation("GGD"),
            category=DataCategory.HEALTH,
            phase=Phase.PLAN,
            title="Zorg",
            body="",
            recorded_at=LATE - dt.timedelta(days=400),
        ),
    ]
    with translation.override(language), timezone.override(zone):
        written = entry_articles(entries)
        assert written == ENTRIES_LOOP.render(Context({"detail": {"entries": entries}}))
        supplied = translation.gettext("aangeleverd door %(org)s op %(date)s, fase %(phase)s")
        assert supplied.split(" ")[0] in written  # the message in the active language
    assert "tweede &amp; &lt;derde&gt;<br>vierde" in written and "<script>" not in written


@pytest.mark.parametrize("can_manage", [True, False])
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_case_pages_participants_are_the_loops_markup(language: str, can_manage: bool) -> None:
    director, case_director, other = (
        person(7, "Els", "Bakker", "els"),
        person(8, "", "", "cd-0008"),  # no name: the user name
        person(9, "Piet", ODD, "piet"),
    )
    case = Case(pk=12, process_director_id=director.pk, case_director_id=case_director.pk)
    school = organisation(ODD)

    def participant(pk: int, user: User, **fields: object) -> Participant:
        fields = {"role": "Intern begeleider", "legal_task": "", "joined_at": LATE} | fields
        return Participant(pk=pk, case=case, organisation=school, user=user, **fields)

    participants = [
        participant(1, director, joined_phase=Phase.INTAKE),
        participant(2, case_director, joined_phase=Phase.ASSESSMENT, legal_task="Wet <x>"),
        participant(3, other, joined_phase=Phase.PLAN),  # may be ended
        participant(4, other, joined_phase=Phase.PLAN, ended_at=LATE, end_reason=SCRIPT),
        participant(5, other, joined_phase=Phase.PLAN, ended_at=LATE),
    ]
    context = {"detail": {"participants": participants}, "case": case, "can_manage": can_manage}
    with translation.override(language):
        written = participant_rows(participants, case, can_manage)
        assert written == PARTICIPANTS_LOOP.render(Context(context))
    # Only the active participant who directs nothing can be ended, by whoever manages.
    assert written.count("/trajecten/12/") == (1 if can_manage else 0)
    assert ">cd-0008</th>" in written and "<script>" not in written


CONSENTS_LOOP = Template(
    "{% load i18n cases_tags %}{% for c in detail.consents %}\n"
    '      <tr class="utrecht-table__row">\n'
    '        <th scope="row" class="utrecht-table__header-cell">{{ c.given_on|date:"d-m-Y" }}</th>\n'
    '        <td class="utrecht-table__cell">{% for party in c.parties.all %}{{ party.name }}'
    "{% if not forloop.last %}, {% endif %}{% endfor %}</td>\n"
    '        <td class="utrecht-table__cell">{{ c.categories|category_labels }}</td>\n'
    '        <td class="utrecht-table__cell">{% if c.given_by_pupil %}{% translate "de leerling" %}'
    "{% if c.given_by_guardians.all %}, {% endif %}{% endif %}{% for g in c.given_by_guardians.all %}"
    "{% if can_see_family %}{{ g.full_name }} ({{ g.get_relation_display }}){% else %}"
    "{{ g.get_relation_display }}{% endif %}{% if not forloop.last %}, {% endif %}{% endfor %}</td>\n"
    '        <td class="utrecht-table__cell">{{ c.form_version }}{% if can_manage and c.evidence %}'
    "<br>{{ c.evidence }}{% endif %}</td>\n"
    '        <td class="utrecht-table__cell">{{ c.get_method_display }}</td>\n'
    '        <td class="utrecht-table__cell">{% if c.revoked_at %}{% blocktranslate trimmed with '
    'date=c.revoked_at|date:"d-m-Y" %}Ingetrokken op {{ date }}{% endblocktranslate %}'
    "{% if c.revocation_note %} — {{ c.revocation_note }}{% endif %}{% else %}"
    '{% translate "Geldig" %}{% if can_manage %} · <a class="utrecht-link" '
    'href="{% url \'cases:revoke_consent\' case.pk c.pk %}">{% translate "Intrekken" %}</a>'
    "{% endif %}{% endif %}</td>\n"
    "      </tr>\n"
    "    {% endfor %}"
)


def consents_of(case: Case) -> list[Consent]:
    mother = Guardian(first_name="An", last_name=ODD, relation=GuardianRelation.MOTHER)
    foster = Guardian(
        first_name="Kees", last_name="Jansen", relation=GuardianRelation.FOSTER_PARENT
    )

    def consent(
        pk: int, parties: list[str], guardians: list[Guardian], **fields: object
    ) -> Consent:
        fields = {
            "given_on": dt.date(2026, 2, 1),
            "form_version": "2026-1",
            "method": ConsentMethod.PAPER,
            "categories": [DataCategory.HEALTH, DataCategory.ORDINARY],
        } | fields
        found = Consent(pk=pk, case=case, **fields)
        statements.attach(found, "parties", [organisation(name) for name in parties])
        statements.attach(found, "given_by_guardians", guardians)
        return found

    return [
        # By the pupil and both guardians, with evidence; still valid.
        consent(1, ["GGD", ODD], [mother, foster], given_by_pupil=True, evidence="map <3>"),
        # By the pupil alone, revoked with a note, late in the evening in UTC.
        consent(2, ["Wijkteam"], [], given_by_pupil=True, revoked_at=LATE, revocation_note=SCRIPT),
        # By a guardian alone, revoked without a note; no categories left.
        consent(3, [], [mother], revoked_at=LATE, categories=[], method=ConsentMethod.DIGITAL),
    ]


@pytest.mark.parametrize("can_see_family", [True, False])
@pytest.mark.parametrize("can_manage", [True, False])
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_case_pages_consents_are_the_loops_markup(
    language: str, can_manage: bool, can_see_family: bool
) -> None:
    case = Case(pk=12)
    consents = consents_of(case)
    context = {
        "detail": {"consents": consents},
        "case": case,
        "can_manage": can_manage,
        "can_see_family": can_see_family,
    }
    with translation.override(language), timezone.override("America/Sao_Paulo"):
        written = consent_rows(consents, case, can_manage, can_see_family)
        assert written == CONSENTS_LOOP.render(Context(context))
    # A guardian's name only for whoever may see category "family" (CON-01).
    assert ("An De &quot;Regenboog&quot;" in written) is can_see_family
    assert ("map &lt;3&gt;" in written) is can_manage  # the evidence, and the revoke link
    assert written.count("/trajecten/12/") == (1 if can_manage else 0)
    assert "<script>" not in written
