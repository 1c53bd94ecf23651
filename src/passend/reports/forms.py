"""The filters of a management report: school year and period, SWV, school board, school, type."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from passend.accounts.models import Organisation, OrganisationKind
from passend.reports.scope import Scope
from passend.tlv.models import TlvType

# Quarters of a school year (1 August to 31 July).
PERIODS = [
    ("", _("Heel het schooljaar")),
    ("1", _("augustus t/m oktober")),
    ("2", _("november t/m januari")),
    ("3", _("februari t/m april")),
    ("4", _("mei t/m juli")),
]


def school_year_start(day: dt.date) -> int:
    return day.year if day.month >= 8 else day.year - 1


def period_bounds(first_year: int, period: str) -> tuple[dt.date, dt.date]:
    if not period:
        return dt.date(first_year, 8, 1), dt.date(first_year + 1, 7, 31)
    index = int(period) - 1
    month = 8 + 3 * index
    year = first_year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    start = dt.date(year, month, 1)
    end_month = month + 3
    end_year = year + (end_month - 1) // 12
    end_month = (end_month - 1) % 12 + 1
    return start, dt.date(end_year, end_month, 1) - dt.timedelta(days=1)


class ReportFilterForm(forms.Form):
    hide_optional_marker = True
    school_year = forms.TypedChoiceField(label=_("Schooljaar"), coerce=int)
    period = forms.ChoiceField(label=_("Periode"), choices=PERIODS, required=False)
    swv = forms.TypedChoiceField(
        label=_("Samenwerkingsverband"), coerce=int, required=False, empty_value=None
    )
    board = forms.TypedChoiceField(
        label=_("Schoolbestuur"), coerce=int, required=False, empty_value=None
    )
    school = forms.TypedChoiceField(label=_("School"), coerce=int, required=False, empty_value=None)
    tlv_type = forms.ChoiceField(
        label=_("Soort"), choices=[("", _("Alle")), *TlvType.choices], required=False
    )

    def __init__(
        self,
        data: Any = None,
        *,
        scope: Scope,
        has_type: bool,
        has_school: bool,
        today: dt.date | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data, **kwargs)
        today = today or timezone.localdate()
        current = school_year_start(today)
        choice_field = self.fields["school_year"]
        assert isinstance(choice_field, forms.ChoiceField)  # noqa: S101
        choice_field.choices = [
            (year, f"{year}-{year + 1}") for year in range(current, current - 6, -1)
        ]
        self.fields["school_year"].initial = current
        self.scope = scope
        swv_ids = scope.swv_ids
        choice_field = self.fields["swv"]
        assert isinstance(choice_field, forms.ChoiceField)  # noqa: S101
        choice_field.choices = [("", _("Alle"))] + [(o.pk, o.name) for o in scope.swvs]
        if len(scope.swvs) <= 1:
            del self.fields["swv"]
        if has_school:
            schools = Organisation.objects.filter(
                kind=OrganisationKind.SCHOOL, swv_id__in=swv_ids
            ).order_by("name")
            if scope.board is not None:
                schools = schools.filter(board=scope.board)
            school_rows = list(schools.values_list("pk", "name", "board_id", "board__name"))
            choice_field = self.fields["school"]
            assert isinstance(choice_field, forms.ChoiceField)  # noqa: S101
            choice_field.choices = [("", _("Alle"))] + [(s[0], s[1]) for s in school_rows]
            boards = sorted({(s[2], s[3]) for s in school_rows if s[2]}, key=lambda b: b[1])
            choice_field = self.fields["board"]
            assert isinstance(choice_field, forms.ChoiceField)  # noqa: S101
            choice_field.choices = [("", _("Alle")), *boards]
            if scope.board is not None:
                del self.fields["board"]
        else:
            del self.fields["school"]
            del self.fields["board"]
        if not has_type:
            del self.fields["tlv_type"]

    def resolved(self) -> dict[str, Any]:
        """The filters, with defaults for an unbound form."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        year = data.get("school_year") or self.fields["school_year"].initial
        period = data.get("period") or ""
        start, end = period_bounds(year, period)
        swv_ids = self.scope.swv_ids
        if data.get("swv"):
            swv_ids = [data["swv"]]
        return {
            "swv_ids": swv_ids,
            "start": start,
            "end": end,
            "board_id": self.scope.board.pk if self.scope.board else data.get("board"),
            "school_id": data.get("school"),
            "tlv_type": data.get("tlv_type") or "",
            "label": f"{year}-{year + 1}" + (f", {dict(PERIODS)[period]}" if period else ""),
        }
