"""Writes of retention (PRV-06): legal holds and the daily purge of expired cases.

The purge deletes a case with everything that belongs to it. Apps whose data need more than a
database cascade do it through their own services: ``documents.services.delete_for_case``
(encrypted blobs, removed after the commit), ``consultations.services.delete_for_case``
(agenda items and minutes, the plan — both protect the case) and
``terms.services.delete_for_objects`` (terms refer to objects by type and id). Everything else
(participants, entries, consents, grounds, justifications, messages, letters, TLV, arrangements,
attendance records of the case, …) is removed by ``on_delete=CASCADE`` from the case. The access
log is never touched: it refers to objects by id only and is append-only.

Issue 10: the daily purge deletes expired cases in batches (``BATCH_SIZE`` cases per
transaction) with set-based deletes per related model (``purge_batch``), so the number of
queries grows with the batch count, not with the number of cases. A batch that something
outside the cases still protects is rolled back and halved until the protected cases are
alone; those go through ``purge_case`` so that failures are still counted per case. Within a batch the agenda items and plans (which protect
the case) are deleted by the same cascade ``consultations.services.delete_for_case`` uses, with
their terms among the terms of every deleted object.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import F, Model, ProtectedError, QuerySet, RestrictedError
from django.db.models.deletion import Collector
from django.utils import timezone
from django.utils.translation import gettext as _

from passend.access.actor import Actor
from passend.access.selectors import case_subject
from passend.accounts.models import Role
from passend.bsn_guard import ensure_no_bsn
from passend.cases.models import Case, Phase
from passend.privacy.context import AccessContext
from passend.privacy.services import LogItem, record_access, record_access_many
from passend.retention.models import DeletionRecord, LegalHold, PurgeRun, RetentionPolicy
from passend.retention.selectors import expiry_of, held_case_ids, policies_by_key

ACTIVITY = "retention"
logger = logging.getLogger(__name__)

# Who may place or lift a legal hold: the functional administrator, the SWV board and the FG.
HOLD_ROLES = frozenset({Role.FUNCTIONAL_ADMIN, Role.SWV_DIRECTOR, Role.PRIVACY_OFFICER})
# Cases per transaction of the purge (issue 10: bounded queries per batch, not per case).
BATCH_SIZE = 500


# --- Legal holds --------------------------------------------------------------------------------


def _require_hold_role(actor: Actor) -> None:
    if actor.membership is None or actor.membership.role not in HOLD_ROLES:
        raise PermissionDenied


@transaction.atomic
def place_hold(actor: Actor, case: Case, *, reason: str, until: dt.date | None = None) -> LegalHold:
    """PRV-06: a case under a legal hold is skipped by the purge until the hold ends."""
    _require_hold_role(actor)
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise ValidationError(
            {"reason": _("Geef een reden van minstens 10 tekens voor de bewaarplicht (PRV-06).")}
        )
    ensure_no_bsn({"reason": reason})
    if until is not None and until < timezone.localdate():
        raise ValidationError(
            {"until": _("De einddatum van de bewaarplicht ligt in het verleden.")}
        )
    hold = LegalHold.objects.create(case=case, reason=reason, until=until, placed_by=actor.user)
    record_access(
        actor.context,
        action="legal_hold_placed",
        activity=ACTIVITY,
        subject_pseudonym=case_subject(case),
        obj=hold,
    )
    return hold


def place_hold_by_pseudonym(
    actor: Actor, *, pseudonym: str, reason: str, until: dt.date | None = None
) -> LegalHold:
    """For the FG, who knows cases by pseudonym only (no case content is shown)."""
    _require_hold_role(actor)
    case = Case.objects.filter(pseudonym=(pseudonym or "").strip().upper()).first()
    if case is None:
        raise ValidationError({"pseudonym": _("Er is geen traject met dit pseudoniem.")})
    return place_hold(actor, case, reason=reason, until=until)


@transaction.atomic
def lift_hold(actor: Actor, hold: LegalHold) -> LegalHold:
    _require_hold_role(actor)
    if hold.lifted_at is None:
        hold.lifted_at = timezone.now()
        hold.lifted_by = actor.user
        hold.save(update_fields=["lifted_at", "lifted_by"])
        record_access(
            actor.context,
            action="legal_hold_lifted",
            activity=ACTIVITY,
            subject_pseudonym=case_subject(hold.case),
            obj=hold,
        )
    return hold


# --- Purge --------------------------------------------------------------------------------------


@dataclass
class PurgeReport:
    run: PurgeRun
    counts: Counter[str] = field(default_factory=Counter)

    def lines(self) -> list[str]:
        run = self.run
        lines = [
            _("Vernietigd: %(n)s trajecten, %(rows)s rijen, %(files)s bestanden.")
            % {"n": run.cases_deleted, "rows": run.rows_deleted, "files": run.files_deleted},
            _("Overgeslagen wegens bewaarplicht: %(n)s.") % {"n": run.cases_held},
            _("Niet gelukt: %(n)s.") % {"n": run.cases_failed},
        ]
        if run.dry_run:
            lines.insert(0, _("Proefdraai: er is niets vernietigd."))
        lines += [f"  {label}: {number}" for label, number in sorted(self.counts.items())]
        lines += [f"  ! {reason}: {number}" for reason, number in sorted(run.failures.items())]
        return lines


def expired_cases(today: dt.date) -> tuple[list[tuple[Case, RetentionPolicy, dt.date]], int]:
    """Closed cases whose term has passed, without an active hold; and how many were held."""
    policies = policies_by_key()
    held = held_case_ids(today)
    expired: list[tuple[Case, RetentionPolicy, dt.date]] = []
    held_count = 0
    closed = Case.objects.filter(phase=Phase.CLOSED, closed_at__isnull=False).only(
        "pk", "kind", "owner_id", "closed_at", "pupil_id"
    )
    for case in closed.iterator(chunk_size=2000):
        found = expiry_of(case, policies)
        if found is None:
            continue
        policy, expires_on = found
        if expires_on > today:
            continue
        if case.pk in held:
            held_count += 1
            continue
        expired.append((case, policy, expires_on))
    return expired, held_count


def _collected_objects(case: Case) -> set[tuple[str, str]]:
    """Everything the case's cascade will delete, to remove their terms too.

    Raises ``ProtectedError`` when something outside the case still protects it.
    """
    collector = Collector(using=DEFAULT_DB_ALIAS)
    collector.collect([case])
    objects = {
        (model._meta.label_lower, str(instance.pk))
        for model, instances in collector.data.items()
        for instance in instances
    }
    return objects


def purge_case(
    case: Case, policy: RetentionPolicy, expires_on: dt.date, run: PurgeRun
) -> DeletionRecord:
    """Deletes one case and everything that belongs to it, in one transaction."""
    from passend.consultations import services as consultation_services
    from passend.documents import services as document_services
    from passend.terms import services as term_services

    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        counts: Counter[str] = Counter()
        record_access(
            AccessContext.system(),
            action="retention_delete",
            activity=ACTIVITY,
            subject_pseudonym=case_subject(locked),
            obj=locked,
            legal_ground="retention_expired",
            reason=f"policy {policy.pk} expired {expires_on.isoformat()}",
        )
        document_counts = document_services.delete_for_case(locked.pk)
        files = document_counts.pop("files", 0)
        counts.update(document_counts)
        counts.update(consultation_services.delete_for_case(locked.pk))
        objects = _collected_objects(locked)
        counts["terms.term"] += term_services.delete_for_objects(objects)
        _total, per_model = locked.delete()
        counts.update({label.lower(): number for label, number in per_model.items()})
        counts = Counter({label: number for label, number in counts.items() if number})
        record = DeletionRecord.objects.create(
            run=run,
            deleted_at=timezone.now(),
            case_kind=locked.kind,
            owner_id=locked.owner_id,
            closed_on=timezone.localdate(locked.closed_at or timezone.now()),
            expired_on=expires_on,
            policy=policy,
            policy_label=str(policy)[:200],
            counts=dict(sorted(counts.items())),
            files_deleted=files,
        )
    return record


_OWNER_PREFIX = "retention_parent_"


def _concrete(model: Any) -> type[Model]:
    return model._meta.concrete_model or model


class _AttributingCollector(Collector):
    """A ``Collector`` for a batch of cases that knows to which case every collected row
    belongs, so that each case still gets its own deletion record with its own counts.

    Related rows are loaded per model and per batch (no fast deletes: the rows must be seen
    to be attributed); every query carries the parent's key as an annotation.
    """

    def __init__(self) -> None:
        super().__init__(using=DEFAULT_DB_ALIAS)
        # concrete model -> [(annotation, parent concrete model)]
        self.links: dict[type[Model], set[tuple[str, type[Model]]]] = defaultdict(set)

    def can_fast_delete(self, objs: Any, from_field: Any = None) -> bool:
        return False

    def related_objects(self, related_model: Any, related_fields: Any, objs: Any) -> QuerySet[Any]:
        queryset = super().related_objects(related_model, related_fields, objs)
        field = related_fields[0]
        if len(related_fields) != 1 or not field.target_field.primary_key:
            return queryset  # not attributed (never the case for the models of a case)
        name = _OWNER_PREFIX + field.attname
        parent = _concrete(field.remote_field.model)
        self.links[_concrete(related_model)].add((name, parent))
        return queryset.annotate(**{name: F(field.attname)})

    def owners(
        self, roots: dict[tuple[type[Model], Any], int]
    ) -> dict[tuple[type[Model], Any], int]:
        """The case id of every collected row, following the foreign keys the cascade went
        through; ``roots`` maps the root objects ``(concrete model, pk)`` to their case id."""
        owner = dict(roots)
        changed = True
        while changed:
            changed = False
            for model, instances in self.data.items():
                concrete = _concrete(model)
                for instance in instances:
                    key = (concrete, instance.pk)
                    if key in owner:
                        continue
                    for name, parent in self.links.get(concrete, ()):
                        found = owner.get((parent, getattr(instance, name, None)))
                        if found is not None:
                            owner[key] = found
                            changed = True
                            break
        return owner


def _delete_attributed(
    roots: QuerySet[Any], owner_of: Any, owners: dict[tuple[str, str], int]
) -> dict[int, Counter[str]]:
    """Deletes ``roots`` with their cascade; returns rows per model label for each case id
    (0: rows that could not be attributed) and adds every deleted object to ``owners``
    (``(object_type, object_id)`` -> case id, for their terms)."""
    objs = list(roots)
    if not objs:
        return {}
    collector = _AttributingCollector()
    collector.collect(objs)
    owner = collector.owners({(_concrete(type(o)), o.pk): owner_of(o) for o in objs})
    counts: dict[int, Counter[str]] = defaultdict(Counter)
    for model, instances in collector.data.items():
        concrete = _concrete(model)
        label = concrete._meta.label_lower
        for instance in instances:
            case_id = owner.get((concrete, instance.pk), 0)
            counts[case_id][label] += 1
            owners[(label, str(instance.pk))] = case_id
    collector.delete()
    return counts


def purge_batch(
    items: list[tuple[Case, RetentionPolicy, dt.date]], run: PurgeRun, today: dt.date
) -> tuple[list[DeletionRecord], Counter[str]]:
    """Deletes a batch of expired cases with everything that belongs to them, in one
    transaction, with set-based deletes per related model (issue 10). Cases that got a legal
    hold since they were selected are skipped. Raises ``ProtectedError``/``RestrictedError``
    when something outside the batch still protects one of its cases (nothing is deleted)."""
    from passend.consultations.models import AgendaItem, Plan
    from passend.documents import services as document_services
    from passend.terms import services as term_services
    from passend.terms.models import Term

    wanted = {case.pk: (policy, expires_on) for case, policy, expires_on in items}
    with transaction.atomic():
        held = held_case_ids(today)
        locked = list(
            Case.objects.select_for_update()
            .filter(pk__in=[pk for pk in wanted if pk not in held])
            .only("pk", "kind", "owner_id", "closed_at", "pupil_id")
            .order_by("pk")
        )
        if not locked:
            return [], Counter()
        ids = [case.pk for case in locked]
        record_access_many(
            AccessContext.system(),
            [
                LogItem(
                    subject_pseudonym=case_subject(case),
                    object_type="cases.case",
                    object_id=str(case.pk),
                    legal_ground="retention_expired",
                )
                for case in locked
            ],
            action="retention_delete",
            activity=ACTIVITY,
        )
        counts: dict[int, Counter[str]] = defaultdict(Counter)
        files: Counter[int] = Counter()
        for case_id, per_case in document_services.delete_for_cases(ids).items():
            files[case_id] = per_case.pop("files", 0)
            counts[case_id].update(per_case)
        owners: dict[tuple[str, str], int] = {}
        # Agenda items and plans protect the case: first them, then the cases.
        for roots in (
            AgendaItem.objects.filter(case_id__in=ids).order_by("pk"),
            Plan.objects.filter(case_id__in=ids).order_by("pk"),
        ):
            for case_id, per_case in _delete_attributed(roots, lambda o: o.case_id, owners).items():
                counts[case_id].update(per_case)
        # The cases' own cascade (collected before anything of it is deleted).
        for case_id, per_case in _delete_attributed(
            Case.objects.filter(pk__in=ids).order_by("pk"), lambda o: o.pk, owners
        ).items():
            counts[case_id].update(per_case)
        # Terms refer to objects by type and id: count them per case, then delete them.
        by_type: dict[str, list[str]] = defaultdict(list)
        for object_type, object_id in owners:
            by_type[object_type].append(object_id)
        for object_type, object_ids in by_type.items():
            for start in range(0, len(object_ids), 500):
                chunk = object_ids[start : start + 500]
                for object_id in Term.objects.filter(
                    object_type=object_type, object_id__in=chunk
                ).values_list("object_id", flat=True):
                    counts[owners[(object_type, object_id)]]["terms.term"] += 1
        term_services.delete_for_objects(set(owners))
        now = timezone.now()
        records = []
        for case in locked:
            policy, expires_on = wanted[case.pk]
            per_case = counts.get(case.pk, Counter())
            records.append(
                DeletionRecord(
                    run=run,
                    deleted_at=now,
                    case_kind=case.kind,
                    owner_id=case.owner_id,
                    closed_on=timezone.localdate(case.closed_at or now),
                    expired_on=expires_on,
                    policy=policy,
                    policy_label=str(policy)[:200],
                    counts=dict(sorted((k, v) for k, v in per_case.items() if v)),
                    files_deleted=files[case.pk],
                )
            )
        DeletionRecord.objects.bulk_create(records)
    # Rows no case could be attributed to (none for today's models): counted for the run.
    return records, counts.get(0, Counter())


def purge_expired(
    *,
    today: dt.date | None = None,
    dry_run: bool = False,
    trigger: str = "command",
    batch_size: int = BATCH_SIZE,
) -> PurgeReport:
    """The daily task: deletes every expired case without an active legal hold (PRV-06)."""
    today = today or timezone.localdate()
    run = PurgeRun.objects.create(started_at=timezone.now(), trigger=trigger, dry_run=dry_run)
    report = PurgeReport(run)
    expired, held_count = expired_cases(today)
    run.cases_held = held_count
    failures: Counter[str] = Counter()
    if dry_run:
        report.counts["cases.case"] += len(expired)
        expired = []
    retry: list[tuple[Case, RetentionPolicy, dt.date]] = []
    batches = [expired[start : start + batch_size] for start in range(0, len(expired), batch_size)]
    while batches:
        batch = batches.pop(0)
        try:
            records, unattributed = purge_batch(batch, run, today)
        except (ProtectedError, RestrictedError):
            # Something outside protects a case of the batch: halve the batch until the
            # protected cases are alone; they go the single-case way below to be counted.
            if len(batch) == 1:
                retry += batch
            else:
                batches[:0] = [batch[: len(batch) // 2], batch[len(batch) // 2 :]]
            continue
        for record in records:
            run.cases_deleted += 1
            run.files_deleted += record.files_deleted
            run.rows_deleted += sum(record.counts.values())
            report.counts.update(record.counts)
        run.rows_deleted += sum(unattributed.values())
        report.counts.update(unattributed)
    for case, policy, expires_on in retry:
        try:
            record = purge_case(case, policy, expires_on, run)
        except (ProtectedError, RestrictedError) as error:
            # Something outside the case's own data still refers to it (e.g. a later TLV
            # application). Counted by model, never by id; the next run tries again.
            blocking = (
                error.protected_objects
                if isinstance(error, ProtectedError)
                else error.restricted_objects
            )
            models = sorted({obj._meta.label_lower for obj in blocking})
            failures[f"protected by {','.join(models)}"[:100]] += 1
            continue
        except Case.DoesNotExist:
            continue
        run.cases_deleted += 1
        run.files_deleted += record.files_deleted
        run.rows_deleted += sum(record.counts.values())
        report.counts.update(record.counts)
    run.cases_failed = sum(failures.values())
    run.failures = dict(failures)
    run.finished_at = timezone.now()
    run.save()
    record_access(
        AccessContext.system(),
        action="retention_run",
        activity=ACTIVITY,
        obj=run,
        reason=(
            f"deleted={run.cases_deleted} held={run.cases_held} failed={run.cases_failed}"
            + (" dry-run" if dry_run else "")
        ),
    )
    return report


def describe(report: PurgeReport) -> dict[str, Any]:
    """The run as plain counts (task result)."""
    run = report.run
    return {
        "run": run.pk,
        "dry_run": run.dry_run,
        "cases_deleted": run.cases_deleted,
        "cases_held": run.cases_held,
        "cases_failed": run.cases_failed,
        "rows_deleted": run.rows_deleted,
        "files_deleted": run.files_deleted,
    }
