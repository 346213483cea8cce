"""Two officers publishing (or withdrawing) the same year's evaluation at the same moment, for real: threads on PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from jiedu.core.errors import DomainError
from jiedu.core.models import AuditEntry
from jiedu.evaluation import services
from jiedu.evaluation.models import Evaluation, EvaluationStatus, Scheme
from jiedu.evaluation.tests.data import ensure_schemes, rolled_up, year_cube
from jiedu.patients.tests.test_races import run_in_threads

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL"),
]


def test_two_drafts_published_at_once_leave_one_published(world, today):
    ensure_schemes()
    year_cube(world.clinic_a, 2025, persons=10, persons_last_month=9)
    rolled_up(dt.date(2025, 12, 31))
    scheme = Scheme.objects.get(code="clinic-annual")
    drafts = [services.evaluation_compute(actor=world.officer, scheme=scheme, year=2025) for _ in range(2)]

    def publish(i):
        try:
            services.evaluation_publish(actor=world.officer, evaluation=drafts[i])
        except DomainError as exc:
            return exc.code
        return "done"

    assert sorted(run_in_threads(2, publish)) == ["done", "published"]
    assert Evaluation.objects.filter(status=EvaluationStatus.PUBLISHED).count() == 1
    assert Evaluation.objects.filter(status=EvaluationStatus.DRAFT).count() == 1


def test_two_withdrawals_at_once_leave_one_withdrawal(world, today):
    ensure_schemes()
    year_cube(world.clinic_a, 2025, persons=10, persons_last_month=9)
    rolled_up(dt.date(2025, 12, 31))
    scheme = Scheme.objects.get(code="clinic-annual")
    evaluation = services.evaluation_compute(actor=world.officer, scheme=scheme, year=2025)
    services.evaluation_publish(actor=world.officer, evaluation=evaluation)

    def withdraw(i):
        try:
            services.evaluation_withdraw(
                actor=world.officer, evaluation=Evaluation.objects.get(pk=evaluation.pk), reason=f"理由{i}"
            )
        except DomainError as exc:
            return exc.code
        return "done"

    assert sorted(run_in_threads(2, withdraw)) == ["done", "withdrawn"]
    evaluation.refresh_from_db()
    assert evaluation.status == EvaluationStatus.WITHDRAWN
    assert AuditEntry.objects.filter(action="evaluation.withdraw").count() == 1


def test_results_and_parts_refuse_updates_in_the_database(world, today):
    from django.db import DatabaseError, transaction

    ensure_schemes()
    year_cube(world.clinic_a, 2025, persons=10, persons_last_month=9)
    rolled_up(dt.date(2025, 12, 31))
    evaluation = services.evaluation_compute(
        actor=world.officer, scheme=Scheme.objects.get(code="clinic-annual"), year=2025
    )
    for table in ("evaluation_result", "evaluation_part"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET id = id WHERE id IN (SELECT id FROM {table} LIMIT 1)")  # noqa: S608
    assert evaluation.results.count() == 2
