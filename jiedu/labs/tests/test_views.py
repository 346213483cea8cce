"""The tests page: the day's draw, recording a drawn urine test (a positive opiate result is reported), an
infection result sent to the laboratory, and who sees what."""

import datetime as dt

import pytest
from django.urls import reverse

from jiedu.core import clock
from jiedu.labs.models import LabTest, UrineSelection
from jiedu.mmt.tests.conftest import enrol, register
from jiedu.reports.models import Report
from jiedu.testing import build_clinic_stock

pytestmark = pytest.mark.django_db

OCT_1 = dt.date(2026, 10, 1)


@pytest.fixture
def patient(world, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2026, 10, 1, 8, 0, tzinfo=clock.SHANGHAI))
    build_clinic_stock(world)
    return enrol(world, register(world), start_on=OCT_1)


def login(client, user):
    client.force_login(user)
    client.cookies["django_language"] = "en"


def test_the_nurse_records_the_drawn_sample_and_a_positive_is_reported(world, patient, client, recipients):
    login(client, world.nurse_a)
    page = client.get(reverse("labs:today"))
    ((line, taken),) = page.context["lines"]
    assert (line.episode, line.reason, taken) == (patient, "due", None)
    url = f"{reverse('labs:record')}?person={patient.person_id}&line={line.pk}"
    data = {"kind": "urine", "reason": "due", "collected_on": "2026-10-01", "analyte_opiates": "positive",
            "analyte_methamphetamine": "negative", "note": ""}  # fmt: skip
    response = client.post(url, data, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "Opiates positive: a relapse report has been filed and the doctor is asked to review the dose."
    ]
    test = LabTest.objects.get()
    assert (test.selection_line, test.result, test.collected_by) == (line, "positive", world.nurse_a)
    assert Report.objects.get(kind="relapse").person == patient.person
    ((_line, taken),) = client.get(reverse("labs:today")).context["lines"]
    assert taken == test.pk
    assert UrineSelection.objects.count() == 1
    refused = client.post(url, data)
    assert refused.context["form"].errors == {
        "__all__": ["This drawn sample has already been recorded."]
    } or refused.context["form"].errors == {
        "selection_line": ["This drawn sample has already been recorded."]
    }


def test_an_infection_result_arrives_later_and_only_doctors_and_nurses_see_it(world, patient, client):
    login(client, world.doctor_a)
    url = f"{reverse('labs:record')}?person={patient.person_id}"
    client.post(
        url, {"kind": "hiv", "reason": "entry", "collected_on": "2026-10-01", "result": "", "note": ""}
    )
    test = LabTest.objects.get(kind="hiv")
    page = client.get(reverse("labs:today"))
    assert [t.pk for t in page.context["pending"]] == [test.pk]
    assert [(d.kind, d.due_on) for d in page.context["due"]] == [("hcv", OCT_1), ("syphilis", OCT_1)]
    client.post(reverse("labs:result", args=[test.pk]), {"result": "negative"})
    test.refresh_from_db()
    assert (test.result, test.result_by) == ("negative", world.doctor_a)
    # The pharmacist and the director see no test page; the police none either.
    for user in (world.keeper_a, world.director_a, world.users["police"]):
        login(client, user)
        assert client.get(reverse("labs:today")).status_code == 403
    login(client, world.director_a)
    assert client.get(reverse("labs:result", args=[test.pk])).status_code == 403


def test_the_persons_page_shows_infection_results_only_to_doctors_and_nurses(world, patient, client):
    from jiedu.labs import services

    person = patient.person
    services.lab_record(actor=world.doctor_a, person=person, kind="hiv", reason="entry", result="positive")
    services.lab_record(
        actor=world.nurse_a, person=person, kind="urine", reason="due", analytes={"opiates": "negative"}
    )
    url = reverse("patients:detail", args=[person.pk])
    login(client, world.doctor_a)
    page = client.get(url)
    assert [t.kind for t in page.context["lab_tests"]] == ["urine", "hiv"]
    assert "HIV antibody" in page.content.decode()
    assert "Opiates (morphine): Negative" in page.content.decode()
    # The director and the keeper of the same clinic see the person but no test at all; the police station does
    # not see the person's record.
    for user in (world.director_a, world.keeper_a):
        login(client, user)
        body = client.get(url).content.decode()
        assert 'id="lab-tests"' not in body and "HIV" not in body
    login(client, world.users["police"])
    response = client.get(url)
    assert response.status_code == 404 and b"HIV" not in response.content
