"""The window under load, for real: threads on PostgreSQL."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from jiedu.mmt import services
from jiedu.mmt.models import DoseDay, DosePart
from jiedu.mmt.tests.conftest import enrol, register
from jiedu.patients.tests.test_races import run_in_threads
from jiedu.pharmacy.models import LedgerEntry, StockBalance
from jiedu.pharmacy.services import InsufficientStock, ledger_verify
from jiedu.testing import build_clinic_stock

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL"),
]


def test_fifty_concurrent_doses_for_one_person_give_one(world):
    stock = build_clinic_stock(world)
    person = register(world)
    enrol(world, person)

    def dose(i):
        return services.dose_administer(
            actor=world.nurse_a, person=person, site=world.clinic_a, idempotency_key=f"retry-{i % 5}"
        ).status

    statuses = run_in_threads(50, dose)
    assert DoseDay.objects.count() == 1
    assert DosePart.objects.count() == 1
    assert LedgerEntry.objects.filter(kind="administration").count() == 1
    assert statuses.count("dosed") == 1
    assert set(statuses) <= {"dosed", "already_dosed", "replayed"}
    balance = StockBalance.objects.get(store=stock[world.clinic_a.pk])
    assert balance.quantity == Decimal("4970.00")
    assert ledger_verify(store=balance.store, batch=balance.batch) is None


def test_twenty_doses_against_stock_for_fifteen(world):
    stock = build_clinic_stock(world, quantity="450")  # 15 doses of 30 mg at 1 mg/mL
    people = []
    for i in range(20):
        person = register(
            world, seq=50 + i, name=f"患者{i}", birth=dt.date(1980, 1, 1) + dt.timedelta(days=i)
        )
        enrol(world, person)
        people.append(person)

    def dose(i):
        try:
            return services.dose_administer(actor=world.nurse_a, person=people[i], site=world.clinic_a).status
        except InsufficientStock:
            return "insufficient"

    statuses = run_in_threads(20, dose)
    assert sorted(statuses).count("dosed") == 15
    assert statuses.count("insufficient") == 5
    balance = StockBalance.objects.get(store=stock[world.clinic_a.pk])
    assert balance.quantity == Decimal("0.00")
    assert DoseDay.objects.count() == 15
    assert ledger_verify(store=balance.store, batch=balance.batch) is None
