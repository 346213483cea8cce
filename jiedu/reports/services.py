"""Filing and acknowledging reports. Filing happens inside the transaction of the event it reports."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from jiedu.core import audit, clock
from jiedu.core.clock import SHANGHAI
from jiedu.core.errors import DomainError
from jiedu.core.policy_values import region_chain
from jiedu.core.selectors import add_working_days, rule_value
from jiedu.registry.models import Organisation, OrganisationType
from jiedu.reports.models import (
    DEADLINE_HOURS,
    NAMED_ONLY,
    PERSON_KINDS,
    Basis,
    Delivery,
    Disclosed,
    Disclosure,
    Escalation,
    RecipientRule,
    Report,
)

#: What a report about a person discloses to each recipient (the minimal fields).
REPORT_FIELDS = [Disclosed.NAME.value, Disclosed.ID_NUMBER.value, Disclosed.EVENT.value]


def recipients_for(*, kind: str, region_codes: list[str]) -> list[int]:
    """Organisations receiving ``kind`` for the first region (most specific first) that has any rule. A rule for
    every kind covers the reports about a person (but a voluntary admission); other kinds (a loss of stock, a
    voluntary admission) need a rule naming them."""
    named = Q(kind=kind) | Q(kind="") if kind in PERSON_KINDS - NAMED_ONLY else Q(kind=kind)
    for code in region_codes:
        rules = RecipientRule.objects.filter(region_id=code).filter(named)
        ids = sorted(set(rules.values_list("recipient_id", flat=True)))
        if ids:
            return ids
    return []


def report_file(
    *,
    kind: str,
    source: Any,
    event_on: dt.date,
    dedupe_key: str,
    person: Any = None,
    summary: str = "",
    actor: Any = None,
) -> Report | None:
    """File a report once per ``dedupe_key``; returns None when it had been filed already. A report about a
    person carries the minimal identity fields; any other carries ``summary`` (what happened, no more)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("report_file() runs inside the transaction of the event it reports.")
    if (person is None) == (kind in PERSON_KINDS) or (person is None and not summary.strip()):
        raise ValueError(f"A {kind} report needs {'a person' if kind in PERSON_KINDS else 'a summary'}.")
    now = clock.now()
    try:
        with transaction.atomic():
            report = Report.objects.create(
                kind=kind,
                person=person,
                source=source,
                event_on=event_on,
                created_at=now,
                subject_name=person.name if person else "",
                subject_id_encrypted=person.id_number_encrypted if person else "",
                subject_id_masked=person.id_number_masked if person else "",
                summary=summary.strip(),
                dedupe_key=dedupe_key,
            )
    except IntegrityError:
        return None
    chain = [*region_chain(person.household_region_id)] if person else []
    chain += region_chain(source.region_id)
    recipients = recipients_for(kind=kind, region_codes=list(dict.fromkeys(chain)))
    due_at = _deadline(kind, source.region_id, now)
    Delivery.objects.bulk_create([Delivery(report=report, recipient_id=r, due_at=due_at) for r in recipients])
    if person is not None:
        Disclosure.objects.bulk_create(
            [
                Disclosure(
                    person=person,
                    source=source,
                    recipient_id=r,
                    at=now,
                    fields=REPORT_FIELDS,
                    basis=Basis.REPORTING_DUTY,
                    via=f"report:{report.pk}",
                )
                for r in recipients
            ]
        )
    audit.record(
        "report.file",
        actor=actor,
        organisation=source,
        obj=report,
        detail={"kind": kind, "recipients": recipients},
    )
    return report


def _deadline(kind: str, region: str, now: dt.datetime) -> dt.datetime:
    """Hours after filing for the kinds policy counts in hours; otherwise the end of the working day that is
    ``reports.deadline_working_days`` after today."""
    if kind in DEADLINE_HOURS:
        return now + dt.timedelta(hours=rule_value(DEADLINE_HOURS[kind], region_code=region))
    days = rule_value("reports.deadline_working_days", region_code=region)
    due_day = add_working_days(clock.local_today(), days)
    return dt.datetime.combine(due_day, dt.time(23, 59, 59), tzinfo=SHANGHAI)


class AlreadyAcknowledged(DomainError):
    code = "already_acknowledged"


def report_acknowledge(*, actor: Any, delivery: Delivery) -> Delivery:
    with transaction.atomic(durable=True):
        claimed = Delivery.objects.filter(pk=delivery.pk, acknowledged_at__isnull=True).update(
            acknowledged_at=clock.now(), acknowledged_by=actor
        )
        if not claimed:
            raise AlreadyAcknowledged(_("This report was already acknowledged."))
        audit.record("report.acknowledge", actor=actor, obj=delivery.report, detail={"delivery": delivery.pk})
    delivery.refresh_from_db()
    return delivery


def narcotics_office_for(region_code: str) -> Organisation | None:
    """The narcotics control office of the region, else of the prefecture, else of the province."""
    for code in region_chain(region_code):
        office = (
            Organisation.objects.filter(
                type=OrganisationType.NARCOTICS_OFFICE, region_id=code, is_active=True
            )
            .order_by("pk")
            .first()
        )
        if office is not None:
            return office
    return None


def reports_escalate(*, now: dt.datetime | None = None, dry_run: bool = False) -> list[int]:
    """Deliveries still unacknowledged ``reports.escalate_after_days`` after their deadline go to the narcotics
    control office of the reporting organisation's region, once each. Idempotent; for the daily timer."""
    now = now or clock.now()
    late = (
        Delivery.objects.filter(acknowledged_at__isnull=True, escalation__isnull=True, due_at__lt=now)
        .select_related("report__source")
        .order_by("due_at", "pk")
    )
    escalated = []
    for delivery in late:
        source = delivery.report.source
        grace = rule_value("reports.escalate_after_days", region_code=source.region_id)
        if delivery.due_at + dt.timedelta(days=grace) > now:
            continue
        office = narcotics_office_for(source.region_id)
        if office is None:
            continue
        if dry_run:
            escalated.append(delivery.pk)
            continue
        try:
            with transaction.atomic():
                escalation = Escalation.objects.create(delivery=delivery, office=office, at=now)
                audit.record(
                    "report.escalate",
                    organisation=office,
                    obj=delivery.report,
                    detail={"delivery": delivery.pk, "escalation": escalation.pk},
                )
        except IntegrityError:  # escalated by another run at the same moment
            continue
        escalated.append(delivery.pk)
    return escalated
