"""An evaluation as an Excel workbook (the ranking, what each criterion measured, the commendation list, the
scheme) and as the printed notification of its result (PDF, through ``core/print_base.html``)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from django.utils import formats
from django.utils.timezone import localdate
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from jiedu.core.workbooks import add_row, add_sheet
from jiedu.evaluation.selectors import Table

_COMMENDED_FILL = PatternFill("solid", fgColor="E2EFDA")
POINTS, WHOLE = "0.00", "0"


def title(table: Table) -> str:
    evaluation = table.evaluation
    return _("%(area)s · %(year)s annual comprehensive evaluation · %(scheme)s") % {
        "area": evaluation.area.name,
        "year": evaluation.year,
        "scheme": evaluation.scheme.name,
    }


def _sheet(
    book: Workbook, name: str, heading: str, header: Sequence[str], widths: Sequence[int]
) -> Worksheet:
    return add_sheet(book, name, heading, header, widths, freeze="C3")


def _append(
    sheet: Worksheet, values: Sequence[Any], number_formats: dict[int, str], fill: Any = None
) -> None:
    add_row(sheet, values, number_formats, wrap_over=20, fill=fill)


def _status(table: Table) -> str:
    evaluation = table.evaluation
    if evaluation.published_at is None:
        return _("Draft computed on %(day)s, not published") % {
            "day": localdate(evaluation.computed_at).isoformat()
        }
    if evaluation.withdrawn_at is not None:
        return _("Published on %(day)s, withdrawn on %(withdrawn)s: %(reason)s") % {
            "day": localdate(evaluation.published_at).isoformat(),
            "withdrawn": localdate(evaluation.withdrawn_at).isoformat(),
            "reason": evaluation.withdrawal_reason,
        }
    return _("Published on %(day)s") % {"day": localdate(evaluation.published_at).isoformat()}


def workbook(table: Table) -> bytes:
    heading = f"{title(table)} ({_status(table)})"
    criteria = table.criteria
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    ranking = _sheet(
        book,
        pgettext("sheet", "Ranking"),
        heading,
        [
            _("Rank"),
            _("Evaluated"),
            _("Region"),
            *[f"{c.name} ({c.weight})" for c in criteria],
            _("Total"),
            _("Commended"),
            _("Veto"),
        ],
        [7, 32, 14, *[12] * len(criteria), 10, 10, 30],
    )
    points_columns = {4 + i: POINTS for i in range(len(criteria) + 1)}
    for row in table.rows:
        result = row.result
        _append(
            ranking,
            [
                result.rank,
                row.name,
                row.region,
                *[cell.points if not cell.exempt else _("exempt") for cell in row.cells],
                result.total,
                _("yes") if result.commended else "",
                result.veto_reason,
            ],
            {1: WHOLE, **points_columns},
            _COMMENDED_FILL if result.commended else None,
        )
    measured = _sheet(
        book,
        pgettext("sheet", "Measures"),
        heading,
        [
            _("Evaluated"),
            _("Criterion"),
            _("Value"),
            _("Numerator"),
            _("Denominator"),
            _("No points at"),
            _("Full points at"),
            _("Weight"),
            _("Points"),
        ],
        [32, 30, 10, 12, 12, 10, 10, 8, 8],
    )
    for row in table.rows:
        for criterion, cell in zip(criteria, row.cells, strict=True):
            part = cell.part
            if part is None:
                continue
            _append(
                measured,
                [
                    row.name,
                    criterion.name,
                    part.value,
                    part.numerator,
                    part.denominator,
                    part.zero_at,
                    part.full_at,
                    part.weight,
                    _("exempt") if part.points is None else part.points,
                ],
                {3: POINTS, 4: POINTS, 5: POINTS, 6: POINTS, 7: POINTS, 8: POINTS, 9: POINTS},
            )
    honoured = _sheet(
        book,
        pgettext("sheet", "Commendation list"),
        heading,
        [_("Rank"), _("Evaluated"), _("Region"), _("Total")],
        [7, 40, 16, 10],
    )
    for row in table.commended:
        _append(honoured, [row.result.rank, row.name, row.region, row.result.total], {1: WHOLE, 4: POINTS})
    scheme = _sheet(
        book,
        pgettext("sheet", "Scheme"),
        table.evaluation.scheme.name,
        [
            _("Criterion"),
            _("Scored from"),
            _("Weight"),
            _("No points at"),
            _("Full points at"),
            _("When there is no value"),
        ],
        [34, 30, 8, 12, 12, 24],
    )
    for criterion in criteria:
        source = criterion.get_source_display()
        if criterion.parameter:
            source = f"{source}: {criterion.parameter}"
        _append(
            scheme,
            [
                criterion.name,
                source,
                criterion.weight,
                criterion.zero_at,
                criterion.full_at,
                str(criterion.get_missing_display()),
            ],
            {3: POINTS, 4: POINTS, 5: POINTS},
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def report_context(table: Table) -> dict[str, Any]:
    """What the printed notification shows: the ranking with each criterion's points, the commendation list,
    the vetoes, and who issued it when."""
    evaluation = table.evaluation
    issued = evaluation.published_at or evaluation.computed_at
    return {
        "title": title(table),
        "table": table,
        "evaluation": evaluation,
        "status": _status(table),
        "issuer": evaluation.organisation.name,
        "issued_on": formats.date_format(localdate(issued), "DATE_FORMAT"),
    }
