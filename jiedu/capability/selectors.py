"""Reads of capability: the units in a user's scope, a unit's registers on a day, the facts an assessment is
computed from, assessments with their gaps, the regional roll-up, and the scores the annual evaluation reads.

Whose units a user sees: the head of a unit (clinic director) their own; inspectors and health and narcotics
officers the compulsory centres and MMT clinics in their region and below it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from jiedu.accounts.models import Role
from jiedu.capability import rules
from jiedu.capability.models import (
    Assessment,
    AssessmentStatus,
    AssessmentStep,
    Collaboration,
    Condition,
    CriterionResult,
    Department,
    Dimension,
    Equipment,
    EquipmentCheck,
    Framework,
    RuleDocument,
    RuleVersion,
    StepKind,
)
from jiedu.core.selectors import rule_value
from jiedu.policy import Action, can, effective_roles, organisations_in_scope
from jiedu.registry.models import Licence, Organisation
from jiedu.registry.models import OrganisationType as T
from jiedu.workforce.selectors import region_prefix, staff_structure

#: The units assessed (seed 001 and the MMT service).
UNIT_TYPES = (T.COMPULSORY_CENTRE, T.MMT_CLINIC)
_REGIONAL = frozenset({Role.INSPECTOR, Role.HEALTH_OFFICER, Role.NARCOTICS_OFFICER})


# --- scope ------------------------------------------------------------------------------------------------------


def units_in_scope(*, user: Any) -> QuerySet[Organisation]:
    if not getattr(user, "is_authenticated", False) or not can(user, Action.CAPABILITY_VIEW):
        return Organisation.objects.none()
    units = Organisation.objects.filter(type__in=UNIT_TYPES)
    org = user.organisation
    if org is None:
        return units
    if effective_roles(user) & _REGIONAL:
        return units.filter(pk__in=organisations_in_scope(user).values("pk"))
    return units.filter(pk=org.pk)


def unit_get(*, user: Any, pk: int) -> Organisation:
    """A unit in the user's scope; ``Organisation.DoesNotExist`` otherwise."""
    return units_in_scope(user=user).select_related("region").get(pk=pk)


def may_register(user: Any, unit: Organisation) -> bool:
    """The unit's head keeps its registers."""
    return can(user, Action.CAPABILITY_REGISTER) and user.organisation_id == unit.pk


def may_assess(user: Any, unit: Organisation) -> bool:
    return (
        can(user, Action.CAPABILITY_ASSESS)
        and bool(effective_roles(user) & _REGIONAL or user.organisation is None)
        and units_in_scope(user=user).filter(pk=unit.pk).exists()
    )


def framework_for(unit: Organisation) -> Framework | None:
    return Framework.objects.filter(unit_type=unit.type, is_active=True).first()


# --- the facts ----------------------------------------------------------------------------------------------------


def _maintenance_days(units: list[Organisation]) -> dict[int, int]:
    by_region = {
        code: rule_value("capability.maintenance_max_days", region_code=code)
        for code in {u.region_id for u in units}
    }
    return {u.pk: by_region[u.region_id] for u in units}


def unit_facts(*, units: list[Organisation], on: dt.date) -> dict[int, rules.Facts]:
    """What each unit's registers show on ``on`` (``rules.Facts``). A fixed number of queries, whatever the
    number of units (one more per distinct region for the maintenance interval)."""
    ids = [u.pk for u in units]
    departments: dict[int, dict[str, int]] = defaultdict(dict)
    for org_id, kind, opened, closed in Department.objects.filter(organisation_id__in=ids).values_list(
        "organisation_id", "kind", "opened_on", "closure__closed_on"
    ):
        if rules.department_in_service(opened, closed, on):
            departments[org_id][kind] = departments[org_id].get(kind, 0) + 1
    checks: dict[int, list[rules.CheckRow]] = defaultdict(list)
    for equipment_id, checked_on, kind, condition in EquipmentCheck.objects.filter(
        equipment__organisation_id__in=ids, checked_on__lte=on
    ).values_list("equipment_id", "checked_on", "kind", "condition"):
        checks[equipment_id].append((checked_on, kind, condition))
    max_days = _maintenance_days(units)
    working: dict[int, dict[str, int]] = defaultdict(dict)
    registered: dict[int, dict[str, int]] = defaultdict(dict)
    for pk, org_id, kind, acquired in Equipment.objects.filter(
        organisation_id__in=ids, acquired_on__lte=on
    ).values_list("pk", "organisation_id", "kind", "acquired_on"):
        seen = sorted(checks[pk], key=lambda c: c[0])
        if seen and seen[-1][2] == Condition.RETIRED:
            continue
        registered[org_id][kind] = registered[org_id].get(kind, 0) + 1
        if rules.equipment_working(acquired, seen, on, max_days[org_id]):
            working[org_id][kind] = working[org_id].get(kind, 0) + 1
    rule_counts: dict[int, dict[str, int]] = defaultdict(dict)
    effective = RuleVersion.objects.filter(effective_on__lte=on).values("document_id")
    for org_id, category in RuleDocument.objects.filter(
        organisation_id__in=ids, pk__in=effective
    ).values_list("organisation_id", "category"):
        rule_counts[org_id][category] = rule_counts[org_id].get(category, 0) + 1
    collaborations: dict[int, dict[str, int]] = defaultdict(dict)
    for org_id, kind, valid_from, valid_to, ended in Collaboration.objects.filter(
        organisation_id__in=ids
    ).values_list("organisation_id", "kind", "valid_from", "valid_to", "end__ended_on"):
        if rules.in_force(valid_from, valid_to, ended, on):
            collaborations[org_id][kind] = collaborations[org_id].get(kind, 0) + 1
    licences: dict[int, dict[str, int]] = defaultdict(dict)
    for org_id, kind, valid_from, valid_to in Licence.objects.filter(organisation_id__in=ids).values_list(
        "organisation_id", "kind", "valid_from", "valid_to"
    ):
        if rules.in_force(valid_from, valid_to, None, on):
            licences[org_id][kind] = licences[org_id].get(kind, 0) + 1
    structures = staff_structure(organisation_ids=ids, on=on)
    return {
        pk: rules.Facts(
            organisation_id=pk,
            on=on,
            departments=departments[pk],
            equipment_working=working[pk],
            equipment_registered=registered[pk],
            staff=structures[pk],
            rules=rule_counts[pk],
            collaborations=collaborations[pk],
            licences=licences[pk],
            maintenance_max_days=max_days[pk],
        )
        for pk in ids
    }


# --- a unit's registers ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EquipmentRow:
    equipment: Equipment
    latest: EquipmentCheck | None
    last_service: dt.date
    working: bool
    checks: list[EquipmentCheck]


@dataclass(frozen=True)
class RuleRow:
    document: RuleDocument
    #: The version in force on the day (None: none effective yet).
    current: RuleVersion | None
    versions: list[RuleVersion]

    @property
    def others(self) -> list[RuleVersion]:
        """The versions other than the one in force (superseded ones, and any taking effect later), latest first."""
        return [v for v in self.versions if v != self.current]


@dataclass(frozen=True)
class CollaborationRow:
    collaboration: Collaboration
    in_force: bool


@dataclass(frozen=True)
class Registers:
    unit: Organisation
    on: dt.date
    departments: list[tuple[Department, bool]]
    equipment: list[EquipmentRow]
    rules: list[RuleRow]
    collaborations: list[CollaborationRow]
    licences: list[tuple[Licence, bool]]
    staff: Any
    maintenance_max_days: int


def registers(*, unit: Organisation, on: dt.date) -> Registers:
    """Everything the unit's registers hold, with what is in service, working or in force on ``on``."""
    max_days = _maintenance_days([unit])[unit.pk]
    departments = [
        (
            d,
            rules.department_in_service(
                d.opened_on, getattr(getattr(d, "closure", None), "closed_on", None), on
            ),
        )
        for d in Department.objects.filter(organisation=unit)
        .select_related("closure")
        .order_by("kind", "opened_on", "pk")
    ]
    equipment_rows = []
    items = list(Equipment.objects.filter(organisation=unit).order_by("kind", "pk"))
    checks: dict[int, list[EquipmentCheck]] = defaultdict(list)
    for check in (
        EquipmentCheck.objects.filter(equipment__in=items).select_related("by").order_by("-checked_on", "-pk")
    ):
        checks[check.equipment_id].append(check)
    for item in items:
        mine = checks[item.pk]
        rows = [(c.checked_on, c.kind, c.condition) for c in mine]
        past = [c for c in mine if c.checked_on <= on]
        equipment_rows.append(
            EquipmentRow(
                equipment=item,
                latest=past[0] if past else None,
                last_service=rules.last_service(item.acquired_on, rows, on),
                working=rules.equipment_working(item.acquired_on, rows, on, max_days),
                checks=mine,
            )
        )
    versions: dict[int, list[RuleVersion]] = defaultdict(list)
    documents = list(RuleDocument.objects.filter(organisation=unit).order_by("category", "title"))
    for version in (
        RuleVersion.objects.filter(document__in=documents).select_related("uploaded_by").order_by("-number")
    ):
        versions[version.document_id].append(version)
    rule_rows = [
        RuleRow(
            document=d,
            current=next((v for v in versions[d.pk] if v.effective_on <= on), None),
            versions=versions[d.pk],
        )
        for d in documents
    ]
    collaborations = [
        CollaborationRow(
            c,
            rules.in_force(c.valid_from, c.valid_to, getattr(getattr(c, "end", None), "ended_on", None), on),
        )
        for c in Collaboration.objects.filter(organisation=unit)
        .select_related("end")
        .order_by("kind", "-valid_from")
    ]
    licences = [
        (lic, lic.is_valid_on(on))
        for lic in Licence.objects.filter(organisation=unit).order_by("kind", "-valid_from")
    ]
    return Registers(
        unit=unit,
        on=on,
        departments=departments,
        equipment=equipment_rows,
        rules=rule_rows,
        collaborations=collaborations,
        licences=licences,
        staff=staff_structure(organisation_ids=[unit.pk], on=on)[unit.pk],
        maintenance_max_days=max_days,
    )


def rule_version_get(*, user: Any, pk: int) -> RuleVersion:
    """A rule version of a unit in the user's scope; ``RuleVersion.DoesNotExist`` otherwise."""
    return RuleVersion.objects.select_related("document").get(
        pk=pk, document__organisation__in=units_in_scope(user=user)
    )


# --- assessments ----------------------------------------------------------------------------------------------------


def assessments_in_scope(*, user: Any) -> QuerySet[Assessment]:
    return Assessment.objects.filter(organisation__in=units_in_scope(user=user))


def assessment_get(*, user: Any, pk: int) -> Assessment:
    return (
        assessments_in_scope(user=user).select_related("organisation", "framework", "created_by").get(pk=pk)
    )


def final_scores(assessment: Assessment) -> dict[str, Decimal]:
    """Dimension → its score: the latest adjustment, else as computed; in the order of the dimensions."""
    computed = dict(assessment.dimension_scores.values_list("dimension", "computed"))
    adjusted = dict(
        assessment.steps.filter(kind=StepKind.ADJUSTED).order_by("at", "pk").values_list("dimension", "score")
    )
    return {d: adjusted.get(d, computed[d]) for d in Dimension.values if d in computed}


@dataclass(frozen=True)
class DimensionRow:
    dimension: str
    label: str
    computed: Decimal
    score: Decimal
    results: list[CriterionResult]

    @property
    def adjusted(self) -> bool:
        return self.score != self.computed


@dataclass(frozen=True)
class Gap:
    dimension: str
    criterion: str
    missing: str


@dataclass(frozen=True)
class AssessmentView:
    assessment: Assessment
    dimensions: list[DimensionRow]
    steps: list[AssessmentStep]

    @property
    def gaps(self) -> list[Gap]:
        return [
            Gap(
                dimension=d.label,
                criterion=r.criterion.name,
                missing=rules.gap_text(
                    r.criterion.source, r.criterion.parameter, r.found, r.required, r.detail
                ),
            )
            for d in self.dimensions
            for r in d.results
            if not r.met
        ]


def assessment_view(assessment: Assessment) -> AssessmentView:
    results: dict[str, list[CriterionResult]] = defaultdict(list)
    for r in assessment.results.select_related("criterion").order_by("criterion__order", "pk"):
        results[r.criterion.dimension].append(r)
    computed = dict(assessment.dimension_scores.values_list("dimension", "computed"))
    scores = final_scores(assessment)
    return AssessmentView(
        assessment=assessment,
        dimensions=[
            DimensionRow(d, str(label), computed[d], scores[d], results[d])
            for d, label in Dimension.choices
            if d in computed
        ],
        steps=list(assessment.steps.select_related("by").order_by("at", "pk")),
    )


def latest_assessment(*, unit: Organisation, confirmed_only: bool = False) -> Assessment | None:
    found = Assessment.objects.filter(organisation=unit)
    if confirmed_only:
        found = found.filter(status=AssessmentStatus.CONFIRMED)
    return found.select_related("framework", "created_by").order_by("-on", "-pk").first()


def latest_assessments(*, units: list[Organisation]) -> dict[int, Assessment]:
    """Unit id → its latest assessment (confirmed or not); units never assessed are absent. One query."""
    latest: dict[int, Assessment] = {}
    for a in Assessment.objects.filter(organisation__in=units).order_by("organisation_id", "-on", "-pk"):
        latest.setdefault(a.organisation_id, a)
    return latest


def _latest_by_unit(units: list[int], *, first: dt.date | None, last: dt.date) -> dict[int, Assessment]:
    found = Assessment.objects.filter(
        organisation_id__in=units, status=AssessmentStatus.CONFIRMED, on__lte=last
    ).select_related("organisation")
    if first is not None:
        found = found.filter(on__gte=first)
    latest: dict[int, Assessment] = {}
    for a in found.order_by("organisation_id", "-on", "-pk"):
        latest.setdefault(a.organisation_id, a)
    return latest


def capability_scores(*, region_code: str, year: int) -> dict[int, Decimal]:
    """Organisation id → the overall score of its latest confirmed assessment dated in ``year``, for the units in
    the region and below it. Units without a confirmed assessment that year are absent. One query."""
    units = list(
        Organisation.objects.filter(
            type__in=UNIT_TYPES, region__code__startswith=region_prefix(region_code)
        ).values_list("pk", flat=True)
    )
    latest = _latest_by_unit(units, first=dt.date(year, 1, 1), last=dt.date(year, 12, 31))
    return {pk: a.score for pk, a in latest.items()}


@dataclass(frozen=True)
class RankedUnit:
    unit: Organisation
    rank: int | None
    assessment: Assessment | None
    scores: dict[str, Decimal]
    facts: rules.Facts

    @property
    def score_list(self) -> list[Decimal | None]:
        """The score of every dimension, in the order of the dimensions (None where the framework has none)."""
        return [self.scores.get(d) for d in Dimension.values]


@dataclass(frozen=True)
class RollupView:
    on: dt.date
    rollup: rules.Rollup
    units: list[RankedUnit]


def rollup(*, units: list[Organisation], on: dt.date) -> RollupView:
    """The roll-up of ``units`` on ``on``: register counts, and every unit with the scores of its latest confirmed
    assessment on or before the day, ranked by the overall score (ties share a rank; unassessed units last)."""
    facts = unit_facts(units=units, on=on)
    latest = _latest_by_unit([u.pk for u in units], first=None, last=on)
    computed: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for assessment_id, dimension, score in Assessment.objects.filter(
        pk__in=[a.pk for a in latest.values()]
    ).values_list("pk", "dimension_scores__dimension", "dimension_scores__computed"):
        computed[assessment_id][dimension] = score
    for assessment_id, dimension, score in (
        AssessmentStep.objects.filter(
            assessment_id__in=[a.pk for a in latest.values()], kind=StepKind.ADJUSTED
        )
        .order_by("at", "pk")
        .values_list("assessment_id", "dimension", "score")
    ):
        computed[assessment_id][dimension] = score
    ordered = sorted(
        units, key=lambda u: (u.pk not in latest, -(latest[u.pk].score if u.pk in latest else 0), u.name)
    )
    ranked: list[RankedUnit] = []
    previous: tuple[Decimal, int] | None = None
    for position, unit in enumerate(ordered, start=1):
        assessment = latest.get(unit.pk)
        rank = None
        if assessment is not None:
            rank = previous[1] if previous and previous[0] == assessment.score else position
            previous = (assessment.score, rank)
        ranked.append(
            RankedUnit(
                unit=unit,
                rank=rank,
                assessment=assessment,
                scores=computed.get(assessment.pk, {}) if assessment else {},
                facts=facts[unit.pk],
            )
        )
    return RollupView(on=on, rollup=rules.rollup([facts[u.pk] for u in units]), units=ranked)
