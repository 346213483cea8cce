"""Community order use cases: record an order, the day the person reported, a check-in, the end. Each validates
first (bad input raises FieldErrors naming the field and writes nothing), owns its transaction and writes its
audit entry inside it. The report and the end are recorded once, by compare-and-set."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from jiedu.community import rules
from jiedu.community.models import CheckIn, CheckInHow, CommunityOrder, EndReason, OrderKind
from jiedu.core import audit, clock
from jiedu.core.errors import DomainError, FieldErrors
from jiedu.core.selectors import rule_value
from jiedu.patients.models import Affiliation, Person
from jiedu.policy import Action, can
from jiedu.registry.models import Organisation, OrganisationType


def _office_of(actor: Any) -> Organisation:
    org = actor.organisation
    if org is None or org.type != OrganisationType.COMMUNITY_REHAB or not can(actor, Action.COMMUNITY_ORDERS):
        raise DomainError(
            _("Only a community rehab worker records community orders."), code="not_a_community_office"
        )
    return org


def _at_office(actor: Any, order: CommunityOrder) -> None:
    """Only the office carrying out an order changes it (pages scope too; this holds for every caller)."""
    office = _office_of(actor)
    if office.pk != order.office_id:
        raise DomainError(_("Only the office carrying out this order can change it."), code="forbidden")


def _text(value: str, field: str, limit: int, errors: dict[str, list[str]], *, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        errors.setdefault(field, []).append(_("This field is required."))
    elif len(value) > limit:
        errors.setdefault(field, []).append(_("At most %(n)d characters.") % {"n": limit})
    return value


def _past_date(value: dt.date | None, field: str, errors: dict[str, list[str]], today: dt.date) -> None:
    if value is None:
        errors.setdefault(field, []).append(_("The date is required."))
    elif value > today:
        errors.setdefault(field, []).append(_("The date cannot be in the future."))


def _active_exists_message(existing: CommunityOrder) -> str:
    return _(
        "%(name)s already has an active %(kind)s order (%(number)s, %(office)s); end it before recording "
        "another."
    ) % {
        "name": existing.person.name,
        "kind": existing.get_kind_display(),
        "number": existing.decision_number,
        "office": existing.office.name,
    }


def order_record(
    *,
    actor: Any,
    person: Person,
    kind: str,
    decision_number: str,
    issued_by: str,
    decided_on: dt.date | None,
    start_on: dt.date | None,
) -> CommunityOrder:
    """Record an order decided by a public security organ and carried out by the actor's office. The term's end
    and the reporting deadline follow from the start and the region's policy values. The person becomes known
    to the office (an affiliation): the decision is the office's basis for the record."""
    office = _office_of(actor)
    today = clock.local_today()
    errors: dict[str, list[str]] = {}
    if kind not in OrderKind.values:
        errors.setdefault("kind", []).append(_("Choose community detox or community rehab."))
    decision_number = _text(decision_number, "decision_number", 64, errors, required=True)
    issued_by = _text(issued_by, "issued_by", 100, errors, required=True)
    _past_date(decided_on, "decided_on", errors, today)
    if start_on is None:
        errors.setdefault("start_on", []).append(_("The date is required."))
    elif decided_on is not None and start_on < decided_on:
        errors.setdefault("start_on", []).append(_("The order cannot start before it was decided."))
    if errors:
        raise FieldErrors(errors)
    assert start_on is not None and decided_on is not None
    existing = (
        CommunityOrder.objects.select_related("person", "office")
        .filter(person=person, kind=kind, ended_on__isnull=True)
        .first()
    )
    if existing is not None:
        raise FieldErrors({"kind": [_active_exists_message(existing)]})
    if CommunityOrder.objects.filter(
        issued_by=issued_by, decision_number=decision_number, ended_on__isnull=True
    ).exists():
        raise FieldErrors(
            {"decision_number": [_("An active order with this decision number of this authority exists.")]}
        )
    dates = rules.order_dates(
        start_on,
        term_years=rule_value("community.term_years", region_code=office.region_id),
        report_within_days=rule_value("community.report_within_days", region_code=office.region_id),
    )
    try:
        with transaction.atomic(durable=True):
            order = CommunityOrder.objects.create(
                person=person,
                office=office,
                kind=kind,
                decision_number=decision_number,
                issued_by=issued_by,
                decided_on=decided_on,
                start_on=start_on,
                end_on=dates.end_on,
                report_by=dates.report_by,
                created_by=actor,
            )
            Affiliation.objects.get_or_create(
                person=person, organisation=office, defaults={"created_by": actor}
            )
            audit.record(
                "community.order.record",
                actor=actor,
                obj=order,
                detail={
                    "person": person.pk,
                    "kind": kind,
                    "start_on": start_on,
                    "end_on": dates.end_on,
                    "report_by": dates.report_by,
                },
            )
    except IntegrityError:  # recorded concurrently: the same answer as when it is found above
        existing = (
            CommunityOrder.objects.select_related("person", "office")
            .filter(person=person, kind=kind, ended_on__isnull=True)
            .first()
        )
        if existing is not None:
            raise FieldErrors({"kind": [_active_exists_message(existing)]}) from None
        raise FieldErrors(
            {"decision_number": [_("An active order with this decision number of this authority exists.")]}
        ) from None
    return order


def order_report(*, actor: Any, order: CommunityOrder, reported_on: dt.date | None) -> CommunityOrder:
    """The day the person reported to the office, recorded once."""
    _at_office(actor, order)
    errors: dict[str, list[str]] = {}
    _past_date(reported_on, "reported_on", errors, clock.local_today())
    if reported_on is not None and reported_on < order.decided_on:
        errors.setdefault("reported_on", []).append(_("The person cannot report before the decision."))
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic(durable=True):
        claimed = CommunityOrder.objects.filter(
            pk=order.pk, reported_on__isnull=True, ended_on__isnull=True
        ).update(reported_on=reported_on, report_recorded_by=actor)
        if not claimed:
            current = CommunityOrder.objects.get(pk=order.pk)
            if current.reported_on is not None:
                raise FieldErrors(
                    {
                        "reported_on": [
                            _("The report was already recorded: %(day)s.")
                            % {"day": current.reported_on.isoformat()}
                        ]
                    }
                )
            raise FieldErrors({"reported_on": [_("The order has ended.")]})
        audit.record(
            "community.order.reported",
            actor=actor,
            obj=order,
            detail={"reported_on": reported_on, "report_by": order.report_by},
        )
    order.refresh_from_db()
    return order


def order_end(
    *, actor: Any, order: CommunityOrder, ended_on: dt.date | None, reason: str, note: str = ""
) -> CommunityOrder:
    """End the order, once: the term completed (not before the term's end), a breach referred for compulsory
    isolation, death, a move away, or another reason (described in the note)."""
    _at_office(actor, order)
    errors: dict[str, list[str]] = {}
    if reason not in EndReason.values:
        errors.setdefault("reason", []).append(_("Choose why the order ended."))
    _past_date(ended_on, "ended_on", errors, clock.local_today())
    if ended_on is not None and ended_on < order.start_on:
        errors.setdefault("ended_on", []).append(_("The order cannot end before it started."))
    elif ended_on is not None and reason == EndReason.COMPLETED and ended_on < order.end_on:
        errors.setdefault("ended_on", []).append(
            _("The term runs until %(day)s; it cannot be completed before.")
            % {"day": order.end_on.isoformat()}
        )
    note = _text(note, "note", 255, errors, required=reason == EndReason.OTHER)
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic(durable=True):
        claimed = CommunityOrder.objects.filter(pk=order.pk, ended_on__isnull=True).update(
            ended_on=ended_on, end_reason=reason, end_note=note, ended_by=actor
        )
        if not claimed:
            current = CommunityOrder.objects.get(pk=order.pk)
            raise FieldErrors(
                {
                    "ended_on": [
                        _("The order already ended on %(day)s.") % {"day": current.ended_on.isoformat()}
                    ]
                }
            )
        audit.record(
            "community.order.end", actor=actor, obj=order, detail={"ended_on": ended_on, "reason": reason}
        )
    order.refresh_from_db()
    return order


def checkin_record(
    *, actor: Any, order: CommunityOrder, on: dt.date | None, how: str, note: str = ""
) -> CheckIn:
    """A contact with the person, on a day of the order (from its start to its end, or today)."""
    _at_office(actor, order)
    errors: dict[str, list[str]] = {}
    if how not in CheckInHow.values:
        errors.setdefault("how", []).append(_("Choose how the person was met."))
    _past_date(on, "on", errors, clock.local_today())
    if on is not None and on < order.start_on:
        errors.setdefault("on", []).append(
            _("The order starts on %(day)s.") % {"day": order.start_on.isoformat()}
        )
    elif on is not None and order.ended_on is not None and on > order.ended_on:
        errors.setdefault("on", []).append(
            _("The order ended on %(day)s.") % {"day": order.ended_on.isoformat()}
        )
    note = _text(note, "note", 255, errors, required=how == CheckInHow.OTHER)
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic(durable=True):
        checkin = CheckIn.objects.create(order=order, on=on, how=how, note=note, by=actor)
        audit.record(
            "community.checkin.record",
            actor=actor,
            obj=checkin,
            detail={"order": order.pk, "on": on, "how": how},
        )
    return checkin
