"""The pages: the register (list, record, register, correct, leave, placement, CSV), turnover, staff screening —
seen by the head and the health commission only, in pages and exports — and training."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.urls import reverse

from jiedu.core.models import AuditEntry
from jiedu.workforce import services
from jiedu.workforce.models import CountedParticipants, NamedParticipant, StaffMember, StaffVersion
from jiedu.workforce.tests.data import leave, register

pytestmark = pytest.mark.django_db
D = dt.date


def login(client, user):
    client.force_login(user)
    client.cookies["django_language"] = "en"


def text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def body(response) -> str:
    return (
        b"".join(response.streaming_content).decode("utf-8-sig")
        if response.streaming
        else response.content.decode()
    )


@pytest.fixture
def staff(world, today):
    nurse = register(
        world.director_a, world.clinic_a, "黄丽娟", "nurse", D(2022, 4, 1), valid_to=D(2026, 7, 31)
    )
    doctor = register(world.director_a, world.clinic_a, "陈建华", "psychiatrist", D(2021, 9, 1))
    point = register(world.director_a, world.dosing_point_a, "李淑芬", "nurse", D(2023, 1, 3))
    other = register(world.officer, world.clinic_b, "蔡秀英", "nurse", D(2020, 5, 6))
    services.screening_record(
        actor=world.director_a, staff=nurse, screened_on=D(2026, 4, 8), method="urine", result="positive",
        follow_up="复检并暂停发药岗位",
    )  # fmt: skip
    services.screening_record(
        actor=world.officer, staff=other, screened_on=D(2026, 4, 9), method="hair", result="negative"
    )
    return {"nurse": nurse, "doctor": doctor, "point": point, "other": other}


# --- the register ----------------------------------------------------------------------------------------------------


def test_the_head_sees_the_clinic_and_its_dosing_point(client, world, staff):
    login(client, world.director_a)
    response = client.get(reverse("workforce:staff_list"))
    assert response.status_code == 200
    page = text(response)
    assert "黄丽娟" in page and "陈建华" in page and "李淑芬" in page
    assert "蔡秀英" not in page and "南安市第二美沙酮门诊" not in page
    assert "Expires soon" in page  # the nurse's certificate ends on 2026-07-31, within 90 days
    structure = re.search(
        rf'<tr id="structure-{world.clinic_a.pk}">(.*?)</tr>', response.content.decode(), re.S
    )
    assert " ".join(re.sub(r"<[^>]+>", " ", structure.group(1)).split()) == (
        "南安市美沙酮维持治疗门诊 0 (0) 1 (1) 0 (0) 1 (1) 0 (0) 2 (2) 2 Register a staff member"
    )
    assert 'href="/workforce/screening/"' in response.content.decode()


def test_the_officer_sees_the_county_and_a_filter_outside_scope_is_not_found(client, world, staff):
    login(client, world.officer)
    page = text(client.get(reverse("workforce:staff_list")))
    assert "蔡秀英" in page and "李淑芬" in page
    login(client, world.director_a)
    assert client.get(reverse("workforce:staff_list"), {"org": world.clinic_b.pk}).status_code == 404
    assert client.get(reverse("workforce:staff", args=[staff["other"].pk])).status_code == 404


def test_who_left_is_listed_only_when_asked(client, world, staff):
    leave(world.director_a, staff["doctor"], D(2026, 5, 15))
    login(client, world.director_a)
    assert "陈建华" not in text(client.get(reverse("workforce:staff_list")))
    page = text(client.get(reverse("workforce:staff_list"), {"left": "1"}))
    assert "陈建华" in page and "2021-09-01 – 2026-05-15 (Resigned)" in page


def test_registering_from_the_form(client, world, today):
    login(client, world.director_a)
    url = reverse("workforce:register", args=[world.clinic_a.pk])
    assert "Register a staff member" in text(client.get(url))
    response = client.post(
        url,
        {
            "name": "吴美玲",
            "sex": "F",
            "profession": "pharmacist",
            "education": "bachelor",
            "title": "intermediate",
            "certificate_type": "pharmacist",
            "certificate_number": "ZY0035",
            "certificate_valid_from": "2019-07-01",
            "certificate_valid_to": "",
            "start_date": "2024-02-01",
            "user": world.keeper_a.pk,
        },
    )
    made = StaffMember.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("workforce:staff", args=[made.pk])
    assert (made.name, made.user, made.certificate_valid_from) == ("吴美玲", world.keeper_a, D(2019, 7, 1))
    assert "吴美玲 is in the staff register." in text(client.get(response["Location"]))


def test_registration_errors_are_shown_beside_the_fields(client, world, today):
    login(client, world.director_a)
    before = AuditEntry.objects.count()
    response = client.post(
        reverse("workforce:register", args=[world.clinic_a.pk]),
        {"name": "吴美玲", "sex": "F", "profession": "nurse", "title": "none", "certificate_type": "physician",
         "certificate_number": "X", "certificate_valid_from": "2020-01-01", "start_date": "2026-06-01"},
    )  # fmt: skip
    assert response.status_code == 400
    page = response.content.decode()
    assert (
        'id="id_certificate_type-errors"><li>Nurse: the practising certificate is the nurse practising certificate.</li>'
        in page
    )
    assert 'id="id_start_date-errors"><li>The start date cannot be in the future.</li>' in page
    assert StaffMember.objects.count() == 0 and AuditEntry.objects.count() == before


def test_the_record_shows_its_history_and_screenings_only_to_the_head_and_commission(
    client, world, staff, narcotics
):
    services.staff_correct(
        actor=world.director_a, staff=staff["nurse"], reason="职称晋升录入", title="intermediate"
    )
    url = reverse("workforce:staff", args=[staff["nurse"].pk])
    for user in (world.director_a, world.officer):
        login(client, user)
        page = text(client.get(url))
        assert "2 Corrected director_a" in page and "职称晋升录入" in page
        assert "1 Registered director_a" in page
        assert "Drug screening" in page and "复检并暂停发药岗位" in page and "Positive" in page
    login(client, narcotics)
    response = client.get(url)
    assert response.status_code == 200
    page = text(response)
    assert "2 Corrected" in page
    assert (
        "Drug screening" not in page
        and "复检" not in page
        and "Positive" not in page
        and "screening" not in page
    )


def test_screening_pages_and_exports_are_for_the_head_and_the_commission_only(
    client, world, staff, narcotics
):
    everyone = {**world.users, "narcotics": narcotics}
    for name, user in sorted(everyone.items()):
        login(client, user)
        for route in ("workforce:screening", "workforce:screening_export"):
            response = client.get(reverse(route))
            want = 200 if name in ("director_a", "officer") else 403
            assert response.status_code == want, (name, route)
            if want == 403:
                assert "复检" not in response.content.decode() and "黄丽娟" not in response.content.decode()
    login(client, world.director_a)
    rows = list(csv.reader(io.StringIO(body(client.get(reverse("workforce:screening_export"))))))
    assert rows == [
        ["Organisation", "Name", "Date", "Method", "Result", "Follow-up", "Recorded by"],
        [
            "南安市美沙酮维持治疗门诊",
            "黄丽娟",
            "2026-04-08",
            "Urine immunoassay",
            "Positive",
            "复检并暂停发药岗位",
            "director_a",
        ],
    ]
    login(client, world.officer)
    rows = list(csv.reader(io.StringIO(body(client.get(reverse("workforce:screening_export"))))))
    assert sorted(r[1] for r in rows[1:]) == sorted(["黄丽娟", "蔡秀英"])
    assert (
        AuditEntry.objects.filter(action="staff.screening_export").count() == 4
    )  # two in the loop, two here


def test_the_staff_export_holds_no_screening(client, world, staff, narcotics):
    login(client, narcotics)
    response = client.get(reverse("workforce:staff_export"))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(body(response))))
    assert rows[0] == [
        "Organisation", "Name", "Sex", "Profession", "Education", "Professional title", "Practising certificate",
        "Certificate number", "Certificate valid from", "Certificate valid to", "First working day",
        "Last working day", "Leave reason",
    ]  # fmt: skip
    assert sorted(r[1] for r in rows[1:]) == ["李淑芬", "蔡秀英", "陈建华", "黄丽娟"]
    flat = " ".join(" ".join(r) for r in rows)
    assert "Positive" not in flat and "Negative" not in flat and "复检" not in flat and "Urine" not in flat
    assert AuditEntry.objects.filter(action="staff.export").get().detail == {"format": "csv", "rows": 4}


def test_recording_a_screening_from_the_page(client, world, staff):
    login(client, world.director_a)
    url = reverse("workforce:screening")
    page = text(client.get(url))
    assert "Due: not screened in the last 365 days" in page
    assert "陈建华 · 南安市美沙酮维持治疗门诊 · never screened" in page
    assert "蔡秀英" not in page
    response = client.post(
        url,
        {"staff": staff["doctor"].pk, "screened_on": "2026-05-18", "method": "urine", "result": "negative"},
    )
    assert response.status_code == 302
    assert "陈建华 · 南安市美沙酮维持治疗门诊 · never screened" not in text(client.get(url))
    response = client.post(
        url,
        {"staff": staff["other"].pk, "screened_on": "2026-05-18", "method": "urine", "result": "negative"},
    )
    assert response.status_code == 400  # not a choice for the head of clinic A


def test_correcting_and_leaving_from_the_forms(client, world, staff):
    login(client, world.director_a)
    nurse = staff["nurse"]
    url = reverse("workforce:correct", args=[nurse.pk])
    page = client.get(url).content.decode()
    assert 'name="name" value="黄丽娟"' in page and 'name="_seen" value="1"' in page
    form = {
        "name": "黄丽娟", "sex": "F", "profession": "nurse", "title": "intermediate", "certificate_type": "nurse",
        "certificate_number": nurse.certificate_number, "certificate_valid_from": "2020-01-01",
        "certificate_valid_to": "2026-07-31", "start_date": "2022-04-01", "_seen": "1",
    }  # fmt: skip
    response = client.post(url, form)
    assert response.status_code == 400
    assert 'id="id_reason-errors"><li>Say why the record is corrected.</li>' in response.content.decode()
    response = client.post(url, {**form, "reason": "取得中级职称"})
    assert response.status_code == 302
    assert StaffVersion.objects.filter(staff=nurse).count() == 2
    response = client.post(url, {**form, "title": "senior", "reason": "再次更正"})  # the page saw version 1
    assert response.status_code == 400
    assert "Someone else changed this record at the same moment" in text(response)
    response = client.post(
        reverse("workforce:leave", args=[nurse.pk]),
        {"leave_date": "2026-05-10", "leave_reason": "resigned", "_seen": "2"},
    )
    assert response.status_code == 302
    assert StaffMember.objects.get(pk=nurse.pk).leave_date == D(2026, 5, 10)
    assert "The leaving of 黄丽娟 is recorded." in text(client.get(response["Location"]))


def test_turnover_page_shows_the_definition_and_exact_figures(client, world, staff):
    leave(world.director_a, staff["doctor"], D(2026, 3, 31))
    register(world.director_a, world.clinic_a, "林新", start=D(2026, 2, 9))
    login(client, world.director_a)
    response = client.get(reverse("workforce:turnover"), {"period": "quarter", "start": "2026-02-14"})
    page = text(response)
    assert "Staff turnover · 2026 Q1" in page
    assert "From 2026-01-01 to 2026-03-31." in page
    assert "turnover rate = leavers ÷ average headcount × 100" in page
    row = re.search(rf'<tr id="turnover-{world.clinic_a.pk}">(.*?)</tr>', response.content.decode(), re.S)
    assert (
        " ".join(re.sub(r"<[^>]+>", " ", row.group(1)).split()) == "南安市美沙酮维持治疗门诊 2 1 1 2 2.0 50.0"
    )
    assert "All 3 1 1 3 3.0 33.3" in page
    default = text(client.get(reverse("workforce:turnover")))
    assert "Staff turnover · 2026 Q1" in default  # the last full quarter before 2026-05-20


# --- training ---------------------------------------------------------------------------------------------------------


def test_recording_a_course_and_its_participants(client, world, staff):
    login(client, world.officer)
    response = client.post(
        reverse("workforce:course_add"),
        {"title": "美沙酮维持治疗临床规范培训", "topic": "mmt_clinical", "starts_on": "2026-04-16", "ends_on": "2026-04-17",
         "hours": "10.5", "place": "南安市医院学术厅"},
    )  # fmt: skip
    assert response.status_code == 302
    url = response["Location"]
    response = client.post(url, {"action": "named", "named-staff": [staff["nurse"].pk, staff["other"].pk]})
    assert response.status_code == 302
    response = client.post(url, {"action": "counted", "counted-kind": "social_worker", "counted-count": "12"})
    assert response.status_code == 302
    assert NamedParticipant.objects.count() == 2 and CountedParticipants.objects.get().count == 12
    page = text(client.get(url))
    assert "Person-times 14" in page
    assert "黄丽娟 · Nurse · 南安市美沙酮维持治疗门诊" in page
    login(client, world.director_a)
    page = text(client.get(url))
    assert "黄丽娟 · Nurse" in page and "蔡秀英" not in page  # clinic B's staff are only counted
    before = NamedParticipant.objects.count()
    assert client.post(url, {"action": "named", "named-staff": [staff["doctor"].pk]}).status_code == 403
    assert NamedParticipant.objects.count() == before
    listing = text(client.get(reverse("workforce:courses"), {"period": "year", "start": "2026-01-01"}))
    assert "南安市: training in 2026" in listing
    assert "1 session, 14 person-times, 10.5 hours of training; 0 further-study placements." in listing
    assert (
        "2026-04-16 – 2026-04-17 美沙酮维持治疗临床规范培训 MMT clinical practice 南安市卫生健康局 10.5 14"
        in listing
    )


def test_naming_participants_says_how_many_were_named(client, world, staff):
    login(client, world.officer)
    response = client.post(
        reverse("workforce:course_add"),
        {"title": "急救技能培训", "topic": "emergency", "starts_on": "2026-05-06", "ends_on": "2026-05-06",
         "hours": "3.5", "place": "南安市医院"},
    )  # fmt: skip
    url = response["Location"]
    response = client.post(url, {"action": "named", "named-staff": [staff["nurse"].pk]}, follow=True)
    assert "1 participant named." in text(response)
    response = client.post(
        url, {"action": "named", "named-staff": [staff["other"].pk, staff["doctor"].pk]}, follow=True
    )
    assert "2 participants named." in text(response)
    assert NamedParticipant.objects.count() == 3


def test_course_errors_and_a_course_out_of_scope(client, world, staff):
    login(client, world.officer)
    response = client.post(
        reverse("workforce:course_add"),
        {"title": "", "topic": "", "starts_on": "", "ends_on": "", "hours": "x", "place": ""},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert (
        'id="id_hours-errors"><li>Enter the hours: more than 0, at most 999.9, one decimal place.</li>'
        in page
    )
    login(client, world.nurse_elsewhere)
    assert client.get(reverse("workforce:courses")).status_code == 403


def _queries(client, url, **params) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    return len(captured)


def test_list_pages_take_as_many_queries_for_many_rows_as_for_few(client, world, staff):
    login(client, world.officer)
    pages = [reverse("workforce:staff_list"), reverse("workforce:turnover"), reverse("workforce:screening")]
    few = [_queries(client, url) for url in pages]
    for n in range(6):
        member = register(world.officer, world.clinic_b, f"新员工{n}", "nurse", D(2025, 1, 1))
        services.screening_record(
            actor=world.officer, staff=member, screened_on=D(2026, 5, 1), method="urine", result="negative"
        )
    assert [_queries(client, url) for url in pages] == few


def test_training_totals_of_a_prefecture_by_region(client, world, training):
    login(client, training["city_officer"])
    response = client.get(reverse("workforce:courses"), {"period": "quarter", "start": "2026-04-01"})
    page = text(response)
    assert "Training · 2026 Q2" in page
    assert "泉州市: training in 2026 Q2" in page
    assert "2 sessions, 21 person-times, 11.5 hours of training; 0 further-study placements." in page
    table = re.search(
        r'<table class="responsive" id="training-by-region">(.*?)</table>', response.content.decode(), re.S
    )
    assert " ".join(re.sub(r"<[^>]+>", " ", table.group(1)).split()) == (
        "Region Sessions Person-times Hours Further-study placements 泉州市 1 20 8.0 0 南安市 1 1 3.5 0"
    )
