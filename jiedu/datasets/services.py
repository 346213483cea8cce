"""Entering, submitting, approving, returning and reopening a region's figures of a data set.

Officers of the reporting region enter and submit its figures; officers of a region strictly above it (the
prefecture or province containing it) approve, return or reopen them; nobody approves their own region's
figures. Each step is one transaction with its step row and its audit entry. A step is claimed by compare-and-set
on the submission's status and version, so two people acting at the same moment get one outcome and a message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from jiedu.core import audit, clock
from jiedu.core.errors import DomainError, FieldErrors, PermissionDenied
from jiedu.datasets import rules
from jiedu.datasets.models import DataSet, DataValue, Status, Step, StepKind, Submission
from jiedu.datasets.selectors import values_of
from jiedu.policy import Action, can
from jiedu.registry.models import Region

REASON_MAX = 500


@dataclass(frozen=True)
class Saved:
    submission: Submission
    #: False when the figures were the same as the current version and nothing was written.
    changed: bool


def _conflict() -> DomainError:
    return DomainError(
        _("Someone else changed these figures at the same moment: reload the page and try again."),
        code="conflict",
    )


def _may_enter(actor: Any, region: Region) -> None:
    if not can(actor, Action.DATASET_ENTER):
        raise PermissionDenied(_("Only health and narcotics officers enter these figures."))
    org = actor.organisation
    if org is None or org.region_id != region.code:
        raise PermissionDenied(_("Only officers of %(region)s enter its figures.") % {"region": region.name})


def _may_approve(actor: Any, region: Region) -> None:
    if not can(actor, Action.DATASET_APPROVE):
        raise PermissionDenied(_("Only health and narcotics officers approve these figures."))
    org = actor.organisation
    if org is not None and org.region_id == region.code:
        raise PermissionDenied(
            _("The figures of %(region)s are approved by a region above it, not by its own officers.")
            % {"region": region.name}
        )
    if org is None or not rules.strictly_above(org.region.code, org.region.level, region.code):
        raise PermissionDenied(
            _("Only officers of a region containing %(region)s approve its figures.")
            % {"region": region.name}
        )


def may_approve(actor: Any, submission: Submission) -> bool:
    """Whether the actor is an approver of the submission's region (for showing the approver's buttons)."""
    try:
        _may_approve(actor, submission.region)
    except PermissionDenied:
        return False
    return True


def _not_draft(status: str) -> DomainError:
    if status == Status.SUBMITTED:
        return DomainError(
            _("The figures were submitted and wait for approval: they change only after they are returned."),
            code="submitted",
        )
    return DomainError(
        _(
            "The figures are approved and locked: an approver of a region above can reopen them with a reason."
        ),
        code="approved",
    )


def not_draft_message(status: str) -> str:
    """Why figures of this status (submitted or approved) are not changed."""
    return _not_draft(status).message


def _fresh(submission: Submission) -> Submission:
    return Submission.objects.select_related("data_set", "region").get(pk=submission.pk)


def _step(submission: Submission, kind: str, actor: Any, reason: str = "") -> Step:
    return Step.objects.create(
        submission=submission, kind=kind, version=submission.version, by=actor, at=clock.now(), reason=reason
    )


def _record(action: str, actor: Any, submission: Submission, **detail: Any) -> None:
    audit.record(
        action,
        actor=actor,
        obj=submission,
        detail={
            "data_set": submission.data_set.code,
            "region": submission.region_id,
            "period": submission.period_start.isoformat(),
            "version": submission.version,
            **detail,
        },
    )


def submission_save(
    *,
    actor: Any,
    data_set: DataSet,
    region: Region,
    period: dt.date,
    values: Mapping[str, str],
    expected_version: int | None = None,
) -> Saved:
    """Save the region's figures of the period as a new version of its draft (creating the submission).

    Every value is read by its element's type and every rule is checked first; on any error nothing is written
    and ``FieldErrors`` names each element. Blank values are left out (a required element must have one).
    Figures equal to the current version write nothing. ``expected_version`` is the version the person saw (0:
    none yet); another version saved since then is refused rather than overwritten."""
    _may_enter(actor, region)
    if not data_set.is_active:
        raise DomainError(_("This data set is no longer in use."), code="inactive")
    errors: dict[str, list[str]] = {}
    if problem := rules.level_problem(data_set.reporting_level, region.level):
        errors["region"] = [problem]
    if problem := rules.period_problem(data_set.period_type, period, clock.local_today()):
        errors["period"] = [problem]
    if errors:
        raise FieldErrors(errors)
    elements = list(data_set.elements.all())
    figures, errors = rules.validate(elements, list(data_set.rules.all()), values)
    if errors:
        raise FieldErrors(errors)
    by_code = {e.code: e for e in elements}
    with transaction.atomic(durable=True):
        submission = (
            Submission.objects.select_related("data_set", "region")
            .filter(data_set=data_set, region=region, period_start=period)
            .first()
        )
        if submission is None:
            if expected_version:
                raise _conflict()
            try:
                with transaction.atomic():
                    submission = Submission.objects.create(
                        data_set=data_set,
                        region=region,
                        period_start=period,
                        status=Status.DRAFT,
                        version=1,
                        created_at=clock.now(),
                        created_by=actor,
                    )
            except IntegrityError:  # created by someone else at the same moment
                raise _conflict() from None
        else:
            if submission.status != Status.DRAFT:
                raise _not_draft(submission.status)
            if expected_version is not None and expected_version != submission.version:
                raise _conflict()
            if values_of(submission) == figures:
                return Saved(submission, changed=False)
            claimed = Submission.objects.filter(
                pk=submission.pk, status=Status.DRAFT, version=submission.version
            ).update(version=submission.version + 1)
            if not claimed:
                raise _conflict()
            submission.version += 1
        DataValue.objects.bulk_create(
            [
                DataValue(
                    submission=submission, element=by_code[code], version=submission.version, value=value
                )
                for code, value in figures.items()
            ]
        )
        _step(submission, StepKind.SAVED, actor)
        _record(
            "dataset.save",
            actor,
            submission,
            values={code: rules.plain(value) for code, value in figures.items()},
        )
    return Saved(submission, changed=True)


def _transition(
    *,
    actor: Any,
    submission: Submission,
    source: str,
    target: str,
    kind: str,
    action: str,
    refusal: Mapping[str, str],
    reason: str = "",
    check: Callable[[Submission], None] | None = None,
) -> Submission:
    """Move ``submission`` from ``source`` to ``target`` (refused with ``refusal[status]`` from another status)."""
    with transaction.atomic(durable=True):
        current = _fresh(submission)
        if current.status != source:
            raise DomainError(refusal[current.status], code=current.status)
        if check is not None:
            check(current)
        claimed = Submission.objects.filter(pk=current.pk, status=source, version=current.version).update(
            status=target
        )
        if not claimed:
            raise _conflict()
        current.status = target
        _step(current, kind, actor, reason)
        _record(action, actor, current, **({"reason": reason} if reason else {}))
    submission.status, submission.version = current.status, current.version
    return current


def _figures_hold(submission: Submission) -> None:
    data_set = submission.data_set
    errors = rules.check(list(data_set.elements.all()), list(data_set.rules.all()), values_of(submission))
    if errors:
        raise FieldErrors(errors)


def submission_submit(*, actor: Any, submission: Submission) -> Submission:
    """Submit the draft for approval; its current figures must meet the required elements and every rule."""
    _may_enter(actor, submission.region)
    return _transition(
        actor=actor,
        submission=submission,
        source=Status.DRAFT,
        target=Status.SUBMITTED,
        kind=StepKind.SUBMITTED,
        action="dataset.submit",
        refusal={
            Status.SUBMITTED: _("The figures were submitted already."),
            Status.APPROVED: _not_draft(Status.APPROVED).message,
        },
        check=_figures_hold,
    )


def _reason(reason: str, message: str) -> str:
    reason = reason.strip()
    if not reason:
        raise FieldErrors({"reason": [message]})
    if len(reason) > REASON_MAX:
        raise FieldErrors({"reason": [_("Keep the reason under %(n)d characters.") % {"n": REASON_MAX}]})
    return reason


def submission_approve(*, actor: Any, submission: Submission) -> Submission:
    """Approve the submitted figures: they are locked, and the figures the indicators read."""
    _may_approve(actor, submission.region)
    return _transition(
        actor=actor,
        submission=submission,
        source=Status.SUBMITTED,
        target=Status.APPROVED,
        kind=StepKind.APPROVED,
        action="dataset.approve",
        refusal={
            Status.DRAFT: _("Only submitted figures are approved: these are a draft."),
            Status.APPROVED: _("The figures are approved already."),
        },
    )


def submission_return(*, actor: Any, submission: Submission, reason: str) -> Submission:
    """Return the submitted figures to the region for correction, saying what to correct."""
    _may_approve(actor, submission.region)
    reason = _reason(reason, _("Say what must be corrected."))
    return _transition(
        actor=actor,
        submission=submission,
        source=Status.SUBMITTED,
        target=Status.DRAFT,
        kind=StepKind.RETURNED,
        action="dataset.return",
        reason=reason,
        refusal={
            Status.DRAFT: _("Only submitted figures are returned: these are a draft."),
            Status.APPROVED: _("Approved figures are not returned: reopen them, with the reason."),
        },
    )


def submission_reopen(*, actor: Any, submission: Submission, reason: str) -> Submission:
    """Reopen approved figures for a correction: back to draft, the reason recorded; the approved versions
    stay readable in the history."""
    _may_approve(actor, submission.region)
    reason = _reason(reason, _("Say why the approved figures are reopened."))
    return _transition(
        actor=actor,
        submission=submission,
        source=Status.APPROVED,
        target=Status.DRAFT,
        kind=StepKind.REOPENED,
        action="dataset.reopen",
        reason=reason,
        refusal={
            Status.DRAFT: _("Only approved figures are reopened: these are a draft."),
            Status.SUBMITTED: _("Only approved figures are reopened: these wait for approval (return them)."),
        },
    )
