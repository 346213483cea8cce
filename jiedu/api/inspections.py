"""Inspections and their findings as JSON, read only, in the scope of the pages: an inspected institution sees its
own inspections (an unannounced one once it has started) and the findings it must answer; a commission sees those
of its region; a team member those of the team. Planning, scoring, answering and verifying are done on the pages,
where the evidence is attached. No ``from __future__ import annotations``: django-ninja reads the real
annotations.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from jiedu.api.auth import requires
from jiedu.api.schemas import ErrorOut
from jiedu.inspections import selectors
from jiedu.inspections.models import InspectionStatus, RectificationStatus
from jiedu.policy import Action

router = Router(tags=["inspections"])
ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
LIST_LIMIT = 500


class InspectionOut(Schema):
    id: int
    checklist: str
    checklist_title: str
    checklist_version: int
    target_id: int
    target_name: str
    target_region: str
    inspecting_organisation: str
    team: str
    scheduled_on: dt.date
    announced: bool
    purpose: str
    status: str
    score: Decimal | None
    started_at: dt.datetime | None
    submitted_at: dt.datetime | None
    closed_at: dt.datetime | None


class FindingOut(Schema):
    id: int
    inspection_id: int
    number: int
    item: str
    owner_id: int
    owner_name: str
    requirement: str
    deadline: dt.date
    evidence_required: bool
    status: str
    overdue: bool
    escalation_level: int | None
    opened_at: dt.datetime
    responded_at: dt.datetime | None
    closed_at: dt.datetime | None


@router.get(
    "/inspections",
    response={200: list[InspectionOut], **ERRORS},
    summary="Inspections in your scope, the latest first (at most 500)",
)
@requires(Action.INSPECTION_VIEW)
def inspection_list(
    request: HttpRequest, status: InspectionStatus | None = None, target: int | None = None
) -> list[dict]:
    return [
        {
            "id": i.pk,
            "checklist": i.version.template.code,
            "checklist_title": i.version.template.title,
            "checklist_version": i.version.number,
            "target_id": i.target_id,
            "target_name": i.target.name,
            "target_region": i.target.region_id,
            "inspecting_organisation": i.inspecting_organisation.name,
            "team": i.team.name,
            "scheduled_on": i.scheduled_on,
            "announced": i.announced,
            "purpose": i.purpose,
            "status": i.status,
            "score": i.score,
            "started_at": i.started_at,
            "submitted_at": i.submitted_at,
            "closed_at": i.closed_at,
        }
        for i in selectors.schedule(user=request.auth, status=status or "", target=target, limit=LIST_LIMIT)
    ]


@router.get(
    "/inspections/findings",
    response={200: list[FindingOut], **ERRORS},
    summary="Findings to rectify in your scope, by status and deadline (at most 500); ?overdue=true for those "
    "open past their deadline",
)
@requires(Action.INSPECTION_VIEW)
def finding_list(
    request: HttpRequest,
    status: RectificationStatus | None = None,
    overdue: bool = False,
    owner: int | None = None,
    county: str = "",
) -> list[dict]:
    asked = selectors.OVERDUE if overdue else (status or "")
    rows = selectors.finding_list(
        user=request.auth, status=asked, owner=owner, county=county, limit=LIST_LIMIT
    )
    return [
        {
            "id": r.pk,
            "inspection_id": r.inspection_id,
            "number": r.number,
            "item": r.item.text,
            "owner_id": r.owner_id,
            "owner_name": r.owner.name,
            "requirement": r.requirement,
            "deadline": r.deadline,
            "evidence_required": r.evidence_required,
            "status": r.status,
            "overdue": r.overdue,  # type: ignore[attr-defined]
            "escalation_level": r.level,  # type: ignore[attr-defined]
            "opened_at": r.opened_at,
            "responded_at": r.responded_at,
            "closed_at": r.closed_at,
        }
        for r in rows
    ]
