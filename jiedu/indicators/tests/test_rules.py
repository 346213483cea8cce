import datetime as dt
import random
from decimal import Decimal

import pytest
from lifelines import KaplanMeierFitter

from jiedu.indicators import rules

D = dt.date


def test_add_months_falls_back_to_the_last_day_of_a_shorter_month():
    assert rules.add_months(D(2024, 2, 29), 12) == D(2025, 2, 28)
    assert rules.add_months(D(2024, 2, 29), 48) == D(2028, 2, 29)
    assert rules.add_months(D(2025, 1, 31), 1) == D(2025, 2, 28)
    assert rules.add_months(D(2024, 1, 31), 1) == D(2024, 2, 29)
    assert rules.add_months(D(2025, 11, 30), 3) == D(2026, 2, 28)


def test_periods():
    assert rules.quarter_start(D(2025, 6, 30)) == D(2025, 4, 1)
    assert rules.period_end("Q", D(2025, 10, 1)) == D(2025, 12, 31)
    assert rules.period_end("M", D(2024, 2, 1)) == D(2024, 2, 29)
    assert rules.months_between(D(2024, 11, 15), D(2025, 2, 1)) == [
        D(2024, 11, 1),
        D(2024, 12, 1),
        D(2025, 1, 1),
        D(2025, 2, 1),
    ]


def test_age_bands_on_the_birthday():
    assert rules.age_band(D(2000, 3, 1), D(2025, 2, 28)) == 0  # 24
    assert rules.age_band(D(2000, 3, 1), D(2025, 3, 1)) == 25
    assert rules.age_band(D(1970, 1, 1), D(2025, 1, 1)) == 55
    assert [rules.age_band_label(b) for b in rules.AGE_BANDS] == ["0–24", "25–34", "35–44", "45–54", "55+"]


def _doses(*days, episode=1):
    return [rules.DoseIn(d, episode, Decimal("60")) for d in days]


def _episode(ended=None, reason="", id=1):
    return {id: rules.EpisodeIn(id, 10, "350583", 1, D(2025, 1, 1), ended, reason, None)}


def test_a_gap_of_the_dropout_length_is_a_dropout_and_one_shorter_is_not():
    doses = _doses(D(2025, 1, 1), D(2025, 1, 9), D(2025, 1, 16))  # 7 missed days, then 6
    assert rules.dropout_starts(doses, _episode(), as_of=D(2025, 1, 20), gap=7) == {
        D(2025, 1, 1): D(2025, 1, 2)
    }


def test_the_open_gap_at_the_end_counts_once_it_has_reached_the_length():
    doses = _doses(D(2025, 1, 1))
    assert rules.dropout_starts(doses, _episode(), as_of=D(2025, 1, 7), gap=7) == {}
    assert rules.dropout_starts(doses, _episode(), as_of=D(2025, 1, 8), gap=7) == {
        D(2025, 1, 1): D(2025, 1, 2)
    }


@pytest.mark.parametrize(
    ("ended", "reason", "dropout"),
    [
        (D(2025, 1, 8), "detained", False),  # exit recorded within the gap length: no dropout
        (D(2025, 1, 9), "detained", True),  # recorded after the gap had reached the length
        (D(2025, 1, 5), "dropout", True),  # the exit is the dropout itself
        (D(2025, 1, 1), "completed", False),
    ],
)
def test_a_recorded_exit_explains_a_gap(ended, reason, dropout):
    doses = _doses(D(2025, 1, 1))
    found = rules.dropout_starts(doses, _episode(ended, reason), as_of=D(2025, 3, 1), gap=7)
    assert bool(found) is dropout


def test_histogram_median():
    assert rules.histogram_median({}) is None
    assert rules.histogram_median({Decimal("60"): 3}) == Decimal("60")
    assert rules.histogram_median({Decimal("50"): 2, Decimal("70"): 2}) == Decimal("60")
    assert rules.histogram_median({Decimal("50"): 2, Decimal("70"): 1, Decimal("90"): 2}) == Decimal("70")
    assert rules.histogram_median({Decimal("40"): 1, Decimal("60"): 5}) == Decimal("60")


def test_ratio():
    assert rules.ratio(1, 3) == Decimal("33.3")
    assert rules.ratio(2, 3) == Decimal("66.7")
    assert rules.ratio(0, 0) is None
    assert rules.ratio(5, 0) is None


def test_kaplan_meier_by_hand():
    # 5 spells: events at day 3 (two), censored at 4, event at 6, censored at 9.
    curve = rules.kaplan_meier([(3, True), (3, True), (4, False), (6, True), (9, False)])
    assert [(p.day, p.at_risk, p.events) for p in curve] == [(0, 5, 0), (3, 5, 2), (6, 2, 1)]
    assert curve[1].survival == pytest.approx(3 / 5)
    assert curve[2].survival == pytest.approx(3 / 5 * 1 / 2)
    assert rules.survival_at(curve, 5) == pytest.approx(0.6)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kaplan_meier_equals_lifelines(seed):
    rng = random.Random(seed)
    data = [(rng.randint(1, 400), rng.random() < 0.6) for _ in range(300)]
    ours = rules.kaplan_meier(data)
    fitter = KaplanMeierFitter().fit([d for d, _ in data], event_observed=[e for _, e in data])
    theirs = fitter.survival_function_["KM_estimate"]
    for point in ours[1:]:
        assert point.survival == pytest.approx(float(theirs.loc[point.day]), abs=1e-12)
    for day in (0, 1, 50, 199, 365, 400):
        assert rules.survival_at(ours, day) == pytest.approx(float(fitter.predict(day)), abs=1e-12)
