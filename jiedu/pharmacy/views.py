"""Stock pages of a clinic and its dosing points: balances, ledger, and the two-person stock forms."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from jiedu.accounts.services import countersign
from jiedu.core import clock
from jiedu.core.errors import FieldErrors
from jiedu.core.forms import apply_field_errors
from jiedu.pharmacy import selectors, services
from jiedu.pharmacy.forms import (
    DayCloseForm,
    DayCloseStoreForm,
    IssueForm,
    LossForm,
    ReceiveForm,
    TransferForm,
    WasteForm,
)
from jiedu.pharmacy.models import DayClose
from jiedu.policy import Action, can
from jiedu.policy.views import guard


def _form_page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    status = 400 if context["form"].errors else 200
    return render(request, template, context, status=status)


@guard(Action.STOCK_VIEW)
def stock(request: HttpRequest) -> HttpResponse:
    overview = selectors.stock_overview(user=request.user)
    return render(
        request,
        "pharmacy/stock.html",
        {
            "overview": overview,
            "hide_manage": not can(request.user, Action.STOCK_MANAGE),
            "warning_days": overview.warning_days,
        },
    )


def _signed_form(
    request: HttpRequest,
    form: Any,
    template: str,
    perform: Callable[[dict[str, Any]], str],
    *,
    field_map: dict[str, str] | None = None,
    level: int = messages.SUCCESS,
) -> HttpResponse:
    """A two-person stock form: the witness signs with their password, the service does the work and says
    what was done; a refusal is shown beside its field and writes nothing."""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            countersign(request=request, user=data["witness"], password=data["witness_password"])
            message = perform(data)
        except FieldErrors as exc:
            apply_field_errors(form, exc, field_map)
        except services.InsufficientStock as exc:
            form.add_error("quantity", exc.message)
        else:
            messages.add_message(request, level, message)
            return HttpResponseRedirect(reverse("pharmacy:stock"))
    return _form_page(request, template, {"form": form})


@guard(Action.STOCK_MANAGE)
@require_http_methods(["GET", "POST"])
def receive(request: HttpRequest) -> HttpResponse:
    def perform(data: dict[str, Any]) -> str:
        entry = services.stock_receive(
            actor=request.user,
            witness=data["witness"],
            store=data["store"],
            line=services.ReceiptLine(
                drug=data["drug"],
                batch_no=data["batch_no"],
                expiry=data["expiry"],
                maker=data["maker"],
                quantity=data["quantity"],
                concentration_mg_per_ml=data["concentration"],
            ),
            voucher=data["voucher"],
            supplier=data["supplier"],
            quality=data["quality"],
        )
        return _("Received %(qty)s %(unit)s of batch %(batch)s into %(store)s.") % {
            "qty": entry.quantity,
            "unit": data["drug"].unit,
            "batch": entry.batch.batch_no,
            "store": data["store"],
        }

    return _signed_form(
        request, ReceiveForm(request.POST or None, user=request.user), "pharmacy/receive.html", perform
    )


@guard(Action.STOCK_MANAGE)
@require_http_methods(["GET", "POST"])
def transfer(request: HttpRequest) -> HttpResponse:
    def perform(data: dict[str, Any]) -> str:
        out, _inn = services.stock_transfer(
            actor=request.user,
            witness=data["witness"],
            source=data["source"],
            target=data["target"],
            batch=data["batch"],
            quantity=data["quantity"],
        )
        return _("Transferred %(qty)s %(unit)s of batch %(batch)s from %(source)s to %(target)s.") % {
            "qty": -out.quantity,
            "unit": data["batch"].drug.unit,
            "batch": data["batch"].batch_no,
            "source": data["source"],
            "target": data["target"],
        }

    form = TransferForm(request.POST or None, user=request.user)
    return _signed_form(request, form, "pharmacy/transfer.html", perform, field_map={"store": "source"})


@guard(Action.STOCK_MANAGE)
@require_http_methods(["GET", "POST"])
def waste(request: HttpRequest) -> HttpResponse:
    def perform(data: dict[str, Any]) -> str:
        entry = services.stock_waste(
            actor=request.user,
            witness=data["witness"],
            store=data["store"],
            batch=data["batch"],
            quantity=data["quantity"],
            reason=data["reason"],
        )
        return _("Recorded %(qty)s %(unit)s of batch %(batch)s as waste in %(store)s.") % {
            "qty": -entry.quantity,
            "unit": data["batch"].drug.unit,
            "batch": data["batch"].batch_no,
            "store": data["store"],
        }

    return _signed_form(
        request, WasteForm(request.POST or None, user=request.user), "pharmacy/waste.html", perform
    )


@guard(Action.STOCK_MANAGE)
@require_http_methods(["GET", "POST"])
def dayclose(request: HttpRequest) -> HttpResponse:
    stores = list(selectors.stores_in_scope(user=request.user))
    wanted = request.POST.get("store") or request.GET.get("store") or ""
    store = next((s for s in stores if str(s.pk) == wanted), stores[0] if stores else None)
    chooser = DayCloseStoreForm(initial={"store": store.pk if store else None}, user=request.user)
    if store is None:
        return render(request, "pharmacy/dayclose.html", {"chooser": chooser, "form": None, "store": None})
    balances = selectors.balances_held(store=store)
    form = DayCloseForm(
        request.POST or None,
        user=request.user,
        store=store,
        balances=balances,
        initial={"day": clock.local_today(), "kind": request.GET.get("kind") or "day_close"},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            countersign(request=request, user=data["witness"], password=data["witness_password"])
            close = services.stock_count(
                actor=request.user,
                witness=data["witness"],
                store=store,
                day=data["day"],
                counts=form.counts(),
                note=data["note"],
                kind=data["kind"],
            )
        except FieldErrors as exc:
            apply_field_errors(form, exc)
        else:
            if close.has_variance:
                messages.warning(
                    request,
                    _(
                        "The count differs from the book: an investigation is open and a shortfall has been reported."
                    )
                    if close.variance_record.report_id
                    else _("The count differs from the book: an investigation is open."),
                )
            else:
                messages.success(request, _("The count matches the book."))
            return HttpResponseRedirect(reverse("pharmacy:dayclose_detail", args=[close.pk]))
    return _form_page(request, "pharmacy/dayclose.html", {"chooser": chooser, "form": form, "store": store})


@guard(Action.STOCK_VIEW)
def dayclose_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        close = selectors.day_close_get(user=request.user, pk=pk)
    except DayClose.DoesNotExist:
        raise Http404 from None
    return render(
        request,
        "pharmacy/dayclose_detail.html",
        {"close": close, "hide_manage": not can(request.user, Action.STOCK_MANAGE)},
    )


@guard(Action.STOCK_MANAGE)
@require_http_methods(["GET", "POST"])
def issue(request: HttpRequest) -> HttpResponse:
    def perform(data: dict[str, Any]) -> str:
        entry = services.stock_issue(
            actor=request.user,
            witness=data["witness"],
            store=data["store"],
            batch=data["batch"],
            quantity=data["quantity"],
            department=data["department"],
            voucher=data["voucher"],
        )
        return _("Issued %(qty)s %(unit)s of %(drug)s, batch %(batch)s, to %(department)s.") % {
            "qty": -entry.quantity,
            "unit": data["batch"].drug.unit,
            "drug": data["batch"].drug.name,
            "batch": data["batch"].batch_no,
            "department": data["department"],
        }

    return _signed_form(
        request, IssueForm(request.POST or None, user=request.user), "pharmacy/issue.html", perform
    )


@guard(Action.STOCK_MANAGE)
@require_http_methods(["GET", "POST"])
def loss(request: HttpRequest) -> HttpResponse:
    def perform(data: dict[str, Any]) -> str:
        services.stock_loss(
            actor=request.user,
            witness=data["witness"],
            store=data["store"],
            batch=data["batch"],
            quantity=data["quantity"],
            kind=data["kind"],
            account=data["account"],
        )
        return _("Booked out and reported to the police, the drug regulator and the health authority.")

    form = LossForm(request.POST or None, user=request.user)
    return _signed_form(request, form, "pharmacy/loss.html", perform, level=messages.WARNING)
