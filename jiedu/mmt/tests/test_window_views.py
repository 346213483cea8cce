"""The dosing window and the day sheet, through the pages: lookup, dose, refuse, lists, day sheet."""

import datetime as dt
import html as htmllib
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jiedu.accounts.models import Role, RoleAssignment, User
from jiedu.mmt import services
from jiedu.mmt.models import DoseDay, DosePart, DoseRefusal
from jiedu.mmt.tests.conftest import enrol, register
from jiedu.pharmacy.models import LedgerEntry
from jiedu.testing import make_id_number

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 16)
CLINIC_A = "南安市美沙酮维持治疗门诊"
NAMES = "张三丰 李四海 王五岳 赵六合 钱七星 孙八方 周九州 吴十全 郑一鸣 冯二胡 陈三元".split()


def freeze(monkeypatch, day=DAY, hour=9, minute=0):
    from jiedu.core import clock

    moment = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=clock.SHANGHAI)
    monkeypatch.setattr(clock, "now", lambda: moment)


def text(html: bytes | str) -> str:
    """Visible text of a fragment, whitespace collapsed."""
    html = html.decode() if isinstance(html, bytes) else html
    return htmllib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip())


def flags(html: str) -> list[tuple[str, str]]:
    return [(code, htmllib.unescape(t)) for code, t in re.findall(r'data-flag="(\w+)">([^<]*)<', html)]


def banner(response) -> str:
    match = re.search(r'<p class="window-banner[^"]*"[^>]*>(.*?)</p>', response.content.decode(), re.S)
    assert match, response.content.decode()
    return htmllib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", match.group(1))).strip())


@pytest.fixture
def as_user(client):
    client.cookies["django_language"] = "en"

    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def zsf(world, stock, monkeypatch):
    """张三丰 at clinic A, 30 mg from today."""
    freeze(monkeypatch)
    person = register(world)
    return enrol(world, person)


def doctor_b(world) -> User:
    user = User.objects.create_user(
        username="doctor_b", password="x-x-x-x-x-x-9", organisation=world.clinic_b, full_name="doctor_b"
    )
    RoleAssignment.objects.create(user=user, role=Role.DOCTOR)
    return user


def lookup(client, q):
    return client.get(reverse("mmt:lookup"), {"q": q}, HTTP_HX_REQUEST="true")


def dose(client, person, key="k-1"):
    return client.post(reverse("mmt:dose"), {"person": person.pk, "key": key}, HTTP_HX_REQUEST="true")


def counts():
    return (
        DoseDay.objects.count(),
        DosePart.objects.count(),
        DoseRefusal.objects.count(),
        LedgerEntry.objects.count(),
    )


# --- lookup ---------------------------------------------------------------------------------------------


def test_the_window_page_has_the_autofocused_lookup_and_both_lists(world, zsf, as_user):
    response = as_user(world.nurse_a).get(reverse("mmt:window"))
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'<input type="search" id="lookup" name="q" autofocus', html)
    page = text(html)
    assert "Still to come today 1" in page
    assert "张三丰 " + zsf.card_number + " 30.0 mg" in page
    assert "Dosed today 0" in page


@pytest.mark.parametrize("how", ["card", "id_number", "pinyin", "name"])
def test_lookup_finds_the_patient_and_shows_the_card(world, zsf, as_user, how):
    query = {
        "card": zsf.card_number,
        "id_number": make_id_number(birth=dt.date(1979, 3, 8), seq=37),
        "pinyin": "zsf",
        "name": "三丰",
    }[how]
    response = lookup(as_user(world.nurse_a), query)
    assert response.status_code == 200
    html = response.content.decode()
    card = text(html)
    assert "张三丰 zhang san feng" in card or "张三丰 zhangsanfeng" in card
    assert zsf.person.id_number_masked in card
    assert make_id_number(birth=dt.date(1979, 3, 8), seq=37) not in html
    assert text(re.search(r'id="card-dose">(.*?)</dd>', html, re.S).group(1)) == "30.0 mg · 30.00 mL"
    assert re.search(r'<button type="submit" id="dose-button" class="window-dose-button" autofocus>', html)
    assert re.search(r'name="key" value="[0-9a-f]{32}"', html)
    assert 'data-flag="' not in html  # nothing to warn about


def test_several_matches_give_a_numbered_list_to_pick_from(world, stock, as_user, monkeypatch):
    freeze(monkeypatch)
    a = enrol(world, register(world, seq=37, name="张三丰"))
    b = enrol(world, register(world, seq=38, name="张三"))
    response = lookup(as_user(world.nurse_a), "zs")
    html = response.content.decode()
    assert "2 people match “zs”: pick one." in text(html)
    assert re.findall(r'class="window-choice-no">(\d)</span> (\S+)', html) == [("1", "张三"), ("2", "张三丰")]
    assert f"?q={b.card_number}" in html and f"?q={a.card_number}" in html


def test_no_match_says_so(world, zsf, as_user):
    response = lookup(as_user(world.nurse_a), "9999999999999")
    assert text(response.content) == "No one this site may dose today matches “9999999999999”."


def test_a_card_shows_the_flags(world, zsf, as_user, monkeypatch):
    client = as_user(world.nurse_a)
    freeze(monkeypatch, DAY + dt.timedelta(days=4))  # never dosed: 4 days missed
    html = lookup(client, zsf.card_number).content.decode()
    assert flags(html) == [("missed", "4 consecutive missed days")]
    services.missed_dose_scan()  # 4 ≥ 3: a doctor must see the patient
    html = lookup(client, zsf.card_number).content.decode()
    assert flags(html) == [
        ("missed", "4 consecutive missed days"),
        ("review", "Needs a doctor's review"),
    ]


def test_a_card_of_someone_dosed_today_says_when_and_where(world, zsf, as_user, monkeypatch):
    client = as_user(world.nurse_a)
    freeze(monkeypatch, hour=8, minute=5)
    dose(client, zsf.person)
    freeze(monkeypatch, hour=10)
    html = lookup(client, zsf.card_number).content.decode()
    assert flags(html) == [("dosed", f"Already dosed today at 08:05 at {CLINIC_A}.")]
    assert text(re.search(r'id="card-parts">(.*?)</ul>', html, re.S).group(1)) == (
        f"Part 1: 30.0 mg (30.00 mL) at 08:05, {CLINIC_A}"
    )


def test_a_card_says_when_the_store_is_empty(world, as_user, monkeypatch):
    freeze(monkeypatch)
    episode = enrol(world, register(world))  # no stock was ever received
    html = lookup(as_user(world.nurse_a), episode.card_number).content.decode()
    assert text(re.search(r'id="card-dose">(.*?)</dd>', html, re.S).group(1)) == "30.0 mg"
    assert flags(html) == [("no_stock", "No methadone in stock in this site's dosing store.")]


# --- one clinic cannot reach another's patients ---------------------------------------------------------


def test_a_nurse_at_clinic_a_cannot_find_see_or_dose_clinic_bs_patient(world, stock, as_user, monkeypatch):
    freeze(monkeypatch)
    person_b = register(world, seq=41, name="林八妹", actor="nurse_b")
    episode_b = _enrol_at_b(world, person_b)
    client = as_user(world.nurse_a)
    before = counts()
    for q in (episode_b.card_number, "lbm", "林八妹", make_id_number(birth=dt.date(1979, 3, 8), seq=41)):
        response = lookup(client, q)
        assert response.status_code == 200
        assert "林八妹" not in response.content.decode().replace(f"“{q}”", "")
    response = dose(client, person_b)
    assert (response.status_code, banner(response)) == (
        404,
        "Patient: no one this site may dose today has this record.",
    )
    response = client.post(reverse("mmt:refuse"), {"person": person_b.pk, "reason": "intoxicated"})
    assert response.status_code == 404
    lists = client.get(reverse("mmt:window_lists")).content.decode()
    assert "林八妹" not in lists
    assert counts() == before
    # …while clinic B's own nurse finds and doses her.
    client = as_user(world.nurse_b)
    assert "林八妹" in lookup(client, episode_b.card_number).content.decode()
    assert banner(dose(client, person_b)) == "林八妹 · Dosed: 30.0 mg (30.00 mL)."


def test_a_guest_is_found_at_the_host_window_like_its_own_patients(world, zsf, as_user):
    services.guest_grant(
        actor=world.doctor_a,
        episode=zsf,
        host_clinic=world.clinic_b,
        start_on=DAY,
        end_on=DAY + dt.timedelta(days=3),
        reason="出差",
    )
    other = enrol(world, register(world, seq=38, name="张三"))  # clinic A's, not granted to B
    client = as_user(world.nurse_b)
    for q in (zsf.card_number, "zsf", "张三丰", make_id_number(birth=dt.date(1979, 3, 8), seq=37)):
        html = lookup(client, q).content.decode()
        assert "张三丰" in html, q
        assert other.card_number not in html
    html = lookup(client, "zs").content.decode()  # 张三 matches too, but only at clinic A
    assert "张三丰" in html and other.card_number not in html
    assert text(lookup(client, other.card_number).content) == (
        f"No one this site may dose today matches “{other.card_number}”."
    )


def _enrol_at_b(world, person):
    world.users["doctor_b"] = doctor_b(world)
    return enrol(world, person, doctor="doctor_b")


# --- dosing ---------------------------------------------------------------------------------------------


def test_dose_shows_the_outcome_banner_and_refreshes_the_lists(world, zsf, as_user):
    response = dose(as_user(world.nurse_a), zsf.person)
    assert response.status_code == 200
    assert banner(response) == "张三丰 · Dosed: 30.0 mg (30.00 mL)."
    assert 'class="window-banner ok"' in response.content.decode()
    assert response["HX-Trigger"] == "window-done"
    part = DosePart.objects.get()
    assert (part.mg, part.volume_ml, part.given_by, part.site, part.idempotency_key) == (
        Decimal("30.0"),
        Decimal("30.00"),
        world.nurse_a,
        world.clinic_a,
        "k-1",
    )


def test_a_second_enter_with_the_same_key_gives_one_dose(world, zsf, as_user):
    client = as_user(world.nurse_a)
    first = dose(client, zsf.person, key="card-render-1")
    second = dose(client, zsf.person, key="card-render-1")
    assert banner(first) == "张三丰 · Dosed: 30.0 mg (30.00 mL)."
    assert banner(second) == "张三丰 · Dose recorded."
    assert (DoseDay.objects.count(), DosePart.objects.count(), DoseRefusal.objects.count()) == (1, 1, 0)


def test_a_new_card_for_someone_already_dosed_says_where_and_when(world, zsf, as_user, monkeypatch):
    client = as_user(world.nurse_a)
    freeze(monkeypatch, hour=8, minute=5)
    dose(client, zsf.person, key="a")
    freeze(monkeypatch, hour=11)
    response = dose(client, zsf.person, key="b")
    assert banner(response) == f"张三丰 · Already dosed today at 08:05 at {CLINIC_A}."
    assert 'class="window-banner warn"' in response.content.decode()
    assert DosePart.objects.count() == 1


def test_a_patient_needing_review_is_refused_with_the_reason(world, zsf, as_user, monkeypatch):
    freeze(monkeypatch, DAY + dt.timedelta(days=4))
    services.missed_dose_scan()
    response = dose(as_user(world.nurse_a), zsf.person)
    assert banner(response) == "张三丰 · Refused: Needs a doctor's review"
    assert 'class="window-banner bad"' in response.content.decode()
    assert list(DoseRefusal.objects.values_list("reason", flat=True)) == ["needs_review"]
    assert DosePart.objects.count() == 0


def test_no_stock_is_a_clear_error_banner(world, as_user, monkeypatch):
    freeze(monkeypatch)
    episode = enrol(world, register(world))
    response = dose(as_user(world.nurse_a), episode.person)
    assert (response.status_code, banner(response)) == (
        409,
        f"张三丰 · {CLINIC_A} has no dosing store set up.",
    )
    assert counts() == (0, 0, 0, 0)


def test_an_empty_dose_post_names_the_field_and_writes_nothing(world, zsf, as_user):
    before = counts()
    response = as_user(world.nurse_a).post(reverse("mmt:dose"), {})
    assert (response.status_code, banner(response)) == (400, "Patient: This field is required.")
    assert counts() == before


# --- refusing -------------------------------------------------------------------------------------------


def test_the_nurse_refuses_with_a_reason_and_a_note(world, zsf, as_user):
    response = as_user(world.nurse_a).post(
        reverse("mmt:refuse"), {"person": zsf.person.pk, "reason": "intoxicated", "note": "步态不稳"}
    )
    assert banner(response) == "张三丰 · Not dosed, recorded as refused: Intoxicated"
    assert response["HX-Trigger"] == "window-done"
    refusal = DoseRefusal.objects.get()
    assert (refusal.reason, refusal.note, refusal.by, refusal.site, refusal.day, refusal.episode) == (
        "intoxicated",
        "步态不稳",
        world.nurse_a,
        world.clinic_a,
        DAY,
        zsf,
    )
    assert DoseDay.objects.count() == 0


def test_a_refusal_without_a_valid_reason_names_the_field(world, zsf, as_user):
    response = as_user(world.nurse_a).post(
        reverse("mmt:refuse"), {"person": zsf.person.pk, "reason": "bored"}
    )
    assert (response.status_code, banner(response)) == (
        400,
        "Reason: Select a valid choice. bored is not one of the available choices.",
    )
    assert DoseRefusal.objects.count() == 0


# --- the lists ------------------------------------------------------------------------------------------


def _queue(world, n, monkeypatch):
    """n patients at clinic A; the first half dosed by nurse_a, one of those in two parts."""
    freeze(monkeypatch)
    episodes = [enrol(world, register(world, seq=10 + i, name=NAMES[i])) for i in range(n)]
    services.order_write(
        actor=world.doctor_a, episode=episodes[0], dose_mg=Decimal("30"), reason="分次", split_parts=2
    )
    for episode in episodes[: n // 2]:
        services.dose_administer(actor=world.nurse_a, person=episode.person, site=world.clinic_a)
    return episodes


def _list_queries(client):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("mmt:window_lists"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return len(ctx.captured_queries), response


@pytest.mark.parametrize("n", [3, 10])
def test_the_lists_take_the_same_queries_for_3_or_10_patients(
    world, stock, as_user, monkeypatch, n, django_assert_num_queries
):
    _queue(world, n, monkeypatch)
    client = as_user(world.nurse_a)
    _list_queries(client)  # warm the session and the user
    # session, user, organisation, roles (4); still-to-come episodes + their orders (2); dosed today + their
    # parts with the nurse (2); the session saved in a savepoint (3) — the same for 3 patients as for 10.
    with django_assert_num_queries(11):
        response = client.get(reverse("mmt:window_lists"), HTTP_HX_REQUEST="true")
    page = text(response.content)
    assert f"Still to come today {n - n // 2}" in page
    assert f"Dosed today {n // 2}" in page


def test_the_lists_show_who_is_still_to_come_and_who_was_dosed(world, stock, as_user, monkeypatch):
    episodes = _queue(world, 3, monkeypatch)
    html = as_user(world.nurse_a).get(reverse("mmt:window_lists")).content.decode()
    to_come = text(re.search(r'<section id="to-come".*?</section>', html, re.S).group(0))
    dosed = text(re.search(r'<section id="dosed-today".*?</section>', html, re.S).group(0))
    assert to_come == (
        f"Still to come today 2 Name Treatment card Dose Flags "
        f"李四海 {episodes[1].card_number} 30.0 mg 王五岳 {episodes[2].card_number} 30.0 mg"
    )
    assert dosed == "Dosed today 1 Time Name mg mL Nurse 09:00 张三丰 1/2 15.0 15.00 nurse_a"


# --- the day sheet --------------------------------------------------------------------------------------


def test_the_day_sheet_lists_every_dose_with_totals(world, stock, as_user, monkeypatch):
    freeze(monkeypatch, hour=7)
    a = enrol(world, register(world, seq=37, name="张三丰"))
    b = enrol(world, register(world, seq=38, name="李四海"), dose=Decimal("25.5"))
    freeze(monkeypatch, hour=8, minute=15)
    services.dose_administer(actor=world.nurse_a, person=a.person, site=world.clinic_a)
    freeze(monkeypatch, hour=8, minute=40)
    services.dose_administer(actor=world.doctor_a, person=b.person, site=world.clinic_a)
    freeze(monkeypatch, DAY + dt.timedelta(days=1), hour=8)  # the next day's dose is on the next sheet
    services.dose_administer(actor=world.nurse_a, person=a.person, site=world.clinic_a)

    response = as_user(world.director_a).get(reverse("mmt:daysheet"), {"day": DAY.isoformat()})
    assert response.status_code == 200
    html = response.content.decode()
    rows = [
        text(r) for r in re.findall(r"<tr>(.*?)</tr>", html.split("<tbody>")[1].split("</tbody>")[0], re.S)
    ]
    batch = f"MS{world.clinic_a.pk:04d}"
    assert rows == [
        f"1 08:15 {a.card_number} 张三丰 {a.person.id_number_masked} 30.0 30.00 {batch} nurse_a",
        f"2 08:40 {b.card_number} 李四海 {b.person.id_number_masked} 25.5 25.50 {batch} doctor_a",
    ]
    assert html.count('<td class="daysheet-sign"></td>') == 4
    assert text(re.search(r'<tr id="daysheet-totals">(.*?)</tr>', html, re.S).group(1)) == (
        "Total: 2 doses 55.5 55.50"
    )
    assert "@media print" in open("jiedu/web/static/web/jiedu.css", encoding="utf-8").read()
    # Default: today (the next day here), one dose.
    today = text(as_user(world.director_a).get(reverse("mmt:daysheet")).content)
    assert "Total: 1 dose 30.0 30.00" in today


def test_the_day_sheet_of_another_site_is_its_own(world, zsf, as_user):
    services.dose_administer(actor=world.nurse_a, person=zsf.person, site=world.clinic_a)
    html = as_user(world.nurse_point_a).get(reverse("mmt:daysheet"), {"day": DAY.isoformat()}).content
    assert "张三丰" not in html.decode()
    assert "Total: 0 doses 0 0" in text(html)


def test_a_bad_day_is_a_400_naming_the_field(world, zsf, as_user):
    response = as_user(world.nurse_a).get(reverse("mmt:daysheet"), {"day": "2026-02-30"})
    assert response.status_code == 400
    assert text(re.search(r'id="daysheet-errors">(.*?)</ul>', response.content.decode(), re.S).group(1)) == (
        "Day: Enter a valid date."
    )


def test_error_banners_name_fields_in_the_users_language(client, world, stock, patient):
    """The Chinese window never shows a code name such as "reason:" in front of a message."""
    from django.conf import settings as django_settings

    person, _ = patient
    client.force_login(world.nurse_a)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    response = client.post(reverse("mmt:refuse"), {"person": person.pk, "reason": "bored"})
    text = response.content.decode()
    assert response.status_code == 400
    assert "理由：" in text
    assert "reason:" not in text


def test_the_list_shows_the_order_in_force_after_a_taper_is_cancelled(world, stock, as_user):
    """Regression: the list's prefetch once ignored a cancelled taper plan and showed its next dose."""
    from jiedu.core import clock

    person = register(world)
    episode = enrol(world, person, dose=Decimal("40"))
    today = clock.local_today()
    plan = services.taper_plan_create(
        actor=world.doctor_a,
        episode=episode,
        start_on=today,
        to_mg=Decimal("30"),
        step_mg=Decimal("5"),
        every_days=7,
        reason="计划减量",
    )
    services.taper_plan_cancel(actor=world.doctor_a, plan=plan, on=today)
    html = as_user(world.nurse_a).get(reverse("mmt:window_lists")).content.decode()
    to_come = text(re.search(r'<section id="to-come".*?</section>', html, re.S).group(0))
    assert to_come == (
        f"Still to come today 1 Name Treatment card Dose Flags 张三丰 {episode.card_number} 40.0 mg"
    )
