import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from jiedu.core.models import AuditEntry, RegionalSetting
from jiedu.indicators import services

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def county(world, records):
    """Clinic A: six people dosed all of the third quarter of 2025 at 60 mg, one of whom dropped out in
    August (last dose 10 Aug); clinic B: two people; the clinic in 晋江: five people at 40 mg."""
    r = records
    for i in range(6):
        e = r.episode(r.person(), start=D(2025, 6, 1))
        r.doses(e, D(2025, 6, 1), D(2025, 8, 10) if i == 0 else D(2025, 9, 30))
    for _ in range(2):
        e = r.episode(r.person(), clinic=world.clinic_b, start=D(2025, 6, 1))
        r.doses(e, D(2025, 6, 1), D(2025, 9, 30))
    for _ in range(5):
        e = r.episode(r.person(), clinic=world.clinic_elsewhere, start=D(2025, 7, 1))
        r.doses(e, D(2025, 7, 1), D(2025, 9, 30), mg="40")
    services.rollup_rebuild(as_of=D(2025, 9, 30))


def cells(html, table_id):
    """The text of each row of a table, cells joined by |."""
    body = re.search(rf'<table id="{table_id}">(.*?)</table>', html, re.S).group(1)
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    return [
        "|".join(
            re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c)).strip()
            for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r, re.S)
        )
        for r in rows
    ]


def test_the_county_officer_sees_the_county_with_its_league(world, county, client):
    client.force_login(world.users["officer"])
    response = client.get(reverse("indicators:dashboard"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>南安市 · 2025年第3季度</h1>" in html
    headline = {row.split("|")[0]: row for row in cells(html, "headline")[1:]}
    # 8 persons in 南安 (6 + 2); the 晋江 clinic is another county.
    assert headline["在治人数"].split("|")[1] == "8"
    assert headline["剂量≥60mg比例"].split("|")[1:3] == ["100 %", "8 / 8"]
    # One dropout of eight: a count below five, so the rate is not shown.
    assert headline["脱失率"].split("|")[1:3] == ["&lt;5", "—"]
    # The league of the county's clinics: B has two people, so its rates are not shown and not ranked.
    league = cells(html, "league")[1:]
    assert [row.split("|")[:3] for row in league] == [
        ["1", "=", "南安市美沙酮维持治疗门诊"],
        ["—", "—", "南安市第二美沙酮门诊"],
    ]
    assert "&lt;5" in league[1]
    entry = AuditEntry.objects.filter(action="indicators.view").latest("pk")
    assert entry.detail == {"area": "350583", "period": "2025-Q3"}


def test_targets_show_as_traffic_lights_with_regional_targets(world, county, client):
    RegionalSetting.objects.create(region=world.county, key="indicators.target.urine_coverage", value="0")
    client.force_login(world.users["officer"])
    html = client.get(reverse("indicators:dashboard"), {"period": "2025-Q3"}).content.decode()
    row = next(r for r in cells(html, "headline") if r.startswith("尿检覆盖率"))
    assert row.split("|")[4] == "≥ 0 % 达标"


def test_an_officer_cannot_open_another_county_or_a_clinic_outside_their_own(world, county, client):
    client.force_login(world.users["officer"])
    assert client.get(reverse("indicators:dashboard"), {"region": "350582"}).status_code == 404
    assert (
        client.get(reverse("indicators:dashboard"), {"clinic": world.clinic_elsewhere.pk}).status_code == 404
    )
    assert client.get(reverse("indicators:dashboard"), {"clinic": world.clinic_b.pk}).status_code == 200
    assert client.get(reverse("indicators:dashboard"), {"period": "2025-13"}).status_code == 404


def test_the_clinic_head_sees_the_clinic_alone_without_suppression(world, county, client):
    client.force_login(world.users["director_a"])
    html = client.get(reverse("indicators:dashboard"), {"period": "2025-Q3"}).content.decode()
    assert "<h1>南安市美沙酮维持治疗门诊 · 2025年第3季度</h1>" in html
    headline = {row.split("|")[0]: row for row in cells(html, "headline")[1:]}
    assert headline["在治人数"].split("|")[1] == "6"
    assert 'id="league"' not in html
    assert client.get(reverse("indicators:dashboard"), {"region": "350583"}).status_code == 404
    assert client.get(reverse("indicators:dashboard"), {"clinic": world.clinic_b.pk}).status_code == 404


def test_in_english_and_by_month(world, county, client):
    client.force_login(world.users["officer"])
    client.cookies["django_language"] = "en"
    html = client.get(reverse("indicators:dashboard"), {"period": "2025-08"}).content.decode()
    assert "<h1>南安市 · August 2025</h1>" in html
    headline = {row.split("|")[0]: row for row in cells(html, "headline")[1:]}
    assert headline["Persons in treatment"].split("|")[1] == "8"
    assert headline["Mean daily dose"].split("|")[1] == "60 mg"


def test_the_dictionary_lists_every_indicator(world, client):
    client.force_login(world.users["cdc"])
    html = client.get(reverse("indicators:dictionary")).content.decode()
    assert html.count('<tr id="') == 21
    assert '<tr id="annual_retention">' in html


def test_coverage_counts_persons_per_100_registered_opioid_users_of_approved_counties(world, county, client):
    from jiedu.accounts.models import Role, RoleAssignment, User
    from jiedu.datasets import services as datasets
    from jiedu.datasets.tests.data import ensure_data_sets
    from jiedu.indicators import reports
    from jiedu.registry.models import Organisation, Region

    sets = ensure_data_sets()
    city = Organisation.objects.create(
        name="泉州市卫生健康委员会", type="health_commission", region=Region.objects.get(code="350500")
    )
    approver = User.objects.create_user(username="quanzhou", password=None, organisation=city)
    RoleAssignment.objects.create(user=approver, role=Role.HEALTH_OFFICER)
    saved = datasets.submission_save(
        actor=world.officer,
        data_set=sets["registered_users"],
        region=world.county,
        period=D(2025, 1, 1),
        values={"total": "100", "opioid": "40", "synthetic": "55", "other": "5", "new_registrations": "9"},
    )
    submission = datasets.submission_submit(actor=world.officer, submission=saved.submission)
    year = reports.coverage(year=D(2025, 1, 1), scope=reports.Area(region=world.county).scope)
    assert year.value is None  # submitted, not yet approved
    datasets.submission_approve(actor=approver, submission=submission)
    # 8 persons in treatment in 南安 in 2025 per 40 registered opioid users; 晋江 has no approved figure, so its
    # five patients are left out of the prefecture's coverage too.
    year = reports.coverage(year=D(2025, 1, 1), scope=reports.Area(region=world.county).scope)
    assert (year.numerator, year.denominator, year.value) == (8, Decimal("40"), Decimal("20.0"))
    city_year = reports.coverage(
        year=D(2025, 1, 1), scope=reports.Area(region=Region.objects.get(code="350500")).scope
    )
    assert (city_year.numerator, city_year.value) == (8, Decimal("20.0"))
    client.force_login(world.users["officer"])
    html = client.get(reverse("indicators:dashboard"), {"period": "2025"}).content.decode()
    row = next(r for r in cells(html, "headline") if r.startswith("维持治疗覆盖率"))
    assert row.split("|")[1:3] == ["20", "8 / 40"]


def test_exits_are_counted_by_reason_and_small_counts_hidden_on_regional_views(world, records, client):
    for i in range(6):
        e = records.episode(
            records.person(), start=D(2025, 7, 1), end=D(2025, 8, 15), reason="voluntary" if i else "died"
        )
        records.doses(e, D(2025, 7, 1), D(2025, 8, 15))
    services.rollup_rebuild(as_of=D(2025, 9, 30))
    client.force_login(world.users["officer"])
    html = client.get(reverse("indicators:dashboard"), {"period": "2025-Q3"}).content.decode()
    assert cells(html, "exits") == ["自愿退出|5", "死亡|&lt;5"]
    client.force_login(world.users["director_a"])
    html = client.get(reverse("indicators:dashboard"), {"period": "2025-Q3"}).content.decode()
    assert cells(html, "exits") == ["自愿退出|5", "死亡|1"]


def test_the_districts_reported_quarterly_figures_stand_beside_the_computed_ones(world, county, client):
    from jiedu.accounts.models import Role, RoleAssignment, User
    from jiedu.datasets import services as datasets
    from jiedu.datasets.tests.data import ensure_data_sets
    from jiedu.registry.models import Organisation, Region

    sets = ensure_data_sets()
    city = Organisation.objects.create(
        name="泉州市卫生健康委员会", type="health_commission", region=Region.objects.get(code="350500")
    )
    approver = User.objects.create_user(username="quanzhou", password=None, organisation=city)
    RoleAssignment.objects.create(user=approver, role=Role.HEALTH_OFFICER)
    saved = datasets.submission_save(
        actor=world.officer,
        data_set=sets["district_quarterly"],
        region=world.county,
        period=D(2025, 7, 1),
        values={
            "mmt_in_treatment": "9",
            "annual_retention": "88.5",
            "urine_tests": "120",
            "venue_hiv_tests": "30",
            "publicity_events": "4",
            "trainings": "2",
            "key_task_progress": "75",
        },
    )
    submission = datasets.submission_submit(actor=world.officer, submission=saved.submission)
    client.force_login(approver)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("indicators:dashboard"), {"period": "2025-Q3"}).content.decode()
    assert '<table id="reported">' not in html  # submitted, not yet approved

    datasets.submission_approve(actor=approver, submission=submission)

    html = client.get(reverse("indicators:dashboard"), {"period": "2025-Q3"}).content.decode()
    assert cells(html, "reported") == [
        "District|Persons in MMT treatment|Annual retention to date (%)|Urine tests done"
        "|HIV tests of entertainment-venue workers|Publicity events held|Trainings held|Key-task progress (%)"
        "|Persons in treatment (computed)",
        # 9 reported, 8 computed from the dosing records of 南安's two clinics: marked.
        "南安市|9|88.5|120|30|4|2|75|8 ≠",
    ]
    client.force_login(world.users["officer"])
    html = client.get(reverse("indicators:dashboard"), {"period": "2025-Q3"}).content.decode()
    assert cells(html, "reported")[1] == "南安市|9|88.5|120|30|4|2|75|8 ≠"
    html = client.get(reverse("indicators:dashboard"), {"period": "2025-08"}).content.decode()
    assert '<table id="reported">' not in html  # a month: the figures are quarterly
