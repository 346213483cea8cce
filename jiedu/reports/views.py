"""Report inboxes for police stations and community rehab offices, and a clinic's sent reports."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiedu.core import audit, clock
from jiedu.policy import Action
from jiedu.policy.views import guard
from jiedu.reports import selectors, services
from jiedu.reports.forms import TABS, InboxFilterForm
from jiedu.reports.models import Delivery


@dataclass(frozen=True)
class InboxRow:
    delivery: Delivery
    id_number: str
    overdue: bool


def _row(delivery: Delivery, now: dt.datetime) -> InboxRow:
    return InboxRow(
        delivery=delivery,
        id_number=delivery.report.subject_id_number(),
        overdue=delivery.is_overdue(now),
    )


def _delivery_or_404(request: HttpRequest, pk: int) -> Delivery:
    try:
        return selectors.delivery_get(user=request.user, pk=pk)
    except Delivery.DoesNotExist:
        raise Http404 from None


@guard(Action.REPORT_INBOX)
def inbox(request: HttpRequest) -> HttpResponse:
    tab = InboxFilterForm(request.GET).selected()
    deliveries = list(
        selectors.inbox(user=request.user, overdue_only=tab == "overdue", unacknowledged_only=tab == "open")
        .select_related("acknowledged_by")
        .order_by("-report__created_at", "-pk")
    )
    now = clock.now()
    rows = [_row(d, now) for d in deliveries]
    with transaction.atomic():
        audit.record("report.inbox_view", actor=request.user, detail={"count": len(rows)})
    return render(request, "reports/inbox.html", {"rows": rows, "tab": tab, "tabs": TABS, "now": now})


@guard(Action.REPORT_INBOX)
@require_POST
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = _delivery_or_404(request, pk)
    try:
        delivery = services.report_acknowledge(actor=request.user, delivery=delivery)
        notice, level = _("Acknowledged."), messages.SUCCESS
    except services.AlreadyAcknowledged as exc:
        notice, level = exc.message, messages.WARNING
    if request.headers.get("HX-Request"):
        now = clock.now()
        fresh = selectors.inbox(user=request.user).select_related("acknowledged_by").get(pk=delivery.pk)
        return render(
            request, "reports/_inbox_row.html", {"row": _row(fresh, now), "now": now, "notice": notice}
        )
    messages.add_message(request, level, notice)
    return HttpResponseRedirect(reverse("reports:inbox"))


@guard(Action.REPORT_SENT_VIEW)
def sent(request: HttpRequest) -> HttpResponse:
    reports = list(selectors.sent(user=request.user)[:200])
    now = clock.now()
    rows = [(r, [(d, d.is_overdue(now)) for d in r.deliveries.all()]) for r in reports]
    return render(request, "reports/sent.html", {"rows": rows})


@guard(Action.REPORT_ESCALATIONS)
def escalations(request: HttpRequest) -> HttpResponse:
    rows = list(selectors.escalations(user=request.user)[:300])
    with transaction.atomic():
        audit.record("report.escalations_view", actor=request.user, detail={"count": len(rows)})
    return render(request, "reports/escalations.html", {"rows": rows, "now": clock.now()})
