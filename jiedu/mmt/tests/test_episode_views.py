"""The enrolment pages, dose orders and the patient's MMT record, through the pages as the personas use them."""

import datetime as dt
import html
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from jiedu.accounts.models import Role, RoleAssignment, User
from jiedu.mmt import records, services
from jiedu.mmt.models import DoseOrder, Episode, EpisodeEvent
from jiedu.mmt.records import AttendanceDay
from jiedu.mmt.tests.conftest import enrol, register

pytestmark = pytest.mark.django_db

MESSAGE = re.compile(r'<li class="msg-(\w+)" role="status">(.*?)</li>', re.S)


def freeze(monkeypatch, day, hour=9):
    from jiedu.core import clock

    moment = dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=clock.SHANGHAI)
    monkeypatch.setattr(clock, "now", lambda: moment)


def page(client, user, url, data=None):
    client.force_login(user)
    client.cookies["django_language"] = "en"
    if data is None:
        return client.get(url)
    return client.post(url, data, follow=True)


def messages_of(response):
    return [(kind, html.unescape(text)) for kind, text in MESSAGE.findall(response.content.decode())]


def doctor_at_b(world):
    user = User.objects.create_user(username="doctor_b", organisation=world.clinic_b, full_name="doctor_b")
    RoleAssignment.objects.create(user=user, role=Role.DOCTOR)
    return user


def act(name, episode):
    return reverse(f"episodes:{name}", args=[episode.pk])


def test_the_whole_flow_through_the_pages(world, client, monkeypatch):
    freeze(monkeypatch, dt.date(2026, 11, 23))
    person = register(world)
    doctor = world.doctor_a

    response = page(client, doctor, f"{reverse('episodes:apply')}?person={person.pk}")
    assert response.status_code == 200
    assert response.context["form"]["applied_on"].value() == dt.date(2026, 11, 23)

    response = page(
        client, doctor, f"{reverse('episodes:apply')}?person={person.pk}", {"applied_on": "2026-11-20"}
    )
    episode = Episode.objects.get(person=person)
    assert response.redirect_chain == [(reverse("episodes:detail", args=[episode.pk]), 302)]
    assert messages_of(response) == [("success", "Application opened. The decision is due by 2026-11-27.")]
    assert re.search(r'id="decision-due">2026-11-27</dd>', response.content.decode())
    assert response.context["actions"] == {"assess", "refuse"}

    response = page(
        client,
        doctor,
        act("assess", episode),
        {
            "dependence_evidence": "吸食海洛因10年，尿检吗啡阳性",
            "documents": ["id_card", "drug_history"],
            "agreement_signed": "on",
        },
    )
    assert messages_of(response) == [("success", "Assessment recorded: eligible.")]
    assert response.context["actions"] == {"assess", "accept", "refuse"}

    response = page(client, doctor, act("accept", episode), {"start_on": "2026-11-23"})
    episode.refresh_from_db()
    card = f"350583{episode.pk:07d}"
    assert (episode.status, episode.card_number, episode.started_on) == (
        "active",
        card,
        dt.date(2026, 11, 23),
    )
    assert messages_of(response) == [("success", f"Accepted. Treatment card number: {card}.")]
    assert f'id="card-number">{card}</dd>' in response.content.decode()
    assert response.context["actions"] == {"suspend", "exit", "transfer", "guest", "order"}

    response = page(
        client, doctor, act("order", episode), {"dose_mg": "30", "reason": "诱导期", "split_parts": "1"}
    )
    assert messages_of(response) == [("success", "Order written: 30 mg a day from 2026-11-23.")]
    assert [(o.dose_mg, o.effective_on, o.reason) for o in response.context["orders"]] == [
        (Decimal("30.0"), dt.date(2026, 11, 23), "诱导期")
    ]

    response = page(client, doctor, act("suspend", episode), {"reason": "住院"})
    assert messages_of(response) == [("success", "Treatment is suspended.")]
    assert response.context["actions"] == {"resume", "exit", "transfer", "order"}

    response = page(client, doctor, act("resume", episode), {})
    episode.refresh_from_db()
    assert (episode.status, episode.needs_review) == ("active", True)

    response = page(client, doctor, act("exit", episode), {"reason": "voluntary", "on": "2026-11-23"})
    episode.refresh_from_db()
    assert (episode.status, episode.exit_reason, episode.ended_on) == (
        "exited",
        "voluntary",
        dt.date(2026, 11, 23),
    )
    assert messages_of(response) == [
        ("success", "The episode is closed (Voluntary withdrawal) on 2026-11-23.")
    ]
    assert response.context["actions"] == set()
    assert [e.kind for e in response.context["events"]] == [
        "applied",
        "assessed",
        "accepted",
        "order",
        "reviewed",
        "suspended",
        "resumed",
        "exited",
    ]


def test_applications_list_shows_the_deadline_and_overdue(world, client, monkeypatch):
    person = register(world)
    services.episode_apply(actor=world.doctor_a, person=person, applied_on=dt.date(2026, 11, 20))
    freeze(monkeypatch, dt.date(2026, 11, 27))
    body = page(client, world.nurse_a, reverse("episodes:list")).content.decode()
    assert '<td data-label="Decision due" class="due">2026-11-27</td>' in body
    assert 'data-tab="applications">Applications awaiting decision <span class="badge">1</span>' in body

    freeze(monkeypatch, dt.date(2026, 11, 30))
    body = page(client, world.nurse_a, reverse("episodes:list")).content.decode()
    assert (
        '<td data-label="Decision due" class="due">2026-11-27 <span class="badge bad">overdue</span></td>'
        in body
    )


def test_applying_for_someone_enrolled_elsewhere_names_the_clinic_and_writes_nothing(world, client):
    person = register(world)
    doctor_b = doctor_at_b(world)
    services.episode_apply(actor=doctor_b, person=person)
    before = (Episode.objects.count(), EpisodeEvent.objects.count())

    response = page(
        client,
        world.doctor_a,
        f"{reverse('episodes:apply')}?person={person.pk}",
        {"applied_on": "2026-11-20"},
    )

    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [
        "张三丰 already has an open MMT episode at 南安市第二美沙酮门诊. Ask that clinic to transfer the person here, "
        "or to grant guest dosing."
    ]
    assert (Episode.objects.count(), EpisodeEvent.objects.count()) == before


def test_a_nurse_cannot_accept_or_write_orders(world, client, stock):
    person = register(world)
    episode = enrol(world, person, start_on=dt.date(2026, 11, 20))
    application = services.episode_apply(actor=world.doctor_a, person=register(world, seq=38, name="李四"))
    before = (Episode.objects.order_by("pk").values_list("status", flat=True)[::1], DoseOrder.objects.count())

    client.force_login(world.nurse_a)
    assert client.post(act("accept", application), {"start_on": "2026-11-20"}).status_code == 403
    assert client.post(act("order", episode), {"dose_mg": "35", "reason": "加量"}).status_code == 403
    assert client.get(reverse("episodes:detail", args=[episode.pk])).context["actions"] == set()

    assert (
        Episode.objects.order_by("pk").values_list("status", flat=True)[::1],
        DoseOrder.objects.count(),
    ) == before


def test_a_doctor_at_clinic_b_gets_404_for_clinic_a_episodes(world, client):
    episode = services.episode_apply(actor=world.doctor_a, person=register(world))
    client.force_login(doctor_at_b(world))
    assert client.get(reverse("episodes:detail", args=[episode.pk])).status_code == 404
    assert client.post(act("refuse", episode), {"reason": "不符合条件"}).status_code == 404
    assert client.get(reverse("episodes:record", args=[episode.person_id])).status_code == 404
    episode.refresh_from_db()
    assert episode.status == "applied"


def test_an_order_over_the_step_limit_needs_an_override(world, client, stock):
    episode = enrol(world, register(world), start_on=dt.date(2026, 11, 20))

    response = page(client, world.doctor_a, act("order", episode), {"dose_mg": "45", "reason": "加量"})

    assert response.status_code == 400
    form = response.context["forms"]["order"]
    assert form.errors == {
        "dose_mg": ["A change of more than 10 mg (from 30.0 to 45 mg) needs an override."],
        "override_reason": ["To exceed a limit, give the clinical reason for the override."],
    }
    assert 'name="override_reason"' in response.content.decode()
    assert DoseOrder.objects.filter(episode=episode).count() == 1

    response = page(
        client,
        world.doctor_a,
        act("order", episode),
        {"dose_mg": "45", "reason": "加量", "override_reason": "戒断症状明显"},
    )
    assert response.status_code == 200
    order = DoseOrder.objects.filter(episode=episode).latest("pk")
    assert (order.dose_mg, order.overrides, order.override_reason) == (
        Decimal("45.0"),
        ["step"],
        "戒断症状明显",
    )


def test_a_refusal_needs_a_reason_in_writing(world, client):
    episode = services.episode_apply(actor=world.doctor_a, person=register(world))
    response = page(client, world.doctor_a, act("refuse", episode), {"reason": " "})
    assert response.status_code == 400
    assert response.context["forms"]["refuse"].errors == {
        "reason": ["A refusal is given in writing: state the reason."]
    }
    episode.refresh_from_db()
    assert episode.status == "applied"


def test_transfer_to_clinic_b_is_accepted_there(world, client, stock):
    episode = enrol(world, register(world), start_on=dt.date(2026, 11, 20))
    response = page(
        client, world.doctor_a, act("transfer", episode), {"to_clinic": world.clinic_b.pk, "reason": "搬家"}
    )
    assert messages_of(response) == [
        ("success", "Transfer to 南安市第二美沙酮门诊 requested; it awaits that clinic's answer.")
    ]
    doctor_b = doctor_at_b(world)
    listing = page(client, doctor_b, reverse("episodes:list"))
    [transfer] = listing.context["transfers"]
    response = page(client, doctor_b, reverse("episodes:transfer_accept", args=[transfer.pk]), {})
    new = Episode.objects.get(person=episode.person, status="active")
    assert (new.clinic_id, new.transferred_from_id) == (world.clinic_b.pk, episode.pk)
    assert messages_of(response) == [
        ("success", f"Transfer accepted: treatment continues here with card number {new.card_number}.")
    ]


# --- attendance -------------------------------------------------------------------------------------------


@pytest.fixture
def attended(world, stock, monkeypatch):
    """Treatment from Thu 29 Oct 2026: dosed 29, 30 Oct, missed 31 Oct, dosed 1 Nov, refused 2 Nov, dosed 3 Nov,
    then exited on 3 Nov."""
    person = register(world)
    episode = enrol(world, person, start_on=dt.date(2026, 10, 29))
    for day in (dt.date(2026, 10, 29), dt.date(2026, 10, 30), dt.date(2026, 11, 1), dt.date(2026, 11, 3)):
        freeze(monkeypatch, day)
        assert (
            services.dose_administer(actor=world.nurse_a, person=person, site=world.clinic_a).status
            == "dosed"
        )
    freeze(monkeypatch, dt.date(2026, 11, 2))
    services.dose_refuse(actor=world.nurse_a, person=person, site=world.clinic_a, reason="intoxicated")
    freeze(monkeypatch, dt.date(2026, 11, 3), hour=10)
    services.episode_exit(actor=world.doctor_a, episode=episode, reason="completed")
    freeze(monkeypatch, dt.date(2026, 11, 6))
    episode.refresh_from_db()
    return person, episode


def test_attendance_across_a_month_boundary(attended, django_assert_num_queries):
    _person, episode = attended
    with django_assert_num_queries(2):
        days = records.attendance(
            episodes=[episode],
            start=dt.date(2026, 10, 27),
            end=dt.date(2026, 11, 7),
            today=dt.date(2026, 11, 6),
        )
    assert days == {
        dt.date(2026, 10, 27): AttendanceDay("before"),
        dt.date(2026, 10, 28): AttendanceDay("before"),
        dt.date(2026, 10, 29): AttendanceDay("dosed", Decimal("30.0")),
        dt.date(2026, 10, 30): AttendanceDay("dosed", Decimal("30.0")),
        dt.date(2026, 10, 31): AttendanceDay("missed"),
        dt.date(2026, 11, 1): AttendanceDay("dosed", Decimal("30.0")),
        dt.date(2026, 11, 2): AttendanceDay("refused"),
        dt.date(2026, 11, 3): AttendanceDay("dosed", Decimal("30.0")),
        dt.date(2026, 11, 4): AttendanceDay("after"),
        dt.date(2026, 11, 5): AttendanceDay("after"),
        dt.date(2026, 11, 6): AttendanceDay(""),
        dt.date(2026, 11, 7): AttendanceDay(""),
    }


def test_suspended_days_are_not_missed_days(world, stock, monkeypatch):
    person = register(world)
    episode = enrol(world, person, start_on=dt.date(2026, 10, 29))
    freeze(monkeypatch, dt.date(2026, 10, 29))
    services.dose_administer(actor=world.nurse_a, person=person, site=world.clinic_a)
    freeze(monkeypatch, dt.date(2026, 10, 30))
    services.episode_suspend(actor=world.doctor_a, episode=episode, reason="住院治疗")
    freeze(monkeypatch, dt.date(2026, 11, 2))
    services.episode_resume(actor=world.doctor_a, episode=episode)
    freeze(monkeypatch, dt.date(2026, 11, 4))
    services.episode_suspend(actor=world.doctor_a, episode=episode, reason="外出务工")
    episode.refresh_from_db()
    days = records.attendance(
        episodes=[episode], start=dt.date(2026, 10, 29), end=dt.date(2026, 11, 6), today=dt.date(2026, 11, 6)
    )
    assert {d.isoformat(): a.status for d, a in days.items()} == {
        "2026-10-29": "dosed",
        "2026-10-30": "suspended",
        "2026-10-31": "suspended",
        "2026-11-01": "suspended",
        "2026-11-02": "missed",  # resumed: a doctor reviews before the next dose
        "2026-11-03": "missed",
        "2026-11-04": "suspended",  # suspended again and not resumed
        "2026-11-05": "suspended",
        "2026-11-06": "",
    }


CELL = re.compile(
    r'<td class="att-[\w]+" data-day="(\d{4}-\d\d-\d\d)" data-status="(\w*)">\d+(?:<small>(.*?)</small>)?</td>'
)


def test_the_record_page_shows_the_attendance_calendar(attended, world, client):
    person, episode = attended
    response = page(client, world.nurse_a, reverse("episodes:record", args=[person.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert re.findall(r'data-month="([\d-]+)"', body) == ["2026-10", "2026-11"]
    cells = {day: (status, note) for day, status, note in CELL.findall(body)}
    assert len(cells) == 31 + 30
    assert {d: c for d, c in cells.items() if "2026-10-27" <= d <= "2026-11-06"} == {
        "2026-10-27": ("before", ""),
        "2026-10-28": ("before", ""),
        "2026-10-29": ("dosed", "30 mg"),
        "2026-10-30": ("dosed", "30 mg"),
        "2026-10-31": ("missed", "missed"),
        "2026-11-01": ("dosed", "30 mg"),
        "2026-11-02": ("refused", "refused"),
        "2026-11-03": ("dosed", "30 mg"),
        "2026-11-04": ("after", ""),
        "2026-11-05": ("after", ""),
        "2026-11-06": ("", ""),
    }
    assert [e.kind for e in response.context["entries"][0].episode.events.all()] == [
        "applied",
        "assessed",
        "accepted",
        "order",
        "reviewed",
        "exited",
    ]
    assert [(r.kind, r.event_on) for r in response.context["reports"]] == [
        ("exit", dt.date(2026, 11, 3)),
        ("enrolment", dt.date(2026, 10, 29)),
    ]


def test_the_record_shows_episodes_at_clinics_out_of_region_with_dates_only(world, client):
    person = register(world)
    elsewhere = User.objects.create_user(
        username="doctor_jj", organisation=world.clinic_elsewhere, full_name="jj"
    )
    RoleAssignment.objects.create(user=elsewhere, role=Role.DOCTOR)
    services.episode_apply(actor=elsewhere, person=person, applied_on=dt.date(2026, 11, 20))
    response = page(client, world.doctor_a, reverse("episodes:record", args=[person.pk]))
    body = response.content.decode()
    assert "Episode at another clinic" in body
    assert "晋江市美沙酮门诊" not in body
    assert [e.visible for e in response.context["entries"]] == [False]


def test_the_list_and_record_pages_do_not_grow_queries_with_rows(world, client, stock):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(url):
        client.force_login(world.doctor_a)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    first = register(world)
    enrol(world, first, start_on=dt.date(2026, 11, 20))
    one = (
        count(f"{reverse('episodes:list')}?tab=active"),
        count(reverse("episodes:record", args=[first.pk])),
    )
    for seq in (40, 41, 42):
        enrol(world, register(world, seq=seq, name=f"病人{seq}"), start_on=dt.date(2026, 11, 20))
    services.episode_exit(actor=world.doctor_a, episode=Episode.objects.get(person=first), reason="completed")
    enrol(world, first, start_on=dt.date(2026, 11, 21))  # a second episode on the record
    many = (
        count(f"{reverse('episodes:list')}?tab=active"),
        count(reverse("episodes:record", args=[first.pk])),
    )
    assert many == one
