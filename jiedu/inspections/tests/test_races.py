"""Team members and verifiers acting at the same moment, for real: threads on PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from jiedu.core import clock
from jiedu.core.errors import DomainError
from jiedu.core.models import AuditEntry
from jiedu.inspections import services
from jiedu.inspections.models import Escalation, Rectification, Response
from jiedu.inspections.tests.data import ensure_checklists, items, joint_team, photo, started, submitted
from jiedu.patients.tests.test_races import run_in_threads

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL"),
]


def outcome(call):
    try:
        call()
    except DomainError as exc:
        return exc.code
    return "done"


@pytest.fixture
def team(world):
    ensure_checklists()
    return joint_team(world)


def test_members_saving_one_item_at_once_each_get_their_own_save(world, team):
    inspection = started(world)
    item = items(inspection)["1.2"]
    members = [world.inspector, world.users["cdc"], world.users["police"]] * 2
    results = run_in_threads(
        6,
        lambda i: outcome(
            lambda: services.response_record(
                actor=members[i], inspection=inspection, item=item, score=str(i % 5), note=f"第{i}次"
            )
        ),
    )
    assert results == ["done"] * 6
    assert sorted(Response.objects.filter(item=item).values_list("seq", flat=True)) == [1, 2, 3, 4, 5, 6]


def test_concurrent_verifications_verify_once(world, team):
    submitted(world)
    finding = Rectification.objects.order_by("number").first()
    services.rectification_respond(
        actor=world.director_a, rectification=finding, note="已整改", uploads=[photo()]
    )
    verifiers = [world.inspector, world.officer] * 3
    results = run_in_threads(
        6, lambda i: outcome(lambda: services.rectification_verify(actor=verifiers[i], rectification=finding))
    )
    assert results.count("done") == 1
    assert set(results) - {"done"} <= {"verified", "conflict"}
    assert finding.steps.filter(kind="verified").count() == 1
    assert AuditEntry.objects.filter(action="rectification.verify").count() == 1


def test_concurrent_escalation_runs_escalate_once(world, team, monkeypatch):
    submitted(world)
    later = dt.datetime.combine(
        clock.local_today() + dt.timedelta(days=60), dt.time(6), tzinfo=clock.SHANGHAI
    )
    monkeypatch.setattr(clock, "now", lambda: later)
    results = run_in_threads(4, lambda i: len(services.rectifications_escalate()))
    assert sum(results) == 6
    assert Escalation.objects.count() == 6
    assert AuditEntry.objects.filter(action="rectification.escalate").count() == 6
