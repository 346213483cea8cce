"""The indicator pages: the dashboard of an area (the user's region, a region or clinic inside it, or the
user's own clinic) and the indicator dictionary. Aggregates only; small cells are suppressed on regional views."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.http import require_GET

from jiedu.accounts.models import Role
from jiedu.core import audit, clock
from jiedu.indicators import reports, rules, selectors
from jiedu.indicators.dictionary import INDICATORS
from jiedu.mmt.models import ExitReason
from jiedu.policy import Action, effective_roles
from jiedu.policy.views import guard
from jiedu.registry.models import Organisation, OrganisationType, Region, RegionLevel

PERIOD = re.compile(r"^(\d{4})(?:-(0[1-9]|1[0-2])|-Q([1-4]))?$")


def parse_period(raw: str) -> tuple[str, dt.date] | None:
    """ "2025-06" → a month, "2025-Q2" → a quarter, "2025" → a year; None for anything else."""
    match = PERIOD.match(raw or "")
    if not match:
        return None
    year, month, quarter = int(match[1]), match[2], match[3]
    if month:
        return rules.Kind.MONTH, dt.date(year, int(month), 1)
    if quarter:
        return rules.Kind.QUARTER, dt.date(year, 3 * (int(quarter) - 1) + 1, 1)
    return rules.Kind.YEAR, dt.date(year, 1, 1)


def period_param(kind: str, start: dt.date) -> str:
    if kind == rules.Kind.MONTH:
        return f"{start:%Y-%m}"
    if kind == rules.Kind.QUARTER:
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return f"{start.year}"


def default_period(on: dt.date | None, kind: str = rules.Kind.QUARTER) -> tuple[str, dt.date]:
    """The last complete period of ``kind`` on the day the facts describe (the quarter a county officer
    notifies); before any facts exist, the current one."""
    on = on or clock.local_today()
    start = rules.period_start(kind, on)
    if rules.period_end(kind, start) > on:
        start = reports.previous_period(kind, start)
    return kind, start


@dataclass(frozen=True)
class Place:
    """The area a request asks for, checked against what the user may see."""

    area: reports.Area
    home: reports.Area


def user_home(user: Any) -> reports.Area:
    org = user.organisation
    if org is None:
        return reports.Area()
    roles = effective_roles(user)
    if org.type in (OrganisationType.MMT_CLINIC,) and Role.CLINIC_DIRECTOR in roles:
        return reports.Area(clinic=org)
    return reports.Area(region=org.region)


def resolve_place(request: HttpRequest) -> Place:
    """The area of ``?region=`` or ``?clinic=`` inside the user's own; 404 outside it."""
    return place_for(
        request.user, region_code=request.GET.get("region", ""), clinic_id=request.GET.get("clinic", "")
    )


def place_for(user: Any, *, region_code: str, clinic_id: str) -> Place:
    """The area asked for (a region code or a clinic id, else the user's own), inside the user's; 404 outside."""
    home = user_home(user)
    if home.clinic is not None:
        if region_code or (clinic_id and clinic_id != str(home.clinic.pk)):
            raise Http404
        return Place(home, home)
    prefix = home.region.prefix if home.region else ""
    if clinic_id:
        clinic = Organisation.objects.filter(
            pk=clinic_id if clinic_id.isdigit() else 0,
            type=OrganisationType.MMT_CLINIC,
            region__code__startswith=prefix,
        ).first()
        if clinic is None:
            raise Http404
        return Place(reports.Area(clinic=clinic), home)
    if region_code:
        region = Region.objects.filter(code=region_code, code__startswith=prefix).first()
        if region is None:
            raise Http404
        return Place(reports.Area(region=region), home)
    return Place(home, home)


def breadcrumbs(place: Place) -> list[tuple[str, str]]:
    """(label, query) from the user's own area down to the one shown."""
    crumbs: list[tuple[str, str]] = []
    home = place.home
    area = place.area
    if home.clinic is not None:
        return [(home.clinic.name, "")]
    chain: list[Region] = []
    region = area.region if area.region else (area.clinic.region if area.clinic else None)
    while region is not None:
        chain.insert(0, region)
        if home.region is not None and region.code == home.region.code:
            break
        region = region.parent
    if home.region is None:
        crumbs.append((reports.Area().name, "?"))
    crumbs.extend((r.name, f"?region={r.code}") for r in chain)
    if area.clinic is not None:
        crumbs.append((area.clinic.name, f"?clinic={area.clinic.pk}"))
    return crumbs


def _geo(area: reports.Area) -> dict[str, Any] | None:
    """The boundary file a map of the area is drawn on: the provinces for the nation, a province's prefectures
    otherwise; None for a clinic."""
    if area.clinic is not None:
        return None
    if area.region is None:
        return {"url": static("indicators/geo/china.json"), "name": "china", "focus": ""}
    province = area.region.code[:2]
    focus = "" if area.region.level == RegionLevel.PROVINCE else f"{area.region.code[:4]}00"
    return {"url": static(f"indicators/geo/{province}.json"), "name": f"p{province}", "focus": focus}


def _sites(area: reports.Area) -> list[dict[str, Any]]:
    orgs = Organisation.objects.filter(
        type__in=[OrganisationType.MMT_CLINIC, OrganisationType.DOSING_POINT],
        is_active=True,
        latitude__isnull=False,
        longitude__isnull=False,
    )
    if area.clinic is not None:
        orgs = orgs.filter(pk=area.clinic.pk) | orgs.filter(parent_clinic=area.clinic)
    elif area.region is not None:
        orgs = orgs.filter(region__code__startswith=area.region.prefix)
    return [
        {"name": o.name, "kind": o.type, "value": [float(o.longitude), float(o.latitude)]}
        for o in orgs.order_by("name")
    ]


def chart_data(report: reports.Report) -> dict[str, Any]:
    """What the page's charts draw (numbers as plain floats; suppressed cells as null)."""

    def num(v: selectors.Value | None) -> float | None:
        return float(v.shown) if v is not None and v.shown is not None else None

    codes = list(reports.TREND)
    return {
        "labels": [label for label, _values in report.trend],
        "series": [
            {
                "code": code,
                "name": reports.BY_CODE[code].name,
                "data": [num(values.get(code)) for _label, values in report.trend],
            }
            for code in codes
        ],
        "league": [
            {"key": str(row.key), "name": row.name, "value": num(row.values.get("in_treatment"))}
            for row in report.league
        ],
        "geo": _geo(report.area),
        "sites": _sites(report.area),
    }


def exit_lines(exits: dict[str, int], *, threshold: int | None) -> list[tuple[str, str]]:
    """(reason label, count) in the order of the reasons, transfers out last (they are not exits); on regional
    views a count below ``threshold`` is shown as "<threshold"."""
    labels = dict(ExitReason.choices)
    order = [r for r in labels if r != ExitReason.TRANSFERRED] + [ExitReason.TRANSFERRED]
    return [
        (str(labels[r]), f"<{threshold}" if threshold and exits[r] < threshold else str(exits[r]))
        for r in order
        if exits.get(r)
    ]


@guard(Action.INDICATOR_VIEW)
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    place = resolve_place(request)
    on = selectors.as_of()
    asked = parse_period(request.GET.get("period", ""))
    if request.GET.get("period") and asked is None:
        raise Http404
    wanted_kind = request.GET.get("kind", "")
    kind, start = asked or default_period(
        on, wanted_kind if wanted_kind in ("M", "Q", "Y") else rules.Kind.QUARTER
    )
    report = reports.build(area=place.area, kind=kind, start=start, on=on)
    with transaction.atomic():
        audit.record(
            "indicators.view",
            actor=request.user,
            detail={
                "area": place.area.clinic.pk if place.area.clinic else place.area.code,
                "period": period_param(kind, start),
            },
        )
    area_query = (
        f"clinic={place.area.clinic.pk}"
        if place.area.clinic
        else (f"region={place.area.code}" if place.area.region else "")
    )
    choices = {
        rules.Kind.MONTH: [
            period_param("M", p) for p in reports.periods_back("M", default_period(on, "M")[1], 12)
        ],
        rules.Kind.QUARTER: [
            period_param("Q", p) for p in reports.periods_back("Q", default_period(on, "Q")[1], 8)
        ],
        rules.Kind.YEAR: [
            period_param("Y", p) for p in reports.periods_back("Y", default_period(on, "Y")[1], 5)
        ],
    }
    return render(
        request,
        "indicators/dashboard.html",
        {
            "report": report,
            "place": place,
            "crumbs": breadcrumbs(place),
            "period": period_param(kind, start),
            "previous_period": period_param(kind, reports.previous_period(kind, start)),
            "area_query": area_query,
            "choices": choices,
            "charts": chart_data(report),
            "league_codes": reports.LEAGUE,
            "league_names": [reports.BY_CODE[c].name for c in reports.LEAGUE],
            "exits": exit_lines(report.exits, threshold=None if place.area.clinic else report.threshold),
        },
    )


@guard(Action.INDICATOR_VIEW)
@require_GET
def dictionary(request: HttpRequest) -> HttpResponse:
    return render(request, "indicators/dictionary.html", {"indicators": INDICATORS})
