"""Community rehab office pages: its orders, recording one, an order with its check-ins, and its people's
attendance at MMT (dosed or not, day by day)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jiedu.community import rules, selectors, services
from jiedu.community.forms import CheckInForm, EndForm, OrderForm, ReportedForm
from jiedu.community.models import CommunityOrder
from jiedu.core import audit, clock, months
from jiedu.core.errors import DomainError, FieldErrors
from jiedu.core.forms import apply_field_errors
from jiedu.patients import selectors as person_selectors
from jiedu.policy import Action
from jiedu.policy.scope import persons_in_scope
from jiedu.policy.views import guard


@guard(Action.COMMUNITY_ORDERS)
@require_GET
def order_list(request: HttpRequest) -> HttpResponse:
    today = clock.local_today()
    rows = selectors.order_list(user=request.user, today=today)
    return render(request, "community/list.html", {"rows": rows, "today": today})


def _pick(request: HttpRequest) -> HttpResponse:
    """Without a person: find one among the office's people (searches are audited as on the persons page)."""
    query = request.GET.get("q", "").strip()
    results = person_selectors.person_search(user=request.user, query=query) if query else []
    if query:
        with transaction.atomic():
            audit.record(
                "person.search",
                actor=request.user,
                detail={
                    "query": person_selectors.masked_query(query),
                    "kind": person_selectors.search_kind(query),
                    "results": len(results),
                },
            )
    return render(request, "community/pick.html", {"query": query, "results": results})


@guard(Action.COMMUNITY_ORDERS)
@require_http_methods(["GET", "POST"])
def order_new(request: HttpRequest) -> HttpResponse:
    if request.method == "GET" and "person" not in request.GET:
        return _pick(request)
    person = persons_in_scope(request.user).filter(pk=request.GET.get("person") or 0).first()
    if person is None:
        raise Http404
    form = OrderForm(request.POST or None, initial={"decided_on": clock.local_today()})
    if request.method == "POST" and form.is_valid():
        try:
            order = services.order_record(actor=request.user, person=person, **form.cleaned_data)
        except FieldErrors as exc:
            apply_field_errors(form, exc)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _(
                    "The order is recorded: the term ends on %(end)s; the person reports to the office by %(by)s."
                )
                % {"end": order.end_on.isoformat(), "by": order.report_by.isoformat()},
            )
            return HttpResponseRedirect(reverse("community:detail", args=[order.pk]))
    return render(
        request, "community/new.html", {"form": form, "person": person}, status=400 if form.errors else 200
    )


def _order_or_404(request: HttpRequest, pk: int) -> CommunityOrder:
    order = selectors.office_orders(user=request.user).select_related("person").filter(pk=pk).first()
    if order is None:
        raise Http404
    return order


def _detail(
    request: HttpRequest, order: CommunityOrder, bound: dict[str, forms.Form] | None = None
) -> HttpResponse:
    today = clock.local_today()
    page_forms: dict[str, forms.Form] = {
        "checkin": CheckInForm(prefix="checkin", initial={"on": today}),
        "reported": ReportedForm(prefix="reported", initial={"reported_on": today}),
        "end": EndForm(prefix="end", initial={"ended_on": today}),
        **(bound or {}),
    }
    context = {
        "order": order,
        "person": order.person,
        "checkins": list(order.checkins.select_related("by")),
        "report_state": rules.report_state(
            report_by=order.report_by, reported_on=order.reported_on, today=today
        ),
        "forms": page_forms,
    }
    status = 400 if any(f.errors for f in (bound or {}).values()) else 200
    return render(request, "community/detail.html", context, status=status)


@guard(Action.COMMUNITY_ORDERS)
@require_GET
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _order_or_404(request, pk))


def _act(
    request: HttpRequest,
    pk: int,
    *,
    name: str,
    form_class: type[forms.Form],
    do: Callable[[CommunityOrder, dict[str, Any]], Any],
    done: str,
) -> HttpResponse:
    order = _order_or_404(request, pk)
    form = form_class(request.POST, prefix=name)
    if form.is_valid():
        try:
            do(order, form.cleaned_data)
        except FieldErrors as exc:
            apply_field_errors(form, exc)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, done)
            return HttpResponseRedirect(reverse("community:detail", args=[order.pk]))
    return _detail(request, order, {name: form})


@guard(Action.COMMUNITY_ORDERS)
@require_POST
def checkin(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        name="checkin",
        form_class=CheckInForm,
        do=lambda order, data: services.checkin_record(actor=request.user, order=order, **data),
        done=_("The check-in is recorded."),
    )


@guard(Action.COMMUNITY_ORDERS)
@require_POST
def reported(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        name="reported",
        form_class=ReportedForm,
        do=lambda order, data: services.order_report(actor=request.user, order=order, **data),
        done=_("The day the person reported is recorded."),
    )


@guard(Action.COMMUNITY_ORDERS)
@require_POST
def end(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        name="end",
        form_class=EndForm,
        do=lambda order, data: services.order_end(actor=request.user, order=order, **data),
        done=_("The end of the order is recorded."),
    )


@guard(Action.COMMUNITY_ORDERS)
@require_GET
def attendance(request: HttpRequest) -> HttpResponse:
    today = clock.local_today()
    month = months.parse_month(request.GET.get("month", "")) or today.replace(day=1)
    rows = selectors.attendance(user=request.user, month=month, today=today)
    days = [month.replace(day=d) for d in range(1, months.month_days(month) + 1)]
    return render(
        request,
        "community/attendance.html",
        {
            "month": month,
            "rows": rows,
            "days": days,
            "previous": months.months_back(month, 1),
            "next": months.months_back(month, -1),
        },
    )
