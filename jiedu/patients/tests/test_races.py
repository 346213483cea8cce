"""Races, for real: threads on PostgreSQL (SQLite serialises writers, so these run only on PostgreSQL)."""

import datetime as dt
import threading

import pytest
from django.db import connection, transaction

from jiedu.core import audit
from jiedu.core.models import AuditEntry
from jiedu.patients import services
from jiedu.patients.models import Affiliation, Person
from jiedu.testing import make_id_number

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL"),
]


def run_in_threads(n, target):
    barrier = threading.Barrier(n)
    results, errors = [None] * n, []

    def worker(i):
        try:
            barrier.wait()
            results[i] = target(i)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    return results


def test_concurrent_registration_of_one_number_gives_one_person(world):
    number = make_id_number(birth=dt.date(1979, 3, 8), seq=37)
    names = ("nurse_a", "nurse_b", "doctor_a", "nurse_elsewhere", "community", "cdc", "police", "director_a")
    actors = [world.users[name] for name in names]

    def register(i):
        r = services.person_register(
            actor=actors[i], name="张三丰", sex="M", birth_date=dt.date(1979, 3, 8), id_number=number
        )
        return r.person.pk, r.created

    results = run_in_threads(len(actors), register)
    assert Person.objects.count() == 1
    assert {pk for pk, _ in results} == {Person.objects.get().pk}
    assert sorted(created for _, created in results) == [False] * 7 + [True]
    assert Affiliation.objects.count() == 6  # director_a, doctor_a and nurse_a share clinic A
    assert audit.verify().broken is None


def test_concurrent_audit_writers_keep_one_gap_free_chain(world):
    base = AuditEntry.objects.count()

    def write(i):
        for j in range(15):
            with transaction.atomic():
                audit.record("test.concurrent", object_type="thread", object_id=f"{i}-{j}")

    run_in_threads(8, write)
    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, base + 8 * 15 + 1))
    result = audit.verify()
    assert (result.checked, result.broken) == (base + 120, None)
