"""Special prescription pages: the institution's prescriptions, writing one, the printable paper, dispensing,
prescribing rights and the destruction of prescriptions past their keeping period."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from jiedu.accounts.services import countersign
from jiedu.core import audit
from jiedu.core.errors import FieldErrors
from jiedu.core.forms import apply_field_errors
from jiedu.core.pdf import PdfUnavailable, pdf_response, render_pdf
from jiedu.pharmacy import prescribing, selectors, services
from jiedu.pharmacy.forms import DestroyForm, DispenseForm, PrescriptionForm, RightForm
from jiedu.pharmacy.models import PrescribingRight, Prescription, PrescriptionStatus
from jiedu.policy import Action, can
from jiedu.policy.scope import persons_in_scope
from jiedu.policy.views import deny, guard


def _in_scope(user: Any) -> QuerySet[Prescription]:
    """Prescriptions of the institutions whose books the user reads."""
    institutions = [o.pk for o in selectors.book_institutions(user=user)]
    return Prescription.objects.filter(organisation_id__in=institutions).select_related(
        "organisation", "prescriber", "person", "drug", "dispensed_by", "checked_by"
    )


def _context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {"hide_manage": not can(request.user, Action.STOCK_MANAGE), **extra}


@guard(Action.RX_VIEW)
@require_GET
def rx_list(request: HttpRequest) -> HttpResponse:
    found = _in_scope(request.user)
    status = request.GET.get("status", "")
    if status in PrescriptionStatus.values:
        found = found.filter(status=status)
    query = request.GET.get("q", "").strip()
    if query:
        found = found.filter(Q(number__icontains=query) | Q(person__name__icontains=query))
    return render(
        request,
        "pharmacy/rx_list.html",
        _context(
            request,
            prescriptions=found[:200],
            status=status,
            query=query,
            statuses=PrescriptionStatus.choices,
            can_rights=can(request.user, Action.RX_RIGHTS),
        ),
    )


@guard(Action.RX_WRITE)
@require_http_methods(["GET", "POST"])
def rx_write(request: HttpRequest) -> HttpResponse:
    person = persons_in_scope(request.user).filter(pk=request.GET.get("person") or 0).first()
    if person is None:
        raise Http404
    form = PrescriptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            rx = prescribing.prescription_write(
                actor=request.user,
                person=person,
                drug=data["drug"],
                daily_quantity=data["daily_quantity"],
                days=data["days"],
                diagnosis=data["diagnosis"],
                directions=data["directions"],
            )
        except FieldErrors as exc:
            apply_field_errors(form, exc)
        else:
            messages.success(request, _("Prescription %(n)s written.") % {"n": rx.number})
            return HttpResponseRedirect(reverse("pharmacy:rx_detail", args=[rx.pk]))
    return render(
        request,
        "pharmacy/rx_write.html",
        _context(request, form=form, person=person),
        status=400 if form.errors else 200,
    )


@guard(Action.RX_VIEW)
@require_http_methods(["GET", "POST"])
def rx_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rx = _in_scope(request.user).filter(pk=pk).first()
    if rx is None:
        raise Http404
    if request.GET.get("format") == "pdf":
        audit.record_standalone("rx.print", actor=request.user, obj=rx, detail={"number": rx.number})
        try:
            content = render_pdf("pharmacy/print/prescription.html", {"rx": rx})
        except PdfUnavailable as exc:
            return HttpResponse(exc.args[0], status=503, content_type="text/plain; charset=utf-8")
        return pdf_response(content, filename=f"prescription-{rx.number}.pdf")
    may_dispense = can(request.user, Action.STOCK_MANAGE) and rx.status == PrescriptionStatus.WRITTEN
    if request.method == "POST" and not may_dispense:
        return deny(request, Action.STOCK_MANAGE)
    form = DispenseForm(request.POST or None, user=request.user) if may_dispense else None
    if form is not None and request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            countersign(request=request, user=data["witness"], password=data["witness_password"])
            prescribing.prescription_dispense(
                actor=request.user, witness=data["witness"], prescription=rx, store=data["store"]
            )
        except FieldErrors as exc:
            apply_field_errors(form, exc)
        except services.InsufficientStock as exc:
            form.add_error("store", exc.message)
        else:
            messages.success(request, _("Prescription %(n)s dispensed.") % {"n": rx.number})
            return HttpResponseRedirect(reverse("pharmacy:rx_detail", args=[rx.pk]))
    return render(
        request,
        "pharmacy/rx_detail.html",
        _context(request, rx=rx, form=form),
        status=400 if form is not None and form.errors else 200,
    )


@guard(Action.RX_RIGHTS)
@require_http_methods(["GET", "POST"])
def rx_rights(request: HttpRequest) -> HttpResponse:
    form = RightForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            prescribing.right_grant(
                actor=request.user, user=data["user"], scope=data["scope"], training=data["training"]
            )
        except FieldErrors as exc:
            apply_field_errors(form, exc)
        else:
            messages.success(request, _("The right is granted."))
            return HttpResponseRedirect(reverse("pharmacy:rx_rights"))
    rights = (
        PrescribingRight.objects.filter(user__organisation_id=request.user.organisation_id)
        .select_related("user", "granted_by")
        .order_by("ended_on", "user__username", "scope")
    )
    return render(
        request,
        "pharmacy/rx_rights.html",
        _context(request, form=form, rights=rights),
        status=400 if form.errors else 200,
    )


@guard(Action.STOCK_MANAGE)
@require_http_methods(["GET", "POST"])
def rx_destroy(request: HttpRequest) -> HttpResponse:
    institution = request.user.organisation
    due = list(prescribing.due_for_destruction(organisation=institution).select_related("person", "drug"))
    form = DestroyForm(request.POST or None, user=request.user, numbers=[rx.number for rx in due])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            countersign(
                request=request,
                user=data["approver"],
                password=data["approver_password"],
                field="approver_password",
            )
            record = prescribing.prescriptions_destroy(
                actor=request.user,
                approver=data["approver"],
                organisation=institution,
                numbers=list(data["numbers"]),
                method=data["method"],
            )
        except FieldErrors as exc:
            apply_field_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(n)s prescriptions destroyed and recorded.") % {"n": record.prescriptions.count()},
            )
            return HttpResponseRedirect(reverse("pharmacy:rx_destroy"))
    return render(
        request,
        "pharmacy/rx_destroy.html",
        _context(request, form=form, due=due),
        status=400 if form.errors else 200,
    )
