"""Reads of the annual evaluation: the subjects of an area, what each criterion measures for them (from the other
apps' selectors for the evaluation), who sees which evaluation, and the pages' views of an evaluation."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet

from jiedu.campaigns.selectors import campaign_totals
from jiedu.capability.selectors import capability_scores
from jiedu.core import clock
from jiedu.evaluation import rules
from jiedu.evaluation.models import (
    Criterion,
    Evaluation,
    EvaluationStatus,
    Part,
    Result,
    Scheme,
    Source,
    SubjectKind,
)
from jiedu.indicators import rules as indicator_rules
from jiedu.indicators.selectors import Scope, as_of, figures
from jiedu.inspections.selectors import inspection_scores, rectification_completion
from jiedu.pharmacy.models import EntryKind, LedgerEntry
from jiedu.registry.models import Organisation, OrganisationType, Region, RegionLevel
from jiedu.workforce.selectors import training_totals


@dataclass(frozen=True)
class Measure:
    """What a criterion found for a subject: the value it is scored on, with its parts where it is a ratio or a
    mean (numerator; denominator: the count averaged over)."""

    value: Decimal | None
    numerator: Decimal | None = None
    denominator: Decimal | None = None


NOTHING = Measure(None)


# --- subjects ------------------------------------------------------------------------------------------------------


def counties_on_platform(area: Region) -> list[Region]:
    """The counties of ``area`` (a county: itself) with at least one active organisation on the platform: the
    working groups there are to evaluate; a county with none is not yet on the platform."""
    if area.level == RegionLevel.COUNTY:
        return [area]
    used = (
        Organisation.objects.filter(region__code__startswith=area.prefix, region__level=RegionLevel.COUNTY)
        .filter(is_active=True)
        .values("region_id")
    )
    return list(Region.objects.filter(code__in=used).order_by("code"))


def institutions(area: Region, types: list[str]) -> list[Organisation]:
    return list(
        Organisation.objects.filter(region__code__startswith=area.prefix, type__in=types, is_active=True)
        .select_related("region")
        .order_by("region_id", "name", "pk")
    )


# --- measures -------------------------------------------------------------------------------------------------------


def _county_of(organisation_ids: list[int]) -> dict[int, str]:
    return dict(Organisation.objects.filter(pk__in=organisation_ids).values_list("pk", "region_id"))


def _by_county(values: dict[int, Any]) -> dict[str, list[Any]]:
    county = _county_of(list(values))
    grouped: dict[str, list[Any]] = defaultdict(list)
    for pk, value in values.items():
        grouped[county[pk]].append(value)
    return grouped


def _indicator_measures(
    criteria: list[Criterion], *, area: Region, year: int, county: bool, on: dt.date | None
) -> dict[tuple[Any, str], Measure]:
    codes = sorted({c.parameter for c in criteria if c.source == Source.INDICATOR})
    if not codes:
        return {}
    start = dt.date(year, 1, 1)
    table = figures(
        kind=indicator_rules.Kind.YEAR,
        starts=[start],
        scope=Scope(prefix=area.prefix),
        group="county" if county else "clinic",
        codes=codes,
        on=on,
    )
    out: dict[tuple[Any, str], Measure] = {}
    for (key, _start), values in table.items():
        for code in codes:
            v = values.get(code)
            if v is not None:
                out[(key, code)] = Measure(
                    v.value,
                    None if v.numerator is None else Decimal(v.numerator),
                    None if v.denominator is None else Decimal(v.denominator),
                )
    return out


def measures(
    scheme: Scheme, criteria: list[Criterion], *, area: Region, year: int, subjects: list[Any]
) -> dict[tuple[Any, str], Measure]:
    """(subject key, criterion code) → what the criterion measures for the subject in ``year``. A subject key is
    a county code (a county scheme) or an organisation id (an institution scheme). Absent: nothing to measure."""
    county = scheme.subject == SubjectKind.COUNTY
    sources = {c.source for c in criteria}
    on = as_of()
    indicator = _indicator_measures(criteria, area=area, year=year, county=county, on=on)
    by_source: dict[str, dict[Any, Measure]] = {}
    if Source.INSPECTION_SCORE in sources:
        scores = inspection_scores(region_code=area.code, year=year)
        if county:
            by_source[Source.INSPECTION_SCORE] = {
                k: Measure(rules.mean(v), sum(v, Decimal(0)), Decimal(len(v)))
                for k, v in _by_county(scores).items()
            }
        else:
            by_source[Source.INSPECTION_SCORE] = {k: Measure(v) for k, v in scores.items()}
    if Source.RECTIFICATION in sources:
        done = rectification_completion(region_code=area.code, year=year)
        if county:
            summed: dict[str, list[int]] = {}
            for code, pairs in _by_county(done).items():
                summed[code] = [sum(p[0] for p in pairs), sum(p[1] for p in pairs)]
            done = {k: (v[0], v[1]) for k, v in summed.items()}  # type: ignore[misc]
        by_source[Source.RECTIFICATION] = {
            k: Measure(rules.percent(on_time, due), Decimal(on_time), Decimal(due))
            for k, (on_time, due) in done.items()
        }
    if Source.CAPABILITY in sources:
        capability = capability_scores(region_code=area.code, year=year)
        if county:
            by_source[Source.CAPABILITY] = {
                k: Measure(rules.mean(v), sum(v, Decimal(0)), Decimal(len(v)))
                for k, v in _by_county(capability).items()
            }
        else:
            by_source[Source.CAPABILITY] = {k: Measure(v) for k, v in capability.items()}
    if county and sources & {Source.TRAINING_SESSIONS, Source.TRAINING_PERSON_TIMES}:
        training = training_totals(region_code=area.code, year=year)
        by_source[Source.TRAINING_SESSIONS] = {k: Measure(Decimal(t.sessions)) for k, t in training.items()}
        by_source[Source.TRAINING_PERSON_TIMES] = {
            k: Measure(Decimal(t.person_times)) for k, t in training.items()
        }
    if county and sources & {Source.CAMPAIGN_EVENTS, Source.CAMPAIGN_PARTICIPANTS, Source.CAMPAIGN_SETTINGS}:
        campaigns = campaign_totals(region_code=area.code, year=year)
        by_source[Source.CAMPAIGN_EVENTS] = {k: Measure(Decimal(t.events)) for k, t in campaigns.items()}
        by_source[Source.CAMPAIGN_PARTICIPANTS] = {
            k: Measure(Decimal(t.participants)) for k, t in campaigns.items()
        }
        by_source[Source.CAMPAIGN_SETTINGS] = {
            k: Measure(Decimal(t.settings_covered)) for k, t in campaigns.items()
        }
    out: dict[tuple[Any, str], Measure] = {}
    for subject in subjects:
        for criterion in criteria:
            if criterion.source == Source.INDICATOR:
                found = indicator.get((subject, criterion.parameter))
            elif criterion.source in (
                Source.TRAINING_SESSIONS,
                Source.TRAINING_PERSON_TIMES,
                Source.CAMPAIGN_EVENTS,
                Source.CAMPAIGN_PARTICIPANTS,
                Source.CAMPAIGN_SETTINGS,
            ):
                # Counts: a county that held nothing has held zero, not "nothing known".
                found = by_source.get(criterion.source, {}).get(subject, Measure(Decimal(0)))
            else:
                found = by_source.get(criterion.source, {}).get(subject)
            if found is not None:
                out[(subject, criterion.code)] = found
    return out


def losses(*, area: Region, year: int, county: bool) -> dict[Any, int]:
    """Subject key → the controlled-substance loss and theft entries booked in ``year`` (not reversed) in the
    stores of its organisations (a county: every organisation there)."""
    start = dt.datetime(year, 1, 1, tzinfo=clock.SHANGHAI)
    end = dt.datetime(year + 1, 1, 1, tzinfo=clock.SHANGHAI)
    found = LedgerEntry.objects.filter(
        kind__in=(EntryKind.LOSS, EntryKind.THEFT),
        at__gte=start,
        at__lt=end,
        reversed_by__isnull=True,
        store__organisation__region__code__startswith=area.prefix,
    ).values_list("store__organisation__region_id" if county else "store__organisation_id", flat=True)
    counted: dict[Any, int] = defaultdict(int)
    for key in found:
        counted[key] += 1
    return dict(counted)


# --- who sees what ----------------------------------------------------------------------------------------------------


#: What the bodies below the evaluating one see: the published evaluations, and those withdrawn after publication
#: (marked so, with the reason).
SHOWN_BELOW = (EvaluationStatus.PUBLISHED, EvaluationStatus.WITHDRAWN)

#: The bodies that oversee an area: their officers and inspectors see its evaluations, drafts included.
OVERSIGHT_BODIES = frozenset({OrganisationType.HEALTH_COMMISSION, OrganisationType.NARCOTICS_OFFICE})


def evaluations_in_scope(*, user: Any) -> QuerySet[Evaluation]:
    """For an oversight body: the evaluations of its region and of areas under it (drafts included), and the
    published evaluations of the areas above it that take in its region (the counties learn their rank). For an
    institution (a clinic's director): the published evaluations it was ranked in. A withdrawn evaluation stays
    in the scope of everyone who saw it published."""
    qs = Evaluation.objects.select_related("scheme", "area", "organisation")
    organisation = getattr(user, "organisation", None)
    if organisation is None:
        return qs if getattr(user, "is_superuser", False) else qs.none()
    if organisation.type not in OVERSIGHT_BODIES:
        return qs.filter(
            status__in=SHOWN_BELOW,
            pk__in=Result.objects.filter(organisation=organisation).values("evaluation_id"),
        )
    region = organisation.region
    above = [region.code[:2] + "0000", region.code[:4] + "00"]
    return qs.filter(
        Q(area__code__startswith=region.prefix)
        | Q(area__code__in=[c for c in above if c != region.code], status__in=SHOWN_BELOW)
    )


def evaluation_get(*, user: Any, pk: int) -> Evaluation:
    return evaluations_in_scope(user=user).get(pk=pk)


def may_manage(user: Any, evaluation: Evaluation) -> bool:
    """Only the body that computed an evaluation, or one above it, publishes it."""
    organisation = getattr(user, "organisation", None)
    return (
        organisation is not None
        and organisation.type in OVERSIGHT_BODIES
        and evaluation.area.code.startswith(organisation.region.prefix)
    )


def schemes_in_use() -> list[Scheme]:
    return list(Scheme.objects.filter(is_active=True).order_by("subject", "code"))


# --- an evaluation's table ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    part: Part | None

    @property
    def points(self) -> Decimal | None:
        return None if self.part is None else self.part.points

    @property
    def exempt(self) -> bool:
        return self.part is not None and self.part.points is None


@dataclass(frozen=True)
class Row:
    result: Result
    name: str
    region: str
    cells: list[Cell]


@dataclass(frozen=True)
class Table:
    evaluation: Evaluation
    criteria: list[Criterion]
    rows: list[Row]

    @property
    def commended(self) -> list[Row]:
        return [r for r in self.rows if r.result.commended]

    @property
    def vetoed(self) -> list[Row]:
        return [r for r in self.rows if r.result.vetoed]


def table(evaluation: Evaluation) -> Table:
    """The ranked results with their parts, in rank order (unranked last, by name). Three queries."""
    criteria = list(
        Criterion.objects.filter(
            pk__in=Part.objects.filter(result__evaluation=evaluation).values("criterion_id")
        ).order_by("order", "pk")
    )
    results = list(
        Result.objects.filter(evaluation=evaluation).select_related(
            "county", "organisation", "organisation__region"
        )
    )
    parts: dict[int, dict[int, Part]] = defaultdict(dict)
    for part in Part.objects.filter(result__evaluation=evaluation):
        parts[part.result_id][part.criterion_id] = part
    rows = []
    for result in results:
        if result.county is not None:
            name, region = result.county.name, result.county.code
        else:
            name, region = result.organisation.name, result.organisation.region.name  # type: ignore[union-attr]
        rows.append(Row(result, name, region, [Cell(parts[result.pk].get(c.pk)) for c in criteria]))
    rows.sort(key=lambda r: (r.result.rank is None, r.result.rank or 0, r.region, r.name))
    return Table(evaluation, criteria, rows)
