"""The arithmetic of the annual comprehensive evaluation (seed 004 §(十一): 年度考评、表彰奖励), without the
database or the clock.

A scheme's criterion gives points out of its weight by where the measured value lies between the value that
earns nothing (``zero_at``) and the value that earns full marks (``full_at``), linearly in between. A criterion
where lower is better simply has ``zero_at`` above ``full_at`` (a dropout rate: nothing at 30 %, full at 5 %).

Where the value is missing (no inspection in the year, no clinic, an empty denominator) the criterion says what
follows: no points, full points (no rectification item fell due: nothing to put right), or exempt — the criterion
is left out and the points of the others are scaled up to the scheme's full weight, so that a subject is not
ranked down for what did not apply to it.

Ranks are competition ranks (1, 2, 2, 4) by total, best first; a subject without any counted criterion has no
total and no rank. The commendation list holds the subjects ranked within the scheme's number of places, at or
above its minimum total, and not vetoed (一票否决: a controlled-substance loss or theft in the year).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


class Missing:
    ZERO = "zero"
    FULL = "full"
    EXEMPT = "exempt"


@dataclass(frozen=True)
class Rule:
    weight: Decimal
    zero_at: Decimal
    full_at: Decimal
    missing: str


def points(rule: Rule, value: Decimal | None) -> Decimal | None:
    """The points ``value`` earns under ``rule`` (two decimals), or None where the criterion is exempt."""
    if value is None:
        return {Missing.ZERO: Decimal("0.00"), Missing.FULL: rule.weight.quantize(CENT)}.get(rule.missing)
    share = (Decimal(value) - rule.zero_at) / (rule.full_at - rule.zero_at)
    share = min(Decimal(1), max(Decimal(0), share))
    return (rule.weight * share).quantize(CENT, rounding=ROUND_HALF_UP)


def total(parts: Iterable[tuple[Decimal, Decimal | None]]) -> Decimal | None:
    """The total of (weight, points) pairs out of the sum of all the weights: the points of the counted criteria
    scaled up by all the weights ÷ the counted weights (two decimals); None when nothing was counted."""
    weights = counted = earned = Decimal(0)
    for weight, got in parts:
        weights += weight
        if got is not None:
            counted += weight
            earned += got
    if not counted:
        return None
    if counted == weights:
        return earned.quantize(CENT)
    return (earned * weights / counted).quantize(CENT, rounding=ROUND_HALF_UP)


def rank(totals: dict[Hashable, Decimal | None]) -> dict[Hashable, int | None]:
    """Competition ranks (1, 2, 2, 4) by total, highest first; None for a subject without a total."""
    ordered = sorted((t for t in totals.values() if t is not None), reverse=True)
    first_place: dict[Decimal, int] = {}
    for position, value in enumerate(ordered, start=1):
        first_place.setdefault(value, position)
    return {key: (None if t is None else first_place[t]) for key, t in totals.items()}


def commended(
    ranks: dict[Hashable, int | None],
    totals: dict[Hashable, Decimal | None],
    *,
    places: int,
    minimum: Decimal,
    vetoed: Iterable[Hashable] = (),
) -> set[Hashable]:
    """The subjects on the commendation list: not vetoed, total at least ``minimum``, and within ``places`` of
    the top counting only those eligible (a subject tied with the last place is commended too)."""
    barred = set(vetoed)
    eligible = {
        key: totals[key]
        for key, r in ranks.items()
        if r is not None and key not in barred and totals[key] is not None and totals[key] >= minimum
    }
    among = rank(eligible)
    return {key for key, r in among.items() if r is not None and r <= places}


def mean(values: Sequence[Decimal]) -> Decimal | None:
    """The mean to one decimal place (half up); None for no values."""
    if not values:
        return None
    return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def percent(numerator: int, denominator: int) -> Decimal | None:
    """numerator ÷ denominator × 100 to one decimal place (half up); None for an empty denominator."""
    if not denominator:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
