"""The monthly statement per drug (账物相符): opening + received − returned − used − wasted − lost ± transfers
= closing, and the month's full stock-take against the book. Computed from the ledgers; nothing is stored.

A reversal counts in the column of the entry it corrects (a reversed receipt lowers "received"), so the columns
say what really moved. Transfers between the institution's own stores cancel out in its statement and show in
a single store's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Max, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from jiedu.core import clock
from jiedu.pharmacy.models import CountKind, DayClose, DayCloseLine, Drug, EntryKind, LedgerEntry, Store

ZERO = Decimal("0.00")

#: Statement column of each kind of movement (reversals take the column of what they reverse).
COLUMN = {
    EntryKind.RECEIPT: "received",
    EntryKind.RETURN_OUT: "returned",
    EntryKind.TRANSFER_IN: "transfers",
    EntryKind.TRANSFER_OUT: "transfers",
    EntryKind.ISSUE: "used",
    EntryKind.DISPENSING: "used",
    EntryKind.ADMINISTRATION: "used",
    EntryKind.RETURN_IN: "used",
    EntryKind.WASTE: "wasted",
    EntryKind.DESTRUCTION: "wasted",
    EntryKind.LOSS: "lost",
    EntryKind.THEFT: "lost",
}
#: Columns shown as positive quantities of stock going out.
OUTFLOW_COLUMNS = ("returned", "used", "wasted", "lost")


@dataclass
class StatementRow:
    drug: Drug
    opening: Decimal = ZERO
    received: Decimal = ZERO
    returned: Decimal = ZERO
    transfers: Decimal = ZERO
    used: Decimal = ZERO
    wasted: Decimal = ZERO
    lost: Decimal = ZERO
    closing: Decimal = ZERO
    #: Book and counted quantity at the month's last full stock-take of each store; None when not taken.
    book_at_count: Decimal | None = None
    counted: Decimal | None = None

    @property
    def variance(self) -> Decimal | None:
        """Book − counted at the month's stock-take (positive: stock missing)."""
        if self.counted is None or self.book_at_count is None:
            return None
        return self.book_at_count - self.counted

    @property
    def balances(self) -> bool:
        """Opening + movements = closing (the books add up)."""
        return (
            self.opening
            + self.received
            - self.returned
            + self.transfers
            - self.used
            - self.wasted
            - self.lost
            == self.closing
        )


@dataclass
class Statement:
    title: str
    stores: list[Store]
    month: dt.date
    rows: list[StatementRow]
    #: Stores with no full stock-take in the month.
    uncounted: list[Store] = field(default_factory=list)
    generated_at: dt.datetime = field(default_factory=lambda: clock.now())

    @property
    def period(self) -> str:
        return self.month.strftime("%Y-%m")


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Start and end (exclusive) of a calendar month in Asia/Shanghai."""
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return (
        dt.datetime.combine(first, dt.time.min, tzinfo=clock.SHANGHAI),
        dt.datetime.combine(following, dt.time.min, tzinfo=clock.SHANGHAI),
    )


def institution_stores(organisation_id: int) -> QuerySet[Store]:
    """An institution's stores: its own and its dosing points'."""
    return (
        Store.objects.filter(
            Q(organisation_id=organisation_id) | Q(organisation__parent_clinic_id=organisation_id)
        )
        .select_related("organisation")
        .order_by("organisation_id", "pk")
    )


def monthly_statement(*, stores: list[Store], month: dt.date, title: str) -> Statement:
    """The statement of ``stores`` (one store, or an institution's) for the calendar month of ``month``."""
    start, end = month_bounds(month)
    entries = LedgerEntry.objects.filter(store__in=stores)
    rows: dict[int, StatementRow] = {}

    def row(drug_id: int) -> StatementRow:
        if drug_id not in rows:
            rows[drug_id] = StatementRow(drug=drug_id)  # type: ignore[arg-type] - replaced below
        return rows[drug_id]

    for item in (
        entries.filter(at__lt=start).values("batch__drug_id").annotate(total=Sum("quantity")).order_by()
    ):
        row(item["batch__drug_id"]).opening = item["total"]
    movements = (
        entries.filter(at__gte=start, at__lt=end)
        .values("batch__drug_id", "kind", "reverses__kind")
        .annotate(total=Sum("quantity"))
        .order_by()
    )
    for item in movements:
        kind = item["reverses__kind"] if item["kind"] == EntryKind.REVERSAL else item["kind"]
        column = COLUMN[EntryKind(kind)]
        r = row(item["batch__drug_id"])
        signed = -item["total"] if column in OUTFLOW_COLUMNS else item["total"]
        setattr(r, column, getattr(r, column) + signed)
    for r in rows.values():
        r.closing = r.opening + r.received - r.returned + r.transfers - r.used - r.wasted - r.lost

    # The month's last full stock-take of each store, against the book of that day.
    last_takes = (
        DayClose.objects.filter(
            store__in=stores, kind=CountKind.MONTHLY, day__gte=start.date(), day__lt=end.date()
        )
        .values("store_id")
        .annotate(last=Max("day"))
        .order_by()
    )
    taken = {t["store_id"]: t["last"] for t in last_takes}
    counts = (
        DayCloseLine.objects.filter(
            day_close__kind=CountKind.MONTHLY,
            day_close__in=DayClose.objects.filter(
                kind=CountKind.MONTHLY,
                store_id__in=list(taken),
            ).filter(_any_of([Q(store_id=s, day=d) for s, d in taken.items()])),
        )
        .values("batch__drug_id")
        .annotate(
            book=Coalesce(Sum("book_quantity"), ZERO),
            counted=Coalesce(Sum("counted_quantity"), ZERO),
        )
        .order_by()
    )
    for item in counts:
        r = row(item["batch__drug_id"])
        r.book_at_count, r.counted = item["book"], item["counted"]
    if taken and len(taken) == len(stores):
        for r in rows.values():
            if r.counted is None:  # counted and none held: the stock-take found nothing, as the book said
                r.book_at_count = r.counted = ZERO
    drugs = Drug.objects.in_bulk(list(rows))
    for drug_id, r in rows.items():
        r.drug = drugs[drug_id]
    ordered = sorted(
        (r for r in rows.values() if r.counted is not None or any(getattr(r, c) for c in _AMOUNTS)),
        key=lambda r: (r.drug.control_class, r.drug.name, r.drug.strength),
    )
    return Statement(
        title=title,
        stores=list(stores),
        month=month.replace(day=1),
        rows=ordered,
        uncounted=[s for s in stores if s.pk not in taken],
    )


_AMOUNTS = ("opening", "received", "returned", "transfers", "used", "wasted", "lost", "closing")


def _any_of(conditions: list[Q]) -> Q:
    combined = Q(pk__in=[])
    for condition in conditions:
        combined |= condition
    return combined
