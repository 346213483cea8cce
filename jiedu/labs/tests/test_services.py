"""The daily urine draw (who is due, who is drawn at random, recomputed for audit), results recorded once, a
positive opiate result → relapse report and dose review, infection tests by schedule and seen only by those who
need them."""

import datetime as dt
from collections import Counter

import pytest
from django.db import connection, transaction

from jiedu.core import clock
from jiedu.core.errors import FieldErrors
from jiedu.labs import services
from jiedu.labs.models import LabKind, LabTest, UrineSelection
from jiedu.mmt.models import EpisodeEvent
from jiedu.mmt.tests.conftest import enrol, register
from jiedu.pharmacy.tests.test_custody import behind_the_applications_back
from jiedu.reports.models import Delivery, Report
from jiedu.testing import build_clinic_stock

pytestmark = pytest.mark.django_db

OCT_1 = dt.date(2026, 10, 1)


@pytest.fixture
def at(monkeypatch):
    def move(day, hour=9):
        monkeypatch.setattr(
            clock, "now", lambda: dt.datetime.combine(day, dt.time(hour), tzinfo=clock.SHANGHAI)
        )

    move(OCT_1)
    return move


@pytest.fixture
def patients(world, at):
    """Twelve patients of clinic A who started on 1 October."""
    build_clinic_stock(world)
    return [
        enrol(world, register(world, seq=10 + i, name=f"患者{i:02d}", birth=dt.date(1980, 1, 1) + dt.timedelta(days=i)),
              start_on=OCT_1)
        for i in range(12)
    ]  # fmt: skip


def test_the_draw_takes_everyone_due_and_is_the_same_when_asked_again(world, patients, at):
    # Nobody has been tested: everyone is due on the day they started.
    first = services.urine_select(clinic=world.clinic_a, day=OCT_1)
    assert Counter(first.lines.values_list("reason", flat=True)) == {"due": 12}
    assert services.urine_select(clinic=world.clinic_a, day=OCT_1).pk == first.pk
    assert UrineSelection.objects.count() == 1


def test_between_due_dates_the_draw_is_random_and_recomputable(world, patients, at):
    for episode in patients:
        services.lab_record(
            actor=world.nurse_a, person=episode.person, kind="urine", reason="entry",
            collected_on=OCT_1, analytes={"opiates": "negative"},
        )  # fmt: skip
    drawn = {}
    for offset in range(1, 14):
        day = OCT_1 + dt.timedelta(days=offset)
        at(day)
        selection = services.urine_select(clinic=world.clinic_a, day=day)
        assert all(interval == 14 for _e, _s, _l, interval in selection.inputs)  # the first months
        assert set(selection.lines.values_list("reason", flat=True)) <= {"random"}
        assert services.urine_selection_verify(selection) == []
        drawn[day] = sorted(selection.lines.values_list("episode_id", flat=True))
        expected = sorted(e.pk for e in patients if services.draw(world.clinic_a.pk, day, e.pk) < 1 / 14)
        assert drawn[day] == expected
    assert sum(len(v) for v in drawn.values()) > 0
    # Day 15 after the entry test: all twelve are due.
    at(OCT_1 + dt.timedelta(days=14))
    due = services.urine_select(clinic=world.clinic_a, day=OCT_1 + dt.timedelta(days=14))
    assert Counter(due.lines.values_list("reason", flat=True)) == {"due": 12}


def test_an_altered_draw_is_caught(world, patients, at):
    selection = services.urine_select(clinic=world.clinic_a, day=OCT_1)
    line = selection.lines.order_by("episode_id").first()
    with behind_the_applications_back() as cursor:
        cursor.execute("DELETE FROM labs_urineselectionline WHERE id = %s", [line.pk])
    assert services.urine_selection_verify(selection) == [
        f"episode {line.episode_id} should have been drawn (due)"
    ]


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_the_database_refuses_to_change_a_draw(world, patients):
    selection = services.urine_select(clinic=world.clinic_a, day=OCT_1)
    with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM labs_urineselectionline WHERE selection_id = %s", [selection.pk])
    assert selection.lines.count() == 12


def test_a_positive_opiate_result_files_a_relapse_report_and_flags_the_dose_review(
    world, patients, recipients
):
    episode = patients[0]
    test = services.lab_record(
        actor=world.nurse_a, person=episode.person, kind="urine", reason="random",
        analytes={"opiates": "positive", "methamphetamine": "negative"},
    )  # fmt: skip
    assert (test.result, test.analytes) == (
        "positive",
        {"opiates": "positive", "methamphetamine": "negative"},
    )
    episode.refresh_from_db()
    assert episode.needs_review is True
    assert EpisodeEvent.objects.filter(episode=episode, kind="review_needed").values_list(
        "detail", flat=True
    )[0] == {"positive_test": test.pk}
    report = Report.objects.get(kind="relapse")
    assert (report.person, report.event_on, report.source) == (episode.person, OCT_1, world.clinic_a)
    assert sorted(Delivery.objects.values_list("recipient__name", flat=True)) == sorted(
        [world.police.name, world.community.name]
    )
    assert "HIV" not in report.summary and report.summary == ""


def test_methamphetamine_alone_files_no_relapse_report(world, patients, recipients):
    services.lab_record(
        actor=world.nurse_a, person=patients[0].person, kind="urine", reason="random",
        analytes={"opiates": "negative", "methamphetamine": "positive"},
    )  # fmt: skip
    assert not Report.objects.filter(kind="relapse").exists()


def test_the_opiate_positive_test_on_entry_is_no_relapse(world, patients, recipients):
    services.lab_record(
        actor=world.nurse_a, person=patients[0].person, kind="urine", reason="entry",
        analytes={"opiates": "positive"},
    )  # fmt: skip
    assert not Report.objects.filter(kind="relapse").exists()
    patients[0].refresh_from_db()
    assert patients[0].needs_review is False


def test_a_result_is_recorded_once(world, patients):
    test = services.lab_record(actor=world.doctor_a, person=patients[0].person, kind="hiv", reason="entry")
    assert test.result == ""
    services.lab_result(actor=world.doctor_a, test=test, result="negative")
    with pytest.raises(FieldErrors) as refused:
        services.lab_result(actor=world.doctor_a, test=test, result="positive")
    assert refused.value.fields == {
        "result": ["This test already has its result; record a new test to correct it."]
    }
    assert LabTest.objects.get().result == "negative"


def test_only_doctors_and_nurses_of_the_care_organisation_record_tests(world, patients):
    person = patients[0].person
    with pytest.raises(FieldErrors) as refused:
        services.lab_record(
            actor=world.keeper_a, person=person, kind="hiv", reason="entry", result="negative"
        )
    assert refused.value.fields == {"kind": ["You may not record this test."]}
    with pytest.raises(FieldErrors) as refused:
        services.lab_record(actor=world.nurse_b, person=person, kind="urine", reason="random",
                            analytes={"opiates": "negative"})  # fmt: skip
    assert refused.value.fields == {"person": ["This person is not in the care of your organisation."]}
    with pytest.raises(FieldErrors) as refused:
        services.lab_record(
            actor=world.nurse_a, person=person, kind="urine", reason="random", analytes={"heroin": "x"}
        )
    assert refused.value.fields == {"analytes": ["Unknown substance or result."]}
    assert not LabTest.objects.exists()


def test_the_infection_schedule_on_entry_then_while_negative(world, patients, at):
    episode = patients[0]
    person = episode.person
    for kind in ("hiv", "hcv", "syphilis"):
        services.lab_record(actor=world.doctor_a, person=person, kind=kind, reason="entry", result="negative")
    services.lab_record(
        actor=world.doctor_a, person=patients[1].person, kind="hcv", reason="entry", result="positive"
    )
    at(dt.date(2027, 3, 25))  # HIV due 1 April (182 days), within the 14 days ahead
    due = services.infection_schedule(clinic=world.clinic_a, today=dt.date(2027, 3, 25))
    mine = [(d.kind, d.due_on, d.last_on) for d in due if d.episode == episode]
    assert mine == [("hiv", dt.date(2027, 4, 1), OCT_1)]
    theirs = sorted((d.kind, d.due_on) for d in due if d.episode == patients[1])
    assert theirs == [
        ("hiv", OCT_1),
        ("syphilis", OCT_1),
    ]  # never tested: due on entry, overdue now; HCV positive
    assert all(d.overdue for d in due if d.episode == patients[1])
    assert len(due) == 1 + 2 + 10 * 3
    assert {LabKind(d.kind) for d in due} == {LabKind.HIV, LabKind.HCV, LabKind.SYPHILIS}


def test_the_daily_command_draws_once_and_verifies(world, patients, at):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("urine_select", "--date", "2026-10-01", stdout=out)
    call_command("urine_select", "--date", "2026-10-01", stdout=out)
    assert out.getvalue().splitlines() == [
        "2026-10-01: 12 urine tests drawn.",
        "2026-10-01: 12 urine tests drawn.",
    ]
    # Every MMT clinic gets its draw, empty where nobody is in treatment; asking again draws nothing new.
    assert sorted(UrineSelection.objects.values_list("clinic__name", flat=True)) == sorted(
        [world.clinic_a.name, world.clinic_b.name, world.clinic_elsewhere.name]
    )
    out = StringIO()
    call_command("urine_select", "--verify", "--date", "2026-10-01", stdout=out)
    assert out.getvalue().strip() == "All 3 draws recompute the same."
