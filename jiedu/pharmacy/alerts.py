"""What a keeper, a head of institution or an inspector must act on: expiring and low stock, open variance
investigations, purchase seal cards due for renewal, and stock-takes not done. Every threshold is a policy value
with a national default (``pharmacy.*`` in jiedu/core/policy_values.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from jiedu.core import clock
from jiedu.core.selectors import rule_value
from jiedu.pharmacy.models import (
    SEAL_CARD_CLASSES,
    CountKind,
    DayClose,
    EntryKind,
    LedgerEntry,
    SealCard,
    StockBalance,
    StockVariance,
    Store,
    StoreKind,
    VarianceStatus,
)

#: Outflows that are use of stock (what "days of usual use" measures): to patients, departments and stores.
USE_KINDS = (EntryKind.ADMINISTRATION, EntryKind.DISPENSING, EntryKind.ISSUE, EntryKind.TRANSFER_OUT)
#: The window over which usual daily use is averaged.
USE_WINDOW_DAYS = 30


@dataclass(frozen=True)
class LowStock:
    store: Store
    drug: object
    quantity: Decimal
    daily_use: Decimal
    days_left: Decimal


@dataclass(frozen=True)
class SealCardDue:
    organisation: object
    card: SealCard | None  # None: no valid card although narcotics or class-I psychotropics are held
    days_left: int | None


@dataclass(frozen=True)
class OverdueCount:
    store: Store
    kind: str
    due: dt.date
    last: dt.date | None


@dataclass(frozen=True)
class Alerts:
    today: dt.date
    expiring: list[StockBalance]
    expired: list[StockBalance]
    low: list[LowStock]
    variances: list[StockVariance]
    seal_cards: list[SealCardDue]
    overdue_counts: list[OverdueCount]

    @property
    def count(self) -> int:
        return sum(
            len(x)
            for x in (
                self.expiring,
                self.expired,
                self.low,
                self.variances,
                self.seal_cards,
                self.overdue_counts,
            )
        )


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def alerts_for(
    *, stores: list[Store], today: dt.date | None = None, region_code: str | None = None
) -> Alerts:
    today = today or clock.local_today()
    warn = rule_value("pharmacy.expiry_warning_days", region_code=region_code)
    low_days = Decimal(rule_value("pharmacy.low_stock_days", region_code=region_code))
    renewal_days = rule_value("pharmacy.seal_card_renewal_days", region_code=region_code)
    grace = rule_value("pharmacy.stocktake_grace_days", region_code=region_code)
    store_ids = [s.pk for s in stores]
    by_id = {s.pk: s for s in stores}

    held = list(
        StockBalance.objects.filter(store_id__in=store_ids, quantity__gt=0)
        .select_related("store", "store__organisation", "batch", "batch__drug")
        .order_by("batch__expiry", "store_id", "batch_id")
    )
    expired = [b for b in held if b.batch.expiry < today]
    expiring = [b for b in held if today <= b.batch.expiry <= today + dt.timedelta(days=warn)]

    # Low stock: what is held (unexpired) covers fewer days than the threshold at the last 30 days' usual use.
    since = dt.datetime.combine(
        today - dt.timedelta(days=USE_WINDOW_DAYS), dt.time.min, tzinfo=clock.SHANGHAI
    )
    used = {
        (u["store_id"], u["batch__drug_id"]): -u["total"]
        for u in LedgerEntry.objects.filter(store_id__in=store_ids, kind__in=USE_KINDS, at__gte=since)
        .values("store_id", "batch__drug_id")
        .annotate(total=Sum("quantity"))
        .order_by()
    }
    on_hand: dict[tuple[int, int], Decimal] = {}
    drugs = {}
    for b in held:
        if b.batch.expiry >= today:
            key = (b.store_id, b.batch.drug_id)
            on_hand[key] = on_hand.get(key, Decimal("0")) + b.quantity
            drugs[b.batch.drug_id] = b.batch.drug
    low = []
    for (store_id, drug_id), total_used in sorted(used.items()):
        daily = (total_used / USE_WINDOW_DAYS).quantize(Decimal("0.01"))
        if daily <= 0:
            continue
        quantity = on_hand.get((store_id, drug_id), Decimal("0"))
        if quantity < daily * low_days:
            drug = drugs.get(drug_id) or _drug(drug_id)
            low.append(
                LowStock(
                    store=by_id[store_id],
                    drug=drug,
                    quantity=quantity,
                    daily_use=daily,
                    days_left=(quantity / daily).quantize(Decimal("0.1")),
                )
            )

    variances = list(
        StockVariance.objects.filter(count__store_id__in=store_ids, status=VarianceStatus.OPEN)
        .select_related("count", "count__store", "count__store__organisation", "report")
        .order_by("opened_at")
    )

    # Seal cards: every institution holding (or having held) narcotics or class-I psychotropics.
    institutions = {}
    for s in stores:
        holder = s.organisation.parent_clinic if s.organisation.parent_clinic_id else s.organisation
        institutions[holder.pk] = holder
    controlled = set(
        StockBalance.objects.filter(store_id__in=store_ids, batch__drug__control_class__in=SEAL_CARD_CLASSES)
        .values_list("store__organisation__parent_clinic_id", "store__organisation_id")
        .distinct()
    )
    controlled_ids = {parent or own for parent, own in controlled}
    seal_cards = []
    for org_id in sorted(controlled_ids):
        card = (
            SealCard.objects.filter(organisation_id=org_id, valid_from__lte=today, valid_to__gte=today)
            .order_by("-valid_to")
            .first()
        )
        if card is None:
            seal_cards.append(SealCardDue(organisation=institutions.get(org_id), card=None, days_left=None))
            continue
        days_left = (card.valid_to - today).days
        renewed = SealCard.objects.filter(organisation_id=org_id, valid_to__gt=card.valid_to).exists()
        if days_left <= renewal_days and not renewed:
            seal_cards.append(
                SealCardDue(organisation=institutions.get(org_id), card=card, days_left=days_left)
            )

    # Stock-takes: every store holding stock is fully counted each month (by the grace day of the next);
    # a dispensing store is counted at the close of every day.
    overdue = []
    holding = {b.store_id for b in held}
    previous_month = _month_start(_month_start(today) - dt.timedelta(days=1))
    counts = DayClose.objects.filter(store_id__in=holding).values("store_id", "kind", "day")
    last_monthly: dict[int, dt.date] = {}
    last_close: dict[int, dt.date] = {}
    for c in counts:
        target = last_monthly if c["kind"] == CountKind.MONTHLY else last_close
        target[c["store_id"]] = max(target.get(c["store_id"], c["day"]), c["day"])
    yesterday = today - dt.timedelta(days=1)
    for store_id in sorted(holding):
        store = by_id[store_id]
        if today.day > grace and last_monthly.get(store_id, dt.date.min) < previous_month:
            overdue.append(
                OverdueCount(
                    store=store,
                    kind=CountKind.MONTHLY,
                    due=_month_start(today).replace(day=grace),
                    last=last_monthly.get(store_id),
                )
            )
        if store.kind == StoreKind.DISPENSING and last_close.get(store_id, dt.date.min) < yesterday:
            overdue.append(
                OverdueCount(
                    store=store, kind=CountKind.DAY_CLOSE, due=yesterday, last=last_close.get(store_id)
                )
            )
    return Alerts(
        today=today,
        expiring=expiring,
        expired=expired,
        low=low,
        variances=variances,
        seal_cards=seal_cards,
        overdue_counts=overdue,
    )


def _drug(drug_id: int) -> object:
    from jiedu.pharmacy.models import Drug

    return Drug.objects.get(pk=drug_id)
