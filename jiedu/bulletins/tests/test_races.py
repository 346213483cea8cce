"""Issuing and reading at the same moment, for real: threads on PostgreSQL."""

import pytest
from django.db import connection

from jiedu.bulletins.models import Bulletin, BulletinDelivery
from jiedu.bulletins.services import bulletin_issue, bulletin_read
from jiedu.core import clock
from jiedu.core.errors import DomainError
from jiedu.core.models import AuditEntry
from jiedu.core.months import previous_month
from jiedu.patients.tests.test_races import run_in_threads

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL"),
]


def test_concurrent_first_issues_make_one_bulletin(world):
    month = previous_month(clock.local_today())
    results = run_in_threads(8, lambda i: bulletin_issue(county=world.county, month=month))
    assert Bulletin.objects.count() == 1
    bulletin = Bulletin.objects.get()
    assert {r.bulletin.pk for r in results} == {bulletin.pk}
    assert [r.created for r in results].count(True) == 1
    assert BulletinDelivery.objects.filter(bulletin=bulletin).count() == 6
    assert AuditEntry.objects.filter(action="bulletin.issue").count() == 1


def test_concurrent_reissues_make_one_new_version(world):
    month = previous_month(clock.local_today())
    bulletin_issue(county=world.county, month=month)

    def reissue(i):
        try:
            return bulletin_issue(county=world.county, month=month, reason=f"更正{i}").bulletin.version
        except DomainError as exc:
            return exc.code

    outcomes = run_in_threads(6, reissue)
    # Those that read the same latest version compete for the next: one wins, the others are told. (A thread
    # that starts after a winner's commit makes the version after it.)
    made = sorted(o for o in outcomes if isinstance(o, int))
    assert made == list(range(2, 2 + len(made)))
    assert [o for o in outcomes if not isinstance(o, int)] == ["conflict"] * (6 - len(made))
    assert sorted(Bulletin.objects.values_list("version", flat=True)) == [1, *made]


def test_concurrent_readers_of_one_organisation_read_it_once(world):
    bulletin = bulletin_issue(county=world.county, month=previous_month(clock.local_today())).bulletin
    delivery = BulletinDelivery.objects.get(bulletin=bulletin, recipient=world.clinic_a)
    readers = [world.director_a, world.doctor_a] * 4
    claimed = run_in_threads(8, lambda i: bulletin_read(actor=readers[i], delivery=delivery))
    assert claimed.count(True) == 1
    delivery.refresh_from_db()
    assert delivery.read_by in {world.director_a, world.doctor_a}
    assert AuditEntry.objects.filter(action="bulletin.read").count() == 1
