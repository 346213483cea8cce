"""Overdue reports go to the narcotics control office once, after the grace the region sets; what each report
disclosed is in the person's disclosure register."""

import datetime as dt

import pytest
from django.core.management import call_command

from jiedu.accounts.models import RoleAssignment, User
from jiedu.core import clock
from jiedu.core.models import RegionalSetting
from jiedu.registry.models import Organisation
from jiedu.reports import services
from jiedu.reports.models import Disclosure, Escalation, RecipientRule
from jiedu.reports.tests.test_reports import file, freeze
from jiedu.testing import PASSWORD

pytestmark = pytest.mark.django_db

#: Filed on Friday 20 November 2026 at 10:00: due at the end of Monday 23 November (one working day).
FILED = dt.datetime(2026, 11, 20, 10, 0, tzinfo=clock.SHANGHAI)


@pytest.fixture
def office(world):
    return Organisation.objects.create(
        name="南安市禁毒委员会办公室", type="narcotics_office", region=world.county
    )


@pytest.fixture
def filed(world, person, monkeypatch):
    RecipientRule.objects.create(region=world.county, recipient=world.police)
    RecipientRule.objects.create(region=world.county, recipient=world.community)
    freeze(monkeypatch, FILED)
    return file(world, person)


def test_a_report_is_escalated_a_day_after_its_deadline_once(world, office, filed):
    due = dt.datetime(2026, 11, 23, 23, 59, 59, tzinfo=clock.SHANGHAI)
    assert set(filed.deliveries.values_list("due_at", flat=True)) == {due}
    assert services.reports_escalate(now=due + dt.timedelta(hours=23)) == []
    police = filed.deliveries.get(recipient=world.police)
    community = filed.deliveries.get(recipient=world.community)
    services.report_acknowledge(actor=world.users["community"], delivery=community)
    later = due + dt.timedelta(days=1, seconds=1)
    assert services.reports_escalate(now=later, dry_run=True) == [police.pk]
    assert Escalation.objects.count() == 0
    assert services.reports_escalate(now=later) == [police.pk]
    assert services.reports_escalate(now=later + dt.timedelta(days=3)) == []
    escalation = Escalation.objects.get()
    assert (escalation.delivery, escalation.office, escalation.at) == (police, office, later)


def test_the_grace_is_a_regional_setting_and_a_prefecture_office_serves_a_county_without_one(
    world, person, monkeypatch
):
    RecipientRule.objects.create(region=world.county, recipient=world.police)
    RegionalSetting.objects.create(region_id="350000", key="reports.escalate_after_days", value="3")
    prefecture = Organisation.objects.create(
        name="泉州市禁毒委员会办公室", type="narcotics_office", region_id="350500"
    )
    freeze(monkeypatch, FILED)
    report = file(world, person)
    due = dt.datetime(2026, 11, 23, 23, 59, 59, tzinfo=clock.SHANGHAI)
    assert services.reports_escalate(now=due + dt.timedelta(days=2)) == []
    assert services.reports_escalate(now=due + dt.timedelta(days=3, seconds=1)) == [
        report.deliveries.get().pk
    ]
    assert Escalation.objects.get().office == prefecture


def test_without_an_office_nothing_is_escalated(world, filed):
    assert services.reports_escalate(now=FILED + dt.timedelta(days=30)) == []


def test_the_command_escalates(world, office, filed, monkeypatch, capsys):
    freeze(monkeypatch, FILED + dt.timedelta(days=10))
    call_command("reports_escalate")
    assert capsys.readouterr().out == "2 overdue report deliveries escalated.\n"
    call_command("reports_escalate")
    assert capsys.readouterr().out == "0 overdue report deliveries escalated.\n"


def test_the_office_sees_who_filed_and_who_is_late_but_not_about_whom(world, office, filed, person, client):
    services.reports_escalate(now=FILED + dt.timedelta(days=10))
    officer = User.objects.create_user(username="narc", password=PASSWORD, organisation=office)
    RoleAssignment.objects.create(user=officer, role="narcotics_officer")
    client.force_login(officer)
    page = client.get("/reports/escalations/").content.decode()
    assert page.count('id="escalation-') == 2
    assert world.clinic_a.name in page and world.police.name in page and world.community.name in page
    assert person.name not in page and person.id_number_masked not in page


def test_each_recipient_of_a_report_is_in_the_disclosure_register(world, filed, person, client):
    assert sorted(
        Disclosure.objects.filter(person=person).values_list("recipient__name", "basis", "fields")
    ) == [
        (world.police.name, "reporting_duty", ["name", "id_number", "event"]),
        (world.community.name, "reporting_duty", ["name", "id_number", "event"]),
    ]
    client.force_login(world.nurse_a)
    client.cookies["django_language"] = "en"
    page = client.get(f"/persons/{person.pk}/").content.decode()
    register = page[page.index('id="disclosures"') :]
    assert register.count("<tr>") == 3  # the head and two lines
    assert "Name、Identity number、The reported event and its date" in register
    assert "Reporting duty under the Regulations on Drug Rehabilitation" in register
