"""The books of controlled substances: monthly statements, the registers (专用账册), variance investigations and
the alerts page. Read by the institution's staff and by inspectors and health officers of its region."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from jiedu.accounts.services import countersign
from jiedu.core import audit, clock
from jiedu.core.errors import FieldErrors
from jiedu.core.forms import apply_field_errors
from jiedu.core.pdf import PdfUnavailable, pdf_response, render_pdf, xlsx_response
from jiedu.pharmacy import alerts as stock_alerts
from jiedu.pharmacy import exports, registers, selectors, services, statements
from jiedu.pharmacy.forms import VarianceCloseForm
from jiedu.pharmacy.models import Drug, StockVariance, VarianceStatus
from jiedu.policy import Action, can
from jiedu.policy.views import deny, guard


def _month(request: HttpRequest) -> dt.date:
    raw = request.GET.get("month", "")
    year, _sep, month = raw.partition("-")
    try:
        return dt.date(int(year), int(month), 1)
    except ValueError:
        return clock.local_today().replace(day=1)


def _choice(request: HttpRequest, name: str, options: list[Any]) -> Any:
    """The option whose pk the query names, else the first; None when there are none."""
    wanted = request.GET.get(name, "")
    return next((o for o in options if str(o.pk) == wanted), options[0] if options else None)


def _download(
    request: HttpRequest, *, what: str, fmt: str, content: Any, filename: str, detail: dict
) -> HttpResponse:
    audit.record_standalone(f"stock.{what}.export", actor=request.user, detail={"format": fmt, **detail})
    if fmt == "xlsx":
        return xlsx_response(content(), filename=f"{filename}.xlsx")
    try:
        return pdf_response(content(), filename=f"{filename}.pdf")
    except PdfUnavailable as exc:
        return HttpResponse(exc.args[0], status=503, content_type="text/plain; charset=utf-8")


@guard(Action.STOCK_BOOKS)
@require_GET
def statement(request: HttpRequest) -> HttpResponse:
    """The monthly statement of an institution (or one of its stores), on screen, as Excel or as PDF."""
    institutions = selectors.book_institutions(user=request.user)
    institution = _choice(request, "institution", institutions)
    month = _month(request)
    stores = [
        s
        for s in selectors.book_stores(user=request.user)
        if institution and (s.organisation.parent_clinic_id or s.organisation_id) == institution.pk
    ]
    store = next((s for s in stores if str(s.pk) == request.GET.get("store", "")), None)
    chosen = [store] if store else stores
    result = None
    if institution is not None:
        title = f"{institution.name} · {store.name}" if store else institution.name
        result = statements.monthly_statement(stores=chosen, month=month, title=title)
        fmt = request.GET.get("format", "")
        if fmt in {"xlsx", "pdf"}:
            return _download(
                request,
                what="statement",
                fmt=fmt,
                filename=f"statement-{institution.pk}-{month:%Y-%m}",
                content=(lambda: exports.statement_xlsx(result))
                if fmt == "xlsx"
                else (lambda: exports.statement_pdf(result)),
                detail={
                    "institution": institution.pk,
                    "month": f"{month:%Y-%m}",
                    "store": store.pk if store else None,
                },
            )
    return render(
        request,
        "pharmacy/statement.html",
        {
            "institutions": institutions,
            "institution": institution,
            "stores": stores,
            "store": store,
            "month": month,
            "statement": result,
            "hide_manage": not can(request.user, Action.STOCK_MANAGE),
        },
    )


@guard(Action.STOCK_BOOKS)
@require_GET
def register(request: HttpRequest) -> HttpResponse:
    """The dedicated register of one drug in one store for a month, in the layout of the paper book."""
    stores = list(selectors.book_stores(user=request.user))
    store = _choice(request, "store", stores)
    drugs = (
        list(Drug.objects.filter(batches__balances__store=store).distinct().order_by("control_class", "name"))
        if store
        else []
    )
    drug = _choice(request, "drug", drugs)
    month = _month(request)
    book = registers.register(store=store, drug=drug, month=month) if store and drug else None
    if book is not None and request.GET.get("format") == "pdf":
        return _download(
            request,
            what="register",
            fmt="pdf",
            filename=f"register-{store.pk}-{drug.code}-{month:%Y-%m}",
            content=lambda: render_pdf("pharmacy/print/register.html", {"book": book}),
            detail={"store": store.pk, "drug": drug.code, "month": f"{month:%Y-%m}"},
        )
    return render(
        request,
        "pharmacy/register.html",
        {
            "stores": stores,
            "store": store,
            "drugs": drugs,
            "drug": drug,
            "month": month,
            "book": book,
            "hide_manage": not can(request.user, Action.STOCK_MANAGE),
        },
    )


@guard(Action.STOCK_BOOKS)
@require_GET
def alerts(request: HttpRequest) -> HttpResponse:
    stores = list(selectors.book_stores(user=request.user).filter(is_active=True))
    region = request.user.organisation.region_id
    found = stock_alerts.alerts_for(stores=stores, region_code=region)
    return render(
        request,
        "pharmacy/alerts.html",
        {"alerts": found, "hide_manage": not can(request.user, Action.STOCK_MANAGE)},
    )


@guard(Action.STOCK_BOOKS)
@require_GET
def variances(request: HttpRequest) -> HttpResponse:
    found = (
        StockVariance.objects.filter(count__store__in=selectors.book_stores(user=request.user))
        .select_related("count", "count__store", "count__store__organisation", "report", "closed_by")
        .order_by("-status", "-opened_at")[:200]
    )
    return render(
        request,
        "pharmacy/variances.html",
        {"variances": found, "hide_manage": not can(request.user, Action.STOCK_MANAGE)},
    )


@guard(Action.STOCK_BOOKS)
@require_http_methods(["GET", "POST"])
def variance_detail(request: HttpRequest, pk: int) -> HttpResponse:
    variance = (
        StockVariance.objects.filter(count__store__in=selectors.book_stores(user=request.user))
        .select_related(
            "count",
            "count__store",
            "count__store__organisation",
            "count__counted_by",
            "count__witness",
            "report",
            "closed_by",
            "closing_witness",
        )
        .filter(pk=pk)
        .first()
    )
    if variance is None:
        raise Http404
    may_close = can(request.user, Action.STOCK_MANAGE) and variance.status == VarianceStatus.OPEN
    if request.method == "POST" and not may_close:
        return deny(request, Action.STOCK_MANAGE)
    form = VarianceCloseForm(request.POST or None, user=request.user) if may_close else None
    if form is not None and request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            countersign(request=request, user=data["witness"], password=data["witness_password"])
            services.variance_close(
                actor=request.user,
                witness=data["witness"],
                variance=variance,
                finding=data["finding"],
                account=data["account"],
            )
        except FieldErrors as exc:
            apply_field_errors(form, exc)
        except services.InsufficientStock as exc:
            form.add_error("finding", exc.message)
        else:
            messages.success(request, _("The investigation is closed."))
            return HttpResponseRedirect(reverse("pharmacy:variance_detail", args=[variance.pk]))
    lines = variance.count.lines.select_related("batch", "batch__drug").order_by("batch_id")
    return render(
        request,
        "pharmacy/variance_detail.html",
        {
            "variance": variance,
            "lines": lines,
            "form": form,
            "hide_manage": not can(request.user, Action.STOCK_MANAGE),
        },
        status=400 if form is not None and form.errors else 200,
    )
