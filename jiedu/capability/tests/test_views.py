"""The pages: units in scope, a unit's registers with the head's forms (files included), the framework, assessing,
an assessment with its adjustments and confirmation, the gap list, and the roll-up with its Excel export."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from jiedu.accounts.models import Role
from jiedu.capability import services
from jiedu.capability.models import Assessment, Department, RuleVersion
from jiedu.capability.tests.data import upload
from jiedu.core.models import AuditEntry
from jiedu.registry.models import Organisation, OrganisationType
from jiedu.workforce.tests.data import user

pytestmark = pytest.mark.django_db
D = dt.date


def login(client, who):
    client.force_login(who)
    client.cookies["django_language"] = "en"


def text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def test_the_units_in_scope(client, world, centre):
    unit, head = centre
    login(client, world.officer)
    page = text(client.get(reverse("capability:units")))
    assert (
        "南安市强制隔离戒毒所 Compulsory isolation centre (medical unit) 南安市 Not assessed Gaps · Assess"
        in page
    )
    assert "南安市第二美沙酮门诊" in page and "晋江市美沙酮门诊" not in page
    login(client, world.director_a)
    page = text(client.get(reverse("capability:units")))
    assert "南安市美沙酮维持治疗门诊" in page and "南安市强制隔离戒毒所" not in page and "Assess" not in page


def test_the_head_keeps_the_registers_from_the_unit_page(client, world, centre):
    unit, head = centre
    url = reverse("capability:unit", args=[unit.pk])
    login(client, head)
    page = text(client.get(url))
    assert "精神科 Psychiatry 2021-06-01 Yes" in page
    assert "检验科 Laboratory 2019-03-01 2026-03-01 · 检验人员调离，暂停 No" in page
    assert (
        "血液分析仪 Blood analyser 2021-04-01 2026-01-10 2026-04-02 · Condition check · Needs repair · 光路故障，待厂家维修 No"
        in page
    )
    assert "Medical staff 6 4" in page
    assert (
        "医疗质量安全核心制度 Medical quality and safety 2024版 · from 2024-01-01 2026版 (from 2026-06-01)"
        in page
    )
    assert (
        "Narcotic and psychotropic drug purchase seal card 闽泉麻精印〔2023〕第0107号 泉州市卫生健康委员会 2023-05-20 – 2026-05-19 No"
        in page
    )
    response = client.post(
        url,
        {
            "action": "department",
            "department-kind": "imaging",
            "department-name": "放射科",
            "department-opened_on": "2026-05-18",
        },
    )
    assert response.status_code == 302
    assert "放射科 is in the register." in text(client.get(url))
    response = client.post(
        url,
        {"action": "department", "department-kind": "", "department-name": "", "department-opened_on": ""},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_department-name-errors"><li>Enter the department&#x27;s name.</li>' in page
    assert '<details open id="form-department">' in page
    assert client.post(url, {"action": "nonsense"}).status_code == 404


def test_others_cannot_post_to_the_registers(client, world, centre):
    unit, head = centre
    url = reverse("capability:unit", args=[unit.pk])
    for who in (world.officer, world.inspector):
        login(client, who)
        before = (Department.objects.count(), AuditEntry.objects.filter(action="access.denied").count())
        response = client.post(
            url,
            {
                "action": "department",
                "department-kind": "imaging",
                "department-name": "放射科",
                "department-opened_on": "2026-05-18",
            },
        )
        assert response.status_code == 403
        assert (Department.objects.count(), AuditEntry.objects.filter(action="access.denied").count()) == (
            before[0],
            before[1] + 1,
        )
    login(client, world.director_a)
    assert (
        client.post(url, {"action": "department"}).status_code == 404
    )  # not in the head of clinic A's scope


def test_rule_files_are_checked_stored_and_served_only_in_scope(client, world, today):
    login(client, world.director_a)
    url = reverse("capability:unit", args=[world.clinic_a.pk])
    form = {"action": "rule", "rule-title": "美沙酮口服溶液管理制度", "rule-category": "drug_management", "rule-version": "2024版",
            "rule-effective_on": "2024-01-01", "rule-note": ""}  # fmt: skip
    response = client.post(url, {**form, "rule-file": upload("制度.html", b"<html>not a pdf</html>")})
    assert response.status_code == 400
    assert "The file is not a PDF, a Word document or a PNG or JPEG image." in text(response)
    assert RuleVersion.objects.count() == 0
    response = client.post(url, {**form, "rule-file": upload("美沙酮制度.pdf")})
    assert response.status_code == 302
    version = RuleVersion.objects.get()
    download = reverse("capability:rule_file", args=[version.pk])
    response = client.get(download)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    jinjiang = Organisation.objects.create(
        name="晋江市卫生健康局", type=OrganisationType.HEALTH_COMMISSION, region=world.other_county
    )
    login(client, user("jinjiang_inspector", jinjiang, Role.INSPECTOR))
    assert client.get(download).status_code == 404
    login(client, world.nurse_a)
    assert client.get(download).status_code == 403


def test_assessing_adjusting_and_confirming_from_the_pages(client, world, centre):
    unit, head = centre
    login(client, world.officer)
    page = text(client.get(reverse("capability:assess", args=[unit.pk])))
    assert "What the registers show on 2026-05-20" in page
    assert "Institution and departments: 54.5" in page and "Overall: 46.7" in page
    response = client.post(reverse("capability:assess", args=[unit.pk]), {"on": "2026-05-20"})
    made = Assessment.objects.get()
    url = reverse("capability:assessment", args=[made.pk])
    assert response.status_code == 302 and response["Location"] == url
    page = text(client.get(url))
    assert "Overall score 46.7" in page
    assert "Staff structure: 40.0" in page
    assert "At least 8 medical staff in post 6 8 2 No" in page
    response = client.post(
        url, {"action": "adjust", "adjust-dimension": "staff", "adjust-score": "60", "adjust-reason": ""}
    )
    assert response.status_code == 400
    assert "Say why the score is adjusted." in text(response)
    response = client.post(
        url,
        {
            "action": "adjust",
            "adjust-dimension": "staff",
            "adjust-score": "60",
            "adjust-reason": "外聘精神科医师已到岗",
        },
    )
    assert response.status_code == 302
    page = text(client.get(url))
    assert "Overall score 50.0 (computed 46.7)" in page
    assert "Staff structure: 60.0 (computed 40.0)" in page
    assert "Score adjusted: Staff structure → 60.0 · 外聘精神科医师已到岗" in page
    login(client, head)
    assert client.post(url, {"action": "confirm", "confirm-confirm": "on"}).status_code == 403
    login(client, world.inspector)
    response = client.post(url, {"action": "confirm"})
    assert response.status_code == 400 and Assessment.objects.get().status == "draft"
    assert client.post(url, {"action": "confirm", "confirm-confirm": "on"}).status_code == 302
    made.refresh_from_db()
    assert made.status == "confirmed"
    page = client.get(url).content.decode()
    assert 'id="form-adjust"' not in page and 'id="form-confirm"' not in page


def test_the_gap_list_of_an_assessment_and_of_an_unassessed_unit(client, world, centre):
    unit, head = centre
    login(client, head)
    page = text(client.get(reverse("capability:gaps", args=[unit.pk])))
    assert "The unit has not been assessed: these are the gaps its registers show on 2026-05-20." in page
    assert "Medical staff in post: 6; 8 required." in page
    services.assessment_create(actor=world.officer, unit=unit, on=D(2026, 2, 1))
    page = text(client.get(reverse("capability:gaps", args=[unit.pk])))
    assert "From the assessment of 2026-02-01 (Computed, not confirmed)." in page
    assert "Staff structure At least 8 medical staff in post Medical staff in post: 7; 8 required." in page
    assert (
        "Seal card" not in page and "purchase seal card: none valid" not in page
    )  # still valid on 1 February


def test_the_framework_page_lists_criteria_with_weights(client, world, today):
    login(client, world.inspector)
    page = text(client.get(reverse("capability:framework", args=["compulsory-centre-2022"])))
    assert (
        "Staff structure At least 1 psychiatrist with a valid practising certificate Staff of a profession with a valid practising certificate Psychiatrist 1 3"
        in page
    )
    assert "Staff structure At least 8 medical staff in post Medical staff in post — 8 2" in page
    assert client.get(reverse("capability:framework", args=["nope"])).status_code == 404


@pytest.fixture
def assessed(world, centre):
    unit, head = centre
    made = services.assessment_create(actor=world.officer, unit=unit, on=D(2026, 5, 20))
    services.assessment_adjust(
        actor=world.officer, assessment=made, dimension="staff", score="60", reason="外聘医师到岗"
    )
    services.assessment_confirm(actor=world.officer, assessment=made)
    services.collaboration_register(
        actor=world.director_a, unit=world.clinic_a, kind="specialist_alliance", partner="福建省精神卫生专科联盟",
        agreement_on=D(2024, 1, 1), valid_from=D(2024, 1, 1),
    )  # fmt: skip
    return made


def test_the_rollup_page_in_the_style_of_the_provincial_report(client, world, centre, assessed):
    login(client, world.officer)
    page = text(client.get(reverse("capability:rollup")))
    assert "Capability of medical units · 南安市 · 2026-05-20" in page
    assert "2 of 3 units in a specialist alliance" in page
    assert "0 of 3 units in a local medical consortium" in page
    assert (
        "0 of 3 units with an X-ray machine, a B-ultrasound, a blood analyser and a biochemistry analyser all working"
        in page
    )
    assert "1 of 3 units with a psychiatry department" in page
    assert (
        "6 medical staff (4 with a valid practising certificate), of whom 1 psychiatrist and 1 general practitioner"
        in page
    )
    assert "Out of 3 units; the Excel file lists every kind." in page
    assert "Collaboration agreements in force Specialist alliance 2/3 · Paired-support hospital 1/3" in page
    assert (
        "Qualifications valid Medical institution practising licence 1/3 · Psychiatry registration 1/3"
        in page
    )
    assert "1 南安市强制隔离戒毒所 2026-05-20 50.0 54.5 45.5 60.0 50.0 45.5 44.4 6" in page
    assert "— 南安市美沙酮维持治疗门诊 Not assessed — — — — — — — 0" in page
    login(client, world.director_a)
    page = text(client.get(reverse("capability:rollup")))
    assert "1 of 1 unit in a specialist alliance" in page and "南安市强制隔离戒毒所" not in page
    assert "Out of 1 unit; the Excel file lists every kind." in page


def test_the_rollup_workbook(client, world, centre, assessed):
    login(client, world.officer)
    response = client.get(reverse("capability:rollup_export"), {"on": "2026-05-20"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="capability-2026-05-20.xlsx"'
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Roll-up", "Units"]
    counts = book["Roll-up"]
    assert counts["A1"].value == "南安市 · capability of medical units on 2026-05-20"
    assert [c.value for c in counts[2]] == ["Register", "Kind", "Units with it", "Units"]
    assert [c.value for c in counts[3]] == ["Staff", "Medical staff in post", 6, 3]
    rows = {(r[0], r[1]): (r[2], r[3]) for r in counts.iter_rows(min_row=3, values_only=True)}
    assert rows[("Collaboration agreements in force", "Specialist alliance")] == (2, 3)
    assert rows[("Equipment in working order", "X-ray machine")] == (1, 3)
    units = book["Units"]
    assert [c.value for c in units[3]][:11] == [1, "南安市强制隔离戒毒所", "Compulsory isolation centre (medical unit)", "2026-05-20",
                                               50.0, 54.5, 45.5, 60.0, 50.0, 45.5, 44.4]  # fmt: skip
    assert units["E3"].number_format == "0.0"
    assert [c.value for c in units[4]][:5] == [
        None,
        "南安市第二美沙酮门诊",
        "MMT clinic",
        "not assessed",
        None,
    ]
    assert Decimal(str(units["E3"].value)) == Decimal("50.0")


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_list_pages_take_as_many_queries_for_many_units_as_for_few(client, world, centre):
    unit, head = centre
    login(client, world.officer)
    pages = [reverse("capability:units"), reverse("capability:rollup"), reverse("capability:rollup_export")]
    first = services.assessment_create(actor=world.officer, unit=unit, on=D(2026, 5, 20))
    services.assessment_confirm(actor=world.officer, assessment=first)
    few = [_queries(client, url) for url in pages]
    for n in range(3):
        clinic = Organisation.objects.create(
            name=f"南安市第{n + 3}美沙酮门诊", type=OrganisationType.MMT_CLINIC, region=world.county
        )
        made = services.assessment_create(actor=world.officer, unit=clinic, on=D(2026, 5, 20))
        services.assessment_confirm(actor=world.officer, assessment=made)
    assert [_queries(client, url) for url in pages] == few
