"""The figures the annual evaluation reads: each target's latest score in a year, and each owner's findings
closed on time against those due in the year."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from jiedu.accounts.models import Role, RoleAssignment, User
from jiedu.inspections import services
from jiedu.inspections.models import Rectification
from jiedu.inspections.selectors import inspection_scores, rectification_completion
from jiedu.inspections.tests.data import MMT_EVIDENCE, attach, photo, score_all, submitted

pytestmark = pytest.mark.django_db


def test_the_latest_score_of_each_target_in_the_year_and_region(world, team, checklists, at):
    at(dt.date(2025, 11, 3))
    submitted(world, findings={"1.2": {"score": "0"}})  # 95 in 2025
    at(dt.date(2026, 5, 20))
    submitted(world)  # 88
    submitted(world, target=world.clinic_b, findings={"1.2": {"score": "2"}})  # 97
    at(dt.date(2026, 8, 1))
    submitted(world, findings={})  # 100, the latest of clinic A in 2026
    province_officer = User.objects.create_user(
        username="fujian", password="x", organisation=world.province_commission
    )
    RoleAssignment.objects.create(user=province_officer, role=Role.HEALTH_OFFICER)
    provincial = services.team_create(
        actor=province_officer,
        name="省联合检查组",
        members=[world.inspector, world.users["police"]],
        leader=world.inspector,
    )
    inspection = services.inspection_plan(
        actor=province_officer,
        version=checklists["mmt_joint"],
        team=provincial,
        target=world.clinic_elsewhere,
        scheduled_on=dt.date(2026, 8, 1),
    )
    services.inspection_start(actor=world.inspector, inspection=inspection)
    score_all(inspection, world.inspector, {"6.3": {"score": "1"}})
    attach(inspection, world.inspector, MMT_EVIDENCE)
    services.inspection_submit(actor=world.inspector, inspection=inspection)  # 97
    assert inspection_scores(region_code="350583", year=2026) == {
        world.clinic_a.pk: Decimal("100.0"),
        world.clinic_b.pk: Decimal("97.0"),
    }
    assert inspection_scores(region_code="350583", year=2025) == {world.clinic_a.pk: Decimal("95.0")}
    assert inspection_scores(region_code="350000", year=2026) == {
        world.clinic_a.pk: Decimal("100.0"),
        world.clinic_b.pk: Decimal("97.0"),
        world.clinic_elsewhere.pk: Decimal("97.0"),
    }
    assert inspection_scores(region_code="350582", year=2026) == {world.clinic_elsewhere.pk: Decimal("97.0")}
    assert inspection_scores(region_code="350583", year=2024) == {}


def test_a_year_is_counted_in_shanghai(world, team, checklists, at):
    at(dt.date(2027, 1, 1), 7)  # 2026-12-31 23:00 UTC
    submitted(world, findings={})
    assert inspection_scores(region_code="350583", year=2027) == {world.clinic_a.pk: Decimal("100.0")}
    assert inspection_scores(region_code="350583", year=2026) == {}


def _answer(world, rectification, day, at):
    at(day)
    services.rectification_respond(
        actor=world.director_a, rectification=rectification, note="已整改", uploads=[photo()]
    )


def _verify_and_close(world, rectification):
    services.rectification_verify(actor=world.inspector, rectification=rectification)
    services.rectification_close(actor=world.inspector, rectification=rectification)


def test_findings_closed_on_time_against_those_due_in_the_year(world, team, checklists, at):
    at(dt.date(2026, 5, 20))
    submitted(world)  # three findings of clinic A due 2026-06-19
    submitted(world, target=world.clinic_b, findings={"1.2": {"score": "4"}})  # one of clinic B, still open
    first, second, third = Rectification.objects.filter(owner=world.clinic_a).order_by("number")
    _answer(world, first, dt.date(2026, 6, 1), at)
    _verify_and_close(world, first)  # on time
    _answer(world, second, dt.date(2026, 6, 10), at)
    services.rectification_reject(
        actor=world.inspector, rectification=second, note="未到位", deadline=dt.date(2026, 7, 15)
    )
    _answer(world, second, dt.date(2026, 7, 10), at)
    _verify_and_close(world, second)  # answered again before its new deadline: on time
    _answer(world, third, dt.date(2026, 6, 25), at)
    _verify_and_close(world, third)  # answered after its deadline: closed, not on time
    at(dt.date(2026, 12, 1))
    submitted(world, target=world.clinic_b, findings={"1.3": {"score": "4"}})  # due 2026-12-31
    at(dt.date(2026, 12, 20))
    submitted(world, target=world.clinic_b, findings={"2.2": {"score": "4"}})  # due 2027-01-19
    assert rectification_completion(region_code="350583", year=2026) == {
        world.clinic_a.pk: (2, 3),
        world.clinic_b.pk: (0, 2),
    }
    assert rectification_completion(region_code="350583", year=2027) == {world.clinic_b.pk: (0, 1)}
    assert rectification_completion(region_code="350582", year=2026) == {}
