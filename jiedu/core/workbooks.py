"""Formatted Excel sheets in one house style (openpyxl): a heading in row 1, a bold shaded header in row 2 kept in
view and repeated on every printed page, boxed data rows from row 3, landscape A4 fitted to the page width."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

_THIN = Side(style="thin", color="000000")
BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")


def add_sheet(
    book: Workbook,
    name: str,
    heading: str,
    header: Sequence[str],
    widths: Sequence[int],
    *,
    freeze: str = "B3",
) -> Worksheet:
    """A sheet named ``name`` (cut to Excel's 31 characters) with ``heading`` across row 1 and ``header`` in row 2;
    ``widths`` are the columns' widths and ``freeze`` the first cell that scrolls."""
    sheet = book.create_sheet(title=name[:31])
    sheet.append([heading])
    sheet.append(list(header))
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet["A1"].font = Font(bold=True, size=12)
    sheet["A1"].alignment = Alignment(horizontal="left", vertical="center")
    sheet.row_dimensions[1].height = 22
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.border = BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = freeze
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "2:2"
    return sheet


def add_row(
    sheet: Worksheet,
    values: Sequence[Any],
    formats: dict[int, str] | None = None,
    *,
    wrap_over: int = 24,
    fill: PatternFill | None = None,
) -> tuple[Cell, ...]:
    """One boxed data row; ``formats`` maps a 1-based column to the number format of a number there; text longer
    than ``wrap_over`` wraps; ``fill`` shades the whole row. Returns the row's cells."""
    sheet.append(list(values))
    cells = tuple(sheet[sheet.max_row])
    for cell in cells:
        cell.border = BOX
        cell.alignment = Alignment(
            vertical="top", wrap_text=isinstance(cell.value, str) and len(cell.value) > wrap_over
        )
        fmt = (formats or {}).get(cell.column)
        if fmt and isinstance(cell.value, int | float | Decimal):
            cell.number_format = fmt
        if fill is not None:
            cell.fill = fill
    return cells
