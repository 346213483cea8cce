"""The pure rules: order dates, reporting state, days in treatment, attendance and the review's edges."""

import datetime as dt
from decimal import Decimal

import pytest

from jiedu.community import rules
from jiedu.community.rules import Failure, MonthAttendance
from jiedu.core import months

D = dt.date


def test_the_term_and_the_reporting_deadline_follow_from_the_start():
    dates = rules.order_dates(D(2026, 3, 10), term_years=3, report_within_days=15)
    assert (dates.end_on, dates.report_by) == (D(2029, 3, 10), D(2026, 3, 25))
    # A province with another term and deadline.
    dates = rules.order_dates(D(2026, 12, 20), term_years=2, report_within_days=20)
    assert (dates.end_on, dates.report_by) == (D(2028, 12, 20), D(2027, 1, 9))


def test_a_term_starting_on_29_february_ends_on_28_february():
    assert rules.add_years(D(2028, 2, 29), 3) == D(2031, 2, 28)
    assert rules.add_years(D(2028, 2, 29), 4) == D(2032, 2, 29)


@pytest.mark.parametrize(
    ("reported_on", "today", "state"),
    [
        (None, D(2026, 3, 25), "due"),  # the last day is still in time
        (None, D(2026, 3, 26), "overdue"),
        (D(2026, 3, 25), D(2026, 4, 1), "reported"),
        (D(2026, 3, 26), D(2026, 4, 1), "reported_late"),
    ],
)
def test_reporting_state(reported_on, today, state):
    assert rules.report_state(report_by=D(2026, 3, 25), reported_on=reported_on, today=today) == state


def test_months_are_parsed_and_counted():
    assert months.parse_month("2026-02") == D(2026, 2, 1)
    assert [months.parse_month(s) for s in ("", "2026-13", "2026-2x", "26-02", "2026")] == [None] * 5
    assert months.previous_month(D(2026, 1, 15)) == D(2025, 12, 1)
    assert months.previous_month(D(2026, 3, 1)) == D(2026, 2, 1)
    assert months.months_back(D(2026, 2, 1), 5) == D(2025, 9, 1)
    assert months.months_back(D(2026, 12, 1), -1) == D(2027, 1, 1)
    assert (months.month_end(D(2028, 2, 1)), months.month_days(D(2026, 2, 1))) == (D(2028, 2, 29), 28)


def test_days_in_treatment_are_clipped_to_the_month_and_counted_once():
    march = (D(2026, 3, 1), D(2026, 3, 31))
    assert rules.treatment_days([(D(2026, 2, 1), D(2026, 12, 31))], *march) == 31
    assert rules.treatment_days([(D(2026, 3, 10), D(2026, 3, 20))], *march) == 11  # both ends included
    # A transfer: one episode ends on the 15th and the next starts the same day.
    transfer = [(D(2026, 1, 1), D(2026, 3, 15)), (D(2026, 3, 15), D(2026, 5, 1))]
    assert rules.treatment_days(transfer, *march) == 31
    # A gap between two episodes.
    gap = [(D(2026, 3, 1), D(2026, 3, 5)), (D(2026, 3, 21), D(2026, 4, 30))]
    assert rules.treatment_days(gap, *march) == 5 + 11
    assert rules.treatment_days([(D(2026, 4, 1), D(2026, 4, 2))], *march) == 0
    assert rules.treatment_days([], *march) == 0


def test_attendance_is_one_decimal_but_compared_exactly():
    assert rules.attendance_pct(27, 30) == Decimal("90.0")
    assert rules.attendance_pct(2, 3) == Decimal("66.7")
    assert rules.attendance_pct(0, 0) is None
    assert rules.attendance_meets(27, 30, 90)
    assert not rules.attendance_meets(26, 30, 90)
    # 899/1000 rounds to 89.9, 8999/10000 to 90.0: only the exact figure counts.
    assert rules.attendance_pct(8999, 10000) == Decimal("90.0")
    assert not rules.attendance_meets(8999, 10000, 90)
    assert not rules.attendance_meets(0, 0, 0)


def test_full_months_are_counted_back_while_whole():
    through = D(2026, 2, 1)
    assert rules.full_months([(D(2025, 9, 1), D(2026, 3, 5))], through=through) == 6
    assert rules.full_months([(D(2025, 9, 2), D(2026, 3, 5))], through=through) == 5  # September not whole
    assert rules.full_months([(D(2025, 8, 1), D(2026, 2, 27))], through=through) == 0  # February not whole
    # A transfer on 10 December keeps the months whole.
    transfer = [(D(2025, 9, 1), D(2025, 12, 10)), (D(2025, 12, 10), D(2026, 3, 5))]
    assert rules.full_months(transfer, through=through) == 6
    assert rules.full_months([], through=through) == 0


def window(*dosed, days=(30, 31, 30, 31, 31, 28)):
    """Six months, September 2025 to February 2026, each wholly in treatment."""
    firsts = [D(2025, 9, 1), D(2025, 10, 1), D(2025, 11, 1), D(2025, 12, 1), D(2026, 1, 1), D(2026, 2, 1)]
    return [
        MonthAttendance(month=m, in_treatment=n, dosed=d) for m, n, d in zip(firsts, days, dosed, strict=True)
    ]


def review(full=6, months=None, positives=(), reports=(), **kwargs):
    return rules.review(
        full_months=full,
        window=months or window(27, 31, 30, 31, 31, 28),
        positive_urine_on=positives,
        adverse_reports_on=reports,
        min_months=6,
        min_attendance_pct=90,
        **kwargs,
    )


def test_six_full_months_with_exactly_90_percent_qualify():
    result = review()
    assert result == rules.Review(
        eligible=True,
        full_months=6,
        lowest_pct=Decimal("90.0"),
        window_start=D(2025, 9, 1),
        window_end=D(2026, 2, 28),
        failures=(),
    )


def test_five_full_months_do_not():
    assert review(full=5).failures == (Failure.MONTHS,)
    assert review(full=7).eligible


def test_one_month_below_the_threshold_is_enough_to_fail():
    result = review(months=window(30, 31, 26, 31, 31, 28))  # 26 of 30 days in November: 86.7 %
    assert (result.eligible, result.failures, result.lowest_pct) == (
        False,
        (Failure.ATTENDANCE,),
        Decimal("86.7"),
    )


def test_a_positive_urine_test_on_the_window_s_first_day_counts_the_day_before_does_not():
    assert review(positives=[D(2025, 9, 1)]).failures == (Failure.POSITIVE_URINE,)
    assert review(positives=[D(2025, 8, 31)]).eligible
    assert review(positives=[D(2026, 2, 28)]).failures == (Failure.POSITIVE_URINE,)


def test_a_positive_after_the_window_counts_up_to_today():
    assert review(positives=[D(2026, 3, 3)]).eligible  # without ``clean_until`` the window alone
    assert review(positives=[D(2026, 3, 3)], clean_until=D(2026, 3, 10)).failures == (Failure.POSITIVE_URINE,)
    assert review(positives=[D(2026, 3, 11)], clean_until=D(2026, 3, 10)).eligible


def test_an_adverse_report_in_the_window_and_not_being_in_treatment_fail():
    assert review(reports=[D(2025, 12, 24)]).failures == (Failure.REPORT,)
    assert review(reports=[D(2025, 8, 31)]).eligible
    assert review(in_treatment_now=False).failures == (Failure.NOT_IN_TREATMENT,)
    every = review(full=2, months=window(0, 31, 30, 31, 31, 28), positives=[D(2025, 10, 1)],
                   reports=[D(2025, 10, 2)], in_treatment_now=False)  # fmt: skip
    assert every.failures == ("months", "attendance", "positive_urine", "report", "not_in_treatment")


def test_a_window_is_needed():
    with pytest.raises(ValueError):
        rules.review(
            full_months=6, window=[], positive_urine_on=[], adverse_reports_on=[], min_months=6,
            min_attendance_pct=90,
        )  # fmt: skip
