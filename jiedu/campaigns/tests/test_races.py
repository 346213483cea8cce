"""Several people acting on the same event at the same moment, for real: threads on PostgreSQL."""

import pytest
from django.db import connection

from jiedu.campaigns import services
from jiedu.campaigns.models import Event, EventVersion
from jiedu.campaigns.tests.data import facts
from jiedu.core.errors import DomainError
from jiedu.core.models import AuditEntry
from jiedu.patients.tests.test_races import run_in_threads

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL"),
]


def outcome(call):
    try:
        result = call()
    except DomainError as exc:
        return exc.code
    return "done" if getattr(result, "created", getattr(result, "changed", True)) else "repeat"


def test_concurrent_corrections_of_one_version_make_one_new_version(world, people):
    event = services.event_record(actor=world.users["cdc"], organiser=world.cdc, facts=facts(world)).event

    def correct(i):
        return outcome(
            lambda: services.event_correct(
                actor=world.users["cdc"],
                event=event,
                facts=facts(world, participants=121 + i),
                reason=f"更正{i}",
                expected_version=1,
            )
        )

    results = run_in_threads(6, correct)
    assert sorted(results) == ["conflict"] * 5 + ["done"]
    assert sorted(EventVersion.objects.values_list("number", flat=True)) == [1, 2]
    assert Event.objects.get().current.number == 2
    assert AuditEntry.objects.filter(action="campaign_event.correct").count() == 1


def test_a_form_sent_several_times_at_once_records_one_event(world, people):
    results = run_in_threads(
        6,
        lambda i: outcome(
            lambda: services.event_record(
                actor=world.users["cdc"], organiser=world.cdc, facts=facts(world), idempotency_key="same-form"
            )
        ),
    )
    assert sorted(results) == ["done"] + ["repeat"] * 5
    assert (Event.objects.count(), EventVersion.objects.count()) == (1, 1)
    assert AuditEntry.objects.filter(action="campaign_event.record").count() == 1


def test_concurrent_withdrawals_withdraw_once(world, people):
    event = services.event_record(actor=world.users["cdc"], organiser=world.cdc, facts=facts(world)).event
    results = run_in_threads(
        4,
        lambda i: outcome(
            lambda: services.event_withdraw(actor=world.users["cdc"], event=event, reason="重复")
        ),
    )
    assert sorted(results) == ["done"] + ["withdrawn"] * 3
    assert list(EventVersion.objects.order_by("number").values_list("number", "withdrawn")) == [
        (1, False),
        (2, True),
    ]
