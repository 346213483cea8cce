"""Recording education events and campaigns.

Who records: an organisation records its own events (its staff who manage campaigns: the health commission, the
narcotics office, the CDC, community offices). A member unit that has nobody who may record (a police station,
a clinic, a hospital) has its events recorded by the narcotics office of its region, which coordinates them.
Campaigns are opened by the health and narcotics officers of a region, for their region.

Every write is one transaction with its audit entry. Nothing is edited: an event's correction or withdrawal is a
new version with its reason; a campaign's correction is a change row with the values before and after. Checks
come first: on any error nothing is written and ``FieldErrors`` names each field.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from jiedu.accounts.models import Role
from jiedu.campaigns import evidence as files
from jiedu.campaigns import rules
from jiedu.campaigns.models import (
    Campaign,
    CampaignChange,
    CampaignKind,
    CoOrganiser,
    Event,
    EventFormat,
    EventVersion,
    Evidence,
    EvidenceWithdrawal,
    MaterialKind,
    MaterialLine,
    MediaItem,
    MediaKind,
    ParticipantCount,
    ParticipantGroup,
    Setting,
)
from jiedu.campaigns.selectors import OFFICERS, snapshot, version_with_parts
from jiedu.core import audit, clock
from jiedu.core.errors import DomainError, FieldErrors, PermissionDenied
from jiedu.core.policy_values import region_chain
from jiedu.policy import ORG_TYPE_ROLES, Action, can, effective_roles
from jiedu.policy.rules import GRANTS
from jiedu.registry.models import Organisation, Region

KEY_MAX = 64


# --- what is recorded ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Material:
    kind: str
    quantity: int
    description: str = ""


@dataclass(frozen=True)
class Coverage:
    outlet: str
    kind: str
    published_on: dt.date
    title: str
    link: str = ""


@dataclass(frozen=True)
class EventFacts:
    """Every field of an event, as recorded or corrected."""

    title: str
    held_on: dt.date
    county: Region
    place: str
    setting: Setting
    format: str
    participants: int
    campaign: Campaign | None = None
    #: Participants by group where known (group code → count); groups left out are not known.
    groups: Mapping[str, int] = field(default_factory=dict)
    materials: Sequence[Material] = ()
    media: Sequence[Coverage] = ()
    co_organisers: Sequence[Organisation] = ()
    summary: str = ""


@dataclass(frozen=True)
class Recorded:
    event: Event
    #: False when the idempotency key named an event recorded before: nothing was written.
    created: bool


@dataclass(frozen=True)
class Corrected:
    event: Event
    #: False when the facts were those of the current version: nothing was written.
    changed: bool


@dataclass(frozen=True)
class EvidenceUpload:
    file: IO[bytes]
    name: str
    size: int


# --- who may do what ----------------------------------------------------------------------------------------------

_RECORDER_ROLES = GRANTS[Action.CAMPAIGN_MANAGE]


def records_own_events(org_type: str) -> bool:
    """Whether an organisation of this type can hold a role that records events (else the narcotics office
    records them)."""
    return bool(ORG_TYPE_ROLES.get(org_type, frozenset()) & _RECORDER_ROLES)


def may_record_for(actor: Any, organiser: Organisation) -> bool:
    """The organiser's own staff who manage campaigns; for a member unit that cannot record its own events, the
    narcotics office of a region containing it."""
    if not can(actor, Action.CAMPAIGN_MANAGE):
        return False
    org = actor.organisation
    if org is None:
        return False
    if org.pk == organiser.pk:
        return True
    return (
        Role.NARCOTICS_OFFICER in effective_roles(actor)
        and not records_own_events(organiser.type)
        and rules.contains(org.region_id, organiser.region_id)
    )


def organisers_for(actor: Any) -> list[Organisation]:
    """The organisations whose events the actor records: their own, then (narcotics office) the member units of
    the region that cannot record their own."""
    org = actor.organisation
    if org is None or not can(actor, Action.CAMPAIGN_MANAGE):
        return []
    found = [org]
    if Role.NARCOTICS_OFFICER in effective_roles(actor):
        units = Organisation.objects.filter(
            region__code__startswith=org.region.prefix, is_active=True
        ).exclude(pk=org.pk)
        found += [u for u in units.order_by("region_id", "type", "pk") if not records_own_events(u.type)]
    return found


def may_manage_campaigns(actor: Any) -> bool:
    """Health and narcotics officers open and correct the campaigns of their own region."""
    return (
        can(actor, Action.CAMPAIGN_MANAGE)
        and actor.organisation is not None
        and bool(effective_roles(actor) & OFFICERS)
    )


def may_correct_campaign(actor: Any, campaign: Campaign) -> bool:
    return may_manage_campaigns(actor) and actor.organisation.region_id == campaign.region_id


def _require_recorder(actor: Any, organiser: Organisation) -> None:
    if not may_record_for(actor, organiser):
        raise PermissionDenied(_("You record the education events of your own organisation only."))


# --- checks -------------------------------------------------------------------------------------------------------


def _check(organiser: Organisation, facts: EventFacts, *, current: EventVersion | None = None) -> None:
    """Every check of the facts; ``FieldErrors`` naming each field, before anything is written."""
    today = clock.local_today()
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str | None) -> None:
        if message:
            errors.setdefault(name, []).append(message)

    add("title", rules.text_problem(_("Title"), facts.title, "title"))
    add("place", rules.text_problem(_("Place"), facts.place, "place"))
    add("summary", rules.text_problem(_("Summary"), facts.summary, "summary", required=False))
    add("held_on", rules.event_date_problem(facts.held_on, today))
    add("county", rules.county_problem(facts.county.code, facts.county.level, organiser.region_id))
    if not facts.setting.is_active and (current is None or current.setting_id != facts.setting.pk):
        add("setting", _("Setting: “%(name)s” is no longer in use.") % {"name": facts.setting.name})
    if facts.format not in EventFormat.values:
        add("format", _("Format: choose one of the formats."))
    group_labels = {value: str(label) for value, label in ParticipantGroup.choices}
    unknown = sorted(set(facts.groups) - set(group_labels))
    if unknown:
        add("participants", _("Participants: not a group: %(groups)s.") % {"groups": ", ".join(unknown)})
    for name, messages in rules.participants_problems(facts.participants, facts.groups, group_labels).items():
        errors.setdefault(name, []).extend(messages)
    campaign = facts.campaign
    if campaign is not None:
        if not rules.contains(campaign.region_id, facts.county.code):
            add(
                "campaign",
                _("Campaign: “%(name)s” is a campaign of %(region)s; the event is held in %(county)s.")
                % {"name": campaign.name, "region": campaign.region.name, "county": facts.county.name},
            )
        if "held_on" not in errors:
            add("held_on", rules.campaign_window_problem(facts.held_on, campaign))
    prefecture = facts.county.code[:4]
    chain = set(region_chain(facts.county.code))
    for other in facts.co_organisers:
        if other.pk == organiser.pk:
            add("co_organisers", _("Co-organisers: the organiser is not its own co-organiser."))
        elif not (other.region_id.startswith(prefecture) or other.region_id in chain):
            add(
                "co_organisers",
                _("Co-organisers: %(name)s is outside the event's prefecture.") % {"name": other.name},
            )
    if len({o.pk for o in facts.co_organisers}) != len(facts.co_organisers):
        add("co_organisers", _("Co-organisers: each organisation is named once."))
    for message in rules.material_problems(facts.materials, MaterialKind.values):
        add("materials", message)
    for message in rules.media_problems(facts.media, MediaKind.values, facts.held_on, today):
        add("media", message)
    if errors:
        raise FieldErrors(errors)


def _facts_snapshot(facts: EventFacts, *, withdrawn: bool = False) -> dict[str, object]:
    """The facts as ``selectors.snapshot`` shows a version (to tell whether a correction changes anything)."""
    return {
        "title": facts.title.strip(),
        "held_on": facts.held_on,
        "county": facts.county.code,
        "place": facts.place.strip(),
        "setting": facts.setting.pk,
        "format": facts.format,
        "campaign": facts.campaign.pk if facts.campaign else None,
        "participants": facts.participants,
        "groups": tuple(sorted(facts.groups.items())),
        "materials": tuple((m.kind, m.description.strip(), m.quantity) for m in facts.materials),
        "media": tuple(
            (m.outlet.strip(), m.kind, m.published_on, m.title.strip(), m.link.strip()) for m in facts.media
        ),
        "co_organisers": tuple(sorted(o.pk for o in facts.co_organisers)),
        "summary": facts.summary.strip(),
        "withdrawn": withdrawn,
    }


def _reason(reason: str, message: str) -> str:
    reason = reason.strip()
    if not reason:
        raise FieldErrors({"reason": [message]})
    if len(reason) > rules.TEXT_MAX["reason"]:
        raise FieldErrors(
            {"reason": [_("Reason: keep it under %(n)d characters.") % {"n": rules.TEXT_MAX["reason"]}]}
        )
    return reason


def _conflict() -> DomainError:
    return DomainError(
        _("Someone else corrected this event at the same moment: reload the page and try again."),
        code="conflict",
    )


# --- writing versions ---------------------------------------------------------------------------------------------


def _write_version(
    event: Event, number: int, facts: EventFacts, actor: Any, *, reason: str = "", withdrawn: bool = False
) -> EventVersion:
    version = EventVersion.objects.create(
        event=event,
        number=number,
        campaign=facts.campaign,
        title=facts.title.strip(),
        held_on=facts.held_on,
        county=facts.county,
        place=facts.place.strip(),
        setting=facts.setting,
        format=facts.format,
        participants=facts.participants,
        summary=facts.summary.strip(),
        withdrawn=withdrawn,
        reason=reason,
        recorded_by=actor,
        recorded_at=clock.now(),
    )
    ParticipantCount.objects.bulk_create(
        [ParticipantCount(version=version, group=g, count=n) for g, n in sorted(facts.groups.items())]
    )
    MaterialLine.objects.bulk_create(
        [
            MaterialLine(version=version, kind=m.kind, description=m.description.strip(), quantity=m.quantity)
            for m in facts.materials
        ]
    )
    MediaItem.objects.bulk_create(
        [
            MediaItem(
                version=version,
                outlet=m.outlet.strip(),
                kind=m.kind,
                published_on=m.published_on,
                title=m.title.strip(),
                link=m.link.strip(),
            )
            for m in facts.media
        ]
    )
    CoOrganiser.objects.bulk_create(
        [CoOrganiser(version=version, organisation=o) for o in facts.co_organisers]
    )
    Event.objects.filter(pk=event.pk).update(current=version)
    event.current = version
    return version


def _record(action: str, actor: Any, event: Event, version: EventVersion, **detail: Any) -> None:
    audit.record(
        action,
        actor=actor,
        obj=event,
        detail={
            "organiser": event.organiser_id,
            "version": version.number,
            "title": version.title,
            "held_on": version.held_on.isoformat(),
            "county": version.county_id,
            "setting": version.setting.code,
            "campaign": version.campaign.code if version.campaign else None,
            "participants": version.participants,
            **detail,
        },
    )


def event_record(
    *, actor: Any, organiser: Organisation, facts: EventFacts, idempotency_key: str = ""
) -> Recorded:
    """Record an event held by ``organiser`` as its version 1. A repeated ``idempotency_key`` of the organiser
    returns the event recorded with it and writes nothing."""
    _require_recorder(actor, organiser)
    key = idempotency_key.strip()[:KEY_MAX]
    if key:
        existing = Event.objects.filter(organiser=organiser, idempotency_key=key).first()
        if existing is not None:
            return Recorded(existing, created=False)
    _check(organiser, facts)
    with transaction.atomic(durable=True):
        try:
            with transaction.atomic():
                event = Event.objects.create(
                    organiser=organiser, created_by=actor, created_at=clock.now(), idempotency_key=key
                )
        except IntegrityError:  # the same key, recorded at the same moment
            return Recorded(Event.objects.get(organiser=organiser, idempotency_key=key), created=False)
        version = _write_version(event, 1, facts, actor)
        _record("campaign_event.record", actor, event, version)
    return Recorded(event, created=True)


def _locked_current(event: Event, expected_version: int | None) -> EventVersion:
    locked = Event.objects.select_for_update().get(pk=event.pk)
    current = version_with_parts(locked.current_id)  # type: ignore[arg-type]
    if expected_version is not None and expected_version != current.number:
        raise _conflict()
    return current


def event_correct(
    *,
    actor: Any,
    event: Event,
    facts: EventFacts,
    reason: str,
    expected_version: int | None = None,
) -> Corrected:
    """Correct an event: a new version with every field and the reason. Facts equal to the current version's
    write nothing. ``expected_version`` is the version the person saw; another one written since is refused."""
    _require_recorder(actor, event.organiser)
    reason = _reason(reason, _("Reason: say what is corrected."))
    current = version_with_parts(event.current_id)  # type: ignore[arg-type]
    if current.withdrawn:
        raise DomainError(_("This event was withdrawn; it is not corrected."), code="withdrawn")
    _check(event.organiser, facts, current=current)
    with transaction.atomic(durable=True):
        current = _locked_current(event, expected_version)
        if current.withdrawn:
            raise DomainError(_("This event was withdrawn; it is not corrected."), code="withdrawn")
        before = snapshot(current)
        if _facts_snapshot(facts) == before:
            return Corrected(event, changed=False)
        version = _write_version(event, current.number + 1, facts, actor, reason=reason)
        changed = rules.changed_fields(before, _facts_snapshot(facts))
        _record("campaign_event.correct", actor, event, version, reason=reason, changed=changed)
    return Corrected(event, changed=True)


def _facts_of(version: EventVersion) -> EventFacts:
    return EventFacts(
        title=version.title,
        held_on=version.held_on,
        county=version.county,
        place=version.place,
        setting=version.setting,
        format=version.format,
        participants=version.participants,
        campaign=version.campaign,
        groups={g.group: g.count for g in version.groups.all()},
        materials=[Material(m.kind, m.quantity, m.description) for m in version.materials.all()],
        media=[Coverage(m.outlet, m.kind, m.published_on, m.title, m.link) for m in version.media.all()],
        co_organisers=[c.organisation for c in version.co_organisers.all()],
        summary=version.summary,
    )


def event_withdraw(*, actor: Any, event: Event, reason: str, expected_version: int | None = None) -> Event:
    """Withdraw an event recorded in error: a new version, the same facts, marked withdrawn, with the reason. A
    withdrawn event counts in no total."""
    _require_recorder(actor, event.organiser)
    reason = _reason(reason, _("Reason: say why the event is withdrawn."))
    with transaction.atomic(durable=True):
        current = _locked_current(event, expected_version)
        if current.withdrawn:
            raise DomainError(_("This event was withdrawn already."), code="withdrawn")
        version = _write_version(
            event, current.number + 1, _facts_of(current), actor, reason=reason, withdrawn=True
        )
        _record("campaign_event.withdraw", actor, event, version, reason=reason)
    return event


# --- evidence -----------------------------------------------------------------------------------------------------


def evidence_add(*, actor: Any, event: Event, upload: EvidenceUpload, caption: str = "") -> Evidence:
    """Keep a photo or a document of the event (checked and cleaned by ``evidence.check``)."""
    _require_recorder(actor, event.organiser)
    errors: dict[str, list[str]] = {}
    checked = None
    try:
        checked = files.check(upload.file, size=upload.size, name=upload.name)
    except files.EvidenceError as exc:
        errors["file"] = [str(exc)]
    caption = caption.strip()
    if len(caption) > 200:
        errors["caption"] = [_("Caption: keep it under 200 characters.")]
    if errors or checked is None:
        raise FieldErrors(errors)
    with transaction.atomic(durable=True):
        current = _locked_current(event, None)
        if current.withdrawn:
            raise DomainError(_("This event was withdrawn; no file is added to it."), code="withdrawn")
        item = Evidence(
            event=event,
            token=secrets.token_hex(16),
            name=checked.name,
            content_type=checked.content_type,
            size=len(checked.content),
            caption=caption,
            uploaded_by=actor,
            uploaded_at=clock.now(),
        )
        item.file.save(f"{item.token}.{item.extension}", ContentFile(checked.content), save=False)
        item.save()
        audit.record(
            "campaign_evidence.add",
            actor=actor,
            obj=item,
            detail={"event": event.pk, "name": item.name, "type": item.content_type, "size": item.size},
        )
    return item


def evidence_withdraw(*, actor: Any, evidence: Evidence, reason: str) -> EvidenceWithdrawal:
    """Take a file off its event (it is kept, marked withdrawn, and no longer served)."""
    _require_recorder(actor, evidence.event.organiser)
    reason = _reason(reason, _("Reason: say why the file is withdrawn."))
    with transaction.atomic(durable=True):
        if EvidenceWithdrawal.objects.filter(evidence=evidence).exists():
            raise DomainError(_("This file was withdrawn already."), code="withdrawn")
        try:
            with transaction.atomic():
                done = EvidenceWithdrawal.objects.create(
                    evidence=evidence, by=actor, at=clock.now(), reason=reason
                )
        except IntegrityError:
            raise DomainError(_("This file was withdrawn already."), code="withdrawn") from None
        audit.record(
            "campaign_evidence.withdraw",
            actor=actor,
            obj=evidence,
            detail={"event": evidence.event_id, "name": evidence.name, "reason": reason},
        )
    return done


# --- campaigns ----------------------------------------------------------------------------------------------------


def _campaign_values(campaign: Campaign) -> dict[str, str]:
    return {
        "name": campaign.name,
        "theme": campaign.theme,
        "starts_on": campaign.starts_on.isoformat(),
        "ends_on": campaign.ends_on.isoformat(),
    }


def _require_campaign_manager(actor: Any) -> None:
    if not may_manage_campaigns(actor):
        raise PermissionDenied(_("Campaigns are opened by the health and narcotics officers of a region."))


def campaign_create(
    *,
    actor: Any,
    kind: CampaignKind,
    year: int,
    name: str,
    starts_on: dt.date,
    ends_on: dt.date,
    theme: str = "",
) -> Campaign:
    """Open a year's campaign of a kind for the actor's region (one per kind, year and region)."""
    _require_campaign_manager(actor)
    region = actor.organisation.region
    errors = rules.campaign_problems(year=year, starts_on=starts_on, ends_on=ends_on, name=name, theme=theme)
    if not kind.is_active:
        errors.setdefault("kind", []).append(_("Kind: “%(name)s” is no longer in use.") % {"name": kind.name})
    taken = _("Kind: %(region)s has its %(year)d campaign of “%(kind)s” already.") % {
        "region": region.name,
        "year": year,
        "kind": kind.name,
    }
    if Campaign.objects.filter(kind=kind, year=year, region=region).exists():
        errors.setdefault("kind", []).append(taken)
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic(durable=True):
        try:
            with transaction.atomic():
                campaign = Campaign.objects.create(
                    kind=kind,
                    year=year,
                    region=region,
                    name=name.strip(),
                    theme=theme.strip(),
                    starts_on=starts_on,
                    ends_on=ends_on,
                    created_by=actor,
                    created_at=clock.now(),
                )
        except IntegrityError:
            raise FieldErrors({"kind": [taken]}) from None
        audit.record(
            "campaign.create",
            actor=actor,
            obj=campaign,
            detail={"code": campaign.code, "region": region.code, **_campaign_values(campaign)},
        )
    return campaign


def campaign_correct(
    *,
    actor: Any,
    campaign: Campaign,
    name: str,
    theme: str,
    starts_on: dt.date,
    ends_on: dt.date,
    reason: str,
) -> bool:
    """Correct a campaign's name, theme or dates (a change row keeps the values before and after). The dates may
    not leave an event of the campaign outside them. Returns False when nothing changed (nothing written)."""
    if not may_correct_campaign(actor, campaign):
        raise PermissionDenied(_("A campaign is corrected by the officers of its own region."))
    reason = _reason(reason, _("Reason: say what is corrected."))
    errors = rules.campaign_problems(
        year=campaign.year, starts_on=starts_on, ends_on=ends_on, name=name, theme=theme
    )
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic(durable=True):
        locked = Campaign.objects.select_for_update().select_related("kind").get(pk=campaign.pk)
        before = _campaign_values(locked)
        after = {
            "name": name.strip(),
            "theme": theme.strip(),
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat(),
        }
        if before == after:
            return False
        outside = (
            EventVersion.objects.filter(current_of__isnull=False, campaign=locked, withdrawn=False)
            .exclude(held_on__gte=starts_on, held_on__lte=ends_on)
            .count()
        )
        if outside:
            raise FieldErrors(
                {
                    "starts_on": [
                        ngettext(
                            "Dates: %(n)d event of this campaign would fall outside them; correct that "
                            "event first.",
                            "Dates: %(n)d events of this campaign would fall outside them; correct those "
                            "events first.",
                            outside,
                        )
                        % {"n": outside}
                    ]
                }
            )
        Campaign.objects.filter(pk=locked.pk).update(
            name=after["name"], theme=after["theme"], starts_on=starts_on, ends_on=ends_on
        )
        CampaignChange.objects.create(
            campaign=locked, by=actor, at=clock.now(), reason=reason, before=before, after=after
        )
        audit.record(
            "campaign.correct",
            actor=actor,
            obj=locked,
            detail={"code": locked.code, "reason": reason, "before": before, "after": after},
        )
    campaign.name, campaign.theme = after["name"], after["theme"]
    campaign.starts_on, campaign.ends_on = starts_on, ends_on
    return True


@dataclass(frozen=True)
class Opened:
    created: list[Campaign]
    #: Key campaigns the region had already (by kind code).
    existing: list[str]
    #: Key kinds without usual dates (opened by hand).
    skipped: list[str]


def campaigns_open(*, actor: Any, year: int, dry_run: bool = False) -> Opened:
    """Open the year's key campaigns (6·26, 12·1, the publicity month …) of the actor's region on their usual
    dates, those it has not opened yet. Idempotent; ``dry_run`` writes nothing and lists what would be opened."""
    _require_campaign_manager(actor)
    region = actor.organisation.region
    have = set(Campaign.objects.filter(year=year, region=region).values_list("kind__code", flat=True))
    created: list[Campaign] = []
    existing: list[str] = []
    skipped: list[str] = []
    for kind in CampaignKind.objects.filter(is_key=True, is_active=True).order_by("order"):
        if kind.code in have:
            existing.append(kind.code)
            continue
        window = rules.usual_window(kind.usual_start, kind.usual_end, year)
        if window is None:
            skipped.append(kind.code)
            continue
        name = f"{year}年{region.name}{kind.name_zh}宣传活动"
        if dry_run:
            created.append(
                Campaign(
                    kind=kind, year=year, region=region, name=name, starts_on=window[0], ends_on=window[1]
                )
            )
            continue
        created.append(
            campaign_create(
                actor=actor, kind=kind, year=year, name=name, starts_on=window[0], ends_on=window[1]
            )
        )
    return Opened(created=created, existing=existing, skipped=skipped)
