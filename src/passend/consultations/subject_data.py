"""Subject-data exporter of consultations (access bundle, PRV-02): agenda items, minutes,
known names, the plan with goals, actions, notes, escalations and the OPP."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from passend.consultations.models import (
    AgendaInvitee,
    AgendaItem,
    Escalation,
    Goal,
    KnownName,
    Minutes,
    Opp,
    Plan,
    PlanAction,
    PlanRevision,
    ProgressNote,
)
from passend.privacy.subject_data import Section, register, section

ACTIVITY = "case_consultation"


@register("consultations")
def export(pupil_id: int) -> list[Section]:
    item = {"item__case__pupil_id": pupil_id}
    plan = {"plan__case__pupil_id": pupil_id}
    return [
        section(
            "consultations",
            _("Besproken in casusoverleg"),
            ACTIVITY,
            AgendaItem.objects.filter(case__pupil_id=pupil_id),
        ),
        section(
            "consultations",
            _("Uitgenodigden bij de bespreking"),
            ACTIVITY,
            AgendaInvitee.objects.filter(**item),
        ),
        section("consultations", _("Verslagen"), ACTIVITY, Minutes.objects.filter(**item)),
        section(
            "consultations",
            _("Bekende namen (voor pseudonimiseren)"),
            ACTIVITY,
            KnownName.objects.filter(case__pupil_id=pupil_id),
        ),
        section(
            "consultations",
            _("Plan (1 kind 1 plan)"),
            ACTIVITY,
            Plan.objects.filter(case__pupil_id=pupil_id),
        ),
        section("consultations", _("Doelen"), ACTIVITY, Goal.objects.filter(**plan)),
        section("consultations", _("Acties"), ACTIVITY, PlanAction.objects.filter(**plan)),
        section(
            "consultations",
            _("Versies van het plan"),
            ACTIVITY,
            PlanRevision.objects.filter(**plan),
        ),
        section(
            "consultations", _("Voortgangsnotities"), ACTIVITY, ProgressNote.objects.filter(**plan)
        ),
        section("consultations", _("Opschalingen"), ACTIVITY, Escalation.objects.filter(**plan)),
        section(
            "consultations",
            _("Ontwikkelingsperspectief (OPP)"),
            ACTIVITY,
            Opp.objects.filter(**plan),
        ),
    ]
