"""Fixtures of the evaluation tests: the clock in Shanghai (20 January 2026 unless moved) and a provincial health
officer, who evaluates the counties of 福建省."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from jiedu.accounts.models import Role, RoleAssignment, User
from jiedu.core import clock
from jiedu.evaluation.tests.data import rolled_up, year_cube
from jiedu.inspections.tests.data import ensure_checklists, submitted
from jiedu.testing import PASSWORD, World

TODAY = dt.date(2026, 1, 20)


@pytest.fixture
def at(monkeypatch):
    """Move the clock to a local (Asia/Shanghai) time."""

    def move(day: dt.date, hour: int = 9, minute: int = 0) -> None:
        moment = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=clock.SHANGHAI)
        monkeypatch.setattr(clock, "now", lambda: moment)

    return move


@pytest.fixture
def today(at) -> dt.date:
    at(TODAY)
    return TODAY


@pytest.fixture
def province_officer(world: World) -> User:
    user = User.objects.create_user(
        username="province_officer",
        password=PASSWORD,
        organisation=world.province_commission,
        full_name="province_officer",
    )
    RoleAssignment.objects.create(user=user, role=Role.HEALTH_OFFICER)
    world.users["province_officer"] = user
    return user


@pytest.fixture
def year_2025(world, at):
    """The cube of 2025 for the three clinics, rolled up to 31 December; clinic A inspected on 10 June 2025
    (88 points, three findings due in July, none closed)."""
    year_cube(world.clinic_a, 2025, persons=100, persons_last_month=80, dropouts=10, urine_tested=90,
              hiv_eligible=50, hiv_tested=45)  # fmt: skip
    year_cube(world.clinic_b, 2025, persons=40, persons_last_month=38, dropouts=1, urine_tested=40,
              hiv_eligible=10, hiv_tested=10)  # fmt: skip
    year_cube(world.clinic_elsewhere, 2025, persons=50, persons_last_month=48, dropouts=0, urine_tested=50,
              hiv_eligible=20, hiv_tested=20)  # fmt: skip
    rolled_up(dt.date(2025, 12, 31))
    ensure_checklists()
    at(dt.date(2025, 6, 10))
    inspection = submitted(world)
    assert inspection.score == D("88.0")
    at(dt.date(2026, 1, 20))
    return inspection
