"""The live facts shown beside checklist items, with exact values from a built world: clinic A's stock (a day
close with a shortfall on 18 May, nothing since), its purchase seal card, the loss report nobody acknowledged,
and its first quarter of 2026 (five patients, one dropout)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from jiedu.core import clock
from jiedu.core.models import RegionalSetting
from jiedu.indicators.services import rollup_rebuild
from jiedu.indicators.tests.conftest import Records
from jiedu.inspections.facts import Fact, facts_for, organisations_of
from jiedu.inspections.models import FactKey
from jiedu.inspections.tests.conftest import TODAY
from jiedu.pharmacy.models import SealCard, StockBalance
from jiedu.pharmacy.services import day_close
from jiedu.reports.models import RecipientRule
from jiedu.testing import build_clinic_stock

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 5, 20, 9, 0, tzinfo=clock.SHANGHAI)
ALL = [k.value for k in FactKey]


@pytest.fixture
def clinic(world, at):
    """Clinic A on 20 May 2026 at 09:00."""
    at(dt.date(2026, 5, 1))
    RecipientRule.objects.create(region=world.county, recipient=world.police, kind="stock_loss")
    stores = build_clinic_stock(world, quantity="5000")
    store = stores[world.clinic_a.pk]
    balance = StockBalance.objects.get(store=store)
    at(dt.date(2026, 5, 18), 21)
    day_close(
        actor=world.keeper_a,
        witness=world.nurse_a,
        store=store,
        day=dt.date(2026, 5, 18),
        counts={balance.batch_id: Decimal("4990")},
    )
    records = Records(world)
    for n in range(5):
        person = records.person()
        episode = records.episode(person, clinic=world.clinic_a, start=dt.date(2026, 1, 1))
        last = dt.date(2026, 2, 10) if n == 0 else dt.date(2026, 5, 19)
        records.doses(episode, dt.date(2026, 1, 1), last)
    rollup_rebuild(as_of=dt.date(2026, 5, 19))
    at(TODAY)
    return world.clinic_a


def test_every_fact_about_the_clinic(world, clinic):
    facts = facts_for(target=clinic, keys=ALL, now=NOW, today=TODAY)
    card = SealCard.objects.get(organisation=clinic)
    clinic_store, point_store = "发药柜 (南安市美沙酮维持治疗门诊)", "发药柜 (溪美街道延伸服药点)"
    assert facts == {
        "stock_variances": Fact(
            "stock_variances", "Open stock variance investigations", "1 open", "2026-05-20 09:00", True,
            (f"{clinic_store}: Day-close count of 2026-05-18, open since 2026-05-18",),
        ),
        "overdue_reports": Fact(
            "overdue_reports", "Mandatory reports not acknowledged in time",
            "1 not acknowledged in time, 0 escalated", "2026-05-20 09:00", True,
            ("Loss or theft of controlled substances from 南安市美沙酮维持治疗门诊 to 南安市公安局溪美派出所, due 2026-05-19 23:59",),
        ),
        "overdue_stocktakes": Fact(
            "overdue_stocktakes", "Overdue stock counts", "4 overdue", "2026-05-20", True,
            (
                f"{clinic_store}: Monthly full stock-take due 2026-05-05, last never",
                f"{clinic_store}: Day-close count due 2026-05-19, last 2026-05-18",
                f"{point_store}: Monthly full stock-take due 2026-05-05, last never",
                f"{point_store}: Day-close count due 2026-05-19, last never",
            ),
        ),
        "seal_card": Fact("seal_card", "Purchase seal card", f"{card.number} valid until 2027-12-31", "2026-05-20", False),
        "last_day_close": Fact(
            "last_day_close", "Last day-close count", "2026-05-18", "2026-05-20", True,
            (f"{clinic_store}: 2026-05-18", f"{point_store}: never closed"),
        ),
        "dropout_rate": Fact(
            "dropout_rate", "Dropout rate, last complete quarter", "20% (1 of 5)", "2026 Q1 (figures to 2026-05-19)", False
        ),
        "retention": Fact(
            "retention", "Cohort retention at 3 months, last complete quarter", "80% (4 of 5)",
            "2026 Q1 (figures to 2026-05-19)", False,
        ),
    }  # fmt: skip


def test_the_warning_thresholds_are_policy_values(world, clinic):
    RegionalSetting.objects.create(region_id="350000", key="inspections.fact_dropout_warning_pct", value="15")
    RegionalSetting.objects.create(
        region_id="350583", key="inspections.fact_retention_warning_pct", value="85"
    )
    facts = facts_for(target=clinic, keys=["dropout_rate", "retention"], now=NOW, today=TODAY)
    assert (facts["dropout_rate"].warning, facts["retention"].warning) == (True, True)


def test_a_seal_card_due_for_renewal_is_a_warning(world, clinic):
    SealCard.objects.filter(organisation=clinic).update(valid_to=dt.date(2026, 7, 1))
    card = SealCard.objects.get(organisation=clinic)
    fact = facts_for(target=clinic, keys=["seal_card"], now=NOW, today=TODAY)["seal_card"]
    assert (fact.value, fact.warning) == (
        f"{card.number} valid until 2026-07-01: 42 days left, renewal due",
        True,
    )


def test_a_seal_card_with_one_day_left_says_day(world, clinic):
    SealCard.objects.filter(organisation=clinic).update(valid_to=dt.date(2026, 5, 21))
    card = SealCard.objects.get(organisation=clinic)
    fact = facts_for(target=clinic, keys=["seal_card"], now=NOW, today=TODAY)["seal_card"]
    assert fact.value == f"{card.number} valid until 2026-05-21: 1 day left, renewal due"


def test_a_clinic_without_records(world, at):
    at(TODAY)
    facts = facts_for(target=world.clinic_b, keys=ALL, now=NOW, today=TODAY)
    assert {k: (f.value, f.warning) for k, f in facts.items()} == {
        "stock_variances": ("None open", False),
        "overdue_reports": ("None overdue", False),
        "overdue_stocktakes": ("None overdue", False),
        "seal_card": ("No card on record", False),
        "last_day_close": ("No dispensing store", False),
        "dropout_rate": ("No figures yet", False),
        "retention": ("No figures yet", False),
    }


def test_a_working_group_is_seen_through_its_county(world, clinic):
    assert {o.name for o in organisations_of(world.commission)} == {
        "南安市美沙酮维持治疗门诊", "溪美街道延伸服药点", "南安市第二美沙酮门诊", "南安市公安局溪美派出所",
        "溪美街道社区戒毒社区康复工作站", "南安市疾病预防控制中心", "南安市卫生健康局",
    }  # fmt: skip
    facts = facts_for(
        target=world.commission,
        keys=["stock_variances", "dropout_rate", "overdue_stocktakes"],
        now=NOW,
        today=TODAY,
    )
    assert (
        facts["stock_variances"].value,
        facts["dropout_rate"].value,
        facts["overdue_stocktakes"].value,
    ) == (
        "1 open",
        "20% (1 of 5)",
        "6 overdue",
    )


def test_an_organisation_without_mmt_has_no_mmt_figures(world, at):
    at(TODAY)
    fact = facts_for(target=world.cdc, keys=["dropout_rate"], now=NOW, today=TODAY)["dropout_rate"]
    assert (fact.value, fact.as_of, fact.warning) == ("Not applicable: no MMT here", "", False)


def test_each_fact_is_read_once_with_a_fixed_number_of_queries(world, clinic, django_assert_max_num_queries):
    with django_assert_max_num_queries(40):
        facts_for(target=clinic, keys=ALL + ALL, now=NOW, today=TODAY)
