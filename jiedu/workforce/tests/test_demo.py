"""The demo county's workforce: what ``seed_demo`` creates, through the services, and that a second call creates
nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from jiedu.demo import data
from jiedu.demo.services import demo_seed
from jiedu.registry.models import Organisation
from jiedu.workforce import selectors
from jiedu.workforce.demo import seed_demo
from jiedu.workforce.models import Course, Screening, StaffMember, StaffVersion
from jiedu.workforce.rules import Turnover

pytestmark = pytest.mark.django_db
TODAY = data.REFERENCE_DAY


def test_seed_demo_creates_the_workforce_once():
    summary = demo_seed(seed=2026, persons=0, history_days=0)  # runs seed_demo
    assert summary.oversight_of("workforce") == {
        "staff": 37,
        "leavers": 5,
        "courses": 3,
        "participants": 118,  # 14 named; 48 police, 12 centre, 26 community and 18 social workers counted
        "placements": 1,
        "screenings": 17,
    }
    assert StaffVersion.objects.filter(kind="left").count() == 5
    assert StaffMember.objects.filter(user__isnull=False).count() == 15
    assert seed_demo(today=TODAY) == {
        k: 0 for k in ("staff", "leavers", "courses", "participants", "placements", "screenings")
    }
    assert (StaffMember.objects.count(), Course.objects.count(), Screening.objects.count()) == (37, 3, 17)

    clinic1 = Organisation.objects.get(name="南安市美沙酮维持治疗门诊")
    centre = Organisation.objects.get(name="泉州市强制隔离戒毒所")
    structure = selectors.staff_structure(organisation_ids=[clinic1.pk, centre.pk], on=TODAY)
    assert (structure[clinic1.pk].medical_total, structure[clinic1.pk].certified_medical_total) == (5, 5)
    assert (structure[centre.pk].medical_total, structure[centre.pk].total) == (7, 9)
    year = selectors.turnover_by_organisation(
        organisation_ids=[clinic1.pk], first=TODAY - dt.timedelta(days=729), last=TODAY
    )[clinic1.pk]
    assert year == Turnover(start_headcount=7, end_headcount=7, joiners=1, leavers=1)
    assert year.rate == Decimal("14.3")
    totals = selectors.training_totals(region_code="350583", year=TODAY.year)
    county = totals["350583"]
    assert (county.sessions, county.person_times, county.placements) == (
        sum(1 for d in (300, 200, 75) if (TODAY - dt.timedelta(days=d)).year == TODAY.year),
        sum(
            n for d, n in ((300, 8), (200, 105), (75, 5)) if (TODAY - dt.timedelta(days=d)).year == TODAY.year
        ),
        1 if (TODAY - dt.timedelta(days=240)).year == TODAY.year else 0,
    )
