"""Median daily doses from the dose histograms, in the database (docs/adr/0012).

With n dose days the lower middle rank is ⌈n/2⌉ (the first dose whose cumulative count reaches 2·cum ≥ n) and
the upper ⌊n/2⌋+1 (2·cum > n); the median is their mean (equal when n is odd). No division in SQL, so integer
and numeric sums behave alike.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import connection

from jiedu.indicators import rules

_MEDIAN_SQL = """
WITH h AS (
    SELECT {group} AS grp, CASE {periods} END AS period, mg, SUM(days) AS days
    FROM indicators_dosehistogram
    WHERE month >= %s AND month <= %s {scope}
    GROUP BY 1, 2, 3
), c AS (
    SELECT grp, period, mg,
           SUM(days) OVER (PARTITION BY grp, period ORDER BY mg) AS cum,
           SUM(days) OVER (PARTITION BY grp, period) AS total
    FROM h WHERE period IS NOT NULL
)
SELECT grp, period, total,
       MIN(CASE WHEN cum * 2 >= total THEN mg END),
       MIN(CASE WHEN cum * 2 > total THEN mg END)
FROM c GROUP BY grp, period, total
"""
GROUP_SQL = {
    None: "''",
    "county": "county",
    "prefecture": "SUBSTR(county, 1, 4)",
    "province": "SUBSTR(county, 1, 2)",
    "clinic": "clinic_id",
}
#: The levels stored in ``DoseMedian``: the group each is computed by.
LEVELS = {"nation": None, "province": "province", "prefecture": "prefecture", "county": "county"}


def prefix_range(prefix: str) -> tuple[str, str]:
    """The county codes starting with ``prefix`` as a half-open range ("3505" → ["3505", "3506")): an index on
    the code serves a range under any collation, a LIKE prefix only under "C"."""
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


def as_date(value: Any) -> dt.date:
    """A period start as the database returned it (a date, a datetime from a truncation, or SQLite's text)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    return value


def compute(
    *,
    kind: str,
    starts: Sequence[dt.date],
    group: str | None,
    prefix: str = "",
    clinics: Sequence[int] | None = None,
) -> dict[tuple[Any, dt.date], tuple[Decimal, int]]:
    """(group key, period start) → (median daily dose, dose days) over the histograms of the clinics whose
    county code starts with ``prefix`` (or of ``clinics``). Region keys are six-digit codes."""
    if group not in GROUP_SQL or not starts:
        return {}
    starts = sorted(starts)
    first, last = starts[0], rules.period_end(kind, starts[-1])
    cases, params = [], []
    for start in starts:
        cases.append("WHEN month >= %s AND month <= %s THEN %s")
        params += [start, rules.period_end(kind, start), start]
    where, scope_params = "", []
    if clinics is not None:
        where = f"AND clinic_id IN ({', '.join(['%s'] * len(clinics))})" if clinics else "AND 1 = 0"
        scope_params = list(clinics)
    elif prefix:
        where, scope_params = "AND county >= %s AND county < %s", list(prefix_range(prefix))
    sql = _MEDIAN_SQL.format(group=GROUP_SQL[group], periods=" ".join(cases), scope=where)
    out: dict[tuple[Any, dt.date], tuple[Decimal, int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, first, last, *scope_params])
        for grp, period, total, lower, upper in cursor.fetchall():
            median = (Decimal(str(lower)) + Decimal(str(upper))) / 2
            key = (
                None if group is None else (grp.ljust(6, "0") if group in ("prefecture", "province") else grp)
            )
            out[(key, as_date(period))] = (median.quantize(Decimal("0.1")), int(total))
    return out


def store(*, periods: set[tuple[str, dt.date]]) -> None:
    """Recompute the stored medians of every region for ``periods``."""
    from jiedu.indicators.models import DoseMedian

    by_kind: dict[str, list[dt.date]] = {}
    for kind, start in periods:
        by_kind.setdefault(kind, []).append(start)
    rows = []
    for kind, starts in by_kind.items():
        DoseMedian.objects.filter(kind=kind, start__in=starts).delete()
        for level, group in LEVELS.items():
            for (key, start), (median, days) in compute(kind=kind, starts=starts, group=group).items():
                rows.append(
                    DoseMedian(
                        level=level, region=key or "", kind=kind, start=start, median_mg=median, days=days
                    )
                )
    DoseMedian.objects.bulk_create(rows, batch_size=5000)
