"""The pages: who sees which inspections and findings (an unannounced inspection hidden from its target until it
starts; an institution its own findings only; the commission its region's), the tablet checklist with htmx, the
submission, answering and verifying a finding, the board, the checklist editor, and evidence files."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from jiedu.accounts.models import Role, RoleAssignment, User
from jiedu.core.models import AuditEntry
from jiedu.inspections import services
from jiedu.inspections.models import Evidence, Inspection, Rectification, Response, TemplateVersion
from jiedu.inspections.tests.data import MMT_EVIDENCE, PDF, attach, items, plan, score_all, started, submitted
from jiedu.pharmacy.models import StockBalance
from jiedu.pharmacy.services import day_close
from jiedu.registry.models import Organisation, OrganisationType
from jiedu.testing import PASSWORD, build_clinic_stock, jpeg_bytes, poppler

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def person(username: str, org: Organisation, role: Role) -> User:
    made = User.objects.create_user(
        username=username, password=PASSWORD, organisation=org, full_name=username
    )
    RoleAssignment.objects.create(user=made, role=role)
    return made


@pytest.fixture
def director_b(world) -> User:
    return person("director_b", world.clinic_b, Role.CLINIC_DIRECTOR)


@pytest.fixture
def jinjiang_officer(world) -> User:
    office = Organisation.objects.create(
        name="晋江市卫生健康局", type=OrganisationType.HEALTH_COMMISSION, region=world.other_county
    )
    return person("jinjiang_officer", office, Role.HEALTH_OFFICER)


@pytest.fixture(autouse=True)
def _pages_in_english(client):
    client.cookies["django_language"] = "en"


def page(client, user, url, **extra):
    client.force_login(user)
    return client.get(url, **extra)


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- visibility ---------------------------------------------------------------------------------------------


def test_an_unannounced_inspection_is_hidden_from_its_target_until_it_starts(
    world, team, checklists, today, client
):
    inspection = plan(world, announced=False)
    detail = reverse("inspections:detail", args=[inspection.pk])
    assert page(client, world.director_a, detail).status_code == 404
    assert f"inspection-{inspection.pk}" not in text(
        page(client, world.director_a, reverse("inspections:schedule"))
    )
    assert page(client, world.officer, detail).status_code == 200
    assert page(client, world.users["cdc"], detail).status_code == 200
    services.inspection_start(actor=world.inspector, inspection=inspection)
    response = page(client, world.director_a, detail)
    assert response.status_code == 200
    assert "Unannounced" in text(response)
    assert f"inspection-{inspection.pk}" in text(
        page(client, world.director_a, reverse("inspections:schedule"))
    )


def test_an_announced_inspection_is_seen_by_its_target_but_not_by_others(
    world, team, checklists, today, client, director_b, jinjiang_officer
):
    inspection = plan(world)
    detail = reverse("inspections:detail", args=[inspection.pk])
    assert page(client, world.director_a, detail).status_code == 200
    assert page(client, director_b, detail).status_code == 404
    assert page(client, jinjiang_officer, detail).status_code == 404
    assert "No inspections to show." in text(page(client, jinjiang_officer, reverse("inspections:schedule")))


def test_an_institution_sees_only_its_own_findings_and_the_commission_all_of_its_region(
    world, team, checklists, today, client, director_b, jinjiang_officer
):
    submitted(world)
    submitted(world, target=world.clinic_b)
    own = list(Rectification.objects.filter(owner=world.clinic_a).order_by("number"))
    other = Rectification.objects.filter(owner=world.clinic_b).order_by("number").first()
    findings = reverse("inspections:findings")
    for user, expected in (
        (world.director_a, {"南安市美沙酮维持治疗门诊": 3}),
        (director_b, {"南安市第二美沙酮门诊": 3}),
        (world.officer, {"南安市美沙酮维持治疗门诊": 3, "南安市第二美沙酮门诊": 3}),
        (world.inspector, {"南安市美沙酮维持治疗门诊": 3, "南安市第二美沙酮门诊": 3}),
        (jinjiang_officer, {}),
    ):
        body = text(page(client, user, findings))
        names = re.findall(r'data-label="To be rectified by">([^<]+)<', body)
        assert {n: names.count(n) for n in set(names)} == expected, user.username
    assert page(client, world.director_a, reverse("inspections:finding", args=[other.pk])).status_code == 404
    assert page(client, world.director_a, reverse("inspections:finding", args=[own[0].pk])).status_code == 200
    assert page(client, jinjiang_officer, reverse("inspections:finding", args=[own[0].pk])).status_code == 404


def test_evidence_is_served_only_within_the_scope(world, team, checklists, today, client, director_b):
    inspection = started(world)
    photo = attach(inspection, world.inspector, ["1.1"])[0]
    url = reverse("inspections:evidence", args=[photo.pk])
    response = page(client, world.director_a, url)
    assert (response.status_code, response["Content-Type"], response["Cache-Control"]) == (
        200,
        "image/jpeg",
        "private, no-store",
    )
    assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"
    assert page(client, director_b, url).status_code == 404
    police = page(client, world.users["police"], reverse("inspections:conduct_evidence", args=[photo.pk]))
    assert police.status_code == 200


# --- conducting on the tablet -------------------------------------------------------------------------------


def test_the_conduct_page_shows_live_facts_beside_their_items(world, team, checklists, at, client):
    at(dt.date(2026, 5, 18), 20)
    stores = build_clinic_stock(world)
    store = stores[world.clinic_a.pk]
    balance = StockBalance.objects.get(store=store)
    day_close(
        actor=world.keeper_a,
        witness=world.nurse_a,
        store=store,
        day=dt.date(2026, 5, 18),
        counts={balance.batch_id: Decimal("4998")},
    )
    at(dt.date(2026, 5, 20))
    inspection = started(world)
    body = text(page(client, world.inspector, reverse("inspections:conduct", args=[inspection.pk])))
    variance = re.search(r'<aside class="fact warn" data-fact="stock_variances".*?</aside>', body).group(0)
    assert '<div class="fact-value">1 open</div>' in variance
    assert "as of 2026-05-20 09:00" in variance
    seal = re.search(r'<aside class="fact" data-fact="seal_card".*?</aside>', body).group(0)
    assert "valid until 2027-12-31" in seal
    assert body.count('class="insp-item') == 21
    assert "Total 0 / 100 (0%)" in body


def test_htmx_saves_an_item_and_updates_the_totals(world, team, checklists, today, client):
    inspection = started(world)
    item = items(inspection)["1.2"]
    url = reverse("inspections:score", args=[inspection.pk, item.pk])
    client.force_login(world.users["cdc"])
    response = client.post(url, {f"item-{item.pk}-score": "3.5", f"item-{item.pk}-note": "未上墙"}, **HTMX)
    body = text(response).strip()
    assert response.status_code == 200
    assert body.startswith(f'<article class="insp-item is-finding" id="item-{item.pk}" data-number="1.2">')
    assert '<span class="insp-saved" role="status">Saved.</span>' in body
    assert re.search(
        r'id="section-total-\d+" class="insp-total" hx-swap-oob="true">3.5 / 15 <small>1 of 3 scored</small>',
        body,
    )
    assert 'id="overall-total" class="insp-total" hx-swap-oob="true">Total 3.5 / 100 (3.5%)' in body
    response = client.post(url, {f"item-{item.pk}-score": "3.5", f"item-{item.pk}-note": "未上墙"}, **HTMX)
    assert "Nothing changed." in text(response)
    assert Response.objects.filter(item=item).count() == 1


def test_a_refused_score_names_the_item_and_keeps_what_was_typed(world, team, checklists, today, client):
    inspection = started(world)
    item = items(inspection)["1.2"]
    client.force_login(world.inspector)
    response = client.post(
        reverse("inspections:score", args=[inspection.pk, item.pk]), {f"item-{item.pk}-score": "6"}, **HTMX
    )
    body = text(response)
    assert response.status_code == 400
    assert (
        '<p class="errorlist" role="alert">1.2 门诊负责人明确，岗位职责和工作流程上墙公示: enter a score from 0 to 5 '
        "(at most one decimal place).</p>"
    ) in body
    assert f'name="item-{item.pk}-score" id="id_item-{item.pk}-score" value="6"' in body
    assert Response.objects.count() == 0


def test_without_javascript_the_form_posts_and_comes_back_to_the_item(world, team, checklists, today, client):
    inspection = started(world)
    item = items(inspection)["1.1"]
    client.force_login(world.inspector)
    response = client.post(
        reverse("inspections:score", args=[inspection.pk, item.pk]), {f"item-{item.pk}-result": "fail"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/inspections/{inspection.pk}/conduct/#item-{item.pk}"
    assert Response.objects.get().score == Decimal("0")


def test_upload_a_photo_from_the_tablet(world, team, checklists, today, client):
    inspection = started(world)
    item = items(inspection)["1.1"]
    client.force_login(world.inspector)
    url = reverse("inspections:upload", args=[inspection.pk, item.pk])
    response = client.post(url, {"file": SimpleUploadedFile("现场.jpg", jpeg_bytes(), "image/jpeg")}, **HTMX)
    evidence = Evidence.objects.get()
    assert response.status_code == 200
    assert f'<img src="/inspections/conduct/evidence/{evidence.pk}/" alt="现场.jpg">' in text(response)
    response = client.post(url, {"file": SimpleUploadedFile("x.txt", b"hello", "text/plain")}, **HTMX)
    assert response.status_code == 400
    assert "x.txt is neither a photo (JPEG, PNG, WebP) nor a PDF document." in text(response)
    response = client.post(url, {}, **HTMX)
    assert "Choose a photo or a PDF document." in text(response)
    assert Evidence.objects.count() == 1


def test_the_leader_submits_with_terms_per_finding(world, team, checklists, today, client):
    inspection = started(world)
    score_all(
        inspection,
        world.inspector,
        {"1.2": {"score": "2", "note": "未上墙"}, "2.1": {"score": "5", "flagged": True}},
    )
    attach(inspection, world.inspector, MMT_EVIDENCE)
    url = reverse("inspections:submit", args=[inspection.pk])
    review = text(page(client, world.users["cdc"], url))
    assert "Only the team's leader submits the inspection." in review
    by_number = items(inspection)
    client.force_login(world.inspector)
    review = text(client.get(url))
    assert "2 findings to rectify" in review
    assert 'value="2026-06-19"' in review
    response = client.post(
        url,
        {
            f"owner_{by_number['1.2'].pk}": world.clinic_a.pk,
            f"deadline_{by_number['1.2'].pk}": "2026-06-10",
            f"evidence_{by_number['1.2'].pk}": "on",
            f"owner_{by_number['2.1'].pk}": world.police.pk,
            f"deadline_{by_number['2.1'].pk}": "2026-06-30",
            f"requirement_{by_number['2.1'].pk}": "建立入组信息回执制度",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/inspections/{inspection.pk}/"
    assert list(
        Rectification.objects.order_by("number").values_list(
            "owner__name", "deadline", "evidence_required", "requirement"
        )
    ) == [
        (
            "南安市美沙酮维持治疗门诊",
            dt.date(2026, 6, 10),
            True,
            "门诊负责人明确，岗位职责和工作流程上墙公示：未上墙",
        ),
        ("南安市公安局溪美派出所", dt.date(2026, 6, 30), False, "建立入组信息回执制度"),
    ]
    detail = text(client.get(response["Location"]))
    assert "The inspection is submitted with a score of 97%; 2 findings are open for rectification." in detail


def test_one_finding_and_one_item_are_told_in_the_singular(world, team, checklists, today, client):
    inspection = started(world)
    conduct = text(page(client, world.inspector, reverse("inspections:conduct", args=[inspection.pk])))
    assert "0 of 21 items scored" in conduct
    assert '<div class="meta">5 points · Graded from zero to the maximum</div>' in conduct
    score_all(inspection, world.inspector, {"1.2": {"score": "2", "note": "未上墙"}})
    attach(inspection, world.inspector, MMT_EVIDENCE)
    url = reverse("inspections:submit", args=[inspection.pk])
    review = text(client.get(url))
    assert "<h2>1 finding to rectify</h2>" in review
    assert "21 of 21 items scored" in review
    item = items(inspection)["1.2"]
    response = client.post(url, {f"owner_{item.pk}": world.clinic_a.pk, f"deadline_{item.pk}": "2026-06-10"})
    assert response.status_code == 302
    detail = text(client.get(response["Location"]))
    assert "The inspection is submitted with a score of 97%; 1 finding is open for rectification." in detail


def test_a_refused_submission_says_why(world, team, checklists, today, client):
    inspection = started(world)
    score_all(inspection, world.inspector)
    client.force_login(world.inspector)
    response = client.post(reverse("inspections:submit", args=[inspection.pk]), {})
    assert response.status_code == 400
    assert "These items require a photo or document before submission: 1.1 " in text(response)
    assert Inspection.objects.get().status == "in_progress"


# --- findings -----------------------------------------------------------------------------------------------


def test_the_head_answers_with_a_file_and_the_inspector_verifies(world, team, checklists, today, client):
    submitted(world)
    finding = Rectification.objects.order_by("number").first()
    url = reverse("inspections:finding", args=[finding.pk])
    client.force_login(world.director_a)
    assert 'id="finding-respond"' in text(client.get(url))
    response = client.post(reverse("inspections:respond", args=[finding.pk]), {"respond-note": "已上墙"})
    assert response.status_code == 400
    assert "This finding requires evidence: attach a photo or document of the rectification." in text(
        response
    )
    response = client.post(
        reverse("inspections:respond", args=[finding.pk]),
        {"respond-note": "已上墙", "respond-files": [SimpleUploadedFile("公示.pdf", PDF, "application/pdf")]},
    )
    assert response.status_code == 302
    page_ = text(client.get(url))
    assert "Your answer is sent to the inspecting body for verification." in page_
    assert 'id="finding-verify"' not in page_
    document = Evidence.objects.get(step__isnull=False)
    assert f'<a class="doc" href="/inspections/evidence/{document.pk}/">公示.pdf</a>' in page_
    client.force_login(world.inspector)
    assert 'id="finding-verify"' in text(client.get(url))
    assert (
        client.post(reverse("inspections:verify", args=[finding.pk]), {"verify-note": "属实"}).status_code
        == 302
    )
    assert 'id="finding-close"' in text(client.get(url))
    assert client.post(reverse("inspections:close", args=[finding.pk]), {}).status_code == 302
    finding.refresh_from_db()
    assert finding.status == "closed"


def test_the_board_counts_per_organisation_and_per_county(
    world, team, checklists, today, at, client, jinjiang_officer
):
    submitted(world)
    submitted(world, target=world.clinic_b, findings={"1.2": {"score": "4"}})
    first = Rectification.objects.filter(owner=world.clinic_a).order_by("number").first()
    Rectification.objects.filter(pk=first.pk).update(evidence_required=False)
    first.refresh_from_db()
    services.rectification_respond(actor=world.director_a, rectification=first, note="已整改")
    at(dt.date(2026, 6, 25))
    body = text(page(client, world.officer, reverse("inspections:board")))
    rows = re.findall(
        r'<tr data-key="(\d+)"[^>]*>.*?<a [^>]*>([^<]+)</a></td>((?:\s*<td class="num"[^>]*>.*?</td>)+)', body
    )
    counts = {name: re.findall(r">(?:<a [^>]*>)?(\d+)<", cells) for _key, name, cells in rows}
    assert counts == {
        "南安市第二美沙酮门诊": ["1", "1", "0", "0", "0", "1"],
        "南安市美沙酮维持治疗门诊": ["2", "2", "1", "0", "0", "3"],
    }
    province = person("fujian_officer", world.province_commission, Role.HEALTH_OFFICER)
    body = text(page(client, province, reverse("inspections:board")))
    assert '<tr data-key="350583" class="insp-overdue"> <td><a href="?county=350583">南安市</a></td>' in body
    drill = text(page(client, province, reverse("inspections:board") + "?county=350583"))
    assert "南安市第二美沙酮门诊" in drill
    assert page(client, world.officer, reverse("inspections:board") + "?county=350582").status_code == 404
    assert "No findings in your region." in text(page(client, jinjiang_officer, reverse("inspections:board")))


# --- planning and checklists on the pages -------------------------------------------------------------------


def test_plan_on_the_page(world, team, checklists, today, client):
    client.force_login(world.officer)
    version = TemplateVersion.objects.get(template__code="five_special")
    response = client.post(
        reverse("inspections:plan"),
        {
            "version": version.pk,
            "target": world.clinic_b.pk,
            "team": team.pk,
            "scheduled_on": "2026-05-27",
            "purpose": "五专专项检查",
        },
    )
    inspection = Inspection.objects.get()
    assert response["Location"] == f"/inspections/{inspection.pk}/"
    assert (inspection.announced, inspection.scheduled_on) == (False, dt.date(2026, 5, 27))
    response = client.post(
        reverse("inspections:plan"), {"version": version.pk, "target": world.police.pk, "team": team.pk}
    )
    assert response.status_code == 400
    body = text(response)
    assert (
        "This checklist inspects Holder of controlled-substance stores; choose such an organisation." in body
    )
    assert "Give the date of the inspection." in body


def test_draft_edit_and_publish_on_the_pages(world, checklists, today, client):
    client.force_login(world.officer)
    response = client.post(reverse("inspections:version_draft", args=["compulsory_unit"]))
    draft = TemplateVersion.objects.get(template__code="compulsory_unit", number=2)
    assert response["Location"] == f"/inspections/versions/{draft.pk}/"
    section = draft.sections.order_by("order").last()
    response = client.post(
        reverse("inspections:item_add", args=[section.pk]),
        {"item-text": "开展心理矫治", "item-max_score": "5", "item-rule": "deduction"},
    )
    assert response.status_code == 400
    assert "Say how much each instance found deducts." in text(response)
    response = client.post(
        reverse("inspections:version_publish", args=[draft.pk]), {"publish-note": "增加心理矫治"}
    )
    assert response.status_code == 302
    assert text(client.get(reverse("inspections:template", args=["compulsory_unit"]))).count("Published") >= 2
    response = client.post(reverse("inspections:section_add", args=[draft.pk]), {"section-title_zh": "新"})
    assert response.status_code == 400
    assert "Version 2 is published and frozen: draft a new version to change the checklist." in text(response)
    assert AuditEntry.objects.filter(action="inspection.version.publish").count() == 1


def test_set_up_a_team_on_the_page(world, checklists, today, client):
    client.force_login(world.officer)
    response = client.post(
        reverse("inspections:teams"),
        {
            "name": "联合检查一组",
            "members": [world.inspector.pk, world.users["police"].pk],
            "leader": world.inspector.pk,
        },
    )
    assert response.status_code == 302
    response = client.post(reverse("inspections:teams"), {"name": "", "members": [world.inspector.pk]})
    assert response.status_code == 400
    body = text(response)
    assert "Name the team." in body and "A joint team has at least two members." in body


def test_list_pages_read_a_fixed_number_of_queries(
    world, team, checklists, today, client, django_assert_num_queries
):
    client.force_login(world.officer)
    for count in (1, 3):
        while Inspection.objects.count() < count:
            submitted(world)
        with django_assert_num_queries(10):
            assert (
                len(re.findall(r'<tr id="inspection-', text(client.get(reverse("inspections:schedule")))))
                == count
            )
        with django_assert_num_queries(9):
            assert (
                len(re.findall(r'<tr id="finding-', text(client.get(reverse("inspections:findings")))))
                == 3 * count
            )
        with django_assert_num_queries(9):
            client.get(reverse("inspections:board"))


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils is installed by .ci/run")
def test_the_feedback_is_printed_once_submitted(world, team, checklists, today, client, tmp_path):
    inspection = started(world)
    url = reverse("inspections:report", args=[inspection.pk])
    response = page(client, world.officer, url)
    assert response.status_code == 400
    assert "The feedback is printed once the inspection is submitted." in text(response)
    score_all(inspection, world.inspector, {"1.2": {"score": "2", "note": "未上墙"}})
    attach(inspection, world.inspector, MMT_EVIDENCE)
    services.inspection_submit(actor=world.inspector, inspection=inspection)
    response = page(client, world.director_a, url)
    assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")
    pdf = tmp_path / "feedback.pdf"
    pdf.write_bytes(response.content)
    words = " ".join(poppler("pdftotext", "-layout", str(pdf), "-").split())
    assert "Joint inspection feedback" in words
    assert "Score 97%" in words
    assert (
        "1 门诊负责人明确，岗位职责和工作流程上墙公示：未上墙 南安市美沙酮维持治疗门诊 2026-06-19 Open"
        in words
    )
    assert AuditEntry.objects.filter(action="inspection.report.print", actor=world.director_a).count() == 1
