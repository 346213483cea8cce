"""Reads of aggregate figures: the approved figures the indicators use, the submissions in a user's scope and a
submission's history.

Only approved figures leave this app: a draft, a submitted or a returned submission counts for nothing in
``approved_value`` and ``approved_total``. The figures of a submission are those of its current version.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Prefetch, QuerySet, Sum

from jiedu.datasets import rules
from jiedu.datasets.models import DataElement, DataSet, DataValue, Status, Step, Submission
from jiedu.policy import Action, can
from jiedu.registry.models import Organisation, OrganisationType, Region, RegionLevel

# --- for the indicators ---------------------------------------------------------------------------------------


def _approved(*, data_set: str, element: str, period_start: dt.date) -> QuerySet[DataValue]:
    return DataValue.objects.filter(
        submission__data_set__code=data_set,
        submission__status=Status.APPROVED,
        submission__period_start=period_start,
        element__code=element,
        version=F("submission__version"),
    )


def approved_value(*, data_set: str, element: str, region_code: str, period_start: dt.date) -> Decimal | None:
    """The approved figure of one region (None when its figures are not approved or leave the element blank)."""
    return (
        _approved(data_set=data_set, element=element, period_start=period_start)
        .filter(submission__region_id=region_code)
        .values_list("value", flat=True)
        .first()
    )


def approved_total(
    *, data_set: str, element: str, region_prefix_code: str, period_start: dt.date
) -> tuple[Decimal | None, int]:
    """The sum of the approved figures of every county inside a region ("350500": the counties whose code starts
    with "3505"; "350000": with "35"; a county code: that county) and the number of counties that contributed.
    (None, 0) when no county's figure is approved. One query."""
    found = (
        _approved(data_set=data_set, element=element, period_start=period_start)
        .filter(
            submission__region__level=RegionLevel.COUNTY,
            submission__region__code__startswith=rules.region_prefix(region_prefix_code),
        )
        .aggregate(total=Sum("value"), counties=Count("submission", distinct=True))
    )
    return found["total"], found["counties"]


def approved_by_region(
    *, data_set: str, element: str, prefix: str, period_start: dt.date
) -> dict[str, Decimal]:
    """County code → its approved figure, for every county whose code starts with ``prefix`` ("" = all) and
    whose figures for the period are approved. One query."""
    found = _approved(data_set=data_set, element=element, period_start=period_start).filter(
        submission__region__level=RegionLevel.COUNTY, submission__region__code__startswith=prefix
    )
    return dict(found.values_list("submission__region_id", "value"))


# --- for the pages --------------------------------------------------------------------------------------------


def approved_table(
    *, data_set: str, prefix: str, period_start: dt.date
) -> tuple[list[DataElement], dict[str, dict[str, Decimal]]]:
    """The data set's elements in order, and county code → element code → approved figure for every county whose
    code starts with ``prefix`` and whose figures for the period are approved. Two queries."""
    elements = list(DataElement.objects.filter(data_set__code=data_set).order_by("order"))
    table: dict[str, dict[str, Decimal]] = {}
    for region, element, value in DataValue.objects.filter(
        submission__data_set__code=data_set,
        submission__status=Status.APPROVED,
        submission__period_start=period_start,
        submission__region__level=RegionLevel.COUNTY,
        submission__region__code__startswith=prefix,
        version=F("submission__version"),
    ).values_list("submission__region_id", "element__code", "value"):
        table.setdefault(region, {})[element] = value
    return elements, table


def values_of(submission: Submission) -> dict[str, Decimal]:
    """The current figures of a submission, by element code."""
    return dict(
        DataValue.objects.filter(submission=submission, version=submission.version).values_list(
            "element__code", "value"
        )
    )


def submissions_in_scope(*, user: Any) -> QuerySet[Submission]:
    """Submissions of the regions in the user's region (a county officer: the county; a prefecture officer: its
    counties and itself)."""
    if not (can(user, Action.DATASET_ENTER) or can(user, Action.DATASET_APPROVE)):
        return Submission.objects.none()
    found = Submission.objects.select_related("data_set", "region")
    org = user.organisation
    if org is None:
        return found
    return found.filter(region__code__startswith=org.region.prefix)


def region_in_scope(*, user: Any, region: Any) -> bool:
    """Whether the region is the user's own or inside it (the regions whose figures the user may see)."""
    org = user.organisation
    return org is None or region.code.startswith(org.region.prefix)


def submission_get(*, user: Any, pk: int) -> Submission:
    """A submission in the user's scope; ``Submission.DoesNotExist`` otherwise."""
    return submissions_in_scope(user=user).get(pk=pk)


@dataclass(frozen=True)
class Listed:
    submission: Submission
    period: str
    #: The last step: who did what, when.
    last: Step | None


def submission_list(*, user: Any, limit: int = 300) -> list[Listed]:
    """The submissions in the user's scope, the latest period first, each with its last step. Two queries."""
    rows = list(
        submissions_in_scope(user=user)
        .prefetch_related(
            Prefetch(
                "steps", queryset=Step.objects.select_related("by").order_by("-at", "-pk"), to_attr="_steps"
            )
        )
        .order_by("-period_start", "data_set__code", "region_id")[:limit]
    )
    return [
        Listed(
            submission=s,
            period=rules.period_label(s.data_set.period_type, s.period_start),
            last=s._steps[0] if s._steps else None,  # type: ignore[attr-defined]
        )
        for s in rows
    ]


@dataclass(frozen=True)
class EntryLink:
    period: dt.date
    label: str
    status: str | None  # None: nothing entered yet

    @property
    def status_label(self) -> str:
        return str(Status(self.status).label) if self.status else ""


@dataclass(frozen=True)
class EntryOffer:
    data_set: DataSet
    links: list[EntryLink]


def entry_offers(*, user: Any, today: dt.date, count: int = 4) -> list[EntryOffer]:
    """For each data set in use that the user's region reports: its latest periods and their status there."""
    org = user.organisation
    if org is None or not can(user, Action.DATASET_ENTER):
        return []
    region = org.region
    data_sets = [
        d
        for d in DataSet.objects.filter(is_active=True).order_by("code")
        if rules.level_problem(d.reporting_level, region.level) is None
    ]
    statuses = {
        (s["data_set_id"], s["period_start"]): s["status"]
        for s in Submission.objects.filter(region=region, data_set__in=data_sets).values(
            "data_set_id", "period_start", "status"
        )
    }
    return [
        EntryOffer(
            data_set=d,
            links=[
                EntryLink(p, rules.period_label(d.period_type, p), statuses.get((d.pk, p)))
                for p in rules.recent_periods(d.period_type, today, count)
            ],
        )
        for d in data_sets
    ]


# --- reporting completeness -------------------------------------------------------------------------------------------

#: The offices that enter a region's figures: a region is expected to report once one of them is on the platform.
REPORTING_OFFICES = (OrganisationType.HEALTH_COMMISSION, OrganisationType.NARCOTICS_OFFICE)


@dataclass(frozen=True)
class Reporter:
    region: Region
    #: The submission's status for the period, None when nothing is entered yet.
    status: str | None
    submission_id: int | None

    @property
    def status_label(self) -> str:
        return str(Status(self.status).label) if self.status else ""


@dataclass(frozen=True)
class Completeness:
    """How far the regions below an approver have reported one data set for one period."""

    data_set: DataSet
    period: dt.date
    label: str
    reporters: list[Reporter]

    def _count(self, status: str | None) -> int:
        return sum(1 for r in self.reporters if r.status == status)

    @property
    def expected(self) -> int:
        return len(self.reporters)

    @property
    def approved(self) -> int:
        return self._count(Status.APPROVED)

    @property
    def submitted(self) -> int:
        return self._count(Status.SUBMITTED)

    @property
    def draft(self) -> int:
        return self._count(Status.DRAFT)

    @property
    def not_started(self) -> int:
        return self._count(None)

    @property
    def outstanding(self) -> list[Reporter]:
        """The regions whose figures are not approved yet, those with nothing entered first."""
        order = {None: 0, Status.DRAFT: 1, Status.SUBMITTED: 2}
        waiting = [r for r in self.reporters if r.status != Status.APPROVED]
        return sorted(waiting, key=lambda r: (order[r.status], r.region.code))


def completeness(*, user: Any, today: dt.date, count: int = 2) -> list[Completeness]:
    """For an approver of a prefecture or province: for each data set in use and its ``count`` latest periods, the
    regions strictly below that are expected to report it (those with a health commission or narcotics office on
    the platform, at the data set's reporting level) and how far each has got. 2 + one query per data set."""
    org = user.organisation
    if org is None or not can(user, Action.DATASET_APPROVE) or org.region.level == RegionLevel.COUNTY:
        return []
    below = [
        region
        for region in Region.objects.filter(
            code__in=Organisation.objects.filter(
                is_active=True, type__in=REPORTING_OFFICES, region__code__startswith=org.region.prefix
            ).values("region_id")
        ).order_by("code")
        if rules.strictly_above(org.region.code, org.region.level, region.code)
    ]
    found = []
    for data_set in DataSet.objects.filter(is_active=True).order_by("code"):
        reporters = [r for r in below if rules.level_problem(data_set.reporting_level, r.level) is None]
        periods = rules.recent_periods(data_set.period_type, today, count)
        entered = {
            (region, period): (status, pk)
            for region, period, status, pk in Submission.objects.filter(
                data_set=data_set, period_start__in=periods, region__in=reporters
            ).values_list("region_id", "period_start", "status", "pk")
        }
        for period in periods:
            found.append(
                Completeness(
                    data_set=data_set,
                    period=period,
                    label=rules.period_label(data_set.period_type, period),
                    reporters=[Reporter(r, *entered.get((r.code, period), (None, None))) for r in reporters],
                )
            )
    return found


@dataclass(frozen=True)
class Version:
    number: int
    saved: Step | None
    cells: list[str]  # one per element, "" where blank


@dataclass(frozen=True)
class History:
    elements: list[DataElement]
    steps: list[Step]
    #: Every version of the figures, the latest first.
    versions: list[Version]

    @property
    def rows(self) -> list[tuple[DataElement, list[str]]]:
        """Each element with its figure in every version (latest first)."""
        return [(e, [v.cells[i] for v in self.versions]) for i, e in enumerate(self.elements)]


def submission_history(submission: Submission) -> History:
    """Every step, and every version of the figures with who saved it. Three queries."""
    elements = list(submission.data_set.elements.all())
    steps = list(submission.steps.select_related("by").order_by("at", "pk"))
    saved = {s.version: s for s in steps if s.kind == "saved"}
    cells: dict[int, dict[int, Decimal]] = {}
    for version, element_id, value in DataValue.objects.filter(submission=submission).values_list(
        "version", "element_id", "value"
    ):
        cells.setdefault(version, {})[element_id] = value
    numbers = sorted(set(saved) | set(cells), reverse=True)
    return History(
        elements=elements,
        steps=steps,
        versions=[
            Version(
                number=n,
                saved=saved.get(n),
                cells=[
                    rules.shown(cells[n][e.pk], e.value_type) if e.pk in cells.get(n, {}) else ""
                    for e in elements
                ],
            )
            for n in numbers
        ],
    )
