"""The demo county's capability: registers and confirmed assessments with gaps, through the services; a second
call creates nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jiedu.capability import selectors
from jiedu.capability.demo import seed_demo
from jiedu.capability.models import Assessment
from jiedu.demo import data
from jiedu.demo.services import demo_seed
from jiedu.workforce.demo import seed_demo as workforce_seed_demo

pytestmark = pytest.mark.django_db
TODAY = data.REFERENCE_DAY


def test_seed_demo_creates_registers_and_assessments_once():
    summary = demo_seed(seed=2026, persons=0, history_days=0)  # runs the workforce's seed_demo, then ours
    assert set(workforce_seed_demo(today=TODAY).values()) == {0}
    assert summary.oversight_of("capability") == {
        "departments": 8,
        "equipment": 12,
        "checks": 13,
        "rules": 7,
        "rule_versions": 9,
        "collaborations": 4,
        "assessments": 4,
        "adjustments": 1,
    }
    assert set(seed_demo(today=TODAY).values()) == {0}
    found = {
        a.organisation.name: (a.status, a.score, a.computed_score, len(selectors.assessment_view(a).gaps))
        for a in Assessment.objects.select_related("organisation")
    }
    # The centre: departments 9/11 (no infectious diseases), equipment 8/11 (biochemistry analyser 400 days
    # without maintenance, defibrillator needs repair), staff 8/10 (7 medical staff of the 8 required), rules 4/4,
    # collaboration 8/11 (no telemedicine, no dedicated ward), qualifications 0/9 (no licence registered), adjusted
    # to 20 with a reason: (81.8 + 72.7 + 80 + 100 + 72.7 + 0) ÷ 6 = 67.9, then 71.2.
    assert found == {
        "泉州市强制隔离戒毒所": ("confirmed", Decimal("71.2"), Decimal("67.9"), 10),
        "南安市美沙酮维持治疗门诊": ("confirmed", Decimal("88.3"), Decimal("88.3"), 3),
        "南安市水头美沙酮维持治疗门诊": ("confirmed", Decimal("30.0"), Decimal("30.0"), 13),
        "南安市洪濑美沙酮维持治疗门诊": ("confirmed", Decimal("17.5"), Decimal("17.5"), 16),
    }
    clinic1 = Assessment.objects.get(organisation__name="南安市美沙酮维持治疗门诊")
    assert [g.missing for g in selectors.assessment_view(clinic1).gaps] == [
        "Defibrillator: 0 in working order (checked working and maintained or calibrated within 365 days) of 1 "
        "registered; 1 required.",
        "Specialist alliance: no agreement in force on the day.",
        "Medical institution practising licence: none valid on the day.",
    ]
