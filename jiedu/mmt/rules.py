"""Pure MMT rules: no database, the day passed in. Thresholds come from the regional rule values."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from django.utils.translation import gettext as _


def missed_days(*, last_dose_on: dt.date | None, started_on: dt.date, as_of: dt.date) -> int:
    """Whole local days without a dose before ``as_of`` (``as_of`` itself is not over yet, so not counted).

    Never dosed: counted from the start day. Dosed yesterday: 0. Counting is by calendar date, so month and
    year ends need no special case.
    """
    reference = last_dose_on if last_dose_on is not None else started_on - dt.timedelta(days=1)
    return max(0, (as_of - reference).days - 1)


class MissedState(StrEnum):
    OK = "ok"
    REVIEW = "review"
    DROPOUT = "dropout"
    EXIT = "exit"


@dataclass(frozen=True)
class MissedThresholds:
    review: int
    dropout: int
    exit: int


def missed_state(days: int, t: MissedThresholds) -> MissedState:
    if days >= t.exit:
        return MissedState.EXIT
    if days >= t.dropout:
        return MissedState.DROPOUT
    if days >= t.review:
        return MissedState.REVIEW
    return MissedState.OK


@dataclass(frozen=True)
class OrderLimits:
    induction_max_mg: Decimal
    step_max_mg: Decimal
    ceiling_mg: Decimal


def order_limit_breaches(
    *, dose_mg: Decimal, previous_mg: Decimal | None, induction: bool, limits: OrderLimits
) -> dict[str, str]:
    """Which limits a new order exceeds, with a message for each: {'induction'|'step'|'ceiling': message}."""
    breaches: dict[str, str] = {}
    if induction and dose_mg > limits.induction_max_mg:
        breaches["induction"] = _("A first-day (induction) dose above %(max)s mg needs an override.") % {
            "max": limits.induction_max_mg
        }
    if not induction and previous_mg is not None and abs(dose_mg - previous_mg) > limits.step_max_mg:
        breaches["step"] = _(
            "A change of more than %(max)s mg (from %(prev)s to %(new)s mg) needs an override."
        ) % {"max": limits.step_max_mg, "prev": previous_mg, "new": dose_mg}
    if dose_mg > limits.ceiling_mg:
        breaches["ceiling"] = _("A dose above %(max)s mg needs an override.") % {"max": limits.ceiling_mg}
    return breaches


def age_on(birth_date: dt.date, day: dt.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def split(dose_mg: Decimal, parts: int) -> list[Decimal]:
    """Equal parts to 0.1 mg; the last part takes the remainder so the parts add up to the order."""
    each = (dose_mg / parts).quantize(Decimal("0.1"))
    return [each] * (parts - 1) + [dose_mg - each * (parts - 1)]
