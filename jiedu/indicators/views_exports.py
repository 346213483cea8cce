"""The indicator report as downloads: the Excel workbook, the long CSV and the quarterly notification (PDF) of
the area and period the dashboard shows (``?region=`` or ``?clinic=``, ``?period=``). Each download is audited."""

from __future__ import annotations

from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from jiedu.core import audit
from jiedu.core.exports import csv_response
from jiedu.core.pdf import PdfUnavailable, pdf_response, xlsx_response
from jiedu.indicators import exports, reports, rules, selectors
from jiedu.indicators.views import Place, default_period, parse_period, period_param, resolve_place
from jiedu.policy import Action
from jiedu.policy.views import guard


def _report(request: HttpRequest, place: Place) -> reports.Report:
    on = selectors.as_of()
    raw = request.GET.get("period", "")
    asked = parse_period(raw)
    if raw and asked is None:
        raise Http404
    kind, start = asked or default_period(on, rules.Kind.QUARTER)
    return reports.build(area=place.area, kind=kind, start=start, on=on)


def _filename(report: reports.Report, extension: str) -> str:
    area = report.area
    name = f"clinic-{area.clinic.pk}" if area.clinic is not None else (area.code or "national")
    return f"indicators-{name}-{period_param(report.kind, report.start)}.{extension}"


def _audit(request: HttpRequest, report: reports.Report, fmt: str) -> None:
    area = report.area
    with transaction.atomic():
        audit.record(
            "indicators.export",
            actor=request.user,
            detail={
                "format": fmt,
                "area": area.clinic.pk if area.clinic is not None else area.code,
                "period": period_param(report.kind, report.start),
            },
        )


@guard(Action.INDICATOR_VIEW)
@require_GET
def workbook(request: HttpRequest) -> HttpResponse:
    report = _report(request, resolve_place(request))
    content = exports.workbook(report)
    _audit(request, report, "xlsx")
    return xlsx_response(content, filename=_filename(report, "xlsx"))


@guard(Action.INDICATOR_VIEW)
@require_GET
def csv_export(request: HttpRequest) -> HttpResponse:
    report = _report(request, resolve_place(request))
    rows = exports.csv_rows(report)
    _audit(request, report, "csv")
    return csv_response(filename=_filename(report, "csv"), header=exports.CSV_HEADER, rows=rows)


@guard(Action.INDICATOR_VIEW)
@require_GET
def notification(request: HttpRequest) -> HttpResponse:
    """The notification of a region's units; a clinic, or a region without units, has none."""
    place = resolve_place(request)
    if place.area.clinic is not None:
        raise Http404
    report = _report(request, place)
    if not report.league:
        raise Http404
    organisation = request.user.organisation
    try:
        content = exports.notification(report, issuer=organisation.name if organisation else "")
    except PdfUnavailable as exc:
        return HttpResponse(exc.args[0], status=503, content_type="text/plain; charset=utf-8")
    _audit(request, report, "pdf")
    return pdf_response(content, filename=_filename(report, "pdf"))
