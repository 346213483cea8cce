"""The clock stands at 2026-05-20 09:00 in Shanghai (``today``); the frameworks are in place for every test."""

from __future__ import annotations

import datetime as dt

import pytest

from jiedu.capability.tests.data import TODAY, build_centre, centre_of, ensure_frameworks
from jiedu.core import clock


@pytest.fixture(autouse=True)
def frameworks(db):  # noqa: ANN001
    return ensure_frameworks()


@pytest.fixture
def at(monkeypatch):
    def move(day: dt.date, hour: int = 9, minute: int = 0) -> None:
        moment = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=clock.SHANGHAI)
        monkeypatch.setattr(clock, "now", lambda: moment)

    return move


@pytest.fixture
def today(at) -> dt.date:
    at(TODAY)
    return TODAY


@pytest.fixture
def centre(world, at):
    """The compulsory centre of 南安市 with its registers (``data.build_centre``) and its head."""
    unit, head = centre_of(world)
    build_centre(world, unit, head, at=at)
    return unit, head
