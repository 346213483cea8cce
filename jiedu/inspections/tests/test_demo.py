"""The demo county's inspections: made through the services on top of the demo world, and a second call makes
nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from jiedu.core.models import AuditEntry
from jiedu.datasets.tests.data import ensure_data_sets
from jiedu.demo import data
from jiedu.demo.services import demo_seed
from jiedu.inspections.demo import seed_demo
from jiedu.inspections.models import Escalation, Evidence, Inspection, Rectification, Response, Team
from jiedu.inspections.tests.data import ensure_checklists

pytestmark = pytest.mark.django_db
TODAY = data.REFERENCE_DAY  # 2026-11-23


def test_the_demo_inspections(db):
    ensure_data_sets()  # seeded by the migrations; put back for a run without them
    ensure_checklists()
    summary = demo_seed(seed=2026, persons=0, history_days=0)  # runs seed_demo
    assert summary.oversight_of("inspections") == {
        "teams": 1,
        "inspections": 2,
        "findings": 3,
        "escalations": 1,
    }
    team = Team.objects.get(name="南安市美沙酮维持治疗联合督导组")  # (last year's round has its own team)
    assert (team.name, team.lead_organisation.name) == ("南安市美沙酮维持治疗联合督导组", "南安市卫生健康局")
    assert sorted(team.members.values_list("user__username", "is_leader")) == [
        ("cdc1", False), ("inspector1", True), ("police1", False), ("regulator1", False),
    ]  # fmt: skip
    done, planned = Inspection.objects.filter(team=team).order_by("scheduled_on")
    assert (done.target.name, done.scheduled_on, done.status, done.score, done.announced) == (
        "南安市美沙酮维持治疗门诊", dt.date(2026, 10, 10), "submitted", Decimal("93.0"), True,
    )  # fmt: skip
    assert (planned.target.name, planned.scheduled_on, planned.status, planned.announced, planned.version.template.code) == (
        "南安市水头美沙酮维持治疗门诊", dt.date(2026, 11, 30), "planned", False, "five_special",
    )  # fmt: skip
    assert sorted(set(Response.objects.filter(inspection__team=team).values_list("by__username", flat=True))) == [
        "cdc1", "inspector1", "police1", "regulator1",
    ]  # fmt: skip
    assert Evidence.objects.filter(inspection__team=team, item__isnull=False).count() == 4
    assert list(
        Rectification.objects.filter(inspection__team=team)
        .order_by("number")
        .values_list("item__section__order", "owner__name", "status", "deadline")
    ) == [
        (2, "南安市禁毒委员会办公室", "responded", dt.date(2026, 12, 3)),
        (6, "南安市美沙酮维持治疗门诊", "closed", dt.date(2026, 11, 9)),
        (7, "南安市美沙酮维持治疗门诊", "open", dt.date(2026, 11, 20)),
    ]
    assert list(Escalation.objects.values_list("rectification__number", "level")) == [(3, 1)]
    audit = AuditEntry.objects.count()
    assert seed_demo(today=TODAY) == {"teams": 0, "inspections": 0, "findings": 0, "escalations": 0}
    assert (
        Inspection.objects.filter(team=team).count(),
        Rectification.objects.filter(inspection__team=team).count(),
        AuditEntry.objects.count(),
    ) == (2, 3, audit)
