"""The report inbox (police, community rehab) and a clinic's sent reports, through the pages."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jiedu.accounts.models import Role, RoleAssignment, User
from jiedu.core import clock
from jiedu.core.models import AuditEntry
from jiedu.patients.services import person_register
from jiedu.reports import services
from jiedu.reports.models import Delivery, RecipientRule
from jiedu.testing import make_id_number

pytestmark = pytest.mark.django_db

MONDAY = dt.datetime(2026, 11, 23, 10, 0, tzinfo=clock.SHANGHAI)


def freeze(monkeypatch, moment):
    monkeypatch.setattr(clock, "now", lambda: moment)


def register(world, seq, name):
    birth = dt.date(1979, 3, 8)
    number = make_id_number(birth=birth, seq=seq)
    person = person_register(
        actor=world.nurse_a, name=name, sex="M", birth_date=birth, id_number=number
    ).person
    return person, number


def file(world, person, kind, key):
    with transaction.atomic():
        return services.report_file(
            kind=kind, person=person, source=world.clinic_a, event_on=dt.date(2026, 11, 20), dedupe_key=key
        )


@pytest.fixture
def rules(world):
    """Police receive every kind; the community office only exits."""
    RecipientRule.objects.create(region=world.county, recipient=world.police)
    RecipientRule.objects.create(region=world.county, recipient=world.community, kind="exit")


@pytest.fixture
def filed(world, rules, monkeypatch):
    """A dropout (police only) filed on Monday 10:00, an exit (police and community) at 11:00."""
    first, first_number = register(world, 37, "张三丰")
    second, second_number = register(world, 38, "李四")
    freeze(monkeypatch, MONDAY)
    dropout = file(world, first, "dropout", "dropout:1")
    freeze(monkeypatch, MONDAY + dt.timedelta(hours=1))
    exit_ = file(world, second, "exit", "exit:2")
    return {"dropout": dropout, "exit": exit_, "numbers": (first_number, second_number)}


def login(client, user):
    client.force_login(user)
    client.cookies["django_language"] = "en"


def row_ids(response):
    return [row.delivery.pk for row in response.context["rows"]]


def test_police_see_their_deliveries_newest_first_with_full_identity_numbers(world, filed, client):
    login(client, world.users["police"])
    response = client.get(reverse("reports:inbox"))
    assert response.status_code == 200
    police = Delivery.objects.filter(recipient=world.police)
    assert row_ids(response) == [
        police.get(report=filed["exit"]).pk,
        police.get(report=filed["dropout"]).pk,
    ]
    body = response.content.decode()
    assert filed["numbers"][0] in body and filed["numbers"][1] in body
    assert "MMT dropout" in body and "MMT exit" in body and "南安市美沙酮维持治疗门诊" in body
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.actor, entry.detail) == (
        "report.inbox_view",
        world.users["police"],
        {"count": 2},
    )


def test_community_sees_only_what_is_addressed_to_it(world, filed, client):
    login(client, world.users["community"])
    response = client.get(reverse("reports:inbox"))
    assert row_ids(response) == [Delivery.objects.get(recipient=world.community).pk]
    body = response.content.decode()
    assert "李四" in body and filed["numbers"][1] in body
    assert "张三丰" not in body and filed["numbers"][0] not in body


def test_a_nurse_is_denied_the_inbox(world, filed, client):
    login(client, world.nurse_a)
    assert client.get(reverse("reports:inbox")).status_code == 403


def test_overdue_tab_with_a_frozen_clock(world, filed, client, monkeypatch):
    login(client, world.users["police"])
    # Due Tuesday 23:59:59 (next working day). On Tuesday afternoon nothing is overdue.
    freeze(monkeypatch, dt.datetime(2026, 11, 24, 15, 0, tzinfo=clock.SHANGHAI))
    assert row_ids(client.get(reverse("reports:inbox"), {"tab": "overdue"})) == []
    freeze(monkeypatch, dt.datetime(2026, 11, 25, 9, 0, tzinfo=clock.SHANGHAI))
    response = client.get(reverse("reports:inbox"), {"tab": "overdue"})
    assert len(row_ids(response)) == 2
    assert response.content.decode().count("Overdue by 9\xa0hours") == 2
    assert response.context["tab"] == "overdue"


def test_acknowledging_then_acknowledging_again(world, filed, client, monkeypatch):
    police = world.users["police"]
    login(client, police)
    delivery = Delivery.objects.get(recipient=world.police, report=filed["dropout"])
    freeze(monkeypatch, dt.datetime(2026, 11, 24, 9, 30, tzinfo=clock.SHANGHAI))
    response = client.post(reverse("reports:acknowledge", args=[delivery.pk]), follow=True)
    delivery.refresh_from_db()
    assert (delivery.acknowledged_by, delivery.acknowledged_at) == (police, clock.now())
    assert [str(m) for m in response.context["messages"]] == ["Acknowledged."]
    assert "police, 2026-11-24 09:30" in response.content.decode()
    assert row_ids(client.get(reverse("reports:inbox"), {"tab": "open"})) == [
        Delivery.objects.get(recipient=world.police, report=filed["exit"]).pk
    ]
    response = client.post(reverse("reports:acknowledge", args=[delivery.pk]), follow=True)
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == ["This report was already acknowledged."]
    assert AuditEntry.objects.filter(action="report.acknowledge").count() == 1


def test_acknowledging_with_htmx_updates_the_row(world, filed, client, monkeypatch):
    login(client, world.users["police"])
    delivery = Delivery.objects.get(recipient=world.police, report=filed["exit"])
    freeze(monkeypatch, dt.datetime(2026, 11, 24, 9, 30, tzinfo=clock.SHANGHAI))
    response = client.post(reverse("reports:acknowledge", args=[delivery.pk]), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert body.strip().startswith(f'<tr id="delivery-{delivery.pk}"')
    assert "police, 2026-11-24 09:30" in body and "Acknowledged." in body
    response = client.post(reverse("reports:acknowledge", args=[delivery.pk]), HTTP_HX_REQUEST="true")
    assert "This report was already acknowledged." in response.content.decode()


def test_a_delivery_to_another_organisation_is_not_found(world, filed, client):
    login(client, world.users["community"])
    delivery = Delivery.objects.get(recipient=world.police, report=filed["dropout"])
    response = client.post(reverse("reports:acknowledge", args=[delivery.pk]))
    assert response.status_code == 404
    delivery.refresh_from_db()
    assert (delivery.acknowledged_at, delivery.acknowledged_by) == (None, None)
    assert not AuditEntry.objects.filter(action="report.acknowledge").exists()


def test_acknowledge_is_post_only(world, filed, client):
    login(client, world.users["police"])
    delivery = Delivery.objects.get(recipient=world.police, report=filed["dropout"])
    assert client.get(reverse("reports:acknowledge", args=[delivery.pk])).status_code == 405


def test_inbox_costs_the_same_queries_for_3_and_10_reports(world, rules, client, django_assert_num_queries):
    people = [register(world, 10 + i, f"病人{i}")[0] for i in range(10)]
    for i, person in enumerate(people[:3]):
        file(world, person, "dropout", f"d:{i}")
    police = world.users["police"]
    login(client, police)
    client.get(reverse("reports:inbox"))  # warm the session and the user's roles

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("reports:inbox"))
        return len(ctx.captured_queries), len(response.context["rows"])

    three, n3 = count()
    for i, person in enumerate(people[3:], start=3):
        file(world, person, "dropout", f"d:{i}")
    with django_assert_num_queries(three):
        response = client.get(reverse("reports:inbox"))
    assert (n3, len(response.context["rows"])) == (3, 10)


def test_sent_reports_show_each_recipients_status_with_masked_numbers(world, filed, client, monkeypatch):
    delivery = Delivery.objects.get(recipient=world.police, report=filed["exit"])
    freeze(monkeypatch, dt.datetime(2026, 11, 24, 9, 30, tzinfo=clock.SHANGHAI))
    services.report_acknowledge(actor=world.users["police"], delivery=delivery)
    freeze(monkeypatch, dt.datetime(2026, 11, 25, 9, 0, tzinfo=clock.SHANGHAI))
    login(client, world.users["director_a"])
    response = client.get(reverse("reports:sent"))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [r.pk for r, _d in rows] == [filed["exit"].pk, filed["dropout"].pk]
    statuses = [[(d.recipient.name, overdue) for d, overdue in deliveries] for _r, deliveries in rows]
    assert statuses == [
        [("南安市公安局溪美派出所", False), ("溪美街道社区戒毒社区康复工作站", True)],
        [("南安市公安局溪美派出所", True)],
    ]
    body = response.content.decode()
    assert "acknowledged by police, 2026-11-24 09:30" in body
    assert body.count("overdue (due 2026-11-24 23:59)") == 2
    assert filed["numbers"][0] not in body and filed["exit"].subject_id_masked in body


def test_sent_reports_are_for_clinic_doctors_and_directors(world, filed, client):
    for persona, status in (("nurse_a", 403), ("police", 403), ("community", 403), ("doctor_a", 200)):
        login(client, world.users[persona])
        assert client.get(reverse("reports:sent")).status_code == status


def test_another_clinic_sees_none_of_clinic_a_reports(world, filed, client):
    director_b = User.objects.create_user(
        username="director_b", password="x" * 20, organisation=world.clinic_b
    )
    RoleAssignment.objects.create(user=director_b, role=Role.CLINIC_DIRECTOR)
    login(client, director_b)
    assert client.get(reverse("reports:sent")).context["rows"] == []
