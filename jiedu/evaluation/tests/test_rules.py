from decimal import Decimal as D

from jiedu.evaluation import rules
from jiedu.evaluation.rules import Missing, Rule

RETENTION = Rule(weight=D(20), zero_at=D(50), full_at=D(90), missing=Missing.ZERO)
DROPOUT = Rule(weight=D(10), zero_at=D(30), full_at=D(5), missing=Missing.ZERO)


def test_points_rise_in_a_straight_line_between_nothing_and_full_marks():
    assert rules.points(RETENTION, D("70")) == D("10.00")
    assert rules.points(RETENTION, D("76.5")) == D("13.25")
    assert rules.points(RETENTION, D("90")) == D("20.00")
    assert rules.points(RETENTION, D("97.2")) == D("20.00")  # no more than the weight
    assert rules.points(RETENTION, D("50")) == D("0.00")
    assert rules.points(RETENTION, D("12")) == D("0.00")  # never below nothing


def test_where_lower_is_better_nothing_is_earned_above_full_marks():
    assert rules.points(DROPOUT, D("10")) == D("8.00")
    assert rules.points(DROPOUT, D("2.5")) == D("10.00")
    assert rules.points(DROPOUT, D("30")) == D("0.00")
    assert rules.points(DROPOUT, D("41")) == D("0.00")
    assert rules.points(DROPOUT, D("12.3")) == D("7.08")  # 10 × 17.7 ÷ 25 = 7.08


def test_points_round_half_up_to_the_cent():
    rule = Rule(weight=D(10), zero_at=D(50), full_at=D(95), missing=Missing.ZERO)
    assert rules.points(rule, D("90")) == D("8.89")  # 8.888…
    assert rules.points(Rule(D(5), D(0), D(8), Missing.ZERO), D("1")) == D("0.63")  # 0.625 → 0.63


def test_a_missing_value_earns_what_the_criterion_says():
    assert rules.points(Rule(D(15), D(0), D(100), Missing.ZERO), None) == D("0.00")
    assert rules.points(Rule(D(15), D(0), D(100), Missing.FULL), None) == D("15.00")
    assert rules.points(Rule(D(15), D(0), D(100), Missing.EXEMPT), None) is None


def test_the_total_scales_the_counted_criteria_up_to_the_full_weight():
    assert rules.total([(D(20), D("10")), (D(10), D("8")), (D(20), D("20"))]) == D("38.00")
    # 18 points out of the 30 counted → 30.00 out of 50.
    assert rules.total([(D(20), D("10")), (D(10), D("8")), (D(20), None)]) == D("30.00")
    assert rules.total([(D(25), D("18.75")), (D(10), D("8")), (D(10), None)]) == D(
        "34.39"
    )  # 26.75 × 45 ÷ 35 = 34.392…
    assert rules.total([(D(20), None), (D(10), None)]) is None
    assert rules.total([]) is None


def test_ranks_are_competition_ranks_best_first():
    totals = {"a": D("90"), "b": D("85"), "c": D("90"), "d": None, "e": D("70.5")}
    assert rules.rank(totals) == {"a": 1, "b": 3, "c": 1, "d": None, "e": 4}
    assert rules.rank({}) == {}


def test_the_commendation_list_skips_the_vetoed_and_those_below_the_minimum():
    totals = {"a": D("95"), "b": D("90"), "c": D("90"), "d": D("85"), "e": D("70"), "f": None}
    ranks = rules.rank(totals)
    assert rules.commended(ranks, totals, places=2, minimum=D(80), vetoed={"a"}) == {"b", "c"}
    assert rules.commended(ranks, totals, places=3, minimum=D(80), vetoed={"a"}) == {"b", "c", "d"}
    assert rules.commended(ranks, totals, places=3, minimum=D(88), vetoed={"a"}) == {"b", "c"}
    assert rules.commended(ranks, totals, places=1, minimum=D(80)) == {"a"}
    # Tied for the last place: both are commended.
    assert rules.commended(ranks, totals, places=2, minimum=D(80)) == {"a", "b", "c"}
    assert rules.commended(ranks, totals, places=3, minimum=D(96)) == set()


def test_mean_and_percent_to_one_decimal():
    assert rules.mean([D("88"), D("93.5")]) == D("90.8")  # 90.75 → 90.8
    assert rules.mean([]) is None
    assert rules.percent(1, 3) == D("33.3")
    assert rules.percent(2, 3) == D("66.7")
    assert rules.percent(0, 0) is None
