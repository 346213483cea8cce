"""Custody (专人负责、双人双锁、印鉴卡): each store's keepers and key holders, the purchase seal cards with the use
report for their renewal, and the register of regulated equipment with its checks. The head of the institution
manages them; staff, inspectors and health officers read them."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from jiedu.core import audit, clock
from jiedu.core.errors import FieldErrors
from jiedu.core.forms import apply_field_errors
from jiedu.core.pdf import PdfUnavailable, pdf_response, render_pdf
from jiedu.core.selectors import rule_value
from jiedu.pharmacy import selectors, services
from jiedu.pharmacy.forms import EquipmentCheckForm, EquipmentForm, KeeperForm, KeyHoldersForm, SealCardForm
from jiedu.pharmacy.models import RegulatedEquipment, SealCard, StoreKeeper
from jiedu.policy import Action, can
from jiedu.policy.views import deny, guard

#: The forms of the page, by the ``action`` each POST names.
FORMS = {
    "keeper": KeeperForm,
    "key_holders": KeyHoldersForm,
    "seal_card": SealCardForm,
    "equipment": EquipmentForm,
    "check": EquipmentCheckForm,
}


def _form(name: str, user: Any, data: Any = None) -> forms.Form:
    return FORMS[name](data, user=user, prefix=name)


def _apply(request: HttpRequest, action: str, form: forms.Form) -> str:
    """Carry out one POSTed form; returns the success message."""
    user, data = request.user, form.cleaned_data
    if action == "keeper":
        services.keeper_appoint(actor=user, store=data["store"], user=data["user"])
        return _("%(user)s now keeps %(store)s.") % {
            "user": data["user"].display_name,
            "store": data["store"],
        }
    if action == "key_holders":
        services.key_holders_set(
            actor=user, store=data["store"], first=data["key_holder_a"], second=data["key_holder_b"]
        )
        return _("The keys of %(store)s are held by two people.") % {"store": data["store"]}
    if action == "seal_card":
        card = services.seal_card_register(
            actor=user,
            organisation=user.organisation,
            number=data["number"],
            issuer=data["issuer"],
            valid_from=data["valid_from"],
            valid_to=data["valid_to"],
        )
        return _("Seal card %(n)s registered.") % {"n": card.number}
    if action == "equipment":
        item = services.equipment_register(
            actor=user,
            organisation=user.organisation,
            kind=data["kind"],
            name=data["name"],
            serial_no=data["serial_no"],
            location=data["location"],
            custodian=data["custodian"],
            model=data["model"],
        )
        return _("%(item)s entered in the register.") % {"item": item}
    services.equipment_check(
        actor=user,
        equipment=data["equipment"],
        status_found=data["status_found"],
        in_order=data["in_order"],
        note=data["note"],
    )
    return _("Check recorded.")


@guard(Action.STOCK_BOOKS)
@require_http_methods(["GET", "POST"])
def custody(request: HttpRequest) -> HttpResponse:
    manage = can(request.user, Action.STOCK_CUSTODY)
    bound = {name: _form(name, request.user) for name in FORMS} if manage else {}
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        if not manage:
            return deny(request, Action.STOCK_CUSTODY)
        if action == "end_keeper":
            keeper = StoreKeeper.objects.filter(
                pk=request.POST.get("keeper") or 0, store__in=selectors.stores_in_scope(user=request.user)
            ).first()
            if keeper is None:
                raise Http404
            try:
                services.keeper_end(actor=request.user, keeper=keeper)
            except FieldErrors as exc:
                messages.error(request, " ".join(m for ms in exc.fields.values() for m in ms))
            else:
                messages.success(request, _("The appointment has ended."))
            return HttpResponseRedirect(reverse("pharmacy:custody"))
        if action not in FORMS:
            raise Http404
        form = _form(action, request.user, request.POST)
        bound[action] = form
        if form.is_valid():
            try:
                message = _apply(request, action, form)
            except FieldErrors as exc:
                apply_field_errors(form, exc)
            else:
                messages.success(request, message)
                return HttpResponseRedirect(reverse("pharmacy:custody"))
        status = 400
    stores = list(
        selectors.book_stores(user=request.user)
        .filter(is_active=True)
        .select_related("key_holder_a", "key_holder_b")
    )
    keepers = StoreKeeper.objects.filter(store__in=stores, ended_on__isnull=True).select_related(
        "user", "store"
    )
    institutions = selectors.book_institutions(user=request.user)
    today = clock.local_today()
    region = request.user.organisation.region_id
    renewal = rule_value("pharmacy.seal_card_renewal_days", region_code=region)
    cards = [
        (card, (card.valid_to - today).days)
        for card in SealCard.objects.filter(organisation__in=institutions)
        .select_related("organisation")
        .order_by("organisation__name", "-valid_to")
    ]
    equipment = (
        RegulatedEquipment.objects.filter(
            organisation__in=[s.organisation_id for s in stores] + [i.pk for i in institutions]
        )
        .select_related("organisation", "custodian")
        .prefetch_related("checks")
        .order_by("organisation__name", "name")
    )
    return render(
        request,
        "pharmacy/custody.html",
        {
            "stores": [(s, [k for k in keepers if k.store_id == s.pk]) for s in stores],
            "cards": cards,
            "renewal_days": renewal,
            "equipment": equipment,
            "forms": bound,
            "manage": manage,
            "hide_manage": not can(request.user, Action.STOCK_MANAGE),
        },
        status=status,
    )


@guard(Action.STOCK_BOOKS)
@require_GET
def seal_card_use(request: HttpRequest, pk: int) -> HttpResponse:
    """The use report that goes with the application to renew a seal card, from the ledgers."""
    institutions = [o.pk for o in selectors.book_institutions(user=request.user)]
    card = (
        SealCard.objects.filter(pk=pk, organisation_id__in=institutions)
        .select_related("organisation")
        .first()
    )
    if card is None:
        raise Http404
    report = services.seal_card_use(card=card)
    if request.GET.get("format") == "pdf":
        audit.record_standalone("stock.seal_card.use_report", actor=request.user, obj=card)
        try:
            content = render_pdf(
                "pharmacy/print/seal_card_use.html", {"report": report, "today": clock.local_today()}
            )
        except PdfUnavailable as exc:
            return HttpResponse(exc.args[0], status=503, content_type="text/plain; charset=utf-8")
        return pdf_response(content, filename=f"seal-card-use-{card.pk}.pdf")
    return render(
        request,
        "pharmacy/seal_card_use.html",
        {"report": report, "hide_manage": not can(request.user, Action.STOCK_MANAGE)},
    )
