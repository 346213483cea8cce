"""One report of an area (the nation, a province, prefecture or county, or one clinic) for one period: the
headline indicators against their targets, the trend, the league of the units one level down, exits and stock
variance. The dashboard, the workbook, the CSV and the quarterly notification all show this same object."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from jiedu.core.selectors import rule_value
from jiedu.datasets import rules as datasets_rules
from jiedu.datasets.models import PeriodType
from jiedu.datasets.selectors import approved_by_region, approved_table
from jiedu.indicators import rules, selectors
from jiedu.indicators.dictionary import BY_CODE, HIGHER, LOWER, Indicator
from jiedu.indicators.selectors import Scope, Value
from jiedu.registry.models import Organisation, OrganisationType, Region, RegionLevel

#: Shown at the top of every report, in this order.
HEADLINE = (
    "in_treatment",
    "new_enrolments",
    "re_enrolments",
    "annual_retention",
    "retention_3m",
    "retention_6m",
    "retention_12m",
    "dropout_rate",
    "dose_mean",
    "dose_median",
    "dose_ge60",
    "urine_coverage",
    "urine_positive_rate",
    "hiv_testing",
    "hcv_testing",
    "syphilis_testing",
    "hiv_seroconversion",
    "art_linkage",
    "coverage",
    "exits",
)
#: The indicators the league of units is ranked on (the overall rank orders units by their mean rank).
LEAGUE = ("retention_3m", "dropout_rate", "dose_ge60", "urine_coverage", "urine_positive_rate", "hiv_testing")
TREND = ("in_treatment", "dropout_rate", "dose_mean", "urine_positive_rate", "retention_3m")
TREND_LENGTH = {rules.Kind.MONTH: 12, rules.Kind.QUARTER: 8, rules.Kind.YEAR: 5}
CHILD_LEVEL = {
    RegionLevel.PROVINCE: "prefecture",
    RegionLevel.PREFECTURE: "county",
    RegionLevel.COUNTY: "clinic",
}
GREEN, AMBER, RED = "green", "amber", "red"


@dataclass(frozen=True)
class Area:
    """What a report is about: a region (None: the nation) or one clinic."""

    region: Region | None = None
    clinic: Organisation | None = None

    @property
    def scope(self) -> Scope:
        if self.clinic is not None:
            return Scope(clinics=(self.clinic.pk,))
        return Scope(prefix=self.region.prefix if self.region else "")

    @property
    def name(self) -> str:
        if self.clinic is not None:
            return self.clinic.name
        return self.region.name if self.region else _("Nationwide")

    @property
    def code(self) -> str:
        if self.clinic is not None:
            return self.clinic.region_id
        return self.region.code if self.region else ""

    @property
    def child_level(self) -> str | None:
        if self.clinic is not None:
            return None
        return CHILD_LEVEL[self.region.level] if self.region else "province"


@dataclass
class Line:
    indicator: Indicator
    value: Value
    previous: Value | None
    target: Decimal | None = None
    light: str | None = None


@dataclass
class LeagueRow:
    key: Any
    name: str
    values: dict[str, Value]
    ranks: dict[str, int | None]
    mean_rank: Decimal | None
    rank: int | None
    previous_rank: int | None
    change: int | None

    @property
    def league_values(self) -> list[Value | None]:
        return [self.values.get(code) for code in LEAGUE]


@dataclass(frozen=True)
class ReportedRow:
    """A district's approved quarterly figures (data set ``district_quarterly``) beside the persons in treatment
    computed from the records for the same county and quarter."""

    code: str
    name: str
    values: list[Decimal | None]
    computed: int | None

    @property
    def differs(self) -> bool:
        reported = self.values[0] if self.values else None
        return reported is not None and self.computed is not None and int(reported) != self.computed


@dataclass
class Report:
    area: Area
    kind: str
    start: dt.date
    on: dt.date | None
    threshold: int
    lines: list[Line]
    league_level: str | None
    league: list[LeagueRow]
    trend: list[tuple[str, dict[str, Value]]]
    exits: dict[str, int]
    variance: list[selectors.VarianceRow] = field(default_factory=list)
    reported_elements: list[Any] = field(default_factory=list)
    reported: list[ReportedRow] = field(default_factory=list)

    @property
    def label(self) -> str:
        return period_label(self.kind, self.start)

    @property
    def previous_label(self) -> str:
        return period_label(self.kind, previous_period(self.kind, self.start))


def period_label(kind: str, start: dt.date) -> str:
    """The period in the active language: years and quarters as the data sets label them, months in the
    locale's year-month format (2025年8月, August 2025)."""
    if kind == rules.Kind.MONTH:
        return date_format(start, "YEAR_MONTH_FORMAT")
    return datasets_rules.period_label(
        PeriodType.YEARLY if kind == rules.Kind.YEAR else PeriodType.QUARTERLY, start
    )


def previous_period(kind: str, start: dt.date) -> dt.date:
    return rules.add_months(start, -{rules.Kind.MONTH: 1, rules.Kind.QUARTER: 3, rules.Kind.YEAR: 12}[kind])


def periods_back(kind: str, start: dt.date, count: int) -> list[dt.date]:
    out = [start]
    for _i in range(count - 1):
        out.insert(0, previous_period(kind, out[0]))
    return out


def light(
    indicator: Indicator, value: Decimal | None, target: Decimal | None, band_pct: Decimal
) -> str | None:
    """Green at or beyond the target, amber within ``band_pct`` percent of it, red further off."""
    if value is None or target is None:
        return None
    band = target * band_pct / 100
    if indicator.direction == LOWER:
        return GREEN if value <= target else AMBER if value <= target + band else RED
    if indicator.direction == HIGHER:
        return GREEN if value >= target else AMBER if value >= target - band else RED
    return None


def coverage(*, year: dt.date, scope: Scope, counties: Sequence[str] | None = None) -> Value:
    """Persons in treatment in the year per 100 registered opioid users, over the counties whose registered
    figure for the year is approved (the numerator is taken from the same counties)."""
    registered = approved_by_region(
        data_set="registered_users", element="opioid", prefix=scope.prefix, period_start=year
    )
    if counties is not None:
        registered = {c: v for c, v in registered.items() if c in counties}
    if not registered or scope.clinics is not None:
        return Value(None)
    table = selectors.figures(
        kind=rules.Kind.YEAR, starts=[year], scope=scope, group="county", codes=["in_treatment"]
    )
    treated = sum(
        int(vals["in_treatment"].value or 0) for (county, _s), vals in table.items() if county in registered
    )
    total = sum(registered.values(), Decimal(0))
    return Value(rules.ratio(treated, total), treated, total)


def build(*, area: Area, kind: str, start: dt.date, on: dt.date | None = None) -> Report:
    on = on or selectors.as_of()
    scope = area.scope
    threshold = rule_value("indicators.small_cell", region_code=area.code or None)
    band = rule_value("indicators.amber_band_pct", region_code=area.code or None)
    previous = previous_period(kind, start)
    trend_starts = periods_back(kind, start, TREND_LENGTH[kind])
    table = selectors.figures(kind=kind, starts=sorted({*trend_starts, previous}), scope=scope, on=on)
    empty: dict[str, Value] = {}

    def at(period: dt.date) -> dict[str, Value]:
        values = dict(table.get((None, period), empty))
        if kind == rules.Kind.YEAR and area.clinic is None:
            values["coverage"] = coverage(year=period, scope=scope)
        return selectors.suppress(values, threshold=threshold) if area.clinic is None else values

    now, before = at(start), at(previous)
    lines = []
    for code in HEADLINE:
        indicator = BY_CODE[code]
        if kind not in indicator.periods:
            continue
        value = now.get(code, Value(None))
        target = (
            rule_value(indicator.target_key, region_code=area.code or None) if indicator.target_key else None
        )
        lines.append(
            Line(indicator, value, before.get(code), target, light(indicator, value.shown, target, band))
        )
    trend = [(period_label(kind, p), at(p)) for p in trend_starts]
    league_rows = (
        league(area=area, kind=kind, start=start, on=on, threshold=threshold) if area.child_level else []
    )
    end = rules.period_end(kind, start)
    reported_elements, reported_rows = reported(area=area, kind=kind, start=start, on=on)
    return Report(
        area=area,
        kind=kind,
        start=start,
        on=on,
        threshold=threshold,
        lines=lines,
        league_level=area.child_level,
        league=league_rows,
        trend=trend,
        exits=selectors.exits_by_reason(kind=kind, start=start, scope=scope, on=on),
        variance=selectors.stock_variance(start=start, end=end, scope=scope),
        reported_elements=reported_elements,
        reported=reported_rows,
    )


REPORTED_DATA_SET = "district_quarterly"


def reported(
    *, area: Area, kind: str, start: dt.date, on: dt.date | None
) -> tuple[list[Any], list[ReportedRow]]:
    """The approved quarterly figures of the districts in a region for the quarter, each beside the persons in
    treatment computed for it (the data set's first element is the reported count of the same)."""
    if kind != rules.Kind.QUARTER or area.clinic is not None:
        return [], []
    elements, table = approved_table(data_set=REPORTED_DATA_SET, prefix=area.scope.prefix, period_start=start)
    if not table:
        return elements, []
    computed = selectors.figures(
        kind=kind, starts=[start], scope=area.scope, group="county", codes=["in_treatment"], on=on
    )
    names = dict(Region.objects.filter(code__in=table).values_list("code", "name"))
    rows = []
    for code in sorted(table):
        value = computed.get((code, start), {}).get("in_treatment")
        rows.append(
            ReportedRow(
                code=code,
                name=names.get(code, code),
                values=[table[code].get(e.code) for e in elements],
                computed=int(value.value) if value is not None and value.value is not None else 0,
            )
        )
    return elements, rows


def _unit_names(level: str, keys: Sequence[Any]) -> dict[Any, str]:
    if level == "clinic":
        return dict(Organisation.objects.filter(pk__in=keys).values_list("pk", "name"))
    return dict(Region.objects.filter(code__in=keys).values_list("code", "name"))


def league(*, area: Area, kind: str, start: dt.date, on: dt.date | None, threshold: int) -> list[LeagueRow]:
    """The units one level below the area, ranked on each league indicator (best first; a suppressed or
    missing value is not ranked), then overall by their mean rank; with the overall rank of the period before."""
    level = area.child_level
    assert level is not None
    previous = previous_period(kind, start)
    table = selectors.figures(kind=kind, starts=[start, previous], scope=area.scope, group=level, on=on)
    units = sorted({key for key, _s in table})
    if level == "clinic":  # every clinic of the county, even one without patients in the period
        units = sorted(
            set(units)
            | set(
                Organisation.objects.filter(
                    type=OrganisationType.MMT_CLINIC, region__code__startswith=area.scope.prefix
                ).values_list("pk", flat=True)
            )
        )
    names = _unit_names(level, units)

    def ranked(period: dt.date) -> tuple[dict[Any, dict[str, Value]], dict[Any, dict[str, int | None]], dict]:
        values = {u: selectors.suppress(table.get((u, period), {}), threshold=threshold) for u in units}
        ranks: dict[Any, dict[str, int | None]] = {u: {} for u in units}
        for code in LEAGUE:
            indicator = BY_CODE[code]
            scored = [(u, values[u][code].shown) for u in units if code in values[u]]
            scored = [(u, v) for u, v in scored if v is not None]
            scored.sort(key=lambda uv: uv[1], reverse=indicator.direction != LOWER)
            rank_of: dict[Any, int] = {}
            for position, (u, v) in enumerate(scored, start=1):
                tied = position > 1 and v == scored[position - 2][1]
                rank_of[u] = rank_of[scored[position - 2][0]] if tied else position
            for u in units:
                ranks[u][code] = rank_of.get(u)
        means: dict[Any, Decimal] = {}
        for u in units:
            got = [r for r in ranks[u].values() if r is not None]
            if got:
                means[u] = (Decimal(sum(got)) / len(got)).quantize(Decimal("0.01"))
        order = sorted(means, key=lambda u: (means[u], str(names.get(u, u))))
        overall: dict[Any, int] = {}
        for position, u in enumerate(order, start=1):
            tied = position > 1 and means[u] == means[order[position - 2]]
            overall[u] = overall[order[position - 2]] if tied else position
        return values, ranks, {"means": means, "overall": overall}

    values, ranks, summary = ranked(start)
    _v, _r, before = ranked(previous)
    rows = []
    for u in units:
        rank = summary["overall"].get(u)
        was = before["overall"].get(u)
        rows.append(
            LeagueRow(
                key=u,
                name=names.get(u, str(u)),
                values=values[u],
                ranks=ranks[u],
                mean_rank=summary["means"].get(u),
                rank=rank,
                previous_rank=was,
                change=(was - rank) if rank is not None and was is not None else None,
            )
        )
    rows.sort(key=lambda r: (r.rank is None, r.rank or 0, r.name))
    return rows
