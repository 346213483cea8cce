"""The dedicated register (专用账册) of one drug in one store: every movement of the month in the columns of the
paper book, with the balance carried from the month before and the drug's running balance."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from jiedu.pharmacy.models import Drug, EntryKind, LedgerEntry, Store
from jiedu.pharmacy.statements import month_bounds


@dataclass(frozen=True)
class RegisterLine:
    entry: LedgerEntry
    summary: str
    received: Decimal | None
    issued: Decimal | None
    balance: Decimal


@dataclass(frozen=True)
class Register:
    store: Store
    drug: Drug
    month: dt.date
    opening: Decimal
    lines: list[RegisterLine]
    closing: Decimal
    received: Decimal
    issued: Decimal


def _summary(entry: LedgerEntry) -> str:
    """摘要: the kind and what the paper book would note beside it."""
    detail = entry.detail or {}
    parts = [str(EntryKind(entry.kind).label)]
    if entry.kind == EntryKind.REVERSAL and entry.reverses_id:
        parts.append(f"#{entry.reverses.seq}")
    for key in ("supplier", "department", "patient", "prescription", "dose_mg"):
        if detail.get(key):
            parts.append(f"{detail[key]} mg" if key == "dose_mg" else str(detail[key]))
    if entry.counterpart_store_id:
        parts.append(str(entry.counterpart_store))
    if entry.reason:
        parts.append(entry.reason)
    return " · ".join(parts)


def register(*, store: Store, drug: Drug, month: dt.date) -> Register:
    start, end = month_bounds(month)
    mine = LedgerEntry.objects.filter(store=store, batch__drug=drug)
    opening = mine.filter(at__lt=start).aggregate(total=Sum("quantity"))["total"] or Decimal("0.00")
    running = opening
    lines = []
    received = issued = Decimal("0.00")
    for entry in (
        mine.filter(at__gte=start, at__lt=end)
        .select_related("batch", "recorded_by", "witness", "counterpart_store", "reverses")
        .order_by("at", "pk")
    ):
        running += entry.quantity
        if entry.quantity > 0:
            received += entry.quantity
        else:
            issued -= entry.quantity
        lines.append(
            RegisterLine(
                entry=entry,
                summary=_summary(entry),
                received=entry.quantity if entry.quantity > 0 else None,
                issued=-entry.quantity if entry.quantity < 0 else None,
                balance=running,
            )
        )
    return Register(
        store=store,
        drug=drug,
        month=month.replace(day=1),
        opening=opening,
        lines=lines,
        closing=running,
        received=received,
        issued=issued,
    )
