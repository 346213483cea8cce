"""Use cases of joint inspections: checklist templates and their versions, teams, planning, conducting, submitting,
and the rectification of findings with its daily escalation.

Each use case validates first and raises ``FieldErrors`` naming the field (nothing written), then writes its rows
and its audit entry in one transaction. State changes are claimed by compare-and-set on the status, so two people
acting at the same moment get one outcome and a message.

Who does what:
* health and narcotics officers keep the checklist templates and plan inspections of the organisations in their
  region with a joint team of people from several organisations;
* only the team's members conduct an inspection; its leader submits it;
* a finding is answered by the users of its owner organisation (RECTIFICATION_RESPOND), and verified, rejected
  or closed by the inspecting body: a team member or an officer of the organisation that planned it
  (RECTIFICATION_VERIFY), never by the person who answered it.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max, Sum
from django.utils.translation import gettext as _

from jiedu.core import audit, clock
from jiedu.core.errors import DomainError, FieldErrors, PermissionDenied
from jiedu.core.policy_values import region_chain
from jiedu.core.selectors import rule_value
from jiedu.inspections import evidence as files
from jiedu.inspections import rules
from jiedu.inspections.models import (
    Escalation,
    EventKind,
    Evidence,
    FactKey,
    Inspection,
    InspectionEvent,
    InspectionStatus,
    Item,
    Rectification,
    RectificationStatus,
    RectificationStep,
    Response,
    ScoringRule,
    Section,
    StepKind,
    TargetType,
    Team,
    TeamMember,
    Template,
    TemplateVersion,
    VersionStatus,
)
from jiedu.inspections.selectors import (
    evidence_counts,
    is_member,
    latest_responses,
    numbered_items,
    team_candidates,
)
from jiedu.policy import Action, can
from jiedu.registry.models import Organisation, OrganisationType

CODE = re.compile(r"^[a-z][a-z0-9_-]{1,63}$")
NOTE_MAX = 2000
REASON_MAX = 500
TITLE_MAX = 128


def _conflict() -> DomainError:
    return DomainError(
        _("Someone else changed this at the same moment: reload the page and try again."), code="conflict"
    )


def _region_prefix(actor: Any) -> str | None:
    """The code prefix of the actor's region (None: a platform user without an organisation sees everything)."""
    org = actor.organisation
    return None if org is None else org.region.prefix


def _in_region(actor: Any, organisation: Organisation) -> bool:
    prefix = _region_prefix(actor)
    return prefix is None or organisation.region_id.startswith(prefix)


# --- templates ----------------------------------------------------------------------------------------------


def _may_keep_templates(actor: Any) -> None:
    if not can(actor, Action.INSPECTION_TEMPLATES):
        raise PermissionDenied(_("Only health and narcotics officers keep the inspection checklists."))


def _draft_only(version: TemplateVersion) -> None:
    fresh = TemplateVersion.objects.get(pk=version.pk)
    if fresh.status != VersionStatus.DRAFT:
        raise DomainError(
            _("Version %(n)d is published and frozen: draft a new version to change the checklist.")
            % {"n": fresh.number},
            code="published",
        )


def _record_version(action: str, actor: Any, version: TemplateVersion, **detail: Any) -> None:
    audit.record(
        action,
        actor=actor,
        obj=version,
        detail={"template": version.template.code, "version": version.number, **detail},
    )


def _titles(
    title_zh: str, title_en: str, errors: dict[str, list[str]], *, english_required: bool
) -> tuple[str, str]:
    title_zh, title_en = (title_zh or "").strip(), (title_en or "").strip()
    if not title_zh:
        errors["title_zh"] = [_("Give the title in Chinese.")]
    elif len(title_zh) > TITLE_MAX:
        errors["title_zh"] = [_("Keep the title under %(n)d characters.") % {"n": TITLE_MAX}]
    if english_required and not title_en:
        errors["title_en"] = [_("Give the title in English.")]
    elif len(title_en) > TITLE_MAX:
        errors["title_en"] = [_("Keep the title under %(n)d characters.") % {"n": TITLE_MAX}]
    return title_zh, title_en


def template_create(
    *, actor: Any, code: str, title_zh: str, title_en: str, target_type: str
) -> TemplateVersion:
    """A new checklist with an empty draft version 1."""
    _may_keep_templates(actor)
    errors: dict[str, list[str]] = {}
    code = (code or "").strip()
    if not CODE.match(code) or code == "new":
        errors["code"] = [
            _("Use 2–64 lower-case letters, digits, hyphens or underscores, starting with a letter.")
        ]
    elif Template.objects.filter(code=code).exists():
        errors["code"] = [_("A checklist with the code %(code)s exists already.") % {"code": code}]
    title_zh, title_en = _titles(title_zh, title_en, errors, english_required=True)
    if target_type not in TargetType.values:
        errors["target_type"] = [_("Choose what the checklist inspects.")]
    if errors:
        raise FieldErrors(errors)
    now = clock.now()
    try:
        with transaction.atomic(durable=True):
            template = Template.objects.create(
                code=code, title_zh=title_zh, title_en=title_en, target_type=target_type, created_at=now
            )
            version = TemplateVersion.objects.create(
                template=template, number=1, status=VersionStatus.DRAFT, created_at=now, created_by=actor
            )
            _record_version("inspection.template.create", actor, version, target_type=target_type)
    except IntegrityError:
        raise FieldErrors(
            {"code": [_("A checklist with the code %(code)s exists already.") % {"code": code}]}
        ) from None
    return version


def version_draft(*, actor: Any, template: Template) -> TemplateVersion:
    """A new draft version copied from the template's latest version, to edit and publish. Inspections keep the
    version they were planned with."""
    _may_keep_templates(actor)
    existing = template.versions.filter(status=VersionStatus.DRAFT).first()
    if existing is not None:
        raise DomainError(
            _("Version %(n)d of this checklist is a draft already: edit it, or publish it first.")
            % {"n": existing.number},
            code="draft_exists",
        )
    source = template.versions.order_by("-number").first()
    try:
        with transaction.atomic(durable=True):
            version = TemplateVersion.objects.create(
                template=template,
                number=(source.number if source else 0) + 1,
                status=VersionStatus.DRAFT,
                based_on=source,
                created_at=clock.now(),
                created_by=actor,
            )
            if source is not None:
                for section in source.sections.order_by("order"):
                    copy = Section.objects.create(
                        version=version,
                        order=section.order,
                        title_zh=section.title_zh,
                        title_en=section.title_en,
                    )
                    Item.objects.bulk_create(
                        [
                            Item(
                                version=version,
                                section=copy,
                                order=i.order,
                                text=i.text,
                                guidance=i.guidance,
                                max_score=i.max_score,
                                rule=i.rule,
                                deduction=i.deduction,
                                evidence_required=i.evidence_required,
                                fact_key=i.fact_key,
                            )
                            for i in section.items.order_by("order")
                        ]
                    )
            _record_version(
                "inspection.version.draft", actor, version, based_on=source.number if source else None
            )
    except IntegrityError:  # another draft made at the same moment
        raise _conflict() from None
    return version


def section_add(*, actor: Any, version: TemplateVersion, title_zh: str, title_en: str = "") -> Section:
    _may_keep_templates(actor)
    errors: dict[str, list[str]] = {}
    title_zh, title_en = _titles(title_zh, title_en, errors, english_required=False)
    if errors:
        raise FieldErrors(errors)
    try:
        with transaction.atomic(durable=True):
            _draft_only(version)
            order = (version.sections.aggregate(m=Max("order"))["m"] or 0) + 1
            section = Section.objects.create(
                version=version, order=order, title_zh=title_zh, title_en=title_en
            )
            _record_version("inspection.version.edit", actor, version, section_added=title_zh)
    except IntegrityError:
        raise _conflict() from None
    return section


def section_update(*, actor: Any, section: Section, title_zh: str, title_en: str = "") -> Section:
    _may_keep_templates(actor)
    errors: dict[str, list[str]] = {}
    title_zh, title_en = _titles(title_zh, title_en, errors, english_required=False)
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic(durable=True):
        _draft_only(section.version)
        before = section.title_zh
        Section.objects.filter(pk=section.pk).update(title_zh=title_zh, title_en=title_en)
        _record_version(
            "inspection.version.edit",
            actor,
            section.version,
            section_changed={"from": before, "to": title_zh},
        )
    section.title_zh, section.title_en = title_zh, title_en
    return section


def section_delete(*, actor: Any, section: Section) -> None:
    """Remove a section and its items from a draft."""
    _may_keep_templates(actor)
    with transaction.atomic(durable=True):
        _draft_only(section.version)
        removed = list(section.items.values_list("text", flat=True))
        section.items.all().delete()
        section.delete()
        _record_version(
            "inspection.version.edit",
            actor,
            section.version,
            section_removed=section.title_zh,
            items_removed=removed,
        )


@dataclass(frozen=True)
class ItemSpec:
    """What an item says and how it is scored, as entered on the page."""

    text: str
    max_score: str
    rule: str
    deduction: str = ""
    guidance: str = ""
    evidence_required: bool = False
    fact_key: str = ""


def _decimal(raw: str, field: str, errors: dict[str, list[str]]) -> Decimal | None:
    text = (raw or "").strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        errors[field] = [_("Enter a number.")]
        return None
    if not value.is_finite():
        errors[field] = [_("Enter a number.")]
        return None
    return value


def _item_values(spec: ItemSpec) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    text = (spec.text or "").strip()
    if not text:
        errors["text"] = [_("Say what is checked.")]
    elif len(text) > 255:
        errors["text"] = [_("Keep the item under 255 characters.")]
    guidance = (spec.guidance or "").strip()
    if len(guidance) > 255:
        errors["guidance"] = [_("Keep the guidance under 255 characters.")]
    max_score = _decimal(spec.max_score, "max_score", errors)
    deduction = _decimal(spec.deduction, "deduction", errors)
    for field, messages in rules.item_problems(
        rule=spec.rule, max_score=max_score, deduction=deduction
    ).items():
        errors.setdefault(field, messages)
    if deduction is not None and "deduction" not in errors and deduction.as_tuple().exponent < -1:  # type: ignore[operator]
        errors["deduction"] = [_("Use at most one decimal place.")]
    if spec.fact_key and spec.fact_key not in FactKey.values:
        errors["fact_key"] = [_("Choose a fact the system knows, or none.")]
    if errors:
        raise FieldErrors(errors)
    return {
        "text": text,
        "guidance": guidance,
        "max_score": max_score,
        "rule": spec.rule,
        "deduction": deduction if spec.rule == ScoringRule.DEDUCTION else None,
        "evidence_required": bool(spec.evidence_required),
        "fact_key": spec.fact_key or "",
    }


def item_add(*, actor: Any, section: Section, spec: ItemSpec) -> Item:
    _may_keep_templates(actor)
    values = _item_values(spec)
    try:
        with transaction.atomic(durable=True):
            _draft_only(section.version)
            order = (section.items.aggregate(m=Max("order"))["m"] or 0) + 1
            item = Item.objects.create(version_id=section.version_id, section=section, order=order, **values)
            _record_version(
                "inspection.version.edit",
                actor,
                section.version,
                item_added={"text": item.text, "max_score": rules.plain(item.max_score), "rule": item.rule},
            )
    except IntegrityError:
        raise _conflict() from None
    return item


def item_update(*, actor: Any, item: Item, spec: ItemSpec) -> Item:
    _may_keep_templates(actor)
    values = _item_values(spec)
    with transaction.atomic(durable=True):
        _draft_only(item.version)
        Item.objects.filter(pk=item.pk).update(**values)
        _record_version(
            "inspection.version.edit",
            actor,
            item.version,
            item_changed={
                "from": item.text,
                "to": values["text"],
                "max_score": rules.plain(values["max_score"]),
            },
        )
    for name, value in values.items():
        setattr(item, name, value)
    return item


def item_delete(*, actor: Any, item: Item) -> None:
    _may_keep_templates(actor)
    with transaction.atomic(durable=True):
        _draft_only(item.version)
        item.delete()
        _record_version("inspection.version.edit", actor, item.version, item_removed=item.text)


def version_publish(*, actor: Any, version: TemplateVersion, note: str = "") -> TemplateVersion:
    """Publish a draft: from now on it is frozen and offered for new inspections. Its items' maximum scores must
    add up to 100 and every section must have items."""
    _may_keep_templates(actor)
    note = (note or "").strip()
    if len(note) > 255:
        raise FieldErrors({"note": [_("Keep the note under 255 characters.")]})
    with transaction.atomic(durable=True):
        _draft_only(version)
        sections = [(s.title, s.items.count()) for s in version.sections.order_by("order")]
        total = version.items.aggregate(t=Sum("max_score"))["t"] or Decimal(0)
        problems = rules.publish_problems(sections=sections, total=total)
        if problems:
            raise FieldErrors({"publish": problems})
        now = clock.now()
        claimed = TemplateVersion.objects.filter(pk=version.pk, status=VersionStatus.DRAFT).update(
            status=VersionStatus.PUBLISHED, published_at=now, published_by=actor, note=note
        )
        if not claimed:
            raise _conflict()
        version.status, version.published_at, version.published_by, version.note = (
            VersionStatus.PUBLISHED,
            now,
            actor,
            note,
        )
        _record_version("inspection.version.publish", actor, version, total=rules.plain(total), note=note)
    return version


# --- teams --------------------------------------------------------------------------------------------------


def _may_plan(actor: Any) -> None:
    if not can(actor, Action.INSPECTION_PLAN):
        raise PermissionDenied(_("Only health and narcotics officers plan inspections."))
    if actor.organisation is None:
        raise PermissionDenied(_("Inspections are planned by an officer of an organisation."))


def _team_checks(actor: Any, name: str, members: Sequence[Any], leader: Any) -> tuple[str, list[Any]]:
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Name the team.")]
    elif len(name) > 128:
        errors["name"] = [_("Keep the name under 128 characters.")]
    unique = list({m.pk: m for m in members}.values())
    allowed = set(team_candidates(user=actor).values_list("pk", flat=True))
    outside = [m.display_name for m in unique if m.pk not in allowed]
    if outside:
        errors["members"] = [
            _("These people cannot inspect in your region: %(names)s.") % {"names": "、".join(outside)}
        ]
    elif len(unique) < 2:
        errors["members"] = [_("A joint team has at least two members.")]
    if leader is None or leader.pk not in {m.pk for m in unique}:
        errors["leader"] = [_("The leader is one of the team's members.")]
    if errors:
        raise FieldErrors(errors)
    return name, unique


def team_create(*, actor: Any, name: str, members: Sequence[Any], leader: Any) -> Team:
    """A joint team led by the actor's organisation; members are people of the actor's region who may inspect."""
    _may_plan(actor)
    name, unique = _team_checks(actor, name, members, leader)
    try:
        with transaction.atomic(durable=True):
            team = Team.objects.create(
                name=name, lead_organisation=actor.organisation, created_at=clock.now(), created_by=actor
            )
            TeamMember.objects.bulk_create(
                [TeamMember(team=team, user=m, is_leader=m.pk == leader.pk) for m in unique]
            )
            audit.record(
                "inspection.team.create",
                actor=actor,
                obj=team,
                detail={
                    "name": name,
                    "members": sorted(m.username for m in unique),
                    "leader": leader.username,
                },
            )
    except IntegrityError:
        raise FieldErrors({"name": [_("Your organisation has a team of this name already.")]}) from None
    return team


def team_update(*, actor: Any, team: Team, name: str, members: Sequence[Any], leader: Any) -> Team:
    """Change a team's name and members. Inspections done keep who scored and submitted them."""
    _may_plan(actor)
    if not _in_region(actor, team.lead_organisation):
        raise PermissionDenied(_("This team is led from outside your region."))
    name, unique = _team_checks(actor, name, members, leader)
    try:
        with transaction.atomic(durable=True):
            before = sorted(team.members.values_list("user__username", flat=True))
            Team.objects.filter(pk=team.pk).update(name=name)
            team.members.all().delete()
            TeamMember.objects.bulk_create(
                [TeamMember(team=team, user=m, is_leader=m.pk == leader.pk) for m in unique]
            )
            audit.record(
                "inspection.team.update",
                actor=actor,
                obj=team,
                detail={
                    "name": name,
                    "members_before": before,
                    "members": sorted(m.username for m in unique),
                    "leader": leader.username,
                },
            )
    except IntegrityError:
        raise FieldErrors({"name": [_("Your organisation has a team of this name already.")]}) from None
    team.name = name
    return team


# --- planning -----------------------------------------------------------------------------------------------


def _event(inspection: Inspection, kind: str, actor: Any, note: str = "") -> InspectionEvent:
    return InspectionEvent.objects.create(
        inspection=inspection, kind=kind, by=actor, at=clock.now(), note=note
    )


def _record(action: str, actor: Any, inspection: Inspection, **detail: Any) -> None:
    audit.record(
        action,
        actor=actor,
        obj=inspection,
        detail={"target": inspection.target_id, "status": inspection.status, **detail},
    )


def inspection_plan(
    *,
    actor: Any,
    version: TemplateVersion | None,
    team: Team | None,
    target: Organisation | None,
    scheduled_on: dt.date | None,
    announced: bool = True,
    purpose: str = "",
) -> Inspection:
    """Plan an inspection of an organisation in the planner's region with a published checklist and a team led
    from the region. An unannounced inspection stays hidden from the target until it starts."""
    _may_plan(actor)
    errors: dict[str, list[str]] = {}
    if version is None or version.status != VersionStatus.PUBLISHED:
        errors["version"] = [_("Choose a published checklist.")]
    if team is None:
        errors["team"] = [_("Choose the team.")]
    elif not _in_region(actor, team.lead_organisation):
        errors["team"] = [_("Choose a team led from your region.")]
    if target is None:
        errors["target"] = [_("Choose the organisation to inspect.")]
    elif not _in_region(actor, target):
        errors["target"] = [_("%(org)s is outside your region.") % {"org": target.name}]
    elif version is not None and (
        problem := rules.target_problem(version.template.target_type, target.type, target.region.level)
    ):
        errors["target"] = [problem]
    if scheduled_on is None:
        errors["scheduled_on"] = [_("Give the date of the inspection.")]
    elif scheduled_on < clock.local_today():
        errors["scheduled_on"] = [_("The date of a planned inspection is today or later.")]
    purpose = (purpose or "").strip()
    if len(purpose) > 255:
        errors["purpose"] = [_("Keep the purpose under 255 characters.")]
    if errors:
        raise FieldErrors(errors)
    assert version is not None and team is not None and target is not None and scheduled_on is not None
    with transaction.atomic(durable=True):
        inspection = Inspection.objects.create(
            version=version,
            team=team,
            inspecting_organisation=actor.organisation,
            target=target,
            scheduled_on=scheduled_on,
            announced=announced,
            purpose=purpose,
            status=InspectionStatus.PLANNED,
            planned_at=clock.now(),
            planned_by=actor,
        )
        _event(inspection, EventKind.PLANNED, actor)
        _record(
            "inspection.plan",
            actor,
            inspection,
            template=version.template.code,
            version=version.number,
            team=team.pk,
            scheduled_on=scheduled_on.isoformat(),
            announced=announced,
        )
    return inspection


def _may_manage_plan(actor: Any, inspection: Inspection) -> None:
    _may_plan(actor)
    if not _in_region(actor, inspection.inspecting_organisation):
        raise PermissionDenied(_("Only the inspecting body changes this inspection's plan."))


def _claim(inspection: Inspection, source: str, **changes: Any) -> None:
    claimed = Inspection.objects.filter(pk=inspection.pk, status=source).update(**changes)
    if not claimed:
        raise _conflict()
    for name, value in changes.items():
        setattr(inspection, name, value)


def inspection_cancel(*, actor: Any, inspection: Inspection, reason: str) -> Inspection:
    _may_manage_plan(actor, inspection)
    reason = (reason or "").strip()
    if not reason:
        raise FieldErrors({"reason": [_("Say why the inspection is cancelled.")]})
    if len(reason) > REASON_MAX:
        raise FieldErrors({"reason": [_("Keep the reason under %(n)d characters.") % {"n": REASON_MAX}]})
    with transaction.atomic(durable=True):
        current = Inspection.objects.get(pk=inspection.pk)
        if current.status != InspectionStatus.PLANNED:
            raise DomainError(
                _("Only a planned inspection is cancelled: this one has begun."), code=current.status
            )
        _claim(inspection, InspectionStatus.PLANNED, status=InspectionStatus.CANCELLED)
        _event(inspection, EventKind.CANCELLED, actor, reason)
        _record("inspection.cancel", actor, inspection, reason=reason)
    return inspection


# --- conducting ---------------------------------------------------------------------------------------------


def _may_conduct(actor: Any, inspection: Inspection) -> None:
    if not can(actor, Action.INSPECTION_CONDUCT) or not is_member(actor, inspection.team_id):
        raise PermissionDenied(_("Only the members of the inspection's team conduct it."))


def _not_open_message(status: str) -> str:
    return {
        InspectionStatus.PLANNED: _("This inspection has not started: start it first."),
        InspectionStatus.SUBMITTED: _("This inspection is submitted: its scores are frozen."),
        InspectionStatus.CLOSED: _("This inspection is closed: its scores are frozen."),
        InspectionStatus.CANCELLED: _("This inspection was cancelled."),
    }.get(status, "")


def _locked_open(inspection: Inspection) -> Inspection:
    """The inspection's row, locked for the rest of the transaction, if it is in progress."""
    current = Inspection.objects.select_for_update().get(pk=inspection.pk)
    if current.status != InspectionStatus.IN_PROGRESS:
        raise DomainError(_not_open_message(current.status), code=current.status)
    return current


def inspection_start(*, actor: Any, inspection: Inspection) -> Inspection:
    """Start the inspection on site (on or after its date): its checklist opens for scores and, if it was
    unannounced, the target now sees it."""
    _may_conduct(actor, inspection)
    today = clock.local_today()
    with transaction.atomic(durable=True):
        current = Inspection.objects.get(pk=inspection.pk)
        if current.status != InspectionStatus.PLANNED:
            message = (
                _("This inspection has started already.")
                if current.status == InspectionStatus.IN_PROGRESS
                else _not_open_message(current.status)
            )
            raise DomainError(message, code=current.status)
        if current.scheduled_on > today:
            raise DomainError(
                _("This inspection is planned for %(day)s: it starts on that day or later.")
                % {"day": current.scheduled_on.isoformat()},
                code="too_early",
            )
        _claim(
            inspection, InspectionStatus.PLANNED, status=InspectionStatus.IN_PROGRESS, started_at=clock.now()
        )
        _event(inspection, EventKind.STARTED, actor)
        _record("inspection.start", actor, inspection)
    return inspection


@dataclass(frozen=True)
class Recorded:
    response: Response
    #: False when what was entered equals the latest response and nothing was written.
    changed: bool


def _item_of(inspection: Inspection, item: Item) -> str:
    """The item's number in the inspection's checklist ("2.3"); ``DomainError`` if it is not on it."""
    for number, candidate in numbered_items(inspection.version):
        if candidate.pk == item.pk:
            return number
    raise DomainError(_("This item is not on the inspection's checklist."), code="not_on_checklist")


def response_record(
    *,
    actor: Any,
    inspection: Inspection,
    item: Item,
    result: str = "",
    score: str = "",
    instances: str = "",
    not_applicable: bool = False,
    flagged: bool = False,
    note: str = "",
) -> Recorded:
    """Save an item's result as the team goes: a new response row (the latest counts). The item's scoring rule is
    enforced with a message naming the item; an item that does not apply needs a note saying why."""
    _may_conduct(actor, inspection)
    number = _item_of(inspection, item)
    label = rules.item_label(number, item.text)
    note = (note or "").strip()
    errors: dict[str, list[str]] = {}
    try:
        scored = rules.score_item(
            item, label=label, result=result, score=score, instances=instances, not_applicable=not_applicable
        )
    except ValueError as exc:
        errors["score"] = [str(exc)]
        scored = None
    if not_applicable and not note:
        errors["note"] = [_("%(item)s: say why the item does not apply.") % {"item": label}]
    if len(note) > NOTE_MAX:
        errors["note"] = [
            _("%(item)s: keep the note under %(n)d characters.") % {"item": label, "n": NOTE_MAX}
        ]
    if errors:
        raise FieldErrors(errors)
    assert scored is not None
    try:
        with transaction.atomic(durable=True):
            _locked_open(inspection)
            latest = Response.objects.filter(inspection=inspection, item=item).order_by("-seq").first()
            if latest is not None and (
                latest.score,
                latest.instances,
                latest.not_applicable,
                latest.flagged,
                latest.note,
            ) == (scored.score, scored.instances, scored.not_applicable, flagged, note):
                return Recorded(latest, changed=False)
            response = Response.objects.create(
                inspection=inspection,
                item=item,
                seq=(latest.seq if latest else 0) + 1,
                not_applicable=scored.not_applicable,
                score=scored.score,
                instances=scored.instances,
                flagged=flagged,
                note=note,
                by=actor,
                at=clock.now(),
            )
            _record(
                "inspection.score",
                actor,
                inspection,
                item=item.pk,
                number=number,
                seq=response.seq,
                score=rules.plain(scored.score) if scored.score is not None else None,
                not_applicable=scored.not_applicable,
                flagged=flagged,
            )
    except IntegrityError:  # the same item saved by another member at the same moment
        raise _conflict() from None
    return Recorded(response, changed=True)


def _stored(checked: files.Checked, **fields: Any) -> Evidence:
    token = secrets.token_hex(16)
    evidence = Evidence(
        kind=checked.kind, token=token, extension=checked.extension, name=checked.name, **fields
    )
    evidence.size = len(checked.content)
    evidence.file.save(f"{token}{checked.extension}", ContentFile(checked.content), save=False)
    evidence.save()
    return evidence


def _checked(uploads: Sequence[files.Upload], field: str) -> list[files.Checked]:
    checked, problems = [], []
    for upload in uploads:
        try:
            checked.append(files.check(upload))
        except files.EvidenceError as exc:
            problems.append(str(exc))
    if problems:
        raise FieldErrors({field: problems})
    return checked


def evidence_add(*, actor: Any, inspection: Inspection, item: Item, upload: files.Upload) -> Evidence:
    """A photo or document for an item, taken during the inspection."""
    _may_conduct(actor, inspection)
    number = _item_of(inspection, item)
    (checked,) = _checked([upload], "file")
    with transaction.atomic(durable=True):
        _locked_open(inspection)
        evidence = _stored(
            checked, inspection=inspection, item=item, uploaded_by=actor, uploaded_at=clock.now()
        )
        _record(
            "inspection.evidence",
            actor,
            inspection,
            item=item.pk,
            number=number,
            evidence=evidence.pk,
            kind=evidence.kind,
            size=evidence.size,
        )
    return evidence


@dataclass(frozen=True)
class FindingTerms:
    """How a finding is to be rectified, as the team sets it at submission (blank: the defaults)."""

    owner: Organisation | None = None
    deadline: dt.date | None = None
    evidence_required: bool = True
    requirement: str = ""


def default_deadline(inspection: Inspection, today: dt.date) -> dt.date:
    days = rule_value("inspections.rectification_days", region_code=inspection.target.region_id)
    return today + dt.timedelta(days=days)


def inspection_submit(
    *, actor: Any, inspection: Inspection, terms: Mapping[int, FindingTerms] | None = None
) -> Inspection:
    """Submit the inspection (its leader): every item scored, every item that requires evidence with some. The
    responses freeze; the score is kept; each finding becomes a rectification item with its owner (the target
    by default), deadline (``inspections.rectification_days`` by default) and whether evidence is required. An
    inspection without findings is closed at once."""
    _may_conduct(actor, inspection)
    if not TeamMember.objects.filter(team_id=inspection.team_id, user=actor, is_leader=True).exists():
        raise PermissionDenied(_("Only the team's leader submits the inspection."))
    terms = terms or {}
    today = clock.local_today()
    labelled = [(rules.item_label(n, i.text), i) for n, i in numbered_items(inspection.version)]
    numbers = {i.pk: n for n, i in numbered_items(inspection.version)}
    with transaction.atomic(durable=True):
        current = _locked_open(inspection)
        latest = latest_responses(current)
        problems = rules.submission_problems(labelled, latest, evidence_counts(current))
        if problems:
            raise FieldErrors(problems)
        findings = [(label, item) for label, item in labelled if rules.is_finding(item, latest[item.pk])]
        errors: dict[str, list[str]] = {}
        planned: list[tuple[Item, Organisation, dt.date, bool, str]] = []
        for label, item in findings:
            given = terms.get(item.pk, FindingTerms())
            owner = given.owner or current.target
            if not owner.is_active or not organisation_may_own(owner, current):
                errors.setdefault("owner", []).append(
                    _("%(item)s: %(org)s cannot be given this finding.") % {"item": label, "org": owner.name}
                )
            deadline = given.deadline or default_deadline(current, today)
            if problem := rules.deadline_problem(deadline, today):
                errors.setdefault("deadline", []).append(f"{label}: {problem}")
            requirement = (given.requirement or "").strip() or _default_requirement(item, latest[item.pk])
            planned.append((item, owner, deadline, given.evidence_required, requirement[:500]))
        if errors:
            raise FieldErrors(errors)
        totals = rules.totals([i for _l, i in labelled], latest)
        now = clock.now()
        _claim(
            inspection,
            InspectionStatus.IN_PROGRESS,
            status=InspectionStatus.SUBMITTED,
            submitted_at=now,
            score=totals.percent,
        )
        for number, (item, owner, deadline, evidence_required, requirement) in enumerate(planned, start=1):
            rectification = Rectification.objects.create(
                inspection=inspection,
                item=item,
                response=latest[item.pk],
                number=number,
                owner=owner,
                requirement=requirement,
                deadline=deadline,
                evidence_required=evidence_required,
                status=RectificationStatus.OPEN,
                opened_at=now,
            )
            RectificationStep.objects.create(
                rectification=rectification, kind=StepKind.OPENED, by=actor, at=now, deadline=deadline
            )
        _event(inspection, EventKind.SUBMITTED, actor)
        _record(
            "inspection.submit",
            actor,
            inspection,
            score=rules.plain(totals.percent) if totals.percent is not None else None,
            findings=[numbers[item.pk] for item, *_rest in planned],
        )
        if not planned:
            _claim(inspection, InspectionStatus.SUBMITTED, status=InspectionStatus.CLOSED, closed_at=now)
            _event(inspection, EventKind.CLOSED, actor)
            _record("inspection.close", actor, inspection, findings=0)
    return inspection


def _default_requirement(item: Item, response: Response) -> str:
    return f"{item.text}：{response.note}" if response.note else item.text


def organisation_may_own(owner: Organisation, inspection: Inspection) -> bool:
    """A finding is owned by the target, or by another organisation of the inspecting body's region (a county's
    working group: the police station, the community office …)."""
    return owner.pk == inspection.target_id or owner.region_id.startswith(
        inspection.inspecting_organisation.region.prefix
    )


# --- rectification ------------------------------------------------------------------------------------------


def _may_answer(actor: Any, rectification: Rectification) -> None:
    if not can(actor, Action.RECTIFICATION_RESPOND) or actor.organisation_id != rectification.owner_id:
        raise PermissionDenied(
            _("Only %(owner)s answers this finding.") % {"owner": rectification.owner.name}
        )


def is_inspecting_body(actor: Any, inspection: Inspection) -> bool:
    """A member of the inspection's team, or an officer of the organisation that planned it."""
    if not can(actor, Action.RECTIFICATION_VERIFY):
        return False
    return actor.organisation_id == inspection.inspecting_organisation_id or is_member(
        actor, inspection.team_id
    )


def _may_verify(actor: Any, rectification: Rectification) -> None:
    if not is_inspecting_body(actor, rectification.inspection):
        raise PermissionDenied(_("Only the inspection's team or its inspecting body verifies the answers."))


def _fresh(rectification: Rectification) -> Rectification:
    return Rectification.objects.select_related("inspection", "owner").get(pk=rectification.pk)


def _move(
    *,
    actor: Any,
    rectification: Rectification,
    step: str,
    kind: str,
    note: str,
    deadline: dt.date | None = None,
    uploads: Sequence[files.Checked] = (),
    changes: Mapping[str, Any] | None = None,
) -> tuple[Rectification, RectificationStep]:
    """Take ``step`` (compare-and-set on the status), with its step row, evidence and audit entry."""
    current = _fresh(rectification)
    if problem := rules.transition_problem(current.status, step):
        raise DomainError(problem, code=current.status)
    target = rules.TRANSITIONS[(current.status, step)]
    now = clock.now()
    fields = {"status": target, **(changes or {})}
    claimed = Rectification.objects.filter(pk=current.pk, status=current.status).update(**fields)
    if not claimed:
        raise _conflict()
    for name, value in fields.items():
        setattr(current, name, value)
    row = RectificationStep.objects.create(
        rectification=current, kind=kind, by=actor, at=now, note=note, deadline=deadline
    )
    for checked in uploads:
        _stored(checked, inspection=current.inspection, step=row, uploaded_by=actor, uploaded_at=now)
    audit.record(
        f"rectification.{step}",
        actor=actor,
        obj=current,
        detail={
            "inspection": current.inspection_id,
            "number": current.number,
            "status": target,
            **({"deadline": deadline.isoformat()} if deadline else {}),
            **({"evidence": len(uploads)} if uploads else {}),
        },
    )
    rectification.status = current.status
    for name, value in (changes or {}).items():
        setattr(rectification, name, value)
    return current, row


def _note(note: str, message: str) -> str:
    note = (note or "").strip()
    if not note:
        raise FieldErrors({"note": [message]})
    if len(note) > NOTE_MAX:
        raise FieldErrors({"note": [_("Keep the note under %(n)d characters.") % {"n": NOTE_MAX}]})
    return note


def rectification_respond(
    *, actor: Any, rectification: Rectification, note: str, uploads: Sequence[files.Upload] = ()
) -> Rectification:
    """The owner's answer: what was done, with a photo or document where the finding requires evidence."""
    _may_answer(actor, rectification)
    current = _fresh(rectification)
    if problem := rules.transition_problem(current.status, rules.RESPOND):
        raise DomainError(problem, code=current.status)
    errors: dict[str, list[str]] = {}
    try:
        note = _note(note, _("Say what was done to rectify the finding."))
    except FieldErrors as exc:
        errors.update(exc.fields)
    checked: list[files.Checked] = []
    try:
        checked = _checked(uploads, "files")
    except FieldErrors as exc:
        errors.update(exc.fields)
    if current.evidence_required and not uploads and "files" not in errors:
        errors["files"] = [
            _("This finding requires evidence: attach a photo or document of the rectification.")
        ]
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic(durable=True):
        moved, _row = _move(
            actor=actor,
            rectification=rectification,
            step=rules.RESPOND,
            kind=StepKind.RESPONDED,
            note=note,
            uploads=checked,
            changes={"responded_at": clock.now()},
        )
    return moved


def _last_answer_by(rectification: Rectification) -> int | None:
    return (
        rectification.steps.filter(kind=StepKind.RESPONDED)
        .order_by("-at", "-pk")
        .values_list("by_id", flat=True)
        .first()
    )


def rectification_verify(*, actor: Any, rectification: Rectification, note: str = "") -> Rectification:
    """The inspecting body accepts the answer (not the person who gave it)."""
    _may_verify(actor, rectification)
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise FieldErrors({"note": [_("Keep the note under %(n)d characters.") % {"n": NOTE_MAX}]})
    with transaction.atomic(durable=True):
        if _last_answer_by(rectification) == actor.pk:
            raise PermissionDenied(_("An answer is verified by someone other than the person who gave it."))
        moved, _row = _move(
            actor=actor, rectification=rectification, step=rules.VERIFY, kind=StepKind.VERIFIED, note=note
        )
    return moved


def rectification_reject(
    *, actor: Any, rectification: Rectification, note: str, deadline: dt.date | None
) -> Rectification:
    """The inspecting body does not accept the answer: the item is open again with a new deadline."""
    _may_verify(actor, rectification)
    errors: dict[str, list[str]] = {}
    try:
        note = _note(note, _("Say why the answer is not accepted."))
    except FieldErrors as exc:
        errors.update(exc.fields)
    if problem := rules.deadline_problem(deadline, clock.local_today()):
        errors["deadline"] = [problem]
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic(durable=True):
        if _last_answer_by(rectification) == actor.pk:
            raise PermissionDenied(_("An answer is verified by someone other than the person who gave it."))
        moved, _row = _move(
            actor=actor,
            rectification=rectification,
            step=rules.REJECT,
            kind=StepKind.REJECTED,
            note=note,
            deadline=deadline,
            changes={"deadline": deadline},
        )
    return moved


def rectification_close(*, actor: Any, rectification: Rectification, note: str = "") -> Rectification:
    """Close a verified item; when it is the inspection's last open one, the inspection closes too."""
    _may_verify(actor, rectification)
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise FieldErrors({"note": [_("Keep the note under %(n)d characters.") % {"n": NOTE_MAX}]})
    with transaction.atomic(durable=True):
        inspection = Inspection.objects.select_for_update().get(pk=rectification.inspection_id)
        now = clock.now()
        moved, _row = _move(
            actor=actor,
            rectification=rectification,
            step=rules.CLOSE,
            kind=StepKind.CLOSED,
            note=note,
            changes={"closed_at": now},
        )
        others_open = (
            Rectification.objects.filter(inspection=inspection)
            .exclude(status=RectificationStatus.CLOSED)
            .exists()
        )
        if not others_open and inspection.status == InspectionStatus.SUBMITTED:
            _claim(inspection, InspectionStatus.SUBMITTED, status=InspectionStatus.CLOSED, closed_at=now)
            _event(inspection, EventKind.CLOSED, actor)
            _record("inspection.close", actor, inspection, findings=inspection.rectifications.count())
    return moved


# --- escalation ---------------------------------------------------------------------------------------------


def supervising_commission(owner: Organisation, *, above: Organisation | None = None) -> Organisation | None:
    """The health commission supervising ``owner``: of its own region, else the prefecture's, else the
    province's; a commission is supervised by the one above it. ``above``: the next commission up from that one
    (for the second level)."""
    start = above or owner
    chain = region_chain(start.region_id)
    if start.type == OrganisationType.HEALTH_COMMISSION:
        chain = chain[1:]
    for code in chain:
        found = (
            Organisation.objects.filter(
                type=OrganisationType.HEALTH_COMMISSION, region_id=code, is_active=True
            )
            .order_by("pk")
            .first()
        )
        if found is not None and found.pk != start.pk:
            return found
    return None


@dataclass(frozen=True)
class Escalated:
    rectification: int
    level: int


def rectifications_escalate(*, today: dt.date | None = None, dry_run: bool = False) -> list[Escalated]:
    """Mark open items past their deadline as overdue and escalate each once per deadline and level: level 1 the
    day after the deadline (to the inspecting body and the owner's supervising commission), level 2 after
    ``inspections.escalation_days`` more days (to the inspecting body and the commission above). Idempotent;
    for the daily timer."""
    today = today or clock.local_today()
    late = (
        Rectification.objects.filter(status=RectificationStatus.OPEN, deadline__lt=today)
        .select_related("inspection__inspecting_organisation", "owner")
        .order_by("deadline", "pk")
    )
    recorded: dict[tuple[int, dt.date], set[int]] = {}
    for rect_id, deadline, level in Escalation.objects.filter(rectification__in=late).values_list(
        "rectification_id", "deadline", "level"
    ):
        recorded.setdefault((rect_id, deadline), set()).add(level)
    done: list[Escalated] = []
    for rectification in late:
        days = rule_value("inspections.escalation_days", region_code=rectification.owner.region_id)
        due = rules.escalation_level_due(deadline=rectification.deadline, today=today, second_after_days=days)
        for level in rules.levels_to_record(
            due, recorded.get((rectification.pk, rectification.deadline), ())
        ):
            if dry_run:
                done.append(Escalated(rectification.pk, level))
                continue
            if _escalate(rectification, level):
                done.append(Escalated(rectification.pk, level))
    return done


def _escalate(rectification: Rectification, level: int) -> bool:
    inspecting = rectification.inspection.inspecting_organisation
    commission = supervising_commission(rectification.owner)
    if level == 2 and commission is not None:
        commission = supervising_commission(rectification.owner, above=commission) or commission
    now = clock.now()
    try:
        with transaction.atomic(durable=True):
            if not Rectification.objects.filter(
                pk=rectification.pk, status=RectificationStatus.OPEN, deadline=rectification.deadline
            ).exists():
                return False  # answered or given a new deadline since the list was read
            escalation = Escalation.objects.create(
                rectification=rectification,
                deadline=rectification.deadline,
                level=level,
                at=now,
                inspecting_organisation=inspecting,
                commission=commission,
            )
            RectificationStep.objects.create(
                rectification=rectification,
                kind=StepKind.ESCALATED,
                by=None,
                at=now,
                deadline=rectification.deadline,
                level=level,
                note=", ".join(o.name for o in dict.fromkeys(x for x in (inspecting, commission) if x)),
            )
            audit.record(
                "rectification.escalate",
                organisation=inspecting,
                obj=rectification,
                username="rectifications_escalate",
                detail={
                    "escalation": escalation.pk,
                    "level": level,
                    "deadline": rectification.deadline.isoformat(),
                    "inspecting_organisation": inspecting.pk,
                    "commission": commission.pk if commission else None,
                },
            )
    except IntegrityError:  # escalated by another run at the same moment
        return False
    return True
