"""Reads of inspections: the checklists, the teams, the inspections and findings a user may see, the conduct
sheet with its running totals and live facts, the status board, and the figures the annual evaluation uses.

Who sees what:
* health officers, narcotics officers and inspectors (regional roles) see the inspections and findings of the
  organisations in their region and below, and those their organisation planned;
* a team's members see the inspections of their team;
* an inspected institution sees its own inspections — an unannounced one only once it has started — and only
  the findings it owns.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Max, Prefetch, Q, QuerySet

from jiedu.accounts.models import Role
from jiedu.core import clock
from jiedu.core.clock import SHANGHAI
from jiedu.inspections import rules
from jiedu.inspections.facts import Fact, facts_for
from jiedu.inspections.models import (
    Escalation,
    Evidence,
    Inspection,
    InspectionStatus,
    Item,
    Rectification,
    RectificationStatus,
    RectificationStep,
    Response,
    Section,
    Team,
    TeamMember,
    Template,
    TemplateVersion,
    VersionStatus,
)
from jiedu.policy import GRANTS, ORG_TYPE_ROLES, Action, can, effective_roles
from jiedu.registry.models import Organisation, Region, RegionLevel

REGIONAL = frozenset({Role.HEALTH_OFFICER, Role.NARCOTICS_OFFICER, Role.INSPECTOR})
DONE = (InspectionStatus.SUBMITTED, InspectionStatus.CLOSED)


def region_prefix(code: str) -> str:
    """ "350000" → "35", "350500" → "3505", a county → itself."""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def _is_regional(user: Any) -> bool:
    return bool(effective_roles(user) & REGIONAL)


def _my_teams(user: Any) -> QuerySet[TeamMember]:
    return TeamMember.objects.filter(user_id=user.pk).values("team_id")


def is_member(user: Any, team_id: int) -> bool:
    return TeamMember.objects.filter(team_id=team_id, user_id=user.pk).exists()


# --- checklists ---------------------------------------------------------------------------------------------


def numbered_items(version: TemplateVersion) -> list[tuple[str, Item]]:
    """The version's items in order, each with its number ("2.3": the third item of the second section)."""
    out = []
    sections = list(
        version.sections.order_by("order").prefetch_related(Prefetch("items", Item.objects.order_by("order")))
    )
    for s_index, section in enumerate(sections, start=1):
        for i_index, item in enumerate(section.items.all(), start=1):
            out.append((f"{s_index}.{i_index}", item))
    return out


@dataclass(frozen=True)
class TemplateRow:
    template: Template
    latest: TemplateVersion | None
    published: TemplateVersion | None
    draft: TemplateVersion | None
    inspections: int


def template_list() -> list[TemplateRow]:
    """Every checklist with its latest, latest published and draft versions. Three queries."""
    templates = list(
        Template.objects.order_by("code").prefetch_related(
            Prefetch("versions", TemplateVersion.objects.order_by("-number"))
        )
    )
    used = dict(
        Inspection.objects.values("version__template_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("version__template_id", "n")
    )
    rows = []
    for t in templates:
        versions = list(t.versions.all())
        rows.append(
            TemplateRow(
                template=t,
                latest=versions[0] if versions else None,
                published=next((v for v in versions if v.status == VersionStatus.PUBLISHED), None),
                draft=next((v for v in versions if v.status == VersionStatus.DRAFT), None),
                inspections=used.get(t.pk, 0),
            )
        )
    return rows


@dataclass(frozen=True)
class VersionRow:
    version: TemplateVersion
    items: int
    total: Decimal
    inspections: int


def template_versions(template: Template) -> list[VersionRow]:
    versions = (
        template.versions.select_related("created_by", "published_by")
        .annotate(n_items=Count("items", distinct=True), n_inspections=Count("inspections", distinct=True))
        .order_by("-number")
    )
    sums: dict[int, Decimal] = defaultdict(Decimal)
    for version_id, score in Item.objects.filter(version__template=template).values_list(
        "version_id", "max_score"
    ):
        sums[version_id] += score
    return [
        VersionRow(version=v, items=v.n_items, total=sums.get(v.pk, Decimal(0)), inspections=v.n_inspections)  # type: ignore[attr-defined]
        for v in versions
    ]


@dataclass(frozen=True)
class SectionView:
    section: Section
    number: int
    items: list[tuple[str, Item]]
    maximum: Decimal


def version_outline(version: TemplateVersion) -> list[SectionView]:
    out = []
    sections = version.sections.order_by("order").prefetch_related(
        Prefetch("items", Item.objects.order_by("order"))
    )
    for s_index, section in enumerate(sections, start=1):
        items = [(f"{s_index}.{i}", item) for i, item in enumerate(section.items.all(), start=1)]
        out.append(
            SectionView(
                section=section,
                number=s_index,
                items=items,
                maximum=sum((i.max_score for _n, i in items), Decimal(0)),
            )
        )
    return out


def published_versions() -> QuerySet[TemplateVersion]:
    """The latest published version of each checklist: what new inspections are planned with."""
    latest = (
        TemplateVersion.objects.filter(status=VersionStatus.PUBLISHED)
        .values("template_id")
        .annotate(n=Max("number"))
    )
    wanted = Q(pk__in=[])
    for row in latest:
        wanted |= Q(template_id=row["template_id"], number=row["n"])
    return TemplateVersion.objects.filter(wanted).select_related("template").order_by("template__code")


# --- teams --------------------------------------------------------------------------------------------------


def team_candidates(*, user: Any) -> QuerySet[Any]:
    """People of the user's region who may take part in an inspection: a role that conducts inspections, in an
    organisation whose type allows that role. One query."""
    User = get_user_model()
    allowed = Q(pk__in=[])
    for role in GRANTS[Action.INSPECTION_CONDUCT]:
        types = [t for t, roles in ORG_TYPE_ROLES.items() if role in roles]
        allowed |= Q(role_assignments__role=role, organisation__type__in=types)
    people = User.objects.filter(allowed, is_active=True, organisation__isnull=False)
    org = user.organisation
    if org is not None:
        people = people.filter(organisation__region__code__startswith=org.region.prefix)
    return (
        User.objects.filter(pk__in=people.values("pk"))
        .select_related("organisation")
        .order_by("organisation__name", "full_name", "username")
    )


def teams_in_scope(*, user: Any) -> QuerySet[Team]:
    """Teams led from the user's region."""
    teams = Team.objects.select_related("lead_organisation").prefetch_related(
        Prefetch(
            "members",
            TeamMember.objects.select_related("user", "user__organisation").order_by("-is_leader", "pk"),
        )
    )
    org = user.organisation
    if org is not None:
        teams = teams.filter(lead_organisation__region__code__startswith=org.region.prefix)
    return teams.order_by("name", "pk")


def team_get(*, user: Any, pk: int) -> Team:
    return teams_in_scope(user=user).get(pk=pk)


# --- inspections --------------------------------------------------------------------------------------------


def _hidden_from_target() -> Q:
    """An unannounced inspection that has not started (the target must not see it)."""
    return Q(announced=False, started_at__isnull=True)


def inspections_in_scope(*, user: Any) -> QuerySet[Inspection]:
    base = Inspection.objects.select_related(
        "version__template", "team", "target", "target__region", "inspecting_organisation"
    )
    if not (can(user, Action.INSPECTION_VIEW) or can(user, Action.INSPECTION_CONDUCT)):
        return base.none()
    org = user.organisation
    if org is None:
        return base
    seen = Q(team_id__in=_my_teams(user))
    if can(user, Action.INSPECTION_VIEW):
        own = Q(target=org) & ~_hidden_from_target()
        seen |= own
        if _is_regional(user):
            seen |= Q(inspecting_organisation=org)
            seen |= Q(target__region__code__startswith=org.region.prefix) & ~(
                Q(target=org) & _hidden_from_target()
            )
    return base.filter(seen)


def inspection_get(*, user: Any, pk: int) -> Inspection:
    """An inspection the user may see; ``Inspection.DoesNotExist`` otherwise."""
    return inspections_in_scope(user=user).get(pk=pk)


def conduct_get(*, user: Any, pk: int) -> Inspection:
    """An inspection of the user's teams; ``Inspection.DoesNotExist`` for one the user may not see at all."""
    return inspection_get(user=user, pk=pk)


def schedule(*, user: Any, status: str = "", target: int | None = None, limit: int = 500) -> list[Inspection]:
    """The inspections the user may see by date (the latest first), filtered by status and target."""
    found = inspections_in_scope(user=user)
    if status:
        found = found.filter(status=status)
    if target:
        found = found.filter(target_id=target)
    return list(found.order_by("-scheduled_on", "-pk")[:limit])


def assignments(*, user: Any) -> list[Inspection]:
    """The inspections of the user's teams: the planned and running ones first, by date."""
    found = inspections_in_scope(user=user).filter(team_id__in=_my_teams(user))
    active = [InspectionStatus.PLANNED, InspectionStatus.IN_PROGRESS]
    current = list(found.filter(status__in=active).order_by("scheduled_on", "pk"))
    done = list(found.exclude(status__in=active).order_by("-scheduled_on", "-pk")[:50])
    return current + done


def target_choices(*, user: Any) -> QuerySet[Organisation]:
    """Organisations in the user's region (the planner's choice of targets)."""
    found = Organisation.objects.filter(is_active=True).select_related("region")
    org = user.organisation
    if org is not None:
        found = found.filter(region__code__startswith=org.region.prefix)
    return found.order_by("region_id", "type", "name")


def latest_responses(inspection: Inspection) -> dict[int, Response]:
    """Item id → the item's latest response."""
    latest: dict[int, Response] = {}
    for r in Response.objects.filter(inspection=inspection).order_by("item_id", "seq"):
        latest[r.item_id] = r
    return latest


def evidence_counts(inspection: Inspection) -> dict[int, int]:
    return dict(
        Evidence.objects.filter(inspection=inspection, item__isnull=False)
        .values("item_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("item_id", "n")
    )


@dataclass
class Row:
    number: str
    item: Item
    history: list[Response]
    evidence: list[Evidence]
    fact: Fact | None = None

    @property
    def latest(self) -> Response | None:
        return self.history[-1] if self.history else None

    @property
    def label(self) -> str:
        return rules.item_label(self.number, self.item.text)

    @property
    def points(self) -> str:
        return rules.points(self.item.max_score)

    @property
    def is_finding(self) -> bool:
        return self.latest is not None and rules.is_finding(self.item, self.latest)

    @property
    def lacks_evidence(self) -> bool:
        latest = self.latest
        return (
            self.item.evidence_required
            and not self.evidence
            and not (latest is not None and latest.not_applicable)
        )


@dataclass
class Block:
    section: Section
    number: int
    rows: list[Row]

    @property
    def totals(self) -> rules.Totals:
        return rules.totals([r.item for r in self.rows], {r.item.pk: r.latest for r in self.rows if r.latest})


@dataclass
class Sheet:
    inspection: Inspection
    blocks: list[Block]
    facts: dict[str, Fact] = field(default_factory=dict)

    @property
    def rows(self) -> list[Row]:
        return [r for b in self.blocks for r in b.rows]

    @property
    def totals(self) -> rules.Totals:
        rows = self.rows
        return rules.totals([r.item for r in rows], {r.item.pk: r.latest for r in rows if r.latest})

    def block_of(self, item_id: int) -> Block:
        return next(b for b in self.blocks if any(r.item.pk == item_id for r in b.rows))

    def row_of(self, item_id: int) -> Row:
        return next(r for r in self.rows if r.item.pk == item_id)

    @property
    def findings(self) -> list[Row]:
        return [r for r in self.rows if r.is_finding]


def sheet(inspection: Inspection, *, with_facts: bool = False) -> Sheet:
    """The inspection's checklist with each item's responses (all of them: the history), its evidence and, if
    asked, the live facts about the target. Five queries, plus the facts."""
    responses: dict[int, list[Response]] = defaultdict(list)
    for r in Response.objects.filter(inspection=inspection).select_related("by").order_by("item_id", "seq"):
        responses[r.item_id].append(r)
    evidence: dict[int, list[Evidence]] = defaultdict(list)
    for e in Evidence.objects.filter(inspection=inspection, item__isnull=False).select_related("uploaded_by"):
        evidence[e.item_id].append(e)  # type: ignore[index]
    blocks = []
    for view in version_outline(inspection.version):
        blocks.append(
            Block(
                section=view.section,
                number=view.number,
                rows=[
                    Row(number, item, responses.get(item.pk, []), evidence.get(item.pk, []))
                    for number, item in view.items
                ],
            )
        )
    made = Sheet(inspection=inspection, blocks=blocks)
    if with_facts:
        keys = [r.item.fact_key for r in made.rows if r.item.fact_key]
        if keys:
            made.facts = facts_for(
                target=inspection.target, keys=keys, now=clock.now(), today=clock.local_today()
            )
            for row in made.rows:
                row.fact = made.facts.get(row.item.fact_key)
    return made


def evidence_get(*, user: Any, pk: int) -> Evidence:
    """A file of an inspection the user may see — an item's photo, or a file sent with an answer to a finding the
    user may see; ``Evidence.DoesNotExist`` otherwise."""
    evidence = Evidence.objects.select_related("step").get(pk=pk)
    if evidence.step_id is not None:
        visible = findings_in_scope(user=user).filter(pk=evidence.step.rectification_id).exists()  # type: ignore[union-attr]
    else:
        visible = inspections_in_scope(user=user).filter(pk=evidence.inspection_id).exists()
    if not visible:
        raise Evidence.DoesNotExist(pk)
    return evidence


# --- findings -----------------------------------------------------------------------------------------------


def findings_in_scope(*, user: Any) -> QuerySet[Rectification]:
    base = Rectification.objects.select_related(
        "inspection__version__template",
        "inspection__target",
        "inspection__inspecting_organisation",
        "item",
        "owner",
        "owner__region",
    )
    if not can(user, Action.INSPECTION_VIEW):
        return base.none()
    org = user.organisation
    if org is None:
        return base
    seen = Q(owner=org) | Q(inspection__team_id__in=_my_teams(user))
    if _is_regional(user):
        prefix = org.region.prefix
        seen |= (
            Q(owner__region__code__startswith=prefix)
            | Q(inspection__target__region__code__startswith=prefix)
            | Q(inspection__inspecting_organisation=org)
        )
    return base.filter(seen)


def finding_get(*, user: Any, pk: int) -> Rectification:
    return findings_in_scope(user=user).get(pk=pk)


OVERDUE = "overdue"
ESCALATED_TO_ME = "escalated"


def finding_list(
    *, user: Any, status: str = "", owner: int | None = None, county: str = "", limit: int = 500
) -> list[Rectification]:
    """The findings the user may see, by status and deadline; ``status`` may also be "overdue" (open past the
    deadline) or "escalated" (open and escalated to the user's organisation). Each row carries ``overdue`` and
    ``level``: the escalation level reached for its current deadline."""
    found = findings_in_scope(user=user)
    today = clock.local_today()
    if status == OVERDUE:
        found = found.filter(status=RectificationStatus.OPEN, deadline__lt=today)
    elif status == ESCALATED_TO_ME:
        org = user.organisation
        to_me = Q(escalations__commission=org) | Q(escalations__inspecting_organisation=org)
        found = found.filter(
            status=RectificationStatus.OPEN, pk__in=Rectification.objects.filter(to_me).values("pk")
        )
    elif status:
        found = found.filter(status=status)
    if owner:
        found = found.filter(owner_id=owner)
    if county:
        found = found.filter(owner__region_id=county)
    rows = list(
        found.annotate(
            level=Max("escalations__level", filter=Q(escalations__deadline=F("deadline")))
        ).order_by("status", "deadline", "inspection_id", "number")[:limit]
    )
    for r in rows:
        r.overdue = rules.is_overdue(r.status, r.deadline, today)  # type: ignore[attr-defined]
    return rows


@dataclass(frozen=True)
class History:
    steps: list[RectificationStep]
    evidence: dict[int, list[Evidence]]
    escalations: list[Escalation]


def finding_history(rectification: Rectification) -> History:
    steps = list(rectification.steps.select_related("by").order_by("at", "pk"))
    evidence: dict[int, list[Evidence]] = defaultdict(list)
    for e in Evidence.objects.filter(step__rectification=rectification).order_by("pk"):
        evidence[e.step_id].append(e)  # type: ignore[index]
    for step in steps:
        step.files = evidence.get(step.pk, [])  # type: ignore[attr-defined]
    escalations = list(
        rectification.escalations.select_related("inspecting_organisation", "commission").order_by("at", "pk")
    )
    return History(steps=steps, evidence=dict(evidence), escalations=escalations)


# --- the status board ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardRow:
    key: str  # a county code or an organisation id
    name: str
    open: int
    overdue: int
    responded: int
    verified: int
    closed: int

    @property
    def total(self) -> int:
        return self.open + self.responded + self.verified + self.closed


@dataclass(frozen=True)
class Board:
    level: str  # "county": a row per county; "organisation": a row per organisation
    region: Region | None
    rows: list[BoardRow]

    @property
    def totals(self) -> BoardRow:
        return BoardRow(
            key="",
            name="",
            open=sum(r.open for r in self.rows),
            overdue=sum(r.overdue for r in self.rows),
            responded=sum(r.responded for r in self.rows),
            verified=sum(r.verified for r in self.rows),
            closed=sum(r.closed for r in self.rows),
        )


def _counts() -> dict[str, Count]:
    today = clock.local_today()
    S = RectificationStatus
    return {
        "n_open": Count("pk", filter=Q(status=S.OPEN)),
        "n_overdue": Count("pk", filter=Q(status=S.OPEN, deadline__lt=today)),
        "n_responded": Count("pk", filter=Q(status=S.RESPONDED)),
        "n_verified": Count("pk", filter=Q(status=S.VERIFIED)),
        "n_closed": Count("pk", filter=Q(status=S.CLOSED)),
    }


def board(*, user: Any, county: str = "") -> Board:
    """Counts of findings by state for each county in the user's region (a county officer: each organisation of
    the county; ``county``: drill down into one county). Two queries."""
    found = findings_in_scope(user=user)
    org = user.organisation
    own_region = org.region if org is not None else None
    if county:
        region = Region.objects.filter(code=county, level=RegionLevel.COUNTY).first()
        if region is None or (own_region is not None and not county.startswith(own_region.prefix)):
            raise Region.DoesNotExist(county)
    elif own_region is not None and own_region.level == RegionLevel.COUNTY:
        region = own_region
    else:
        region = None
    if region is not None:
        grouped = (
            found.filter(owner__region_id=region.code)
            .values("owner_id", "owner__name")
            .annotate(**_counts())
            .order_by("owner__name", "owner_id")
        )
        rows = [
            BoardRow(
                str(g["owner_id"]),
                g["owner__name"],
                g["n_open"],
                g["n_overdue"],
                g["n_responded"],
                g["n_verified"],
                g["n_closed"],
            )
            for g in grouped
        ]
        return Board(level="organisation", region=region, rows=rows)
    grouped = found.values("owner__region_id").annotate(**_counts()).order_by("owner__region_id")
    names = dict(
        Region.objects.filter(code__in=[g["owner__region_id"] for g in grouped]).values_list("code", "name")
    )
    rows = [
        BoardRow(
            g["owner__region_id"], names.get(g["owner__region_id"], g["owner__region_id"]),
            g["n_open"], g["n_overdue"], g["n_responded"], g["n_verified"], g["n_closed"],
        )
        for g in grouped
    ]  # fmt: skip
    return Board(level="county", region=own_region, rows=rows)


# --- for the annual evaluation ------------------------------------------------------------------------------


def _year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    return (
        dt.datetime(year, 1, 1, tzinfo=SHANGHAI),
        dt.datetime(year + 1, 1, 1, tzinfo=SHANGHAI),
    )


def inspection_scores(*, region_code: str, year: int) -> dict[int, Decimal]:
    """Target organisation id → the percentage score (0–100, one decimal) of its latest inspection submitted in
    ``year`` (Asia/Shanghai), for the targets in the region (a province, prefecture or county code)."""
    start, end = _year_bounds(year)
    found = (
        Inspection.objects.filter(
            status__in=DONE,
            submitted_at__gte=start,
            submitted_at__lt=end,
            target__region__code__startswith=region_prefix(region_code),
            score__isnull=False,
        )
        .order_by("target_id", "-submitted_at", "-pk")
        .values_list("target_id", "score")
    )
    scores: dict[int, Decimal] = {}
    for target_id, score in found:
        scores.setdefault(target_id, score)
    return scores


def rectification_completion(*, region_code: str, year: int) -> dict[int, tuple[int, int]]:
    """Owner organisation id → (closed on time, total due in ``year``), for owners in the region.

    Due in the year: the item's deadline (the one in force: a rejected answer sets a new one) falls in the year.
    Closed on time: the item is closed and its accepted answer was given on or before that deadline."""
    found = Rectification.objects.filter(
        deadline__year=year, owner__region__code__startswith=region_prefix(region_code)
    ).values_list("owner_id", "status", "deadline", "responded_at")
    out: dict[int, list[int]] = {}
    for owner_id, status, deadline, responded_at in found:
        row = out.setdefault(owner_id, [0, 0])
        row[1] += 1
        if (
            status == RectificationStatus.CLOSED
            and responded_at is not None
            and responded_at.astimezone(SHANGHAI).date() <= deadline
        ):
            row[0] += 1
    return {k: (v[0], v[1]) for k, v in out.items()}


def organisations_named(ids: Iterable[int]) -> dict[int, str]:
    return dict(Organisation.objects.filter(pk__in=list(ids)).values_list("pk", "name"))
