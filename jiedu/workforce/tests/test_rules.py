"""The pure rules: periods, turnover (its edge cases), the staff structure on a day, certificates, participants and
training totals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from jiedu.workforce import rules
from jiedu.workforce.rules import Turnover

D = dt.date
Q1 = (D(2026, 1, 1), D(2026, 3, 31))


# --- periods --------------------------------------------------------------------------------------------------


def test_period_bounds_and_labels():
    assert rules.period_bounds("month", D(2024, 2, 1)) == (D(2024, 2, 1), D(2024, 2, 29))
    assert rules.period_bounds("quarter", D(2026, 10, 1)) == (D(2026, 10, 1), D(2026, 12, 31))
    assert rules.period_bounds("year", D(2025, 1, 1)) == (D(2025, 1, 1), D(2025, 12, 31))
    assert rules.period_start("quarter", D(2026, 5, 20)) == D(2026, 4, 1)
    assert rules.period_start("month", D(2026, 5, 20)) == D(2026, 5, 1)
    assert rules.period_start("year", D(2026, 5, 20)) == D(2026, 1, 1)
    assert rules.previous_periods("quarter", D(2026, 5, 20), 3) == [
        D(2026, 4, 1),
        D(2026, 1, 1),
        D(2025, 10, 1),
    ]
    assert rules.previous_periods("month", D(2026, 1, 9), 2) == [D(2026, 1, 1), D(2025, 12, 1)]
    assert [rules.period_label(t, D(2026, 4, 1)) for t in rules.PERIOD_TYPES] == [
        "2026-04",
        "2026 Q2",
        "2026",
    ]


# --- turnover -------------------------------------------------------------------------------------------------


def test_turnover_counts_each_edge_case_once():
    spans = [
        (D(2024, 1, 1), None),  # in post throughout
        (D(2025, 6, 1), D(2026, 2, 15)),  # leaves in the period
        (D(2026, 1, 1), None),  # joins on the first day: a joiner, not in the opening headcount
        (D(2026, 2, 1), D(2026, 3, 10)),  # joins and leaves in the period: both, in neither headcount
        (
            D(2025, 1, 1),
            D(2026, 3, 31),
        ),  # last working day is the period's last day: a leaver, gone at the end
        (D(2025, 3, 1), D(2025, 12, 31)),  # left before the period
        (D(2026, 4, 1), None),  # starts after it
        (D(2025, 10, 1), D(2026, 1, 1)),  # last working day is the period's first day
    ]
    found = rules.turnover(spans, *Q1)
    assert found == Turnover(start_headcount=4, end_headcount=2, joiners=2, leavers=4)
    assert found.end_headcount == found.start_headcount + found.joiners - found.leavers
    assert found.average_headcount == Decimal(3)
    assert found.rate == Decimal("133.3")


def test_turnover_rate_is_leavers_per_hundred_of_the_average_headcount():
    spans = [(D(2020, 1, 1), None)] * 8 + [(D(2020, 1, 1), D(2026, 2, 1)), (D(2020, 1, 1), D(2026, 3, 1))]
    spans += [(D(2026, 3, 2), None)]
    found = rules.turnover(spans, *Q1)
    assert found == Turnover(10, 9, 1, 2)
    assert found.average_headcount == Decimal("9.5")
    assert found.rate == Decimal("21.1")  # 2 ÷ 9.5 = 21.05…%, half up


def test_turnover_without_anyone_in_post_has_no_rate():
    found = rules.turnover([(D(2026, 2, 1), D(2026, 2, 28))], *Q1)
    assert found == Turnover(0, 0, 1, 1)
    assert found.rate is None
    assert rules.turnover([], *Q1).rate is None


def test_turnovers_add_up():
    assert Turnover(4, 2, 2, 4) + Turnover(1, 2, 1, 0) == Turnover(5, 4, 3, 4)


# --- the staff structure ------------------------------------------------------------------------------------------


def row(profession, start, leave=None, certificate="none", valid_from=None, valid_to=None):
    return SimpleNamespace(
        profession=profession,
        start_date=start,
        leave_date=leave,
        certificate_type=certificate,
        certificate_valid_from=valid_from,
        certificate_valid_to=valid_to,
    )


def test_structure_counts_staff_in_post_and_valid_certificates_on_the_day():
    day = D(2026, 5, 20)
    rows = [
        row("psychiatrist", D(2020, 1, 1), certificate="physician", valid_from=D(2019, 1, 1)),
        row(
            "psychiatrist",
            D(2020, 1, 1),
            certificate="physician",
            valid_from=D(2019, 1, 1),
            valid_to=D(2026, 5, 19),
        ),
        row("general_practitioner", D(2026, 5, 20), certificate="physician", valid_from=D(2026, 5, 20)),
        row("nurse", D(2021, 1, 1), leave=D(2026, 5, 20), certificate="nurse", valid_from=D(2021, 1, 1)),
        row("nurse", D(2021, 1, 1), leave=D(2026, 5, 19), certificate="nurse", valid_from=D(2021, 1, 1)),
        row("nurse", D(2026, 5, 21), certificate="nurse", valid_from=D(2021, 1, 1)),
        row("pharmacist", D(2022, 1, 1), certificate="pharmacist", valid_from=D(2026, 6, 1)),
        row("social_worker", D(2022, 1, 1)),
    ]
    found = rules.structure(7, day, rows)
    assert found.organisation_id == 7 and found.on == day
    assert {p: n for p, n in found.by_profession.items() if n} == {
        "psychiatrist": 2,
        "general_practitioner": 1,
        "nurse": 1,  # in post on their last working day
        "pharmacist": 1,
        "social_worker": 1,
    }
    assert {p: n for p, n in found.certified.items() if n} == {
        "psychiatrist": 1,  # the other's certificate expired the day before
        "general_practitioner": 1,
        "nurse": 1,
    }
    assert (found.total, found.medical_total, found.certified_medical_total) == (6, 5, 3)
    assert found.count("physician") == 3 and found.count("physician", certified=True) == 2
    assert found.rows[1] == ("psychiatrist", "Psychiatrist", 2, 1)


# --- certificates, screening, participants -------------------------------------------------------------------------


def test_a_medical_profession_practises_with_its_own_certificate():
    assert rules.certificate_problem("nurse", "physician") == (
        "Nurse: the practising certificate is the nurse practising certificate."
    )
    assert rules.certificate_problem("psychiatrist", "nurse") == (
        "Psychiatrist: the practising certificate is the physician practising certificate."
    )
    assert rules.certificate_problem("other_physician", "pharmacist") == (
        "Other physician: the practising certificate is the physician practising certificate."
    )
    assert rules.certificate_problem("pharmacist", "nurse") == (
        "Pharmacist: the practising certificate is the licensed pharmacist registration."
    )
    assert rules.certificate_problem("psychiatrist", "physician") is None
    assert rules.certificate_problem("nurse", "none") is None
    assert rules.certificate_problem("psychologist", "psychologist") is None
    assert rules.certificate_problem("social_worker", "other") is None


def test_certificate_flags_and_screening_due():
    today = D(2026, 5, 20)
    assert rules.certificate_flag(None, today, 90) is None
    assert rules.certificate_flag(D(2026, 5, 19), today, 90) == "expired"
    assert rules.certificate_flag(D(2026, 8, 18), today, 90) == "expiring"  # 90 days ahead
    assert rules.certificate_flag(D(2026, 8, 19), today, 90) is None
    assert rules.screening_due(None, today, 365)
    assert rules.screening_due(D(2025, 5, 20), today, 365)  # 365 days ago
    assert not rules.screening_due(D(2025, 5, 21), today, 365)


def test_where_a_named_participant_comes_from():
    assert rules.participant_kind("mmt_clinic", "social_worker") == "social_worker"
    assert rules.participant_kind("dosing_point", "nurse") == "mmt_clinic"
    assert rules.participant_kind("compulsory_centre", "police_officer") == "compulsory_centre"
    assert rules.participant_kind("voluntary_rehab", "nurse") == "medical"
    assert rules.participant_kind("health_commission", "administrator") == "other"


def test_training_totals_add_courses_by_topic_and_kind():
    totals = rules.TrainingTotals()
    totals.add_course(
        topic="drug_testing", hours=Decimal("6"), participants={"police": 40, "community_office": 12}
    )
    totals.add_course(topic="emergency", hours=Decimal("3.5"), participants={"mmt_clinic": 3})
    totals.add_course(topic="drug_testing", hours=Decimal("2"), participants={})
    assert (totals.sessions, totals.person_times, totals.hours, totals.person_hours) == (
        3,
        55,
        Decimal("11.5"),
        Decimal("322.5"),
    )
    assert totals.topic_rows == [("Drug testing", 2, 52), ("Emergency response", 1, 3)]
    assert totals.kind_rows == [
        ("Police", 40),
        ("Community detox and rehab offices", 12),
        ("MMT clinics and dosing points", 3),
    ]
