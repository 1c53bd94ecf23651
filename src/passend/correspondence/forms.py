"""Forms of correspondence (shape only; rules in services)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from passend.cases.forms import PassendForm
from passend.privacy.categories import DataCategory


class MessageForm(PassendForm):
    to_organisation = forms.ChoiceField(label=_("Aan"), required=False)
    subject = forms.CharField(label=_("Onderwerp"), max_length=200)
    body = forms.CharField(label=_("Bericht"), widget=forms.Textarea(attrs={"rows": 5}))
    category = forms.ChoiceField(label=_("Gegevenscategorie"), choices=DataCategory.choices)

    def __init__(self, *args: Any, organisations: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisations = {str(o.pk): o for o in organisations}
        self.fields["to_organisation"].choices = [  # type: ignore[attr-defined]
            ("", _("Alle deelnemers van het traject")),
            *[(str(o.pk), o.name) for o in organisations],
        ]

    def organisation(self) -> Any:
        return self.organisations.get(self.cleaned_data.get("to_organisation") or "")


class LetterForm(PassendForm):
    template = forms.ChoiceField(label=_("Sjabloon"))
    recipient = forms.CharField(label=_("Ontvanger"), max_length=200)
    body = forms.CharField(
        label=_("Tekst (leeg: de tekst van het sjabloon)"),
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
    )

    def __init__(self, *args: Any, templates: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.templates = {str(t.pk): t for t in templates}
        self.fields["template"].choices = [(str(t.pk), t.name) for t in templates]  # type: ignore[attr-defined]

    def chosen_template(self) -> Any:
        return self.templates[self.cleaned_data["template"]]
