"""The pure rules: each scoring rule and its bounds, totals, findings, publishing, targets, the rectification
state machine, escalation levels and quarters."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from jiedu.inspections import rules
from jiedu.inspections.models import RectificationStatus as S
from jiedu.inspections.models import TargetType

D = Decimal


@dataclass
class FakeItem:
    pk: int
    max_score: Decimal
    rule: str
    deduction: Decimal | None = None
    text: str = "条目"
    evidence_required: bool = False


@dataclass
class FakeResponse:
    score: Decimal | None
    not_applicable: bool = False
    flagged: bool = False


PASS_FAIL = FakeItem(1, D("5"), "pass_fail")
GRADED = FakeItem(2, D("10"), "graded")
DEDUCTION = FakeItem(3, D("5"), "deduction", D("2"))


def scored(item, **entered):
    return rules.score_item(item, label="1.1 条目", **entered)


# --- scoring ------------------------------------------------------------------------------------------------


def test_pass_fail_is_the_full_score_or_zero():
    assert scored(PASS_FAIL, result="pass") == rules.Scored(D("5"), None, False)
    assert scored(PASS_FAIL, result="fail") == rules.Scored(D("0"), None, False)


@pytest.mark.parametrize("result", ["", "yes", "PASS"])
def test_pass_fail_needs_pass_or_fail(result):
    with pytest.raises(ValueError) as exc:
        scored(PASS_FAIL, result=result)
    assert str(exc.value) == "1.1 条目: choose pass or fail."


@pytest.mark.parametrize(("raw", "score"), [("0", "0.0"), ("7.5", "7.5"), ("10", "10.0"), (" 3 ", "3.0")])
def test_graded_from_zero_to_the_maximum(raw, score):
    assert scored(GRADED, score=raw) == rules.Scored(D(score), None, False)


@pytest.mark.parametrize("raw", ["10.1", "11", "-1", "7.25", "", "abc", "1e1"])
def test_graded_outside_its_bounds_is_refused_naming_the_item(raw):
    with pytest.raises(ValueError) as exc:
        scored(GRADED, score=raw)
    assert str(exc.value) == "1.1 条目: enter a score from 0 to 10 (at most one decimal place)."


@pytest.mark.parametrize(
    ("instances", "score"), [("0", "5.0"), ("1", "3.0"), ("2", "1.0"), ("3", "0.0"), ("40", "0.0")]
)
def test_deduction_per_instance_down_to_zero(instances, score):
    assert scored(DEDUCTION, instances=instances) == rules.Scored(D(score), int(instances), False)


@pytest.mark.parametrize("raw", ["", "-1", "1.5", "x", "12345"])
def test_deduction_needs_a_whole_number_of_instances(raw):
    with pytest.raises(ValueError) as exc:
        scored(DEDUCTION, instances=raw)
    assert str(exc.value) == "1.1 条目: enter the number of instances found (0 or more); each deducts 2."


def test_not_applicable_has_no_score_whatever_was_entered():
    assert scored(GRADED, score="99", not_applicable=True) == rules.Scored(None, None, True)


def test_totals_leave_out_items_that_do_not_apply_and_count_unanswered_in_the_maximum():
    items = [PASS_FAIL, GRADED, DEDUCTION]
    latest = {1: FakeResponse(D("5")), 2: FakeResponse(None, not_applicable=True)}
    t = rules.totals(items, latest)
    assert (t.scored, t.maximum, t.answered, t.items, t.complete) == (D("5"), D("10"), 2, 3, False)
    assert t.percent == D("50.0")


def test_percentage_has_one_decimal_place_and_none_without_a_maximum():
    assert rules.percentage(D("88"), D("100")) == D("88.0")
    assert rules.percentage(D("2"), D("3")) == D("66.7")
    assert rules.percentage(D("0"), D("0")) is None


def test_a_finding_is_below_the_maximum_or_marked():
    assert rules.is_finding(GRADED, FakeResponse(D("9.5"))) is True
    assert rules.is_finding(GRADED, FakeResponse(D("10"))) is False
    assert rules.is_finding(GRADED, FakeResponse(D("10"), flagged=True)) is True
    assert rules.is_finding(GRADED, FakeResponse(None, not_applicable=True)) is False
    assert rules.is_finding(GRADED, FakeResponse(None, not_applicable=True, flagged=True)) is True


def test_submission_names_the_unscored_items_and_those_lacking_evidence():
    photo = FakeItem(4, D("5"), "pass_fail", evidence_required=True)
    skipped = FakeItem(5, D("5"), "pass_fail", evidence_required=True)
    labelled = [("1.1 A", PASS_FAIL), ("1.2 B", GRADED), ("2.1 C", photo), ("2.2 D", skipped)]
    latest = {1: FakeResponse(D("5")), 4: FakeResponse(D("5")), 5: FakeResponse(None, not_applicable=True)}
    assert rules.submission_problems(labelled, latest, {}) == {
        "responses": ["Score every item first; not yet scored: 1.2 B."],
        "evidence": ["These items require a photo or document before submission: 2.1 C."],
    }
    latest[2] = FakeResponse(D("10"))
    assert rules.submission_problems(labelled, latest, {4: 1}) == {}


def test_item_label_shortens_long_texts():
    assert rules.item_label("2.3", "短") == "2.3 短"
    assert rules.item_label("2.3", "一二三四五六七八九十一二三四五六七八九十一二三四五") == (
        "2.3 一二三四五六七八九十一二三四五六七八九十一二三四…"
    )


@pytest.mark.parametrize(
    ("maximum", "shown"),
    [
        (D("1"), "1 point"),
        (D("1.0"), "1 point"),
        (D("5"), "5 points"),
        (D("2.5"), "2.5 points"),
        (D("0.5"), "0.5 points"),
    ],
)
def test_a_maximum_score_reads_in_points_one_point_in_the_singular(maximum, shown):
    assert rules.points(maximum) == shown


# --- templates ----------------------------------------------------------------------------------------------


def test_publish_needs_sections_with_items_adding_up_to_100():
    assert rules.publish_problems(sections=[], total=D("0")) == ["Add at least one section with items."]
    assert rules.publish_problems(sections=[("组织管理", 2), ("安全", 0)], total=D("95")) == [
        "These sections have no items: 安全.",
        "The items' maximum scores add up to 95; a published checklist adds up to 100.",
    ]
    assert rules.publish_problems(sections=[("组织管理", 2)], total=D("100")) == []


def test_item_settings():
    assert rules.item_problems(rule="graded", max_score=D("5"), deduction=None) == {}
    assert rules.item_problems(rule="deduction", max_score=D("5"), deduction=D("1")) == {}
    assert rules.item_problems(rule="x", max_score=D("0"), deduction=None) == {
        "rule": ["Choose a scoring rule."],
        "max_score": ["The maximum score is more than 0 and at most 100."],
    }
    assert rules.item_problems(rule="graded", max_score=D("2.25"), deduction=D("1")) == {
        "max_score": ["Use at most one decimal place."],
        "deduction": ["Only an item scored by deduction has a deduction per instance."],
    }
    assert rules.item_problems(rule="deduction", max_score=D("5"), deduction=None) == {
        "deduction": ["Say how much each instance found deducts."]
    }
    assert rules.item_problems(rule="deduction", max_score=D("5"), deduction=D("6")) == {
        "deduction": ["One instance cannot deduct more than the maximum score."]
    }


@pytest.mark.parametrize(
    ("target_type", "org_type", "level", "problem"),
    [
        (TargetType.MMT_CLINIC, "mmt_clinic", "county", None),
        (TargetType.MMT_CLINIC, "hospital", "county", "This checklist inspects MMT clinic; choose such an organisation."),
        (TargetType.STORE_HOLDER, "dosing_point", "county", None),
        (TargetType.STORE_HOLDER, "police", "county", "This checklist inspects Holder of controlled-substance stores; choose such an organisation."),
        (TargetType.WORKING_GROUP, "narcotics_office", "county", None),
        (TargetType.WORKING_GROUP, "health_commission", "prefecture", "A district working group is inspected through the office of a county (district)."),
        (TargetType.COMPULSORY_UNIT, "compulsory_centre", "prefecture", None),
    ],
)  # fmt: skip
def test_what_each_kind_of_checklist_inspects(target_type, org_type, level, problem):
    assert rules.target_problem(target_type, org_type, level) == problem


# --- rectification ------------------------------------------------------------------------------------------

VALID = [
    (S.OPEN, rules.RESPOND, S.RESPONDED),
    (S.RESPONDED, rules.VERIFY, S.VERIFIED),
    (S.RESPONDED, rules.REJECT, S.OPEN),
    (S.VERIFIED, rules.CLOSE, S.CLOSED),
]


@pytest.mark.parametrize(("status", "step", "after"), VALID)
def test_valid_transitions(status, step, after):
    assert rules.transition_problem(status, step) is None
    assert rules.TRANSITIONS[(status, step)] == after


@pytest.mark.parametrize(
    ("status", "step", "message"),
    [
        (S.RESPONDED, rules.RESPOND, "This item was answered already and awaits verification."),
        (S.VERIFIED, rules.RESPOND, "This item was verified: it is no longer answered."),
        (S.CLOSED, rules.RESPOND, "This item is closed: nothing more is done to it."),
        (S.OPEN, rules.VERIFY, "Only an answered item is verified: this one awaits its owner's answer."),
        (S.VERIFIED, rules.VERIFY, "This item was verified already."),
        (S.CLOSED, rules.VERIFY, "This item is closed: nothing more is done to it."),
        (S.OPEN, rules.REJECT, "Only an answered item is rejected: this one awaits its owner's answer."),
        (S.VERIFIED, rules.REJECT, "This item was verified: it can only be closed."),
        (S.CLOSED, rules.REJECT, "This item is closed: nothing more is done to it."),
        (S.OPEN, rules.CLOSE, "Only a verified item is closed: this one awaits its owner's answer."),
        (S.RESPONDED, rules.CLOSE, "Only a verified item is closed: verify the answer first."),
        (S.CLOSED, rules.CLOSE, "This item is closed: nothing more is done to it."),
    ],
)
def test_invalid_transitions_say_why(status, step, message):
    assert rules.transition_problem(status, step) == message


def test_every_status_and_step_is_either_a_transition_or_refused_with_a_message():
    for status in S.values:
        for step in (rules.RESPOND, rules.VERIFY, rules.REJECT, rules.CLOSE):
            problem = rules.transition_problem(status, step)
            assert ((status, step) in rules.TRANSITIONS) == (problem is None)


def test_overdue_is_open_past_the_deadline():
    deadline = dt.date(2026, 5, 20)
    assert rules.is_overdue(S.OPEN, deadline, dt.date(2026, 5, 20)) is False
    assert rules.is_overdue(S.OPEN, deadline, dt.date(2026, 5, 21)) is True
    assert rules.is_overdue(S.RESPONDED, deadline, dt.date(2026, 6, 30)) is False


@pytest.mark.parametrize(
    ("today", "level"),
    [
        (dt.date(2026, 5, 20), 0),
        (dt.date(2026, 5, 21), 1),
        (dt.date(2026, 6, 3), 1),
        (dt.date(2026, 6, 4), 2),
    ],
)
def test_escalation_levels(today, level):
    assert (
        rules.escalation_level_due(deadline=dt.date(2026, 5, 20), today=today, second_after_days=14) == level
    )


def test_levels_to_record_fill_in_what_is_missing():
    assert rules.levels_to_record(2, []) == [1, 2]
    assert rules.levels_to_record(2, [1]) == [2]
    assert rules.levels_to_record(1, [1]) == []
    assert rules.levels_to_record(0, []) == []


def test_a_deadline_is_after_today():
    today = dt.date(2026, 5, 20)
    assert rules.deadline_problem(None, today) == "Give a deadline."
    assert rules.deadline_problem(today, today) == "The deadline is a day after today."
    assert rules.deadline_problem(dt.date(2026, 5, 21), today) is None


@pytest.mark.parametrize(
    ("day", "quarter"),
    [
        (dt.date(2026, 5, 20), dt.date(2026, 1, 1)),
        (dt.date(2026, 3, 31), dt.date(2026, 1, 1)),
        (dt.date(2026, 3, 30), dt.date(2025, 10, 1)),
        (dt.date(2026, 1, 1), dt.date(2025, 10, 1)),
        (dt.date(2025, 12, 31), dt.date(2025, 10, 1)),
    ],
)
def test_last_complete_quarter(day, quarter):
    assert rules.last_complete_quarter(day) == quarter
