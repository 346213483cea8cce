"""The office's pages: its orders with their flags, recording an order, an order's page with its forms, the
attendance grid (dosed yes/no only), another office's orders hidden, and what the person's record may show."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jiedu.community import selectors, services
from jiedu.community.models import CheckIn, CommunityOrder
from jiedu.community.tests.conftest import MAR_10, dose_on, enrol, record_order, register
from jiedu.core.models import AuditEntry
from jiedu.labs import services as lab_services

pytestmark = pytest.mark.django_db

APR_1 = dt.date(2026, 4, 1)


def login(client, user):
    client.force_login(user)
    client.cookies["django_language"] = "en"


@pytest.fixture
def orders(world, others, at):
    """On 20 March 2026 the office records four orders and the other office one; today is 1 April 2026."""
    community = world.users["community"]
    at(dt.date(2026, 3, 20))
    due = record_order(world, register(world, seq=11, name="王建国"), start_on=dt.date(2026, 3, 20),
                       number="南公(禁)决字〔2026〕20号")  # fmt: skip
    overdue = record_order(world, register(world, seq=12, name="陈志强"), number="南公(禁)决字〔2026〕12号")
    reported = record_order(
        world, register(world, seq=13, name="黄丽"), kind="rehab", number="南公(禁)决字〔2026〕13号"
    )
    ended = record_order(world, register(world, seq=14, name="刘洋"), number="南公(禁)决字〔2026〕14号")
    elsewhere = record_order(world, register(world, seq=15, name="周杰"), number="南公(禁)决字〔2026〕15号",
                             actor=others.worker)  # fmt: skip
    at(APR_1)
    services.order_report(actor=community, order=reported, reported_on=dt.date(2026, 3, 18))
    services.checkin_record(actor=community, order=reported, on=dt.date(2026, 3, 18), how="office")
    services.checkin_record(actor=community, order=reported, on=dt.date(2026, 3, 30), how="home_visit")
    services.order_end(actor=community, order=ended, ended_on=dt.date(2026, 3, 31), reason="moved_away")
    return {"due": due, "overdue": overdue, "reported": reported, "ended": ended, "elsewhere": elsewhere}


def test_the_list_shows_the_office_s_orders_active_first_with_their_flags(world, orders, client):
    login(client, world.users["community"])
    page = client.get(reverse("community:list"))
    assert page.status_code == 200
    rows = [(r.order.person.name, r.report_state, r.last_checkin_on) for r in page.context["rows"]]
    assert rows == [
        ("陈志强", "overdue", None),  # not reported, due 25 March
        ("王建国", "due", None),  # started 20 March: due 4 April
        ("黄丽", "reported", dt.date(2026, 3, 30)),
        ("刘洋", "overdue", None),  # ended
    ]
    html = page.content.decode()
    assert "Not reported in time (due 2026-03-25)" in html
    assert "Not reported yet, due 2026-04-04" in html
    assert "Reported on 2026-03-18" in html
    assert "Ended on 2026-03-31" in html and "Moved away" in html
    assert "周杰" not in html  # the other office's order


def test_the_list_costs_the_same_queries_for_any_number_of_orders(world, orders, client):
    user = world.users["community"]
    with CaptureQueriesContext(connection) as four:
        assert len(selectors.order_list(user=user, today=APR_1)) == 4
    record_order(world, register(world, seq=16, name="吴磊"), number="南公(禁)决字〔2026〕16号")
    with CaptureQueriesContext(connection) as five:
        assert len(selectors.order_list(user=user, today=APR_1)) == 5
    assert len(four) == len(five) == 1


def test_recording_an_order_from_the_page(world, at, client):
    person = register(world, seq=21, name="郑凯", actor="community")
    stranger = register(world, seq=22, name="孙鹏")  # registered at clinic A only
    login(client, world.users["community"])
    url = reverse("community:new")
    assert client.get(url, {"person": stranger.pk}).status_code == 404
    # Without a person, the page finds one among the office's people.
    assert client.get(url).context["results"] == []
    assert client.get(url, {"q": "郑凯"}).context["results"] == [person]
    assert client.get(url, {"q": "孙鹏"}).context["results"] == []
    assert list(AuditEntry.objects.filter(action="person.search").values_list("detail", flat=True)) == [
        {"query": "孙鹏", "kind": "name", "results": 0},
        {"query": "郑凯", "kind": "name", "results": 1},
    ]
    assert client.get(f"{url}?person={person.pk}").status_code == 200
    bad = client.post(f"{url}?person={person.pk}", {"kind": "detox", "decision_number": "南公(禁)决字〔2026〕21号",
                      "issued_by": "南安市公安局", "decided_on": "2026-03-10", "start_on": "2026-03-09"})  # fmt: skip
    assert bad.status_code == 400
    assert bad.context["form"].errors == {"start_on": ["The order cannot start before it was decided."]}
    assert CommunityOrder.objects.count() == 0
    response = client.post(f"{url}?person={person.pk}", {"kind": "detox", "decision_number": "南公(禁)决字〔2026〕21号",
                           "issued_by": "南安市公安局", "decided_on": "2026-03-10", "start_on": "2026-03-10"},
                           follow=True)  # fmt: skip
    order = CommunityOrder.objects.get()
    assert response.redirect_chain == [(reverse("community:detail", args=[order.pk]), 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "The order is recorded: the term ends on 2029-03-10; the person reports to the office by 2026-03-25."
    ]
    assert "2026-03-10 – 2029-03-10" in response.content.decode()


def test_the_order_page_records_a_check_in_the_report_and_the_end(world, orders, client, at):
    login(client, world.users["community"])
    order = orders["overdue"]
    page = client.get(reverse("community:detail", args=[order.pk]))
    assert page.status_code == 200
    assert "Not reported in time (due 2026-03-25)" in page.content.decode()
    assert set(page.context["forms"]) == {"checkin", "reported", "end"}

    bad = client.post(
        reverse("community:checkin", args=[order.pk]), {"checkin-on": "2026-04-02", "checkin-how": "phone"}
    )
    assert bad.status_code == 400
    assert bad.context["forms"]["checkin"].errors == {"on": ["The date cannot be in the future."]}
    assert CheckIn.objects.filter(order=order).count() == 0
    ok = client.post(reverse("community:checkin", args=[order.pk]),
                     {"checkin-on": "2026-03-31", "checkin-how": "phone", "checkin-note": "电话联系，已提醒报到"})  # fmt: skip
    assert ok.status_code == 302
    assert list(CheckIn.objects.filter(order=order).values_list("on", "how", "note")) == [
        (dt.date(2026, 3, 31), "phone", "电话联系，已提醒报到")
    ]

    client.post(reverse("community:reported", args=[order.pk]), {"reported-reported_on": "2026-03-31"})
    order.refresh_from_db()
    assert order.reported_on == dt.date(2026, 3, 31)
    again = client.post(
        reverse("community:reported", args=[order.pk]), {"reported-reported_on": "2026-03-30"}
    )
    assert again.status_code == 400
    assert again.context["forms"]["reported"].errors == {
        "reported_on": ["The report was already recorded: 2026-03-31."]
    }
    page = client.get(reverse("community:detail", args=[order.pk])).content.decode()
    assert "Reported late, on 2026-03-31" in page
    assert 'id="reported"' not in page  # the form is gone once recorded

    bad = client.post(
        reverse("community:end", args=[order.pk]), {"end-ended_on": "2026-03-31", "end-reason": "other"}
    )
    assert bad.status_code == 400
    assert bad.context["forms"]["end"].errors == {"note": ["This field is required."]}
    client.post(reverse("community:end", args=[order.pk]),
                {"end-ended_on": "2026-03-31", "end-reason": "died", "end-note": ""})  # fmt: skip
    order.refresh_from_db()
    assert (order.ended_on, order.end_reason) == (dt.date(2026, 3, 31), "died")
    page = client.get(reverse("community:detail", args=[order.pk])).content.decode()
    assert "Ended on 2026-03-31 · Died" in page and 'id="end"' not in page


def test_another_office_s_orders_are_not_found(world, orders, others, client):
    login(client, others.worker)
    order = orders["overdue"]
    before = (AuditEntry.objects.count(), CheckIn.objects.count())
    assert client.get(reverse("community:detail", args=[order.pk])).status_code == 404
    for name, data in (("checkin", {"checkin-on": "2026-03-31", "checkin-how": "phone"}),
                       ("reported", {"reported-reported_on": "2026-03-31"}),
                       ("end", {"end-ended_on": "2026-03-31", "end-reason": "died"})):  # fmt: skip
        assert client.post(reverse(f"community:{name}", args=[order.pk]), data).status_code == 404
    assert (AuditEntry.objects.count(), CheckIn.objects.count()) == before
    order.refresh_from_db()
    assert (order.reported_on, order.ended_on) == (None, None)
    assert [r.order.person.name for r in client.get(reverse("community:list")).context["rows"]] == ["周杰"]


@pytest.fixture
def attending(world, stock, others, at):
    """In March 2026 (today the 20th): 张伟 in MMT at clinic A since 1 March, dosed on four days; 李强 under an
    order but not in MMT; 赵敏 whose order ended in February; 周杰 under the other office's order."""
    at(dt.date(2026, 2, 1))
    zhang = register(world, seq=31, name="张伟")
    enrol(world, zhang, start_on=dt.date(2026, 3, 1))
    record_order(world, zhang, start_on=dt.date(2026, 2, 1), number="南公(禁)决字〔2026〕31号")
    li = register(world, seq=32, name="李强")
    record_order(world, li, start_on=dt.date(2026, 2, 1), number="南公(禁)决字〔2026〕32号")
    zhao = register(world, seq=33, name="赵敏")
    ended = record_order(world, zhao, start_on=dt.date(2026, 2, 1), number="南公(禁)决字〔2026〕33号")
    zhou = register(world, seq=34, name="周杰")
    record_order(
        world, zhou, start_on=dt.date(2026, 2, 1), number="南公(禁)决字〔2026〕34号", actor=others.worker
    )
    at(dt.date(2026, 2, 28))
    services.order_end(
        actor=world.users["community"], order=ended, ended_on=dt.date(2026, 2, 28), reason="died"
    )
    dosed = [dt.date(2026, 3, d) for d in (1, 2, 5, 19)]
    dose_on(world, zhang, dosed, at)
    # An HIV test and a urine test: nothing of them is shown on the grid.
    lab_services.lab_record(actor=world.doctor_a, person=zhang, kind="hiv", reason="entry", result="positive",
                            collected_on=dt.date(2026, 3, 19))  # fmt: skip
    at(dt.date(2026, 3, 20))
    return {"zhang": zhang, "li": li, "dosed": dosed}


def test_the_attendance_grid_shows_dosed_yes_or_no_up_to_today(world, attending, client):
    login(client, world.users["community"])
    page = client.get(reverse("community:attendance"), {"month": "2026-03"})
    assert page.status_code == 200
    rows = page.context["rows"]
    assert [(r.person.name, r.in_mmt, r.dosed) for r in rows] == [("李强", False, 0), ("张伟", True, 4)]
    zhang = rows[1].cells
    assert len(zhang) == 31
    assert [d + 1 for d, c in enumerate(zhang) if c] == [1, 2, 5, 19]
    assert zhang[19] is False and zhang[20:] == [None] * 11  # the 20th not yet; after today blank
    assert rows[0].cells[:20] == [False] * 20
    html = page.content.decode()
    for word in ("HIV", "mg", "Positive", "positive", "赵敏", "周杰"):
        assert word not in html, word


def test_the_grid_makes_three_queries_for_any_number_of_people(world, attending, at):
    user = world.users["community"]
    with CaptureQueriesContext(connection) as two:
        selectors.attendance(user=user, month=dt.date(2026, 3, 1), today=dt.date(2026, 3, 20))
    extra = register(world, seq=35, name="吴磊")
    enrol(world, extra, start_on=dt.date(2026, 3, 20))
    record_order(world, extra, start_on=dt.date(2026, 3, 20), number="南公(禁)决字〔2026〕35号")
    with CaptureQueriesContext(connection) as three:
        assert (
            len(selectors.attendance(user=user, month=dt.date(2026, 3, 1), today=dt.date(2026, 3, 20))) == 3
        )
    assert len(two) == len(three) == 3


def test_a_month_with_nobody_and_a_bad_month_parameter(world, attending, client):
    login(client, world.users["community"])
    assert client.get(reverse("community:attendance"), {"month": "2025-12"}).context["rows"] == []
    page = client.get(reverse("community:attendance"), {"month": "March"})
    assert page.context["month"] == dt.date(2026, 3, 1)  # this month


def test_orders_on_the_person_s_record(world, others, at):
    person = register(world, seq=41, name="林阿明")  # registered at clinic A
    mine = record_order(world, person, number="南公(禁)决字〔2026〕41号")
    services.order_end(actor=world.users["community"], order=mine, ended_on=MAR_10, reason="moved_away")
    theirs = record_order(world, person, kind="rehab", number="南公(禁)决字〔2026〕42号", actor=others.worker)
    assert list(selectors.orders_for(user=world.users["community"], person=person)) == [mine]
    assert list(selectors.orders_for(user=others.worker, person=person)) == [theirs]
    seen = list(selectors.orders_for(user=world.doctor_a, person=person))
    assert seen == [mine, theirs] or seen == [theirs, mine]
    assert {"decision_number", "issued_by", "reported_on", "end_reason", "end_note", "report_by"} <= (
        seen[0].get_deferred_fields()
    )
    assert [(o.kind, o.office.name) for o in sorted(seen, key=lambda o: o.pk)] == [
        ("detox", "溪美街道社区戒毒社区康复工作站"),
        ("rehab", "美林街道社区戒毒社区康复工作站"),
    ]
    for username in ("police", "cdc", "nurse_b", "officer"):
        assert list(selectors.orders_for(user=world.users[username], person=person)) == [], username
