"""Indicators as JSON: the dictionary, and the report of an area and period the dashboard shows (aggregates
only; small cells are null with ``suppressed``). Reading a report is audited. No ``from __future__ import
annotations``: django-ninja reads the real annotations.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.http import Http404, HttpRequest
from ninja import Router, Schema

from jiedu.api.auth import requires
from jiedu.api.schemas import ErrorOut
from jiedu.core import audit
from jiedu.indicators import reports, rules, selectors
from jiedu.indicators.dictionary import INDICATORS
from jiedu.indicators.views import default_period, parse_period, period_param, place_for
from jiedu.policy import Action

router = Router(tags=["indicators"])
ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


class IndicatorOut(Schema):
    code: str
    name_zh: str
    name_en: str
    definition_zh: str
    definition_en: str
    numerator: str
    denominator: str
    unit: str
    direction: str
    periods: list[str]
    disaggregations: list[str]
    target_key: str
    source: str
    who: str


class FigureOut(Schema):
    code: str
    value: Decimal | None
    numerator: Decimal | None
    denominator: Decimal | None
    suppressed: bool
    target: Decimal | None = None
    light: str | None = None


class LeagueRowOut(Schema):
    key: str
    name: str
    rank: int | None
    previous_rank: int | None
    change: int | None
    mean_rank: Decimal | None
    figures: list[FigureOut]


class ReportOut(Schema):
    area_code: str
    area_name: str
    clinic_id: int | None
    period: str
    start: dt.date
    end: dt.date
    as_of: dt.date | None
    small_cell: int
    figures: list[FigureOut]
    league_level: str | None
    league: list[LeagueRowOut]
    exits: dict[str, int | None]  # None: a count below the small-cell threshold (regional reports)


def _figure(code: str, value: selectors.Value, **extra: Any) -> dict:
    hidden = value.suppressed
    return {
        "code": code,
        "value": None if hidden else value.value,
        "numerator": None if hidden else value.numerator,
        "denominator": None if hidden else value.denominator,
        "suppressed": hidden,
        **extra,
    }


@router.get(
    "/indicators/dictionary", response={200: list[IndicatorOut], **ERRORS}, summary="The indicator dictionary"
)
@requires(Action.INDICATOR_VIEW)
def dictionary(request: HttpRequest) -> list[dict]:
    return [
        {
            **{
                f: getattr(i, f) for f in IndicatorOut.model_fields if f not in ("periods", "disaggregations")
            },
            "periods": list(i.periods),
            "disaggregations": list(i.disaggregations),
        }
        for i in INDICATORS
    ]


@router.get(
    "/indicators/report",
    response={200: ReportOut, **ERRORS},
    summary="The report of an area (your own, or ?region= / ?clinic= inside it) for a period (audited)",
)
@requires(Action.INDICATOR_VIEW)
def report(request: HttpRequest, region: str = "", clinic: str = "", period: str = "") -> dict:
    place = place_for(request.auth, region_code=region, clinic_id=clinic)
    on = selectors.as_of()
    asked = parse_period(period)
    if period and asked is None:
        raise Http404
    kind, start = asked or default_period(on, rules.Kind.QUARTER)
    built = reports.build(area=place.area, kind=kind, start=start, on=on)
    area = built.area
    with transaction.atomic():
        audit.record(
            "indicators.view",
            actor=request.auth,
            detail={
                "area": area.clinic.pk if area.clinic else area.code,
                "period": period_param(kind, start),
                "api": True,
            },
        )
    return {
        "area_code": area.code,
        "area_name": area.name,
        "clinic_id": area.clinic.pk if area.clinic else None,
        "period": period_param(kind, start),
        "start": start,
        "end": rules.period_end(kind, start),
        "as_of": on,
        "small_cell": built.threshold,
        "figures": [
            _figure(line.indicator.code, line.value, target=line.target, light=line.light)
            for line in built.lines
        ],
        "league_level": built.league_level,
        "league": [
            {
                "key": str(row.key),
                "name": row.name,
                "rank": row.rank,
                "previous_rank": row.previous_rank,
                "change": row.change,
                "mean_rank": row.mean_rank,
                "figures": [_figure(code, row.values[code]) for code in reports.LEAGUE if code in row.values],
            }
            for row in built.league
        ],
        "exits": {
            reason: (n if area.clinic or n >= built.threshold else None) for reason, n in built.exits.items()
        },
    }
