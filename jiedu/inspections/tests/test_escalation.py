"""Escalation of overdue rectification items: once per item, deadline and level; a second level after
``inspections.escalation_days`` more days; idempotent across runs."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from jiedu.core.models import AuditEntry, RegionalSetting
from jiedu.inspections import services
from jiedu.inspections.models import Escalation, Rectification, RectificationStep
from jiedu.inspections.selectors import finding_list
from jiedu.inspections.services import Escalated
from jiedu.inspections.tests.data import photo, submitted

pytestmark = pytest.mark.django_db


@pytest.fixture
def findings(world, team, checklists, today) -> list[Rectification]:
    submitted(world)  # deadlines 2026-06-19
    return list(Rectification.objects.order_by("number"))


def escalations():
    return list(
        Escalation.objects.order_by("rectification__number", "level").values_list(
            "rectification__number", "level", "deadline", "inspecting_organisation__name", "commission__name"
        )
    )


def test_nothing_is_overdue_on_the_deadline(world, findings, at):
    at(dt.date(2026, 6, 19), 23, 59)
    assert services.rectifications_escalate() == []


def test_overdue_once_then_a_second_level(world, findings, at):
    services.rectification_respond(
        actor=world.director_a, rectification=findings[2], note="已整改", uploads=[photo()]
    )
    at(dt.date(2026, 6, 20), 2)
    done = services.rectifications_escalate()
    assert done == [Escalated(findings[0].pk, 1), Escalated(findings[1].pk, 1)]
    assert escalations() == [
        (1, 1, dt.date(2026, 6, 19), "南安市卫生健康局", "南安市卫生健康局"),
        (2, 1, dt.date(2026, 6, 19), "南安市卫生健康局", "南安市卫生健康局"),
    ]
    assert services.rectifications_escalate() == []  # the same day again: nothing new
    at(dt.date(2026, 7, 3))
    assert services.rectifications_escalate() == []  # 14 days after the deadline: still level 1
    at(dt.date(2026, 7, 4))
    assert services.rectifications_escalate() == [Escalated(findings[0].pk, 2), Escalated(findings[1].pk, 2)]
    assert escalations() == [
        (1, 1, dt.date(2026, 6, 19), "南安市卫生健康局", "南安市卫生健康局"),
        (1, 2, dt.date(2026, 6, 19), "南安市卫生健康局", "福建省卫生健康委员会"),
        (2, 1, dt.date(2026, 6, 19), "南安市卫生健康局", "南安市卫生健康局"),
        (2, 2, dt.date(2026, 6, 19), "南安市卫生健康局", "福建省卫生健康委员会"),
    ]
    assert services.rectifications_escalate() == []
    at(dt.date(2026, 9, 1))
    assert services.rectifications_escalate() == []
    assert Escalation.objects.count() == 4
    assert list(
        findings[0]
        .steps.filter(kind="escalated")
        .order_by("pk")
        .values_list("by", "level", "deadline", "note")
    ) == [
        (None, 1, dt.date(2026, 6, 19), "南安市卫生健康局"),
        (None, 2, dt.date(2026, 6, 19), "南安市卫生健康局, 福建省卫生健康委员会"),
    ]
    entry = AuditEntry.objects.filter(action="rectification.escalate").order_by("seq").last()
    assert (
        entry.actor_username,
        entry.organisation_id,
        entry.detail["level"],
        entry.detail["commission"],
    ) == (
        "rectifications_escalate",
        world.commission.pk,
        2,
        world.province_commission.pk,
    )


def test_a_job_that_did_not_run_records_both_levels(world, findings, at):
    at(dt.date(2026, 7, 10))
    done = services.rectifications_escalate()
    assert [(e.rectification, e.level) for e in done] == [
        (findings[0].pk, 1), (findings[0].pk, 2), (findings[1].pk, 1), (findings[1].pk, 2),
        (findings[2].pk, 1), (findings[2].pk, 2),
    ]  # fmt: skip
    assert Escalation.objects.count() == 6


def test_the_dry_run_changes_nothing(world, findings, at):
    at(dt.date(2026, 6, 20))
    before = (Escalation.objects.count(), RectificationStep.objects.count(), AuditEntry.objects.count())
    assert len(services.rectifications_escalate(dry_run=True)) == 3
    assert (
        Escalation.objects.count(),
        RectificationStep.objects.count(),
        AuditEntry.objects.count(),
    ) == before


def test_a_new_deadline_after_a_rejection_is_escalated_again(world, findings, at):
    first = findings[0]
    at(dt.date(2026, 6, 20))
    services.rectifications_escalate()
    services.rectification_respond(
        actor=world.director_a, rectification=first, note="已整改", uploads=[photo()]
    )
    services.rectification_reject(
        actor=world.inspector, rectification=first, note="未整改到位", deadline=dt.date(2026, 6, 30)
    )
    at(dt.date(2026, 7, 1))
    done = services.rectifications_escalate()
    assert Escalated(first.pk, 1) in done
    assert list(first.escalations.order_by("pk").values_list("deadline", "level")) == [
        (dt.date(2026, 6, 19), 1),
        (dt.date(2026, 6, 30), 1),
    ]


def test_the_second_level_waits_for_the_policy_value(world, findings, at):
    RegionalSetting.objects.create(region_id="350583", key="inspections.escalation_days", value="3")
    at(dt.date(2026, 6, 23))
    assert {e.level for e in services.rectifications_escalate()} == {1, 2}


def test_the_command_reports_and_is_idempotent(world, findings, at):
    at(dt.date(2026, 6, 20))
    out = io.StringIO()
    call_command("rectifications_escalate", "--dry-run", stdout=out)
    assert out.getvalue().splitlines()[-1] == "3 escalations would be escalated."
    assert Escalation.objects.count() == 0
    out = io.StringIO()
    call_command("rectifications_escalate", stdout=out)
    assert out.getvalue().splitlines() == [
        f"rectification {findings[0].pk}: level 1 escalated",
        f"rectification {findings[1].pk}: level 1 escalated",
        f"rectification {findings[2].pk}: level 1 escalated",
        "3 escalations escalated.",
    ]
    out = io.StringIO()
    call_command("rectifications_escalate", stdout=out)
    assert out.getvalue() == "0 escalations escalated.\n"


def test_the_findings_list_shows_overdue_and_the_escalation_level(world, findings, at):
    at(dt.date(2026, 6, 20))
    services.rectifications_escalate()
    rows = finding_list(user=world.officer, status="overdue")
    assert [(r.number, r.overdue, r.level) for r in rows] == [(1, True, 1), (2, True, 1), (3, True, 1)]


def test_escalated_to_my_organisation(world, findings, at):
    from jiedu.accounts.models import Role, RoleAssignment, User

    province = User.objects.create_user(
        username="fujian", password="x", organisation=world.province_commission
    )
    RoleAssignment.objects.create(user=province, role=Role.HEALTH_OFFICER)
    at(dt.date(2026, 6, 20))
    services.rectifications_escalate()
    assert [r.number for r in finding_list(user=world.officer, status="escalated")] == [1, 2, 3]
    assert finding_list(user=province, status="escalated") == []
    at(dt.date(2026, 7, 4))
    services.rectifications_escalate()
    assert [(r.number, r.level) for r in finding_list(user=province, status="escalated")] == [
        (1, 2),
        (2, 2),
        (3, 2),
    ]
    services.rectification_respond(
        actor=world.director_a, rectification=findings[0], note="已整改", uploads=[photo()]
    )
    assert [r.number for r in finding_list(user=province, status="escalated")] == [2, 3]
