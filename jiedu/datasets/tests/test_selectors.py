"""The approved figures the indicators read: one region's, and the sum over the counties of a region."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from jiedu.datasets import services
from jiedu.datasets.selectors import (
    approved_total,
    approved_value,
    completeness,
    submission_list,
    submissions_in_scope,
)
from jiedu.datasets.tests.conftest import officer_of
from jiedu.datasets.tests.data import GOOD, TODAY, YEAR
from jiedu.registry.models import Region

pytestmark = pytest.mark.django_db


def figures(opioid: int, synthetic: int, *, isolation: str = "") -> dict[str, str]:
    return {
        **GOOD,
        "total": str(opioid + synthetic),
        "opioid": str(opioid),
        "synthetic": str(synthetic),
        "other": "0",
        "new_registrations": "10",
        "compulsory_isolation": isolation,
    }


def enter(actor, data_set, region, values, *, period=YEAR, until="draft", approver=None):
    submission = services.submission_save(
        actor=actor, data_set=data_set, region=region, period=period, values=values
    ).submission
    if until in ("submitted", "approved"):
        services.submission_submit(actor=actor, submission=submission)
    if until == "approved":
        services.submission_approve(actor=approver, submission=submission)
    return submission


@pytest.fixture
def quanzhou(world, people, data_sets):
    """泉州市's counties for 2025: 南安市 and 晋江市 approved, 石狮市 submitted, 惠安县 a draft; 南安市's 2024
    figures approved too; a county of 江西省 approved."""
    data_set = data_sets["registered_users"]
    region = Region.objects.get
    shishi = officer_of(region(code="350581"), "shishi")
    huian = officer_of(region(code="350521"), "huian")
    nanchang = officer_of(region(code="360121"), "nanchang")
    approve = {"until": "approved", "approver": people.prefecture}
    made = {
        "nanan": enter(world.officer, data_set, world.county, figures(300, 650, isolation="12"), **approve),
        "jinjiang": enter(people.jinjiang, data_set, world.other_county, figures(200, 900), **approve),
        "shishi": enter(shishi, data_set, region(code="350581"), figures(1000, 1000), until="submitted"),
        "huian": enter(huian, data_set, region(code="350521"), figures(2000, 2000)),
        "nanan_2024": enter(
            world.officer, data_set, world.county, figures(400, 500), period=dt.date(2024, 1, 1), **approve
        ),
        "nanchang": enter(
            nanchang,
            data_set,
            region(code="360121"),
            figures(77, 0),
            until="approved",
            approver=people.jiangxi,
        ),
    }
    return made


def test_approved_value_of_one_region(quanzhou):
    get = lambda region, element="opioid", period=YEAR: approved_value(  # noqa: E731
        data_set="registered_users", element=element, region_code=region, period_start=period
    )
    assert get("350583") == Decimal(300)
    assert get("350583", period=dt.date(2024, 1, 1)) == Decimal(400)
    assert get("350583", element="compulsory_isolation") == Decimal(12)
    assert get("350582", element="compulsory_isolation") is None  # approved, but left blank
    assert get("350581") is None  # submitted, not approved
    assert get("350521") is None  # a draft
    assert get("350524") is None  # nothing entered
    assert get("350583", period=dt.date(2023, 1, 1)) is None
    assert (
        approved_value(
            data_set="district_quarterly", element="opioid", region_code="350583", period_start=YEAR
        )
        is None
    )


def test_approved_total_over_a_prefecture_a_province_and_a_county(quanzhou, django_assert_num_queries):
    def total(region, element="opioid", period=YEAR):
        return approved_total(
            data_set="registered_users", element=element, region_prefix_code=region, period_start=period
        )

    with django_assert_num_queries(1):
        assert total("350500") == (Decimal(500), 2)  # 南安市 300 + 晋江市 200; 石狮市 and 惠安县 not approved
    assert total("350000") == (Decimal(500), 2)
    assert total("350500", element="total") == (Decimal(950 + 1100), 2)
    assert total("350500", element="compulsory_isolation") == (Decimal(12), 1)  # 晋江市 left it blank
    assert total("350583") == (Decimal(300), 1)
    assert total("350581") == (None, 0)
    assert total("350500", period=dt.date(2024, 1, 1)) == (Decimal(400), 1)
    assert total("360000") == (Decimal(77), 1)
    assert total("350100") == (None, 0)


def test_reopened_figures_count_again_once_approved_again(world, people, quanzhou):
    nanan = quanzhou["nanan"]
    services.submission_reopen(actor=people.prefecture, submission=nanan, reason="公安更正")
    assert (
        approved_value(data_set="registered_users", element="opioid", region_code="350583", period_start=YEAR)
        is None
    )
    assert approved_total(
        data_set="registered_users", element="opioid", region_prefix_code="350500", period_start=YEAR
    ) == (Decimal(200), 1)
    services.submission_save(
        actor=world.officer,
        data_set=nanan.data_set,
        region=world.county,
        period=YEAR,
        values=figures(310, 640),
    )
    services.submission_submit(actor=world.officer, submission=nanan)
    services.submission_approve(actor=people.province, submission=nanan)
    assert approved_value(
        data_set="registered_users", element="opioid", region_code="350583", period_start=YEAR
    ) == Decimal(310)
    assert approved_total(
        data_set="registered_users", element="opioid", region_prefix_code="350500", period_start=YEAR
    ) == (Decimal(510), 2)


def test_a_prefectures_own_figures_are_not_summed_with_its_counties(world, people, checks):
    april = dt.date(2026, 4, 1)
    enter(people.prefecture, checks, people.quanzhou, {"beds": "90"}, period=april, until="approved",
          approver=people.province)  # fmt: skip
    enter(world.officer, checks, world.county, {"beds": "10"}, period=april, until="approved",
          approver=people.prefecture)  # fmt: skip
    assert approved_total(
        data_set="checks", element="beds", region_prefix_code="350500", period_start=april
    ) == (
        Decimal(10),
        1,
    )
    assert approved_value(data_set="checks", element="beds", region_code="350500", period_start=april) == 90


def test_scope_follows_the_region_of_the_officer(world, people, quanzhou):
    codes = lambda user: sorted(  # noqa: E731
        (s.region_id, s.period_start.year) for s in submissions_in_scope(user=user)
    )
    assert codes(world.officer) == [("350583", 2024), ("350583", 2025)]
    assert codes(people.jinjiang) == [("350582", 2025)]
    assert codes(people.prefecture) == [
        ("350521", 2025),
        ("350581", 2025),
        ("350582", 2025),
        ("350583", 2024),
        ("350583", 2025),
    ]
    assert len(codes(people.province)) == 5
    assert codes(people.jiangxi) == [("360121", 2025)]
    assert codes(world.users["inspector"]) == []
    assert codes(world.users["nurse_a"]) == []


def test_the_list_is_read_in_two_queries(people, quanzhou, django_assert_num_queries):
    with django_assert_num_queries(2):
        rows = submission_list(user=people.prefecture)
        labels = [(r.submission.region.name, r.period, r.submission.status, r.last.kind, r.last.by.username)
                  for r in rows]  # fmt: skip
    assert labels == [
        ("惠安县", "2025", "draft", "saved", "huian"),
        ("石狮市", "2025", "submitted", "submitted", "shishi"),
        ("晋江市", "2025", "approved", "approved", "quanzhou_narcotics"),
        ("南安市", "2025", "approved", "approved", "quanzhou_narcotics"),
        ("南安市", "2024", "approved", "approved", "quanzhou_narcotics"),
    ]


def test_an_approver_sees_how_far_the_regions_below_have_reported(world, people, data_sets):
    def summary(user):
        return [
            (c.data_set.code, c.label, c.expected, c.approved, c.submitted, c.draft, c.not_started,
             [(r.region.code, r.status) for r in c.outstanding])
            for c in completeness(user=user, today=TODAY)
        ]  # fmt: skip

    # 南安市 (its commission) and 晋江市 (its health bureau) have an office on the platform; 泉州市 is the approver.
    nothing = [("350582", None), ("350583", None)]
    assert summary(people.prefecture) == [
        ("district_quarterly", "2026 Q2", 2, 0, 0, 0, 2, nothing),
        ("district_quarterly", "2026 Q1", 2, 0, 0, 0, 2, nothing),
        ("registered_users", "2026", 2, 0, 0, 0, 2, nothing),
        ("registered_users", "2025", 2, 0, 0, 0, 2, nothing),
    ]
    saved = services.submission_save(
        actor=people.jinjiang, data_set=data_sets["registered_users"], region=people.jinjiang_county,
        period=YEAR, values=GOOD,
    )  # fmt: skip
    nanan = services.submission_save(
        actor=world.officer,
        data_set=data_sets["registered_users"],
        region=world.county,
        period=YEAR,
        values=GOOD,
    ).submission
    services.submission_submit(actor=world.officer, submission=nanan)
    assert summary(people.prefecture)[3] == (
        "registered_users", "2025", 2, 0, 1, 1, 0, [("350582", "draft"), ("350583", "submitted")],
    )  # fmt: skip
    services.submission_approve(actor=people.prefecture, submission=nanan)
    year = completeness(user=people.province, today=TODAY)[3]
    assert (year.label, year.expected, year.approved, year.draft) == ("2025", 2, 1, 1)
    assert [(r.region.code, r.submission_id) for r in year.outstanding] == [("350582", saved.submission.pk)]
    # A county approves nothing below it; a health officer elsewhere sees only its own province's regions.
    assert completeness(user=world.officer, today=TODAY) == []
    assert {c.expected for c in completeness(user=people.jiangxi, today=TODAY)} == {0}
