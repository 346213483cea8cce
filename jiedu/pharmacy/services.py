"""Stock movements. Every movement locks its balance row, appends a chained ledger entry and is audited.

Movements run inside the caller's transaction when there is one (a dose draws stock inside the dose's
transaction) and open their own otherwise.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from jiedu.core import audit, chain, clock, rows
from jiedu.core.errors import DomainError, FieldErrors
from jiedu.pharmacy.models import (
    Batch,
    DayClose,
    DayCloseLine,
    Drug,
    EntryKind,
    LedgerEntry,
    StockBalance,
    Store,
)

ML = Decimal("0.01")

if TYPE_CHECKING:
    from jiedu.registry.models import Organisation


class InsufficientStock(DomainError):
    code = "insufficient_stock"


def entry_hash(entry: LedgerEntry) -> str:
    return chain.mac(
        "ledger",
        [
            entry.store_id,
            entry.batch_id,
            entry.seq,
            entry.kind,
            str(entry.quantity),
            str(entry.balance_after),
            entry.at.astimezone(dt.UTC).isoformat(),
            entry.recorded_by_id,
            entry.witness_id,
            entry.counterpart_store_id,
            entry.reverses_id,
            entry.voucher,
            entry.reason,
            entry.detail,
            entry.prev_hash,
        ],
    )


def _locked_balance(store: Store, batch: Batch) -> StockBalance:
    balance = StockBalance.objects.select_for_update().filter(store=store, batch=batch).first()
    if balance is None:
        try:
            with transaction.atomic():
                StockBalance.objects.create(store=store, batch=batch)
        except IntegrityError:
            pass  # created concurrently
        balance = StockBalance.objects.select_for_update().get(store=store, batch=batch)
    return balance


def _post(
    *,
    balance: StockBalance,
    kind: str,
    quantity: Decimal,
    actor: Any,
    witness: Any = None,
    counterpart: Store | None = None,
    reverses: LedgerEntry | None = None,
    voucher: str = "",
    reason: str = "",
    detail: dict | None = None,
) -> LedgerEntry:
    """Append one movement to a locked balance. The balance never goes below zero."""
    new_quantity = balance.quantity + quantity
    if new_quantity < 0:
        raise InsufficientStock(
            _("Not enough stock of batch %(batch)s in %(store)s: %(have)s %(unit)s left, %(need)s needed.")
            % {
                "batch": balance.batch.batch_no,
                "store": balance.store.name,
                "have": balance.quantity,
                "need": -quantity,
                "unit": balance.batch.drug.unit,
            }
        )
    entry = LedgerEntry(
        store_id=balance.store_id,
        batch_id=balance.batch_id,
        seq=balance.seq + 1,
        kind=kind,
        quantity=quantity,
        balance_after=new_quantity,
        at=clock.now(),
        recorded_by=actor,
        witness=witness,
        counterpart_store=counterpart,
        reverses=reverses,
        voucher=voucher,
        reason=reason,
        detail=detail or {},
        prev_hash=balance.last_hash,
    )
    entry.hash = entry_hash(entry)
    rows.insert(entry)
    rows.update(StockBalance, balance.pk, quantity=new_quantity, seq=entry.seq, last_hash=entry.hash)
    balance.quantity, balance.seq, balance.last_hash = new_quantity, entry.seq, entry.hash
    return entry


def _two_people(actor: Any, witness: Any, field: str = "witness") -> None:
    if witness is None:
        raise FieldErrors({field: [_("A second person must witness this.")]})
    if witness.pk == actor.pk:
        raise FieldErrors({field: [_("The witness must be another person, not the one recording.")]})


def _same_site(store: Store, *users: Any) -> None:
    for user in users:
        if user.organisation_id not in {store.organisation_id, store.organisation.parent_clinic_id}:
            raise FieldErrors(
                {
                    "store": [
                        _("%(user)s does not work at %(org)s.")
                        % {"user": user.display_name, "org": store.organisation.name}
                    ]
                }
            )


def _clinic_family(org: Any) -> int:
    """The clinic a store's organisation belongs to: itself, or a dosing point's parent clinic."""
    return org.parent_clinic_id or org.pk


def _positive(quantity: Decimal, field: str = "quantity") -> Decimal:
    if quantity is None or quantity <= 0:
        raise FieldErrors({field: [_("Enter a quantity greater than zero.")]})
    return quantity.quantize(ML)


@dataclass(frozen=True)
class ReceiptLine:
    drug: Drug
    batch_no: str
    expiry: dt.date
    maker: str
    quantity: Decimal
    concentration_mg_per_ml: Decimal | None = None


def stock_receive(
    *,
    actor: Any,
    witness: Any,
    store: Store,
    line: ReceiptLine,
    voucher: str = "",
    supplier: str = "",
    quality: str = "",
) -> LedgerEntry:
    """A delivery checked on arrival by two people (both sign); quantity in the drug's ledger unit."""
    _two_people(actor, witness)
    _same_site(store, actor, witness)
    quantity = _positive(line.quantity)
    errors: dict[str, list[str]] = {}
    if not line.batch_no.strip():
        errors["batch_no"] = [_("The batch number is required.")]
    if line.expiry <= clock.local_today():
        errors["expiry"] = [
            _("This batch has expired (%(d)s); expired stock is not received.") % {"d": line.expiry}
        ]
    if not line.maker.strip():
        errors["maker"] = [_("The manufacturer is required.")]
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic():
        batch, created = Batch.objects.get_or_create(
            drug=line.drug,
            maker=line.maker.strip(),
            batch_no=line.batch_no.strip(),
            defaults={"expiry": line.expiry, "concentration_mg_per_ml": line.concentration_mg_per_ml},
        )
        if not created and (
            batch.expiry != line.expiry or batch.concentration_mg_per_ml != line.concentration_mg_per_ml
        ):
            raise FieldErrors(
                {
                    "batch_no": [
                        _("Batch %(b)s is already recorded with another expiry or concentration.")
                        % {"b": batch.batch_no}
                    ]
                }
            )
        entry = _post(
            balance=_locked_balance(store, batch),
            kind=EntryKind.RECEIPT,
            quantity=quantity,
            actor=actor,
            witness=witness,
            voucher=voucher,
            detail={"supplier": supplier, "quality": quality},
        )
        audit.record(
            "stock.receive",
            actor=actor,
            obj=entry,
            detail={"quantity": str(quantity), "batch": batch.batch_no},
        )
    return entry


def stock_transfer(
    *, actor: Any, witness: Any, source: Store, target: Store, batch: Batch, quantity: Decimal
) -> tuple[LedgerEntry, LedgerEntry]:
    """Clinic → dosing point (or between stores): out and in in one transaction, locks in a fixed order."""
    _two_people(actor, witness)
    _same_site(source, actor, witness)
    quantity = _positive(quantity)
    if source.pk == target.pk:
        raise FieldErrors({"target": [_("Choose a different store to transfer to.")]})
    if _clinic_family(source.organisation) != _clinic_family(target.organisation):
        raise FieldErrors({"target": [_("Stock moves only between a clinic and its own dosing points.")]})
    with transaction.atomic():
        first, second = sorted([source, target], key=lambda s: s.pk)
        locked = {first.pk: _locked_balance(first, batch), second.pk: _locked_balance(second, batch)}
        out = _post(
            balance=locked[source.pk],
            kind=EntryKind.TRANSFER_OUT,
            quantity=-quantity,
            actor=actor,
            witness=witness,
            counterpart=target,
        )
        inn = _post(
            balance=locked[target.pk],
            kind=EntryKind.TRANSFER_IN,
            quantity=quantity,
            actor=actor,
            witness=witness,
            counterpart=source,
        )
        audit.record(
            "stock.transfer", actor=actor, obj=out, detail={"to_store": target.pk, "quantity": str(quantity)}
        )
    return out, inn


def stock_waste(
    *, actor: Any, witness: Any, store: Store, batch: Batch, quantity: Decimal, reason: str
) -> LedgerEntry:
    _two_people(actor, witness)
    _same_site(store, actor, witness)
    quantity = _positive(quantity)
    if not reason.strip():
        raise FieldErrors({"reason": [_("Say what happened (e.g. spilled at the window).")]})
    with transaction.atomic():
        entry = _post(
            balance=_locked_balance(store, batch),
            kind=EntryKind.WASTE,
            quantity=-quantity,
            actor=actor,
            witness=witness,
            reason=reason.strip(),
        )
        audit.record("stock.waste", actor=actor, obj=entry, detail={"quantity": str(quantity)})
    return entry


def stock_reverse(*, actor: Any, witness: Any, entry: LedgerEntry, reason: str) -> LedgerEntry:
    """Correct a wrong entry with an opposite one; the original stays."""
    _two_people(actor, witness)
    if not reason.strip():
        raise FieldErrors({"reason": [_("A correction needs a reason.")]})
    if entry.kind in {EntryKind.REVERSAL, EntryKind.ADMINISTRATION}:
        raise FieldErrors({"entry": [_("This entry cannot be reversed here.")]})
    with transaction.atomic():
        if LedgerEntry.objects.filter(reverses=entry).exists():
            raise FieldErrors({"entry": [_("This entry has already been reversed.")]})
        reversal = _post(
            balance=_locked_balance(entry.store, entry.batch),
            kind=EntryKind.REVERSAL,
            quantity=-entry.quantity,
            actor=actor,
            witness=witness,
            reverses=entry,
            reason=reason.strip(),
        )
        audit.record("stock.reverse", actor=actor, obj=reversal, detail={"reverses": entry.pk})
    return reversal


def dosing_store(organisation_id: int) -> Store | None:
    return (
        Store.objects.select_related("organisation")
        .filter(organisation_id=organisation_id, dispenses_doses=True, is_active=True)
        .first()
    )


def volume_for(dose_mg: Decimal, batch: Batch) -> Decimal:
    concentration = batch.concentration_mg_per_ml or Decimal("1")
    return (dose_mg / concentration).quantize(ML, rounding=ROUND_HALF_UP)


def stock_draw_for_dose(
    *,
    actor: Any,
    site: Organisation,
    drug_code: str,
    dose_mg: Decimal,
    today: dt.date,
    detail: dict | None = None,
) -> LedgerEntry:
    """Draw one dose from the site's dosing store, from the earliest-expiring unexpired batch that holds enough.
    Caller owns the transaction.

    ``SELECT … FOR UPDATE`` re-checks the quantity after waiting for a concurrent draw, so two windows never
    take the same last millilitres.
    """
    candidates = (
        StockBalance.objects.select_for_update(of=("self",))
        .select_related("batch")
        .filter(
            store__organisation=site,
            store__dispenses_doses=True,
            store__is_active=True,
            batch__drug__code=drug_code,
            batch__expiry__gte=today,
            quantity__gt=0,
        )
        .order_by("batch__expiry", "batch_id")
    )
    store_id = None
    for balance in candidates:
        store_id = balance.store_id
        volume = volume_for(dose_mg, balance.batch)
        if balance.quantity >= volume:
            return _post(
                balance=balance,
                kind=EntryKind.ADMINISTRATION,
                quantity=-volume,
                actor=actor,
                detail={"dose_mg": str(dose_mg), **(detail or {})},
            )
    store = Store.objects.get(pk=store_id) if store_id else dosing_store(site.pk)
    if store is None:
        raise InsufficientStock(_("%(site)s has no dosing store set up.") % {"site": site.name})
    raise InsufficientStock(
        _("Not enough methadone in %(store)s for %(mg)s mg; receive or transfer stock first.")
        % {"store": store.name, "mg": dose_mg}
    )


def _book_at_end_of(balance: StockBalance, day: dt.date) -> Decimal:
    """The book quantity at the end of ``day`` (Asia/Shanghai): a back-filled close of an earlier day compares
    the count with that day's book, not with today's."""
    if day >= clock.local_today():
        return balance.quantity
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=clock.SHANGHAI)
    last = (
        LedgerEntry.objects.filter(store_id=balance.store_id, batch_id=balance.batch_id, at__lt=end)
        .order_by("-seq")
        .values_list("balance_after", flat=True)
        .first()
    )
    return last if last is not None else Decimal("0.00")


def day_close(
    *, actor: Any, witness: Any, store: Store, day: dt.date, counts: dict[int, Decimal], note: str = ""
) -> DayClose:
    """Record two people's count of every batch held; a difference is a recorded variance, never an adjustment."""
    _two_people(actor, witness)
    _same_site(store, actor, witness)
    if day > clock.local_today():
        raise FieldErrors({"day": [_("A day is closed after it has happened.")]})
    with transaction.atomic():
        balances = list(
            StockBalance.objects.select_for_update(of=("self",))
            .select_related("batch")
            .filter(store=store)
            .filter(Q(quantity__gt=0) | Q(batch_id__in=list(counts)))
            .order_by("batch_id")
        )
        missing = [b.batch.batch_no for b in balances if b.batch_id not in counts]
        if missing:
            raise FieldErrors({"counts": [_("Count every batch held: %(b)s.") % {"b": "、".join(missing)}]})
        if DayClose.objects.filter(store=store, day=day).exists():
            raise FieldErrors({"day": [_("This store's day is already closed.")]})
        lines = [(b, _book_at_end_of(b, day), counts[b.batch_id].quantize(ML)) for b in balances]
        has_variance = any(book != counted for _b, book, counted in lines)
        close = DayClose.objects.create(
            store=store,
            day=day,
            counted_by=actor,
            witness=witness,
            at=clock.now(),
            has_variance=has_variance,
            note=note,
        )
        DayCloseLine.objects.bulk_create(
            [
                DayCloseLine(
                    day_close=close,
                    batch=b.batch,
                    book_quantity=book,
                    counted_quantity=counted,
                    variance=book - counted,
                )
                for b, book, counted in lines
            ]
        )
        audit.record("stock.day_close", actor=actor, obj=close, detail={"variance": has_variance})
    return close


def ledger_verify(*, store: Store, batch: Batch) -> str | None:
    """The first broken link of one ledger, or None."""
    prev, expected = chain.GENESIS, 1
    for entry in LedgerEntry.objects.filter(store=store, batch=batch).order_by("seq").iterator():
        if entry.seq != expected:
            return f"entry {expected} missing (found {entry.seq})"
        if entry.prev_hash != prev:
            return f"entry {entry.seq} does not follow entry {expected - 1}"
        if entry_hash(entry) != entry.hash:
            return f"entry {entry.seq} was edited"
        prev, expected = entry.hash, expected + 1
    return None
