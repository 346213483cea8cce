"""Police pages: the monthly evidence for dynamic control (on screen and as Excel) and the people eligible for a
control-level review. Each view is audited with what was shown (the month and the people listed)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from jiedu.community import evidence
from jiedu.core import audit, clock, months
from jiedu.core.pdf import xlsx_response
from jiedu.policy import Action
from jiedu.policy.views import guard


def _month(request: HttpRequest, today: dt.date) -> dt.date:
    """The month asked for, else the last full month."""
    return months.parse_month(request.GET.get("month", "")) or months.previous_month(today)


def _audit(request: HttpRequest, *, page: str, month: dt.date, person_ids: list[int]) -> None:
    with transaction.atomic():
        audit.record(
            "police.evidence_view",
            actor=request.user,
            detail={"page": page, "month": f"{month:%Y-%m}", "count": len(person_ids), "persons": person_ids},
        )


@guard(Action.POLICE_EVIDENCE)
@require_GET
def evidence_page(request: HttpRequest) -> HttpResponse:
    today = clock.local_today()
    month = _month(request, today)
    rows = evidence.evidence(user=request.user, month=month, today=today)
    _audit(request, page="evidence", month=month, person_ids=[r.person_id for r in rows])
    return render(
        request,
        "community/police_evidence.html",
        {
            "rows": rows,
            "month": month,
            "previous": months.months_back(month, 1),
            "next": months.months_back(month, -1),
            "columns": evidence.evidence_columns(),
        },
    )


@guard(Action.POLICE_EVIDENCE)
@require_GET
def evidence_export(request: HttpRequest) -> HttpResponse:
    today = clock.local_today()
    month = _month(request, today)
    rows = evidence.evidence(user=request.user, month=month, today=today)
    _audit(request, page="evidence.xlsx", month=month, person_ids=[r.person_id for r in rows])
    content = evidence.evidence_xlsx(rows=rows, month=month, station=request.user.organisation.name)
    return xlsx_response(content, filename=f"evidence-{month:%Y-%m}.xlsx")


@guard(Action.POLICE_EVIDENCE)
@require_GET
def review(request: HttpRequest) -> HttpResponse:
    today = clock.local_today()
    result = evidence.review_list(user=request.user, today=today)
    _audit(request, page="review", month=result.last_month, person_ids=[r.person_id for r in result.rows])
    return render(request, "community/police_review.html", {"result": result})
