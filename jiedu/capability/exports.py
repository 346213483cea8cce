"""The capability roll-up as an Excel workbook: the counts per dimension (seed 001's "N of M" lines) and the units
ranked by the overall score of their latest confirmed assessment, with their dimension scores and key facts."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from jiedu.capability import rules
from jiedu.capability.models import Dimension
from jiedu.capability.selectors import RollupView
from jiedu.core.workbooks import add_row, add_sheet

SCORE, WHOLE = "0.0", "0"


def _sheet(
    book: Workbook, title: str, heading: str, header: Sequence[str], widths: Sequence[int]
) -> Worksheet:
    return add_sheet(book, title, heading, header, widths)


def _append(sheet: Worksheet, values: Sequence[Any], formats: dict[int, str] | None = None) -> None:
    add_row(sheet, values, formats)


_REGISTERS = (
    ("departments", gettext_lazy("Departments in service")),
    ("equipment", gettext_lazy("Equipment in working order")),
    ("rules", gettext_lazy("Rules in force")),
    ("collaborations", gettext_lazy("Collaboration agreements in force")),
    ("licences", gettext_lazy("Qualifications valid")),
)


def count_groups(view: RollupView) -> list[tuple[str, list[tuple[str, int]]]]:
    """For the page: each register with the kinds at least one unit has (never "other")."""
    roll = view.rollup
    return [
        (str(label), [(what, n) for code, what, n in roll.rows(register) if n and code != "other"])
        for register, label in _REGISTERS
    ]


def count_lines(view: RollupView) -> list[tuple[str, str, int, int]]:
    """(register, what, units with it, units) for every kind of every register."""
    roll = view.rollup
    lines = []
    for register, label in _REGISTERS:
        for _code, what, n in roll.rows(register):
            lines.append((str(label), what, n, roll.units))
    return lines


def workbook(view: RollupView, *, area: str) -> bytes:
    heading = _("%(area)s · capability of medical units on %(day)s") % {
        "area": area,
        "day": view.on.isoformat(),
    }
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    roll = view.rollup
    counts = _sheet(
        book,
        pgettext("sheet", "Roll-up"),
        heading,
        [_("Register"), _("Kind"), _("Units with it"), _("Units")],
        [30, 40, 14, 10],
    )
    for row in (
        (_("Staff"), _("Medical staff in post"), roll.medical_staff, roll.units),
        (
            _("Staff"),
            _("of whom with a valid practising certificate"),
            roll.certified_medical_staff,
            roll.units,
        ),
        (_("Staff"), _("Psychiatrists in post"), roll.psychiatrists, roll.units),
        (_("Staff"), _("General practitioners in post"), roll.general_practitioners, roll.units),
        (
            _("Equipment in working order"),
            _("All four basic items (X-ray, B-ultrasound, blood and biochemistry analysers)"),
            roll.units_with_all_key_equipment,
            roll.units,
        ),
    ):
        _append(counts, row, {3: WHOLE, 4: WHOLE})
    for line in count_lines(view):
        _append(counts, line, {3: WHOLE, 4: WHOLE})
    dimensions = list(Dimension.choices)
    ranked = _sheet(
        book,
        pgettext("sheet", "Units"),
        heading,
        [
            _("Rank"),
            _("Unit"),
            _("Kind of unit"),
            _("Assessed on"),
            _("Overall score"),
            *[str(label) for _d, label in dimensions],
            _("Medical staff"),
            *[str(label) for label in (_("Specialist alliance"), _("Medical consortium"))],
            _("Basic equipment working"),
        ],
        [7, 30, 22, 12, 10, *[12] * len(dimensions), 10, 10, 10, 12],
    )
    for row in view.units:
        facts = row.facts
        _append(
            ranked,
            [
                row.rank,
                row.unit.name,
                row.unit.get_type_display(),
                row.assessment.on.isoformat() if row.assessment else _("not assessed"),
                row.assessment.score if row.assessment else None,
                *[row.scores.get(d) for d, _label in dimensions],
                facts.staff.medical_total,
                _("yes") if facts.collaborations.get("specialist_alliance") else _("no"),
                _("yes") if facts.collaborations.get("medical_consortium") else _("no"),
                sum(1 for k in rules.KEY_EQUIPMENT if facts.equipment_working.get(k)),
            ],
            {
                1: WHOLE,
                5: SCORE,
                **{6 + i: SCORE for i in range(len(dimensions))},
                6 + len(dimensions): WHOLE,
            },
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
