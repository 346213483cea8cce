"""Controlled-substance stock: balances, ledger lines and the two-person movements of the caller's stores.

The caller's stores are those of their organisation and, for an MMT clinic, of its dosing points (the same
reach the stock services allow). A store, batch, entry or witness outside that reach is an unknown value of
the field that named it. No ``from __future__ import annotations``: django-ninja reads the real annotations.
"""

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from jiedu.api.auth import requires
from jiedu.api.schemas import ErrorOut
from jiedu.api.schemas_mmt import (
    BalanceOut,
    DayCloseIn,
    DayCloseOut,
    EntryOut,
    ReceiptIn,
    ReversalIn,
    StockTransferIn,
    TransferEntriesOut,
    WasteIn,
    WitnessIn,
)
from jiedu.core import clock
from jiedu.core.errors import FieldErrors
from jiedu.pharmacy import services
from jiedu.pharmacy.models import Batch, DayClose, Drug, LedgerEntry, StockBalance, Store
from jiedu.policy import Action
from jiedu.policy.scope import care_organisations

ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}

router = Router(tags=["stock"])


def _stores(user: Any) -> QuerySet[Store]:
    org_id = user.organisation_id
    if org_id is None:
        return Store.objects.none()
    return Store.objects.filter(Q(organisation_id=org_id) | Q(organisation__parent_clinic_id=org_id))


def _store(user: Any, pk: int, field: str) -> Store:
    store = _stores(user).select_related("organisation").filter(pk=pk).first()
    if store is None:
        raise FieldErrors({field: [_("Unknown store.")]})
    return store


def _batch(pk: int, field: str = "batch_id") -> Batch:
    batch = Batch.objects.select_related("drug").filter(pk=pk).first()
    if batch is None:
        raise FieldErrors({field: [_("Unknown batch.")]})
    return batch


def _witness(user: Any, payload: WitnessIn) -> Any:
    """The second person, named by username or id: a colleague of the caller's organisation (or, at a clinic,
    of its dosing points). None when neither is given; the service then asks for a witness."""
    if payload.witness_username is None and payload.witness_id is None:
        return None
    colleagues = get_user_model().objects.filter(is_active=True, organisation_id__in=care_organisations(user))
    if payload.witness_id is not None:
        field, found = "witness_id", colleagues.filter(pk=payload.witness_id).first()
    else:
        field, found = "witness_username", colleagues.filter(username=payload.witness_username).first()
    if found is None:
        raise FieldErrors({field: [_("No colleague of your organisation has this account.")]})
    return found


def _entry_out(e: LedgerEntry) -> dict[str, Any]:
    return {
        "id": e.pk,
        "store_id": e.store_id,
        "batch_id": e.batch_id,
        "batch_no": e.batch.batch_no,
        "seq": e.seq,
        "kind": e.kind,
        "quantity": e.quantity,
        "balance_after": e.balance_after,
        "at": e.at,
        "recorded_by": e.recorded_by.username,
        "witness": e.witness.username if e.witness else None,
        "counterpart_store_id": e.counterpart_store_id,
        "reverses_id": e.reverses_id,
        "voucher": e.voucher,
        "reason": e.reason,
    }


def _entry(pk: int) -> dict[str, Any]:
    return _entry_out(LedgerEntry.objects.select_related("batch", "recorded_by", "witness").get(pk=pk))


@router.get("/stock/balances", response={200: list[BalanceOut], **ERRORS}, summary="Balances of your stores")
@requires(Action.STOCK_VIEW)
def balance_list(request: HttpRequest, include_empty: bool = False) -> list[dict]:
    qs = (
        StockBalance.objects.filter(store__in=_stores(request.auth))
        .select_related("store", "batch", "batch__drug")
        .order_by("store_id", "batch__expiry", "batch_id")
    )
    if not include_empty:
        qs = qs.filter(quantity__gt=0)
    return [
        {
            "store_id": b.store_id,
            "store_name": b.store.name,
            "organisation_id": b.store.organisation_id,
            "batch_id": b.batch_id,
            "batch_no": b.batch.batch_no,
            "drug_code": b.batch.drug.code,
            "drug_name": b.batch.drug.name,
            "expiry": b.batch.expiry,
            "concentration_mg_per_ml": b.batch.concentration_mg_per_ml,
            "quantity": b.quantity,
            "unit": b.batch.drug.unit,
        }
        for b in qs
    ]


@router.get("/stock/entries", response={200: list[EntryOut], **ERRORS}, summary="Ledger lines of your stores")
@requires(Action.STOCK_VIEW)
def entry_list(
    request: HttpRequest,
    store_id: int | None = None,
    since: dt.date | None = None,
    limit: int = Query(500, ge=1, le=5000),
) -> list[dict]:
    qs = LedgerEntry.objects.filter(store__in=_stores(request.auth)).select_related(
        "batch", "recorded_by", "witness"
    )
    if store_id is not None:
        qs = qs.filter(store_id=store_id)
    if since is not None:
        qs = qs.filter(at__gte=dt.datetime.combine(since, dt.time.min, tzinfo=clock.SHANGHAI))
    return [_entry_out(e) for e in qs.order_by("at", "pk")[:limit]]


@router.post("/stock/receipts", response={201: EntryOut, **ERRORS}, summary="Receive a delivery (two people)")
@requires(Action.STOCK_MANAGE)
def receipt(request: HttpRequest, payload: ReceiptIn) -> Status:
    store = _store(request.auth, payload.store_id, "store_id")
    drug = Drug.objects.filter(code=payload.drug_code).first()
    if drug is None:
        raise FieldErrors({"drug_code": [_("Unknown drug.")]})
    entry = services.stock_receive(
        actor=request.auth,
        witness=_witness(request.auth, payload),
        store=store,
        line=services.ReceiptLine(
            drug=drug,
            batch_no=payload.batch_no,
            expiry=payload.expiry,
            maker=payload.maker,
            quantity=payload.quantity,
            concentration_mg_per_ml=payload.concentration_mg_per_ml,
        ),
        voucher=payload.voucher,
        supplier=payload.supplier,
        quality=payload.quality,
    )
    return Status(201, _entry(entry.pk))


@router.post(
    "/stock/transfers",
    response={201: TransferEntriesOut, **ERRORS},
    summary="Move stock between your stores (two people)",
)
@requires(Action.STOCK_MANAGE)
def transfer(request: HttpRequest, payload: StockTransferIn) -> Status:
    out, inn = services.stock_transfer(
        actor=request.auth,
        witness=_witness(request.auth, payload),
        source=_store(request.auth, payload.source_store_id, "source_store_id"),
        target=_store(request.auth, payload.target_store_id, "target_store_id"),
        batch=_batch(payload.batch_id),
        quantity=payload.quantity,
    )
    return Status(201, {"outgoing": _entry(out.pk), "incoming": _entry(inn.pk)})


@router.post(
    "/stock/waste", response={201: EntryOut, **ERRORS}, summary="Record spillage or waste (two people)"
)
@requires(Action.STOCK_MANAGE)
def waste(request: HttpRequest, payload: WasteIn) -> Status:
    entry = services.stock_waste(
        actor=request.auth,
        witness=_witness(request.auth, payload),
        store=_store(request.auth, payload.store_id, "store_id"),
        batch=_batch(payload.batch_id),
        quantity=payload.quantity,
        reason=payload.reason,
    )
    return Status(201, _entry(entry.pk))


@router.post(
    "/stock/reversals", response={201: EntryOut, **ERRORS}, summary="Correct an entry with an opposite one"
)
@requires(Action.STOCK_MANAGE)
def reversal(request: HttpRequest, payload: ReversalIn) -> Status:
    original = (
        LedgerEntry.objects.filter(store__in=_stores(request.auth))
        .select_related("store", "batch")
        .filter(pk=payload.entry_id)
        .first()
    )
    if original is None:
        raise FieldErrors({"entry_id": [_("Unknown ledger entry.")]})
    entry = services.stock_reverse(
        actor=request.auth, witness=_witness(request.auth, payload), entry=original, reason=payload.reason
    )
    return Status(201, _entry(entry.pk))


@router.post(
    "/stock/day-closes", response={201: DayCloseOut, **ERRORS}, summary="Two people count a store at day end"
)
@requires(Action.STOCK_MANAGE)
def day_close(request: HttpRequest, payload: DayCloseIn) -> Status:
    store = _store(request.auth, payload.store_id, "store_id")
    counts: dict[int, Any] = {}
    for line in payload.counts:
        if line.batch_id in counts:
            raise FieldErrors({"counts": [_("Batch %(b)s is counted twice.") % {"b": line.batch_id}]})
        counts[line.batch_id] = line.quantity
    close = services.day_close(
        actor=request.auth,
        witness=_witness(request.auth, payload),
        store=store,
        day=payload.day or clock.local_today(),
        counts=counts,
        note=payload.note,
    )
    close = (
        DayClose.objects.select_related("counted_by", "witness").prefetch_related("lines").get(pk=close.pk)
    )
    return Status(
        201,
        {
            "id": close.pk,
            "store_id": close.store_id,
            "day": close.day,
            "counted_by": close.counted_by.username,
            "witness": close.witness.username,
            "has_variance": close.has_variance,
            "note": close.note,
            "lines": [
                {
                    "batch_id": line.batch_id,
                    "book_quantity": line.book_quantity,
                    "counted_quantity": line.counted_quantity,
                    "variance": line.variance,
                }
                for line in sorted(close.lines.all(), key=lambda x: x.batch_id)
            ],
        },
    )
