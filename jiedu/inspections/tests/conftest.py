"""Fixtures of the inspection tests: the clock in Shanghai, the seeded checklists and the joint team.

The clock stands at 2026-05-20 09:00 in Shanghai for every test that asks for ``today``."""

from __future__ import annotations

import datetime as dt

import pytest

from jiedu.core import clock
from jiedu.inspections.models import Team, TemplateVersion
from jiedu.inspections.tests.data import ensure_checklists, joint_team
from jiedu.testing import World

TODAY = dt.date(2026, 5, 20)


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
def checklists(db) -> dict[str, TemplateVersion]:  # noqa: ANN001
    return ensure_checklists()


@pytest.fixture
def team(world: World, checklists, today) -> Team:
    return joint_team(world)
