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
from django.utils import timezone
from django.utils.translation import gettext as _

from jiedu.core import audit, chain, clock, rows
from jiedu.core.errors import DomainError, FieldErrors
from jiedu.core.selectors import rule_value
from jiedu.pharmacy.models import (
    BOOKED_FINDINGS,
    REPORTED_KINDS,
    SEAL_CARD_CLASSES,
    Batch,
    CountKind,
    DayClose,
    DayCloseLine,
    Drug,
    EntryKind,
    EquipmentCheck,
    EquipmentKind,
    EquipmentStatus,
    LedgerEntry,
    RegulatedEquipment,
    SealCard,
    StockBalance,
    StockVariance,
    Store,
    StoreKeeper,
    VarianceFinding,
    VarianceStatus,
)
from jiedu.policy.rules import Action, can
from jiedu.reports.models import ReportKind
from jiedu.reports.services import report_file

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


def is_keeper(store: Store, user: Any) -> bool:
    return StoreKeeper.objects.filter(store=store, user=user, ended_on__isnull=True).exists()


def _keeper(store: Store, user: Any, field: str = "store") -> None:
    """专人负责: only a designated keeper of the store posts to its ledgers."""
    if not is_keeper(store, user):
        raise FieldErrors(
            {
                field: [
                    _("%(user)s is not a designated keeper of %(store)s.")
                    % {"user": user.display_name, "store": store}
                ]
            }
        )


def _kept_by(store: Store, actor: Any, witness: Any) -> None:
    """Two people of the store's site, the one recording a designated keeper of the store."""
    _two_people(actor, witness)
    _same_site(store, actor, witness)
    _keeper(store, actor)


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


def valid_seal_card(organisation: Any, day: dt.date) -> SealCard | None:
    """The institution's purchase seal card valid on ``day`` (a dosing point buys through its clinic)."""
    holder = organisation.parent_clinic_id or organisation.pk
    return (
        SealCard.objects.filter(organisation_id=holder, valid_from__lte=day, valid_to__gte=day)
        .order_by("-valid_to")
        .first()
    )


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
    """A delivery from a supplier, checked on arrival down to the smallest package by two people who both sign.
    The recorder is a keeper of the store; narcotics and class-I psychotropics are received only on the
    institution's valid purchase seal card. Quantity is in the drug's ledger unit."""
    _kept_by(store, actor, witness)
    quantity = _positive(line.quantity)
    today = clock.local_today()
    errors: dict[str, list[str]] = {}
    if not line.batch_no.strip():
        errors["batch_no"] = [_("The batch number is required.")]
    if line.expiry <= today:
        errors["expiry"] = [
            _("This batch has expired (%(d)s); expired stock is not received.") % {"d": line.expiry}
        ]
    if not line.maker.strip():
        errors["maker"] = [_("The manufacturer is required.")]
    if not supplier.strip():
        errors["supplier"] = [_("Name the supplier.")]
    if not voucher.strip():
        errors["voucher"] = [_("Enter the delivery voucher number.")]
    if not quality.strip():
        errors["quality"] = [_("Record the quality conclusion of the check on arrival.")]
    packages = quantity / line.drug.units_per_package
    if packages != packages.to_integral_value():
        errors["quantity"] = [
            _(
                "Count down to the smallest package: %(q)s %(unit)s is not a whole number of %(pkg)s (%(per)s each)."
            )
            % {
                "q": quantity,
                "unit": line.drug.unit,
                "pkg": line.drug.package_unit or line.drug.unit,
                "per": format(line.drug.units_per_package.normalize(), "f"),
            }
        ]
    card = None
    if line.drug.control_class in SEAL_CARD_CLASSES:
        card = valid_seal_card(store.organisation, today)
        if card is None:
            errors["seal_card"] = [
                _(
                    "%(org)s has no valid purchase seal card: narcotics and class-I psychotropics are not received "
                    "from a wholesaler without one."
                )
                % {"org": store.organisation.name}
            ]
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
            voucher=voucher.strip(),
            detail={
                "supplier": supplier.strip(),
                "quality": quality.strip(),
                "packages": str(packages.to_integral_value()),
                **({"seal_card": card.number} if card else {}),
            },
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
    """From one store to another of the same institution (a strong room to a dispensing cabinet, a clinic to its
    dosing point): a keeper of the source issues it and a keeper of the target receives it and signs; out and
    in in one transaction, locks in a fixed order."""
    _two_people(actor, witness)
    quantity = _positive(quantity)
    if source.pk == target.pk:
        raise FieldErrors({"target": [_("Choose a different store to transfer to.")]})
    if _clinic_family(source.organisation) != _clinic_family(target.organisation):
        raise FieldErrors({"target": [_("Stock moves only between a clinic and its own dosing points.")]})
    _same_site(source, actor)
    _same_site(target, witness)
    _keeper(source, actor)
    _keeper(target, witness, field="witness")
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
    """Spillage or breakage witnessed by a second person."""
    _kept_by(store, actor, witness)
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
    _same_site(entry.store, actor, witness)
    _keeper(entry.store, actor)
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


#: Movements that bring stock into the store; every other kind posted through ``_move`` takes it out.
_INFLOWS = frozenset({EntryKind.RETURN_IN})


def _move(
    *,
    actor: Any,
    witness: Any,
    store: Store,
    batch: Batch,
    quantity: Decimal,
    kind: str,
    action: str,
    voucher: str = "",
    reason: str = "",
    detail: dict | None = None,
) -> LedgerEntry:
    quantity = _positive(quantity)
    with transaction.atomic():
        entry = _post(
            balance=_locked_balance(store, batch),
            kind=kind,
            quantity=quantity if kind in _INFLOWS else -quantity,
            actor=actor,
            witness=witness,
            voucher=voucher,
            reason=reason,
            detail=detail,
        )
        audit.record(action, actor=actor, obj=entry, detail={"quantity": str(quantity), **(detail or {})})
        return entry


def _required(**values: str) -> dict[str, str]:
    errors = {name: [_("This field is required.")] for name, value in values.items() if not value.strip()}
    if errors:
        raise FieldErrors(errors)
    return {name: value.strip() for name, value in values.items()}


def stock_issue(
    *, actor: Any, witness: Any, store: Store, batch: Batch, quantity: Decimal, department: str, voucher: str
) -> LedgerEntry:
    """An issue to a ward or department (领用) on its requisition: the keeper issues, the department's receiver
    checks and signs."""
    _kept_by(store, actor, witness)
    given = _required(department=department, voucher=voucher)
    return _move(
        actor=actor,
        witness=witness,
        store=store,
        batch=batch,
        quantity=quantity,
        kind=EntryKind.ISSUE,
        action="stock.issue",
        voucher=given["voucher"],
        detail={"department": given["department"]},
    )


def stock_return(
    *, actor: Any, witness: Any, store: Store, batch: Batch, quantity: Decimal, department: str, reason: str
) -> LedgerEntry:
    """Unused stock returned to the store by a department, checked by two people."""
    _kept_by(store, actor, witness)
    given = _required(department=department, reason=reason)
    return _move(
        actor=actor,
        witness=witness,
        store=store,
        batch=batch,
        quantity=quantity,
        kind=EntryKind.RETURN_IN,
        action="stock.return",
        reason=given["reason"],
        detail={"department": given["department"]},
    )


def stock_return_to_supplier(
    *,
    actor: Any,
    witness: Any,
    store: Store,
    batch: Batch,
    quantity: Decimal,
    supplier: str,
    voucher: str,
    reason: str,
) -> LedgerEntry:
    """Stock sent back to the supplier (a recall, a damaged delivery) on its return voucher."""
    _kept_by(store, actor, witness)
    given = _required(supplier=supplier, voucher=voucher, reason=reason)
    return _move(
        actor=actor,
        witness=witness,
        store=store,
        batch=batch,
        quantity=quantity,
        kind=EntryKind.RETURN_OUT,
        action="stock.return_to_supplier",
        voucher=given["voucher"],
        reason=given["reason"],
        detail={"supplier": given["supplier"]},
    )


def stock_destroy(
    *, actor: Any, witness: Any, store: Store, batch: Batch, quantity: Decimal, approval: str, method: str
) -> LedgerEntry:
    """Supervised destruction of expired or damaged stock on the authority's approval. The supervising witness
    stands outside the store's custody: another person who is not one of its keepers."""
    _two_people(actor, witness)
    _keeper(store, actor)
    if is_keeper(store, witness):
        raise FieldErrors(
            {"witness": [_("Destruction is supervised by someone who does not keep this store.")]}
        )
    given = _required(approval=approval, method=method)
    return _move(
        actor=actor,
        witness=witness,
        store=store,
        batch=batch,
        quantity=quantity,
        kind=EntryKind.DESTRUCTION,
        action="stock.destroy",
        voucher=given["approval"],
        reason=given["method"],
    )


def stock_loss(
    *, actor: Any, witness: Any, store: Store, batch: Batch, quantity: Decimal, kind: str, account: str
) -> LedgerEntry:
    """A loss or theft: booked out at once and reported in the same transaction to the county police, the drug
    regulator and the supervising health authority (条例 Art. 64), with what happened and when."""
    if kind not in REPORTED_KINDS:
        raise FieldErrors({"kind": [_("Choose loss or theft.")]})
    _kept_by(store, actor, witness)
    given = _required(account=account)
    with transaction.atomic():
        entry = _move(
            actor=actor,
            witness=witness,
            store=store,
            batch=batch,
            quantity=quantity,
            kind=kind,
            action="stock.loss",
            reason=given["account"],
        )
        drug = batch.drug
        summary = _(
            "%(kind)s at %(store)s (%(org)s): %(qty)s %(unit)s of %(drug)s %(strength)s (%(cls)s), batch %(batch)s. "
            "Recorded by %(by)s, witnessed by %(witness)s, at %(at)s. Account: %(account)s"
        ) % {
            "kind": EntryKind(kind).label,
            "store": store.name,
            "org": store.organisation.name,
            "qty": -entry.quantity,
            "unit": drug.unit,
            "drug": drug.name,
            "strength": drug.strength,
            "cls": drug.get_control_class_display(),
            "batch": batch.batch_no,
            "by": actor.display_name,
            "witness": witness.display_name,
            "at": timezone.localtime(entry.at, clock.SHANGHAI).strftime("%Y-%m-%d %H:%M"),
            "account": given["account"],
        }
        report_file(
            kind=ReportKind.STOCK_LOSS,
            source=store.organisation,
            event_on=clock.local_today(),
            dedupe_key=f"stock_loss:{entry.pk}",
            summary=summary,
            actor=actor,
        )
    return entry


def fefo(*, store: Store, drug: Drug, today: dt.date | None = None) -> list[StockBalance]:
    """First expiry, first out: the unexpired batches of ``drug`` held in ``store``, the one to use first first."""
    today = today or clock.local_today()
    return list(
        StockBalance.objects.filter(store=store, batch__drug=drug, batch__expiry__gte=today, quantity__gt=0)
        .select_related("batch")
        .order_by("batch__expiry", "batch_id")
    )


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
    """The day-close count of a store (dispensing stores count at the end of every working day)."""
    return stock_count(
        actor=actor, witness=witness, store=store, day=day, counts=counts, note=note, kind=CountKind.DAY_CLOSE
    )


def stock_count(
    *,
    actor: Any,
    witness: Any,
    store: Store,
    day: dt.date,
    counts: dict[int, Decimal],
    note: str = "",
    kind: str = CountKind.MONTHLY,
) -> DayClose:
    """Record two people's count of every batch held; a difference is a recorded variance, never an adjustment.
    One of the two counters is a keeper of the store. A variance opens an investigation; a shortfall beyond the
    configured tolerance is reported at once to the police, the drug regulator and the health authority."""
    _two_people(actor, witness)
    _same_site(store, actor, witness)
    if kind not in CountKind.values:
        raise FieldErrors({"kind": [_("Choose the kind of count.")]})
    if not (is_keeper(store, actor) or is_keeper(store, witness)):
        raise FieldErrors(
            {"witness": [_("One of the two counters must be a keeper of %(store)s.") % {"store": store.name}]}
        )
    if day > clock.local_today():
        raise FieldErrors({"day": [_("A day is closed after it has happened.")]})
    bad = [batch_id for batch_id, counted in counts.items() if counted is None or counted < 0]
    if bad:
        raise FieldErrors({"counts": [_("A count is zero or more.")]})
    with transaction.atomic():
        balances = list(
            StockBalance.objects.select_for_update(of=("self",))
            .select_related("batch", "batch__drug")
            .filter(store=store)
            .filter(Q(quantity__gt=0) | Q(batch_id__in=list(counts)))
            .order_by("batch_id")
        )
        missing = [b.batch.batch_no for b in balances if b.batch_id not in counts]
        if missing:
            raise FieldErrors({"counts": [_("Count every batch held: %(b)s.") % {"b": "、".join(missing)}]})
        already = FieldErrors(
            {
                "day": [
                    _("This store's day is already closed.")
                    if kind == CountKind.DAY_CLOSE
                    else _("This store was already stock-taken on that day.")
                ]
            }
        )
        if DayClose.objects.filter(store=store, day=day, kind=kind).exists():
            raise already
        lines = [(b, _book_at_end_of(b, day), counts[b.batch_id].quantize(ML)) for b in balances]
        has_variance = any(book != counted for _b, book, counted in lines)
        try:
            with transaction.atomic():
                close = DayClose.objects.create(
                    store=store,
                    day=day,
                    kind=kind,
                    counted_by=actor,
                    witness=witness,
                    at=clock.now(),
                    has_variance=has_variance,
                    note=note,
                )
        except IntegrityError:  # an empty store counted twice at once: no balance row to serialise on
            raise already from None
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
        audit.record("stock.count", actor=actor, obj=close, detail={"kind": kind, "variance": has_variance})
        if has_variance:
            _variance_open(close, lines, actor)
    return close


def _variance_open(close: DayClose, lines: list[tuple[StockBalance, Decimal, Decimal]], actor: Any) -> None:
    variance = StockVariance.objects.create(
        count=close,
        opened_at=close.at,
        shortfall=any(book > counted for _b, book, counted in lines),
        surplus=any(counted > book for _b, book, counted in lines),
    )
    store = close.store
    tolerance = rule_value("pharmacy.count_shortfall_tolerance", region_code=store.organisation.region_id)
    if any(book - counted > tolerance for _b, book, counted in lines):
        short = "; ".join(
            _("%(drug)s %(strength)s batch %(batch)s: book %(book)s, counted %(counted)s %(unit)s")
            % {
                "drug": b.batch.drug.name,
                "strength": b.batch.drug.strength,
                "batch": b.batch.batch_no,
                "book": book,
                "counted": counted,
                "unit": b.batch.drug.unit,
            }
            for b, book, counted in lines
            if book > counted
        )
        summary = _(
            "Count shortfall at %(store)s (%(org)s), %(count)s of %(day)s by %(by)s and %(witness)s: %(lines)s. "
            "Under investigation; control measures taken."
        ) % {
            "store": store.name,
            "org": store.organisation.name,
            "count": close.get_kind_display(),
            "day": close.day,
            "by": close.counted_by.display_name,
            "witness": close.witness.display_name,
            "lines": short,
        }
        report = report_file(
            kind=ReportKind.STOCK_LOSS,
            source=store.organisation,
            event_on=close.day,
            dedupe_key=f"stock_variance:{variance.pk}",
            summary=summary,
            actor=actor,
        )
        variance.report = report
        variance.save(update_fields=["report"])
    audit.record(
        "stock.variance.open",
        actor=actor,
        obj=variance,
        detail={"shortfall": variance.shortfall, "surplus": variance.surplus},
    )


def variance_close(
    *, actor: Any, witness: Any, variance: StockVariance, finding: str, account: str
) -> StockVariance:
    """End an investigation with its finding. A loss, theft or suspected diversion books each short batch out
    (loss or theft entries, two people, a keeper recording) and reports the conclusion; an explained counting
    error books nothing. A surplus is never booked in: it is explained, or corrected by reversing the wrong
    entry."""
    store = variance.count.store
    _two_people(actor, witness)
    _same_site(store, actor, witness)
    if finding not in VarianceFinding.values:
        raise FieldErrors({"finding": [_("Choose the finding of the investigation.")]})
    given = _required(account=account)
    if finding in BOOKED_FINDINGS:
        _keeper(store, actor)
    with transaction.atomic():
        variance = (
            StockVariance.objects.select_for_update().select_related("count__store").get(pk=variance.pk)
        )
        if variance.status != VarianceStatus.OPEN:
            raise FieldErrors({"variance": [_("This investigation is already closed.")]})
        if finding in BOOKED_FINDINGS and not variance.shortfall:
            raise FieldErrors({"finding": [_("Nothing is missing: the count found more than the book.")]})
        entries = []
        if finding in BOOKED_FINDINGS:
            kind = EntryKind.THEFT if finding == VarianceFinding.THEFT else EntryKind.LOSS
            short = variance.count.lines.filter(variance__gt=0).select_related("batch").order_by("batch_id")
            for line in short:
                entries.append(
                    _post(
                        balance=_locked_balance(store, line.batch),
                        kind=kind,
                        quantity=-line.variance,
                        actor=actor,
                        witness=witness,
                        reason=given["account"],
                        detail={"variance": variance.pk, "finding": finding},
                    )
                )
        now = clock.now()
        StockVariance.objects.filter(pk=variance.pk).update(
            status=VarianceStatus.CLOSED,
            finding=finding,
            account=given["account"],
            closed_by=actor,
            closing_witness=witness,
            closed_at=now,
        )
        variance.refresh_from_db()
        if variance.report_id or finding in BOOKED_FINDINGS:
            summary = _(
                "Investigation of the count of %(day)s at %(store)s (%(org)s) closed: %(finding)s. %(account)s"
            ) % {
                "day": variance.count.day,
                "store": store.name,
                "org": store.organisation.name,
                "finding": VarianceFinding(finding).label,
                "account": given["account"],
            }
            report_file(
                kind=ReportKind.STOCK_LOSS,
                source=store.organisation,
                event_on=clock.local_today(),
                dedupe_key=f"stock_variance:{variance.pk}:closed",
                summary=summary,
                actor=actor,
            )
        audit.record(
            "stock.variance.close",
            actor=actor,
            obj=variance,
            detail={"finding": finding, "entries": [e.pk for e in entries]},
        )
    return variance


def ledger_verify(*, store: Store, batch: Batch) -> str | None:
    """The first broken link of one ledger (store × batch), or None. Detects an edited, deleted, inserted or
    reordered entry, a running balance that does not follow from the movements, and a balance row that does not
    match the last entry (a deleted tail or an edited balance)."""
    prev, expected, running = chain.GENESIS, 1, Decimal("0")
    for entry in LedgerEntry.objects.filter(store=store, batch=batch).order_by("seq").iterator():
        if entry.seq != expected:
            return f"entry {expected} missing (found {entry.seq})"
        if entry.prev_hash != prev:
            return f"entry {entry.seq} does not follow entry {expected - 1}"
        if entry_hash(entry) != entry.hash:
            return f"entry {entry.seq} was edited"
        running += entry.quantity
        if running != entry.balance_after:
            return f"entry {entry.seq}: balance {entry.balance_after} does not follow from the movements ({running})"
        prev, expected = entry.hash, expected + 1
    balance = StockBalance.objects.filter(store=store, batch=batch).first()
    if balance is not None and (balance.seq, balance.last_hash, balance.quantity) != (
        expected - 1,
        prev,
        running,
    ):
        return (
            f"the balance row (entry {balance.seq}, {balance.quantity}) does not match the ledger "
            f"(entry {expected - 1}, {running})"
        )
    return None


@dataclass(frozen=True)
class LedgerBreak:
    store: Store
    batch: Batch
    problem: str

    def __str__(self) -> str:
        return f"{self.store} · {self.batch.drug.name} {self.batch.batch_no}: {self.problem}"


def ledgers_verify(*, stores: Any = None) -> tuple[int, list[LedgerBreak]]:
    """Verify every ledger (of ``stores``, default all): how many were checked and each one broken."""
    balances = StockBalance.objects.select_related("store__organisation", "batch__drug")
    entries = LedgerEntry.objects.all()
    if stores is not None:
        balances, entries = balances.filter(store__in=stores), entries.filter(store__in=stores)
    pairs = {(b.store_id, b.batch_id): b for b in balances.order_by("store_id", "batch_id")}
    broken = []
    for b in pairs.values():
        problem = ledger_verify(store=b.store, batch=b.batch)
        if problem:
            broken.append(LedgerBreak(b.store, b.batch, problem))
    for store_id, batch_id in sorted(set(entries.values_list("store_id", "batch_id")) - set(pairs)):
        store = Store.objects.select_related("organisation").get(pk=store_id)
        batch = Batch.objects.select_related("drug").get(pk=batch_id)
        broken.append(LedgerBreak(store, batch, "entries without a balance row (the balance was deleted)"))
    return len(pairs), broken


# --- custody: keepers, keys, seal cards, regulated equipment ------------------------------------------------


def _head_of(store_or_org: Any, actor: Any) -> None:
    """The actor heads the institution the store or organisation belongs to (the pages check the role too; the
    rule holds here for every caller)."""
    org = getattr(store_or_org, "organisation", store_or_org)
    if actor.organisation_id != _clinic_family(org) and actor.organisation_id != org.pk:
        raise FieldErrors({"store": [_("%(org)s is not your institution.") % {"org": org.name}]})
    if not can(actor, Action.STOCK_CUSTODY):
        raise FieldErrors({"store": [_("Only the head of the institution does this.")]})


def keeper_appoint(*, actor: Any, store: Store, user: Any, on: dt.date | None = None) -> StoreKeeper:
    """Designate a keeper (专人负责). The head of the institution appoints; the keeper works at its site."""
    _head_of(store, actor)
    _same_site(store, user)
    with transaction.atomic():
        if StoreKeeper.objects.filter(store=store, user=user, ended_on__isnull=True).exists():
            raise FieldErrors(
                {"user": [_("%(user)s already keeps this store.") % {"user": user.display_name}]}
            )
        keeper = StoreKeeper.objects.create(
            store=store, user=user, appointed_by=actor, appointed_on=on or clock.local_today()
        )
        audit.record(
            "stock.keeper.appoint", actor=actor, obj=keeper, detail={"store": store.pk, "user": user.pk}
        )
    return keeper


def keeper_end(*, actor: Any, keeper: StoreKeeper, on: dt.date | None = None) -> StoreKeeper:
    """End an appointment; the row stays as the record of who kept the store when."""
    _head_of(keeper.store, actor)
    with transaction.atomic():
        keeper = StoreKeeper.objects.select_for_update().get(pk=keeper.pk)
        if keeper.ended_on is not None:
            raise FieldErrors({"keeper": [_("This appointment has already ended.")]})
        keeper.ended_on = on or clock.local_today()
        if keeper.ended_on < keeper.appointed_on:
            raise FieldErrors({"on": [_("An appointment ends on or after the day it began.")]})
        keeper.save(update_fields=["ended_on"])
        audit.record("stock.keeper.end", actor=actor, obj=keeper, detail={"on": str(keeper.ended_on)})
    return keeper


def key_holders_set(*, actor: Any, store: Store, first: Any, second: Any) -> Store:
    """双人双锁: two different people of the site each hold one of the store's two keys."""
    _head_of(store, actor)
    if first is None or second is None:
        raise FieldErrors({"key_holder_b" if first else "key_holder_a": [_("Two key holders are needed.")]})
    if first.pk == second.pk:
        raise FieldErrors({"key_holder_b": [_("The two keys are held by two different people.")]})
    _same_site(store, first, second)
    with transaction.atomic():
        Store.objects.filter(pk=store.pk).update(key_holder_a=first, key_holder_b=second)
        store.key_holder_a, store.key_holder_b = first, second
        audit.record(
            "stock.store.key_holders", actor=actor, obj=store, detail={"holders": [first.pk, second.pk]}
        )
    return store


def seal_card_register(
    *, actor: Any, organisation: Any, number: str, issuer: str, valid_from: dt.date, valid_to: dt.date
) -> SealCard:
    """Record the institution's purchase seal card (valid three years by default) as issued."""
    _head_of(organisation, actor)
    given = _required(number=number, issuer=issuer)
    if valid_to <= valid_from:
        raise FieldErrors({"valid_to": [_("The card's validity ends after it starts.")]})
    if SealCard.objects.filter(number=given["number"]).exists():
        raise FieldErrors({"number": [_("Card %(n)s is already registered.") % {"n": given["number"]}]})
    with transaction.atomic():
        card = SealCard.objects.create(
            organisation=organisation,
            number=given["number"],
            issuer=given["issuer"],
            valid_from=valid_from,
            valid_to=valid_to,
            registered_by=actor,
            registered_at=clock.now(),
        )
        audit.record("stock.seal_card.register", actor=actor, obj=card, organisation=organisation)
    return card


@dataclass(frozen=True)
class SealCardUse:
    """What the renewal application reports: per drug, what was bought on the card and what was used."""

    card: SealCard
    rows: list[dict[str, Any]]


def seal_card_use(*, card: SealCard, until: dt.date | None = None) -> SealCardUse:
    """Receipts, uses and stock per drug at the card's institution over the card's validity (to ``until``)."""
    until = min(until or clock.local_today(), card.valid_to)
    start = dt.datetime.combine(card.valid_from, dt.time.min, tzinfo=clock.SHANGHAI)
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=clock.SHANGHAI)
    family = Q(store__organisation_id=card.organisation_id) | Q(
        store__organisation__parent_clinic_id=card.organisation_id
    )
    entries = LedgerEntry.objects.filter(
        family, at__gte=start, at__lt=end, batch__drug__control_class__in=SEAL_CARD_CLASSES
    )
    used_kinds = [EntryKind.ADMINISTRATION, EntryKind.DISPENSING, EntryKind.ISSUE]
    rows = []
    for drug in Drug.objects.filter(batches__entries__in=entries).distinct().order_by("name", "strength"):
        mine = entries.filter(batch__drug=drug)
        received = sum(
            (e for e in mine.filter(kind=EntryKind.RECEIPT).values_list("quantity", flat=True)), Decimal("0")
        )
        used = -sum(
            (e for e in mine.filter(kind__in=used_kinds).values_list("quantity", flat=True)), Decimal("0")
        )
        held = sum(
            StockBalance.objects.filter(
                Q(store__organisation_id=card.organisation_id)
                | Q(store__organisation__parent_clinic_id=card.organisation_id),
                batch__drug=drug,
            ).values_list("quantity", flat=True),
            Decimal("0"),
        )
        rows.append({"drug": drug, "received": received, "used": used, "held": held})
    return SealCardUse(card=card, rows=rows)


def equipment_register(
    *,
    actor: Any,
    organisation: Any,
    kind: str,
    name: str,
    serial_no: str,
    location: str,
    custodian: Any,
    model: str = "",
) -> RegulatedEquipment:
    """Enter a piece of regulated equipment in the register, with its location and custodian."""
    _head_of(organisation, actor)
    given = _required(name=name, serial_no=serial_no, location=location)
    if kind not in EquipmentKind.values:
        raise FieldErrors({"kind": [_("Choose the kind of equipment.")]})
    if custodian is None or custodian.organisation_id != organisation.pk:
        raise FieldErrors({"custodian": [_("The custodian works at %(org)s.") % {"org": organisation.name}]})
    if RegulatedEquipment.objects.filter(kind=kind, serial_no=given["serial_no"]).exists():
        raise FieldErrors({"serial_no": [_("This serial number is already registered.")]})
    with transaction.atomic():
        item = RegulatedEquipment.objects.create(
            organisation=organisation,
            kind=kind,
            name=given["name"],
            model=model.strip(),
            serial_no=given["serial_no"],
            location=given["location"],
            custodian=custodian,
            registered_on=clock.local_today(),
        )
        audit.record("equipment.register", actor=actor, obj=item, organisation=organisation)
    return item


def equipment_check(
    *, actor: Any, equipment: RegulatedEquipment, status_found: str, in_order: bool, note: str = ""
) -> EquipmentCheck:
    """Record a check; the status found becomes the register's status. A check not in order needs a note."""
    if status_found not in EquipmentStatus.values:
        raise FieldErrors({"status_found": [_("Choose the status found.")]})
    if not in_order and not note.strip():
        raise FieldErrors({"note": [_("Describe what was not in order.")]})
    if actor.organisation_id != equipment.organisation_id:
        raise FieldErrors({"equipment": [_("This equipment is not at your institution.")]})
    with transaction.atomic():
        check = EquipmentCheck.objects.create(
            equipment=equipment,
            on=clock.local_today(),
            checked_by=actor,
            status_found=status_found,
            in_order=in_order,
            note=note.strip(),
        )
        RegulatedEquipment.objects.filter(pk=equipment.pk).update(status=status_found)
        equipment.status = status_found
        audit.record(
            "equipment.check", actor=actor, obj=check, detail={"status": status_found, "in_order": in_order}
        )
    return check
