"""The house style of the Excel sheets."""

from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import Workbook, load_workbook
from openpyxl.styles import PatternFill

from jiedu.core.workbooks import add_row, add_sheet


def test_a_sheet_has_its_heading_header_and_boxed_rows():
    book = Workbook()
    book.remove(book.active)
    sheet = add_sheet(
        book, "一个非常长的工作表名称" * 4, "南安市 · 2025", ["名次", "单位", "总分"], [7, 30, 10]
    )
    add_row(sheet, [1, "南安市水头美沙酮维持治疗门诊", Decimal("100.00")], {1: "0", 3: "0.00"}, wrap_over=10)
    add_row(sheet, [2, "短名", 97.5], {3: "0.00"}, fill=PatternFill("solid", fgColor="E2EFDA"))
    out = io.BytesIO()
    book.save(out)
    sheet = load_workbook(io.BytesIO(out.getvalue())).worksheets[0]
    assert len(sheet.title) == 31
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["南安市 · 2025", None, None],
        ["名次", "单位", "总分"],
        [1, "南安市水头美沙酮维持治疗门诊", 100],
        [2, "短名", 97.5],
    ]
    assert [r.coord for r in sheet.merged_cells.ranges] == ["A1:C1"]
    assert (sheet["A2"].font.bold, sheet["A2"].fill.fgColor.rgb) == (True, "00D9E1F2")
    assert (sheet.freeze_panes, sheet.print_title_rows, sheet.page_setup.orientation) == (
        "B3",
        "$2:$2",
        "landscape",
    )
    assert sheet.column_dimensions["B"].width == 30
    assert (sheet["A3"].number_format, sheet["C3"].number_format, sheet["C4"].number_format) == (
        "0",
        "0.00",
        "0.00",
    )
    assert sheet["B3"].alignment.wrap_text is True and not sheet["B4"].alignment.wrap_text
    assert sheet["A3"].border.left.style == "thin"
    assert sheet["A4"].fill.fgColor.rgb == "00E2EFDA" and sheet["A3"].fill.fgColor.rgb != "00E2EFDA"
