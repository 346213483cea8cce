"""Reads: whose units each user sees, the roll-up of a region (counts and ranked scores) and the scores the annual
evaluation reads."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from jiedu.capability import selectors, services
from jiedu.workforce.tests.data import register

pytestmark = pytest.mark.django_db
D = dt.date


def test_whose_units_each_user_sees(world, today, centre):
    unit, head = centre

    def names(user):
        return sorted(selectors.units_in_scope(user=user).values_list("name", flat=True))

    county = sorted(["南安市美沙酮维持治疗门诊", "南安市第二美沙酮门诊", "南安市强制隔离戒毒所"])
    assert names(world.officer) == county
    assert names(world.inspector) == county
    assert names(world.director_a) == ["南安市美沙酮维持治疗门诊"]
    assert names(head) == ["南安市强制隔离戒毒所"]
    for persona in (
        "nurse_a",
        "doctor_a",
        "nurse_point_a",
        "police",
        "cdc",
        "auditor",
        "sysadmin",
        "nurse_elsewhere",
    ):
        assert names(world.users[persona]) == [], persona


@pytest.fixture
def assessed(world, centre, at):
    """The centre assessed and adjusted to 50.0 (confirmed); clinic A assessed on an empty register (0.0,
    confirmed); clinic B with a draft only; an older confirmed assessment of clinic B in 2025."""
    unit, head = centre
    at(D(2025, 11, 3))
    old = services.assessment_create(actor=world.officer, unit=world.clinic_b, on=D(2025, 11, 3))
    services.assessment_confirm(actor=world.officer, assessment=old)
    at(D(2026, 5, 20))
    made = services.assessment_create(actor=world.officer, unit=unit, on=D(2026, 5, 20))
    services.assessment_adjust(
        actor=world.officer, assessment=made, dimension="staff", score="60", reason="外聘医师到岗"
    )
    services.assessment_confirm(actor=world.officer, assessment=made)
    clinic = services.assessment_create(actor=world.inspector, unit=world.clinic_a, on=D(2026, 5, 18))
    services.assessment_confirm(actor=world.inspector, assessment=clinic)
    services.assessment_create(actor=world.inspector, unit=world.clinic_b, on=D(2026, 5, 19))
    return {"centre": made, "clinic_a": clinic, "old": old}


def test_capability_scores_for_the_annual_evaluation(world, centre, assessed):
    unit, _head = centre
    assert selectors.capability_scores(region_code="350583", year=2026) == {
        unit.pk: Decimal("50.0"),
        world.clinic_a.pk: Decimal("0.0"),
    }
    assert selectors.capability_scores(region_code="350000", year=2025) == {world.clinic_b.pk: Decimal("0.0")}
    assert selectors.capability_scores(region_code="350582", year=2026) == {}


def test_the_rollup_counts_and_ranks_the_units_of_the_region(world, centre, assessed):
    unit, head = centre
    services.collaboration_register(
        actor=world.director_a, unit=world.clinic_a, kind="medical_consortium", partner="南安市医院医共体",
        agreement_on=D(2024, 1, 1), valid_from=D(2024, 1, 1),
    )  # fmt: skip
    services.equipment_register(
        actor=world.director_a, unit=world.clinic_a, kind="xray", name="X光机", acquired_on=D(2025, 1, 1),
        checked_on=D(2026, 1, 1), check_kind="maintenance", condition="working",
    )  # fmt: skip
    register(world.director_a, world.clinic_a, "陈建华", "psychiatrist", D(2020, 1, 1))
    register(world.officer, world.clinic_b, "黄丽娟", "nurse", D(2020, 1, 1), certified=False)
    units = list(selectors.units_in_scope(user=world.officer).order_by("name"))
    view = selectors.rollup(units=units, on=D(2026, 5, 20))
    roll = view.rollup
    assert roll.units == 3
    assert roll.collaborations == {"specialist_alliance": 1, "paired_support": 1, "medical_consortium": 1}
    assert roll.equipment == {"xray": 2, "biochemistry_analyser": 1, "defibrillator": 1}
    assert roll.departments == {"internal_medicine": 1, "psychiatry": 1, "pharmacy": 1}
    assert (
        roll.medical_staff,
        roll.certified_medical_staff,
        roll.psychiatrists,
        roll.general_practitioners,
    ) == (8, 5, 2, 1)
    assert roll.units_with_all_key_equipment == 0
    assert roll.licences == {"medical_institution": 1, "psychiatry": 1}
    assert [(u.unit.name, u.rank, u.assessment.score if u.assessment else None) for u in view.units] == [
        ("南安市强制隔离戒毒所", 1, Decimal("50.0")),
        ("南安市第二美沙酮门诊", 2, Decimal("0.0")),  # its confirmed assessment of 2025; a tie, by name
        ("南安市美沙酮维持治疗门诊", 2, Decimal("0.0")),
    ]
    assert view.units[0].scores["staff"] == Decimal("60.0")
    assert view.units[0].score_list == [
        Decimal("54.5"),
        Decimal("45.5"),
        Decimal("60.0"),
        Decimal("50.0"),
        Decimal("45.5"),
        Decimal("44.4"),
    ]
    earlier = selectors.rollup(units=units, on=D(2026, 5, 17))
    assert [(u.unit.name, u.rank) for u in earlier.units] == [
        ("南安市第二美沙酮门诊", 1),
        ("南安市强制隔离戒毒所", None),
        ("南安市美沙酮维持治疗门诊", None),
    ]


def test_equal_scores_share_a_rank(world, today):
    a = services.assessment_create(actor=world.officer, unit=world.clinic_a, on=D(2026, 5, 20))
    b = services.assessment_create(actor=world.officer, unit=world.clinic_b, on=D(2026, 5, 20))
    for made in (a, b):
        services.assessment_confirm(actor=world.officer, assessment=made)
    view = selectors.rollup(units=[world.clinic_a, world.clinic_b], on=D(2026, 5, 20))
    assert [u.rank for u in view.units] == [1, 1]
