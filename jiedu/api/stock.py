"""Controlled-substance stock: balances, ledger lines and the two-person movements of the caller's stores.

The caller's stores are those of their organisation and, for an MMT clinic, of its dosing points (the same
reach the stock services allow). A store, batch, entry or witness outside that reach is an unknown value of
the field that named it. The second person of every two-person record signs with their own password
(``witness_password``), as on the pages. The books (variance investigations, the monthly statement) are read over
the stores whose books the caller may read (``selectors.book_stores``). No ``from __future__ import annotations``:
django-ninja reads the real annotations.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from jiedu.accounts.services import countersign
from jiedu.api.auth import requires
from jiedu.api.schemas import ErrorOut
from jiedu.api.schemas_mmt import (
    BalanceOut,
    DayCloseIn,
    DayCloseOut,
    EntryOut,
    IssueIn,
    LossIn,
    ReceiptIn,
    ReversalIn,
    StatementOut,
    StockTransferIn,
    TransferEntriesOut,
    VarianceCloseIn,
    VarianceOut,
    WasteIn,
    WitnessIn,
)
from jiedu.core import clock
from jiedu.core.errors import FieldErrors
from jiedu.pharmacy import selectors, services, statements
from jiedu.pharmacy.models import Batch, DayClose, Drug, LedgerEntry, StockBalance, StockVariance, Store
from jiedu.policy import Action
from jiedu.policy.scope import care_organisations
from jiedu.registry.models import Organisation

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


def _witness(request: HttpRequest, payload: WitnessIn) -> Any:
    """The second person, named by username or id: a colleague of the caller's organisation (or, at a clinic,
    of its dosing points), who signs with their own password (``witness_password``; a wrong one counts towards
    their lockout). None when neither is given; the service then asks for a witness."""
    if payload.witness_username is None and payload.witness_id is None:
        return None
    user = request.auth
    colleagues = get_user_model().objects.filter(is_active=True, organisation_id__in=care_organisations(user))
    if payload.witness_id is not None:
        field, found = "witness_id", colleagues.filter(pk=payload.witness_id).first()
    else:
        field, found = "witness_username", colleagues.filter(username=payload.witness_username).first()
    if found is None:
        raise FieldErrors({field: [_("No colleague of your organisation has this account.")]})
    countersign(
        request=request, user=found, password=payload.witness_password or "", field="witness_password"
    )
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
        witness=_witness(request, payload),
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
        witness=_witness(request, payload),
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
        witness=_witness(request, payload),
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
        actor=request.auth, witness=_witness(request, payload), entry=original, reason=payload.reason
    )
    return Status(201, _entry(entry.pk))


@router.post(
    "/stock/issues", response={201: EntryOut, **ERRORS}, summary="Issue to a department (two people)"
)
@requires(Action.STOCK_MANAGE)
def issue(request: HttpRequest, payload: IssueIn) -> Status:
    """An issue on a department's requisition: a keeper of the store issues, the department's receiver signs."""
    entry = services.stock_issue(
        actor=request.auth,
        witness=_witness(request, payload),
        store=_store(request.auth, payload.store_id, "store_id"),
        batch=_batch(payload.batch_id),
        quantity=payload.quantity,
        department=payload.department,
        voucher=payload.voucher,
    )
    return Status(201, _entry(entry.pk))


@router.post(
    "/stock/losses",
    response={201: EntryOut, **ERRORS},
    summary="Record a loss or theft (two people); reported at once",
)
@requires(Action.STOCK_MANAGE)
def loss(request: HttpRequest, payload: LossIn) -> Status:
    """Booked out and reported (a stock_loss report) to the police, the drug regulator and the health authority
    in the same transaction."""
    entry = services.stock_loss(
        actor=request.auth,
        witness=_witness(request, payload),
        store=_store(request.auth, payload.store_id, "store_id"),
        batch=_batch(payload.batch_id),
        quantity=payload.quantity,
        kind=payload.kind,
        account=payload.account,
    )
    return Status(201, _entry(entry.pk))


def _count(request: HttpRequest, payload: DayCloseIn) -> Status:
    store = _store(request.auth, payload.store_id, "store_id")
    counts: dict[int, Any] = {}
    for line in payload.counts:
        if line.batch_id in counts:
            raise FieldErrors({"counts": [_("Batch %(b)s is counted twice.") % {"b": line.batch_id}]})
        counts[line.batch_id] = line.quantity
    close = services.stock_count(
        actor=request.auth,
        witness=_witness(request, payload),
        store=store,
        day=payload.day or clock.local_today(),
        counts=counts,
        note=payload.note,
        kind=payload.kind,
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
            "kind": close.kind,
            "counted_by": close.counted_by.username,
            "witness": close.witness.username,
            "has_variance": close.has_variance,
            "variance_id": StockVariance.objects.filter(count=close).values_list("pk", flat=True).first(),
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


@router.post(
    "/stock/day-closes", response={201: DayCloseOut, **ERRORS}, summary="Two people count a store at day end"
)
@requires(Action.STOCK_MANAGE)
def day_close(request: HttpRequest, payload: DayCloseIn) -> Status:
    """A count of every batch held; ``kind`` monthly makes it the month's full stock-take. A variance opens an
    investigation (``variance_id``) and a shortfall beyond the tolerance is reported at once."""
    return _count(request, payload)


@router.post(
    "/stock/counts",
    response={201: DayCloseOut, **ERRORS},
    summary="Two people count a store (day close or monthly stock-take)",
)
@requires(Action.STOCK_MANAGE)
def stock_count(request: HttpRequest, payload: DayCloseIn) -> Status:
    """The same count as /stock/day-closes, under a name that fits the monthly stock-take too."""
    return _count(request, payload)


def _variances(user: Any) -> QuerySet[StockVariance]:
    return StockVariance.objects.filter(count__store__in=selectors.book_stores(user=user)).select_related(
        "count", "report"
    )


def _variance_out(v: StockVariance) -> dict[str, Any]:
    return {
        "id": v.pk,
        "count_id": v.count_id,
        "store_id": v.count.store_id,
        "day": v.count.day,
        "kind": v.count.kind,
        "shortfall": v.shortfall,
        "surplus": v.surplus,
        "status": v.status,
        "finding": v.finding,
        "reported_at": v.report.created_at if v.report else None,
        "closed_at": v.closed_at,
    }


@router.get(
    "/stock/variances",
    response={200: list[VarianceOut], **ERRORS},
    summary="Variance investigations of the stores whose books you read",
)
@requires(Action.STOCK_BOOKS)
def variance_list(
    request: HttpRequest, status: str = Query("", max_length=16), limit: int = Query(200, ge=1, le=1000)
) -> list[dict]:
    """Open investigations first, then the latest."""
    qs = _variances(request.auth)
    if status:
        qs = qs.filter(status=status)
    return [_variance_out(v) for v in qs.order_by("-status", "-opened_at", "-pk")[:limit]]


@router.post(
    "/stock/variances/{variance_id}/close",
    response={200: VarianceOut, **ERRORS},
    summary="Close an investigation with its finding (two people)",
)
@requires(Action.STOCK_MANAGE)
def variance_close(request: HttpRequest, variance_id: int, payload: VarianceCloseIn) -> dict[str, Any]:
    """A loss, theft or suspected diversion books each short batch out and reports the conclusion; an explained
    counting error books nothing."""
    variance = _variances(request.auth).select_related("count__store__organisation").get(pk=variance_id)
    services.variance_close(
        actor=request.auth,
        witness=_witness(request, payload),
        variance=variance,
        finding=payload.finding,
        account=payload.account,
    )
    return _variance_out(_variances(request.auth).get(pk=variance.pk))


def _qty(value: Decimal | None) -> Decimal | None:
    """A quantity at the ledger's two decimal places (sums come back unscaled from some databases)."""
    return None if value is None else value.quantize(services.ML)


def _month(raw: str) -> dt.date:
    year, _sep, month = raw.partition("-")
    try:
        return dt.date(int(year), int(month), 1)
    except ValueError:
        raise FieldErrors({"month": [_("Give the month as YYYY-MM.")]}) from None


@router.get(
    "/stock/statement",
    response={200: StatementOut, **ERRORS},
    summary="An institution's monthly statement per drug",
)
@requires(Action.STOCK_BOOKS)
def statement(
    request: HttpRequest,
    institution_id: int,
    month: str = Query(..., max_length=7, description="YYYY-MM"),
) -> dict[str, Any]:
    """Opening + received − returned ± transfers − used − wasted − lost = closing for each drug over the
    institution's stores (its own and its dosing points'), with the month's last full stock-take against the
    book. Transfers between the institution's own stores cancel out."""
    first = _month(month)
    stores = [
        s
        for s in selectors.book_stores(user=request.auth)
        if (s.organisation.parent_clinic_id or s.organisation_id) == institution_id
    ]
    if not stores:
        raise FieldErrors({"institution_id": [_("Unknown institution.")]})
    institution = Organisation.objects.get(pk=institution_id)
    result = statements.monthly_statement(stores=stores, month=first, title=institution.name)
    return {
        "institution_id": institution.pk,
        "institution_name": institution.name,
        "period": result.period,
        "store_ids": [s.pk for s in result.stores],
        "uncounted_store_ids": [s.pk for s in result.uncounted],
        "rows": [
            {
                "drug_code": r.drug.code,
                "drug_name": r.drug.name,
                "strength": r.drug.strength,
                "unit": r.drug.unit,
                "opening": _qty(r.opening),
                "received": _qty(r.received),
                "returned": _qty(r.returned),
                "transfers": _qty(r.transfers),
                "used": _qty(r.used),
                "wasted": _qty(r.wasted),
                "lost": _qty(r.lost),
                "closing": _qty(r.closing),
                "counted": _qty(r.counted),
                "variance": _qty(r.variance),
            }
            for r in result.rows
        ],
    }
