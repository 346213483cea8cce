"""Aggregate data sets as JSON, for the systems that already hold the figures (the DHIS2 ``dataValueSets`` idea):
the definitions in use, a region's figures put for a period, and the steps of approval. The same services as the
pages, so the same checks, messages, versions and audit. No ``from __future__ import annotations``: django-ninja
reads the real annotations.

A figure is sent as a string as people write it ("87.5", "yes"), or as a JSON number or boolean; ``null`` or ""
leaves it blank. Figures come back as strings ("87.5", "yes"), so no decimal is lost to a float.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import F
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from jiedu.api.auth import requires
from jiedu.api.schemas import ErrorOut
from jiedu.core.errors import FieldErrors
from jiedu.datasets import rules, selectors, services
from jiedu.datasets.models import DataSet, DataValue, Status, Submission
from jiedu.policy import Action
from jiedu.registry.models import Region

router = Router(tags=["datasets"])
ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
LIST_LIMIT = 300


class DataElementOut(Schema):
    code: str
    name_zh: str
    name_en: str
    value_type: str
    required: bool
    order: int
    help_zh: str
    help_en: str


class ValidationRuleOut(Schema):
    code: str
    left: str
    operator: str
    right: str
    right_constant: Decimal | None
    message_zh: str
    message_en: str


class DataSetOut(Schema):
    code: str
    name_zh: str
    name_en: str
    period_type: str
    reporting_level: str
    version: int
    elements: list[DataElementOut]
    rules: list[ValidationRuleOut]


class SubmissionStepOut(Schema):
    kind: str
    version: int
    by: str
    at: dt.datetime
    reason: str


class SubmissionOut(Schema):
    id: int
    data_set: str
    region_code: str
    region_name: str
    period_start: dt.date
    period: str
    status: str
    version: int
    values: dict[str, str]


class SubmissionDetailOut(SubmissionOut):
    steps: list[SubmissionStepOut]


class SubmissionSavedOut(SubmissionOut):
    changed: bool = Field(
        description="False when the figures equalled the current version and nothing was written"
    )


class FiguresIn(Schema):
    values: dict[str, bool | int | float | str | None]
    expected_version: int | None = Field(
        None,
        description="The version you last read (0: none yet); a version saved since then is refused with 409.",
    )


class SubmissionReasonIn(Schema):
    reason: str = ""


def _typed(value: bool | int | float | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _current_values(submissions: list[Submission]) -> dict[int, dict[str, str]]:
    """Submission id → element code → current figure as text. One query."""
    found: dict[int, dict[str, str]] = {s.pk: {} for s in submissions}
    for submission_id, code, kind, value in (
        DataValue.objects.filter(submission__in=submissions, version=F("submission__version"))
        .order_by("submission_id", "element__order")
        .values_list("submission_id", "element__code", "element__value_type", "value")
    ):
        found[submission_id][code] = rules.as_input(value, kind)
    return found


def _out(submission: Submission, values: dict[str, str], **extra: Any) -> dict:
    return {
        "id": submission.pk,
        "data_set": submission.data_set.code,
        "region_code": submission.region.code,
        "region_name": submission.region.name,
        "period_start": submission.period_start,
        "period": rules.period_label(submission.data_set.period_type, submission.period_start),
        "status": submission.status,
        "version": submission.version,
        "values": values,
        **extra,
    }


def _single(submission: Submission, **extra: Any) -> dict:
    return _out(submission, _current_values([submission])[submission.pk], **extra)


@router.get("/datasets", response={200: list[DataSetOut], **ERRORS}, summary="The data sets in use")
@requires(Action.DATASET_ENTER)
def data_sets(request: HttpRequest) -> list[dict]:
    found = DataSet.objects.filter(is_active=True).prefetch_related("elements", "rules").order_by("code")
    return [
        {
            **{
                f: getattr(d, f)
                for f in ("code", "name_zh", "name_en", "period_type", "reporting_level", "version")
            },
            "elements": list(d.elements.all()),
            "rules": list(d.rules.all()),
        }
        for d in found
    ]


@router.get(
    "/datasets/submissions",
    response={200: list[SubmissionOut], **ERRORS},
    summary="Submissions in your region and below, the latest period first (at most 300)",
)
@requires(Action.DATASET_ENTER)
def submission_list(
    request: HttpRequest,
    data_set: str = "",
    period_start: dt.date | None = None,
    status: Status | None = None,
) -> list[dict]:
    found = selectors.submissions_in_scope(user=request.auth)
    if data_set:
        found = found.filter(data_set__code=data_set)
    if period_start is not None:
        found = found.filter(period_start=period_start)
    if status is not None:
        found = found.filter(status=status)
    rows = list(found.order_by("-period_start", "data_set__code", "region_id")[:LIST_LIMIT])
    values = _current_values(rows)
    return [_out(s, values[s.pk]) for s in rows]


@router.get(
    "/datasets/submissions/{submission_id}",
    response={200: SubmissionDetailOut, **ERRORS},
    summary="One submission: its current figures and every step",
)
@requires(Action.DATASET_ENTER)
def submission_detail(request: HttpRequest, submission_id: int) -> dict:
    submission = selectors.submission_get(user=request.auth, pk=submission_id)
    steps = [
        {"kind": s.kind, "version": s.version, "by": s.by.display_name, "at": s.at, "reason": s.reason}
        for s in submission.steps.select_related("by").order_by("at", "pk")
    ]
    return _single(submission, steps=steps)


@router.put(
    "/datasets/{code}/figures/{region}/{period_start}",
    response={200: SubmissionSavedOut, **ERRORS},
    summary="Put your region's figures for a period (a new draft version; equal figures write nothing)",
)
@requires(Action.DATASET_ENTER)
def figures_put(request: HttpRequest, code: str, region: str, period_start: str, payload: FiguresIn) -> dict:
    try:
        start = dt.date.fromisoformat(period_start)
    except ValueError:
        raise FieldErrors({"period_start": [_("Give the period by its first day, as YYYY-MM-DD.")]}) from None
    data_set = DataSet.objects.filter(code=code).first()
    place = Region.objects.filter(code=region).first()
    if data_set is None or place is None or not selectors.region_in_scope(user=request.auth, region=place):
        raise Http404
    saved = services.submission_save(
        actor=request.auth,
        data_set=data_set,
        region=place,
        period=start,
        values={k: _typed(v) for k, v in payload.values.items()},
        expected_version=payload.expected_version,
    )
    return _single(saved.submission, changed=saved.changed)


def _submission(request: HttpRequest, submission_id: int) -> Submission:
    return selectors.submission_get(user=request.auth, pk=submission_id)


@router.post(
    "/datasets/submissions/{submission_id}/submit",
    response={200: SubmissionOut, **ERRORS},
    summary="Submit the draft for approval (its figures must meet every rule)",
)
@requires(Action.DATASET_ENTER)
def submit(request: HttpRequest, submission_id: int) -> dict:
    submission = services.submission_submit(
        actor=request.auth, submission=_submission(request, submission_id)
    )
    return _single(submission)


@router.post(
    "/datasets/submissions/{submission_id}/approve",
    response={200: SubmissionOut, **ERRORS},
    summary="Approve submitted figures (an officer of a region strictly above)",
)
@requires(Action.DATASET_APPROVE)
def approve(request: HttpRequest, submission_id: int) -> dict:
    submission = services.submission_approve(
        actor=request.auth, submission=_submission(request, submission_id)
    )
    return _single(submission)


@router.post(
    "/datasets/submissions/{submission_id}/return",
    response={200: SubmissionOut, **ERRORS},
    summary="Return submitted figures for correction, saying what to correct",
)
@requires(Action.DATASET_APPROVE)
def return_(request: HttpRequest, submission_id: int, payload: SubmissionReasonIn) -> dict:
    submission = services.submission_return(
        actor=request.auth, submission=_submission(request, submission_id), reason=payload.reason
    )
    return _single(submission)


@router.post(
    "/datasets/submissions/{submission_id}/reopen",
    response={200: SubmissionOut, **ERRORS},
    summary="Reopen approved figures for a correction, saying why",
)
@requires(Action.DATASET_APPROVE)
def reopen(request: HttpRequest, submission_id: int, payload: SubmissionReasonIn) -> dict:
    submission = services.submission_reopen(
        actor=request.auth, submission=_submission(request, submission_id), reason=payload.reason
    )
    return _single(submission)
