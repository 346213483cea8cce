"""Two keepers at once, for real: threads on PostgreSQL against issues, losses, counts and investigations."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import translation

from jiedu.core import clock
from jiedu.core.errors import FieldErrors
from jiedu.patients.tests.test_races import run_in_threads
from jiedu.pharmacy import services
from jiedu.pharmacy.models import (
    CountKind,
    DayClose,
    Drug,
    EntryKind,
    LedgerEntry,
    StockBalance,
    StockVariance,
    Store,
    StoreKeeper,
)
from jiedu.reports.models import Report
from jiedu.testing import build_clinic_stock

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL"),
]


@pytest.fixture
def vault(world):
    """Clinic A's strong room holding 100 tablets of morphine, kept by keeper_a and nurse_a."""
    build_clinic_stock(world, quantity="100")
    store = Store.objects.create(organisation=world.clinic_a, name="麻醉药品专库", kind="strong_room")
    for user in (world.keeper_a, world.nurse_a):
        StoreKeeper.objects.create(
            store=store, user=user, appointed_by=world.director_a, appointed_on=dt.date(2026, 1, 1)
        )
    services.stock_receive(
        actor=world.keeper_a,
        witness=world.nurse_a,
        store=store,
        line=services.ReceiptLine(
            drug=Drug.objects.get(code="morphine-sulfate-sr-tablet"),
            batch_no="MS-R1",
            expiry=dt.date(2030, 1, 31),
            maker="萌蒂制药",
            quantity=Decimal("100"),
        ),
        voucher="PS-R1",
        supplier="国药控股福建有限公司",
        quality="合格",
    )
    return store


def test_twenty_concurrent_issues_of_ten_against_a_hundred_give_ten(world, vault):
    batch = StockBalance.objects.get(store=vault).batch

    def issue(i):
        actor, witness = (world.keeper_a, world.director_a) if i % 2 else (world.nurse_a, world.doctor_a)
        try:
            services.stock_issue(
                actor=actor, witness=witness, store=vault, batch=batch, quantity=Decimal("10"),
                department="外科病房", voucher=f"LY-{i}",
            )  # fmt: skip
            return "issued"
        except services.InsufficientStock:
            return "refused"

    outcomes = run_in_threads(20, issue)
    assert (outcomes.count("issued"), outcomes.count("refused")) == (10, 10)
    balance = StockBalance.objects.get(store=vault)
    assert balance.quantity == Decimal("0.00")
    assert list(
        LedgerEntry.objects.filter(store=vault, kind=EntryKind.ISSUE)
        .order_by("seq")
        .values_list("balance_after", flat=True)
    ) == [Decimal(q) for q in range(90, -1, -10)]
    assert services.ledger_verify(store=vault, batch=batch) is None


def test_concurrent_losses_are_each_reported_once_and_never_overdraw(world, vault):
    batch = StockBalance.objects.get(store=vault).batch

    def lose(i):
        try:
            services.stock_loss(
                actor=world.keeper_a, witness=world.director_a, store=vault, batch=batch, quantity=Decimal("30"),
                kind="theft" if i % 2 else "loss", account=f"第{i}次发现短少",
            )  # fmt: skip
            return "booked"
        except services.InsufficientStock:
            return "refused"

    outcomes = run_in_threads(6, lose)
    assert outcomes.count("booked") == 3
    assert StockBalance.objects.get(store=vault).quantity == Decimal("10.00")
    assert Report.objects.filter(kind="stock_loss").count() == 3
    assert services.ledger_verify(store=vault, batch=batch) is None


def test_two_teams_counting_the_same_store_on_the_same_day_record_one_count(world, vault):
    batch = StockBalance.objects.get(store=vault).batch

    @translation.override("en")
    def count(i):
        actor, witness = (world.keeper_a, world.director_a) if i % 2 else (world.nurse_a, world.doctor_a)
        try:
            services.stock_count(
                actor=actor, witness=witness, store=vault, day=clock.local_today(),
                counts={batch.pk: Decimal("99")}, kind=CountKind.MONTHLY,
            )  # fmt: skip
            return "counted"
        except FieldErrors as exc:
            return exc.fields

    outcomes = run_in_threads(8, count)
    assert outcomes.count("counted") == 1
    refusals = [o for o in outcomes if o != "counted"]
    assert refusals == [{"day": ["This store was already stock-taken on that day."]}] * 7
    assert DayClose.objects.filter(store=vault).count() == 1
    assert StockVariance.objects.count() == 1
    assert Report.objects.filter(kind="stock_loss").count() == 1


def test_an_investigation_closed_twice_at_once_books_the_loss_once(world, vault):
    batch = StockBalance.objects.get(store=vault).batch
    close = services.stock_count(
        actor=world.keeper_a, witness=world.director_a, store=vault, day=clock.local_today(),
        counts={batch.pk: Decimal("96")},
    )  # fmt: skip

    @translation.override("en")
    def finish(i):
        actor = world.keeper_a if i % 2 else world.nurse_a
        try:
            services.variance_close(
                actor=actor, witness=world.director_a, variance=close.variance_record, finding="loss",
                account=f"调查{i}",
            )  # fmt: skip
            return "closed"
        except FieldErrors as exc:
            return exc.fields

    outcomes = run_in_threads(8, finish)
    assert outcomes.count("closed") == 1
    assert [o for o in outcomes if o != "closed"] == [
        {"variance": ["This investigation is already closed."]}
    ] * 7
    assert LedgerEntry.objects.filter(kind=EntryKind.LOSS).count() == 1
    assert StockBalance.objects.get(store=vault).quantity == Decimal("96.00")
    assert Report.objects.filter(dedupe_key__endswith=":closed").count() == 1
