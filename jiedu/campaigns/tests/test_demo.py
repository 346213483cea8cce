"""The demo county's campaigns and events: what ``seed_demo`` creates, through the services, and that a second
call creates nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from jiedu.campaigns.demo import seed_demo
from jiedu.campaigns.models import Campaign, Event, EventVersion, MediaItem
from jiedu.campaigns.selectors import CampaignTotals, campaign_totals
from jiedu.campaigns.tests.data import ensure_reference
from jiedu.core.models import AuditEntry
from jiedu.demo import data
from jiedu.demo.services import demo_seed

pytestmark = pytest.mark.django_db


def test_the_demo_county_gets_two_years_of_campaigns_and_a_dozen_events(db):
    ensure_reference()
    summary = demo_seed(seed=2026, persons=0, history_days=0)  # runs seed_demo
    today = data.REFERENCE_DAY  # 2026-11-23: this year's 1 December stall has not been held yet
    assert summary.oversight_of("campaigns") == {"campaigns": 4, "events": 12}
    assert sorted(
        Campaign.objects.values_list("kind__code", "year", "starts_on", "ends_on", "created_by__username")
    ) == [
        ("121", 2025, dt.date(2025, 11, 20), dt.date(2025, 12, 10), "narcotics1"),
        ("121", 2026, dt.date(2026, 11, 20), dt.date(2026, 12, 10), "narcotics1"),
        ("626", 2025, dt.date(2025, 6, 1), dt.date(2025, 6, 30), "narcotics1"),
        ("626", 2026, dt.date(2026, 6, 1), dt.date(2026, 6, 30), "narcotics1"),
    ]
    organisers = sorted(Event.objects.values_list("organiser__name", flat=True))
    assert organisers.count("南安市疾病预防控制中心") == 4
    assert organisers.count("南安市公安局") == 2
    assert organisers.count("南安市禁毒委员会办公室") == 3
    assert organisers.count("南安市社区戒毒社区康复工作办公室") == 3
    # The police's events are recorded by the narcotics office, each the day after it was held.
    drill = EventVersion.objects.get(title="娱乐场所禁毒宣传及涉毒应急处置演练")
    assert (drill.recorded_by.username, drill.recorded_at.date()) == ("narcotics1", dt.date(2026, 6, 11))
    assert campaign_totals(region_code="350583", year=2025) == {
        "350583": CampaignTotals(events=6, participants=2265, settings_covered=5, media_items=4)
    }
    assert campaign_totals(region_code="350583", year=2026) == {
        "350583": CampaignTotals(events=6, participants=3900, settings_covered=6, media_items=4)
    }
    assert MediaItem.objects.count() == 8
    assert AuditEntry.objects.filter(action="campaign_event.record").count() == 12
    assert AuditEntry.objects.filter(action="campaign.create").count() == 4

    before = (Campaign.objects.count(), EventVersion.objects.count(), AuditEntry.objects.count())
    assert seed_demo(today=today) == {"campaigns": 0, "events": 0}
    assert (Campaign.objects.count(), EventVersion.objects.count(), AuditEntry.objects.count()) == before
    # Later in the year, the 1 December stall is added and nothing else.
    assert seed_demo(today=dt.date(2026, 12, 5)) == {"campaigns": 0, "events": 1}
