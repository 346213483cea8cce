"""The pure rules: what counts on a day, scores, gap texts and the roll-up counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from jiedu.capability import rules
from jiedu.workforce.rules import StaffStructure

D = dt.date
DAY = D(2026, 5, 20)


def test_a_department_is_in_service_from_its_opening_to_the_day_before_it_closed():
    assert rules.department_in_service(D(2020, 1, 1), None, DAY)
    assert rules.department_in_service(DAY, None, DAY)
    assert not rules.department_in_service(D(2026, 5, 21), None, DAY)
    assert rules.department_in_service(D(2020, 1, 1), D(2026, 5, 21), DAY)
    assert not rules.department_in_service(D(2020, 1, 1), DAY, DAY)


def test_equipment_works_when_found_working_and_serviced_in_time():
    maintained = (D(2025, 5, 20), "maintenance", "working")
    assert rules.equipment_working(D(2020, 1, 1), [maintained], DAY, 365)  # 365 days ago
    assert not rules.equipment_working(D(2020, 1, 1), [(D(2025, 5, 19), "maintenance", "working")], DAY, 365)
    broken = [maintained, (D(2026, 1, 2), "condition", "needs_repair")]
    assert not rules.equipment_working(D(2020, 1, 1), broken, DAY, 365)
    repaired = [*broken, (D(2026, 3, 2), "maintenance", "working")]
    assert rules.equipment_working(D(2020, 1, 1), repaired, DAY, 365)
    assert not rules.equipment_working(D(2020, 1, 1), repaired, D(2026, 2, 1), 365)  # as it stood then
    new = [(D(2026, 3, 1), "condition", "working")]
    assert rules.equipment_working(D(2026, 3, 1), new, DAY, 365)  # acquired counts as serviced
    assert not rules.equipment_working(D(2026, 6, 1), new, DAY, 365)
    assert not rules.equipment_working(D(2020, 1, 1), [], DAY, 365)
    assert rules.last_service(
        D(2020, 1, 1),
        [(D(2024, 1, 1), "maintenance", "working"), (D(2026, 1, 1), "condition", "working")],
        DAY,
    ) == D(2024, 1, 1)


def test_in_force_between_first_and_last_day_or_the_early_end():
    assert rules.in_force(D(2024, 1, 1), None, None, DAY)
    assert rules.in_force(D(2024, 1, 1), DAY, None, DAY)
    assert not rules.in_force(D(2024, 1, 1), D(2026, 5, 19), None, DAY)
    assert rules.in_force(D(2024, 1, 1), D(2026, 12, 31), DAY, DAY)
    assert not rules.in_force(D(2024, 1, 1), D(2026, 12, 31), D(2026, 5, 19), DAY)
    assert not rules.in_force(D(2026, 5, 21), None, None, DAY)


def criterion(pk, dimension, source, parameter, required, weight):
    return SimpleNamespace(
        pk=pk, dimension=dimension, source=source, parameter=parameter, required=required, weight=weight
    )


def facts(**kwargs):
    base = dict(
        organisation_id=1,
        on=DAY,
        departments={},
        equipment_working={},
        equipment_registered={},
        staff=StaffStructure(1, DAY, {"psychiatrist": 2, "nurse": 3}, {"psychiatrist": 1, "nurse": 3}),
        rules={},
        collaborations={},
        licences={},
        maintenance_max_days=365,
    )
    return rules.Facts(**{**base, **kwargs})


def test_scores_are_the_weights_met_per_dimension_and_their_mean():
    criteria = [
        criterion(1, "departments", "department", "psychiatry", 1, 3),
        criterion(2, "departments", "department", "imaging", 1, 1),
        criterion(3, "staff", "certified_staff", "psychiatrist", 2, 2),
        criterion(4, "staff", "certified_staff", "nurse", 3, 1),
        criterion(5, "staff", "medical_staff", "", 5, 1),
        criterion(6, "rules", "rules", "", 2, 1),
        criterion(7, "qualifications", "licence", "seal_card", 1, 1),
    ]
    found = rules.evaluate(
        criteria, facts(departments={"psychiatry": 1}, rules={"emergency": 1, "nursing": 1})
    )
    assert [(r.criterion.pk, r.found, r.met) for r in found] == [
        (1, 1, True),
        (2, 0, False),
        (3, 1, False),
        (4, 3, True),
        (5, 5, True),
        (6, 2, True),
        (7, 0, False),
    ]
    scores = rules.dimension_scores(found)
    assert scores == {
        "departments": Decimal("75.0"),
        "staff": Decimal("50.0"),
        "rules": Decimal("100.0"),
        "qualifications": Decimal("0.0"),
    }
    assert list(scores) == ["departments", "staff", "rules", "qualifications"]
    assert rules.overall(scores) == Decimal("56.3")  # 225 ÷ 4 = 56.25, half up
    assert rules.overall({}) == Decimal(0)
    assert rules.dimension_scores(rules.evaluate([criterion(1, "staff", "certified_staff", "psychiatrist", 1, 3),
                                                  criterion(2, "staff", "certified_staff", "nurse", 4, 4)],
                                                 facts())) == {"staff": Decimal("42.9")}  # fmt: skip


def test_gap_texts_say_what_is_missing():
    g = rules.gap_text
    assert g("department", "psychiatry", 0, 1, {}) == "Psychiatry: no department in service."
    assert g("department", "laboratory", 1, 2, {}) == "Laboratory: 1 department in service; 2 required."
    assert g("equipment", "xray", 0, 1, {"max_days": 365, "registered": 0}) == (
        "X-ray machine: none registered; 1 required in working order."
    )
    assert g("equipment", "xray", 0, 1, {"max_days": 180, "registered": 2}) == (
        "X-ray machine: 0 in working order (checked working and maintained or calibrated within 180 days) of 2 "
        "registered; 1 required."
    )
    assert g("certified_staff", "physician", 1, 2, {}) == (
        "Physicians: 1 with a practising certificate valid on the day; 2 required."
    )
    assert g("medical_staff", "", 6, 8, {}) == "Medical staff in post: 6; 8 required."
    assert g("rules", "", 0, 3, {}) == "Rules in force: 0; 3 required."
    assert g("rules", "infection_control", 0, 1, {}) == "Infection control: 0 rules in force; 1 required."
    assert (
        g("collaboration", "telemedicine", 0, 1, {}) == "Telemedicine link: no agreement in force on the day."
    )
    assert (
        g("licence", "drug_treatment", 0, 1, {})
        == "Drug-treatment medical qualification: none valid on the day."
    )


def test_gap_texts_put_one_in_the_singular_and_more_in_the_plural():
    g = rules.gap_text
    assert g("department", "laboratory", 0, 2, {}) == "Laboratory: 0 departments in service; 2 required."
    assert g("department", "laboratory", 2, 3, {}) == "Laboratory: 2 departments in service; 3 required."
    assert g("rules", "infection_control", 1, 2, {}) == "Infection control: 1 rule in force; 2 required."
    assert g("rules", "infection_control", 2, 3, {}) == "Infection control: 2 rules in force; 3 required."
    assert g("collaboration", "telemedicine", 1, 2, {}) == (
        "Telemedicine link: 1 agreement in force; 2 required."
    )
    assert g("collaboration", "telemedicine", 0, 2, {}) == (
        "Telemedicine link: 0 agreements in force; 2 required."
    )
    assert g("equipment", "xray", 1, 2, {"max_days": 1, "registered": 2}) == (
        "X-ray machine: 1 in working order (checked working and maintained or calibrated within 1 day) of 2 "
        "registered; 2 required."
    )


def test_rollup_counts_units_with_each_item():
    staff = StaffStructure(1, DAY, {"psychiatrist": 1, "nurse": 3, "general_practitioner": 1}, {"nurse": 3})
    a = facts(
        collaborations={"specialist_alliance": 1, "medical_consortium": 2},
        equipment_working={"xray": 1, "b_ultrasound": 1, "blood_analyser": 2, "biochemistry_analyser": 1},
        departments={"psychiatry": 1},
        staff=staff,
    )
    b = facts(organisation_id=2, collaborations={"medical_consortium": 1}, equipment_working={"xray": 1})
    c = facts(organisation_id=3, licences={"seal_card": 1})
    found = rules.rollup([a, b, c])
    assert (found.units, found.medical_staff, found.certified_medical_staff) == (3, 15, 11)
    assert (found.psychiatrists, found.general_practitioners, found.units_with_all_key_equipment) == (5, 1, 1)
    assert found.collaborations == {"specialist_alliance": 1, "medical_consortium": 2}
    assert found.equipment == {"xray": 2, "b_ultrasound": 1, "blood_analyser": 1, "biochemistry_analyser": 1}
    assert found.rows("collaborations")[:2] == [
        ("medical_consortium", "Medical consortium", 2),
        ("specialist_alliance", "Specialist alliance", 1),
    ]
