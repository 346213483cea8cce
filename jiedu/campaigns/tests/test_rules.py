"""The pure rules: periods, checks of what is typed, traffic lights and the totals tables."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from jiedu.campaigns import rules
from jiedu.campaigns.rules import Fact, Kind, Period, Ref, Targets

# --- periods --------------------------------------------------------------------------------------------------


def test_periods_are_read_from_their_names():
    assert rules.parse_period("2025") == Period(Kind.YEAR, dt.date(2025, 1, 1))
    assert rules.parse_period("2025-Q3") == Period(Kind.QUARTER, dt.date(2025, 7, 1))
    assert rules.parse_period("2025-06") == Period(Kind.MONTH, dt.date(2025, 6, 1))
    for bad in ("", "2025-13", "2025-Q5", "25", "1999", "2025-6", "x2025"):
        assert rules.parse_period(bad) is None, bad


def test_a_period_knows_its_end_name_and_label():
    quarter = Period(Kind.QUARTER, dt.date(2025, 10, 1))
    assert (quarter.end, quarter.last, quarter.param, quarter.label) == (
        dt.date(2026, 1, 1),
        dt.date(2025, 12, 31),
        "2025-Q4",
        "2025 Q4",
    )
    month = Period(Kind.MONTH, dt.date(2026, 2, 1))
    assert (month.end, month.param, month.label) == (dt.date(2026, 3, 1), "2026-02", "2026-02")
    assert month.contains(dt.date(2026, 2, 28)) and not month.contains(dt.date(2026, 3, 1))
    assert rules.period_of(Kind.QUARTER, dt.date(2026, 5, 20)) == Period(Kind.QUARTER, dt.date(2026, 4, 1))


def test_period_choices_are_the_periods_that_have_begun():
    choices = rules.period_choices(dt.date(2026, 5, 20), years=2)
    assert [p.param for p in choices[Kind.YEAR]] == ["2026", "2025"]
    assert [p.param for p in choices[Kind.QUARTER]] == [
        "2026-Q2",
        "2026-Q1",
        "2025-Q4",
        "2025-Q3",
        "2025-Q2",
        "2025-Q1",
    ]
    assert [p.param for p in choices[Kind.MONTH]][:6] == [
        "2026-05",
        "2026-04",
        "2026-03",
        "2026-02",
        "2026-01",
        "2025-12",
    ]
    assert len(choices[Kind.MONTH]) == 17


def test_regions_contain_their_counties():
    assert rules.contains("350000", "350583") and rules.contains("350500", "350583")
    assert rules.contains("350583", "350583") and not rules.contains("350582", "350583")
    assert not rules.contains("360000", "350583")


# --- checks ---------------------------------------------------------------------------------------------------


def test_an_event_is_recorded_once_held():
    today = dt.date(2026, 7, 15)
    assert rules.event_date_problem(today, today) is None
    assert rules.event_date_problem(dt.date(2026, 7, 16), today) == (
        "Date: an event is recorded once it has been held; 2026-07-16 is after today."
    )
    assert rules.event_date_problem(dt.date(1999, 12, 31), today) == "Date: 1999-12-31 is too long ago."


@dataclass
class C:
    name: str
    starts_on: dt.date
    ends_on: dt.date


def test_the_date_of_an_event_under_a_campaign_is_inside_it():
    campaign = C("2026年6·26", dt.date(2026, 6, 1), dt.date(2026, 6, 30))
    assert rules.campaign_window_problem(dt.date(2026, 6, 1), campaign) is None
    assert rules.campaign_window_problem(dt.date(2026, 6, 30), campaign) is None
    assert rules.campaign_window_problem(dt.date(2026, 7, 1), campaign) == (
        "Date: 2026-07-01 is outside the campaign “2026年6·26” (2026-06-01 to 2026-06-30)."
    )


def test_participants_are_whole_numbers_and_the_groups_fit_in_the_total():
    labels = {"students": "Students", "workers": "Employees"}
    assert rules.participants_problems(100, {"students": 60, "workers": 40}, labels) == {}
    assert rules.participants_problems(-1, {}, labels) == {
        "participants": ["Participants: enter a whole number, 0 or more."]
    }
    assert rules.participants_problems(10, {"students": -2}, labels) == {
        "group_students": ["Students: enter a whole number, 0 or more."]
    }
    assert rules.participants_problems(100, {"students": 60, "workers": 41}, labels) == {
        "participants": ["Participants: the groups add up to 101, more than the 100 participants."]
    }
    assert rules.participants_problems(1, {"students": 2}, labels) == {
        "participants": ["Participants: the groups add up to 2, more than the 1 participant."]
    }


@dataclass
class M:
    kind: str
    quantity: int
    description: str = ""


@dataclass
class Media:
    outlet: str
    kind: str
    published_on: dt.date
    title: str
    link: str = ""


def test_materials_have_a_kind_and_a_quantity():
    assert rules.material_problems([M("leaflet", 10)], ["leaflet"]) == []
    assert rules.material_problems([M("leaflet", 10), M("", 0), M("leaflet", 1, "x" * 101)], ["leaflet"]) == [
        "Materials, row 2: choose the kind.",
        "Materials, row 2: enter a quantity of 1 or more.",
        "Materials, row 3: keep the description under 100 characters.",
    ]


def test_media_links_are_web_addresses():
    assert rules.link_problem("") is None
    assert rules.link_problem("https://www.example.cn/a?b=1") is None
    assert (
        rules.link_problem("javascript:alert(1)")
        == "the link must be a web address starting with http:// or https://"
    )
    assert (
        rules.link_problem("https://a b")
        == "the link must be a web address starting with http:// or https://"
    )
    assert (
        rules.link_problem("HTTPS://A.CN")
        == "the link must be a web address starting with http:// or https://"
    )


def test_media_items_are_complete_and_dated_near_the_event():
    held, today = dt.date(2026, 6, 20), dt.date(2026, 7, 15)
    good = Media("南安电视台", "tv", dt.date(2026, 6, 21), "新闻", "https://nanan.tv/1")
    assert rules.media_problems([good], ["tv"], held, today) == []
    bad = [
        good,
        Media(" ", "radio", dt.date(2026, 7, 16), "", "ftp://x"),
        Media("泉州晚报", "tv", dt.date(2026, 5, 1), "早报"),
    ]
    assert rules.media_problems(bad, ["tv"], held, today) == [
        "Media coverage, row 2: name the outlet.",
        "Media coverage, row 2: choose the kind of media.",
        "Media coverage, row 2: enter the title.",
        "Media coverage, row 2: the date of publication is after today.",
        "Media coverage, row 2: the link must be a web address starting with http:// or https://.",
        "Media coverage, row 3: published more than 30 days before the event (2026-06-20).",
    ]


def test_an_event_is_held_in_a_county_of_the_organisers_region():
    assert rules.county_problem("350583", "county", "350583") is None
    assert rules.county_problem("350583", "county", "350500") is None
    assert (
        rules.county_problem("350582", "county", "350583")
        == "County: the event is held in the organiser's region."
    )
    assert rules.county_problem("350500", "prefecture", "350500") == "County: choose a county (or district)."


def test_campaign_checks():
    ok = {
        "year": 2026,
        "starts_on": dt.date(2026, 6, 1),
        "ends_on": dt.date(2026, 6, 30),
        "name": "六二六",
        "theme": "",
    }
    assert rules.campaign_problems(**ok) == {}
    assert rules.campaign_problems(**{**ok, "name": " ", "ends_on": dt.date(2026, 5, 31)}) == {
        "name": ["Name: enter it."],
        "ends_on": ["Last day: the campaign ends on or after its first day."],
    }
    assert rules.campaign_problems(**{**ok, "year": 2025}) == {
        "starts_on": ["First day: the campaign of 2025 starts in 2025."]
    }
    assert rules.campaign_problems(**{**ok, "ends_on": dt.date(2027, 6, 2)}) == {
        "ends_on": ["Last day: a campaign lasts a year at most."]
    }


def test_usual_windows():
    assert rules.usual_window("06-01", "06-30", 2026) == (dt.date(2026, 6, 1), dt.date(2026, 6, 30))
    assert rules.usual_window("12-20", "01-10", 2026) == (dt.date(2026, 12, 20), dt.date(2027, 1, 10))
    assert rules.usual_window("", "", 2026) is None
    assert rules.usual_window("02-30", "03-01", 2026) is None


# --- lights and totals ----------------------------------------------------------------------------------------


def test_lights():
    band = Decimal("20")
    assert rules.light(6, 6, band) == "green"
    assert rules.light(7, 6, band) == "green"
    assert rules.light(5, 6, band) == "amber"  # 5 ≥ 6 × 0.8 = 4.8
    assert rules.light(4, 6, band) == "red"
    assert rules.light(0, 1, band) == "red"
    assert rules.light(3, None, band) is None
    assert rules.share_pct(5, 6) == Decimal("83.3") and rules.share_pct(1, 0) is None


SETTINGS = [Ref(1, "school", "Schools"), Ref(2, "workplace", "Workplaces"), Ref(3, "family", "Families"),
            Ref(4, "venue", "Venues"), Ref(5, "community", "Communities"), Ref(6, "village", "Villages"),
            Ref(7, "other", "Elsewhere", counts=False)]  # fmt: skip
COUNTIES = [Ref("350583", "350583", "南安市"), Ref("350582", "350582", "晋江市")]
KINDS = [Ref(10, "626", "6·26"), Ref(20, "121", "12·1")]
CAMPAIGNS = [Ref(100, "626-2026", "南安6·26"), Ref(200, "121-2026", "南安12·1")]
TARGETS = Targets(
    settings_covered=6, events_per_setting=2, key_campaign_events=1, amber_band_pct=Decimal("20")
)


def test_totals_per_county_setting_key_campaign_and_campaign():
    facts = [
        Fact("350583", 1, 100, 10, 400, materials=400, media=1),
        Fact("350583", 1, None, None, 50, materials=0, media=0),
        Fact("350583", 2, 100, 10, 30),
        Fact("350583", 5, 200, 20, 600, materials=2000, media=2),
        Fact("350583", 7, None, None, 20),
        Fact("350582", 1, None, None, 80, media=1),
    ]
    found = rules.totals(
        facts, counties=COUNTIES, settings=SETTINGS, key_kinds=KINDS, campaigns=CAMPAIGNS, targets=TARGETS
    )
    nanan, jinjiang = found.counties
    assert (
        nanan.figures.events,
        nanan.figures.participants,
        nanan.figures.materials,
        nanan.figures.media,
    ) == (
        5,
        1100,
        2400,
        3,
    )
    # "Elsewhere" is not one of the six: schools, workplaces, communities are covered.
    assert (nanan.settings_covered, nanan.settings_total, nanan.share_pct, nanan.light) == (
        3,
        6,
        Decimal("50.0"),
        "red",
    )
    assert (jinjiang.figures.events, jinjiang.settings_covered, jinjiang.light) == (1, 1, "red")
    by_code = {row.setting.code: row for row in found.settings}
    school = by_code["school"]
    assert (school.figures.events, school.figures.participants, school.counties_covered) == (3, 530, 2)
    # The target is two events per county: 南安市 has two at schools, 晋江市 one → 1 of 2 counties, red.
    assert (school.counties_meeting, school.light) == (1, "red")
    assert (by_code["village"].counties_covered, by_code["village"].counties_meeting) == (0, 0)
    assert (by_code["other"].figures.events, by_code["other"].counties_meeting, by_code["other"].light) == (
        1,
        None,
        None,
    )
    keys = {row.kind.code: row for row in found.keys}
    assert (keys["626"].figures.events, keys["626"].counties_meeting, keys["626"].light) == (2, 1, "red")
    assert (keys["121"].figures.participants, keys["121"].counties_meeting) == (600, 1)
    assert [
        (r.campaign.code if r.campaign else None, r.figures.events, r.figures.participants)
        for r in found.campaigns
    ] == [
        ("626-2026", 2, 430),
        ("121-2026", 1, 600),
        (None, 3, 150),
    ]
    assert (found.overall.events, found.overall.participants, found.settings_total) == (6, 1180, 6)
    assert found.grid[("350583", 1)] == 2


def test_every_setting_covered_is_green_and_without_targets_there_are_no_lights():
    facts = [Fact("350583", s, None, None, 10) for s in range(1, 7)]
    found = rules.totals(
        facts, counties=COUNTIES[:1], settings=SETTINGS, key_kinds=KINDS, campaigns=[], targets=TARGETS
    )
    assert (found.counties[0].settings_covered, found.counties[0].light) == (6, "green")
    assert found.counties[0].share_pct == Decimal("100.0")
    none = rules.totals(
        facts, counties=COUNTIES[:1], settings=SETTINGS, key_kinds=KINDS, campaigns=[], targets=None
    )
    assert none.counties[0].light is None
    assert {r.light for r in none.settings} == {None} and {r.counties_meeting for r in none.settings} == {
        None
    }
    assert [(r.campaign, r.figures.events) for r in none.campaigns] == [(None, 6)]


def test_changed_fields():
    before = {"title": "a", "participants": 1, "groups": ()}
    after = {"title": "a", "participants": 2, "groups": (("students", 1),)}
    assert rules.changed_fields(before, after) == ["participants", "groups"]
