"""The monthly statement as an Excel workbook and as a PDF."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from jiedu.core import clock
from jiedu.core.pdf import render_pdf
from jiedu.pharmacy.statements import Statement

_THIN = Side(style="thin", color="000000")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_QTY = "#,##0.00"


def statement_columns() -> list[str]:
    return [
        _("Drug"),
        _("Class"),
        _("Unit"),
        _("Opening"),
        _("Received"),
        _("Returned to supplier"),
        _("Transfers (net)"),
        _("Issued and used"),
        _("Waste and destruction"),
        _("Losses"),
        _("Closing"),
        _("Counted"),
        _("Variance"),
    ]


def statement_xlsx(statement: Statement) -> bytes:
    """One sheet: title, period, the table with quantities as numbers, and the uncounted stores."""
    book = Workbook()
    sheet = book.active
    sheet.title = statement.period
    header = statement_columns()
    sheet.append([_("Monthly statement of narcotic and psychotropic drugs")])
    sheet.append([f"{statement.title} · {statement.period}"])
    sheet.append(
        [
            _("Generated"),
            timezone.localtime(statement.generated_at, clock.SHANGHAI).strftime("%Y-%m-%d %H:%M"),
        ]
    )
    sheet.append(header)
    last_col = get_column_letter(len(header))
    sheet.merge_cells(f"A1:{last_col}1")
    sheet.merge_cells(f"A2:{last_col}2")
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = sheet["A2"].alignment = Alignment(horizontal="center")
    for cell in sheet[4]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F2F2F2")
        cell.border = _BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for r in statement.rows:
        sheet.append(
            [
                f"{r.drug.name} {r.drug.strength}",
                str(r.drug.get_control_class_display()),
                r.drug.unit,
                r.opening,
                r.received,
                r.returned,
                r.transfers,
                r.used,
                r.wasted,
                r.lost,
                r.closing,
                r.counted,
                r.variance,
            ]
        )
        for cell in sheet[sheet.max_row]:
            cell.border = _BOX
            if cell.column >= 4:
                cell.number_format = _QTY
    if statement.uncounted:
        sheet.append([])
        sheet.append([_("No full stock-take this month"), "、".join(s.name for s in statement.uncounted)])
    widths = [28, 18, 6] + [12] * (len(header) - 3)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "B5"
    sheet.print_options.horizontalCentered = True
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def statement_pdf(statement: Statement) -> bytes:
    return render_pdf("pharmacy/print/statement.html", {"statement": statement})
