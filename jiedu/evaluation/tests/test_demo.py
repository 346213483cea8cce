"""Last year's evaluation in the demo county: the year-end assessment round through the inspection services and
both evaluations computed and published; a second call creates nothing."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from jiedu.accounts.models import User
from jiedu.demo import data
from jiedu.demo.services import demo_seed
from jiedu.evaluation import demo
from jiedu.evaluation.models import Evaluation, Part, Result
from jiedu.evaluation.selectors import evaluations_in_scope
from jiedu.inspections.models import Inspection

pytestmark = pytest.mark.django_db


def test_the_demo_publishes_last_years_evaluation_of_the_clinics_and_the_counties(db):
    # 40 days of history: last year's indicators are empty (no points), the rest is last year's own.
    summary = demo_seed(seed=2026, persons=0, history_days=40)
    assert summary.oversight_of("evaluation") == {"inspections": 3, "findings": 5, "evaluations": 2}
    assert sorted(
        Inspection.objects.filter(scheduled_on__year=2025).values_list("target__name", "score", "status")
    ) == [
        ("南安市水头美沙酮维持治疗门诊", D("95.0"), "closed"),
        ("南安市洪濑美沙酮维持治疗门诊", D("95.0"), "closed"),
        ("南安市美沙酮维持治疗门诊", D("98.0"), "closed"),
    ]
    clinics = Evaluation.objects.get(scheme__code="clinic-annual")
    assert (clinics.year, clinics.area_id, clinics.status, clinics.published_by.username) == (
        2025, "350583", "published", "officer1",
    )  # fmt: skip
    assert sorted(
        Result.objects.filter(evaluation=clinics).values_list("rank", "organisation__name", "total")
    ) == [
        (1, "南安市水头美沙酮维持治疗门诊", D("38.89")),  # 25 + 10 of the 90 counted
        (1, "南安市美沙酮维持治疗门诊", D("38.89")),
        (3, "南安市洪濑美沙酮维持治疗门诊", D("33.33")),  # one of two findings answered late: 5 points
    ]
    late = Part.objects.get(
        result__evaluation=clinics,
        result__organisation__name="南安市洪濑美沙酮维持治疗门诊",
        criterion__code="rectification",
    )
    assert (late.value, late.numerator, late.denominator, late.points) == (D("50.0"), 1, 2, D("5.00"))
    counties = Evaluation.objects.get(scheme__code="county-annual")
    assert (counties.area_id, counties.organisation.name, counties.published_by.username) == (
        "350500", "泉州市卫生健康委员会", "city1",
    )  # fmt: skip
    nanan = Result.objects.get(evaluation=counties)
    assert (nanan.county_id, nanan.rank) == ("350583", 1)
    parts = {p.criterion.code: (p.value, p.points) for p in Part.objects.filter(result=nanan)}
    assert parts["inspection"] == (D("96.0"), D("20.00"))  # the mean of 98, 95 and 95
    assert parts["rectification"] == (D("80.0"), D("12.00"))  # 4 of 5 on time
    assert parts["campaign_events"] == (D(6), D("2.50"))
    assert parts["capability"] == (None, None)  # assessed this year only: exempt
    # Each clinic's director reads the clinics' evaluation; none of them the counties'.
    for username in ("director1", "director2", "director3"):
        director = User.objects.get(username=username)
        assert list(evaluations_in_scope(user=director)) == [clinics]
    assert demo.seed_demo(today=data.REFERENCE_DAY) == {"inspections": 0, "findings": 0, "evaluations": 0}
