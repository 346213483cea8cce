"""Who sees which events, an event's history, and the totals per county, period, setting and campaign (exact
values from the scene of conftest.py), with the evaluation's ``campaign_totals``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from jiedu.campaigns import rules, selectors, services
from jiedu.campaigns.selectors import CampaignTotals
from jiedu.campaigns.tests.data import facts, photo_upload
from jiedu.core.models import RegionalSetting
from jiedu.registry.models import Region

pytestmark = pytest.mark.django_db

YEAR_2026 = rules.Period(rules.Kind.YEAR, dt.date(2026, 1, 1))


def titles(user):
    return sorted(e.current.title for e in selectors.events_in_scope(user=user).select_related("current"))


def events_of(user):
    return set(selectors.events_in_scope(user=user).values_list("pk", flat=True))


# --- scope --------------------------------------------------------------------------------------------------------


def test_officers_see_every_event_of_their_region(world, people, scene):
    nanan = {scene.school.pk, scene.family.pk, scene.venue.pk, scene.workplace.pk, scene.last_year.pk,
             scene.withdrawn.pk, scene.elsewhere.pk}  # fmt: skip
    assert events_of(world.officer) == nanan
    assert events_of(people.narcotics) == nanan
    assert events_of(people.prefecture) == nanan | {scene.jinjiang.pk}
    assert events_of(people.jinjiang) == {scene.jinjiang.pk}


def test_other_organisations_see_the_events_they_organise_or_co_organise(world, people, scene):
    cdc = {scene.school.pk, scene.last_year.pk, scene.withdrawn.pk, scene.elsewhere.pk}
    assert events_of(world.users["cdc"]) == cdc | {scene.family.pk}  # co-organiser of the family lecture
    assert events_of(world.users["community"]) == {scene.family.pk}
    assert events_of(world.users["police"]) == {scene.venue.pk}  # recorded for the station by the office
    assert events_of(people.jinjiang_cdc) == {scene.jinjiang.pk}
    # Roles without the campaign pages see nothing.
    assert events_of(world.users["nurse_a"]) == set() and events_of(world.users["inspector"]) == set()


def test_a_co_organiser_dropped_by_a_correction_no_longer_sees_the_event(world, people, scene):
    services.event_correct(
        actor=world.users["community"],
        event=scene.family,
        facts=facts(
            world,
            held_on=dt.date(2026, 6, 18),
            campaign=scene.campaign_626,
            setting=scene.family.current.setting,
            participants=60,
            title="禁毒家庭教育讲座",
        ),
        reason="疾控中心未参与",
    )
    assert scene.family.pk not in events_of(world.users["cdc"])


def test_campaigns_visible_are_those_of_the_region_above_and_below(world, people, scene):
    city = services.campaign_create(
        actor=people.prefecture,
        kind=scene.campaign_626.kind,
        year=2026,
        name="2026年泉州市6·26",
        starts_on=dt.date(2026, 6, 1),
        ends_on=dt.date(2026, 6, 30),
    )
    jinjiang = services.campaign_create(
        actor=people.jinjiang,
        kind=scene.campaign_626.kind,
        year=2026,
        name="2026年晋江市6·26",
        starts_on=dt.date(2026, 6, 1),
        ends_on=dt.date(2026, 6, 30),
    )

    def names(user):
        return sorted(c.name for c in selectors.campaigns_visible(user=user))

    assert names(world.users["cdc"]) == sorted(["2026年南安市626", "2025年南安市121", city.name])
    assert names(people.prefecture) == sorted(
        ["2026年南安市626", "2025年南安市121", city.name, jinjiang.name]
    )
    assert names(people.jinjiang) == sorted([city.name, jinjiang.name])
    assert names(world.users["nurse_a"]) == []


# --- an event and its history -------------------------------------------------------------------------------------


def test_the_history_says_what_each_version_changed(world, people, scene):
    services.event_correct(
        actor=world.users["cdc"],
        event=scene.school,
        facts=facts(
            world,
            held_on=dt.date(2026, 6, 5),
            campaign=scene.campaign_626,
            participants=320,
            groups={"students": 300},
            materials=[services.Material("leaflet", 500)],
            media=[services.Coverage("南安电视台", "tv", dt.date(2026, 6, 6), "禁毒讲座进校园")],
        ),
        reason="补录学生人数",
    )
    services.event_withdraw(actor=world.users["cdc"], event=scene.school, reason="活动由教育局组织")
    scene.school.refresh_from_db()
    view = selectors.event_view(selectors.event_get(user=world.officer, pk=scene.school.pk))
    assert [(v.version.number, v.changed, v.version.reason) for v in view.versions] == [
        (3, ["withdrawn"], "活动由教育局组织"),
        (2, ["participants", "participants by group"], "补录学生人数"),
        (1, [], ""),
    ]
    assert view.current.number == 3 and view.groups == [("Students", 300)]


# --- totals -------------------------------------------------------------------------------------------------------


def nanan_totals(user=None, period=YEAR_2026, code="350583"):
    return selectors.totals(
        versions=selectors.current_versions(user=user), area=Region.objects.get(code=code), period=period
    )


def figures(f):
    return (f.events, f.participants, f.materials, f.media)


def test_the_totals_of_a_county_in_a_year(world, people, scene):
    found = nanan_totals()
    [county] = found.counties
    assert (county.county.code, figures(county.figures)) == ("350583", (5, 630, 520, 1))
    # Schools, families, venues and workplaces: four of the six ("elsewhere" is not one of them).
    assert (county.settings_covered, county.settings_total, county.share_pct, county.light) == (
        4,
        6,
        Decimal("66.7"),
        "red",
    )
    assert [
        (s.setting.code, figures(s.figures), s.counties_covered, s.counties_meeting, s.light)
        for s in found.settings
    ] == [
        ("school", (1, 300, 500, 1), 1, 1, "green"),
        ("workplace", (1, 150, 0, 0), 1, 1, "green"),
        ("family", (1, 60, 0, 0), 1, 1, "green"),
        ("venue", (1, 80, 20, 0), 1, 1, "green"),
        ("community", (0, 0, 0, 0), 0, 0, "red"),
        ("village", (0, 0, 0, 0), 0, 0, "red"),
        ("other", (1, 40, 0, 0), 1, None, None),
    ]
    assert [(k.kind.code, figures(k.figures), k.counties_meeting, k.light) for k in found.keys] == [
        ("626", (2, 360, 500, 1), 1, "green"),
        ("121", (0, 0, 0, 0), 0, "red"),
        ("publicity_month", (0, 0, 0, 0), 0, "red"),
    ]
    assert [(c.campaign.code if c.campaign else None, figures(c.figures)) for c in found.campaigns] == [
        ("626-2026", (2, 360, 500, 1)),
        (None, (3, 270, 20, 0)),
    ]
    assert found.targets == rules.Targets(6, 1, 1, Decimal("20"))


def test_the_totals_of_a_quarter_a_month_and_last_year(world, people, scene):
    quarter = nanan_totals(period=rules.Period(rules.Kind.QUARTER, dt.date(2026, 4, 1)))
    assert figures(quarter.counties[0].figures) == (3, 400, 500, 1)
    assert (quarter.counties[0].settings_covered, quarter.counties[0].light, quarter.targets) == (
        2,
        None,
        None,
    )
    june = nanan_totals(period=rules.Period(rules.Kind.MONTH, dt.date(2026, 6, 1)))
    assert figures(june.counties[0].figures) == (2, 360, 500, 1)
    last_year = nanan_totals(period=rules.Period(rules.Kind.YEAR, dt.date(2025, 1, 1)))
    assert figures(last_year.counties[0].figures) == (1, 500, 0, 0)
    assert [(c.campaign.code, c.figures.events) for c in last_year.campaigns] == [("121-2025", 1)]
    assert [(k.kind.code, k.counties_meeting, k.light) for k in last_year.keys] == [
        ("626", 0, "red"),
        ("121", 1, "green"),
        ("publicity_month", 0, "red"),
    ]


def test_the_targets_are_policy_values_of_the_region(world, people, scene):
    RegionalSetting.objects.create(key="campaigns.target.settings_covered", region=world.county, value=4)
    RegionalSetting.objects.create(key="campaigns.amber_band_pct", region=world.county.parent, value="50")
    found = nanan_totals()
    assert (found.counties[0].light, found.targets.settings_covered, found.targets.amber_band_pct) == (
        "green",
        4,
        Decimal("50"),
    )
    RegionalSetting.objects.filter(key="campaigns.target.settings_covered").update(value=6)
    assert nanan_totals().counties[0].light == "amber"  # 4 ≥ 6 × 0.5


def test_the_totals_of_a_prefecture_list_every_county(world, people, scene):
    found = nanan_totals(code="350500")
    rows = {c.county.code: c for c in found.counties}
    counties = Region.objects.filter(level="county", code__startswith="3505", valid_to__isnull=True)
    # Every district and county in use, but not the heading "市辖区" (350501) of the urban districts.
    assert set(rows) == set(counties.exclude(code="350501").values_list("code", flat=True))
    assert "350501" not in rows and {"350502", "350582", "350583"} <= set(rows)
    assert (figures(rows["350583"].figures), rows["350583"].settings_covered) == ((5, 630, 520, 1), 4)
    assert (figures(rows["350582"].figures), rows["350582"].settings_covered) == ((1, 200, 0, 2), 1)
    assert (figures(rows["350502"].figures), rows["350502"].settings_covered, rows["350502"].light) == (
        (0, 0, 0, 0),
        0,
        "red",
    )
    school = next(s for s in found.settings if s.setting.code == "school")
    assert (school.figures.events, school.counties_covered, school.counties_meeting) == (2, 2, 2)
    assert school.light == "red"  # 2 of all the prefecture's counties


def test_the_totals_a_user_sees_are_those_of_their_events(world, people, scene):
    cdc = nanan_totals(user=world.users["cdc"])
    # The CDC's school lecture and online quiz, and the family lecture it co-organised.
    assert figures(cdc.counties[0].figures) == (3, 400, 500, 1)
    police = nanan_totals(user=world.users["police"])
    assert figures(police.counties[0].figures) == (1, 80, 20, 0)
    assert figures(nanan_totals(user=people.jinjiang).counties[0].figures) == (0, 0, 0, 0)


def test_the_totals_take_a_fixed_number_of_queries(world, people, scene, django_assert_num_queries):
    area = Region.objects.get(code="350583")
    versions = selectors.current_versions(user=world.officer)
    with django_assert_num_queries(10):
        selectors.totals(versions=versions, area=area, period=YEAR_2026)
    for day in (3, 4, 5):
        services.event_record(
            actor=world.users["cdc"], organiser=world.cdc, facts=facts(world, held_on=dt.date(2026, 7, day))
        )
    versions = selectors.current_versions(user=world.officer)
    with django_assert_num_queries(10):
        selectors.totals(versions=versions, area=area, period=YEAR_2026)


def test_campaign_totals_for_the_annual_evaluation(world, people, scene):
    found = selectors.campaign_totals(region_code="350500", year=2026)
    assert found["350583"] == CampaignTotals(events=5, participants=630, settings_covered=4, media_items=1)
    assert found["350582"] == CampaignTotals(events=1, participants=200, settings_covered=1, media_items=2)
    assert found["350502"] == CampaignTotals(events=0, participants=0, settings_covered=0, media_items=0)
    assert selectors.campaign_totals(region_code="350583", year=2025) == {
        "350583": CampaignTotals(events=1, participants=500, settings_covered=1, media_items=0)
    }
    with pytest.raises(Region.DoesNotExist):
        selectors.campaign_totals(region_code="999999", year=2026)


def test_an_event_and_the_list_take_a_fixed_number_of_queries(
    world, people, scene, django_assert_num_queries
):
    services.evidence_add(actor=world.users["cdc"], event=scene.school, upload=photo_upload())
    event = selectors.event_get(user=world.officer, pk=scene.school.pk)
    # The versions, their participants by group, materials, media and co-organisers, and the files.
    with django_assert_num_queries(6):
        view = selectors.event_view(event)
    assert [e.name for e in view.evidence] == ["现场.jpg"]
    with django_assert_num_queries(1):
        rows = selectors.event_list(user=world.officer, filters=selectors.Filters(period=YEAR_2026))
    assert [r.event.organiser.name for r in rows][:2] == [
        "南安市疾病预防控制中心",
        "溪美街道社区戒毒社区康复工作站",
    ]
