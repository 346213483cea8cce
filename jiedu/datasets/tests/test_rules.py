"""The pure rules: periods, reading figures by type, validation rules, regions above others."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from jiedu.datasets import rules


@dataclass
class Element:
    code: str
    name: str
    value_type: str
    required: bool = True


@dataclass
class Rule:
    code: str
    message: str
    left: str
    operator: str
    right: str = ""
    right_constant: Decimal | None = None
    left_codes: list[str] = field(init=False)
    right_codes: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.left_codes = self.left.split("+")
        self.right_codes = self.right.split("+") if self.right else []


TODAY = dt.date(2026, 5, 20)


@pytest.mark.parametrize(
    ("period_type", "start", "problem"),
    [
        ("yearly", dt.date(2025, 1, 1), None),
        ("yearly", dt.date(2026, 1, 1), None),  # the current year has begun
        ("yearly", dt.date(2027, 1, 1), "This period has not begun: figures are entered for a period that has started."),
        ("yearly", dt.date(2025, 7, 1), "A yearly period starts on 1 January."),
        ("yearly", dt.date(2025, 1, 2), "A yearly period starts on 1 January."),
        ("quarterly", dt.date(2026, 1, 1), None),
        ("quarterly", dt.date(2026, 4, 1), None),
        ("quarterly", dt.date(2025, 10, 1), None),
        ("quarterly", dt.date(2026, 7, 1), "This period has not begun: figures are entered for a period that has started."),
        ("quarterly", dt.date(2026, 2, 1), "A quarter starts on 1 January, 1 April, 1 July or 1 October."),
        ("quarterly", dt.date(2026, 4, 15), "A quarter starts on 1 January, 1 April, 1 July or 1 October."),
        ("monthly", dt.date(2026, 5, 1), None),
        ("monthly", dt.date(2026, 6, 1), "This period has not begun: figures are entered for a period that has started."),
        ("monthly", dt.date(2026, 3, 2), "A monthly period starts on the first day of the month."),
    ],
)  # fmt: skip
def test_periods(period_type, start, problem):
    assert rules.period_problem(period_type, start, TODAY) == problem


def test_period_labels_ends_and_recent_periods():
    assert rules.period_label("yearly", dt.date(2025, 1, 1)) == "2025"
    assert rules.period_label("quarterly", dt.date(2025, 10, 1)) == "2025 Q4"
    assert rules.period_label("monthly", dt.date(2025, 3, 1)) == "2025-03"
    assert rules.period_end("yearly", dt.date(2025, 1, 1)) == dt.date(2026, 1, 1)
    assert rules.period_end("quarterly", dt.date(2025, 10, 1)) == dt.date(2026, 1, 1)
    assert rules.period_end("monthly", dt.date(2025, 12, 1)) == dt.date(2026, 1, 1)
    assert rules.recent_periods("yearly", TODAY, 3) == [
        dt.date(2026, 1, 1),
        dt.date(2025, 1, 1),
        dt.date(2024, 1, 1),
    ]
    assert rules.recent_periods("quarterly", TODAY, 3) == [
        dt.date(2026, 4, 1),
        dt.date(2026, 1, 1),
        dt.date(2025, 10, 1),
    ]
    assert rules.recent_periods("monthly", dt.date(2026, 1, 31), 2) == [
        dt.date(2026, 1, 1),
        dt.date(2025, 12, 1),
    ]


def test_region_prefixes_and_regions_above():
    assert rules.region_prefix("350000") == "35"
    assert rules.region_prefix("350500") == "3505"
    assert rules.region_prefix("350583") == "350583"
    assert rules.strictly_above("350500", "prefecture", "350583")
    assert rules.strictly_above("350000", "province", "350583")
    assert rules.strictly_above("350000", "province", "350500")
    assert not rules.strictly_above("350583", "county", "350583")
    assert not rules.strictly_above("350500", "prefecture", "350500")
    assert not rules.strictly_above("350100", "prefecture", "350583")
    assert not rules.strictly_above("360000", "province", "350583")


def test_levels():
    assert rules.level_problem("county", "county") is None
    assert rules.level_problem("county", "prefecture") == "This data set is reported by counties."
    assert rules.level_problem("county_or_prefecture", "prefecture") is None
    assert rules.level_problem("county_or_prefecture", "province") == (
        "This data set is reported by counties and prefectures."
    )


BEDS = Element("beds", "Beds", "integer")
BUDGET = Element("budget", "Budget", "decimal")
COVERAGE = Element("coverage", "Coverage", "percent")
INSPECTED = Element("inspected", "Inspected", "yes_no")


@pytest.mark.parametrize(
    ("element", "raw", "value"),
    [
        (BEDS, "0", Decimal(0)),
        (BEDS, " 120 ", Decimal(120)),
        (BEDS, "12.0", Decimal(12)),
        (BUDGET, "-3.25", Decimal("-3.25")),
        (BUDGET, "1234.5678", Decimal("1234.5678")),
        (COVERAGE, "0", Decimal(0)),
        (COVERAGE, "100", Decimal(100)),
        (COVERAGE, "87.5", Decimal("87.5")),
        (INSPECTED, "yes", Decimal(1)),
        (INSPECTED, "No", Decimal(0)),
        (INSPECTED, "是", Decimal(1)),
        (INSPECTED, "0", Decimal(0)),
    ],
)
def test_values_read_by_type(element, raw, value):
    assert rules.parse(element, raw) == value


@pytest.mark.parametrize(
    ("element", "raw", "message"),
    [
        (BEDS, "-1", "Beds: enter a whole number, 0 or more."),
        (BEDS, "1.5", "Beds: enter a whole number, 0 or more."),
        (BEDS, "12 beds", "Beds: enter a whole number, 0 or more."),
        (BEDS, "1e3", "Beds: enter a whole number, 0 or more."),
        (BEDS, "100000000000000", "Beds: the number is too large."),
        (BUDGET, "NaN", "Budget: enter a number."),
        (BUDGET, "1,000", "Budget: enter a number."),
        (BUDGET, "0.12345", "Budget: use at most 4 decimal places."),
        (COVERAGE, "100.01", "Coverage: enter a percentage from 0 to 100."),
        (COVERAGE, "-0.5", "Coverage: enter a percentage from 0 to 100."),
        (COVERAGE, "50%", "Coverage: enter a percentage from 0 to 100."),
        (INSPECTED, "maybe", "Inspected: choose yes or no."),
    ],
)
def test_bad_values_name_the_element(element, raw, message):
    with pytest.raises(ValueError) as caught:
        rules.parse(element, raw)
    assert str(caught.value) == message


ELEMENTS = [
    Element("total", "Total", "integer"),
    Element("opioid", "Opioid", "integer"),
    Element("synthetic", "Synthetic", "integer"),
    Element("other", "Other", "integer", required=False),
    Element("new", "New", "integer", required=False),
]
RULES = [
    Rule("sum", "Opioid, synthetic and other add up to the total", "total", "=", "opioid+synthetic+other"),
    Rule("new", "New within the total", "new", "<=", "total"),
    Rule("cap", "Total under 5000", "total", "<", right_constant=Decimal(5000)),
]


def test_valid_figures_pass_and_blanks_are_left_out():
    values, errors = rules.validate(
        ELEMENTS, RULES, {"total": "100", "opioid": "60", "synthetic": "40", "other": "0", "new": ""}
    )
    assert errors == {}
    assert values == {"total": 100, "opioid": 60, "synthetic": 40, "other": 0}


@pytest.mark.parametrize(
    ("raw", "errors"),
    [
        (
            {"total": "100", "opioid": "60", "synthetic": "30", "other": "0"},
            {"total": ["Opioid, synthetic and other add up to the total (entered 100 and 90)."]},
        ),
        (
            {"total": "100", "opioid": "60", "synthetic": "40", "other": "0", "new": "101"},
            {"new": ["New within the total (entered 101 and 100)."]},
        ),
        (
            {"total": "5000", "opioid": "5000", "synthetic": "0", "other": "0"},
            {"total": ["Total under 5000 (entered 5000 and 5000)."]},
        ),
        (
            {"total": "", "opioid": "60", "synthetic": "x"},
            {
                "synthetic": ["Synthetic: enter a whole number, 0 or more."],
                "total": ["Total: enter a value."],
            },
        ),
    ],
)
def test_rule_and_required_errors(raw, errors):
    values, found = rules.validate(ELEMENTS, RULES, raw)
    assert found == errors


def test_a_rule_is_not_checked_while_one_of_its_elements_is_blank():
    # "other" is optional and blank: the sum rule waits for it; "new" is blank: its rule waits too.
    _values, errors = rules.validate(ELEMENTS, RULES, {"total": "100", "opioid": "1", "synthetic": "1"})
    assert errors == {}


def test_unknown_codes_are_refused():
    _values, errors = rules.validate(
        ELEMENTS, [], {"total": "1", "opioid": "1", "synthetic": "0", "beds": "3"}
    )
    assert errors == {"values": ["Not an element of this data set: beds."]}


def test_figures_shown_plainly():
    assert rules.plain(Decimal("100.0000")) == "100"
    assert rules.plain(Decimal("87.5000")) == "87.5"
    assert rules.plain(Decimal("0E-4")) == "0"
    assert rules.plain(Decimal("1E+3")) == "1000"
    assert rules.shown(Decimal("1.0000"), "yes_no") == "Yes"
    assert rules.shown(Decimal("0.0000"), "yes_no") == "No"
    assert rules.as_input(Decimal("1.0000"), "yes_no") == "yes"
