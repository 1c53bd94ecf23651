"""Reads of the digital application form. Submissions are SWV-internal: visible to the queue
roles of the form's SWV only, each read logged (one entry per row on the list); anything else
is a logged 404. Form configuration is visible to the configuring roles of that SWV.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest

from passend.access import selectors as access
from passend.accounts.models import Membership, OrganisationKind
from passend.cases.models import Phase
from passend.intake.models import DeliveryLink, IntakeFile, IntakeForm, IntakeSubmission
from passend.intake.services import (
    ACTIVITY,
    CONFIG_ACTIVITY,
    CONFIG_ROLES,
    QUEUE_ROLES,
    submission_subject,
)
from passend.privacy.categories import DataCategory
from passend.privacy.context import AccessContext
from passend.privacy.models import Outcome
from passend.privacy.services import LogItem, record_access, record_access_many

QUEUE_LIMIT = 200


def _membership(request: HttpRequest) -> Membership | None:
    return getattr(request, "membership", None)


def is_queue_member(membership: Membership | None) -> bool:
    return (
        membership is not None
        and membership.organisation.kind == OrganisationKind.SWV
        and membership.role in QUEUE_ROLES
    )


def is_config_member(membership: Membership | None) -> bool:
    return (
        membership is not None
        and membership.organisation.kind == OrganisationKind.SWV
        and membership.role in CONFIG_ROLES
    )


def visible_submissions(membership: Membership | None) -> QuerySet[IntakeSubmission]:
    if membership is None or not is_queue_member(membership):
        return IntakeSubmission.objects.none()
    return IntakeSubmission.objects.filter(swv_id=membership.organisation_id)


def queue(request: HttpRequest, *, status: str = "") -> list[IntakeSubmission]:
    """The intake queue of the acting SWV, newest first; every row shown is logged."""
    queryset = visible_submissions(_membership(request))
    if status:
        queryset = queryset.filter(status=status)
    rows: list[IntakeSubmission] = list(
        queryset.select_related("form").annotate(file_count=Count("files"))[:QUEUE_LIMIT]
    )
    record_access_many(
        AccessContext.from_request(request),
        [
            LogItem(
                subject_pseudonym=submission_subject(s),
                object_type="intake.intakesubmission",
                object_id=str(s.pk),
                data_categories=(DataCategory.ORDINARY,),
            )
            for s in rows
        ],
        action="list",
        activity=ACTIVITY,
    )
    return rows


def _denied(request: HttpRequest, action: str, object_type: str, object_id: object) -> None:
    record_access(
        AccessContext.from_request(request),
        action=action,
        activity=ACTIVITY,
        outcome=Outcome.DENIED,
        object_type=object_type,
        object_id=str(object_id)[:64],
        reason="not a submission of this SWV for this role",
    )


def get_submission(
    request: HttpRequest, submission_id: object, *, action: str = "view"
) -> IntakeSubmission:
    pk = access._valid_id(submission_id)
    submission = (
        visible_submissions(_membership(request))
        .select_related("form", "decided_by", "case")
        .filter(pk=pk)
        .first()
        if pk
        else None
    )
    if submission is None:
        _denied(request, action, "intake.intakesubmission", submission_id)
        raise Http404
    categories = {DataCategory.ORDINARY, *(f.category for f in submission.files.all())}
    record_access(
        AccessContext.from_request(request),
        action=action,
        activity=ACTIVITY,
        subject_pseudonym=submission_subject(submission),
        obj=submission,
        data_categories=sorted(categories),
    )
    return submission


def get_file(request: HttpRequest, submission: IntakeSubmission, file_id: object) -> IntakeFile:
    """One attachment of a submission already read through ``get_submission``; logged."""
    pk = access._valid_id(file_id)
    intake_file = submission.files.filter(pk=pk).first() if pk else None
    if intake_file is None:
        _denied(request, "download", "intake.intakefile", file_id)
        raise Http404
    record_access(
        AccessContext.from_request(request),
        action="download",
        activity=ACTIVITY,
        subject_pseudonym=submission_subject(submission),
        obj=intake_file,
        data_categories=[intake_file.category],
    )
    return intake_file


# --- Configuration ----------------------------------------------------------------------------


def config_forms(request: HttpRequest) -> list[Any]:
    membership = _membership(request)
    if membership is None or not is_config_member(membership):
        return []
    return list(
        IntakeForm.objects.filter(swv_id=membership.organisation_id).annotate(
            field_count=Count("fields", distinct=True),
            rule_count=Count("attachment_rules", distinct=True),
        )
    )


def get_config_form(request: HttpRequest, form_id: object) -> IntakeForm:
    membership = _membership(request)
    pk = access._valid_id(form_id)
    form = (
        IntakeForm.objects.filter(pk=pk, swv_id=membership.organisation_id).first()
        if pk and is_config_member(membership) and membership is not None
        else None
    )
    if form is None:
        record_access(
            AccessContext.from_request(request),
            action="view",
            activity=CONFIG_ACTIVITY,
            outcome=Outcome.DENIED,
            object_type="intake.intakeform",
            object_id=str(form_id)[:64],
            reason="not a form of this SWV for this role",
        )
        raise Http404
    return form


def published_form(public_id: str) -> IntakeForm | None:
    """A published form by its public id (no personal data: configuration only)."""
    if not public_id or len(public_id) > 32:
        return None
    return (
        IntakeForm.objects.filter(public_id=public_id, status=IntakeForm.Status.PUBLISHED)
        .select_related("swv")
        .prefetch_related("fields", "attachment_rules")
        .first()
    )


def links_for_case(row: access.CaseRow) -> list[DeliveryLink]:
    """The delivery links of a case the viewer may see (already decided and logged)."""
    return list(
        DeliveryLink.objects.filter(case=row.case).select_related("party", "created_by")[:100]
    )


def delivery_panel(row: access.CaseRow) -> dict[str, Any] | None:
    """The case page's link to its delivery links (CON-06); none once the case is closed."""
    if row.case.phase == Phase.CLOSED:
        return None
    return {"case": row.case}
