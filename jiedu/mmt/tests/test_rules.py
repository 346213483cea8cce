import datetime as dt
from decimal import Decimal

import pytest

from jiedu.mmt import rules

D = dt.date
T = rules.MissedThresholds(review=3, dropout=7, exit=30)


@pytest.mark.parametrize(
    ("last", "start", "as_of", "expected"),
    [
        (D(2026, 11, 22), D(2026, 1, 1), D(2026, 11, 23), 0),  # dosed yesterday
        (D(2026, 11, 23), D(2026, 1, 1), D(2026, 11, 23), 0),  # dosed today
        (D(2026, 11, 20), D(2026, 1, 1), D(2026, 11, 23), 2),  # 21st and 22nd missed
        (D(2026, 10, 30), D(2026, 1, 1), D(2026, 11, 2), 2),  # across a month end: 31 Oct, 1 Nov
        (D(2025, 12, 30), D(2025, 1, 1), D(2026, 1, 2), 2),  # across a year end: 31 Dec, 1 Jan
        (D(2024, 2, 27), D(2024, 1, 1), D(2024, 3, 1), 2),  # leap day counted: 28, 29 Feb
        (None, D(2026, 11, 20), D(2026, 11, 23), 3),  # never dosed: from the start day
        (None, D(2026, 11, 23), D(2026, 11, 23), 0),  # started today
    ],
)
def test_missed_days(last, start, as_of, expected):
    assert rules.missed_days(last_dose_on=last, started_on=start, as_of=as_of) == expected


@pytest.mark.parametrize(
    ("days", "state"),
    [
        (0, "ok"),
        (2, "ok"),
        (3, "review"),
        (6, "review"),
        (7, "dropout"),
        (29, "dropout"),
        (30, "exit"),
        (90, "exit"),
    ],
)
def test_each_threshold(days, state):
    assert rules.missed_state(days, T) == state


LIMITS = rules.OrderLimits(
    induction_max_mg=Decimal("40"), step_max_mg=Decimal("10"), ceiling_mg=Decimal("150")
)


def test_order_limits():
    check = rules.order_limit_breaches
    assert check(dose_mg=Decimal("40"), previous_mg=None, induction=True, limits=LIMITS) == {}
    assert set(check(dose_mg=Decimal("45"), previous_mg=None, induction=True, limits=LIMITS)) == {"induction"}
    assert check(dose_mg=Decimal("70"), previous_mg=Decimal("60"), induction=False, limits=LIMITS) == {}
    assert check(dose_mg=Decimal("50"), previous_mg=Decimal("60"), induction=False, limits=LIMITS) == {}
    assert check(dose_mg=Decimal("75"), previous_mg=Decimal("60"), induction=False, limits=LIMITS) == {
        "step": "A change of more than 10 mg (from 60 to 75 mg) needs an override."
    }
    assert set(check(dose_mg=Decimal("160"), previous_mg=Decimal("150"), induction=False, limits=LIMITS)) == {
        "ceiling"
    }


def test_split_parts_add_up():
    assert rules.split(Decimal("65"), 2) == [Decimal("32.5"), Decimal("32.5")]
    assert rules.split(Decimal("100"), 3) == [Decimal("33.3"), Decimal("33.3"), Decimal("33.4")]
    assert sum(rules.split(Decimal("100"), 3)) == Decimal("100")


def test_age_on():
    assert rules.age_on(D(2008, 11, 24), D(2026, 11, 23)) == 17
    assert rules.age_on(D(2008, 11, 23), D(2026, 11, 23)) == 18
