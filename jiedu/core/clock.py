"""The one place the current time comes from, so that rules can be given a clock and tests can move it."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

SHANGHAI = ZoneInfo("Asia/Shanghai")


def now() -> dt.datetime:
    return timezone.now()


def local_today() -> dt.date:
    """Today in Asia/Shanghai, the day clinics count in."""
    return timezone.localtime(now(), SHANGHAI).date()
