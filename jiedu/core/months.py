"""Calendar months as their first day: the periods of statements, evidence and bulletins."""

from __future__ import annotations

import calendar
import datetime as dt


def month_end(first: dt.date) -> dt.date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def month_days(first: dt.date) -> int:
    return calendar.monthrange(first.year, first.month)[1]


def previous_month(today: dt.date) -> dt.date:
    """The first day of the last full calendar month before ``today``."""
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def months_back(first: dt.date, count: int) -> dt.date:
    """The first day of the month ``count`` months before the month starting on ``first``."""
    index = first.year * 12 + first.month - 1 - count
    return dt.date(index // 12, index % 12 + 1, 1)


def parse_month(raw: str) -> dt.date | None:
    """``YYYY-MM`` → the month's first day; None for anything else."""
    year, sep, month = (raw or "").partition("-")
    if not sep or not (year.isdigit() and month.isdigit()) or len(year) != 4:
        return None
    try:
        return dt.date(int(year), int(month), 1)
    except ValueError:
        return None
