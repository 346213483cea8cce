"""Report inboxes of police stations and community rehab offices: only what is addressed to the caller's
organisation, with the minimal fields (the full identity number included: recipients act on it). Viewing is
audited. No ``from __future__ import annotations``: django-ninja reads the real annotations.
"""

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Router

from jiedu.api.auth import requires
from jiedu.api.schemas import ErrorOut
from jiedu.api.schemas_mmt import AcknowledgedOut, InboxItemOut
from jiedu.core import audit, clock
from jiedu.policy import Action
from jiedu.reports import selectors, services

ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}

router = Router(tags=["reports"])


@router.get(
    "/reports/inbox",
    response={200: list[InboxItemOut], **ERRORS},
    summary="Reports addressed to your organisation (audited)",
)
@requires(Action.REPORT_INBOX)
def inbox(request: HttpRequest, overdue: bool = False) -> list[dict]:
    now = clock.now()
    deliveries = list(selectors.inbox(user=request.auth, overdue_only=overdue)[:1000])
    items = [
        {
            "delivery_id": d.pk,
            "kind": d.report.kind,
            "subject_name": d.report.subject_name,
            "id_number": d.report.subject_id_number(),
            "summary": d.report.summary,
            "source_id": d.report.source_id,
            "source_name": d.report.source.name,
            "event_on": d.report.event_on,
            "filed_at": d.report.created_at,
            "due_at": d.due_at,
            "acknowledged_at": d.acknowledged_at,
            "overdue": d.is_overdue(now),
        }
        for d in deliveries
    ]
    with transaction.atomic():
        audit.record(
            "report.inbox_view",
            actor=request.auth,
            detail={"count": len(items), "overdue_only": overdue},
        )
    return items


@router.post(
    "/reports/deliveries/{delivery_id}/acknowledge",
    response={200: AcknowledgedOut, **ERRORS},
    summary="Acknowledge a report (409 already_acknowledged the second time)",
)
@requires(Action.REPORT_INBOX)
def acknowledge(request: HttpRequest, delivery_id: int) -> dict:
    delivery = services.report_acknowledge(
        actor=request.auth, delivery=selectors.delivery_get(user=request.auth, pk=delivery_id)
    )
    return {
        "delivery_id": delivery.pk,
        "acknowledged_at": delivery.acknowledged_at,
        "acknowledged_by": request.auth.username,
    }
