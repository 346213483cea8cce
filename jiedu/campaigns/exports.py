"""The totals as files: the Excel workbook (a sheet per table of the page, and the events) and the long CSV.

Both are made from one ``rules.Totals`` — the figures of the page — and the events it counted."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from jiedu.campaigns import rules
from jiedu.campaigns.models import EventVersion
from jiedu.core.workbooks import add_row, add_sheet

WHOLE, SHARE = "#,##0", "0.0"
CSV_HEADER = (
    "area_code",
    "period",
    "table",
    "code",
    "name",
    "events",
    "participants",
    "materials",
    "media_items",
    "settings_covered",
    "light",
)

_LIGHT_FILL = {
    rules.GREEN: PatternFill("solid", fgColor="C6EFCE"),
    rules.AMBER: PatternFill("solid", fgColor="FFEB9C"),
    rules.RED: PatternFill("solid", fgColor="FFC7CE"),
}


@dataclass(frozen=True)
class Report:
    """What the page shows: the area, the period, the totals and the events they count."""

    area_code: str
    area_name: str
    period: rules.Period
    totals: rules.Totals
    events: Sequence[EventVersion]
    #: Media items and quantity of materials per event version (for the events sheet).
    media: dict[int, int]
    materials: dict[int, int]
    #: Whose events: the region's, or the user's organisation's only.
    scope: str


def light_label(light: str | None) -> str:
    return {rules.GREEN: _("met"), rules.AMBER: _("close"), rules.RED: _("not met")}.get(light or "", "")


def no_campaign_label() -> str:
    return _("Held on its own (no campaign)")


def title_line(report: Report) -> str:
    line = _("Education events · %(area)s · %(period)s · %(scope)s") % {
        "area": report.area_name,
        "period": report.period.label,
        "scope": report.scope,
    }
    if report.totals.targets is None:
        line += " · " + _("targets apply to a whole year")
    return line


def _sheet(
    book: Workbook, title: str, report: Report, header: Sequence[str], widths: Sequence[int]
) -> Worksheet:
    """A sheet with the title line in row 1, the bold header in row 2 (both kept in view), data from row 3."""
    return add_sheet(book, title, title_line(report), header, widths)


def _append(
    sheet: Worksheet, values: Sequence[Any], formats: dict[int, str], light: str | None = None
) -> None:
    """One data row, boxed; ``formats`` maps a 1-based column to the number format of a number there; a light
    fills the last cell (its status) green, amber or red."""
    add_row(sheet, values, formats)
    if light in _LIGHT_FILL:
        sheet.cell(row=sheet.max_row, column=len(values)).fill = _LIGHT_FILL[light]


def _figures(f: rules.Figures) -> list[int]:
    return [f.events, f.participants, f.materials, f.media]


def _counties(book: Workbook, report: Report) -> None:
    targets = report.totals.targets
    sheet = _sheet(
        book,
        pgettext("sheet", "Counties"),
        report,
        [
            _("County"),
            _("Code"),
            _("Events"),
            _("Participants"),
            _("Materials handed out"),
            _("Media items"),
            _("Settings covered"),
            _("Share of the six settings (%)"),
            _("Target"),
            _("Status"),
        ],
        [18, 10, 10, 12, 12, 10, 12, 14, 10, 10],
    )
    for row in report.totals.counties:
        _append(
            sheet,
            [
                row.county.name,
                row.county.code,
                *_figures(row.figures),
                row.settings_covered,
                row.share_pct,
                targets.settings_covered if targets else None,
                light_label(row.light) or None,
            ],
            {3: WHOLE, 4: WHOLE, 5: WHOLE, 6: WHOLE, 7: WHOLE, 8: SHARE, 9: WHOLE},
            light=row.light,
        )


def _settings(book: Workbook, report: Report) -> None:
    targets = report.totals.targets
    sheet = _sheet(
        book,
        pgettext("sheet", "Settings"),
        report,
        [
            pgettext("education", "Setting"),
            _("One of the six"),
            _("Events"),
            _("Participants"),
            _("Materials handed out"),
            _("Media items"),
            _("Counties with an event"),
            _("Counties meeting the target"),
            _("Counties"),
            _("Target (events per county)"),
            _("Status"),
        ],
        [22, 10, 10, 12, 12, 10, 12, 12, 10, 12, 10],
    )
    n = len(report.totals.counties)
    for row in report.totals.settings:
        _append(
            sheet,
            [
                row.setting.name,
                _("Yes") if row.setting.counts else _("No"),
                *_figures(row.figures),
                row.counties_covered,
                row.counties_meeting,
                n,
                targets.events_per_setting if targets and row.setting.counts else None,
                light_label(row.light) or None,
            ],
            {3: WHOLE, 4: WHOLE, 5: WHOLE, 6: WHOLE, 7: WHOLE, 8: WHOLE, 9: WHOLE, 10: WHOLE},
            light=row.light,
        )


def _keys(book: Workbook, report: Report) -> None:
    targets = report.totals.targets
    sheet = _sheet(
        book,
        pgettext("sheet", "Key campaigns"),
        report,
        [
            _("Key campaign"),
            _("Events"),
            _("Participants"),
            _("Materials handed out"),
            _("Media items"),
            _("Counties meeting the target"),
            _("Counties"),
            _("Target (events per county)"),
            _("Status"),
        ],
        [30, 10, 12, 12, 10, 12, 10, 12, 10],
    )
    n = len(report.totals.counties)
    for row in report.totals.keys:
        _append(
            sheet,
            [
                row.kind.name,
                *_figures(row.figures),
                row.counties_meeting,
                n,
                targets.key_campaign_events if targets else None,
                light_label(row.light) or None,
            ],
            {2: WHOLE, 3: WHOLE, 4: WHOLE, 5: WHOLE, 6: WHOLE, 7: WHOLE, 8: WHOLE},
            light=row.light,
        )


def _campaigns(book: Workbook, report: Report) -> None:
    sheet = _sheet(
        book,
        pgettext("sheet", "Campaigns"),
        report,
        [
            _("Campaign"),
            _("Code"),
            _("Events"),
            _("Participants"),
            _("Materials handed out"),
            _("Media items"),
        ],
        [36, 18, 10, 12, 12, 10],
    )
    for row in report.totals.campaigns:
        name = row.campaign.name if row.campaign else no_campaign_label()
        code = row.campaign.code if row.campaign else None
        _append(sheet, [name, code, *_figures(row.figures)], {3: WHOLE, 4: WHOLE, 5: WHOLE, 6: WHOLE})


def _events(book: Workbook, report: Report) -> None:
    sheet = _sheet(
        book,
        pgettext("sheet", "Events"),
        report,
        [
            _("Date"),
            _("Title"),
            _("Organiser"),
            _("County"),
            pgettext("education", "Setting"),
            _("Format"),
            _("Campaign"),
            _("Participants"),
            _("Materials handed out"),
            _("Media items"),
            _("Version"),
        ],
        [12, 36, 28, 12, 16, 14, 30, 12, 12, 10, 8],
    )
    for v in report.events:
        if v.withdrawn:
            continue
        _append(
            sheet,
            [
                v.held_on,
                v.title,
                v.event.organiser.name,
                v.county.name,
                v.setting.name,
                v.get_format_display(),
                v.campaign.name if v.campaign else "",
                v.participants,
                report.materials.get(v.pk, 0),
                report.media.get(v.pk, 0),
                v.number,
            ],
            {8: WHOLE, 9: WHOLE, 10: WHOLE, 11: WHOLE},
        )
        sheet.cell(row=sheet.max_row, column=1).number_format = "yyyy-mm-dd"


def workbook(report: Report) -> bytes:
    """The counties, settings, key campaigns, campaigns and the events counted, each on its own sheet."""
    book = Workbook()
    book.remove(book.active)
    _counties(book, report)
    _settings(book, report)
    _keys(book, report)
    _campaigns(book, report)
    _events(book, report)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_rows(report: Report) -> list[list[str]]:
    """Long format (``CSV_HEADER``): a row per county, setting, key campaign and campaign of the tables."""
    period, area = report.period.param, report.area_code
    rows: list[list[str]] = []

    def add(
        table: str, code: str, name: str, f: rules.Figures, covered: int | None, light: str | None
    ) -> None:
        rows.append(
            [
                area,
                period,
                table,
                code,
                name,
                str(f.events),
                str(f.participants),
                str(f.materials),
                str(f.media),
                "" if covered is None else str(covered),
                light or "",
            ]
        )

    for c in report.totals.counties:
        add("county", c.county.code, c.county.name, c.figures, c.settings_covered, c.light)
    for s in report.totals.settings:
        add("setting", s.setting.code, s.setting.name, s.figures, None, s.light)
    for k in report.totals.keys:
        add("key_campaign", k.kind.code, k.kind.name, k.figures, None, k.light)
    for r in report.totals.campaigns:
        if r.campaign is None:
            add("campaign", "", no_campaign_label(), r.figures, None, None)
        else:
            add("campaign", r.campaign.code, r.campaign.name, r.figures, None, None)
    return rows
