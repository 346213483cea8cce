"""Reading the indicators: any indicator for any region (or clinic) and period, from the cube and the spell
facts, optionally broken down by a dimension. Every figure carries its numerator and denominator."""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import Count, DateField, F, Q, Sum
from django.db.models.functions import Cast, TruncMonth, TruncQuarter, TruncYear

from jiedu.indicators import medians, rules
from jiedu.indicators.dictionary import BY_CODE
from jiedu.indicators.models import DoseMedian, RollupState, SpellFact, UnitPeriod
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


class Value(NamedTuple):
    """A figure with its numerator and denominator (a tuple: a national table holds a hundred thousand)."""

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
    if not scope.prefix:
        return qs
    if len(scope.prefix) == 6:
        return qs.filter(**{county_field: scope.prefix})
    low, high = medians.prefix_range(scope.prefix)
    return qs.filter(**{f"{county_field}__gte": low, f"{county_field}__lt": high})


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
    folded = group in ("province", "prefecture")  # several counties' rows add up to one key
    for row in _rows(cube.values(*_db_group(group), "start").annotate(**{f: Sum(f) for f in CUBE_SUMS})):
        key = (_group_key(group, row), row["start"])
        if folded:
            bucket = sums[key]
            for f in CUBE_SUMS:
                bucket[f] += row[f] or 0
        else:
            sums[key] = {f: row[f] or 0 for f in CUBE_SUMS}
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


def _rows(qs: Any) -> Iterable[dict[str, Any]]:
    """The rows of a ``values()`` query as dicts. On PostgreSQL straight from the cursor: the driver already
    returns dates, integers and decimals, and skipping the ORM's per-value converters halves the time of a
    national table; SQLite needs the converters (dates come back as text)."""
    if connection.vendor != "postgresql":
        return qs.order_by()
    sql, params = qs.order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@functools.lru_cache(maxsize=1 << 16)
def _ratio(numerator: int, denominator: int) -> Value:
    """Cached: a national table repeats the same small counts many times over."""
    return Value(rules.ratio(numerator, denominator), numerator, denominator)


def _annual(kind: str, start: dt.date, s: dict, on: dt.date) -> Value:
    """Only for a whole calendar year whose December is complete."""
    if kind != rules.Kind.YEAR or on < dt.date(start.year, 12, 31):
        return Value(None)
    return _ratio(s["persons_last_month"], s["persons"])


TRUNC = {rules.Kind.MONTH: TruncMonth, rules.Kind.QUARTER: TruncQuarter, rules.Kind.YEAR: TruncYear}


def _spells(
    *,
    kind: str,
    starts: Sequence[dt.date],
    scope: Scope,
    group: str | None,
    on: dt.date,
    by_reason: bool = False,
) -> dict[tuple[Any, dt.date], dict[str, int]]:
    """Enrolments, cohort retention and exits per group and period (with ``by_reason``, the exits of each reason
    too, under "exit:<reason>"): two aggregate queries over the spells."""
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
    started = _rows(
        spells.filter(transfer_in=False, started_on__range=(first, last))
        .annotate(period=Cast(TRUNC[kind]("started_on"), DateField()))
        .values(*_db_group(group), "period")
        .annotate(**counts)
    )
    for row in started:
        period = medians.as_date(row["period"])
        if period in wanted:
            bucket = out[(_group_key(group, row), period)]
            for name in counts:
                bucket[name] += row[name]
    transferred = Q(exit_reason="transferred")
    ended = _rows(
        spells.filter(ended_on__range=(first, last))
        .annotate(period=Cast(TRUNC[kind]("ended_on"), DateField()))
        .values(*_db_group(group), "period", *(["exit_reason"] if by_reason else []))
        .annotate(exits=Count("id", filter=~transferred), transfers_out=Count("id", filter=transferred))
    )
    for row in ended:
        period = medians.as_date(row["period"])
        if period not in wanted:
            continue
        bucket = out[(_group_key(group, row), period)]
        bucket["exits"] += row["exits"]
        bucket["transfers_out"] += row["transfers_out"]
        if by_reason and row["exits"]:
            bucket[f"exit:{row['exit_reason']}"] += row["exits"]
    return out


def exits_by_reason(
    *, kind: str, start: dt.date, scope: Scope = NATION, on: dt.date | None = None
) -> dict[str, int]:
    """Exit reason → episodes ended in the period; transfers out under "transferred", apart from the exits."""
    spells = _spells(
        kind=kind, starts=[start], scope=scope, group=None, on=on or as_of() or dt.date.min, by_reason=True
    )
    bucket = spells.get((None, start), {})
    out = {k.split(":", 1)[1]: v for k, v in bucket.items() if k.startswith("exit:")}
    if bucket.get("transfers_out"):
        out["transferred"] = bucket["transfers_out"]
    return out


def _medians(
    *, kind: str, starts: Sequence[dt.date], scope: Scope, group: str | None
) -> dict[tuple[Any, dt.date], tuple[Decimal | None, int]]:
    """(group, period) → (median daily dose, dose days): the stored medians of regions, or computed from the
    dose histograms for clinics (see ``medians``)."""
    if not starts:
        return {}
    level = group or {0: "nation", 2: "province", 4: "prefecture", 6: "county"}.get(len(scope.prefix))
    if scope.clinics is None and level in medians.LEVELS:
        found = DoseMedian.objects.filter(level=level, kind=kind, start__in=starts)
        if group is None:
            found = found.filter(region=scope.prefix.ljust(6, "0") if scope.prefix else "")
        elif scope.prefix:
            low, high = medians.prefix_range(scope.prefix)
            found = found.filter(region__gte=low, region__lt=high)
        return {
            (None if group is None else region, start): (median, days)
            for region, start, median, days in found.values_list("region", "start", "median_mg", "days")
        }
    return dict(
        medians.compute(kind=kind, starts=starts, group=group, prefix=scope.prefix, clinics=scope.clinics)
    )


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
