"""An indicator report as files: the Excel workbook (a sheet per table, with the indicator dictionary), the long
CSV for analysts, and the quarterly notification of a commission to its units (PDF).

Every file is made from one ``reports.Report``, so it shows the same figures as the dashboard. A suppressed cell
is written as "<n" (n the small-cell threshold) and its numerator and denominator are left out."""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import Alignment, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from jiedu.core.pdf import render_pdf
from jiedu.core.workbooks import add_row, add_sheet
from jiedu.indicators import reports, rules
from jiedu.indicators.dictionary import (
    BY_CODE,
    COUNT,
    HIGHER,
    INDICATORS,
    LOWER,
    MG,
    PER_100,
    PERCENT,
    PERSONS,
    Indicator,
)
from jiedu.indicators.selectors import Value
from jiedu.mmt.models import ExitReason

#: Number formats: rates and doses to one decimal, counts whole, quantities of drug to two decimals.
RATE, WHOLE, QUANTITY = "0.0", "0", "0.00"
CSV_HEADER = (
    "area_code",
    "area_name",
    "period",
    "indicator",
    "value",
    "numerator",
    "denominator",
    "suppressed",
)

_LIGHT_FILL = {
    reports.GREEN: PatternFill("solid", fgColor="C6EFCE"),
    reports.AMBER: PatternFill("solid", fgColor="FFEB9C"),
    reports.RED: PatternFill("solid", fgColor="FFC7CE"),
}


# --- shared wording -------------------------------------------------------------------------------------------


def unit_label(indicator: Indicator) -> str:
    return {
        PERCENT: "%",
        PER_100: _("per 100"),
        MG: "mg",
        PERSONS: _("persons"),
        COUNT: _("count"),
    }.get(indicator.unit, "")


def number_format(indicator: Indicator) -> str:
    return WHOLE if indicator.unit in (PERSONS, COUNT) else RATE


def light_label(light: str | None) -> str:
    return {reports.GREEN: _("met"), reports.AMBER: _("close"), reports.RED: _("not met")}.get(
        light or "", ""
    )


def direction_label(indicator: Indicator) -> str:
    return {HIGHER: _("higher"), LOWER: _("lower")}.get(indicator.direction, "—")


def dimension_label(dimension: str) -> str:
    return {
        "region": _("region"),
        "organisation": _("organisation"),
        "sex": _("sex"),
        "age_band": _("age band"),
        "period": _("period"),
    }.get(dimension, dimension)


def level_label(level: str | None) -> str:
    """The units of a league, counted in the notification's opening ("3 clinics")."""
    return {
        "province": _("provinces"),
        "prefecture": _("prefectures"),
        "county": _("counties"),
        "clinic": _("clinics"),
    }.get(level or "", "")


def as_of_label(report: reports.Report) -> str:
    return report.on.isoformat() if report.on else _("not yet computed")


def title_line(report: reports.Report) -> str:
    """The line that heads every sheet: what, when, and the small-cell rule."""
    return _("%(area)s · %(period)s · figures as of %(day)s · counts below %(n)d are shown as “<%(n)d”") % {
        "area": report.area.name,
        "period": report.label,
        "day": as_of_label(report),
        "n": report.threshold,
    }


def area_code(area: reports.Area) -> str:
    """A region by its code (the nation: empty), a clinic as ``clinic:<id>`` — the dashboard's ``?clinic=``."""
    if area.clinic is not None:
        return f"clinic:{area.clinic.pk}"
    return area.code


def unit_code(level: str | None, key: Any) -> str:
    return f"clinic:{key}" if level == "clinic" else str(key)


def small_label(threshold: int) -> str:
    return f"<{threshold}"


def suppress_counts(report: reports.Report) -> bool:
    """Small counts are hidden on aggregate reports; a clinic's own report shows them (as the dashboard does)."""
    return report.area.clinic is None


def exit_rows(report: reports.Report) -> list[tuple[str, int | str]]:
    """(reason, episodes) in the order of the reasons, transfers out last (they are not exits); on an aggregate
    report a count below the threshold is written "<n"."""
    labels = dict(ExitReason.choices)
    order = [r for r in labels if r != ExitReason.TRANSFERRED] + [ExitReason.TRANSFERRED]
    out: list[tuple[str, int | str]] = []
    for reason in order:
        n = report.exits.get(reason)
        if not n:
            continue
        small = suppress_counts(report) and 0 < n < report.threshold
        out.append((str(labels[reason]), small_label(report.threshold) if small else n))
    return out


def _number(x: Decimal | int | None) -> Decimal | int | None:
    if isinstance(x, Decimal) and x == x.to_integral_value():
        return int(x)
    return x


# --- the workbook ---------------------------------------------------------------------------------------------


def _cell(value: Value | None, threshold: int) -> Decimal | int | str | None:
    if value is None:
        return None
    if value.suppressed:
        return small_label(threshold)
    return value.value


def _parts(value: Value | None) -> tuple[Decimal | int | None, Decimal | int | None]:
    """A figure's numerator and denominator, never those of a suppressed one."""
    if value is None or value.suppressed:
        return None, None
    return _number(value.numerator), _number(value.denominator)


def _sheet(
    book: Workbook,
    title: str,
    report: reports.Report,
    header: Sequence[str],
    widths: Sequence[int],
    *,
    freeze: str = "B3",
) -> Worksheet:
    """A sheet with the title line in row 1, the bold header in row 2 (both kept in view), data from row 3."""
    return add_sheet(book, title, title_line(report), header, widths, freeze=freeze)


def _append(sheet: Worksheet, values: Sequence[Any], formats: dict[int, str] | None = None) -> None:
    """One data row, boxed; ``formats`` maps a 1-based column to the number format of a numeric cell there; a
    suppressed small count ("< 5") stands to the right like the numbers."""
    for cell in add_row(sheet, values, formats, wrap_over=20):
        if isinstance(cell.value, str) and cell.value.startswith("<"):
            cell.alignment = Alignment(horizontal="right", vertical="top")


def _part_format(x: Decimal | int | None) -> str:
    return RATE if isinstance(x, Decimal) else WHOLE


def _key_indicators(book: Workbook, report: reports.Report) -> None:
    sheet = _sheet(
        book,
        pgettext("sheet", "Key indicators"),
        report,
        [
            _("Indicator"),
            _("Unit"),
            report.label,
            _("Numerator"),
            _("Denominator"),
            report.previous_label,
            _("Target"),
            _("Status"),
        ],
        [26, 8, 14, 12, 12, 14, 10, 10],
    )
    for line in report.lines:
        indicator = line.indicator
        numerator, denominator = _parts(line.value)
        fmt = number_format(indicator)
        _append(
            sheet,
            [
                indicator.name,
                unit_label(indicator),
                _cell(line.value, report.threshold),
                numerator,
                denominator,
                _cell(line.previous, report.threshold),
                line.target,
                light_label(line.light) or None,
            ],
            {3: fmt, 4: _part_format(numerator), 5: _part_format(denominator), 6: fmt, 7: RATE},
        )
        target = sheet.cell(row=sheet.max_row, column=7)
        if line.target is not None:
            sign = "≤" if indicator.direction == LOWER else "≥"
            target.number_format = f'"{sign} "0.0'
        if line.light in _LIGHT_FILL:
            sheet.cell(row=sheet.max_row, column=8).fill = _LIGHT_FILL[line.light]


def _league(book: Workbook, report: reports.Report) -> None:
    names = [BY_CODE[code].name for code in reports.LEAGUE]
    sheet = _sheet(
        book,
        pgettext("sheet", "League table"),
        report,
        [_("Rank"), pgettext("rank", "Change"), _("Unit"), *names, _("Mean rank")],
        [7, 8, 28, *[12] * len(names), 10],
        freeze="D3",
    )
    rates = {4 + i: number_format(BY_CODE[code]) for i, code in enumerate(reports.LEAGUE)}
    for row in report.league:
        _append(
            sheet,
            [
                row.rank,
                row.change,
                row.name,
                *[_cell(v, report.threshold) for v in row.league_values],
                row.mean_rank,
            ],
            {1: WHOLE, 2: "+0;-0;0", **rates, 4 + len(names): "0.00"},
        )


def _trend(book: Workbook, report: reports.Report) -> None:
    indicators = [BY_CODE[code] for code in reports.TREND]
    sheet = _sheet(
        book,
        pgettext("sheet", "Trend"),
        report,
        [_("Period"), *[i.name for i in indicators]],
        [16, *[14] * len(indicators)],
    )
    formats = {2 + n: number_format(i) for n, i in enumerate(indicators)}
    for label, values in report.trend:
        _append(sheet, [label, *[_cell(values.get(i.code), report.threshold) for i in indicators]], formats)


def _exits(book: Workbook, report: reports.Report) -> None:
    sheet = _sheet(
        book, pgettext("sheet", "Exits"), report, [_("Exit reason"), _("Episodes")], [36, 12], freeze="A3"
    )
    for label, n in exit_rows(report):
        _append(sheet, [label, n], {2: WHOLE})


def _variance(book: Workbook, report: reports.Report) -> None:
    sheet = _sheet(
        book,
        pgettext("sheet", "Stock variance"),
        report,
        [
            _("Organisation"),
            _("Store"),
            _("Drug"),
            _("Unit"),
            _("Counts"),
            _("With a variance"),
            _("Book − counted"),
            _("Shortfall"),
        ],
        [28, 14, 22, 6, 8, 12, 14, 12],
    )
    for v in report.variance:
        _append(
            sheet,
            [
                v.organisation,
                v.store,
                v.drug,
                v.unit,
                v.counts,
                v.counts_with_variance,
                v.variance,
                v.shortfall,
            ],
            {5: WHOLE, 6: WHOLE, 7: QUANTITY, 8: QUANTITY},
        )


def _dictionary(book: Workbook, report: reports.Report) -> None:
    sheet = _sheet(
        book,
        pgettext("sheet", "Dictionary"),
        report,
        [
            _("Code"),
            _("Indicator"),
            _("Definition"),
            _("Numerator"),
            _("Denominator"),
            _("Unit"),
            _("Periods"),
            _("Breakdowns"),
            _("Better when"),
            _("Source"),
            _("WHO SMART"),
        ],
        [18, 22, 60, 30, 30, 8, 8, 28, 10, 28, 40],
        freeze="C3",
    )
    for i in INDICATORS:
        _append(
            sheet,
            [
                i.code,
                i.name,
                i.definition,
                i.numerator,
                i.denominator,
                unit_label(i),
                "/".join(i.periods),
                ", ".join(dimension_label(d) for d in i.disaggregations),
                direction_label(i),
                i.source,
                i.who,
            ],
        )
        for cell in sheet[sheet.max_row]:
            cell.alignment = Alignment(vertical="top", wrap_text=True)


def workbook(report: reports.Report) -> bytes:
    """The report as an .xlsx: key indicators, the league (when the area has units), the trend, exits, stock
    variance and the indicator dictionary, each on its own sheet."""
    book = Workbook()
    book.remove(book.active)
    _key_indicators(book, report)
    if report.league:
        _league(book, report)
    _trend(book, report)
    _exits(book, report)
    _variance(book, report)
    _dictionary(book, report)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- the CSV --------------------------------------------------------------------------------------------------


def _text(x: Decimal | int | None) -> str:
    if x is None:
        return ""
    return format(x, "f") if isinstance(x, Decimal) else str(x)


def _csv_row(code: str, name: str, period: str, indicator: str, value: Value | None) -> list[str]:
    value = value or Value(None)
    if value.suppressed:
        return [code, name, period, indicator, "", "", "", "1"]
    return [
        code,
        name,
        period,
        indicator,
        _text(value.value),
        _text(value.numerator),
        _text(value.denominator),
        "0",
    ]


def period_code(report: reports.Report) -> str:
    """The period as the dashboard's ``?period=`` names it: "2025-06", "2025-Q2" or "2025"."""
    start = report.start
    if report.kind == rules.Kind.MONTH:
        return f"{start:%Y-%m}"
    if report.kind == rules.Kind.QUARTER:
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return str(start.year)


def csv_rows(report: reports.Report) -> list[list[str]]:
    """Long format (columns ``CSV_HEADER``): a row per headline indicator of the area, then a row per unit of the
    league and league indicator. A suppressed figure has no value, numerator or denominator, and suppressed=1."""
    period = period_code(report)
    code, name = area_code(report.area), report.area.name
    rows = [_csv_row(code, name, period, line.indicator.code, line.value) for line in report.lines]
    for unit in report.league:
        unit_key = unit_code(report.league_level, unit.key)
        rows.extend(
            _csv_row(unit_key, unit.name, period, indicator, unit.values.get(indicator))
            for indicator in reports.LEAGUE
        )
    return rows


# --- the quarterly notification -------------------------------------------------------------------------------


def notification_title(report: reports.Report) -> str:
    return _(
        "Notification on the key indicators of methadone maintenance treatment in %(area)s, %(period)s"
    ) % {
        "area": report.area.name,
        "period": report.label,
    }


def shown(value: Value | None, indicator: Indicator, threshold: int) -> str:
    """A figure as printed: with its unit, "<n" when suppressed, "—" when there is none."""
    if value is None or (value.value is None and not value.suppressed):
        return "—"
    if value.suppressed:
        return small_label(threshold)
    number = format(value.value, "f")
    if indicator.unit == PERCENT:
        return f"{number} %"
    if indicator.unit == MG:
        return f"{number} mg"
    return number


def _target_text(indicator: Indicator, target: Decimal) -> str:
    sign = "≤" if indicator.direction == LOWER else "≥"
    return f"{sign} {shown(Value(target), indicator, 0)}"


def _meets(indicator: Indicator, value: Decimal, target: Decimal) -> bool:
    return reports.light(indicator, value, target, Decimal(0)) == reports.GREEN


def target_paragraphs(report: reports.Report) -> list[str]:
    """A sentence per headline indicator with a target: the area's figure and whether it met the target."""
    out = []
    for line in report.lines:
        if line.target is None:
            continue
        indicator = line.indicator
        values = {
            "indicator": indicator.name,
            "value": shown(line.value, indicator, report.threshold),
            "target": _target_text(indicator, line.target),
        }
        if line.value.suppressed:
            out.append(
                _("%(indicator)s: not shown (a count below the threshold); target %(target)s.") % values
            )
        elif line.value.value is None:
            out.append(_("%(indicator)s: no figure for the period; target %(target)s.") % values)
        elif line.light == reports.GREEN:
            out.append(_("%(indicator)s: %(value)s, target %(target)s — met.") % values)
        elif line.light == reports.AMBER:
            out.append(
                _("%(indicator)s: %(value)s, target %(target)s — not met (close to the target).") % values
            )
        else:
            out.append(_("%(indicator)s: %(value)s, target %(target)s — not met.") % values)
    return out


def missed_targets(report: reports.Report) -> list[dict[str, Any]]:
    """For each league indicator with a target: the units whose shown figure missed it (a figure not shown is
    not judged), in league order."""
    targets = {line.indicator.code: line.target for line in report.lines if line.target is not None}
    out = []
    for code in reports.LEAGUE:
        target = targets.get(code)
        if target is None:
            continue
        indicator = BY_CODE[code]
        units = [
            {"name": row.name, "value": shown(row.values.get(code), indicator, report.threshold)}
            for row in report.league
            if (v := row.values.get(code)) is not None
            and v.shown is not None
            and not _meets(indicator, v.shown, target)
        ]
        out.append({"indicator": indicator.name, "target": _target_text(indicator, target), "units": units})
    return out


def notification_context(report: reports.Report, *, issuer: str) -> dict[str, Any]:
    """What the notification template prints; every number comes from the report."""
    indicators = [BY_CODE[code] for code in reports.LEAGUE]
    ranked = sum(1 for row in report.league if row.rank is not None)
    opening = _(
        "This notification covers %(units)d %(level)s of %(area)s for %(period)s (%(ranked)d of them ranked). "
        "The figures describe the records up to %(day)s; counts below %(n)d are not shown."
    ) % {
        "units": len(report.league),
        "level": level_label(report.league_level),
        "area": report.area.name,
        "period": report.label,
        "ranked": ranked,
        "day": date_format(report.on) if report.on else _("not yet computed"),
        "n": report.threshold,
    }
    rows = [
        {
            "rank": row.rank,
            "change": row.change,
            "name": row.name,
            "values": [
                shown(v, i, report.threshold) for v, i in zip(row.league_values, indicators, strict=True)
            ],
            "mean_rank": row.mean_rank,
        }
        for row in report.league
    ]
    return {
        "report": report,
        "title": notification_title(report),
        "opening": opening,
        "league_names": [i.name for i in indicators],
        "rows": rows,
        "targets": target_paragraphs(report),
        "missed": missed_targets(report),
        "issuer": issuer,
        "issued_on": date_format(report.on) if report.on else "",
    }


def notification(report: reports.Report, *, issuer: str) -> bytes:
    return render_pdf("indicators/print/notification.html", notification_context(report, issuer=issuer))
