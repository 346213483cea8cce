"""Pure rules of inspections: scoring an item, totals, findings, what a template version needs to be published,
which organisations a template inspects, the rectification state machine and its escalation levels.

No ORM and no clock here: the caller passes the items, the responses and today.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Protocol

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from jiedu.inspections.models import RectificationStatus, ScoringRule, TargetType
from jiedu.registry.models import OrganisationType as T
from jiedu.registry.models import RegionLevel

ONE_PLACE = Decimal("0.1")
HUNDRED = Decimal("100")
_NUMBER = re.compile(r"^\d+(\.\d)?$")
_COUNT = re.compile(r"^\d{1,4}$")
#: The total of the items' maximum scores in a published version.
TEMPLATE_TOTAL = Decimal("100")
PASS, FAIL = "pass", "fail"


class ItemLike(Protocol):
    pk: int
    text: str
    max_score: Decimal
    rule: str
    deduction: Decimal | None
    evidence_required: bool


class ResponseLike(Protocol):
    not_applicable: bool
    score: Decimal | None
    flagged: bool


def plain(value: Decimal | None) -> str:
    """A score as people write it: 5, 2.5 (no trailing zeros)."""
    if value is None:
        return ""
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def points(value: Decimal) -> str:
    """A maximum score with its unit, as people write it: "1 point", "2.5 points"."""
    shown = plain(value)
    # gettext chooses the form by a whole number; a fraction reads as several ("0.5 points").
    count = int(value) if value == value.to_integral_value() else 2
    return ngettext("%(score)s point", "%(score)s points", count) % {"score": shown}


def item_label(number: str, text: str) -> str:
    """How messages name an item: its number and the start of its text."""
    short = text if len(text) <= 24 else text[:24] + "…"
    return f"{number} {short}"


# --- scoring ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scored:
    score: Decimal | None
    instances: int | None
    not_applicable: bool


def score_item(
    item: ItemLike,
    *,
    label: str,
    result: str = "",
    score: str = "",
    instances: str = "",
    not_applicable: bool = False,
) -> Scored:
    """Read what was entered for ``item`` under its scoring rule; ``ValueError`` with a message naming the item.

    * pass or fail: ``result`` is "pass" (the full score) or "fail" (zero);
    * graded: ``score`` from 0 to the maximum, in steps of 0.1;
    * deduction: ``instances`` found (a whole number); the score is the maximum less the deduction for each,
      never below zero.
    """
    if not_applicable:
        return Scored(score=None, instances=None, not_applicable=True)
    maximum = item.max_score
    if item.rule == ScoringRule.PASS_FAIL:
        if result == PASS:
            return Scored(score=maximum, instances=None, not_applicable=False)
        if result == FAIL:
            return Scored(score=Decimal(0), instances=None, not_applicable=False)
        raise ValueError(_("%(item)s: choose pass or fail.") % {"item": label})
    if item.rule == ScoringRule.GRADED:
        text = score.strip()
        message = _("%(item)s: enter a score from 0 to %(max)s (at most one decimal place).") % {
            "item": label,
            "max": plain(maximum),
        }
        if not _NUMBER.match(text):
            raise ValueError(message)
        try:
            value = Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern admits only valid literals
            raise ValueError(message) from None
        if value > maximum:
            raise ValueError(message)
        return Scored(score=value.quantize(ONE_PLACE), instances=None, not_applicable=False)
    text = instances.strip()
    if not _COUNT.match(text):
        raise ValueError(
            _("%(item)s: enter the number of instances found (0 or more); each deducts %(each)s.")
            % {"item": label, "each": plain(item.deduction)}
        )
    count = int(text)
    deducted = (item.deduction or Decimal(0)) * count
    return Scored(
        score=max(Decimal(0), maximum - deducted).quantize(ONE_PLACE), instances=count, not_applicable=False
    )


def percentage(scored: Decimal, maximum: Decimal) -> Decimal | None:
    """``scored`` of ``maximum`` as a percentage with one decimal place (None when nothing applied)."""
    if not maximum:
        return None
    return (scored * HUNDRED / maximum).quantize(ONE_PLACE)


@dataclass(frozen=True)
class Totals:
    scored: Decimal
    #: The maximum of the items that apply (an item marked not applicable leaves it).
    maximum: Decimal
    answered: int
    items: int

    @property
    def percent(self) -> Decimal | None:
        return percentage(self.scored, self.maximum)

    @property
    def complete(self) -> bool:
        return self.answered == self.items


def totals(items: Sequence[ItemLike], latest: Mapping[int, ResponseLike]) -> Totals:
    """The running total of ``items`` from their latest responses (item id → response). An item not yet answered
    counts in the maximum; one marked not applicable does not."""
    scored = maximum = Decimal(0)
    answered = 0
    for item in items:
        response = latest.get(item.pk)
        if response is not None:
            answered += 1
            if response.not_applicable:
                continue
            scored += response.score or Decimal(0)
        maximum += item.max_score
    return Totals(scored=scored, maximum=maximum, answered=answered, items=len(items))


def is_finding(item: ItemLike, response: ResponseLike) -> bool:
    """An item scored below its maximum, or marked as a finding by the inspector, is a finding."""
    if response.flagged:
        return True
    return not response.not_applicable and response.score is not None and response.score < item.max_score


def submission_problems(
    labelled: Sequence[tuple[str, ItemLike]],
    latest: Mapping[int, ResponseLike],
    evidence_count: Mapping[int, int],
) -> dict[str, list[str]]:
    """Why the responses cannot be submitted: items not answered, and items requiring evidence without any (an
    item that does not apply needs none). Each message names the items."""
    unanswered = [label for label, item in labelled if item.pk not in latest]
    lacking = [
        label
        for label, item in labelled
        if item.evidence_required
        and item.pk in latest
        and not latest[item.pk].not_applicable
        and not evidence_count.get(item.pk)
    ]
    problems: dict[str, list[str]] = {}
    if unanswered:
        problems["responses"] = [
            _("Score every item first; not yet scored: %(items)s.") % {"items": "; ".join(unanswered)}
        ]
    if lacking:
        problems["evidence"] = [
            _("These items require a photo or document before submission: %(items)s.")
            % {"items": "; ".join(lacking)}
        ]
    return problems


# --- templates ----------------------------------------------------------------------------------------------


def publish_problems(*, sections: Sequence[tuple[str, int]], total: Decimal) -> list[str]:
    """Why a draft cannot be published: (section title, item count) for each section, and the total maximum."""
    problems = []
    if not sections:
        problems.append(_("Add at least one section with items."))
    empty = [title for title, count in sections if count == 0]
    if empty:
        problems.append(_("These sections have no items: %(sections)s.") % {"sections": "、".join(empty)})
    if sections and total != TEMPLATE_TOTAL:
        problems.append(
            _("The items' maximum scores add up to %(total)s; a published checklist adds up to 100.")
            % {"total": plain(total)}
        )
    return problems


def item_problems(*, rule: str, max_score: Decimal | None, deduction: Decimal | None) -> dict[str, list[str]]:
    """Checks of an item's scoring settings, by field."""
    errors: dict[str, list[str]] = {}
    if rule not in ScoringRule.values:
        errors["rule"] = [_("Choose a scoring rule.")]
    if max_score is None or max_score <= 0 or max_score > TEMPLATE_TOTAL:
        errors["max_score"] = [_("The maximum score is more than 0 and at most 100.")]
    elif max_score.as_tuple().exponent < -1:  # type: ignore[operator]
        errors["max_score"] = [_("Use at most one decimal place.")]
    if rule == ScoringRule.DEDUCTION:
        if deduction is None or deduction <= 0:
            errors["deduction"] = [_("Say how much each instance found deducts.")]
        elif max_score is not None and deduction > max_score:
            errors["deduction"] = [_("One instance cannot deduct more than the maximum score.")]
    elif deduction is not None:
        errors["deduction"] = [_("Only an item scored by deduction has a deduction per instance.")]
    return errors


#: The organisation types each kind of template inspects.
TARGET_ORGANISATIONS: dict[str, frozenset[str]] = {
    TargetType.MMT_CLINIC: frozenset({T.MMT_CLINIC}),
    TargetType.WORKING_GROUP: frozenset({T.NARCOTICS_OFFICE, T.HEALTH_COMMISSION}),
    TargetType.STORE_HOLDER: frozenset(
        {T.MMT_CLINIC, T.DOSING_POINT, T.VOLUNTARY_REHAB, T.HOSPITAL, T.COMPULSORY_CENTRE}
    ),
    TargetType.COMPULSORY_UNIT: frozenset({T.COMPULSORY_CENTRE}),
}


def target_problem(target_type: str, org_type: str, region_level: str) -> str | None:
    """Why an organisation of this type and region level is not inspected with a template of ``target_type``."""
    if org_type not in TARGET_ORGANISATIONS.get(target_type, frozenset()):
        return _("This checklist inspects %(kind)s; choose such an organisation.") % {
            "kind": TargetType(target_type).label
        }
    if target_type == TargetType.WORKING_GROUP and region_level != RegionLevel.COUNTY:
        return _("A district working group is inspected through the office of a county (district).")
    return None


# --- rectification ------------------------------------------------------------------------------------------

RESPOND, VERIFY, REJECT, CLOSE = "respond", "verify", "reject", "close"

#: (status, step) → the status after it.
TRANSITIONS: dict[tuple[str, str], str] = {
    (RectificationStatus.OPEN, RESPOND): RectificationStatus.RESPONDED,
    (RectificationStatus.RESPONDED, VERIFY): RectificationStatus.VERIFIED,
    (RectificationStatus.RESPONDED, REJECT): RectificationStatus.OPEN,
    (RectificationStatus.VERIFIED, CLOSE): RectificationStatus.CLOSED,
}


def transition_problem(status: str, step: str) -> str | None:
    """Why ``step`` cannot be taken from ``status`` (None if it can)."""
    if (status, step) in TRANSITIONS:
        return None
    if status == RectificationStatus.CLOSED:
        return _("This item is closed: nothing more is done to it.")
    messages = {
        RESPOND: {
            RectificationStatus.RESPONDED: _("This item was answered already and awaits verification."),
            RectificationStatus.VERIFIED: _("This item was verified: it is no longer answered."),
        },
        VERIFY: {
            RectificationStatus.OPEN: _(
                "Only an answered item is verified: this one awaits its owner's answer."
            ),
            RectificationStatus.VERIFIED: _("This item was verified already."),
        },
        REJECT: {
            RectificationStatus.OPEN: _(
                "Only an answered item is rejected: this one awaits its owner's answer."
            ),
            RectificationStatus.VERIFIED: _("This item was verified: it can only be closed."),
        },
        CLOSE: {
            RectificationStatus.OPEN: _(
                "Only a verified item is closed: this one awaits its owner's answer."
            ),
            RectificationStatus.RESPONDED: _("Only a verified item is closed: verify the answer first."),
        },
    }
    return messages[step][status]


def is_overdue(status: str, deadline: dt.date, today: dt.date) -> bool:
    """An open item past its deadline (an answered one waits on the inspecting body, not on its owner)."""
    return status == RectificationStatus.OPEN and deadline < today


def escalation_level_due(*, deadline: dt.date, today: dt.date, second_after_days: int) -> int:
    """0 before or on the deadline; 1 once it has passed; 2 once ``second_after_days`` more days have passed."""
    if today <= deadline:
        return 0
    if today > deadline + dt.timedelta(days=second_after_days):
        return 2
    return 1


def levels_to_record(due: int, recorded: Iterable[int]) -> list[int]:
    """The levels up to ``due`` not yet recorded (a job that did not run for a while records both)."""
    done = set(recorded)
    return [level for level in range(1, due + 1) if level not in done]


def deadline_problem(deadline: dt.date | None, today: dt.date) -> str | None:
    if deadline is None:
        return _("Give a deadline.")
    if deadline <= today:
        return _("The deadline is a day after today.")
    return None


# --- periods ------------------------------------------------------------------------------------------------


def last_complete_quarter(day: dt.date) -> dt.date:
    """The first day of the last quarter that ended on or before ``day``."""
    start = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    end = dt.date(start.year + (start.month == 10), (start.month + 2) % 12 + 1, 1) - dt.timedelta(days=1)
    if day == end:
        return start
    previous_end = start - dt.timedelta(days=1)
    return dt.date(previous_end.year, 3 * ((previous_end.month - 1) // 3) + 1, 1)


def quarter_label(start: dt.date) -> str:
    return _("%(year)d Q%(quarter)d") % {"year": start.year, "quarter": (start.month - 1) // 3 + 1}
