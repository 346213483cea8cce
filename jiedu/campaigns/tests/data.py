"""Reference data and events shared by this app's tests and its rows of the permission matrix."""

from __future__ import annotations

import datetime as dt
import importlib
import io
from typing import Any

from django.apps import apps

from jiedu.campaigns import services
from jiedu.campaigns.models import Campaign, CampaignKind, Event, Evidence, Setting
from jiedu.core import clock
from jiedu.testing import World, jpeg_bytes

SEED = importlib.import_module("jiedu.campaigns.migrations.0002_seed_settings_and_kinds")


def ensure_reference() -> None:
    """The seeded settings and kinds of campaign (put back after a transactional test's flush removed them)."""
    SEED.forward(apps, None)


def setting(code: str) -> Setting:
    ensure_reference()
    return Setting.objects.get(code=code)


def kind(code: str) -> CampaignKind:
    ensure_reference()
    return CampaignKind.objects.get(code=code)


def facts(world: World, **changes: Any) -> services.EventFacts:
    """A lecture at a school of 南安市 with 120 participants, held today (the clock's day), on its own."""
    values: dict[str, Any] = {
        "title": "防范新型毒品进校园专题讲座",
        "held_on": clock.local_today(),
        "county": world.county,
        "place": "南安市第一中学报告厅",
        "setting": setting("school"),
        "format": "lecture",
        "participants": 120,
    }
    values.update(changes)
    return services.EventFacts(**values)


def cdc_event(world: World, **changes: Any) -> Event:
    """An event organised and recorded by the CDC of 南安市."""
    return services.event_record(
        actor=world.users["cdc"], organiser=world.cdc, facts=facts(world, **changes)
    ).event


def county_campaign(world: World, *, year: int | None = None, code: str = "626") -> Campaign:
    """A campaign of 南安市 opened by its health officer, over the whole year."""
    year = year or clock.local_today().year
    return services.campaign_create(
        actor=world.officer,
        kind=kind(code),
        year=year,
        name=f"{year}年南安市禁毒宣传活动",
        starts_on=dt.date(year, 1, 1),
        ends_on=dt.date(year, 12, 31),
        theme="珍爱生命 远离毒品",
    )


def photo_upload(name: str = "现场.jpg") -> services.EvidenceUpload:
    content = jpeg_bytes((64, 48))
    return services.EvidenceUpload(file=io.BytesIO(content), name=name, size=len(content))


def cdc_evidence(world: World) -> Evidence:
    event = cdc_event(world)
    return services.evidence_add(
        actor=world.users["cdc"], event=event, upload=photo_upload(), caption="讲座现场"
    )
