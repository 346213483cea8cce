"""The seeded checklists, and versioning: a published version is frozen; a change is a new draft copied from the
last version, edited and published; inspections keep the version they were planned with."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jiedu.core.errors import DomainError, FieldErrors, PermissionDenied
from jiedu.core.models import AuditEntry
from jiedu.inspections import services
from jiedu.inspections.models import Item, Section, Template, TemplateVersion
from jiedu.inspections.selectors import numbered_items, published_versions, template_list, template_versions
from jiedu.inspections.services import ItemSpec
from jiedu.inspections.tests.data import items, plan, score_all

pytestmark = pytest.mark.django_db


def outline(version):
    return [
        (
            s.title_zh,
            s.title_en,
            [
                (i.max_score, i.rule, i.deduction, i.evidence_required, i.fact_key)
                for i in s.items.order_by("order")
            ],
        )
        for s in version.sections.order_by("order")
    ]


def test_three_checklists_of_100_points_each(checklists):
    assert sorted(checklists) == ["compulsory_unit", "five_special", "mmt_joint"]
    summary = {
        code: (
            v.template.target_type,
            v.status,
            v.items.count(),
            v.sections.count(),
            sum(i.max_score for i in v.items.all()),
        )
        for code, v in checklists.items()
    }
    assert summary == {
        "mmt_joint": ("mmt_clinic", "published", 21, 7, Decimal("100")),
        "five_special": ("store_holder", "published", 15, 6, Decimal("100")),
        "compulsory_unit": ("compulsory_unit", "published", 14, 6, Decimal("100")),
    }


def test_the_mmt_checklist_follows_the_joint_supervision(checklists):
    version = checklists["mmt_joint"]
    assert (version.template.title_zh, version.template.title_en) == (
        "美沙酮维持治疗门诊联合督导检查表",
        "Joint supervision of an MMT clinic",
    )
    assert [
        (s.title_zh, sum(i.max_score for i in s.items.all())) for s in version.sections.order_by("order")
    ] == [
        ("组织管理", 15),
        ("工作机制与部门联动", 15),
        ("门诊安全", 10),
        ("药品管理", 20),
        ("美沙酮口服溶液储存", 10),
        ("防止擅自带药与治疗依从", 15),
        ("人员配备与激励", 15),
    ]
    numbered = {n: i for n, i in numbered_items(version)}
    assert numbered["4.2"].text == "专用账册逐日登记，日清日结，账物相符"
    assert (numbered["4.2"].rule, numbered["4.2"].deduction, numbered["4.2"].fact_key) == (
        "deduction",
        Decimal("1.0"),
        "stock_variances",
    )
    assert [n for n, i in numbered.items() if i.evidence_required] == ["1.1", "3.1", "4.1", "5.1"]
    assert {n: i.fact_key for n, i in numbered.items() if i.fact_key} == {
        "2.1": "overdue_reports",
        "4.2": "stock_variances",
        "4.3": "overdue_stocktakes",
        "4.4": "seal_card",
        "5.2": "last_day_close",
        "6.3": "dropout_rate",
        "6.4": "retention",
    }


def test_the_five_special_and_compulsory_unit_checklists(checklists):
    assert [s.title_zh for s in checklists["five_special"].sections.order_by("order")] == [
        "专人负责",
        "专柜加锁",
        "专用账册",
        "专用处方",
        "专册登记",
        "丢失被盗报告与印鉴卡",
    ]
    assert [s.title_zh for s in checklists["compulsory_unit"].sections.order_by("order")] == [
        "机构设置健全",
        "设施设备完善",
        "人员结构合理",
        "规章制度完备",
        "社会协作贯通",
        "能力水平达标",
    ]
    equipment = dict(numbered_items(checklists["compulsory_unit"]))["2.1"]
    assert (equipment.max_score, equipment.rule, equipment.deduction, equipment.evidence_required) == (
        Decimal("15.0"),
        "deduction",
        Decimal("5.0"),
        True,
    )


def test_seeding_again_changes_nothing(checklists):
    from jiedu.inspections.tests.data import ensure_checklists

    before = (Template.objects.count(), TemplateVersion.objects.count(), Item.objects.count())
    ensure_checklists()
    assert (
        (Template.objects.count(), TemplateVersion.objects.count(), Item.objects.count())
        == before
        == (3, 3, 50)
    )


# --- drafting and publishing --------------------------------------------------------------------------------


def test_a_new_version_is_a_copy_of_the_last_one(world, checklists, today):
    published = checklists["five_special"]
    draft = services.version_draft(actor=world.officer, template=published.template)
    assert (draft.number, draft.status, draft.based_on_id, draft.created_by_id) == (
        2,
        "draft",
        published.pk,
        world.officer.pk,
    )
    assert outline(draft) == outline(published)
    assert Item.objects.filter(version=draft).count() == 15
    entry = AuditEntry.objects.filter(action="inspection.version.draft").get()
    assert entry.detail == {"template": "five_special", "version": 2, "based_on": 1}


def test_one_draft_at_a_time(world, checklists, today):
    template = checklists["five_special"].template
    services.version_draft(actor=world.officer, template=template)
    with pytest.raises(DomainError) as exc:
        services.version_draft(actor=world.officer, template=template)
    assert (
        exc.value.message == "Version 2 of this checklist is a draft already: edit it, or publish it first."
    )


def test_only_health_and_narcotics_officers_keep_the_checklists(world, checklists):
    with pytest.raises(PermissionDenied) as exc:
        services.version_draft(actor=world.inspector, template=checklists["mmt_joint"].template)
    assert exc.value.message == "Only health and narcotics officers keep the inspection checklists."
    assert TemplateVersion.objects.count() == 3


def test_a_published_version_is_frozen(world, checklists, today):
    published = checklists["mmt_joint"]
    section = published.sections.order_by("order").first()
    item = published.items.order_by("section__order", "order").first()
    spec = ItemSpec(text="改", max_score="5", rule="graded")
    frozen = "Version 1 is published and frozen: draft a new version to change the checklist."
    attempts = [
        lambda: services.section_add(actor=world.officer, version=published, title_zh="新"),
        lambda: services.section_update(actor=world.officer, section=section, title_zh="新"),
        lambda: services.section_delete(actor=world.officer, section=section),
        lambda: services.item_add(actor=world.officer, section=section, spec=spec),
        lambda: services.item_update(actor=world.officer, item=item, spec=spec),
        lambda: services.item_delete(actor=world.officer, item=item),
        lambda: services.version_publish(actor=world.officer, version=published),
    ]
    before = outline(published)
    for attempt in attempts:
        with pytest.raises(DomainError) as exc:
            attempt()
        assert exc.value.message == frozen
    assert outline(published) == before


def test_edit_and_publish_a_draft(world, checklists, today):
    draft = services.version_draft(actor=world.officer, template=checklists["mmt_joint"].template)
    sections = list(draft.sections.order_by("order"))
    # Make room in 组织管理 (15 → 10) for a new section of 5 points.
    first = sections[0].items.order_by("order").last()
    services.item_update(
        actor=world.officer, item=first, spec=ItemSpec(text=first.text, max_score="0.5", rule="graded")
    )
    with pytest.raises(FieldErrors) as exc:
        services.version_publish(actor=world.officer, version=draft)
    assert exc.value.fields == {
        "publish": ["The items' maximum scores add up to 95.5; a published checklist adds up to 100."]
    }
    services.item_delete(actor=world.officer, item=first)
    section = services.section_add(
        actor=world.officer, version=draft, title_zh="信息化建设", title_en="Information systems"
    )
    with pytest.raises(FieldErrors) as exc:
        services.version_publish(actor=world.officer, version=draft)
    assert exc.value.fields["publish"] == [
        "These sections have no items: Information systems.",
        "The items' maximum scores add up to 95; a published checklist adds up to 100.",
    ]
    item = services.item_add(
        actor=world.officer,
        section=section,
        spec=ItemSpec(
            text="按规定使用全国美沙酮维持治疗信息系统，数据及时上报",
            max_score="5",
            rule="deduction",
            deduction="1",
            fact_key="",
        ),
    )
    assert (item.order, item.version_id, item.deduction) == (1, draft.pk, Decimal("1"))
    published = services.version_publish(actor=world.officer, version=draft, note="增加信息化建设一节")
    published.refresh_from_db()
    assert (published.status, published.published_by_id, published.note) == (
        "published",
        world.officer.pk,
        "增加信息化建设一节",
    )
    assert [v.number for v in published_versions()] == [1, 1, 2]
    assert [r.published.number for r in template_list()] == [1, 1, 2]
    assert [(r.version.number, r.items, r.total) for r in template_versions(draft.template)] == [
        (2, 21, Decimal("100")),
        (1, 21, Decimal("100")),
    ]
    actions = list(
        AuditEntry.objects.filter(action__startswith="inspection.version")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == [
        "inspection.version.draft",
        "inspection.version.edit",
        "inspection.version.edit",
        "inspection.version.edit",
        "inspection.version.edit",
        "inspection.version.publish",
    ]


def test_a_new_version_does_not_change_past_inspections(world, team, checklists, today):
    inspection = plan(world)
    services.inspection_start(actor=world.inspector, inspection=inspection)
    score_all(inspection, world.inspector)
    draft = services.version_draft(actor=world.officer, template=checklists["mmt_joint"].template)
    first = draft.items.order_by("section__order", "order").first()
    services.item_update(
        actor=world.officer, item=first, spec=ItemSpec(text="新的条目", max_score="5", rule="graded")
    )
    services.version_publish(actor=world.officer, version=draft)
    inspection.refresh_from_db()
    assert inspection.version_id == checklists["mmt_joint"].pk
    assert (
        items(inspection)["1.1"].text
        == "门诊设置经省级卫生健康行政部门批准，执业许可、戒毒医疗资质等证照齐全有效"
    )
    later = plan(world)
    assert later.version_id == draft.pk
    assert items(later)["1.1"].text == "新的条目"


def test_item_settings_are_checked_by_field(world, checklists, today):
    draft = services.version_draft(actor=world.officer, template=checklists["mmt_joint"].template)
    section = draft.sections.order_by("order").first()
    with pytest.raises(FieldErrors) as exc:
        services.item_add(
            actor=world.officer,
            section=section,
            spec=ItemSpec(text="", max_score="abc", rule="pass_fail", deduction="1", fact_key="weather"),
        )
    assert exc.value.fields == {
        "text": ["Say what is checked."],
        "max_score": ["Enter a number."],
        "deduction": ["Only an item scored by deduction has a deduction per instance."],
        "fact_key": ["Choose a fact the system knows, or none."],
    }
    assert section.items.count() == 3


def test_a_new_checklist_starts_as_an_empty_draft(world, checklists, today):
    version = services.template_create(
        actor=world.officer,
        code="working_group",
        title_zh="区县工作组督导检查表",
        title_en="District working group",
        target_type="working_group",
    )
    assert (version.number, version.status, version.template.target_type, version.sections.count()) == (
        1,
        "draft",
        "working_group",
        0,
    )
    with pytest.raises(FieldErrors) as exc:
        services.template_create(
            actor=world.officer, code="working_group", title_zh="", title_en="", target_type="x"
        )
    assert exc.value.fields == {
        "code": ["A checklist with the code working_group exists already."],
        "title_zh": ["Give the title in Chinese."],
        "title_en": ["Give the title in English."],
        "target_type": ["Choose what the checklist inspects."],
    }
    with pytest.raises(FieldErrors) as exc:
        services.template_create(
            actor=world.officer, code="New Form", title_zh="a", title_en="b", target_type="mmt_clinic"
        )
    assert exc.value.fields == {
        "code": ["Use 2–64 lower-case letters, digits, hyphens or underscores, starting with a letter."]
    }


def test_removing_a_section_removes_its_items(world, checklists, today):
    draft = services.version_draft(actor=world.officer, template=checklists["mmt_joint"].template)
    section = draft.sections.order_by("order").last()
    services.section_delete(actor=world.officer, section=section)
    assert Section.objects.filter(version=draft).count() == 6
    assert draft.items.count() == 18
    assert checklists["mmt_joint"].items.count() == 21
