"""Pure rules of community orders and of the police evidence: dates and counts in, answers out. No ORM, no
clock: the caller passes today and the policy values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from jiedu.core.months import month_days, month_end, months_back

Span = tuple[dt.date, dt.date]

# --- orders ---------------------------------------------------------------------------------------------------


def add_years(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class OrderDates:
    end_on: dt.date
    report_by: dt.date


def order_dates(start_on: dt.date, *, term_years: int, report_within_days: int) -> OrderDates:
    """The term ends ``term_years`` after the start; the person reports within ``report_within_days`` of it."""
    return OrderDates(
        end_on=add_years(start_on, term_years),
        report_by=start_on + dt.timedelta(days=report_within_days),
    )


class ReportState:
    REPORTED = "reported"
    REPORTED_LATE = "reported_late"
    DUE = "due"
    OVERDUE = "overdue"


def report_state(*, report_by: dt.date, reported_on: dt.date | None, today: dt.date) -> str:
    """Has the person reported to the office, and in time? Due up to and including ``report_by``."""
    if reported_on is not None:
        return ReportState.REPORTED if reported_on <= report_by else ReportState.REPORTED_LATE
    return ReportState.DUE if today <= report_by else ReportState.OVERDUE


# --- days in treatment and attendance ---------------------------------------------------------------------------


def treatment_days(spans: Iterable[Span], first: dt.date, last: dt.date) -> int:
    """Days from ``first`` to ``last`` (inclusive) covered by any of the spans (each inclusive). Overlapping
    spans — a transfer ends one episode and starts the next on the same day — count a day once."""
    clipped = sorted(
        (max(start, first), min(end, last)) for start, end in spans if start <= last and end >= first
    )
    total, covered_to = 0, first - dt.timedelta(days=1)
    for start, end in clipped:
        start = max(start, covered_to + dt.timedelta(days=1))
        if end >= start:
            total += (end - start).days + 1
            covered_to = end
    return total


def attendance_pct(dosed: int, days: int) -> Decimal | None:
    """Dosed days as a percentage of days in treatment, one decimal (half up); None without days."""
    if days <= 0:
        return None
    return (Decimal(dosed * 100) / Decimal(days)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def attendance_meets(dosed: int, days: int, min_pct: Decimal | int) -> bool:
    """Exact comparison (not of the rounded figure): 89.96 % does not meet 90 %."""
    return days > 0 and Decimal(dosed * 100) >= Decimal(str(min_pct)) * days


def full_months(spans: Sequence[Span], *, through: dt.date) -> int:
    """Consecutive calendar months wholly in treatment, counted back from the month starting ``through``."""
    if not spans:
        return 0
    earliest = min(start for start, _end in spans)
    count, month = 0, through
    while month >= earliest.replace(day=1):
        if treatment_days(spans, month, month_end(month)) != month_days(month):
            break
        count += 1
        month = months_back(month, 1)
    return count


# --- the control-level review --------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthAttendance:
    month: dt.date  # the first day
    in_treatment: int
    dosed: int

    @property
    def pct(self) -> Decimal | None:
        return attendance_pct(self.dosed, self.in_treatment)


class Failure:
    MONTHS = "months"
    ATTENDANCE = "attendance"
    POSITIVE_URINE = "positive_urine"
    REPORT = "report"
    NOT_IN_TREATMENT = "not_in_treatment"


@dataclass(frozen=True)
class Review:
    eligible: bool
    full_months: int
    lowest_pct: Decimal | None
    window_start: dt.date
    window_end: dt.date
    failures: tuple[str, ...]


def review(
    *,
    full_months: int,
    window: Sequence[MonthAttendance],
    positive_urine_on: Iterable[dt.date],
    adverse_reports_on: Iterable[dt.date],
    min_months: int,
    min_attendance_pct: Decimal | int,
    in_treatment_now: bool = True,
    clean_until: dt.date | None = None,
) -> Review:
    """Eligible for a dynamic-control level review:

    * wholly in MMT for at least ``min_months`` calendar months up to the last full month (``full_months``);
    * in each month of the window (those ``min_months`` months, oldest first) attendance of at least
      ``min_attendance_pct`` — compared exactly, so 27 of 30 days (90 %) meets 90 % and nothing below does;
    * no positive urine test and no relapse, termination, detention or dropout report from the window's first
      day to its last — or to ``clean_until`` (today) when that is later: a positive test this month counts;
    * still in treatment now (not dropped out, not exited).
    """
    if not window:
        raise ValueError("The window has at least one month.")
    start, end = window[0].month, month_end(window[-1].month)
    clean_end = max(end, clean_until or end)
    failures = []
    if full_months < min_months:
        failures.append(Failure.MONTHS)
    if not all(attendance_meets(m.dosed, m.in_treatment, min_attendance_pct) for m in window):
        failures.append(Failure.ATTENDANCE)
    if any(start <= day <= clean_end for day in positive_urine_on):
        failures.append(Failure.POSITIVE_URINE)
    if any(start <= day <= clean_end for day in adverse_reports_on):
        failures.append(Failure.REPORT)
    if not in_treatment_now:
        failures.append(Failure.NOT_IN_TREATMENT)
    pcts = [m.pct for m in window if m.pct is not None]
    return Review(
        eligible=not failures,
        full_months=full_months,
        lowest_pct=min(pcts) if pcts else None,
        window_start=start,
        window_end=end,
        failures=tuple(failures),
    )
