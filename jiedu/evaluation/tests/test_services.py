"""Computing and publishing the annual evaluation: hand-computed totals from a yearly cube written with chosen sums,
a real inspection submitted in the year, and the other apps' figures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.utils import translation

from jiedu.campaigns.selectors import CampaignTotals
from jiedu.core.errors import DomainError, FieldErrors, PermissionDenied
from jiedu.core.models import AuditEntry
from jiedu.evaluation import selectors, services
from jiedu.evaluation.models import Evaluation, EvaluationStatus, Part, Result, Scheme
from jiedu.evaluation.tests.data import rolled_up
from jiedu.pharmacy import services as pharmacy
from jiedu.testing import build_clinic_stock
from jiedu.workforce.rules import TrainingTotals

pytestmark = pytest.mark.django_db


def clinic_scheme() -> Scheme:
    return Scheme.objects.get(code="clinic-annual")


def county_scheme() -> Scheme:
    return Scheme.objects.get(code="county-annual")


def parts(result: Result) -> dict[str, tuple]:
    return {
        p.criterion.code: (p.value, p.numerator, p.denominator, p.points)
        for p in Part.objects.filter(result=result).select_related("criterion")
    }


def test_the_clinics_of_a_county_are_scored_ranked_and_commended(world, year_2025):
    evaluation = services.evaluation_compute(
        actor=world.officer, scheme=clinic_scheme(), year=2025, note="年终考核"
    )
    assert (evaluation.status, evaluation.area_id, evaluation.out_of) == ("draft", "350583", D("100.00"))
    assert evaluation.indicators_as_of == dt.date(2025, 12, 31)
    a = Result.objects.get(evaluation=evaluation, organisation=world.clinic_a)
    b = Result.objects.get(evaluation=evaluation, organisation=world.clinic_b)
    assert Result.objects.filter(evaluation=evaluation).count() == 2  # MMT clinics of 南安 only
    assert parts(a) == {
        "retention": (D("80.0"), D(80), D(100), D("18.75")),
        "dropout": (D("10.0"), D(10), D(100), D("8.00")),
        "urine": (D("90.0"), D(90), D(100), D("8.89")),
        "hiv_testing": (D("90.0"), D(45), D(50), D("8.89")),
        "inspection": (D("88.0"), None, None, D("20.00")),
        "rectification": (D("0.0"), D(0), D(3), D("0.00")),
        "capability": (None, None, None, None),  # not assessed: exempt
    }
    # 64.53 points out of the 90 counted → 71.70 out of 100.
    assert (a.total, a.rank, a.commended, a.vetoed) == (D("71.70"), 2, False, False)
    assert parts(b)["hiv_testing"] == (D("100.0"), D(10), D(10), D("10.00"))
    assert parts(b)["rectification"] == (None, None, None, D("10.00"))  # nothing fell due: full points
    assert parts(b)["inspection"] == (None, None, None, None)
    # 65 out of 65 counted → 100.
    assert (b.total, b.rank, b.commended) == (D("100.00"), 1, True)
    entry = AuditEntry.objects.get(action="evaluation.compute")
    assert entry.detail == {
        "scheme": "clinic-annual",
        "area": "350583",
        "year": 2025,
        "subjects": 2,
        "commended": 1,
        "vetoed": 0,
    }


def test_a_loss_of_methadone_in_the_year_bars_the_clinic_from_commendation(world, year_2025, at):
    at(dt.date(2025, 3, 2))
    stores = build_clinic_stock(world)
    store = stores[world.clinic_b.pk]
    batch = store.entries.first().batch
    pharmacy.stock_loss(
        actor=world.nurse_b, witness=world.keeper_b, store=store, batch=batch, quantity=D("20"), kind="loss",
        account="发药柜内一瓶破损流失",
    )  # fmt: skip
    at(dt.date(2026, 1, 20))
    evaluation = services.evaluation_compute(actor=world.officer, scheme=clinic_scheme(), year=2025)
    b = Result.objects.get(evaluation=evaluation, organisation=world.clinic_b)
    assert (b.total, b.rank, b.commended, b.vetoed) == (D("100.00"), 1, False, True)
    assert b.losses == 1
    assert b.veto_reason == "1 controlled-substance loss or theft entry booked in the year"
    with translation.override("zh-hans"):
        assert b.veto_reason == "年内登记麻精药品丢失或被盗1笔"
    assert not Result.objects.filter(evaluation=evaluation, commended=True).exists()


def test_the_counties_of_a_province_are_scored_from_every_source(
    world, year_2025, province_officer, monkeypatch
):
    monkeypatch.setattr(
        selectors,
        "capability_scores",
        lambda **kw: {world.clinic_a.pk: D("82.0"), world.clinic_b.pk: D("75.0")},
    )
    monkeypatch.setattr(
        selectors,
        "training_totals",
        lambda **kw: {
            "350583": TrainingTotals(sessions=3, person_times=120),
            "350500": TrainingTotals(sessions=1),
        },
    )
    monkeypatch.setattr(
        selectors,
        "campaign_totals",
        lambda **kw: {
            "350583": CampaignTotals(events=9, participants=1500, settings_covered=4, media_items=3),
            "350582": CampaignTotals(events=0, participants=0, settings_covered=0, media_items=0),
        },
    )
    evaluation = services.evaluation_compute(actor=province_officer, scheme=county_scheme(), year=2025)
    nanan = Result.objects.get(evaluation=evaluation, county_id="350583")
    jinjiang = Result.objects.get(evaluation=evaluation, county_id="350582")
    assert Result.objects.filter(evaluation=evaluation).count() == 2  # the counties with organisations
    assert parts(nanan) == {
        "retention": (D("84.3"), D(118), D(140), D("17.15")),
        "dropout": (D("7.9"), D(11), D(140), D("8.84")),
        "urine": (D("92.9"), D(130), D(140), D("4.77")),
        "hiv_testing": (D("91.7"), D(55), D(60), D("4.63")),
        "inspection": (D("88.0"), D(88), D(1), D("16.00")),
        "rectification": (D("0.0"), D(0), D(3), D("0.00")),
        "capability": (D("78.5"), D(157), D(2), D("4.63")),
        "training": (D(120), None, None, D("5.00")),
        "campaign_events": (D(9), None, None, D("3.75")),
        "campaign_settings": (D(4), None, None, D("3.33")),
    }
    assert (nanan.total, nanan.rank) == (D("68.10"), 2)
    assert parts(jinjiang)["training"] == (D(0), None, None, D("0.00"))  # held nothing: zero, not unknown
    # 55 points out of the 70 counted (inspection and capability exempt) → 78.57.
    assert (jinjiang.total, jinjiang.rank, jinjiang.commended) == (D("78.57"), 1, False)


@pytest.mark.parametrize(
    ("day", "year", "field", "message"),
    [
        (
            dt.date(2025, 12, 31),
            2025,
            "year",
            "The year 2025 is not over; it is evaluated from 1 January 2026.",
        ),
        (dt.date(2026, 1, 20), 1999, "year", "Enter a year from 2000."),
        (dt.date(2026, 1, 20), None, "year", "Enter the year to evaluate."),
    ],
)
def test_a_year_that_is_not_over_is_not_evaluated(world, year_2025, at, day, year, field, message):
    at(day)
    with pytest.raises(FieldErrors) as caught:
        services.evaluation_compute(actor=world.officer, scheme=clinic_scheme(), year=year)
    assert caught.value.fields == {field: [message]}
    assert not Evaluation.objects.exists()


def test_the_indicators_must_be_rolled_up_past_the_year(world, year_2025):
    rolled_up(dt.date(2025, 12, 30))
    with pytest.raises(FieldErrors) as caught:
        services.evaluation_compute(actor=world.officer, scheme=clinic_scheme(), year=2025)
    assert caught.value.fields == {
        "year": [
            "The indicators are computed up to 12/30/2025: the year's figures are complete once the nightly rollup "
            "has passed 31 December 2025."
        ]
    }
    assert not Evaluation.objects.exists()


def test_a_county_does_not_evaluate_counties_and_a_nurse_evaluates_nothing(world, year_2025):
    with pytest.raises(FieldErrors) as caught:
        services.evaluation_compute(actor=world.officer, scheme=county_scheme(), year=2025)
    assert caught.value.fields == {
        "scheme": ["Counties are evaluated by the prefecture or the province above them."]
    }
    with pytest.raises(PermissionDenied):
        services.evaluation_compute(actor=world.nurse_a, scheme=clinic_scheme(), year=2025)
    with pytest.raises(FieldErrors) as caught:
        services.evaluation_compute(actor=world.officer, scheme=None, year=2025)
    assert caught.value.fields == {"scheme": ["Choose a scheme in use."]}
    assert not Evaluation.objects.exists()


def test_one_evaluation_is_published_per_scheme_area_and_year(world, year_2025):
    first = services.evaluation_compute(actor=world.officer, scheme=clinic_scheme(), year=2025)
    second = services.evaluation_compute(actor=world.officer, scheme=clinic_scheme(), year=2025)
    published = services.evaluation_publish(actor=world.officer, evaluation=second)
    assert (published.status, published.published_by, published.published_at) == (
        EvaluationStatus.PUBLISHED,
        world.officer,
        dt.datetime(2026, 1, 20, 1, 0, tzinfo=dt.UTC),
    )
    with pytest.raises(DomainError) as caught:
        services.evaluation_publish(actor=world.officer, evaluation=first)
    assert str(caught.value) == "The 2025 evaluation of 南安市 under this scheme is already published."
    with pytest.raises(DomainError) as caught:
        services.evaluation_publish(actor=world.officer, evaluation=second)
    assert str(caught.value) == "This evaluation is already published."
    assert Evaluation.objects.get(pk=first.pk).status == EvaluationStatus.DRAFT
    assert AuditEntry.objects.filter(action="evaluation.publish").count() == 1


def test_a_published_evaluation_is_withdrawn_with_its_reason_and_a_corrected_one_takes_its_place(
    world, year_2025, at, province_officer
):
    wrong = services.evaluation_compute(actor=world.officer, scheme=clinic_scheme(), year=2025)
    with pytest.raises(DomainError) as caught:
        services.evaluation_withdraw(actor=world.officer, evaluation=wrong, reason="数据有误")
    assert (caught.value.code, str(caught.value)) == (
        "draft",
        "Only a published evaluation is withdrawn; a draft is simply not published.",
    )
    services.evaluation_publish(actor=world.officer, evaluation=wrong)
    for reason, message in (
        ("  ", "Say why the evaluation is withdrawn."),
        ("长" * 501, "Keep the reason within 500 characters."),
    ):
        with pytest.raises(FieldErrors) as caught:
            services.evaluation_withdraw(actor=world.officer, evaluation=wrong, reason=reason)
        assert caught.value.fields == {"reason": [message]}
    with pytest.raises(PermissionDenied):
        services.evaluation_withdraw(actor=world.director_a, evaluation=wrong, reason="数据有误")
    at(dt.date(2026, 2, 3), 10, 30)
    withdrawn = services.evaluation_withdraw(
        actor=world.officer, evaluation=wrong, reason="  洪濑门诊尿检数据录入错误，重新核算  "
    )
    assert (
        withdrawn.status,
        withdrawn.withdrawn_by,
        withdrawn.withdrawn_at,
        withdrawn.withdrawal_reason,
    ) == (
        EvaluationStatus.WITHDRAWN,
        world.officer,
        dt.datetime(2026, 2, 3, 2, 30, tzinfo=dt.UTC),
        "洪濑门诊尿检数据录入错误，重新核算",
    )
    # Published once: who published it and when stay with it.
    assert (withdrawn.published_by, withdrawn.published_at) == (
        world.officer,
        dt.datetime(2026, 1, 20, 1, 0, tzinfo=dt.UTC),
    )
    for act, message in (
        (services.evaluation_withdraw, "This evaluation is withdrawn already."),
        (
            services.evaluation_publish,
            "This evaluation was withdrawn: compute a corrected one and publish that.",
        ),
    ):
        kwargs = {"reason": "again"} if act is services.evaluation_withdraw else {}
        with pytest.raises(DomainError) as caught:
            act(actor=world.officer, evaluation=withdrawn, **kwargs)
        assert str(caught.value) == message
    corrected = services.evaluation_compute(actor=world.officer, scheme=clinic_scheme(), year=2025)
    assert (
        services.evaluation_publish(actor=world.officer, evaluation=corrected).status
        == EvaluationStatus.PUBLISHED
    )
    # The clinics see both: the corrected evaluation and the withdrawn one, marked so.
    assert set(selectors.evaluations_in_scope(user=world.director_a)) == {withdrawn, corrected}
    entry = AuditEntry.objects.get(action="evaluation.withdraw")
    assert (entry.actor, entry.detail) == (
        world.officer,
        {
            "scheme": "clinic-annual",
            "area": "350583",
            "year": 2025,
            "reason": "洪濑门诊尿检数据录入错误，重新核算",
        },
    )


def test_a_county_sees_the_provinces_evaluation_once_published_and_cannot_publish_it(
    world, year_2025, province_officer
):
    evaluation = services.evaluation_compute(actor=province_officer, scheme=county_scheme(), year=2025)
    own = services.evaluation_compute(actor=world.officer, scheme=clinic_scheme(), year=2025)
    assert set(selectors.evaluations_in_scope(user=world.officer)) == {own}
    assert set(selectors.evaluations_in_scope(user=province_officer)) == {evaluation, own}
    assert set(selectors.evaluations_in_scope(user=world.users["nurse_elsewhere"])) == set()
    with pytest.raises(PermissionDenied):
        services.evaluation_publish(actor=world.officer, evaluation=evaluation)
    services.evaluation_publish(actor=province_officer, evaluation=evaluation)
    assert set(selectors.evaluations_in_scope(user=world.officer)) == {own, evaluation}
