"""Hand-computed figures on a small history (the dates and counts are worked out in the comments)."""

import datetime as dt
from decimal import Decimal

import pytest

from jiedu.indicators import selectors, services
from jiedu.indicators.models import PersonPeriod, SpellFact
from jiedu.indicators.selectors import Scope

pytestmark = pytest.mark.django_db
D = dt.date
AS_OF = D(2025, 6, 30)


@pytest.fixture
def history(world, records):
    """P1 enrols 10 Jan, doses to 31 Mar and completes. P2 enrols and leaves in February (3–20 Feb, 40 mg).
    P3 doses at clinic A 1 Jan–15 Jun, transfers to the clinic in 晋江 and doses there 16–30 Jun (80 mg).
    P4 doses 1–20 Jan at clinic B (50 mg), is exited as a dropout on 19 Feb and re-enrols on 10 Mar (70 mg)."""
    r = records
    p1, p2, p3, p4 = r.person(), r.person(sex="F", birth=D(2000, 1, 1)), r.person(), r.person()
    e1 = r.episode(p1, start=D(2025, 1, 10), end=D(2025, 3, 31), reason="completed")
    r.doses(e1, D(2025, 1, 10), D(2025, 3, 31))
    e2 = r.episode(p2, start=D(2025, 2, 3), end=D(2025, 2, 20), reason="voluntary")
    r.doses(e2, D(2025, 2, 3), D(2025, 2, 20), mg="40")
    e3 = r.episode(p3, start=D(2025, 1, 1), end=D(2025, 6, 15), reason="transferred")
    r.doses(e3, D(2025, 1, 1), D(2025, 6, 15))
    e3b = r.episode(p3, clinic=world.clinic_elsewhere, start=D(2025, 6, 16), transferred_from=e3)
    r.doses(e3b, D(2025, 6, 16), D(2025, 6, 30), mg="80")
    e4 = r.episode(p4, clinic=world.clinic_b, start=D(2025, 1, 1), end=D(2025, 2, 19), reason="dropout")
    r.doses(e4, D(2025, 1, 1), D(2025, 1, 20), mg="50")
    e4b = r.episode(p4, clinic=world.clinic_b, start=D(2025, 3, 10))
    r.doses(e4b, D(2025, 3, 10), D(2025, 6, 30), mg="70")
    services.rollup_rebuild(as_of=AS_OF)
    return p1, p2, p3, p4


def month(m, scope=selectors.NATION, group=None):
    return selectors.figures(kind="M", starts=[D(2025, m, 1)], scope=scope, group=group)


def test_persons_in_treatment_count_each_person_once(history):
    jan, feb, jun = (
        month(1)[(None, D(2025, 1, 1))],
        month(2)[(None, D(2025, 2, 1))],
        month(6)[(None, D(2025, 6, 1))],
    )
    assert jan["in_treatment"].value == 3  # P1, P3, P4
    assert feb["in_treatment"].value == 3  # P1, P2, P3
    # P3 was dosed at both clinics in June: once nationally, at the clinic of the last dose (晋江).
    assert jun["in_treatment"].value == 2
    by_county = month(6, group="county")
    assert by_county[("350583", D(2025, 6, 1))]["in_treatment"].value == 1
    assert by_county[("350582", D(2025, 6, 1))]["in_treatment"].value == 1
    quarter = selectors.figures(kind="Q", starts=[D(2025, 1, 1)])[(None, D(2025, 1, 1))]
    assert quarter["in_treatment"].value == 4


def test_enrolments_first_ever_and_again_transfers_excluded(history):
    assert month(1)[(None, D(2025, 1, 1))]["new_enrolments"].value == 3
    assert month(2)[(None, D(2025, 2, 1))]["new_enrolments"].value == 1  # P2: enrols and exits in February
    march = month(3)[(None, D(2025, 3, 1))]
    assert (march["new_enrolments"].value, march["re_enrolments"].value) == (0, 1)  # P4 again
    june = month(6)[(None, D(2025, 6, 1))]
    assert (june["new_enrolments"].value, june["re_enrolments"].value) == (0, 0)  # P3's transfer is neither


def test_exits_by_reason_transfers_apart(history):
    assert selectors.exits_by_reason(kind="M", start=D(2025, 2, 1)) == {"voluntary": 1, "dropout": 1}
    assert selectors.exits_by_reason(kind="M", start=D(2025, 3, 1)) == {"completed": 1}
    assert selectors.exits_by_reason(kind="M", start=D(2025, 6, 1)) == {"transferred": 1}
    assert month(6)[(None, D(2025, 6, 1))]["exits"].value == 0
    assert selectors.exits_by_reason(kind="Y", start=D(2025, 1, 1)) == {
        "voluntary": 1,
        "dropout": 1,
        "completed": 1,
        "transferred": 1,
    }


def test_dropout_rate_counts_the_gap_in_the_month_of_the_last_dose(history):
    jan = month(1)[(None, D(2025, 1, 1))]
    # P4: last dose 20 Jan, next 10 Mar. P2 and P1 left with a recorded exit; P3's transfer had no gap.
    assert (jan["dropout_rate"].numerator, jan["dropout_rate"].denominator, jan["dropout_rate"].value) == (
        1,
        3,
        Decimal("33.3"),
    )
    assert month(2)[(None, D(2025, 2, 1))]["dropout_rate"].value == Decimal("0.0")
    p4 = history[3]
    assert PersonPeriod.objects.get(person=p4, kind="M", start=D(2025, 1, 1)).dropout_start == D(2025, 1, 21)


def test_doses_mean_median_and_share_on_60_mg(history):
    jan = month(1)[(None, D(2025, 1, 1))]
    # P1 22 days × 60, P3 31 × 60, P4 20 × 50 = 4180 mg over 73 dose days.
    assert (jan["dose_mean"].numerator, jan["dose_mean"].denominator) == (Decimal("4180.0"), 73)
    assert jan["dose_mean"].value == Decimal("57.3")
    assert jan["dose_median"].value == Decimal("60")
    assert jan["dose_ge60"].value == Decimal("66.7")  # P1, P3 of three
    feb = month(2)[(None, D(2025, 2, 1))]
    # P1 28 × 60, P2 18 × 40, P3 28 × 60: 74 days, the middle ones at 60.
    assert feb["dose_median"].value == Decimal("60")
    assert feb["dose_mean"].value == Decimal("55.1")  # 4080 / 74


def test_cohort_retention(history):
    jan = month(1)[(None, D(2025, 1, 1))]
    # Started in January: P1 (completed 31 Mar, before 10 Apr), P3 (still in treatment at 晋江), P4 (dropped out
    # 21 Jan). Six months are not yet over for any of them on 30 June.
    assert (jan["retention_3m"].numerator, jan["retention_3m"].denominator) == (1, 3)
    assert jan["retention_3m"].value == Decimal("33.3")
    assert jan["retention_6m"].value is None
    march = month(3)[(None, D(2025, 3, 1))]
    assert (march["retention_3m"].numerator, march["retention_3m"].denominator) == (1, 1)
    p1, _, p3, p4 = history
    assert SpellFact.objects.get(person=p1).retention_end == D(2025, 3, 31)
    assert SpellFact.objects.get(person=p3, transfer_in=False).retention_end is None
    assert list(
        SpellFact.objects.filter(person=p4).order_by("started_on").values_list("retention_end", flat=True)
    ) == [
        D(2025, 1, 21),
        None,
    ]


def test_annual_retention_needs_a_complete_december(world, records):
    p_stay, p_leave = records.person(), records.person()
    e = records.episode(p_stay, start=D(2024, 2, 29))
    records.doses(e, D(2024, 2, 29), D(2025, 3, 1))
    e2 = records.episode(p_leave, start=D(2024, 3, 1), end=D(2024, 6, 30), reason="voluntary")
    records.doses(e2, D(2024, 3, 1), D(2024, 6, 30))
    services.rollup_rebuild(as_of=D(2024, 12, 30))
    year = selectors.figures(kind="Y", starts=[D(2024, 1, 1)])[(None, D(2024, 1, 1))]
    assert year["annual_retention"].value is None
    services.rollup_rebuild(as_of=D(2025, 3, 1))
    year = selectors.figures(kind="Y", starts=[D(2024, 1, 1)])[(None, D(2024, 1, 1))]
    assert (year["annual_retention"].numerator, year["annual_retention"].denominator) == (1, 2)
    assert year["annual_retention"].value == Decimal("50.0")
    # Started on 29 February 2024: twelve months later is 28 February 2025, when the spell was still going on.
    feb = selectors.figures(kind="M", starts=[D(2024, 2, 1)])[(None, D(2024, 2, 1))]
    assert (feb["retention_12m"].numerator, feb["retention_12m"].denominator) == (1, 1)
    services.rollup_rebuild(as_of=D(2025, 2, 27))  # a day before: not yet twelve months
    feb = selectors.figures(kind="M", starts=[D(2024, 2, 1)])[(None, D(2024, 2, 1))]
    assert (feb["retention_12m"].denominator, feb["retention_12m"].value) == (0, None)


def test_small_cells_are_suppressed(history):
    jan = selectors.suppress(month(1)[(None, D(2025, 1, 1))], threshold=5)
    assert jan["in_treatment"].suppressed is True
    assert jan["in_treatment"].shown is None
    assert jan["dose_mean"].suppressed is False  # 73 dose days
    assert (
        selectors.suppress(month(1)[(None, D(2025, 1, 1))], threshold=3)["in_treatment"].suppressed is False
    )


def test_league_table_ranks_by_direction(history):
    rows = selectors.league(
        code="in_treatment",
        kind="M",
        start=D(2025, 6, 1),
        previous=D(2025, 5, 1),
        scope=Scope("35"),
        level="county",
    )
    # June: one person in each county (a tie); in May both were in 南安 (350583).
    assert [(r["key"], r["rank"], r["previous_rank"], r["change"]) for r in rows] == [
        ("350582", 1, None, None),
        ("350583", 1, 1, 0),
    ]
    # Lower is better for the dropout rate: January, 南安 alone (P4 of P1, P3, P4 — 33.3 %).
    rows = selectors.league(
        code="dropout_rate", kind="M", start=D(2025, 1, 1), previous=None, scope=Scope("35"), level="clinic"
    )
    assert [(r["key"], r["rank"], r["value"].value) for r in rows] == [
        (history[0].mmt_episodes.get().clinic_id, 1, Decimal("0.0")),
        (history[3].mmt_episodes.first().clinic_id, 2, Decimal("100.0")),
    ]
