"""The rectification state machine: every valid and invalid step, and who may take each."""

from __future__ import annotations

import datetime as dt

import pytest

from jiedu.core.errors import DomainError, FieldErrors, PermissionDenied
from jiedu.core.models import AppendOnlyError, AuditEntry
from jiedu.inspections import services
from jiedu.inspections.models import Evidence, Rectification, RectificationStep
from jiedu.inspections.tests.conftest import TODAY
from jiedu.inspections.tests.data import attach, items, pdf, photo, score_all, started, submitted

pytestmark = pytest.mark.django_db


@pytest.fixture
def findings(world, team, checklists, today) -> list[Rectification]:
    submitted(world)
    return list(Rectification.objects.order_by("number"))


def answer(world, rectification, note="已整改，岗位职责已上墙", files=None):
    return services.rectification_respond(
        actor=world.director_a,
        rectification=rectification,
        note=note,
        uploads=[photo()] if files is None else files,
    )


def steps(rectification):
    return list(rectification.steps.order_by("pk").values_list("kind", "by__username"))


def test_the_owner_answers_with_evidence(world, findings, at):
    first = findings[0]
    at(dt.date(2026, 6, 1), 15)
    answered = answer(world, first, files=[photo(), pdf()])
    assert (answered.status, answered.responded_at) == (
        "responded",
        dt.datetime(2026, 6, 1, 7, 0, tzinfo=dt.UTC),
    )
    step = first.steps.get(kind="responded")
    assert (step.by_id, step.note) == (world.director_a.pk, "已整改，岗位职责已上墙")
    assert list(Evidence.objects.filter(step=step).values_list("kind", "inspection_id", "item_id")) == [
        ("photo", first.inspection_id, None),
        ("document", first.inspection_id, None),
    ]
    entry = AuditEntry.objects.get(action="rectification.respond")
    assert (entry.actor_id, entry.detail) == (
        world.director_a.pk,
        {"inspection": first.inspection_id, "number": 1, "status": "responded", "evidence": 2},
    )


@pytest.mark.parametrize("persona", ["nurse_a", "officer", "inspector"])
def test_only_the_owner_organisation_answers(world, findings, persona):
    with pytest.raises(PermissionDenied) as exc:
        services.rectification_respond(
            actor=world.users[persona], rectification=findings[0], note="已整改", uploads=[photo()]
        )
    assert exc.value.message == "Only 南安市美沙酮维持治疗门诊 answers this finding."
    assert RectificationStep.objects.filter(kind="responded").count() == 0


def test_an_answer_needs_a_note_and_the_required_evidence(world, findings):
    with pytest.raises(FieldErrors) as exc:
        services.rectification_respond(
            actor=world.director_a, rectification=findings[0], note=" ", uploads=[]
        )
    assert exc.value.fields == {
        "note": ["Say what was done to rectify the finding."],
        "files": ["This finding requires evidence: attach a photo or document of the rectification."],
    }
    Rectification.objects.filter(pk=findings[1].pk).update(evidence_required=False)
    findings[1].refresh_from_db()
    assert answer(world, findings[1], files=[]).status == "responded"
    assert Rectification.objects.get(pk=findings[0].pk).status == "open"


def test_verify_then_close_and_the_inspection_closes_with_its_last_finding(world, findings, at):
    for rectification in findings:
        answer(world, rectification)
    services.rectification_verify(actor=world.inspector, rectification=findings[0], note="现场复核属实")
    services.rectification_verify(actor=world.officer, rectification=findings[1])
    services.rectification_verify(actor=world.inspector, rectification=findings[2])
    at(dt.date(2026, 6, 10))
    services.rectification_close(actor=world.officer, rectification=findings[0])
    services.rectification_close(actor=world.inspector, rectification=findings[1])
    inspection = findings[0].inspection
    inspection.refresh_from_db()
    assert inspection.status == "submitted"
    closed = services.rectification_close(
        actor=world.inspector, rectification=findings[2], note="全部整改到位"
    )
    assert (closed.status, closed.closed_at) == ("closed", dt.datetime(2026, 6, 10, 1, 0, tzinfo=dt.UTC))
    inspection.refresh_from_db()
    assert (inspection.status, inspection.closed_at) == (
        "closed",
        dt.datetime(2026, 6, 10, 1, 0, tzinfo=dt.UTC),
    )
    assert list(inspection.events.order_by("pk").values_list("kind", "by__username")) == [
        ("planned", "officer"),
        ("started", "inspector"),
        ("submitted", "inspector"),
        ("closed", "inspector"),
    ]
    assert steps(findings[0]) == [
        ("opened", "inspector"),
        ("responded", "director_a"),
        ("verified", "inspector"),
        ("closed", "officer"),
    ]
    actions = list(
        AuditEntry.objects.filter(action__startswith="rectification.")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert (
        actions == ["rectification.respond"] * 3 + ["rectification.verify"] * 3 + ["rectification.close"] * 3
    )
    assert AuditEntry.objects.filter(action="inspection.close").count() == 1


def test_rejected_on_verification_the_item_reopens_with_a_new_deadline(world, findings, at):
    first = findings[0]
    answer(world, first)
    with pytest.raises(FieldErrors) as exc:
        services.rectification_reject(actor=world.inspector, rectification=first, note="", deadline=TODAY)
    assert exc.value.fields == {
        "note": ["Say why the answer is not accepted."],
        "deadline": ["The deadline is a day after today."],
    }
    reopened = services.rectification_reject(
        actor=world.inspector,
        rectification=first,
        note="照片不清晰，未见公示内容",
        deadline=dt.date(2026, 7, 1),
    )
    assert (reopened.status, reopened.deadline) == ("open", dt.date(2026, 7, 1))
    assert list(first.steps.order_by("pk").values_list("kind", "deadline")) == [
        ("opened", dt.date(2026, 6, 19)),
        ("responded", None),
        ("rejected", dt.date(2026, 7, 1)),
    ]
    at(dt.date(2026, 6, 25))
    again = answer(world, first, note="已重新公示并拍照")
    assert again.status == "responded"
    assert AuditEntry.objects.get(action="rectification.reject").detail == {
        "inspection": first.inspection_id,
        "number": 1,
        "status": "open",
        "deadline": "2026-07-01",
    }


@pytest.mark.parametrize("persona", ["director_a", "cdc", "police", "nurse_a"])
def test_only_the_inspecting_body_verifies_rejects_and_closes(world, findings, persona):
    first = findings[0]
    answer(world, first)
    refusal = "Only the inspection's team or its inspecting body verifies the answers."
    for step in (
        lambda: services.rectification_verify(actor=world.users[persona], rectification=first),
        lambda: services.rectification_reject(
            actor=world.users[persona], rectification=first, note="不行", deadline=dt.date(2026, 7, 1)
        ),
        lambda: services.rectification_close(actor=world.users[persona], rectification=first),
    ):
        with pytest.raises(PermissionDenied) as exc:
            step()
        assert exc.value.message == refusal
    first.refresh_from_db()
    assert first.status == "responded"


def test_an_officer_of_another_county_is_not_the_inspecting_body(world, findings):
    from jiedu.accounts.models import Role, RoleAssignment, User
    from jiedu.registry.models import Organisation, OrganisationType

    office = Organisation.objects.create(
        name="晋江市卫生健康局", type=OrganisationType.HEALTH_COMMISSION, region=world.other_county
    )
    stranger = User.objects.create_user(username="jinjiang_officer", password="x", organisation=office)
    RoleAssignment.objects.create(user=stranger, role=Role.HEALTH_OFFICER)
    answer(world, findings[0])
    with pytest.raises(PermissionDenied):
        services.rectification_verify(actor=stranger, rectification=findings[0])


def test_nobody_verifies_their_own_answer(world, team, checklists, today):
    """A county's working group is inspected through its commission: the commission's officer answers the finding,
    and another member of the inspecting body verifies it."""
    working_group = services.template_create(
        actor=world.officer, code="working_group", title_zh="区县工作组督导检查表", title_en="District working group",
        target_type="working_group",
    )  # fmt: skip
    section = services.section_add(actor=world.officer, version=working_group, title_zh="工作机制")
    services.item_add(
        actor=world.officer,
        section=section,
        spec=services.ItemSpec(text="成员单位积极参与，部门联动顺畅", max_score="100", rule="graded"),
    )
    services.version_publish(actor=world.officer, version=working_group)
    inspection = started(world, code="working_group", target=world.commission)
    score_all(inspection, world.inspector, {"1.1": {"score": "60", "note": "个别成员单位不积极"}})
    services.inspection_submit(actor=world.inspector, inspection=inspection)
    finding = Rectification.objects.get()
    assert finding.owner_id == world.commission.pk
    services.rectification_respond(
        actor=world.officer, rectification=finding, note="已召开联席会议", uploads=[pdf()]
    )
    with pytest.raises(PermissionDenied) as exc:
        services.rectification_verify(actor=world.officer, rectification=finding)
    assert exc.value.message == "An answer is verified by someone other than the person who gave it."
    with pytest.raises(PermissionDenied):
        services.rectification_reject(
            actor=world.officer, rectification=finding, note="x", deadline=dt.date(2026, 7, 1)
        )
    assert services.rectification_verify(actor=world.inspector, rectification=finding).status == "verified"
    assert items(inspection)["1.1"].text == "成员单位积极参与，部门联动顺畅"


INVALID = [
    ("open", "verify", "Only an answered item is verified: this one awaits its owner's answer."),
    ("open", "reject", "Only an answered item is rejected: this one awaits its owner's answer."),
    ("open", "close", "Only a verified item is closed: this one awaits its owner's answer."),
    ("responded", "respond", "This item was answered already and awaits verification."),
    ("responded", "close", "Only a verified item is closed: verify the answer first."),
    ("verified", "respond", "This item was verified: it is no longer answered."),
    ("verified", "verify", "This item was verified already."),
    ("verified", "reject", "This item was verified: it can only be closed."),
    ("closed", "respond", "This item is closed: nothing more is done to it."),
    ("closed", "verify", "This item is closed: nothing more is done to it."),
    ("closed", "reject", "This item is closed: nothing more is done to it."),
    ("closed", "close", "This item is closed: nothing more is done to it."),
]


def _bring_to(world, rectification, status):
    if status in ("responded", "verified", "closed"):
        answer(world, rectification)
    if status in ("verified", "closed"):
        services.rectification_verify(actor=world.inspector, rectification=rectification)
    if status == "closed":
        services.rectification_close(actor=world.inspector, rectification=rectification)


@pytest.mark.parametrize(("status", "step", "message"), INVALID)
def test_invalid_steps_are_refused_with_a_message_and_change_nothing(world, findings, status, step, message):
    rectification = findings[0]
    _bring_to(world, rectification, status)
    before = (steps(rectification), AuditEntry.objects.count())
    call = {
        "respond": lambda: services.rectification_respond(
            actor=world.director_a, rectification=rectification, note="再答", uploads=[photo()]
        ),
        "verify": lambda: services.rectification_verify(actor=world.officer, rectification=rectification),
        "reject": lambda: services.rectification_reject(
            actor=world.officer, rectification=rectification, note="不行", deadline=dt.date(2026, 7, 1)
        ),
        "close": lambda: services.rectification_close(actor=world.officer, rectification=rectification),
    }[step]
    with pytest.raises(DomainError) as exc:
        call()
    assert exc.value.message == message
    rectification.refresh_from_db()
    assert rectification.status == status
    assert (steps(rectification), AuditEntry.objects.count()) == before


def test_steps_are_append_only(world, findings):
    with pytest.raises(AppendOnlyError):
        RectificationStep.objects.filter(rectification=findings[0]).update(note="改")
    with pytest.raises(AppendOnlyError):
        findings[0].steps.first().delete()


def test_a_clean_inspection_closes_at_submission(world, team, checklists, today):
    inspection = started(world)
    score_all(inspection, world.inspector)
    attach(inspection, world.inspector, ["1.1", "3.1", "4.1", "5.1"])
    services.inspection_submit(actor=world.inspector, inspection=inspection)
    inspection.refresh_from_db()
    assert (inspection.status, inspection.rectifications.count()) == ("closed", 0)
    assert list(inspection.events.order_by("pk").values_list("kind", flat=True)) == [
        "planned",
        "started",
        "submitted",
        "closed",
    ]
