"""The police evidence: who is listed (reports received by the station, in MMT in the month), the exact figures,
the Excel download, the review list, the audit of each view — and never an infection result."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from jiedu.community import evidence
from jiedu.community.tests.conftest import days_between, dose_on, enrol, register
from jiedu.core.models import AuditEntry, RegionalSetting
from jiedu.labs import services as lab_services
from jiedu.mmt import services as mmt_services
from jiedu.patients import services as person_services
from jiedu.reports.models import Delivery, RecipientRule
from jiedu.testing import build_clinic_stock, make_id_number

pytestmark = pytest.mark.django_db

APR_15 = dt.date(2026, 4, 15)
MARCH = dt.date(2026, 3, 1)
#: The HIV test's date: it appears nowhere else on the pages.
HIV_DAY = dt.date(2026, 3, 18)
CLINIC_A = "南安市美沙酮维持治疗门诊"


def login(client, user, language="en"):
    client.force_login(user)
    client.cookies["django_language"] = language


def urine_positive(world, person, day):
    return lab_services.lab_record(actor=world.nurse_a, person=person, kind="urine", reason="random",
                                   collected_on=day, analytes={"opiates": "positive"})  # fmt: skip


def hiv_positive(world, person, day):
    return lab_services.lab_record(actor=world.doctor_a, person=person, kind="hiv", reason="entry",
                                   collected_on=day, result="positive")  # fmt: skip


@pytest.fixture
def station_people(world, stock, others, recipients, at):
    """Reports about people of 南安市 go to the 溪美 station; about people of 晋江市 to the 青阳 station.

    刘洋: in MMT from 1 December 2025, exited (moved away) 20 February 2026.
    李娜: in MMT from 5 January 2026; dosed 2 and 3 March; on 12 March a positive urine test of 10 February is
          recorded (a relapse report) and she withdraws (self-termination).
    周杰: household in 晋江市: his reports go to the other station; in MMT from 2 March, dosed 2 and 3 March.
    张伟: in MMT from 10 March; dosed every day to the 31st but the 15th and 16th; on the 31st a positive urine
          test of the 20th and a positive HIV test of the 18th are recorded.
    Today is 15 April 2026.
    """
    RecipientRule.objects.create(region=world.other_county, recipient=others.station)
    at(dt.date(2025, 12, 1))
    liu = register(world, seq=24, name="刘洋")
    liu_episode = enrol(world, liu, start_on=dt.date(2025, 12, 1))
    at(dt.date(2026, 1, 5))
    li = register(world, seq=22, name="李娜")
    li_episode = enrol(world, li, start_on=dt.date(2026, 1, 5))
    at(dt.date(2026, 2, 20))
    mmt_services.episode_exit(actor=world.doctor_a, episode=liu_episode, reason="moved_away")
    at(dt.date(2026, 3, 2))
    zhou = person_services.person_register(
        actor=world.nurse_a, name="周杰", sex="M", birth_date=dt.date(1985, 6, 1),
        id_number=make_id_number(region="350582", birth=dt.date(1985, 6, 1), seq=25),
    ).person  # fmt: skip
    enrol(world, zhou, start_on=dt.date(2026, 3, 2))
    dose_on(world, zhou, [dt.date(2026, 3, 2), dt.date(2026, 3, 3)], at)
    dose_on(world, li, [dt.date(2026, 3, 2), dt.date(2026, 3, 3)], at)
    at(dt.date(2026, 3, 10))
    zhang = register(world, seq=21, name="张伟")
    enrol(world, zhang, start_on=dt.date(2026, 3, 10))
    at(dt.date(2026, 3, 12))
    urine_positive(world, li, dt.date(2026, 2, 10))
    mmt_services.episode_exit(actor=world.doctor_a, episode=li_episode, reason="voluntary")
    skip = (dt.date(2026, 3, 15), dt.date(2026, 3, 16))
    dose_on(world, zhang, days_between(dt.date(2026, 3, 10), dt.date(2026, 3, 31), skip=skip), at)
    urine_positive(world, zhang, dt.date(2026, 3, 20))
    hiv_positive(world, zhang, HIV_DAY)
    at(APR_15)
    return {"liu": liu, "li": li, "zhou": zhou, "zhang": zhang}


def table(rows):
    return [
        (r.name, r.clinic, r.days_in_treatment, r.days_dosed, r.attendance_pct, r.last_positive_urine_on,
         r.report_labels, r.status_label)
        for r in rows
    ]  # fmt: skip


def test_the_evidence_of_the_last_full_month(world, station_people, client):
    login(client, world.users["police"])
    page = client.get(reverse("police:evidence"))
    assert page.status_code == 200
    assert page.context["month"] == MARCH
    assert table(page.context["rows"]) == [
        ("李娜", CLINIC_A, 12, 2, Decimal("16.7"), dt.date(2026, 2, 10),
         ["Relapse (positive urine test)", "MMT self-termination"], "Exited"),
        ("张伟", CLINIC_A, 22, 20, Decimal("90.9"), dt.date(2026, 3, 20),
         ["MMT enrolment filing", "Relapse (positive urine test)"], "In treatment"),
    ]  # fmt: skip
    html = page.content.decode()
    li, zhang = station_people["li"], station_people["zhang"]
    assert li.id_number_masked in html and zhang.id_number_masked in html
    assert "周杰" not in html and "刘洋" not in html  # the other station's; out of MMT in March
    entry = AuditEntry.objects.filter(action="police.evidence_view").get()
    assert (entry.actor, entry.organisation) == (world.users["police"], world.police)
    assert entry.detail == {"page": "evidence", "month": "2026-03", "count": 2, "persons": [li.pk, zhang.pk]}


def test_another_month_and_another_station(world, station_people, others, client):
    login(client, world.users["police"])
    february = client.get(reverse("police:evidence"), {"month": "2026-02"}).context["rows"]
    assert table(february) == [
        ("李娜", CLINIC_A, 28, 0, Decimal("0.0"), dt.date(2026, 2, 10), [], "Exited"),
        ("刘洋", CLINIC_A, 20, 0, Decimal("0.0"), None, ["MMT exit"], "Exited"),
    ]  # fmt: skip
    login(client, others.liaison)
    page = client.get(reverse("police:evidence"), {"month": "2026-03"})
    assert table(page.context["rows"]) == [
        ("周杰", CLINIC_A, 30, 2, Decimal("6.7"), None, ["MMT enrolment filing"], "In treatment")
    ]
    assert "张伟" not in page.content.decode()


def test_the_evidence_costs_four_queries_for_any_number_of_people(world, station_people, at):
    user = world.users["police"]
    evidence.evidence(user=user, month=MARCH, today=APR_15)  # the user's roles, read once
    with CaptureQueriesContext(connection) as two:
        assert len(evidence.evidence(user=user, month=MARCH, today=APR_15)) == 2
    at(dt.date(2026, 3, 20))
    enrol(world, register(world, seq=26, name="吴磊"), start_on=dt.date(2026, 3, 20))
    with CaptureQueriesContext(connection) as three:
        assert len(evidence.evidence(user=user, month=MARCH, today=APR_15)) == 3
    assert len(two) == len(three) == 4


def test_the_excel_download_is_the_same_table(world, station_people, client):
    login(client, world.users["police"])
    response = client.get(reverse("police:evidence_export"), {"month": "2026-03"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="evidence-2026-03.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "Evidence for dynamic control"
    assert values[1][0] == "南安市公安局溪美派出所 · 2026-03"
    assert list(values[2]) == evidence.evidence_columns()
    li, zhang = station_people["li"], station_people["zhang"]
    # Dates come back from Excel as (naive) date-times of midnight.
    assert [[*v[:6], v[6].date(), *v[7:]] for v in values[3:]] == [
        ["李娜", li.id_number_masked, CLINIC_A, 12, 2, 16.7, dt.date(2026, 2, 10),
         "Relapse (positive urine test)、MMT self-termination", "Exited"],
        ["张伟", zhang.id_number_masked, CLINIC_A, 22, 20, 90.9, dt.date(2026, 3, 20),
         "MMT enrolment filing、Relapse (positive urine test)", "In treatment"],
    ]  # fmt: skip
    assert AuditEntry.objects.get(action="police.evidence_view").detail["page"] == "evidence.xlsx"


def sheet_text(content: bytes) -> str:
    book = load_workbook(io.BytesIO(content))
    return " ".join(str(v) for s in book.worksheets for row in s.iter_rows(values_only=True) for v in row)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_police_never_see_an_infection_result(world, station_people, client, language):
    zhang = station_people["zhang"]
    assert zhang.lab_tests.filter(kind="hiv", result="positive", collected_on=HIV_DAY).exists()
    assert zhang.referrals.filter(kind="art").exists()  # the clinic's side of it went to the CDC
    login(client, world.users["police"], language)
    evidence_page = client.get(reverse("police:evidence"), {"month": "2026-03"})
    assert evidence_page.wsgi_request.LANGUAGE_CODE == language
    pages = [
        evidence_page.content.decode(),
        client.get(reverse("police:review")).content.decode(),
        sheet_text(client.get(reverse("police:evidence_export"), {"month": "2026-03"}).content),
    ]
    assert "张伟" in pages[0] and "张伟" in pages[2]
    for text in pages:
        for word in ("HIV", "hiv", "艾滋", "2026-03-18", "2026-03-18 00:00:00", "ART", "抗病毒"):
            assert word not in text, word
    assert not Delivery.objects.filter(
        recipient=world.police, report__person=zhang, report__kind="hiv"
    ).exists()


def test_a_dropout_shows_as_dropped_out(world, stock, recipients, at, client):
    at(dt.date(2026, 3, 1))
    person = register(world, seq=27, name="孙鹏")
    enrol(world, person, start_on=dt.date(2026, 3, 1))
    dose_on(world, person, [dt.date(2026, 3, 1), dt.date(2026, 3, 2)], at)
    at(dt.date(2026, 3, 10))
    assert mmt_services.missed_dose_scan(as_of=dt.date(2026, 3, 10)).dropped_out == 1
    at(APR_15)
    rows = evidence.evidence(user=world.users["police"], month=MARCH, today=APR_15)
    assert table(rows) == [
        (
            "孙鹏",
            CLINIC_A,
            31,
            2,
            Decimal("6.5"),
            None,
            ["MMT enrolment filing", "MMT dropout"],
            "Dropped out",
        )
    ]


# --- the review list -----------------------------------------------------------------------------------------


@pytest.fixture
def long_treatment(world, recipients, at):
    """Today 15 April 2026; the window is October 2025 – March 2026.

    陈静: from 20 September 2025, every day but three in November (27 of 30 days, exactly 90 %); an HIV-positive
          test on 3 February 2026 (not a reason either way).
    黄磊: from 2 October 2025, every day: five full months only.
    吴芳: from 20 September 2025, every day, but a positive urine test on 1 October 2025, the window's first day.
    """
    start = dt.date(2025, 9, 20)
    at(start)
    build_clinic_stock(world, quantity="20000")  # six months of three patients at 30 mg
    chen, huang, wu = (register(world, seq=s, name=n) for s, n in ((51, "陈静"), (52, "黄磊"), (53, "吴芳")))
    enrol(world, chen, start_on=start)
    enrol(world, wu, start_on=start)
    at(dt.date(2025, 10, 2))
    enrol(world, huang, start_on=dt.date(2025, 10, 2))
    november = (dt.date(2025, 11, 5), dt.date(2025, 11, 15), dt.date(2025, 11, 25))
    dose_on(world, chen, days_between(start, dt.date(2026, 3, 31), skip=november), at)
    dose_on(world, wu, days_between(start, dt.date(2026, 3, 31)), at)
    dose_on(world, huang, days_between(dt.date(2025, 10, 2), dt.date(2026, 3, 31)), at)
    urine_positive(world, wu, dt.date(2025, 10, 1))
    hiv_positive(world, chen, dt.date(2026, 2, 3))
    at(APR_15)
    return {"chen": chen, "huang": huang, "wu": wu}


def test_the_review_lists_who_qualifies_and_why_and_follows_the_region_s_thresholds(
    world, long_treatment, others, client
):
    login(client, world.users["police"])
    page = client.get(reverse("police:review"))
    assert page.status_code == 200
    result = page.context["result"]
    assert (result.last_month, result.min_months, result.min_attendance_pct) == (MARCH, 6, Decimal("90"))
    chen = long_treatment["chen"]
    assert [(r.name, r.clinic, r.review) for r in result.rows] == [
        ("陈静", CLINIC_A, evidence.rules.Review(
            eligible=True, full_months=6, lowest_pct=Decimal("90.0"), window_start=dt.date(2025, 10, 1),
            window_end=dt.date(2026, 3, 31), failures=()))
    ]  # fmt: skip
    html = page.content.decode()
    assert "6 full months in MMT; lowest monthly attendance 90.0 % (2025-10 – 2026-03)" in html
    assert chen.id_number_masked in html
    for word in ("黄磊", "吴芳", "HIV", "2026-02-03"):
        assert word not in html, word
    entry = AuditEntry.objects.get(action="police.evidence_view")
    assert entry.detail == {"page": "review", "month": "2026-03", "count": 1, "persons": [chen.pk]}
    # Another station has received no report about them.
    login(client, others.liaison)
    assert client.get(reverse("police:review")).context["result"].rows == []

    # A region's thresholds (one fixture for both: six months of dosing is slow to build).
    RegionalSetting.objects.create(key="police.review_min_months", region_id="350583", value=5)
    names = [r.name for r in evidence.review_list(user=world.users["police"], today=APR_15).rows]
    # Five months are enough here; the window is November – March, so 吴芳's positive of 1 October is before it.
    assert names == ["陈静", "黄磊", "吴芳"]
    RegionalSetting.objects.create(key="police.review_min_attendance_pct", region_id="350000", value=91)
    names = [r.name for r in evidence.review_list(user=world.users["police"], today=APR_15).rows]
    assert names == ["黄磊", "吴芳"]  # 陈静's November (exactly 90 %) is now too little
