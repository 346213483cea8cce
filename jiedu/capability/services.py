"""Keeping a unit's registers and assessing its capability.

The unit's head (``Action.CAPABILITY_REGISTER``, own unit only) adds departments and closes them, registers
equipment and records its checks, adds rule documents and their new versions (a file each), and registers
collaborations and ends them. An inspector or health officer of the unit's region (``Action.CAPABILITY_ASSESS``)
assesses it on a day: every criterion of the framework is computed from the registers and kept, with the
dimension scores; the assessor may adjust a dimension's score with a reason, then confirms the assessment, which
locks it. Each use case validates first (``FieldErrors`` naming the field, nothing written) and writes its audit
entry in its own transaction.
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from jiedu.capability import rules, selectors
from jiedu.capability.files import Document
from jiedu.capability.models import (
    Assessment,
    AssessmentStatus,
    AssessmentStep,
    CheckKind,
    Collaboration,
    CollaborationEnd,
    CollaborationKind,
    Condition,
    CriterionResult,
    Department,
    DepartmentClosure,
    DepartmentKind,
    DimensionScore,
    Equipment,
    EquipmentCheck,
    EquipmentKind,
    RuleCategory,
    RuleDocument,
    RuleVersion,
    StepKind,
)
from jiedu.core import audit, clock
from jiedu.core.errors import DomainError, FieldErrors, PermissionDenied
from jiedu.registry.models import Organisation

TEXT_MAX = 500


def _may_register(actor: Any, unit: Organisation) -> None:
    if unit.type not in selectors.UNIT_TYPES:
        raise PermissionDenied(
            _("Only compulsory-centre medical units and MMT clinics keep these registers.")
        )
    if not selectors.may_register(actor, unit):
        raise PermissionDenied(_("Only the head of %(unit)s keeps its registers.") % {"unit": unit.name})


def _may_assess(actor: Any, unit: Organisation) -> None:
    if not selectors.may_assess(actor, unit):
        raise PermissionDenied(
            _("Only inspectors and health officers of the unit's region assess %(unit)s.")
            % {"unit": unit.name}
        )


def _text(
    errors: dict[str, list[str]], name: str, value: str, limit: int, message: str, *, required: bool = True
) -> str:
    value = (value or "").strip()
    if required and not value:
        errors.setdefault(name, []).append(message)
    elif len(value) > limit:
        errors.setdefault(name, []).append(_("Keep it under %(n)d characters.") % {"n": limit + 1})
    return value


def _choice(errors: dict[str, list[str]], name: str, value: str, choices: Any) -> None:
    if value not in choices.values:
        errors.setdefault(name, []).append(_("Choose one of the listed values."))


def _day(
    errors: dict[str, list[str]], name: str, value: dt.date | None, message: str, *, not_after: dt.date | None
) -> None:
    if value is None:
        errors.setdefault(name, []).append(message)
    elif not_after is not None and value > not_after:
        errors.setdefault(name, []).append(_("The day cannot be in the future."))


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise FieldErrors(errors)


def _record(action: str, actor: Any, obj: Any, unit: Organisation, **detail: Any) -> None:
    audit.record(action, actor=actor, obj=obj, detail={"unit": unit.pk, **detail})


# --- departments ----------------------------------------------------------------------------------------------------


def department_register(
    *, actor: Any, unit: Organisation, kind: str, name: str, opened_on: dt.date | None
) -> Department:
    _may_register(actor, unit)
    errors: dict[str, list[str]] = {}
    _choice(errors, "kind", kind, DepartmentKind)
    name = _text(errors, "name", name, 100, _("Enter the department's name."))
    _day(errors, "opened_on", opened_on, _("Enter the day it opened."), not_after=clock.local_today())
    _raise(errors)
    with transaction.atomic(durable=True):
        department = Department.objects.create(
            organisation=unit,
            kind=kind,
            name=name,
            opened_on=opened_on,
            registered_by=actor,
            registered_at=clock.now(),
        )
        _record("capability.department", actor, department, unit, kind=kind, name=name)
    return department


def department_close(
    *, actor: Any, department: Department, closed_on: dt.date | None, reason: str
) -> DepartmentClosure:
    unit = department.organisation
    _may_register(actor, unit)
    errors: dict[str, list[str]] = {}
    _day(errors, "closed_on", closed_on, _("Enter the day it closed."), not_after=clock.local_today())
    if closed_on is not None and closed_on <= department.opened_on:
        errors.setdefault("closed_on", []).append(_("A department closes after the day it opened."))
    reason = _text(errors, "reason", reason, TEXT_MAX, _("Say why the department closed."))
    _raise(errors)
    with transaction.atomic(durable=True):
        try:
            with transaction.atomic():
                closure = DepartmentClosure.objects.create(
                    department=department, closed_on=closed_on, reason=reason, by=actor, at=clock.now()
                )
        except IntegrityError:
            raise DomainError(_("The department is closed already."), code="closed") from None
        _record("capability.department_close", actor, department, unit, closed_on=closed_on, reason=reason)
    return closure


# --- equipment ------------------------------------------------------------------------------------------------------


def _check_fields(
    errors: dict[str, list[str]],
    checked_on: dt.date | None,
    kind: str,
    condition: str,
    acquired_on: dt.date | None,
) -> None:
    _day(errors, "checked_on", checked_on, _("Enter the day of the check."), not_after=clock.local_today())
    if checked_on is not None and acquired_on is not None and checked_on < acquired_on:
        errors.setdefault("checked_on", []).append(_("A check cannot be before the equipment was acquired."))
    _choice(errors, "check_kind", kind, CheckKind)
    _choice(errors, "condition", condition, Condition)


def equipment_register(
    *,
    actor: Any,
    unit: Organisation,
    kind: str,
    name: str,
    acquired_on: dt.date | None,
    checked_on: dt.date | None,
    check_kind: str,
    condition: str,
    model: str = "",
    serial_no: str = "",
    note: str = "",
) -> Equipment:
    """Enter a piece of equipment with its latest check (its condition, and whether it was maintained or
    calibrated that day)."""
    _may_register(actor, unit)
    errors: dict[str, list[str]] = {}
    _choice(errors, "kind", kind, EquipmentKind)
    name = _text(errors, "name", name, 100, _("Enter the equipment's name."))
    model = _text(errors, "model", model, 100, "", required=False)
    serial_no = _text(errors, "serial_no", serial_no, 64, "", required=False)
    note = _text(errors, "note", note, TEXT_MAX, "", required=False)
    _day(
        errors, "acquired_on", acquired_on, _("Enter the day it was acquired."), not_after=clock.local_today()
    )
    _check_fields(errors, checked_on, check_kind, condition, acquired_on)
    _raise(errors)
    with transaction.atomic(durable=True):
        item = Equipment.objects.create(
            organisation=unit,
            kind=kind,
            name=name,
            model=model,
            serial_no=serial_no,
            acquired_on=acquired_on,
            registered_by=actor,
            registered_at=clock.now(),
        )
        EquipmentCheck.objects.create(
            equipment=item,
            checked_on=checked_on,
            kind=check_kind,
            condition=condition,
            note=note,
            by=actor,
            at=clock.now(),
        )
        _record("capability.equipment", actor, item, unit, kind=kind, name=name, condition=condition)
    return item


def equipment_check(
    *,
    actor: Any,
    equipment: Equipment,
    checked_on: dt.date | None,
    check_kind: str,
    condition: str,
    note: str = "",
) -> EquipmentCheck:
    unit = equipment.organisation
    _may_register(actor, unit)
    errors: dict[str, list[str]] = {}
    _check_fields(errors, checked_on, check_kind, condition, equipment.acquired_on)
    note = _text(errors, "note", note, TEXT_MAX, "", required=False)
    if condition in (Condition.NEEDS_REPAIR, Condition.OUT_OF_SERVICE) and not note:
        errors.setdefault("note", []).append(_("Say what is wrong."))
    _raise(errors)
    with transaction.atomic(durable=True):
        check = EquipmentCheck.objects.create(
            equipment=equipment,
            checked_on=checked_on,
            kind=check_kind,
            condition=condition,
            note=note,
            by=actor,
            at=clock.now(),
        )
        _record(
            "capability.equipment_check",
            actor,
            equipment,
            unit,
            checked_on=checked_on,
            kind=check_kind,
            condition=condition,
        )
    return check


# --- rules and regulations --------------------------------------------------------------------------------------------


def _version_fields(
    errors: dict[str, list[str]],
    version: str,
    effective_on: dt.date | None,
    document: Document | None,
    note: str,
) -> tuple[str, str]:
    version = _text(errors, "version", version, 32, _("Enter the version (e.g. 2024 edition, v2)."))
    _day(errors, "effective_on", effective_on, _("Enter the day it takes effect."), not_after=None)
    if document is None:
        errors.setdefault("file", []).append(_("Attach the document (PDF, Word, or a scan as PNG or JPEG)."))
    note = _text(errors, "note", note, TEXT_MAX, "", required=False)
    return version, note


def _store_version(
    *,
    document: RuleDocument,
    number: int,
    version: str,
    effective_on: dt.date,
    upload: Document,
    note: str,
    actor: Any,
) -> RuleVersion:
    made = RuleVersion(
        document=document,
        number=number,
        version=version,
        effective_on=effective_on,
        file_token=secrets.token_hex(16),
        file_extension=upload.extension,
        file_name=upload.name,
        content_type=upload.content_type,
        note=note,
        uploaded_by=actor,
        uploaded_at=clock.now(),
    )
    made.file.save(f"{made.file_token}{made.file_extension}", ContentFile(upload.data), save=False)
    made.save()
    return made


def rule_add(
    *,
    actor: Any,
    unit: Organisation,
    title: str,
    category: str,
    version: str,
    effective_on: dt.date | None,
    document: Document | None,
    note: str = "",
) -> RuleVersion:
    """Add a rule document to the unit's library with its first version."""
    _may_register(actor, unit)
    errors: dict[str, list[str]] = {}
    title = _text(errors, "title", title, 200, _("Enter the title."))
    _choice(errors, "category", category, RuleCategory)
    version, note = _version_fields(errors, version, effective_on, document, note)
    if title and RuleDocument.objects.filter(organisation=unit, title=title).exists():
        errors.setdefault("title", []).append(
            _("The library holds a document of this title: add a new version to it.")
        )
    _raise(errors)
    assert document is not None and effective_on is not None  # checked above
    with transaction.atomic(durable=True):
        try:
            with transaction.atomic():
                made = RuleDocument.objects.create(
                    organisation=unit,
                    title=title,
                    category=category,
                    created_by=actor,
                    created_at=clock.now(),
                )
        except IntegrityError:
            raise FieldErrors(
                {"title": [_("The library holds a document of this title: add a new version to it.")]}
            ) from None
        first = _store_version(
            document=made,
            number=1,
            version=version,
            effective_on=effective_on,
            upload=document,
            note=note,
            actor=actor,
        )
        _record("capability.rule", actor, made, unit, title=title, category=category, version=version)
    return first


def rule_revise(
    *,
    actor: Any,
    document: RuleDocument,
    version: str,
    effective_on: dt.date | None,
    upload: Document | None,
    note: str = "",
) -> RuleVersion:
    """A new version of a rule document, superseding the earlier ones from its effective day (the history stays)."""
    unit = document.organisation
    _may_register(actor, unit)
    errors: dict[str, list[str]] = {}
    version, note = _version_fields(errors, version, effective_on, upload, note)
    latest = document.versions.order_by("-number").first()
    if latest is not None and effective_on is not None and effective_on < latest.effective_on:
        errors.setdefault("effective_on", []).append(
            _("A new version takes effect on or after the current one (%(day)s).")
            % {"day": latest.effective_on.isoformat()}
        )
    if version and document.versions.filter(version=version).exists():
        errors.setdefault("version", []).append(_("This version is in the library already."))
    _raise(errors)
    assert upload is not None and effective_on is not None  # checked above
    with transaction.atomic(durable=True):
        number = (latest.number if latest else 0) + 1
        try:
            with transaction.atomic():
                made = _store_version(
                    document=document,
                    number=number,
                    version=version,
                    effective_on=effective_on,
                    upload=upload,
                    note=note,
                    actor=actor,
                )
        except IntegrityError:
            raise DomainError(
                _("Someone added a version at the same moment: reload the page and try again."),
                code="conflict",
            ) from None
        _record("capability.rule_version", actor, document, unit, version=version, number=number)
    return made


# --- collaborations ---------------------------------------------------------------------------------------------------


def collaboration_register(
    *,
    actor: Any,
    unit: Organisation,
    kind: str,
    partner: str,
    agreement_on: dt.date | None,
    valid_from: dt.date | None,
    valid_to: dt.date | None = None,
    note: str = "",
) -> Collaboration:
    _may_register(actor, unit)
    errors: dict[str, list[str]] = {}
    _choice(errors, "kind", kind, CollaborationKind)
    partner = _text(errors, "partner", partner, 200, _("Name the partner."))
    note = _text(errors, "note", note, TEXT_MAX, "", required=False)
    _day(
        errors,
        "agreement_on",
        agreement_on,
        _("Enter the day the agreement was signed."),
        not_after=clock.local_today(),
    )
    _day(errors, "valid_from", valid_from, _("Enter the first day it is valid."), not_after=None)
    if valid_from is not None and valid_to is not None and valid_to < valid_from:
        errors.setdefault("valid_to", []).append(_("The agreement cannot end before it starts."))
    _raise(errors)
    with transaction.atomic(durable=True):
        made = Collaboration.objects.create(
            organisation=unit,
            kind=kind,
            partner=partner,
            agreement_on=agreement_on,
            valid_from=valid_from,
            valid_to=valid_to,
            note=note,
            registered_by=actor,
            registered_at=clock.now(),
        )
        _record("capability.collaboration", actor, made, unit, kind=kind, partner=partner)
    return made


def collaboration_end(
    *, actor: Any, collaboration: Collaboration, ended_on: dt.date | None, reason: str
) -> CollaborationEnd:
    unit = collaboration.organisation
    _may_register(actor, unit)
    errors: dict[str, list[str]] = {}
    _day(
        errors, "ended_on", ended_on, _("Enter the last day of the agreement."), not_after=clock.local_today()
    )
    if ended_on is not None and ended_on < collaboration.valid_from:
        errors.setdefault("ended_on", []).append(_("The agreement cannot end before it starts."))
    reason = _text(errors, "reason", reason, TEXT_MAX, _("Say why the agreement ended."))
    _raise(errors)
    with transaction.atomic(durable=True):
        try:
            with transaction.atomic():
                ended = CollaborationEnd.objects.create(
                    collaboration=collaboration, ended_on=ended_on, reason=reason, by=actor, at=clock.now()
                )
        except IntegrityError:
            raise DomainError(_("The agreement has ended already."), code="ended") from None
        _record("capability.collaboration_end", actor, collaboration, unit, ended_on=ended_on, reason=reason)
    return ended


# --- assessments ---------------------------------------------------------------------------------------------------


def assessment_create(*, actor: Any, unit: Organisation, on: dt.date | None) -> Assessment:
    """Assess the unit on ``on`` against the framework of its kind: each criterion computed from the registers."""
    _may_assess(actor, unit)
    if on is None:
        raise FieldErrors({"on": [_("Enter the day the unit is assessed on.")]})
    if on > clock.local_today():
        raise FieldErrors({"on": [_("A unit is assessed on a day that has come.")]})
    framework = selectors.framework_for(unit)
    if framework is None:
        raise DomainError(_("No assessment framework is in use for this kind of unit."), code="no_framework")
    criteria = list(framework.criteria.order_by("order", "pk"))
    facts = selectors.unit_facts(units=[unit], on=on)[unit.pk]
    results = rules.evaluate(criteria, facts)
    scores = rules.dimension_scores(results)
    overall = rules.overall(scores)
    with transaction.atomic(durable=True):
        assessment = Assessment.objects.create(
            organisation=unit,
            framework=framework,
            on=on,
            status=AssessmentStatus.DRAFT,
            score=overall,
            computed_score=overall,
            created_by=actor,
            created_at=clock.now(),
        )
        CriterionResult.objects.bulk_create(
            [
                CriterionResult(
                    assessment=assessment,
                    criterion=r.criterion,  # type: ignore[misc]
                    found=r.found,
                    required=r.required,
                    met=r.met,
                    detail=r.detail,
                )
                for r in results
            ]
        )
        DimensionScore.objects.bulk_create(
            [DimensionScore(assessment=assessment, dimension=d, computed=s) for d, s in scores.items()]
        )
        AssessmentStep.objects.create(assessment=assessment, kind=StepKind.COMPUTED, by=actor, at=clock.now())
        _record(
            "capability.assess",
            actor,
            assessment,
            unit,
            on=on,
            framework=framework.code,
            scores={d: str(s) for d, s in scores.items()},
            score=str(overall),
        )
    return assessment


def _locked_draft(assessment: Assessment) -> Assessment:
    current = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if current.status != AssessmentStatus.DRAFT:
        raise DomainError(_("The assessment is confirmed and locked."), code="confirmed")
    return current


def _score(raw: Any) -> Decimal | None:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        return None
    if (
        not value.is_finite()
        or not Decimal(0) <= value <= Decimal(100)
        or value != value.quantize(rules.ONE_PLACE)
    ):
        return None
    return value


def assessment_adjust(
    *, actor: Any, assessment: Assessment, dimension: str, score: Any, reason: str
) -> Assessment:
    """Set a dimension's score by the assessor's judgement, with the reason; the computed score stays beside it."""
    _may_assess(actor, assessment.organisation)
    errors: dict[str, list[str]] = {}
    computed = dict(assessment.dimension_scores.values_list("dimension", "computed"))
    if dimension not in computed:
        errors["dimension"] = [_("Choose a dimension of this assessment.")]
    value = _score(score) if score not in (None, "") else None
    if value is None:
        errors["score"] = [_("Enter a score from 0 to 100, at most one decimal place.")]
    reason = _text(errors, "reason", reason, TEXT_MAX, _("Say why the score is adjusted."))
    _raise(errors)
    with transaction.atomic(durable=True):
        current = _locked_draft(assessment)
        AssessmentStep.objects.create(
            assessment=current,
            kind=StepKind.ADJUSTED,
            dimension=dimension,
            score=value,
            reason=reason,
            by=actor,
            at=clock.now(),
        )
        scores = selectors.final_scores(current)
        current.score = rules.overall(scores)
        current.save(update_fields=["score"])
        _record(
            "capability.adjust",
            actor,
            current,
            assessment.organisation,
            dimension=dimension,
            computed=str(computed[dimension]),
            score=str(value),
            reason=reason,
            overall=str(current.score),
        )
    assessment.score = current.score
    return current


def assessment_confirm(*, actor: Any, assessment: Assessment) -> Assessment:
    """Confirm the scores as they stand; the assessment is locked."""
    _may_assess(actor, assessment.organisation)
    with transaction.atomic(durable=True):
        current = _locked_draft(assessment)
        claimed = Assessment.objects.filter(pk=current.pk, status=AssessmentStatus.DRAFT).update(
            status=AssessmentStatus.CONFIRMED
        )
        if not claimed:  # pragma: no cover - the row is locked above
            raise DomainError(_("The assessment is confirmed and locked."), code="confirmed")
        current.status = AssessmentStatus.CONFIRMED
        AssessmentStep.objects.create(assessment=current, kind=StepKind.CONFIRMED, by=actor, at=clock.now())
        _record("capability.confirm", actor, current, assessment.organisation, score=str(current.score))
    assessment.status = current.status
    return current
