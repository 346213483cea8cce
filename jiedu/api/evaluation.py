"""The annual comprehensive evaluation as JSON, for a provincial platform or an analyst: the evaluations in the
caller's scope (as the pages show them: drafts to the evaluating body and those above it, published and withdrawn
ones to the bodies below and to the clinics ranked in them) and one evaluation's ranking with each criterion's
value and points. Read only: computing, publishing and withdrawing are done on the pages. No ``from __future__
import annotations``: django-ninja reads the real annotations.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from jiedu.api.auth import requires
from jiedu.api.schemas import ErrorOut
from jiedu.evaluation import selectors
from jiedu.evaluation.models import Evaluation, EvaluationStatus
from jiedu.policy import Action

router = Router(tags=["evaluation"])
ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
LIST_LIMIT = 200


class EvaluationOut(Schema):
    id: int
    scheme: str
    scheme_name: str
    subject: str
    year: int
    area_code: str
    area_name: str
    organisation: str
    status: str
    out_of: Decimal
    indicators_as_of: dt.date | None
    computed_at: dt.datetime
    published_at: dt.datetime | None
    withdrawn_at: dt.datetime | None
    withdrawal_reason: str


class CriterionOut(Schema):
    code: str
    name: str
    source: str
    weight: Decimal


class ScoreOut(Schema):
    criterion: str
    value: Decimal | None
    numerator: Decimal | None
    denominator: Decimal | None
    points: Decimal | None
    exempt: bool


class ResultOut(Schema):
    rank: int | None
    county_code: str | None
    organisation_id: int | None
    name: str
    total: Decimal | None
    commended: bool
    vetoed: bool
    veto_reason: str
    scores: list[ScoreOut]


class EvaluationDetailOut(EvaluationOut):
    criteria: list[CriterionOut]
    results: list[ResultOut]


def _out(evaluation: Evaluation) -> dict:
    return {
        "id": evaluation.pk,
        "scheme": evaluation.scheme.code,
        "scheme_name": evaluation.scheme.name,
        "subject": evaluation.scheme.subject,
        "year": evaluation.year,
        "area_code": evaluation.area.code,
        "area_name": evaluation.area.name,
        "organisation": evaluation.organisation.name,
        "status": evaluation.status,
        "out_of": evaluation.out_of,
        "indicators_as_of": evaluation.indicators_as_of,
        "computed_at": evaluation.computed_at,
        "published_at": evaluation.published_at,
        "withdrawn_at": evaluation.withdrawn_at,
        "withdrawal_reason": evaluation.withdrawal_reason,
    }


@router.get(
    "/evaluations",
    response={200: list[EvaluationOut], **ERRORS},
    summary="Annual evaluations in your scope, the latest year first (at most 200)",
)
@requires(Action.EVALUATION_VIEW)
def evaluation_list(
    request: HttpRequest, year: int | None = None, scheme: str = "", status: EvaluationStatus | None = None
) -> list[dict]:
    found = selectors.evaluations_in_scope(user=request.auth)
    if year is not None:
        found = found.filter(year=year)
    if scheme:
        found = found.filter(scheme__code=scheme)
    if status is not None:
        found = found.filter(status=status)
    return [_out(e) for e in found[:LIST_LIMIT]]


@router.get(
    "/evaluations/{evaluation_id}",
    response={200: EvaluationDetailOut, **ERRORS},
    summary="One evaluation: its criteria and the ranking with each criterion's value and points",
)
@requires(Action.EVALUATION_VIEW)
def evaluation_detail(request: HttpRequest, evaluation_id: int) -> dict:
    table = selectors.table(selectors.evaluation_get(user=request.auth, pk=evaluation_id))
    return {
        **_out(table.evaluation),
        "criteria": [
            {"code": c.code, "name": c.name, "source": c.source, "weight": c.weight} for c in table.criteria
        ],
        "results": [
            {
                "rank": row.result.rank,
                "county_code": row.result.county_id,
                "organisation_id": row.result.organisation_id,
                "name": row.name,
                "total": row.result.total,
                "commended": row.result.commended,
                "vetoed": row.result.vetoed,
                "veto_reason": row.result.veto_reason,
                "scores": [
                    {
                        "criterion": criterion.code,
                        "value": None if cell.part is None else cell.part.value,
                        "numerator": None if cell.part is None else cell.part.numerator,
                        "denominator": None if cell.part is None else cell.part.denominator,
                        "points": cell.points,
                        "exempt": cell.exempt,
                    }
                    for criterion, cell in zip(table.criteria, row.cells, strict=True)
                ],
            }
            for row in table.rows
        ],
    }
