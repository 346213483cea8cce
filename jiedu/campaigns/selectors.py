"""Reads of campaigns and education events: what a user may see, the lists, an event with its versions, and the
totals per county, period, setting and campaign (also ``campaign_totals`` for the annual evaluation).

Who sees what: health and narcotics officers see the events held or organised in their region (the county's
narcotics office every event of the county); the other organisations (CDC, community offices, police) see the
events they organise or co-organise. Only the current version of an event counts, and a withdrawn event counts
for nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, Sum

from jiedu.accounts.models import Role
from jiedu.campaigns import rules
from jiedu.campaigns.models import (
    Campaign,
    CampaignChange,
    CampaignKind,
    CoOrganiser,
    Event,
    EventVersion,
    Evidence,
    MaterialLine,
    MediaItem,
    ParticipantCount,
    ParticipantGroup,
    Setting,
)
from jiedu.core.policy_values import region_chain
from jiedu.core.selectors import rule_value
from jiedu.policy import Action, can, effective_roles
from jiedu.registry.models import Organisation, Region, RegionLevel

#: Roles that read every event of their region.
OFFICERS = frozenset({Role.HEALTH_OFFICER, Role.NARCOTICS_OFFICER})


def is_officer(user: Any) -> bool:
    return bool(effective_roles(user) & OFFICERS)


# --- scope --------------------------------------------------------------------------------------------------------


def events_in_scope(*, user: Any) -> QuerySet[Event]:
    """The events the user may see (each with a current version)."""
    if not can(user, Action.CAMPAIGN_VIEW):
        return Event.objects.none()
    found = Event.objects.filter(current__isnull=False)
    org = user.organisation
    if org is None:  # platform superuser
        return found
    if is_officer(user):
        prefix = org.region.prefix
        return found.filter(
            Q(organiser__region__code__startswith=prefix) | Q(current__county__code__startswith=prefix)
        )
    co_organised = CoOrganiser.objects.filter(organisation=org, version__current_of__isnull=False).values(
        "version__event_id"
    )
    return found.filter(Q(organiser=org) | Q(pk__in=co_organised))


def event_get(*, user: Any, pk: int) -> Event:
    """An event in the user's scope with its current version; ``Event.DoesNotExist`` otherwise."""
    return (
        events_in_scope(user=user)
        .select_related(
            "organiser__region",
            "current__campaign__kind",
            "current__county",
            "current__setting",
            "current__recorded_by",
            "created_by",
        )
        .get(pk=pk)
    )


def current_versions(*, user: Any | None) -> QuerySet[EventVersion]:
    """The current versions of the events in the user's scope (None: every event, for other apps' reads)."""
    if user is None:
        return EventVersion.objects.filter(current_of__isnull=False)
    return EventVersion.objects.filter(current_of__in=events_in_scope(user=user))


def campaigns_visible(*, user: Any) -> QuerySet[Campaign]:
    """Campaigns of the user's region, of the regions above it (an event there may join them) and, for an
    officer, of the regions below it."""
    if not can(user, Action.CAMPAIGN_VIEW):
        return Campaign.objects.none()
    found = Campaign.objects.select_related("kind", "region")
    org = user.organisation
    if org is None:
        return found
    return found.filter(
        Q(region_id__in=region_chain(org.region.code)) | Q(region__code__startswith=org.region.prefix)
    )


def campaign_get(*, user: Any, pk: int) -> Campaign:
    return campaigns_visible(user=user).get(pk=pk)


def evidence_get(*, user: Any, pk: int) -> Evidence:
    """A file of an event in the user's scope; ``Evidence.DoesNotExist`` otherwise."""
    return Evidence.objects.select_related("event").get(pk=pk, event__in=events_in_scope(user=user))


# --- lists --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    period: rules.Period
    campaign: int | None = None
    setting: int | None = None
    county: str | None = None
    #: Events held in the region with this code prefix (``Region.prefix``).
    within: str | None = None


def event_list(*, user: Any, filters: Filters, limit: int = 500) -> list[EventVersion]:
    """The current versions of the events in scope held in the period (withdrawn ones included, marked), the
    latest first. One query."""
    found = current_versions(user=user).filter(
        held_on__gte=filters.period.start, held_on__lt=filters.period.end
    )
    if filters.campaign:
        found = found.filter(campaign_id=filters.campaign)
    if filters.setting:
        found = found.filter(setting_id=filters.setting)
    if filters.county:
        found = found.filter(county_id=filters.county)
    if filters.within:
        found = found.filter(county__code__startswith=filters.within)
    return list(
        found.select_related("event__organiser", "county", "setting", "campaign").order_by("-held_on", "-pk")[
            :limit
        ]
    )


def campaign_list(*, user: Any, years: tuple[int, ...] | None = None) -> list[Campaign]:
    found = campaigns_visible(user=user)
    if years:
        found = found.filter(year__in=years)
    return list(found.order_by("-year", "starts_on", "region_id", "pk"))


def campaign_events(*, user: Any, campaign: Campaign) -> list[EventVersion]:
    return list(
        current_versions(user=user)
        .filter(campaign=campaign)
        .select_related("event__organiser", "county", "setting")
        .order_by("held_on", "pk")
    )


def campaign_history(campaign: Campaign) -> list[CampaignChange]:
    return list(campaign.changes.select_related("by").order_by("at", "pk"))


def settings_in_use() -> list[Setting]:
    return list(Setting.objects.filter(is_active=True).order_by("order"))


#: GB/T 2260 lists a prefecture's urban districts together under this name and code xx01: a heading, not a district.
DISTRICTS_HEADING = "市辖区"


def counties_under(region: Region) -> list[Region]:
    """The counties (and districts) of a region in use today (a county: itself)."""
    if region.level == RegionLevel.COUNTY:
        return [region]
    return list(
        Region.objects.filter(level=RegionLevel.COUNTY, code__startswith=region.prefix, valid_to__isnull=True)
        .exclude(name=DISTRICTS_HEADING)
        .order_by("code")
    )


# --- an event and its versions ------------------------------------------------------------------------------------


def _with_parts(versions: QuerySet[EventVersion]) -> QuerySet[EventVersion]:
    return versions.select_related("campaign__kind", "county", "setting", "recorded_by").prefetch_related(
        Prefetch("groups", queryset=ParticipantCount.objects.order_by("pk")),
        Prefetch("materials", queryset=MaterialLine.objects.order_by("pk")),
        Prefetch("media", queryset=MediaItem.objects.order_by("published_on", "pk")),
        Prefetch("co_organisers", queryset=CoOrganiser.objects.select_related("organisation").order_by("pk")),
    )


def snapshot(version: EventVersion) -> dict[str, object]:
    """What a version says, comparable between versions (ids, not names)."""
    return {
        "title": version.title,
        "held_on": version.held_on,
        "county": version.county_id,
        "place": version.place,
        "setting": version.setting_id,
        "format": version.format,
        "campaign": version.campaign_id,
        "participants": version.participants,
        "groups": tuple(sorted((g.group, g.count) for g in version.groups.all())),
        "materials": tuple((m.kind, m.description, m.quantity) for m in version.materials.all()),
        "media": tuple((m.outlet, m.kind, m.published_on, m.title, m.link) for m in version.media.all()),
        "co_organisers": tuple(sorted(c.organisation_id for c in version.co_organisers.all())),
        "summary": version.summary,
        "withdrawn": version.withdrawn,
    }


def field_labels() -> dict[str, str]:
    return {
        "title": str(EventVersion._meta.get_field("title").verbose_name),
        "held_on": str(EventVersion._meta.get_field("held_on").verbose_name),
        "county": str(EventVersion._meta.get_field("county").verbose_name),
        "place": str(EventVersion._meta.get_field("place").verbose_name),
        "setting": str(EventVersion._meta.get_field("setting").verbose_name),
        "format": str(EventVersion._meta.get_field("format").verbose_name),
        "campaign": str(EventVersion._meta.get_field("campaign").verbose_name),
        "participants": str(EventVersion._meta.get_field("participants").verbose_name),
        "groups": str(ParticipantCount._meta.verbose_name_plural),
        "materials": str(MaterialLine._meta.verbose_name_plural),
        "media": str(MediaItem._meta.verbose_name_plural),
        "co_organisers": str(CoOrganiser._meta.verbose_name_plural),
        "summary": str(EventVersion._meta.get_field("summary").verbose_name),
        "withdrawn": str(EventVersion._meta.get_field("withdrawn").verbose_name),
    }


@dataclass(frozen=True)
class VersionView:
    version: EventVersion
    #: Labels of what changed from the version before (empty for the first).
    changed: list[str]


@dataclass(frozen=True)
class EventView:
    event: Event
    current: EventVersion
    #: Every version, the latest first.
    versions: list[VersionView]
    evidence: list[Evidence]

    @property
    def groups(self) -> list[tuple[str, int]]:
        labels = dict(ParticipantGroup.choices)
        return [(str(labels[g.group]), g.count) for g in self.current.groups.all()]


def event_view(event: Event) -> EventView:
    """The event, every version with what changed, and its files (withdrawn ones marked). Six queries."""
    versions = list(_with_parts(event.versions.all()).order_by("number"))
    labels = field_labels()
    views: list[VersionView] = []
    previous: dict[str, object] | None = None
    for version in versions:
        shot = snapshot(version)
        changed = [] if previous is None else [labels[k] for k in rules.changed_fields(previous, shot)]
        views.append(VersionView(version=version, changed=changed))
        previous = shot
    current = next(v for v in versions if v.pk == event.current_id)
    evidence = list(
        event.evidence.select_related("uploaded_by", "withdrawal__by").order_by("uploaded_at", "pk")
    )
    return EventView(event=event, current=current, versions=list(reversed(views)), evidence=evidence)


def version_with_parts(version_id: int) -> EventVersion:
    return _with_parts(EventVersion.objects.filter(pk=version_id)).get()


# --- totals -------------------------------------------------------------------------------------------------------


def targets_for(region_code: str) -> rules.Targets:
    return rules.Targets(
        settings_covered=int(rule_value("campaigns.target.settings_covered", region_code=region_code)),
        events_per_setting=int(rule_value("campaigns.target.events_per_setting", region_code=region_code)),
        key_campaign_events=int(rule_value("campaigns.target.key_campaign_events", region_code=region_code)),
        amber_band_pct=Decimal(str(rule_value("campaigns.amber_band_pct", region_code=region_code))),
    )


def totals(*, versions: QuerySet[EventVersion], area: Region, period: rules.Period) -> rules.Totals:
    """The totals of the events among ``versions`` held in the area's counties in the period (withdrawn ones
    left out). Targets apply to a year. A fixed number of queries, whatever the number of events."""
    held = versions.filter(
        withdrawn=False,
        held_on__gte=period.start,
        held_on__lt=period.end,
        county__code__startswith=area.prefix,
    )
    rows = list(
        held.values_list("pk", "county_id", "setting_id", "campaign_id", "campaign__kind_id", "participants")
    )
    media = dict(
        MediaItem.objects.filter(version__in=held.values("pk"))
        .values("version_id")
        .annotate(n=Count("pk"))
        .values_list("version_id", "n")
    )
    materials = dict(
        MaterialLine.objects.filter(version__in=held.values("pk"))
        .values("version_id")
        .annotate(n=Sum("quantity"))
        .values_list("version_id", "n")
    )
    facts = [
        rules.Fact(
            county=county,
            setting=setting,
            campaign=campaign,
            kind=kind,
            participants=participants,
            materials=materials.get(pk, 0),
            media=media.get(pk, 0),
        )
        for pk, county, setting, campaign, kind, participants in rows
    ]
    counties = counties_under(area)
    seen = {c.code for c in counties}
    extra = {f.county for f in facts} - seen  # a county since abolished, with events
    if extra:
        counties += list(Region.objects.filter(code__in=extra).order_by("code"))
    setting_ids = {f.setting for f in facts}
    settings = list(Setting.objects.filter(Q(is_active=True) | Q(pk__in=setting_ids)).order_by("order"))
    kinds = list(CampaignKind.objects.filter(is_key=True, is_active=True).order_by("order"))
    campaign_ids = {f.campaign for f in facts if f.campaign is not None}
    campaigns = list(
        Campaign.objects.filter(pk__in=campaign_ids)
        .select_related("kind", "region")
        .order_by("starts_on", "pk")
    )
    return rules.totals(
        facts,
        counties=[rules.Ref(key=c.code, code=c.code, name=c.name) for c in counties],
        settings=[
            rules.Ref(key=s.pk, code=s.code, name=s.name, counts=s.counts_for_coverage) for s in settings
        ],
        key_kinds=[rules.Ref(key=k.pk, code=k.code, name=k.name) for k in kinds],
        campaigns=[rules.Ref(key=c.pk, code=c.code, name=c.name) for c in campaigns],
        targets=targets_for(area.code) if period.kind == rules.Kind.YEAR else None,
    )


@dataclass(frozen=True)
class CampaignTotals:
    """A county's education work in a year, for the annual evaluation."""

    events: int
    participants: int
    #: Of the six settings, those with at least one event (0–6).
    settings_covered: int
    media_items: int


def campaign_totals(*, region_code: str, year: int) -> dict[str, CampaignTotals]:
    """County code → its education events in ``year`` (withdrawn ones left out): every county in use of the
    region (a county: itself), with zeros where nothing was held. ``Region.DoesNotExist`` for an unknown code."""
    area = Region.objects.get(code=region_code)
    found = totals(
        versions=current_versions(user=None),
        area=area,
        period=rules.Period(rules.Kind.YEAR, dt.date(year, 1, 1)),
    )
    return {
        str(row.county.key): CampaignTotals(
            events=row.figures.events,
            participants=row.figures.participants,
            settings_covered=row.settings_covered,
            media_items=row.figures.media,
        )
        for row in found.counties
    }


# --- for the forms and the exports --------------------------------------------------------------------------------


def partner_choices(*, user: Any) -> list[Organisation]:
    """Organisations that may co-organise the user's events: those of the user's prefecture (a county's
    organisation) or region, and of the regions above it."""
    org = user.organisation
    if org is None:
        return []
    region = org.region
    prefix = region.code[:4] if region.level == RegionLevel.COUNTY else region.prefix
    return list(
        Organisation.objects.filter(
            Q(region__code__startswith=prefix) | Q(region_id__in=region_chain(region.code)), is_active=True
        )
        .exclude(pk=org.pk)
        .select_related("region")
        .order_by("region_id", "type", "pk")
    )


def recent_campaigns(*, user: Any, today: dt.date) -> list[Campaign]:
    """Campaigns an event may join: of this year and last year, visible to the user."""
    return campaign_list(user=user, years=(today.year, today.year - 1))


def parts_counts(versions: list[EventVersion]) -> tuple[dict[int, int], dict[int, int]]:
    """Media items and quantity of materials of each version. Two queries."""
    ids = [v.pk for v in versions]
    media = dict(
        MediaItem.objects.filter(version_id__in=ids)
        .values("version_id")
        .annotate(n=Count("pk"))
        .values_list("version_id", "n")
    )
    materials = dict(
        MaterialLine.objects.filter(version_id__in=ids)
        .values("version_id")
        .annotate(n=Sum("quantity"))
        .values_list("version_id", "n")
    )
    return media, materials
