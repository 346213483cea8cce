"""Report inboxes: only what is addressed to the user's organisation."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from jiedu.core import clock
from jiedu.policy.rules import Action, can
from jiedu.reports.models import Delivery, Disclosure, Escalation, Report


def inbox(*, user: Any, overdue_only: bool = False, unacknowledged_only: bool = False) -> QuerySet[Delivery]:
    if not can(user, Action.REPORT_INBOX):
        return Delivery.objects.none()
    qs = Delivery.objects.filter(recipient_id=user.organisation_id).select_related("report", "report__source")
    if unacknowledged_only or overdue_only:
        qs = qs.filter(acknowledged_at__isnull=True)
    if overdue_only:
        qs = qs.filter(due_at__lt=clock.now())
    return qs.order_by("acknowledged_at", "due_at", "pk")


def sent(*, user: Any) -> QuerySet[Report]:
    """Reports the user's organisation filed, each with its deliveries."""
    if not can(user, Action.REPORT_SENT_VIEW):
        return Report.objects.none()
    deliveries = Delivery.objects.select_related("recipient", "acknowledged_by").order_by(
        "recipient__name", "pk"
    )
    return (
        Report.objects.filter(source_id=user.organisation_id)
        .prefetch_related(Prefetch("deliveries", queryset=deliveries))
        .order_by("-created_at", "-pk")
    )


def delivery_get(*, user: Any, pk: int) -> Delivery:
    return inbox(user=user).get(pk=pk)


def escalations(*, user: Any) -> QuerySet[Escalation]:
    """Reports escalated to the user's narcotics control office: who filed what and who has not acknowledged
    it — not about whom (the office chases organisations, it does not need the person)."""
    if not can(user, Action.REPORT_ESCALATIONS):
        return Escalation.objects.none()
    return (
        Escalation.objects.filter(office_id=user.organisation_id)
        .select_related("delivery__report__source", "delivery__recipient", "delivery__acknowledged_by")
        .order_by("delivery__acknowledged_at", "-at", "-pk")
    )


def disclosures(*, user: Any, person: Any) -> QuerySet[Disclosure]:
    """The person's disclosure register, for those who may see the person (the caller has checked the scope)."""
    if not can(user, Action.PERSON_VIEW):
        return Disclosure.objects.none()
    register = Disclosure.objects.filter(person=person)
    if not can(user, Action.LAB_INFECTION):  # an ART referral reveals HIV status: only to its receiver
        register = register.filter(Q(infection=False) | Q(recipient_id=user.organisation_id))
    return register.select_related("source", "recipient").order_by("-at", "-pk")
