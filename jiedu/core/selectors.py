"""Reads of shared configuration: regional rule values and the working-day calendar."""

from __future__ import annotations

import datetime as dt
from typing import Any

from jiedu.core.models import CalendarDay, RegionalSetting
from jiedu.core.policy_values import NATIONAL_DEFAULTS, coerce, region_chain


def rule_value(key: str, *, region_code: str | None) -> Any:
    """The most specific region's value for ``key``, else the national default."""
    rule = NATIONAL_DEFAULTS[key]
    if region_code:
        chain = region_chain(region_code)
        found = dict(
            RegionalSetting.objects.filter(key=key, region_id__in=chain).values_list("region_id", "value")
        )
        for code in chain:
            if code in found:
                return coerce(key, found[code])
    return rule.default


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date ``days`` working days after ``start`` (weekends and holidays skipped; 调休 workdays count)."""
    exceptions = dict(
        CalendarDay.objects.filter(
            day__gt=start, day__lte=start + dt.timedelta(days=days * 3 + 30)
        ).values_list("day", "kind")
    )
    day, left = start, days
    while left > 0:
        day += dt.timedelta(days=1)
        kind = exceptions.get(day)
        working = kind == CalendarDay.Kind.WORKDAY or (kind is None and day.weekday() < 5)
        if working:
            left -= 1
    return day
