"""Template filters and tags of the case screens."""

from __future__ import annotations

from django import template
from django.template.defaultfilters import linebreaksbr
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, gettext_noop

from passend.cases.models import Case, CaseEntry, Participant
from passend.cases.selectors import CaseListItem, TimelineEvent
from passend.consent.models import Consent
from passend.markup import dated, text
from passend.privacy.categories import category_labels as _category_labels
from passend.urlreverse import reverse

register = template.Library()


@register.filter
def category_labels(codes: object) -> str:
    """Dutch labels of data category codes, in the catalogue's order."""
    return ", ".join(_category_labels(codes or ()))


# One row of "Mijn trajecten" (cases/case_list.html), as its loop wrote it.
_CASE_ROW = (
    '\n    <tr class="utrecht-table__row">\n'
    '      <th scope="row" class="utrecht-table__header-cell"><a class="utrecht-link" '
    'href="{url}">{name}</a>{pseudonym}</th>\n'
    '      <td class="utrecht-table__cell">{kind}</td>\n'
    '      <td class="utrecht-table__cell">{phase}</td>\n'
    '      <td class="utrecht-table__cell">{owner}</td>\n'
    '      <td class="utrecht-table__cell">{process_director}</td>\n'
    '      <td class="utrecht-table__cell">{opened}</td>\n'
    "    </tr>\n    "
).format
_PSEUDONYM = ' <span class="passend-pseudonym">({})</span>'.format


@register.simple_tag
def case_rows(rows: list[CaseListItem]) -> SafeString:
    """The body rows of the case list (``selectors.list_items``), written here, not by a loop
    in the template (``passend.markup``): the pseudonym beside a name where the viewer sees the
    name (the policy decided which)."""
    return mark_safe(  # noqa: S308 — markup constant, every value escaped by ``text``
        "".join(
            [
                _CASE_ROW(
                    url=text(row["url"]),
                    name=text(row["name"]),
                    pseudonym=_PSEUDONYM(text(row["pseudonym"])) if row["shows_pseudonym"] else "",
                    kind=text(row["kind"]),
                    phase=text(row["phase"]),
                    owner=text(row["owner"]),
                    process_director=text(row["process_director"]),
                    opened=text(row["opened"]),
                )
                for row in rows
            ]
        )
    )


# The case page's timeline items and entries (cases/case_detail.html), as their loops wrote
# them.
_TIMELINE_ITEM = (
    '<li class="utrecht-ordered-list__item"><time datetime="{stamp}">{shown}</time> — {text}</li>'
).format
_ENTRY = (
    '\n  <article class="passend-entry">\n'
    '    <h3 class="utrecht-heading-3">{title}</h3>\n'
    '    <p class="utrecht-paragraph passend-entry__meta">{category} · {supplied}</p>\n'
    '    <p class="utrecht-paragraph">{body}</p>\n'
    "  </article>\n  "
).format
# The entry's line of who supplied it, when and in which phase: the message of the template's
# ``blocktranslate trimmed``, so its translations stay.
_SUPPLIED = gettext_noop("aangeleverd door %(org)s op %(date)s, fase %(phase)s")


def _translated(translation: str, message: str, values: dict[str, str]) -> str:
    """A ``blocktranslate`` message with its escaped values, as the tag writes it: in the
    active language, or the message itself where its translation does not fit the values."""
    try:
        return translation % values
    except (KeyError, ValueError):
        return message % values


@register.simple_tag
def timeline_items(events: list[TimelineEvent]) -> SafeString:
    """The items of the case's timeline: each moment in the current time zone, as a machine
    reads it and as a person does, and what happened."""
    html = []
    for event in events:
        html.append(
            _TIMELINE_ITEM(
                stamp=dated(event.at, "c"),
                shown=dated(event.at, "d-m-Y H:i"),
                text=text(event.text),
            )
        )
    return mark_safe("".join(html))  # noqa: S308 — markup constant, every value escaped


@register.simple_tag
def entry_articles(entries: list[CaseEntry]) -> SafeString:
    """The case's entries the viewer may see (``access.visible_among``): title, category, who
    supplied it when and in which phase, and the text with its line breaks."""
    message = gettext(_SUPPLIED)
    html = []
    for entry in entries:
        values = {
            "org": text(entry.supplied_by.name),
            "date": dated(entry.recorded_at, "d-m-Y"),
            "phase": text(entry.get_phase_display()),
        }
        supplied = _translated(message, _SUPPLIED, values)
        html.append(
            _ENTRY(
                title=text(entry.title),
                category=text(entry.get_category_display()),
                supplied=supplied,
                body=linebreaksbr(entry.body, autoescape=True),
            )
        )
    return mark_safe("".join(html))  # noqa: S308 — markup constant, every value escaped


_PARTICIPANT_ROW = (
    '\n      <tr class="utrecht-table__row">\n'
    '        <td class="utrecht-table__cell">{organisation}</td>\n'
    '        <th scope="row" class="utrecht-table__header-cell">{person}</th>\n'
    '        <td class="utrecht-table__cell">{role}</td>\n'
    '        <td class="utrecht-table__cell">{legal_task}</td>\n'
    '        <td class="utrecht-table__cell">{phase}</td>\n'
    '        <td class="utrecht-table__cell">{joined}</td>\n'
    '        <td class="utrecht-table__cell">{ended}</td>\n'
    "        {manage}\n"
    "      </tr>\n    "
).format
_END_LINK = (
    '<a class="utrecht-link" href="{url}">{label}'
    '<span class="passend-visually-hidden"> ({person})</span></a>'
).format


@register.simple_tag
def participant_rows(participants: list[Participant], case: Case, can_manage: bool) -> SafeString:
    """The rows of the case's participants (ORG-04): since and until when, and for whoever
    manages the case a link to end a participation, except the directors' own."""
    end_label = text(gettext("Beëindigen"))
    html = []
    for participant in participants:
        user = participant.user
        person = text(user.get_full_name() or user.username)
        ended_at = participant.ended_at
        ended = "—"
        if ended_at:
            ended = dated(ended_at, "d-m-Y")
            if participant.end_reason:
                ended += " — " + text(participant.end_reason)
        manage = ""
        if can_manage:
            link = ""
            if not ended_at and participant.user_id not in (
                case.process_director_id,
                case.case_director_id,
            ):
                url = reverse("cases:end_participant", [case.pk, participant.pk])
                link = _END_LINK(url=text(url), label=end_label, person=person)
            manage = f'<td class="utrecht-table__cell">{link}</td>'
        html.append(
            _PARTICIPANT_ROW(
                organisation=text(participant.organisation.name),
                person=person,
                role=text(participant.role),
                legal_task=text(participant.legal_task),
                phase=text(participant.get_joined_phase_display()),
                joined=dated(participant.joined_at, "d-m-Y"),
                ended=ended,
                manage=manage,
            )
        )
    return mark_safe("".join(html))  # noqa: S308 — markup constant, every value escaped


_CONSENT_ROW = (
    '\n      <tr class="utrecht-table__row">\n'
    '        <th scope="row" class="utrecht-table__header-cell">{given_on}</th>\n'
    '        <td class="utrecht-table__cell">{parties}</td>\n'
    '        <td class="utrecht-table__cell">{categories}</td>\n'
    '        <td class="utrecht-table__cell">{given_by}</td>\n'
    '        <td class="utrecht-table__cell">{form}</td>\n'
    '        <td class="utrecht-table__cell">{method}</td>\n'
    '        <td class="utrecht-table__cell">{status}</td>\n'
    "      </tr>\n    "
).format
# The template's ``blocktranslate trimmed`` of a revoked consent's date.
_REVOKED = gettext_noop("Ingetrokken op %(date)s")


@register.simple_tag
def consent_rows(
    consents: list[Consent], case: Case, can_manage: bool, can_see_family: bool
) -> SafeString:
    """The rows of the case's consents (CON-01, CON-02): with whom, which data, given by whom
    (a guardian's name only for a viewer who may see category "family", else the relation),
    the form and how, and whether it still holds, with a link to revoke it for whoever manages
    the case."""
    pupil = text(gettext("de leerling"))
    valid = text(gettext("Geldig"))
    revoke = text(gettext("Intrekken"))
    revoked = gettext(_REVOKED)
    html = []
    for consent in consents:
        guardians = list(consent.given_by_guardians.all())
        given_by = [pupil] if consent.given_by_pupil else []
        given_by += [
            f"{text(g.full_name)} ({text(g.get_relation_display())})"
            if can_see_family
            else text(g.get_relation_display())
            for g in guardians
        ]
        form = text(consent.form_version)
        if can_manage and consent.evidence:
            form += "<br>" + text(consent.evidence)
        if consent.revoked_at:
            status = _translated(revoked, _REVOKED, {"date": dated(consent.revoked_at, "d-m-Y")})
            if consent.revocation_note:
                status += " — " + text(consent.revocation_note)
        else:
            status = valid
            if can_manage:
                url = reverse("cases:revoke_consent", [case.pk, consent.pk])
                status += f' · <a class="utrecht-link" href="{text(url)}">{revoke}</a>'
        html.append(
            _CONSENT_ROW(
                given_on=dated(consent.given_on, "d-m-Y"),
                parties=", ".join([text(party.name) for party in consent.parties.all()]),
                categories=text(category_labels(consent.categories)),
                given_by=", ".join(given_by),
                form=form,
                method=text(consent.get_method_display()),
                status=status,
            )
        )
    return mark_safe("".join(html))  # noqa: S308 — markup constant, every value escaped
