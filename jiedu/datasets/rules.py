"""Pure rules of aggregate data entry: periods, reading typed figures, validation rules, who approves.

No ORM and no clock here: the caller passes the elements, the rules and today.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Protocol

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from jiedu.datasets.models import Operator, PeriodType, ReportingLevel, ValueType
from jiedu.registry.models import RegionLevel

#: Values are stored with four decimal places and at most 14 digits before the point.
DECIMAL_PLACES = 4
LIMIT = Decimal(10) ** 14
QUARTER_MONTHS = (1, 4, 7, 10)
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
YES = {"yes", "1", "是", "true"}
NO = {"no", "0", "否", "false"}

COMPARE: dict[str, Callable[[Decimal, Decimal], bool]] = {
    Operator.LE: operator.le,
    Operator.LT: operator.lt,
    Operator.EQ: operator.eq,
    Operator.GE: operator.ge,
    Operator.GT: operator.gt,
}


class ElementLike(Protocol):
    code: str
    value_type: str
    required: bool

    @property
    def name(self) -> str: ...


class RuleLike(Protocol):
    code: str
    operator: str
    right_constant: Decimal | None

    @property
    def message(self) -> str: ...

    @property
    def left_codes(self) -> list[str]: ...

    @property
    def right_codes(self) -> list[str]: ...


# --- periods ------------------------------------------------------------------------------------------------


def period_problem(period_type: str, start: dt.date, today: dt.date) -> str | None:
    """Why ``start`` is not the start of a period of this type that has begun (None if it is)."""
    if period_type == PeriodType.YEARLY and (start.month, start.day) != (1, 1):
        return _("A yearly period starts on 1 January.")
    if period_type == PeriodType.QUARTERLY and (start.day != 1 or start.month not in QUARTER_MONTHS):
        return _("A quarter starts on 1 January, 1 April, 1 July or 1 October.")
    if period_type == PeriodType.MONTHLY and start.day != 1:
        return _("A monthly period starts on the first day of the month.")
    if start > today:
        return _("This period has not begun: figures are entered for a period that has started.")
    return None


def _add_months(start: dt.date, months: int) -> dt.date:
    index = start.year * 12 + start.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


STEP_MONTHS = {PeriodType.YEARLY: 12, PeriodType.QUARTERLY: 3, PeriodType.MONTHLY: 1}


def period_end(period_type: str, start: dt.date) -> dt.date:
    """The first day after the period."""
    return _add_months(start, STEP_MONTHS[PeriodType(period_type)])


def current_period(period_type: str, today: dt.date) -> dt.date:
    if period_type == PeriodType.YEARLY:
        return dt.date(today.year, 1, 1)
    if period_type == PeriodType.QUARTERLY:
        return dt.date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    return today.replace(day=1)


def recent_periods(period_type: str, today: dt.date, count: int) -> list[dt.date]:
    """The current period and the ``count - 1`` before it, latest first."""
    start = current_period(period_type, today)
    step = STEP_MONTHS[PeriodType(period_type)]
    return [_add_months(start, -step * i) for i in range(count)]


def period_label(period_type: str, start: dt.date) -> str:
    if period_type == PeriodType.YEARLY:
        return pgettext("data set period", "%(year)d") % {"year": start.year}
    if period_type == PeriodType.QUARTERLY:
        return pgettext("data set period", "%(year)d Q%(quarter)d") % {
            "year": start.year,
            "quarter": (start.month - 1) // 3 + 1,
        }
    return pgettext("data set period", "%(year)d-%(month)02d") % {"year": start.year, "month": start.month}


# --- regions ------------------------------------------------------------------------------------------------


def level_problem(reporting_level: str, region_level: str) -> str | None:
    """Why a region of this level does not report the data set (None if it does)."""
    allowed = {RegionLevel.COUNTY}
    if reporting_level == ReportingLevel.COUNTY_OR_PREFECTURE:
        allowed.add(RegionLevel.PREFECTURE)
    if region_level in allowed:
        return None
    if reporting_level == ReportingLevel.COUNTY:
        return _("This data set is reported by counties.")
    return _("This data set is reported by counties and prefectures.")


def region_prefix(code: str) -> str:
    """The code prefix of a region and everything under it: "350000" → "35", "350500" → "3505", a county → itself."""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def strictly_above(upper_code: str, upper_level: str, lower_code: str) -> bool:
    """True when the region ``upper`` (a province or prefecture) contains ``lower`` and is not ``lower``."""
    if upper_level == RegionLevel.PROVINCE:
        prefix = upper_code[:2]
    elif upper_level == RegionLevel.PREFECTURE:
        prefix = upper_code[:4]
    else:
        return False
    return upper_code != lower_code and lower_code.startswith(prefix)


# --- figures ------------------------------------------------------------------------------------------------


def plain(value: Decimal) -> str:
    """A figure as people write it: 100, 87.5 (no trailing zeros, no exponent)."""
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def shown(value: Decimal, value_type: str) -> str:
    """A stored figure for the page (yes/no in words)."""
    if value_type == ValueType.YES_NO:
        return _("Yes") if value else _("No")
    return plain(value)


def as_input(value: Decimal, value_type: str) -> str:
    """A stored figure as the entry form sends it back."""
    if value_type == ValueType.YES_NO:
        return "yes" if value else "no"
    return plain(value)


def parse(element: ElementLike, raw: str) -> Decimal:
    """The figure typed for ``element``; ``ValueError`` with a message naming the element."""
    text = raw.strip()
    name = element.name
    kind = element.value_type
    if kind == ValueType.YES_NO:
        if text.lower() in YES:
            return Decimal(1)
        if text.lower() in NO:
            return Decimal(0)
        raise ValueError(_("%(name)s: choose yes or no.") % {"name": name})
    messages = {
        ValueType.INTEGER: _("%(name)s: enter a whole number, 0 or more."),
        ValueType.DECIMAL: _("%(name)s: enter a number."),
        ValueType.PERCENT: _("%(name)s: enter a percentage from 0 to 100."),
    }
    if not _NUMBER.match(text):
        raise ValueError(messages[kind] % {"name": name})
    try:
        value = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid literals
        raise ValueError(messages[kind] % {"name": name}) from None
    if kind == ValueType.INTEGER and (value < 0 or value != value.to_integral_value()):
        raise ValueError(messages[kind] % {"name": name})
    if kind == ValueType.PERCENT and not Decimal(0) <= value <= Decimal(100):
        raise ValueError(messages[kind] % {"name": name})
    if abs(value) >= LIMIT:
        raise ValueError(_("%(name)s: the number is too large.") % {"name": name})
    if -value.as_tuple().exponent > DECIMAL_PLACES:  # type: ignore[operator]
        raise ValueError(
            _("%(name)s: use at most %(places)d decimal places.") % {"name": name, "places": DECIMAL_PLACES}
        )
    return value


def read(
    elements: Sequence[ElementLike], raw: Mapping[str, str]
) -> tuple[dict[str, Decimal], dict[str, list[str]]]:
    """The typed figures (blank ones left out) and the errors, by element code."""
    known = {e.code for e in elements}
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(raw) - known)
    if unknown:
        errors["values"] = [_("Not an element of this data set: %(codes)s.") % {"codes": ", ".join(unknown)}]
    values: dict[str, Decimal] = {}
    for element in elements:
        text = (raw.get(element.code) or "").strip()
        if not text:
            continue
        try:
            values[element.code] = parse(element, text)
        except ValueError as exc:
            errors[element.code] = [str(exc)]
    return values, errors


def _side(codes: Iterable[str], values: Mapping[str, Decimal]) -> Decimal | None:
    total = Decimal(0)
    for code in codes:
        if code not in values:
            return None
        total += values[code]
    return total


def check(
    elements: Sequence[ElementLike],
    rules: Sequence[RuleLike],
    values: Mapping[str, Decimal],
    *,
    skip: Iterable[str] = (),
) -> dict[str, list[str]]:
    """Required elements and validation rules over typed figures; errors by element code (a rule's message goes
    to the first element of its left side). Elements in ``skip`` (already in error) and rules naming an element
    without a value are not checked."""
    skipped = set(skip)
    errors: dict[str, list[str]] = {}
    for element in elements:
        if element.required and element.code not in values and element.code not in skipped:
            errors.setdefault(element.code, []).append(_("%(name)s: enter a value.") % {"name": element.name})
    for rule in rules:
        left = _side(rule.left_codes, values)
        right = rule.right_constant if not rule.right_codes else _side(rule.right_codes, values)
        if left is None or right is None:
            continue
        if not COMPARE[rule.operator](left, right):
            errors.setdefault(rule.left_codes[0], []).append(
                _("%(message)s (entered %(left)s and %(right)s).")
                % {"message": rule.message, "left": plain(left), "right": plain(right)}
            )
    return errors


def validate(
    elements: Sequence[ElementLike], rules: Sequence[RuleLike], raw: Mapping[str, str]
) -> tuple[dict[str, Decimal], dict[str, list[str]]]:
    """Every value read by its type, then the required elements and the rules; the figures and the errors."""
    values, errors = read(elements, raw)
    for code, messages in check(elements, rules, values, skip=errors).items():
        errors.setdefault(code, []).extend(messages)
    return values, errors
