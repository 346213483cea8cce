"""The evaluation pages and downloads: computing from the page, the ranked table, publishing, the workbook and the
printed notification in Chinese (rendered and looked at)."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from jiedu.accounts.models import Role, RoleAssignment, User
from jiedu.core.models import AuditEntry
from jiedu.evaluation.models import Evaluation, Scheme
from jiedu.testing import poppler

pytestmark = pytest.mark.django_db
LIST = reverse("evaluation:list")
COMPUTE = reverse("evaluation:compute")


def login(client, user, language="en"):
    client.force_login(user)
    client.cookies["django_language"] = language


def text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def compute(client, world, year="2025") -> Evaluation:
    scheme = Scheme.objects.get(code="clinic-annual")
    response = client.post(COMPUTE, {"scheme": scheme.pk, "year": year, "note": "年终考核"})
    evaluation = Evaluation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("evaluation:detail", args=[evaluation.pk])
    return evaluation


def test_the_officer_computes_checks_and_publishes_the_clinics_evaluation(world, year_2025, client):
    login(client, world.officer)
    page = text(client.get(LIST))
    assert "No evaluation in your scope yet." in page
    assert "Compute an evaluation" in page
    evaluation = compute(client, world)
    page = text(client.get(reverse("evaluation:detail", args=[evaluation.pk])))
    assert "南安市 · 2025 annual comprehensive evaluation" in page
    assert "Computed, not published" in page
    # Ranked: clinic B first with full marks (commended), clinic A second.
    assert (
        "1 南安市第二美沙酮门诊 ★ 25.00 10.00 10.00 10.00 exempt 10.00 exempt 100.00 "
        "2 南安市美沙酮维持治疗门诊 18.75 8.00 8.89 8.89 20.00 0.00 exempt 71.70"
    ) in page
    assert "Commendation list 1. 南安市第二美沙酮门诊 · 100.00" in page
    response = client.post(reverse("evaluation:publish", args=[evaluation.pk]))
    assert response.status_code == 302
    page = text(client.get(reverse("evaluation:detail", args=[evaluation.pk])))
    assert "Published" in page and "published by officer at 2026-01-20 09:00" in page
    assert (
        'id="publish-form"'
        not in client.get(reverse("evaluation:detail", args=[evaluation.pk])).content.decode()
    )
    assert "Published" in text(client.get(LIST))


def test_bad_input_names_the_field_and_writes_nothing(world, year_2025, client):
    login(client, world.officer)
    scheme = Scheme.objects.get(code="clinic-annual")
    response = client.post(COMPUTE, {"scheme": scheme.pk, "year": "2026"})
    assert response.status_code == 400
    assert "The year 2026 is not over; it is evaluated from 1 January 2027." in text(response)
    response = client.post(COMPUTE, {"scheme": scheme.pk, "year": "twenty"})
    assert response.status_code == 400
    assert "Enter a whole number." in text(response)
    assert not Evaluation.objects.exists()
    assert not AuditEntry.objects.filter(action="evaluation.compute").exists()


def test_a_county_reads_the_provinces_evaluation_only_once_published(
    world, year_2025, province_officer, client
):
    login(client, province_officer)
    scheme = Scheme.objects.get(code="county-annual")
    client.post(COMPUTE, {"scheme": scheme.pk, "year": "2025"})
    evaluation = Evaluation.objects.get()
    url = reverse("evaluation:detail", args=[evaluation.pk])
    login(client, world.officer)
    assert client.get(url).status_code == 404
    assert client.post(reverse("evaluation:publish", args=[evaluation.pk])).status_code == 404
    login(client, province_officer)
    client.post(reverse("evaluation:publish", args=[evaluation.pk]))
    login(client, world.officer)
    response = client.get(url)
    assert response.status_code == 200
    assert 'id="publish-form"' not in response.content.decode()
    assert client.post(reverse("evaluation:publish", args=[evaluation.pk])).status_code == 403
    assert client.get(url.replace(str(evaluation.pk), str(evaluation.pk + 1))).status_code == 404


def test_a_clinics_director_reads_only_the_published_evaluations_it_was_ranked_in(world, year_2025, client):
    login(client, world.officer)
    evaluation = compute(client, world)
    url = reverse("evaluation:detail", args=[evaluation.pk])
    login(client, world.director_a)
    assert "No evaluation in your scope yet." in text(client.get(LIST))
    assert client.get(url).status_code == 404  # a draft is the commission's own
    login(client, world.officer)
    client.post(reverse("evaluation:publish", args=[evaluation.pk]))
    login(client, world.director_a)
    page = client.get(LIST)
    assert "Compute an evaluation" not in text(page)
    assert url in page.content.decode()
    response = client.get(url)
    assert response.status_code == 200
    # The whole ranking as published, the director's own clinic marked; no publishing.
    assert (
        "2 南安市美沙酮维持治疗门诊 your organisation 18.75 8.00 8.89 8.89 20.00 0.00 exempt 71.70"
    ) in text(response)
    assert 'id="publish-form"' not in response.content.decode()
    assert client.post(reverse("evaluation:publish", args=[evaluation.pk])).status_code == 403
    assert client.get(reverse("evaluation:workbook", args=[evaluation.pk])).status_code == 200
    # The director of a clinic that was not ranked (晋江市's) sees nothing of it.
    elsewhere = User.objects.create_user(username="director_elsewhere", organisation=world.clinic_elsewhere)
    RoleAssignment.objects.create(user=elsewhere, role=Role.CLINIC_DIRECTOR)
    login(client, elsewhere)
    assert "No evaluation in your scope yet." in text(client.get(LIST))
    assert client.get(url).status_code == 404


def test_the_officer_withdraws_a_published_evaluation_from_its_page(world, year_2025, client, at):
    login(client, world.officer)
    evaluation = compute(client, world)
    url = reverse("evaluation:detail", args=[evaluation.pk])
    withdraw = reverse("evaluation:withdraw", args=[evaluation.pk])
    assert 'id="withdraw-form"' not in client.get(url).content.decode()  # a draft is not withdrawn
    client.post(reverse("evaluation:publish", args=[evaluation.pk]))
    assert 'id="withdraw-form"' in client.get(url).content.decode()
    response = client.post(withdraw, {"reason": ""})
    assert response.status_code == 400
    assert "This field is required." in text(response)
    assert Evaluation.objects.get().status == "published"
    # The director of a clinic ranked in it reads it but does not withdraw it.
    login(client, world.director_a)
    assert client.post(withdraw, {"reason": "名次不公"}).status_code == 403
    assert (Evaluation.objects.get().status, Evaluation.objects.get().withdrawal_reason) == ("published", "")
    assert not AuditEntry.objects.filter(action="evaluation.withdraw").exists()
    login(client, world.officer)
    at(dt.date(2026, 2, 3), 10, 30)
    response = client.post(withdraw, {"reason": "洪濑门诊尿检数据录入错误"})
    assert response.status_code == 302
    page = text(client.get(url))
    assert "Withdrawn by officer at 2026-02-03 10:30 : 洪濑门诊尿检数据录入错误" in page
    assert 'id="withdraw-form"' not in client.get(url).content.decode()
    assert 'id="publish-form"' not in client.get(url).content.decode()
    # The director of clinic A, ranked in it, reads the withdrawal too; the workbook says it.
    login(client, world.director_a)
    assert "Withdrawn by officer" in text(client.get(url))
    assert "Withdrawn" in text(client.get(LIST))
    book = load_workbook(io.BytesIO(client.get(reverse("evaluation:workbook", args=[evaluation.pk])).content))
    assert book.worksheets[0]["A1"].value.endswith(
        "(Published on 2026-01-20, withdrawn on 2026-02-03: 洪濑门诊尿检数据录入错误)"
    )
    assert client.post(withdraw, {"reason": "x"}).status_code == 403


def test_the_workbook_has_a_sheet_per_table(world, year_2025, client):
    login(client, world.officer)
    evaluation = compute(client, world)
    response = client.get(reverse("evaluation:workbook", args=[evaluation.pk]))
    assert response.status_code == 200
    assert (
        response["Content-Disposition"] == 'attachment; filename="evaluation-350583-2025-clinic-annual.xlsx"'
    )
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Ranking", "Measures", "Commendation list", "Scheme"]
    ranking = book["Ranking"]
    assert ranking["A1"].value.startswith(
        "南安市 · 2025 annual comprehensive evaluation · Annual evaluation of MMT"
    )
    assert [c.value for c in ranking[3]] == [1, "南安市第二美沙酮门诊", "南安市", 25, 10, 10, 10, "exempt", 10, "exempt",
                                             100, "yes", None]  # fmt: skip
    assert ranking["D4"].value == 18.75 and ranking["K4"].value == 71.7
    measures = book["Measures"]
    assert [c.value for c in measures[3]][:9] == [
        "南安市第二美沙酮门诊",
        "Annual retention",
        95,
        38,
        40,
        50,
        90,
        25,
        25,
    ]
    assert [c.value for c in book["Commendation list"][3]] == [1, "南安市第二美沙酮门诊", "南安市", 100]
    assert book["Scheme"].max_row == 2 + 7
    entry = AuditEntry.objects.get(action="evaluation.export")
    assert entry.detail == {"format": "xlsx", "area": "350583", "year": 2025}


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils is installed by .ci/run")
def test_the_notification_prints_in_chinese(world, year_2025, client, tmp_path):
    from PIL import Image

    login(client, world.officer, "zh-hans")
    evaluation = compute(client, world)
    response = client.get(reverse("evaluation:report", args=[evaluation.pk]))
    assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")
    pdf = tmp_path / "evaluation.pdf"
    pdf.write_bytes(response.content)
    words = "".join(poppler("pdftotext", "-layout", str(pdf), "-").split())
    assert "南安市·2025年度综合考评·戒毒药物维持治疗门诊年度考核" in words
    assert "表彰名单" in words and "南安市第二美沙酮门诊（100.00）" in words
    assert words.index("南安市第二美沙酮门诊") < words.index("南安市美沙酮维持治疗门诊")
    assert "南安市卫生健康局" in words and "2026年1月20日" in words
    fonts = poppler("pdffonts", str(pdf))
    cjk = [line for line in fonts.splitlines() if "CJK" in line]
    assert cjk and all(" yes yes yes " in line for line in cjk), fonts
    poppler(
        "pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(tmp_path / "page")
    )
    page = Image.open(tmp_path / "page.png").convert("L")
    assert page.width > page.height  # landscape
    heading = page.crop((0, 0, page.width, page.height // 8))
    assert sum(heading.histogram()[:128]) > 100  # the title is drawn, not blank boxes
    assert AuditEntry.objects.get(action="evaluation.export").detail == {
        "format": "pdf",
        "area": "350583",
        "year": 2025,
    }
