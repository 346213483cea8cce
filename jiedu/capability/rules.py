"""Pure rules of capability assessment: what the registers show on a day, how a criterion is met, the dimension
and overall scores, the gap texts and the roll-up counts. No ORM and no clock: the caller passes the facts.

Scoring. A criterion is met when what it counts on the day reaches its required count. A dimension's score is the
weight of its met criteria ÷ the weight of all its criteria × 100; the overall score is the mean of the scores of
the dimensions the framework has criteria in. Both to one decimal place, half up.

On a day: a department is in service from its opening day until the day it closed (that day excluded); a piece of
equipment is working when its latest check on or before the day found it in working order and its last maintenance
or calibration (its acquisition, if none since) is no more than the policy's number of days before the day; a
rule is in force once a version of it is effective; a collaboration from its first valid day to its last (or the
day it ended early); a licence from its first valid day to its last.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from jiedu.capability.models import (
    CheckKind,
    CollaborationKind,
    Condition,
    DepartmentKind,
    Dimension,
    EquipmentKind,
    RuleCategory,
    Source,
)
from jiedu.registry.models import LicenceKind
from jiedu.workforce.rules import StaffStructure, group_label

ONE_PLACE = Decimal("0.1")
HUNDRED = Decimal(100)


def one_place(value: Decimal) -> Decimal:
    return value.quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


# --- what the registers show on a day ---------------------------------------------------------------------------


def department_in_service(opened_on: dt.date, closed_on: dt.date | None, day: dt.date) -> bool:
    return opened_on <= day and (closed_on is None or day < closed_on)


CheckRow = tuple[dt.date, str, str]  # checked on, kind, condition


def equipment_working(acquired_on: dt.date, checks: Iterable[CheckRow], day: dt.date, max_days: int) -> bool:
    """Whether the equipment counts as working on ``day`` (see the module's text)."""
    if acquired_on > day:
        return False
    seen = sorted((c for c in checks if c[0] <= day), key=lambda c: c[0])
    if not seen or seen[-1][2] != Condition.WORKING:
        return False
    serviced = [c[0] for c in seen if c[1] in (CheckKind.MAINTENANCE, CheckKind.CALIBRATION)]
    last = max([acquired_on, *serviced])
    return (day - last).days <= max_days


def last_service(acquired_on: dt.date, checks: Iterable[CheckRow], day: dt.date) -> dt.date:
    """The last maintenance or calibration on or before ``day`` (the acquisition if none)."""
    serviced = [
        c[0] for c in checks if c[0] <= day and c[1] in (CheckKind.MAINTENANCE, CheckKind.CALIBRATION)
    ]
    return max([acquired_on, *serviced])


def in_force(valid_from: dt.date, valid_to: dt.date | None, ended_on: dt.date | None, day: dt.date) -> bool:
    last = min([d for d in (valid_to, ended_on) if d is not None], default=None)
    return valid_from <= day and (last is None or day <= last)


@dataclass(frozen=True)
class Facts:
    """What a unit's registers show on a day: counts by kind."""

    organisation_id: int
    on: dt.date
    departments: Mapping[str, int]
    equipment_working: Mapping[str, int]
    equipment_registered: Mapping[str, int]
    staff: StaffStructure
    rules: Mapping[str, int]
    collaborations: Mapping[str, int]
    licences: Mapping[str, int]
    maintenance_max_days: int

    @property
    def rules_total(self) -> int:
        return sum(self.rules.values())


class CriterionLike(Protocol):
    pk: Any
    dimension: str
    source: str
    parameter: str
    required: int
    weight: int


def found(source: str, parameter: str, facts: Facts) -> int:
    """What the criterion counts in the facts."""
    if source == Source.DEPARTMENT:
        return facts.departments.get(parameter, 0)
    if source == Source.EQUIPMENT:
        return facts.equipment_working.get(parameter, 0)
    if source == Source.CERTIFIED_STAFF:
        return facts.staff.count(parameter, certified=True)
    if source == Source.MEDICAL_STAFF:
        return facts.staff.medical_total
    if source == Source.RULES:
        return facts.rules.get(parameter, 0) if parameter else facts.rules_total
    if source == Source.COLLABORATION:
        return facts.collaborations.get(parameter, 0)
    if source == Source.LICENCE:
        return facts.licences.get(parameter, 0)
    raise ValueError(f"unknown source {source!r}")


@dataclass(frozen=True)
class Result:
    criterion: CriterionLike
    found: int
    required: int
    detail: dict[str, Any]

    @property
    def met(self) -> bool:
        return self.found >= self.required


def evaluate(criteria: Sequence[CriterionLike], facts: Facts) -> list[Result]:
    out = []
    for c in criteria:
        detail: dict[str, Any] = {}
        if c.source == Source.EQUIPMENT:
            detail = {
                "max_days": facts.maintenance_max_days,
                "registered": facts.equipment_registered.get(c.parameter, 0),
            }
        out.append(Result(c, found(c.source, c.parameter, facts), c.required, detail))
    return out


def dimension_scores(results: Sequence[Result]) -> dict[str, Decimal]:
    """Dimension → score (0–100, one decimal), for the dimensions that have criteria, in the order of the choices."""
    weights: dict[str, list[int]] = {}
    for r in results:
        row = weights.setdefault(r.criterion.dimension, [0, 0])
        row[1] += r.criterion.weight
        if r.met:
            row[0] += r.criterion.weight
    return {
        d: one_place(Decimal(weights[d][0]) * HUNDRED / Decimal(weights[d][1]))
        for d in Dimension.values
        if d in weights and weights[d][1]
    }


def overall(scores: Mapping[str, Decimal]) -> Decimal:
    """The mean of the dimension scores (0 when there are none)."""
    if not scores:
        return Decimal(0)
    return one_place(sum(scores.values(), Decimal(0)) / len(scores))


# --- what is missing ---------------------------------------------------------------------------------------------

_KIND_LABELS: dict[str, Any] = {
    Source.DEPARTMENT: DepartmentKind,
    Source.EQUIPMENT: EquipmentKind,
    Source.RULES: RuleCategory,
    Source.COLLABORATION: CollaborationKind,
    Source.LICENCE: LicenceKind,
}


def parameter_label(source: str, parameter: str) -> str:
    if source == Source.CERTIFIED_STAFF:
        return group_label(parameter)
    choices = _KIND_LABELS.get(source)
    if choices is None or not parameter:
        return ""
    return str(choices(parameter).label)


def gap_text(source: str, parameter: str, found: int, required: int, detail: Mapping[str, Any]) -> str:
    """What is missing for a criterion that is not met, in the current language."""
    what = parameter_label(source, parameter)
    values = {"what": what, "found": found, "required": required}
    if source == Source.DEPARTMENT:
        if required == 1:
            return _("%(what)s: no department in service.") % values
        return (
            ngettext(
                "%(what)s: %(found)d department in service; %(required)d required.",
                "%(what)s: %(found)d departments in service; %(required)d required.",
                found,
            )
            % values
        )
    if source == Source.EQUIPMENT:
        days: int = detail.get("max_days", 0)
        values.update(days=days, registered=detail.get("registered", 0))
        if not values["registered"]:
            return _("%(what)s: none registered; %(required)d required in working order.") % values
        return (
            ngettext(
                "%(what)s: %(found)d in working order (checked working and maintained or calibrated within "
                "%(days)d day) of %(registered)d registered; %(required)d required.",
                "%(what)s: %(found)d in working order (checked working and maintained or calibrated within "
                "%(days)d days) of %(registered)d registered; %(required)d required.",
                days,
            )
            % values
        )
    if source == Source.CERTIFIED_STAFF:
        return (
            _("%(what)s: %(found)d with a practising certificate valid on the day; %(required)d required.")
            % values
        )
    if source == Source.MEDICAL_STAFF:
        return _("Medical staff in post: %(found)d; %(required)d required.") % values
    if source == Source.RULES:
        if not parameter:
            return _("Rules in force: %(found)d; %(required)d required.") % values
        return (
            ngettext(
                "%(what)s: %(found)d rule in force; %(required)d required.",
                "%(what)s: %(found)d rules in force; %(required)d required.",
                found,
            )
            % values
        )
    if source == Source.COLLABORATION:
        if required == 1:
            return _("%(what)s: no agreement in force on the day.") % values
        return (
            ngettext(
                "%(what)s: %(found)d agreement in force; %(required)d required.",
                "%(what)s: %(found)d agreements in force; %(required)d required.",
                found,
            )
            % values
        )
    if source == Source.LICENCE:
        return _("%(what)s: none valid on the day.") % values
    raise ValueError(f"unknown source {source!r}")


# --- the roll-up --------------------------------------------------------------------------------------------------

#: The equipment seed 001 names as basic (X-ray, B-ultrasound, blood and biochemistry analysers).
KEY_EQUIPMENT = (
    EquipmentKind.XRAY,
    EquipmentKind.B_ULTRASOUND,
    EquipmentKind.BLOOD_ANALYSER,
    EquipmentKind.BIOCHEMISTRY_ANALYSER,
)


@dataclass
class Rollup:
    """Counts over the units of a region on a day, in the style of seed 001 ("14 of 14 in a specialist
    alliance, 13 in a local consortium, 189 medical staff")."""

    units: int = 0
    medical_staff: int = 0
    certified_medical_staff: int = 0
    psychiatrists: int = 0
    general_practitioners: int = 0
    #: kind → units with at least one in service / working / in force / valid.
    departments: dict[str, int] = field(default_factory=dict)
    equipment: dict[str, int] = field(default_factory=dict)
    rules: dict[str, int] = field(default_factory=dict)
    collaborations: dict[str, int] = field(default_factory=dict)
    licences: dict[str, int] = field(default_factory=dict)
    units_with_all_key_equipment: int = 0

    def rows(self, kind: str) -> list[tuple[str, str, int]]:
        """(code, label, units) for every kind of a register, in the order of its choices."""
        choices, counts = {
            "departments": (DepartmentKind, self.departments),
            "equipment": (EquipmentKind, self.equipment),
            "rules": (RuleCategory, self.rules),
            "collaborations": (CollaborationKind, self.collaborations),
            "licences": (LicenceKind, self.licences),
        }[kind]
        return [(code, str(label), counts.get(code, 0)) for code, label in choices.choices]


def _units_with(facts: Iterable[Facts], attribute: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for f in facts:
        for kind, n in getattr(f, attribute).items():
            if n:
                out[kind] = out.get(kind, 0) + 1
    return out


def rollup(facts: Sequence[Facts]) -> Rollup:
    return Rollup(
        units=len(facts),
        medical_staff=sum(f.staff.medical_total for f in facts),
        certified_medical_staff=sum(f.staff.certified_medical_total for f in facts),
        psychiatrists=sum(f.staff.count("psychiatrist") for f in facts),
        general_practitioners=sum(f.staff.count("general_practitioner") for f in facts),
        departments=_units_with(facts, "departments"),
        equipment=_units_with(facts, "equipment_working"),
        rules=_units_with(facts, "rules"),
        collaborations=_units_with(facts, "collaborations"),
        licences=_units_with(facts, "licences"),
        units_with_all_key_equipment=sum(
            1 for f in facts if all(f.equipment_working.get(k, 0) for k in KEY_EQUIPMENT)
        ),
    )
