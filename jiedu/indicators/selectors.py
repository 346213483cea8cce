"""Reading the indicators: any indicator for any region (or clinic) and period, from the cube and the spell
facts, optionally broken down by a dimension. Every figure carries its numerator and denominator."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncMonth, TruncQuarter, TruncYear

from jiedu.indicators import rules
from jiedu.indicators.dictionary import BY_CODE
from jiedu.indicators.models import RollupState, SpellFact, UnitPeriod
from jiedu.indicators.services import STATE
from jiedu.pharmacy.models import DayCloseLine

#: Dimensions a table can be broken down by. Regions are folded from the county code.
GROUPS = ("province", "prefecture", "county", "clinic", "sex", "age_band")
CUBE_SUMS = (
    "persons",
    "persons_last_month",
    "persons_ge60",
    "dropouts",
    "days",
    "mg_sum",
    "urine_tested",
    "urine_tests",
    "urine_positive",
    "hiv_eligible",
    "hiv_tested",
    "hcv_eligible",
    "hcv_tested",
    "syphilis_eligible",
    "syphilis_tested",
    "hiv_at_risk_tested",
    "hiv_seroconverted",
    "hiv_new_positive",
    "art_linked",
)
RETENTION_MONTHS = {"retention_3m": 3, "retention_6m": 6, "retention_12m": 12}


@dataclass(frozen=True)
class Value:
    value: Decimal | None
    numerator: Decimal | int | None = None
    denominator: Decimal | int | None = None
    suppressed: bool = False

    @property
    def shown(self) -> Decimal | None:
        return None if self.suppressed else self.value


@dataclass(frozen=True)
class Scope:
    """Where the figures come from: every clinic whose county code starts with ``prefix`` ("" = the nation),
    or only ``clinics``."""

    prefix: str = ""
    clinics: tuple[int, ...] | None = None


NATION = Scope()


def as_of() -> dt.date | None:
    return RollupState.objects.filter(name=STATE).values_list("as_of", flat=True).first()


def region_prefix(code: str, level: str) -> str:
    return {"province": code[:2], "prefecture": code[:4], "county": code}.get(level, code)


def _group_key(group: str | None, row: dict) -> Any:
    if group is None:
        return None
    if group in ("province", "prefecture"):
        return region_prefix(row["county"], group).ljust(6, "0")
    if group == "clinic":
        return row["clinic_id"]
    return row[group]


def _in_scope(qs: Any, scope: Scope, county_field: str = "county") -> Any:
    if scope.clinics is not None:
        return qs.filter(clinic_id__in=scope.clinics)
    return qs.filter(**{f"{county_field}__startswith": scope.prefix}) if scope.prefix else qs


def _db_group(group: str | None) -> list[str]:
    if group in (None,):
        return []
    if group in ("province", "prefecture", "county"):
        return ["county"]
    if group == "clinic":
        return ["clinic_id"]
    return [group]


def figures(
    *,
    kind: str,
    starts: Sequence[dt.date],
    scope: Scope = NATION,
    group: str | None = None,
    codes: Iterable[str] | None = None,
    on: dt.date | None = None,
) -> dict[tuple[Any, dt.date], dict[str, Value]]:
    """(group key, period start) → indicator code → value, for the periods of ``kind`` starting on ``starts``.
    ``on`` is the last complete day (default: the rollups' as-of day)."""
    on = on or as_of() or dt.date.min
    wanted = set(codes or BY_CODE)
    starts = sorted(set(starts))
    sums: dict[tuple[Any, dt.date], dict[str, Any]] = defaultdict(lambda: dict.fromkeys(CUBE_SUMS, 0))
    cube = _in_scope(UnitPeriod.objects.filter(kind=kind, start__in=starts), scope)
    for row in cube.values(*_db_group(group), "start").annotate(**{f: Sum(f) for f in CUBE_SUMS}).order_by():
        bucket = sums[(_group_key(group, row), row["start"])]
        for f in CUBE_SUMS:
            bucket[f] += row[f] or 0
    spells = _spells(kind=kind, starts=starts, scope=scope, group=group, on=on)
    medians = _medians(kind=kind, starts=starts, scope=scope, group=group) if "dose_median" in wanted else {}
    keys = set(sums) | set(spells) | set(medians)
    out: dict[tuple[Any, dt.date], dict[str, Value]] = {}
    for key in keys:
        s = sums.get(key) or dict.fromkeys(CUBE_SUMS, 0)
        sp = spells.get(key, {})
        values = {
            "in_treatment": Value(Decimal(s["persons"]), s["persons"], None),
            "new_enrolments": Value(Decimal(sp.get("new", 0)), sp.get("new", 0)),
            "re_enrolments": Value(Decimal(sp.get("re", 0)), sp.get("re", 0)),
            "annual_retention": _annual(kind, key[1], s, on),
            "dropout_rate": _ratio(s["dropouts"], s["persons"]),
            "dose_mean": Value(
                (Decimal(s["mg_sum"]) / s["days"]).quantize(Decimal("0.1")) if s["days"] else None,
                s["mg_sum"],
                s["days"],
            ),
            "dose_median": Value(medians.get(key, (None, 0))[0], None, medians.get(key, (None, 0))[1]),
            "dose_ge60": _ratio(s["persons_ge60"], s["persons"]),
            "urine_coverage": _ratio(s["urine_tested"], s["persons"]),
            "urine_positive_rate": _ratio(s["urine_positive"], s["urine_tests"]),
            "hiv_testing": _ratio(s["hiv_tested"], s["hiv_eligible"]),
            "hcv_testing": _ratio(s["hcv_tested"], s["hcv_eligible"]),
            "syphilis_testing": _ratio(s["syphilis_tested"], s["syphilis_eligible"]),
            "hiv_seroconversion": _ratio(s["hiv_seroconverted"], s["hiv_at_risk_tested"]),
            "art_linkage": _ratio(s["art_linked"], s["hiv_new_positive"]),
            "exits": Value(Decimal(sp.get("exits", 0)), sp.get("exits", 0)),
        }
        for code, months in RETENTION_MONTHS.items():
            retained, observed = sp.get(f"kept_{months}", 0), sp.get(f"seen_{months}", 0)
            values[code] = _ratio(retained, observed)
        out[key] = {c: v for c, v in values.items() if c in wanted}
    return out


def _ratio(numerator: int, denominator: int) -> Value:
    return Value(rules.ratio(numerator, denominator), numerator, denominator)


def _annual(kind: str, start: dt.date, s: dict, on: dt.date) -> Value:
    """Only for a whole calendar year whose December is complete."""
    if kind != rules.Kind.YEAR or on < dt.date(start.year, 12, 31):
        return Value(None)
    return _ratio(s["persons_last_month"], s["persons"])


TRUNC = {rules.Kind.MONTH: TruncMonth, rules.Kind.QUARTER: TruncQuarter, rules.Kind.YEAR: TruncYear}


def _spells(
    *, kind: str, starts: Sequence[dt.date], scope: Scope, group: str | None, on: dt.date
) -> dict[tuple[Any, dt.date], dict[str, int]]:
    """Enrolments, cohort retention and exits per group and period: two aggregate queries over the spells."""
    if not starts:
        return {}
    first, last = starts[0], rules.period_end(kind, starts[-1])
    wanted = set(starts)
    out: dict[tuple[Any, dt.date], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    spells = _in_scope(SpellFact.objects, scope)
    counts: dict[str, Any] = {
        "new": Count("id", filter=Q(first_ever=True)),
        "re": Count("id", filter=Q(first_ever=False)),
    }
    for months in RETENTION_MONTHS.values():
        at = f"at_{months}m"
        seen = Q(**{f"{at}__lte": on})
        counts[f"seen_{months}"] = Count("id", filter=seen)
        counts[f"kept_{months}"] = Count(
            "id", filter=seen & (Q(retention_end__isnull=True) | Q(retention_end__gt=F(at)))
        )
    started = (
        spells.filter(transfer_in=False, started_on__range=(first, last))
        .annotate(period=TRUNC[kind]("started_on"))
        .values(*_db_group(group), "period")
        .annotate(**counts)
        .order_by()
    )
    for row in started:
        period = _as_date(row["period"])
        if period in wanted:
            bucket = out[(_group_key(group, row), period)]
            for name in counts:
                bucket[name] += row[name]
    ended = (
        spells.filter(ended_on__range=(first, last))
        .annotate(period=TRUNC[kind]("ended_on"))
        .values(*_db_group(group), "period", "exit_reason")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in ended:
        period = _as_date(row["period"])
        if period not in wanted:
            continue
        bucket = out[(_group_key(group, row), period)]
        if row["exit_reason"] == "transferred":
            bucket["transfers_out"] += row["n"]
        else:
            bucket["exits"] += row["n"]
            bucket[f"exit:{row['exit_reason']}"] += row["n"]
    return out


def _as_date(value: Any) -> dt.date:
    """A period start as the database returned it (a date, a datetime from a truncation, or SQLite's text)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    return value


def exits_by_reason(
    *, kind: str, start: dt.date, scope: Scope = NATION, on: dt.date | None = None
) -> dict[str, int]:
    """Exit reason → episodes ended in the period; transfers out under "transferred", apart from the exits."""
    spells = _spells(kind=kind, starts=[start], scope=scope, group=None, on=on or as_of() or dt.date.min)
    bucket = spells.get((None, start), {})
    out = {k.split(":", 1)[1]: v for k, v in bucket.items() if k.startswith("exit:")}
    if bucket.get("transfers_out"):
        out["transferred"] = bucket["transfers_out"]
    return out


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
_MEDIAN_GROUP = {
    None: "''",
    "county": "county",
    "prefecture": "SUBSTR(county, 1, 4)",
    "province": "SUBSTR(county, 1, 2)",
    "clinic": "clinic_id",
}


def _medians(
    *, kind: str, starts: Sequence[dt.date], scope: Scope, group: str | None
) -> dict[tuple[Any, dt.date], tuple[Decimal | None, int]]:
    """(group, period) → (median daily dose, dose days), computed in the database from the dose histograms:
    the dose at the middle rank of the cumulative counts (the mean of the two middle doses for an even count).
    With n dose days the lower middle rank is ⌈n/2⌉ (the first dose whose count reaches 2·cum ≥ n) and the upper
    ⌊n/2⌋+1 (2·cum > n); no division, so integer and numeric sums behave alike."""
    if group not in _MEDIAN_GROUP or not starts:
        return {}
    first, last = starts[0], rules.period_end(kind, starts[-1])
    cases, params = [], []
    for start in starts:
        cases.append("WHEN month >= %s AND month <= %s THEN %s")
        params += [start, rules.period_end(kind, start), start]
    where, scope_params = "", []
    if scope.clinics is not None:
        where = (
            f"AND clinic_id IN ({', '.join(['%s'] * len(scope.clinics))})" if scope.clinics else "AND 1 = 0"
        )
        scope_params = list(scope.clinics)
    elif scope.prefix:
        where, scope_params = "AND county LIKE %s", [f"{scope.prefix}%"]
    sql = _MEDIAN_SQL.format(group=_MEDIAN_GROUP[group], periods=" ".join(cases), scope=where)
    out: dict[tuple[Any, dt.date], tuple[Decimal | None, int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, first, last, *scope_params])
        for grp, period, total, lower, upper in cursor.fetchall():
            lower, upper = Decimal(str(lower)), Decimal(str(upper))
            median = (lower + upper) / 2  # equal when the count is odd
            key = (
                None if group is None else (grp.ljust(6, "0") if group in ("prefecture", "province") else grp)
            )
            out[(key, _as_date(period))] = (median.quantize(Decimal("0.1")), int(total))
    return out


def suppress(values: dict[str, Value], *, threshold: int) -> dict[str, Value]:
    """Small cells: a count below ``threshold`` (but above zero), or a ratio whose numerator or denominator is,
    is not shown on aggregate views."""

    def small(n: Any) -> bool:
        return n is not None and 0 < n < threshold

    out = {}
    for code, v in values.items():
        hide = small(v.numerator) or small(v.denominator)
        out[code] = Value(v.value, v.numerator, v.denominator, suppressed=hide) if hide else v
    return out


def spell_curve(
    *, started_from: dt.date, started_to: dt.date, scope: Scope = NATION, on: dt.date | None = None
) -> list[rules.CurvePoint]:
    """The Kaplan–Meier retention curve of the spells started between the two days (included)."""
    on = on or as_of() or dt.date.min
    rows = _in_scope(SpellFact.objects, scope).filter(
        transfer_in=False, started_on__range=(started_from, min(started_to, on))
    )
    durations = [
        rules.spell_duration(started, end, on)
        for started, end in rows.values_list("started_on", "retention_end")
    ]
    return rules.kaplan_meier(durations)


def league(
    *,
    code: str,
    kind: str,
    start: dt.date,
    previous: dt.date | None,
    scope: Scope,
    level: str,
    on: dt.date | None = None,
) -> list[dict[str, Any]]:
    """The units of ``level`` inside ``scope`` ranked by ``code`` for the period (best first by the indicator's
    direction), with each unit's rank in the ``previous`` period and the change."""
    indicator = BY_CODE[code]
    starts = [start] + ([previous] if previous else [])
    table = figures(kind=kind, starts=starts, scope=scope, group=level, codes=[code], on=on)

    def ranking(period: dt.date) -> dict[Any, tuple[int, Value]]:
        scored = [
            (key, vals[code])
            for (key, s), vals in table.items()
            if s == period and vals[code].value is not None
        ]
        reverse = indicator.direction != "lower"
        scored.sort(key=lambda kv: kv[1].value if reverse else -kv[1].value, reverse=True)
        ranks: dict[Any, tuple[int, Value]] = {}
        for position, (key, value) in enumerate(scored, start=1):
            tied = position > 1 and value.value == scored[position - 2][1].value
            ranks[key] = (ranks[scored[position - 2][0]][0] if tied else position, value)  # 1, 2, 2, 4
        return ranks

    now, before = ranking(start), ranking(previous) if previous else {}
    rows = []
    for key, (rank, value) in sorted(now.items(), key=lambda kv: (kv[1][0], str(kv[0]))):
        earlier = before.get(key)
        rows.append(
            {
                "key": key,
                "rank": rank,
                "value": value,
                "previous_rank": earlier[0] if earlier else None,
                "change": (earlier[0] - rank) if earlier else None,
            }
        )
    return rows


@dataclass(frozen=True)
class VarianceRow:
    organisation: str
    store: str
    drug: str
    unit: str
    counts: int
    counts_with_variance: int
    variance: Decimal  # book − counted, summed over the counts of the period
    shortfall: Decimal  # the shortfalls alone (book above counted)


def stock_variance(*, start: dt.date, end: dt.date, scope: Scope = NATION) -> list[VarianceRow]:
    """Book − counted quantity per store and drug at the counts (day closes, monthly stock-takes) of the days
    from ``start`` to ``end``, with how many counts there were and how many found a variance."""
    lines = DayCloseLine.objects.filter(day_close__day__range=(start, end))
    if scope.clinics is not None:
        lines = lines.filter(day_close__store__organisation_id__in=scope.clinics)
    elif scope.prefix:
        lines = lines.filter(day_close__store__organisation__region__code__startswith=scope.prefix)
    grouped: dict[tuple, dict[str, Any]] = {}
    for row in lines.values(
        "day_close_id",
        "day_close__store__organisation__name",
        "day_close__store__name",
        "batch__drug__name",
        "batch__drug__unit",
        "variance",
    ).order_by("day_close__store__organisation__name", "day_close__store__name", "batch__drug__name"):
        key = (
            row["day_close__store__organisation__name"],
            row["day_close__store__name"],
            row["batch__drug__name"],
            row["batch__drug__unit"],
        )
        g = grouped.setdefault(
            key, {"counts": set(), "varied": set(), "variance": Decimal(0), "short": Decimal(0)}
        )
        g["counts"].add(row["day_close_id"])
        if row["variance"]:
            g["varied"].add(row["day_close_id"])
            g["variance"] += row["variance"]
            g["short"] += max(row["variance"], Decimal(0))
    return [
        VarianceRow(*key, len(g["counts"]), len(g["varied"]), g["variance"], g["short"])
        for key, g in grouped.items()
    ]
