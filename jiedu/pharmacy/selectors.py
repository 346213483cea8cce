"""Reads for the stock pages: only the stores of the user's organisation (a clinic also sees its dosing points)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When

from jiedu.accounts.models import User
from jiedu.core import clock
from jiedu.core.selectors import rule_value
from jiedu.pharmacy.models import Batch, DayClose, DayCloseLine, Drug, LedgerEntry, StockBalance, Store
from jiedu.policy.rules import Action, can
from jiedu.registry.models import OrganisationType

METHADONE_CODE = "methadone-oral-solution"


def stores_in_scope(*, user: Any) -> QuerySet[Store]:
    if not can(user, Action.STOCK_VIEW) or user.organisation is None:
        return Store.objects.none()
    org = user.organisation
    own = Q(organisation_id=org.pk)
    if org.type == OrganisationType.MMT_CLINIC:
        own |= Q(organisation__parent_clinic_id=org.pk)
    return (
        Store.objects.filter(own, is_active=True)
        .select_related("organisation")
        .order_by("organisation_id", "pk")
    )


def own_stores(*, user: Any) -> QuerySet[Store]:
    """Stores of the user's own organisation (sources of a transfer)."""
    return stores_in_scope(user=user).filter(organisation_id=user.organisation_id)


def dosing_point_stores(*, user: Any) -> QuerySet[Store]:
    """Stores of the dosing points of the user's clinic (targets of a transfer)."""
    return stores_in_scope(user=user).filter(organisation__parent_clinic_id=user.organisation_id)


def colleagues(*, user: Any) -> QuerySet[User]:
    """Active users of the user's organisation, the user included (the page hides the user from the choices)."""
    return User.objects.filter(organisation_id=user.organisation_id, is_active=True).order_by(
        "full_name", "username"
    )


def clinic_family_staff(*, user: Any) -> QuerySet[User]:
    """Active users of the user's clinic and its dosing points (receivers of a transfer)."""
    org = user.organisation
    clinic = org.parent_clinic_id or org.pk
    return (
        User.objects.filter(
            Q(organisation_id=clinic) | Q(organisation__parent_clinic_id=clinic), is_active=True
        )
        .select_related("organisation")
        .order_by("organisation_id", "full_name", "username")
    )


def receivable_drugs() -> QuerySet[Drug]:
    """The catalogue's active drugs, methadone first (what an MMT clinic receives most)."""
    first = Case(When(code=METHADONE_CODE, then=Value(0)), default=Value(1), output_field=IntegerField())
    return Drug.objects.filter(is_active=True).order_by(first, "control_class", "name")


def batches_held(*, stores: QuerySet[Store]) -> QuerySet[Batch]:
    """Batches with stock in any of ``stores``."""
    held = StockBalance.objects.filter(store__in=stores, quantity__gt=0).values("batch_id")
    return Batch.objects.filter(pk__in=held).select_related("drug").order_by("expiry", "pk")


def balances_held(*, store: Store) -> list[StockBalance]:
    return list(
        StockBalance.objects.filter(store=store, quantity__gt=0)
        .select_related("batch", "batch__drug")
        .order_by("batch_id")
    )


@dataclass(frozen=True)
class BalanceRow:
    balance: StockBalance
    expires_soon: bool
    expired: bool


@dataclass(frozen=True)
class StoreRow:
    store: Store
    balances: list[BalanceRow]
    last_close: DayClose | None


@dataclass(frozen=True)
class StockOverview:
    stores: list[StoreRow]
    entries: list[LedgerEntry]
    warning_days: int


def stock_overview(*, user: Any, today: dt.date | None = None, entries: int = 50) -> StockOverview:
    """Balances per batch, each store's last day close and the latest ledger entries, in a fixed number of queries."""
    today = today or clock.local_today()
    region = user.organisation.region_id if user.organisation else None
    warning_days = rule_value("pharmacy.expiry_warning_days", region_code=region)
    warn_before = today + dt.timedelta(days=warning_days)
    last_close = DayClose.objects.filter(store=OuterRef("pk")).order_by("-day", "-pk").values("pk")[:1]
    balances = StockBalance.objects.filter(quantity__gt=0).select_related("batch", "batch__drug")
    stores = list(
        stores_in_scope(user=user)
        .annotate(last_close_id=Subquery(last_close))
        .prefetch_related(Prefetch("balances", queryset=balances.order_by("batch__expiry", "batch_id")))
    )
    closes = DayClose.objects.select_related("counted_by", "witness").in_bulk(
        [s.last_close_id for s in stores if s.last_close_id]
    )
    rows = [
        StoreRow(
            store=s,
            balances=[
                BalanceRow(
                    balance=b, expires_soon=b.batch.expiry <= warn_before, expired=b.batch.expiry < today
                )
                for b in s.balances.all()
            ],
            last_close=closes.get(s.last_close_id),
        )
        for s in stores
    ]
    latest = list(
        LedgerEntry.objects.filter(store__in=[s.pk for s in stores])
        .select_related("store", "batch", "batch__drug", "recorded_by", "witness", "counterpart_store")
        .order_by("-at", "-pk")[:entries]
    )
    return StockOverview(stores=rows, entries=latest, warning_days=warning_days)


def day_close_get(*, user: Any, pk: int) -> DayClose:
    return (
        DayClose.objects.filter(store__in=stores_in_scope(user=user))
        .select_related("store", "store__organisation", "counted_by", "witness")
        .prefetch_related(
            Prefetch("lines", queryset=DayCloseLine.objects.select_related("batch").order_by("batch_id"))
        )
        .get(pk=pk)
    )


def book_stores(*, user: Any) -> QuerySet[Store]:
    """Stores whose books the user may read: clinical staff their own institution's (as on the stock page);
    inspectors and health officers every store of an institution in their region. Inactive stores included:
    their history is still read."""
    if not can(user, Action.STOCK_BOOKS) or user.organisation is None:
        return Store.objects.none()
    stores = Store.objects.select_related("organisation").order_by("organisation_id", "pk")
    if can(user, Action.STOCK_VIEW):
        org = user.organisation
        own = Q(organisation_id=org.pk)
        if org.type == OrganisationType.MMT_CLINIC:
            own |= Q(organisation__parent_clinic_id=org.pk)
        return stores.filter(own)
    return stores.filter(organisation__region__code__startswith=user.organisation.region.prefix)


def book_institutions(*, user: Any) -> list[Any]:
    """The institutions (a clinic with its dosing points counts once) whose books the user may read."""
    from jiedu.registry.models import Organisation

    ids = {s.organisation.parent_clinic_id or s.organisation_id for s in book_stores(user=user)}
    return list(Organisation.objects.filter(pk__in=ids).order_by("name"))
