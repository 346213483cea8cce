"""Planning, starting, scoring item by item, evidence, and submission into findings."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest

from jiedu.core.errors import DomainError, FieldErrors, PermissionDenied
from jiedu.core.models import AppendOnlyError, AuditEntry
from jiedu.inspections import services
from jiedu.inspections.evidence import Upload
from jiedu.inspections.models import (
    Evidence,
    Inspection,
    InspectionEvent,
    Rectification,
    RectificationStep,
    Response,
    TeamMember,
)
from jiedu.inspections.selectors import latest_responses, sheet
from jiedu.inspections.tests.conftest import TODAY
from jiedu.inspections.tests.data import (
    MMT_EVIDENCE,
    MMT_FINDINGS,
    attach,
    items,
    pdf,
    photo,
    plan,
    score_all,
    started,
    submitted,
)
from jiedu.registry.models import Organisation, OrganisationType

pytestmark = pytest.mark.django_db
D = Decimal


def audit_actions(prefix: str = "inspection.") -> list[str]:
    return list(
        AuditEntry.objects.filter(action__startswith=prefix).order_by("seq").values_list("action", flat=True)
    )


# --- planning -----------------------------------------------------------------------------------------------


def test_plan_an_inspection(world, team, checklists, today):
    inspection = plan(world, on=dt.date(2026, 5, 27), announced=False)
    assert (
        inspection.status,
        inspection.inspecting_organisation_id,
        inspection.target_id,
        inspection.version_id,
        inspection.announced,
        inspection.planned_by_id,
    ) == (
        "planned",
        world.commission.pk,
        world.clinic_a.pk,
        checklists["mmt_joint"].pk,
        False,
        world.officer.pk,
    )
    assert list(inspection.events.values_list("kind", "by__username")) == [("planned", "officer")]
    entry = AuditEntry.objects.get(action="inspection.plan")
    assert entry.detail == {
        "target": world.clinic_a.pk,
        "status": "planned",
        "template": "mmt_joint",
        "version": 1,
        "team": team.pk,
        "scheduled_on": "2026-05-27",
        "announced": False,
    }


def test_planning_checks_each_field(world, team, checklists, today):
    draft = services.version_draft(actor=world.officer, template=checklists["mmt_joint"].template)
    with pytest.raises(FieldErrors) as exc:
        services.inspection_plan(
            actor=world.officer,
            version=draft,
            team=None,
            target=world.clinic_elsewhere,
            scheduled_on=dt.date(2026, 5, 19),
        )
    assert exc.value.fields == {
        "version": ["Choose a published checklist."],
        "team": ["Choose the team."],
        "target": ["晋江市美沙酮门诊 is outside your region."],
        "scheduled_on": ["The date of a planned inspection is today or later."],
    }
    with pytest.raises(FieldErrors) as exc:
        services.inspection_plan(
            actor=world.officer,
            version=checklists["mmt_joint"],
            team=team,
            target=world.police,
            scheduled_on=TODAY,
        )
    assert exc.value.fields == {
        "target": ["This checklist inspects MMT clinic; choose such an organisation."]
    }
    assert Inspection.objects.count() == 0


def test_only_officers_plan(world, team, checklists, today):
    with pytest.raises(PermissionDenied) as exc:
        services.inspection_plan(
            actor=world.inspector,
            version=checklists["mmt_joint"],
            team=team,
            target=world.clinic_a,
            scheduled_on=TODAY,
        )
    assert exc.value.message == "Only health and narcotics officers plan inspections."


def test_a_team_has_members_of_the_region_who_may_inspect(world, checklists, today):
    with pytest.raises(FieldErrors) as exc:
        services.team_create(
            actor=world.officer,
            name="",
            members=[world.inspector, world.users["nurse_a"]],
            leader=world.users["police"],
        )
    assert exc.value.fields == {
        "name": ["Name the team."],
        "members": ["These people cannot inspect in your region: nurse_a."],
        "leader": ["The leader is one of the team's members."],
    }
    with pytest.raises(FieldErrors) as exc:
        services.team_create(
            actor=world.officer, name="单人组", members=[world.inspector], leader=world.inspector
        )
    assert exc.value.fields == {"members": ["A joint team has at least two members."]}
    team = services.team_create(
        actor=world.officer,
        name="五专检查组",
        members=[world.inspector, world.users["cdc"]],
        leader=world.users["cdc"],
    )
    assert sorted(team.members.values_list("user__username", "is_leader")) == [
        ("cdc", True),
        ("inspector", False),
    ]
    assert team.lead_organisation_id == world.commission.pk
    updated = services.team_update(
        actor=world.officer,
        team=team,
        name="五专联合检查组",
        members=[world.inspector, world.users["police"]],
        leader=world.inspector,
    )
    assert updated.name == "五专联合检查组"
    assert sorted(team.members.values_list("user__username", "is_leader")) == [
        ("inspector", True),
        ("police", False),
    ]
    assert AuditEntry.objects.get(action="inspection.team.update").detail == {
        "name": "五专联合检查组",
        "members_before": ["cdc", "inspector"],
        "members": ["inspector", "police"],
        "leader": "inspector",
    }


def test_cancel_a_planned_inspection_with_a_reason(world, team, checklists, today):
    inspection = plan(world, on=dt.date(2026, 6, 1))
    with pytest.raises(FieldErrors) as exc:
        services.inspection_cancel(actor=world.officer, inspection=inspection, reason=" ")
    assert exc.value.fields == {"reason": ["Say why the inspection is cancelled."]}
    services.inspection_cancel(actor=world.officer, inspection=inspection, reason="防汛期间改期")
    inspection.refresh_from_db()
    assert inspection.status == "cancelled"
    assert list(inspection.events.values_list("kind", "note")) == [
        ("planned", ""),
        ("cancelled", "防汛期间改期"),
    ]
    with pytest.raises(DomainError) as exc:
        services.inspection_cancel(actor=world.officer, inspection=inspection, reason="再次")
    assert exc.value.message == "Only a planned inspection is cancelled: this one has begun."


# --- starting -----------------------------------------------------------------------------------------------


def test_a_team_member_starts_it_on_its_day(world, team, checklists, at, today):
    inspection = plan(world, on=dt.date(2026, 5, 22))
    with pytest.raises(DomainError) as exc:
        services.inspection_start(actor=world.inspector, inspection=inspection)
    assert exc.value.message == "This inspection is planned for 2026-05-22: it starts on that day or later."
    with pytest.raises(PermissionDenied) as exc:
        services.inspection_start(actor=world.officer, inspection=inspection)
    assert exc.value.message == "Only the members of the inspection's team conduct it."
    at(dt.date(2026, 5, 22), 8, 30)
    services.inspection_start(actor=world.users["police"], inspection=inspection)
    inspection.refresh_from_db()
    assert inspection.status == "in_progress"
    assert inspection.started_at == dt.datetime(2026, 5, 22, 0, 30, tzinfo=dt.UTC)
    with pytest.raises(DomainError) as exc:
        services.inspection_start(actor=world.inspector, inspection=inspection)
    assert exc.value.message == "This inspection has started already."


# --- scoring ------------------------------------------------------------------------------------------------


def test_each_scoring_rule_with_a_message_naming_the_item(world, team, checklists, today):
    inspection = started(world)
    by_number = items(inspection)
    record = lambda number, **entered: services.response_record(  # noqa: E731
        actor=world.inspector, inspection=inspection, item=by_number[number], **entered
    )
    assert record("1.1", result="pass").response.score == D("5")
    assert record("3.1", result="fail").response.score == D("0")
    assert record("1.2", score="3.5").response.score == D("3.5")
    made = record("4.2", instances="3").response
    assert (made.score, made.instances) == (D("2"), 3)
    assert record("6.2", instances="5").response.score == D("0")
    cases = [
        ("1.1", {"result": ""}, "1.1 门诊设置经省级卫生健康行政部门批准，执业许可、戒…: choose pass or fail."),
        ("1.2", {"score": "6"}, "1.2 门诊负责人明确，岗位职责和工作流程上墙公示: enter a score from 0 to 5 (at most one decimal place)."),
        ("4.2", {"instances": "-1"}, "4.2 专用账册逐日登记，日清日结，账物相符: enter the number of instances found (0 or more); each deducts 1."),
    ]  # fmt: skip
    for number, entered, message in cases:
        with pytest.raises(FieldErrors) as exc:
            record(number, **entered)
        assert exc.value.fields == {"score": [message]}
    with pytest.raises(FieldErrors) as exc:
        record("7.1", not_applicable=True)
    assert exc.value.fields == {
        "note": ["7.1 按规定配备医师、护士、药剂人员，持证上岗: say why the item does not apply."]
    }
    assert Response.objects.count() == 5


def test_a_rescore_is_a_new_row_and_the_latest_counts(world, team, checklists, at, today):
    inspection = started(world)
    item = items(inspection)["1.2"]
    first = services.response_record(actor=world.inspector, inspection=inspection, item=item, score="5")
    same = services.response_record(actor=world.inspector, inspection=inspection, item=item, score="5.0")
    assert (same.changed, same.response.pk) == (False, first.response.pk)
    at(TODAY, 10)
    second = services.response_record(
        actor=world.users["cdc"], inspection=inspection, item=item, score="4", note="流程图未更新"
    )
    assert second.changed is True
    assert list(Response.objects.filter(item=item).values_list("seq", "score", "by__username", "note")) == [
        (1, D("5.0"), "inspector", ""),
        (2, D("4.0"), "cdc", "流程图未更新"),
    ]
    assert latest_responses(inspection)[item.pk].seq == 2
    with pytest.raises(AppendOnlyError):
        Response.objects.filter(item=item).update(score=D("5"))
    made = sheet(inspection)
    block = made.block_of(item.pk)
    assert (block.totals.scored, block.totals.maximum, block.totals.answered) == (D("4"), D("15"), 1)
    assert [r.seq for r in made.row_of(item.pk).history] == [1, 2]
    assert AuditEntry.objects.filter(action="inspection.score").count() == 2


def test_totals_per_section_and_overall(world, team, checklists, today):
    inspection = started(world)
    score_all(
        inspection,
        world.inspector,
        {**MMT_FINDINGS, "7.3": {"not_applicable": True, "note": "新设门诊，人员未满一年"}},
    )
    made = sheet(inspection)
    per_section = [(b.number, b.totals.scored, b.totals.maximum) for b in made.blocks]
    assert per_section == [
        (1, D("12"), D("15")),
        (2, D("15"), D("15")),
        (3, D("10"), D("10")),
        (4, D("15"), D("20")),
        (5, D("10"), D("10")),
        (6, D("11"), D("15")),
        (7, D("10"), D("10")),
    ]
    totals = made.totals
    assert (totals.scored, totals.maximum, totals.percent, totals.complete) == (
        D("83"),
        D("95"),
        D("87.4"),
        True,
    )


def test_only_team_members_score_and_only_while_in_progress(world, team, checklists, today):
    inspection = plan(world)
    item = items(inspection)["1.2"]
    with pytest.raises(DomainError) as exc:
        services.response_record(actor=world.inspector, inspection=inspection, item=item, score="5")
    assert exc.value.message == "This inspection has not started: start it first."
    services.inspection_start(actor=world.inspector, inspection=inspection)
    with pytest.raises(PermissionDenied):
        services.response_record(actor=world.officer, inspection=inspection, item=item, score="5")
    other = plan(world, code="five_special")
    foreign = items(other)["1.1"]
    with pytest.raises(DomainError) as exc:
        services.response_record(actor=world.inspector, inspection=inspection, item=foreign, result="pass")
    assert exc.value.message == "This item is not on the inspection's checklist."
    assert Response.objects.count() == 0


# --- evidence -----------------------------------------------------------------------------------------------


def test_photos_are_reencoded_and_documents_kept(world, team, checklists, today):
    inspection = started(world)
    item = items(inspection)["1.1"]
    shot = services.evidence_add(
        actor=world.inspector, inspection=inspection, item=item, upload=photo("许可证.png")
    )
    doc = services.evidence_add(actor=world.inspector, inspection=inspection, item=item, upload=pdf())
    assert (shot.kind, shot.extension, shot.name) == ("photo", ".jpg", "许可证.png")
    assert shot.file.name == f"inspections/evidence/{inspection.pk}/{shot.token}.jpg"
    assert shot.file.read(3) == b"\xff\xd8\xff"
    assert (doc.kind, doc.extension, doc.size) == ("document", ".pdf", 45)
    assert [
        e["detail"]["kind"]
        for e in AuditEntry.objects.filter(action="inspection.evidence").order_by("seq").values("detail")
    ] == [
        "photo",
        "document",
    ]


def test_other_files_are_refused(world, team, checklists, settings, today):
    inspection = started(world)
    item = items(inspection)["1.1"]
    text = b"not a photo"
    with pytest.raises(FieldErrors) as exc:
        services.evidence_add(
            actor=world.inspector,
            inspection=inspection,
            item=item,
            upload=Upload(io.BytesIO(text), "a.jpg", len(text)),
        )
    assert exc.value.fields == {"file": ["a.jpg is neither a photo (JPEG, PNG, WebP) nor a PDF document."]}
    settings.JIEDU_EVIDENCE_MAX_BYTES = 2048
    with pytest.raises(FieldErrors) as exc:
        services.evidence_add(
            actor=world.inspector,
            inspection=inspection,
            item=item,
            upload=Upload(io.BytesIO(b"%PDF-" + b"0" * 4000), "big.pdf", 4005),
        )
    assert exc.value.fields == {"file": ["big.pdf is 3 KB; the limit is 2 KB."]}
    assert Evidence.objects.count() == 0


# --- submission ---------------------------------------------------------------------------------------------


def test_submission_needs_every_item_scored_and_the_required_evidence(world, team, checklists, today):
    inspection = started(world)
    score_all(inspection, world.inspector, {"3.1": {"not_applicable": True, "note": "无独立服药窗口"}})
    attach(inspection, world.inspector, ["1.1"])
    with pytest.raises(FieldErrors) as exc:
        services.inspection_submit(actor=world.inspector, inspection=inspection)
    assert exc.value.fields == {
        "evidence": [
            "These items require a photo or document before submission: "
            "4.1 麻醉药品专人负责、专柜加锁，双人双锁保管; 5.1 美沙酮口服溶液储存于专用保险柜，符合麻醉药品管理…."
        ]
    }
    attach(inspection, world.inspector, ["4.1", "5.1"])
    with pytest.raises(PermissionDenied) as exc:
        services.inspection_submit(actor=world.users["cdc"], inspection=inspection)
    assert exc.value.message == "Only the team's leader submits the inspection."
    services.inspection_submit(actor=world.inspector, inspection=inspection)
    inspection.refresh_from_db()
    assert (inspection.status, inspection.score) == ("closed", D("100.0"))


def test_unscored_items_block_submission(world, team, checklists, today):
    inspection = started(world)
    services.response_record(
        actor=world.inspector, inspection=inspection, item=items(inspection)["1.1"], result="pass"
    )
    with pytest.raises(FieldErrors) as exc:
        services.inspection_submit(actor=world.inspector, inspection=inspection)
    assert exc.value.fields["responses"][0].startswith(
        "Score every item first; not yet scored: 1.2 门诊负责人明确"
    )
    assert Inspection.objects.get().status == "in_progress"


def test_findings_become_rectification_items_with_the_defaults(world, team, checklists, today):
    inspection = submitted(world)
    assert (inspection.status, inspection.score, inspection.submitted_at) == (
        "submitted",
        D("88.0"),
        dt.datetime(2026, 5, 20, 1, 0, tzinfo=dt.UTC),
    )
    rows = list(
        Rectification.objects.order_by("number").values_list(
            "number", "item__text", "owner__name", "deadline", "evidence_required", "status", "requirement"
        )
    )
    assert rows == [
        (1, "门诊负责人明确，岗位职责和工作流程上墙公示", "南安市美沙酮维持治疗门诊", dt.date(2026, 6, 19), True, "open",
         "门诊负责人明确，岗位职责和工作流程上墙公示：岗位职责未上墙"),
        (2, "麻醉药品、第一类精神药品购用印鉴卡在有效期内，到期前按规定申请换发", "南安市美沙酮维持治疗门诊", dt.date(2026, 6, 19), True, "open",
         "麻醉药品、第一类精神药品购用印鉴卡在有效期内，到期前按规定申请换发：印鉴卡已过期未换发"),
        (3, "发现擅自带药的及时制止、记录并报告", "南安市美沙酮维持治疗门诊", dt.date(2026, 6, 19), True, "open",
         "发现擅自带药的及时制止、记录并报告：2例擅自带药未记录"),
    ]  # fmt: skip
    assert (
        list(RectificationStep.objects.values_list("kind", "by__username", "deadline"))
        == [("opened", "inspector", dt.date(2026, 6, 19))] * 3
    )
    assert list(inspection.events.order_by("pk").values_list("kind", flat=True)) == [
        "planned",
        "started",
        "submitted",
    ]
    entry = AuditEntry.objects.get(action="inspection.submit")
    assert entry.detail == {
        "target": world.clinic_a.pk,
        "status": "submitted",
        "score": "88",
        "findings": ["1.2", "4.4", "6.2"],
    }
    assert audit_actions()[:4] == [
        "inspection.team.create",
        "inspection.plan",
        "inspection.start",
        "inspection.score",
    ]


def test_responses_are_frozen_after_submission(world, team, checklists, today):
    inspection = submitted(world)
    with pytest.raises(DomainError) as exc:
        services.response_record(
            actor=world.inspector, inspection=inspection, item=items(inspection)["1.2"], score="5"
        )
    assert exc.value.message == "This inspection is submitted: its scores are frozen."
    with pytest.raises(DomainError):
        services.evidence_add(
            actor=world.inspector, inspection=inspection, item=items(inspection)["1.2"], upload=photo()
        )
    with pytest.raises(DomainError) as exc:
        services.inspection_submit(actor=world.inspector, inspection=inspection)
    assert exc.value.message == "This inspection is submitted: its scores are frozen."


def test_a_full_score_marked_as_a_finding_and_terms_set_per_finding(world, team, checklists, today):
    police = world.police
    inspection = started(world)
    score_all(
        inspection,
        world.inspector,
        {"2.1": {"score": "5", "flagged": True, "note": "派出所未回执"}, "1.2": {"score": "4"}},
    )
    attach(inspection, world.inspector, MMT_EVIDENCE)
    by_number = items(inspection)
    services.inspection_submit(
        actor=world.inspector,
        inspection=inspection,
        terms={
            by_number["2.1"].pk: services.FindingTerms(
                owner=police,
                deadline=dt.date(2026, 6, 5),
                evidence_required=False,
                requirement="建立入组信息回执制度",
            )
        },
    )
    assert list(
        Rectification.objects.order_by("number").values_list(
            "item__order", "owner__name", "deadline", "evidence_required", "requirement"
        )
    ) == [
        (
            2,
            "南安市美沙酮维持治疗门诊",
            dt.date(2026, 6, 19),
            True,
            "门诊负责人明确，岗位职责和工作流程上墙公示",
        ),
        (1, "南安市公安局溪美派出所", dt.date(2026, 6, 5), False, "建立入组信息回执制度"),
    ]


def test_finding_terms_are_checked(world, team, checklists, today):
    inspection = started(world)
    score_all(inspection, world.inspector, {"1.2": {"score": "4"}})
    attach(inspection, world.inspector, MMT_EVIDENCE)
    item = items(inspection)["1.2"]
    with pytest.raises(FieldErrors) as exc:
        services.inspection_submit(
            actor=world.inspector,
            inspection=inspection,
            terms={item.pk: services.FindingTerms(owner=world.clinic_elsewhere, deadline=TODAY)},
        )
    assert exc.value.fields == {
        "owner": [
            "1.2 门诊负责人明确，岗位职责和工作流程上墙公示: 晋江市美沙酮门诊 cannot be given this finding."
        ],
        "deadline": ["1.2 门诊负责人明确，岗位职责和工作流程上墙公示: The deadline is a day after today."],
    }
    assert (Inspection.objects.get().status, Rectification.objects.count()) == ("in_progress", 0)


def test_the_rectification_period_is_a_policy_value(world, team, checklists, today):
    from jiedu.core.models import RegionalSetting

    RegionalSetting.objects.create(region_id="350000", key="inspections.rectification_days", value="15")
    submitted(world)
    assert set(Rectification.objects.values_list("deadline", flat=True)) == {dt.date(2026, 6, 4)}


def test_a_member_who_leaves_the_team_no_longer_conducts(world, team, checklists, today):
    inspection = started(world)
    TeamMember.objects.filter(team=team, user=world.users["cdc"]).delete()
    with pytest.raises(PermissionDenied):
        services.response_record(
            actor=world.users["cdc"], inspection=inspection, item=items(inspection)["1.2"], score="5"
        )
    assert InspectionEvent.objects.filter(kind="started").count() == 1


def test_submission_by_another_organisation_type_of_target(world, team, checklists, today):
    """五专 at a dosing point: its own checklist, its own items requiring evidence."""
    inspection = started(world, code="five_special", target=world.dosing_point_a)
    score_all(inspection, world.inspector)
    attach(inspection, world.inspector, ["1.1", "1.3", "2.1"])
    services.inspection_submit(actor=world.inspector, inspection=inspection)
    inspection.refresh_from_db()
    assert (inspection.status, inspection.score, inspection.target.type) == (
        "closed",
        D("100.0"),
        OrganisationType.DOSING_POINT,
    )
    assert Organisation.objects.get(pk=inspection.target_id).name == "溪美街道延伸服药点"
