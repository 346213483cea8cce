"""The stock ledger: two people, never negative, append-only, chained; day close records variance."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from jiedu.core.errors import FieldErrors
from jiedu.core.models import AppendOnlyError
from jiedu.pharmacy import services
from jiedu.pharmacy.models import DayClose, LedgerEntry, StockBalance
from jiedu.testing import build_clinic_stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def stores(world, monkeypatch):
    """Stock received on the morning of 23 November 2026 (never the wall clock's day)."""
    from jiedu.core import clock

    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2026, 11, 23, 7, 30, tzinfo=clock.SHANGHAI))
    return build_clinic_stock(world, quantity="1000")


def balance_of(store):
    return StockBalance.objects.get(store=store)


#: What a delivery's paperwork says: voucher, supplier and the quality conclusion of the check on arrival.
PAPERS = {"voucher": "PS2026-0001", "supplier": "国药控股福建有限公司", "quality": "合格"}


def test_receipt_needs_a_second_person(world, stores):
    b = balance_of(stores[world.clinic_a.pk])
    line = services.ReceiptLine(
        drug=b.batch.drug,
        batch_no="X1",
        expiry=dt.date(2028, 1, 1),
        maker="国药集团",
        quantity=Decimal("500"),
    )
    with pytest.raises(FieldErrors) as info:
        services.stock_receive(
            actor=world.keeper_a, witness=world.keeper_a, store=b.store, line=line, **PAPERS
        )
    assert info.value.fields == {"witness": ["The witness must be another person, not the one recording."]}
    with pytest.raises(FieldErrors) as info:
        services.stock_receive(
            actor=world.keeper_a, witness=world.nurse_b, store=b.store, line=line, **PAPERS
        )
    assert info.value.fields == {"store": ["nurse_b does not work at 南安市美沙酮维持治疗门诊."]}


def test_expired_batch_is_not_received(world, stores):
    b = balance_of(stores[world.clinic_a.pk])
    line = services.ReceiptLine(
        drug=b.batch.drug,
        batch_no="OLD",
        expiry=dt.date(2020, 1, 1),
        maker="国药集团",
        quantity=Decimal("500"),
    )
    with pytest.raises(FieldErrors) as info:
        services.stock_receive(
            actor=world.keeper_a, witness=world.nurse_a, store=b.store, line=line, **PAPERS
        )
    assert info.value.fields == {
        "expiry": ["This batch has expired (2020-01-01); expired stock is not received."]
    }


def test_transfer_clinic_to_dosing_point(world, stores):
    clinic, point = stores[world.clinic_a.pk], stores[world.dosing_point_a.pk]
    batch = balance_of(clinic).batch
    out, inn = services.stock_transfer(
        actor=world.keeper_a,
        witness=world.nurse_point_a,
        source=clinic,
        target=point,
        batch=batch,
        quantity=Decimal("200"),
    )
    assert (out.quantity, out.balance_after, inn.quantity, inn.balance_after) == (
        Decimal("-200.00"),
        Decimal("800.00"),
        Decimal("200.00"),
        Decimal("200.00"),
    )
    assert StockBalance.objects.get(store=point, batch=batch).quantity == Decimal("200.00")


def test_balance_never_goes_negative_in_the_service_or_the_database(world, stores):
    b = balance_of(stores[world.clinic_a.pk])
    with pytest.raises(services.InsufficientStock):
        services.stock_waste(
            actor=world.keeper_a,
            witness=world.nurse_a,
            store=b.store,
            batch=b.batch,
            quantity=Decimal("1000.01"),
            reason="打翻",
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        StockBalance.objects.filter(pk=b.pk).update(quantity=Decimal("-1"))


def test_entries_are_append_only_and_corrected_by_reversal(world, stores):
    b = balance_of(stores[world.clinic_a.pk])
    waste = services.stock_waste(
        actor=world.keeper_a,
        witness=world.nurse_a,
        store=b.store,
        batch=b.batch,
        quantity=Decimal("5"),
        reason="打翻",
    )
    with pytest.raises(AppendOnlyError):
        waste.delete()
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.filter(pk=waste.pk).update(quantity=Decimal("-1"))
    reversal = services.stock_reverse(
        actor=world.keeper_a, witness=world.nurse_a, entry=waste, reason="录错数量"
    )
    assert (reversal.kind, reversal.quantity, reversal.balance_after) == (
        "reversal",
        Decimal("5.00"),
        Decimal("1000.00"),
    )
    with pytest.raises(FieldErrors):
        services.stock_reverse(actor=world.keeper_a, witness=world.nurse_a, entry=waste, reason="again")
    assert services.ledger_verify(store=b.store, batch=b.batch) is None


def test_day_close_records_a_variance_and_never_adjusts(world, stores):
    b = balance_of(stores[world.clinic_a.pk])
    close = services.day_close(
        actor=world.keeper_a,
        witness=world.nurse_a,
        store=b.store,
        day=dt.date(2026, 11, 23),
        counts={b.batch_id: Decimal("998.5")},
    )
    line = close.lines.get()
    assert (close.has_variance, line.book_quantity, line.counted_quantity, line.variance) == (
        True,
        Decimal("1000.00"),
        Decimal("998.50"),
        Decimal("1.50"),
    )
    assert balance_of(b.store).quantity == Decimal("1000.00")  # not silently adjusted
    with pytest.raises(FieldErrors) as info:
        services.day_close(
            actor=world.keeper_a,
            witness=world.nurse_a,
            store=b.store,
            day=dt.date(2026, 11, 23),
            counts={b.batch_id: Decimal("1000")},
        )
    assert info.value.fields == {"day": ["This store's day is already closed."]}


def test_a_back_filled_day_close_compares_with_that_days_book(world, stores, monkeypatch):
    from jiedu.core import clock

    b = balance_of(stores[world.clinic_a.pk])
    today = clock.local_today()
    later = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(9), tzinfo=clock.SHANGHAI)
    monkeypatch.setattr(clock, "now", lambda: later)
    services.stock_waste(
        actor=world.keeper_a,
        witness=world.nurse_a,
        store=b.store,
        batch=b.batch,
        quantity=Decimal("100"),
        reason="打翻",
    )
    close = services.day_close(
        actor=world.keeper_a,
        witness=world.nurse_a,
        store=b.store,
        day=today,
        counts={b.batch_id: Decimal("1000")},
    )
    assert (close.lines.get().book_quantity, close.has_variance) == (Decimal("1000.00"), False)
    with pytest.raises(FieldErrors) as info:
        services.day_close(
            actor=world.keeper_a,
            witness=world.nurse_a,
            store=b.store,
            day=today + dt.timedelta(days=2),
            counts={b.batch_id: Decimal("900")},
        )
    assert info.value.fields == {"day": ["A day is closed after it has happened."]}


def test_stock_moves_only_within_a_clinic_and_its_dosing_points(world, stores):
    clinic_a, clinic_b = stores[world.clinic_a.pk], stores[world.clinic_b.pk]
    batch = balance_of(clinic_a).batch
    with pytest.raises(FieldErrors) as info:
        services.stock_transfer(
            actor=world.keeper_a,
            witness=world.nurse_a,
            source=clinic_a,
            target=clinic_b,
            batch=batch,
            quantity=Decimal("10"),
        )
    assert info.value.fields == {"target": ["Stock moves only between a clinic and its own dosing points."]}
    assert balance_of(clinic_a).quantity == Decimal("1000.00")
    assert LedgerEntry.objects.filter(kind="transfer_out").count() == 0


def test_a_keeper_of_the_source_issues_and_a_keeper_of_the_target_receives(world, stores):
    clinic, point = stores[world.clinic_a.pk], stores[world.dosing_point_a.pk]
    batch = balance_of(clinic).batch
    cases = [
        (world.keeper_a, world.nurse_b, {"store": ["nurse_b does not work at 溪美街道延伸服药点."]}),
        (
            world.keeper_a,
            world.nurse_a,
            {"witness": ["nurse_a is not a designated keeper of 溪美街道延伸服药点 · 发药柜."]},
        ),
        (
            world.director_a,
            world.nurse_point_a,
            {"store": ["director_a is not a designated keeper of 南安市美沙酮维持治疗门诊 · 发药柜."]},
        ),
    ]
    for actor, witness, errors in cases:
        with pytest.raises(FieldErrors) as info:
            services.stock_transfer(
                actor=actor, witness=witness, source=clinic, target=point, batch=batch, quantity=Decimal("10")
            )
        assert info.value.fields == errors
    assert LedgerEntry.objects.filter(kind__startswith="transfer").count() == 0


def test_day_close_must_count_every_batch_and_two_people(world, stores):
    b = balance_of(stores[world.clinic_a.pk])
    with pytest.raises(FieldErrors) as info:
        services.day_close(
            actor=world.keeper_a, witness=world.nurse_a, store=b.store, day=dt.date(2026, 11, 23), counts={}
        )
    assert info.value.fields == {"counts": [f"Count every batch held: {b.batch.batch_no}."]}
    with pytest.raises(FieldErrors):
        services.day_close(
            actor=world.keeper_a,
            witness=world.keeper_a,
            store=b.store,
            day=dt.date(2026, 11, 23),
            counts={b.batch_id: Decimal("1000")},
        )
    assert DayClose.objects.count() == 0


def test_edited_ledger_entry_is_detected(world, stores):
    from django.db import connection

    b = balance_of(stores[world.clinic_a.pk])
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET session_replication_role = replica")
        cur.execute("UPDATE pharmacy_ledgerentry SET quantity = 900 WHERE store_id = %s", [b.store_id])
        if connection.vendor == "postgresql":
            cur.execute("SET session_replication_role = origin")
    assert services.ledger_verify(store=b.store, batch=b.batch) == "entry 1 was edited"
