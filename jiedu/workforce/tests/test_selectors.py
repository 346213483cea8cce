"""Reads: whose staff each user sees, the staff structure on a day, turnover from the register, training totals by
region and year, the courses a user sees, and who is due for screening."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from jiedu.workforce import selectors, services
from jiedu.workforce.rules import Turnover
from jiedu.workforce.tests.data import leave, register

pytestmark = pytest.mark.django_db
D = dt.date


def test_whose_staff_each_user_sees(world, today, narcotics):
    def names(user, **kwargs):
        return sorted(selectors.staff_organisations(user=user, **kwargs).values_list("name", flat=True))

    county_units = ["南安市第二美沙酮门诊", "南安市美沙酮维持治疗门诊", "溪美街道延伸服药点"]
    assert names(world.director_a) == ["南安市美沙酮维持治疗门诊", "溪美街道延伸服药点"]
    assert names(world.officer) == county_units
    assert names(narcotics) == county_units
    assert names(narcotics, action=selectors.Action.STAFF_SCREENING) == []
    assert names(world.officer, action=selectors.Action.STAFF_SCREENING) == county_units
    for persona in ("nurse_a", "doctor_a", "keeper_a", "inspector", "auditor", "police", "cdc", "sysadmin"):
        assert names(world.users[persona]) == [], persona


def test_staff_structure_on_a_day(world, today):
    a, b = world.clinic_a, world.clinic_b
    register(world.director_a, a, "陈建华", "psychiatrist")
    register(world.director_a, a, "林志强", "general_practitioner", valid_to=D(2026, 5, 19))
    register(world.director_a, a, "黄丽娟", "nurse")
    register(world.director_a, a, "吴美玲", "nurse", certified=False)
    register(world.director_a, a, "苏晓", "pharmacist", start=D(2026, 5, 21 - 1))
    gone = register(world.director_a, a, "蔡秀英", "nurse")
    leave(world.director_a, gone, D(2026, 5, 19))
    register(world.director_a, a, "张玉兰", "social_worker")
    register(world.officer, b, "洪雅婷", "nurse")
    found = selectors.staff_structure(
        organisation_ids=[a.pk, b.pk, world.dosing_point_a.pk], on=D(2026, 5, 20)
    )
    assert set(found) == {a.pk, b.pk, world.dosing_point_a.pk}
    clinic = found[a.pk]
    assert {p: n for p, n in clinic.by_profession.items() if n} == {
        "psychiatrist": 1,
        "general_practitioner": 1,
        "nurse": 2,
        "pharmacist": 1,
        "social_worker": 1,
    }
    assert {p: n for p, n in clinic.certified.items() if n} == {
        "psychiatrist": 1,
        "nurse": 1,
        "pharmacist": 1,
    }
    assert (clinic.total, clinic.medical_total, clinic.certified_medical_total) == (6, 5, 3)
    assert (found[b.pk].medical_total, found[world.dosing_point_a.pk].total) == (1, 0)
    # The day before: the pharmacist had not started, the nurse who left was in post, the GP's certificate valid.
    before = selectors.staff_structure(organisation_ids=[a.pk], on=D(2026, 5, 19))[a.pk]
    assert (before.medical_total, before.certified_medical_total, before.count("nurse")) == (5, 4, 3)


def test_turnover_from_the_register(world, at):
    at(D(2026, 5, 20))
    a = world.clinic_a
    for name in ("甲", "乙", "丙"):
        register(world.director_a, a, name, start=D(2024, 1, 1))
    quits = register(world.director_a, a, "丁", start=D(2024, 1, 1))
    last_day = register(world.director_a, a, "戊", start=D(2024, 1, 1))
    brief = register(world.director_a, a, "己", start=D(2026, 1, 12))
    register(world.director_a, a, "庚", start=D(2026, 2, 2))  # joins
    leave(world.director_a, quits, D(2026, 2, 27))
    leave(world.director_a, last_day, D(2026, 3, 31), "retired")
    leave(world.director_a, brief, D(2026, 3, 6), "contract_ended")
    found = selectors.turnover_by_organisation(
        organisation_ids=[a.pk, world.clinic_b.pk], first=D(2026, 1, 1), last=D(2026, 3, 31)
    )
    assert found[a.pk] == Turnover(start_headcount=5, end_headcount=4, joiners=2, leavers=3)
    assert found[a.pk].rate == Decimal("66.7")  # 3 ÷ 4.5
    assert found[world.clinic_b.pk] == Turnover(0, 0, 0, 0)
    second = selectors.turnover_by_organisation(
        organisation_ids=[a.pk], first=D(2026, 4, 1), last=D(2026, 6, 30)
    )[a.pk]
    assert second == Turnover(4, 4, 0, 0) and second.rate == Decimal("0.0")


def test_training_totals_by_region_and_year(world, training):
    found = selectors.training_totals(region_code="350500", year=2026)
    assert set(found) == {"350583", "350500", "350582"}
    county = found["350583"]
    assert (county.sessions, county.person_times, county.hours, county.placements) == (
        2,
        41,
        Decimal("9.5"),
        1,
    )
    assert county.by_topic == {"drug_testing": [1, 40], "nursing_rescue": [1, 1]}
    assert county.by_kind == {"mmt_clinic": 3, "police": 30, "community_office": 8}
    assert (found["350500"].sessions, found["350500"].person_times, found["350500"].hours) == (
        1,
        20,
        Decimal("8.0"),
    )
    assert (found["350582"].sessions, found["350582"].person_times) == (1, 15)
    assert set(selectors.training_totals(region_code="350583", year=2026)) == {"350583"}
    last = selectors.training_totals(region_code="350583", year=2025)["350583"]
    assert (last.sessions, last.person_times, last.hours, last.placements) == (1, 50, Decimal("2.0"), 0)
    assert selectors.training_totals(region_code="350583", year=2024) == {}


def test_training_summary_of_a_region(world, training):
    total = selectors.training_summary(region_code="350500", first=D(2026, 1, 1), last=D(2026, 12, 31))
    assert (total.sessions, total.person_times, total.hours, total.person_hours, total.placements) == (
        4,
        76,
        Decimal("21.5"),
        Decimal("463.5"),  # 6 × 40 + 3.5 × 1 + 8 × 20 + 4 × 15
        1,
    )


def test_which_courses_each_user_sees(world, training, narcotics):
    def titles(user):
        return sorted(selectors.courses_in_scope(user=user).values_list("title", flat=True))

    county_and_above = ["全市美沙酮临床培训", "去年的培训", "急救技能", "毒品检测"]
    assert titles(world.officer) == county_and_above
    assert titles(world.director_a) == county_and_above
    assert titles(world.users["cdc"]) == county_and_above
    assert titles(world.users["community"]) == county_and_above
    assert titles(training["city_officer"]) == sorted([*county_and_above, "晋江市心理矫治培训"])
    assert titles(training["jinjiang_officer"]) == ["全市美沙酮临床培训", "晋江市心理矫治培训"]
    for persona in ("nurse_a", "police", "inspector", "auditor", "nurse_elsewhere"):
        assert titles(world.users[persona]) == [], persona


def test_named_participants_are_shown_only_to_those_who_see_their_register(world, training):
    testing = training["testing"]
    for user, names in (
        (world.officer, ["陈建华", "黄丽娟"]),
        (world.director_a, ["陈建华", "黄丽娟"]),
        (world.users["cdc"], []),
        (training["city_officer"], ["陈建华", "黄丽娟"]),
    ):
        attendance = selectors.course_attendance(user=user, course=testing)
        assert sorted(p.staff.name for p in attendance.named) == names
        assert attendance.total == 40
        assert attendance.by_kind == [
            ("Police", 30),
            ("Community detox and rehab offices", 8),
            ("MMT clinics and dosing points", 2),
        ]


def test_who_is_due_for_screening(world, today):
    never = register(world.director_a, world.clinic_a, "从未筛查")
    recent = register(world.director_a, world.clinic_a, "近期筛查")
    old = register(world.director_a, world.clinic_a, "一年前筛查")
    gone = register(world.director_a, world.clinic_a, "已离职")
    leave(world.director_a, gone, D(2026, 1, 31))
    services.screening_record(
        actor=world.director_a, staff=recent, screened_on=D(2026, 1, 10), method="urine", result="negative"
    )
    services.screening_record(
        actor=world.director_a, staff=old, screened_on=D(2025, 5, 20), method="urine", result="negative"
    )
    due = selectors.screening_due(user=world.director_a, today=D(2026, 5, 20), interval_days=365)
    assert [(d.staff.name, d.last) for d in due] == [("一年前筛查", D(2025, 5, 20)), ("从未筛查", None)]
    assert selectors.screening_due(user=world.nurse_a, today=D(2026, 5, 20), interval_days=365) == []
    assert never.pk in {d.staff.pk for d in due}
