"""Writes of the annual evaluation: computing a scheme for an area and a year, and publishing the result."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import formats
from django.utils.translation import gettext as _

from jiedu.core import audit, clock
from jiedu.core.errors import DomainError, FieldErrors, PermissionDenied
from jiedu.evaluation import rules, selectors
from jiedu.evaluation.models import (
    COUNTY_ONLY_SOURCES,
    Criterion,
    Evaluation,
    EvaluationStatus,
    Part,
    Result,
    Scheme,
    Source,
    SubjectKind,
)
from jiedu.indicators.selectors import as_of
from jiedu.policy import Action, can
from jiedu.registry.models import RegionLevel

#: The first year an evaluation may be computed for.
FIRST_YEAR = 2000


def _may_manage(actor: Any) -> None:
    if not can(actor, Action.EVALUATION_MANAGE) or getattr(actor, "organisation", None) is None:
        raise PermissionDenied(
            _("Only the health commission and the narcotics office compute the evaluation.")
        )


def _checked(actor: Any, scheme: Scheme | None, year: int | None) -> tuple[Scheme, int, list[Criterion]]:
    errors: dict[str, list[str]] = {}
    today = clock.local_today()
    if scheme is None or not scheme.is_active:
        errors["scheme"] = [_("Choose a scheme in use.")]
    if year is None:
        errors["year"] = [_("Enter the year to evaluate.")]
    elif year < FIRST_YEAR:
        errors["year"] = [_("Enter a year from %(first)s.") % {"first": FIRST_YEAR}]
    elif today <= dt.date(year, 12, 31):
        errors["year"] = [
            _("The year %(year)s is not over; it is evaluated from 1 January %(next)s.")
            % {"year": year, "next": year + 1}
        ]
    if errors:
        raise FieldErrors(errors)
    assert scheme is not None and year is not None
    criteria = list(scheme.criteria.order_by("order", "pk"))
    area = actor.organisation.region
    if not criteria:
        raise FieldErrors({"scheme": [_("The scheme has no criteria.")]})
    if scheme.subject == SubjectKind.COUNTY and area.level == RegionLevel.COUNTY:
        raise FieldErrors(
            {"scheme": [_("Counties are evaluated by the prefecture or the province above them.")]}
        )
    if scheme.subject == SubjectKind.INSTITUTION and any(c.source in COUNTY_ONLY_SOURCES for c in criteria):
        raise FieldErrors(
            {"scheme": [_("The scheme scores institutions on figures counted by county only.")]}
        )
    if any(c.source == Source.INDICATOR for c in criteria):
        through = as_of()
        if through is None or through < dt.date(year, 12, 31):
            shown = formats.date_format(through, "SHORT_DATE_FORMAT") if through else _("no day yet")
            raise FieldErrors(
                {
                    "year": [
                        _(
                            "The indicators are computed up to %(day)s: the year's figures are complete once the "
                            "nightly rollup has passed 31 December %(year)s."
                        )
                        % {"day": shown, "year": year}
                    ]
                }
            )
    return scheme, year, criteria


def evaluation_compute(*, actor: Any, scheme: Scheme | None, year: int | None, note: str = "") -> Evaluation:
    """Compute ``scheme`` for the actor's area and ``year``: every subject's parts, total, rank, veto and
    commendation, written as a new draft evaluation."""
    _may_manage(actor)
    scheme, year, criteria = _checked(actor, scheme, year)
    note = (note or "").strip()
    if len(note) > 500:
        raise FieldErrors({"note": [_("Keep the note within 500 characters.")]})
    area = actor.organisation.region
    county = scheme.subject == SubjectKind.COUNTY
    if county:
        subjects: list[Any] = [c.code for c in selectors.counties_on_platform(area)]
    else:
        subjects = [o.pk for o in selectors.institutions(area, list(scheme.institution_types))]
    if not subjects:
        raise FieldErrors(
            {"scheme": [_("There is nothing in %(area)s that the scheme evaluates.") % {"area": area.name}]}
        )
    found = selectors.measures(scheme, criteria, area=area, year=year, subjects=subjects)
    losses = selectors.losses(area=area, year=year, county=county) if scheme.veto_on_loss else {}
    scored: dict[Any, list[tuple[Criterion, selectors.Measure, Any]]] = {}
    totals: dict[Any, Any] = {}
    for subject in subjects:
        row = []
        for c in criteria:
            measure = found.get((subject, c.code), selectors.NOTHING)
            rule = rules.Rule(weight=c.weight, zero_at=c.zero_at, full_at=c.full_at, missing=c.missing)
            row.append((c, measure, rules.points(rule, measure.value)))
        scored[subject] = row
        totals[subject] = rules.total((c.weight, got) for c, _m, got in row)
    ranks = rules.rank(totals)
    vetoed = {s for s in subjects if losses.get(s)}
    honoured = rules.commended(
        ranks, totals, places=scheme.commend_places, minimum=scheme.commend_minimum, vetoed=vetoed
    )
    with transaction.atomic(durable=True):
        evaluation = Evaluation.objects.create(
            scheme=scheme,
            year=year,
            area=area,
            organisation=actor.organisation,
            status=EvaluationStatus.DRAFT,
            out_of=sum((c.weight for c in criteria), Decimal(0)),
            indicators_as_of=as_of(),
            computed_by=actor,
            computed_at=clock.now(),
            note=note,
        )
        results = Result.objects.bulk_create(
            [
                Result(
                    evaluation=evaluation,
                    county_id=subject if county else None,
                    organisation_id=None if county else subject,
                    total=totals[subject],
                    rank=ranks[subject],
                    commended=subject in honoured,
                    vetoed=subject in vetoed,
                    losses=losses.get(subject, 0),
                )
                for subject in subjects
            ]
        )
        Part.objects.bulk_create(
            [
                Part(
                    result=result,
                    criterion=c,
                    weight=c.weight,
                    zero_at=c.zero_at,
                    full_at=c.full_at,
                    missing=c.missing,
                    value=measure.value,
                    numerator=measure.numerator,
                    denominator=measure.denominator,
                    points=got,
                )
                for result, subject in zip(results, subjects, strict=True)
                for c, measure, got in scored[subject]
            ]
        )
        audit.record(
            "evaluation.compute",
            actor=actor,
            obj=evaluation,
            detail={
                "scheme": scheme.code,
                "area": area.code,
                "year": year,
                "subjects": len(subjects),
                "commended": len(honoured),
                "vetoed": len(vetoed),
            },
        )
    return evaluation


def evaluation_publish(*, actor: Any, evaluation: Evaluation) -> Evaluation:
    """Publish a computed evaluation: it then stands as the year's evaluation of the area under its scheme."""
    _may_manage(actor)
    if not selectors.may_manage(actor, evaluation):
        raise PermissionDenied(
            _("Only the body that computed the evaluation, or one above it, publishes it.")
        )
    try:
        with transaction.atomic(durable=True):
            current = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
            if current.status == EvaluationStatus.WITHDRAWN:
                raise DomainError(
                    _("This evaluation was withdrawn: compute a corrected one and publish that."),
                    code="withdrawn",
                )
            if current.status != EvaluationStatus.DRAFT:
                raise DomainError(_("This evaluation is already published."), code="published")
            if Evaluation.objects.filter(
                scheme_id=current.scheme_id,
                area_id=current.area_id,
                year=current.year,
                status=EvaluationStatus.PUBLISHED,
            ).exists():
                raise DomainError(
                    _("The %(year)s evaluation of %(area)s under this scheme is already published.")
                    % {"year": current.year, "area": current.area.name},
                    code="published",
                )
            current.status = EvaluationStatus.PUBLISHED
            current.published_by = actor
            current.published_at = clock.now()
            current.save(update_fields=["status", "published_by", "published_at"])
            audit.record(
                "evaluation.publish",
                actor=actor,
                obj=current,
                detail={"scheme": current.scheme.code, "area": current.area_id, "year": current.year},
            )
    except IntegrityError:  # another publication of the same year won the race
        raise DomainError(
            _("The %(year)s evaluation of %(area)s under this scheme is already published.")
            % {"year": evaluation.year, "area": evaluation.area.name},
            code="published",
        ) from None
    return current


def evaluation_withdraw(*, actor: Any, evaluation: Evaluation, reason: str) -> Evaluation:
    """Withdraw a published evaluation, saying why (a wrong figure, a finding decided otherwise on appeal). It stays
    readable, marked withdrawn with who, when and why; a corrected evaluation of the same year may then be computed
    and published in its place."""
    _may_manage(actor)
    if not selectors.may_manage(actor, evaluation):
        raise PermissionDenied(
            _("Only the body that computed the evaluation, or one above it, withdraws it.")
        )
    reason = (reason or "").strip()
    if not reason:
        raise FieldErrors({"reason": [_("Say why the evaluation is withdrawn.")]})
    if len(reason) > 500:
        raise FieldErrors({"reason": [_("Keep the reason within 500 characters.")]})
    with transaction.atomic(durable=True):
        current = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
        if current.status != EvaluationStatus.PUBLISHED:
            message = (
                _("This evaluation is withdrawn already.")
                if current.status == EvaluationStatus.WITHDRAWN
                else _("Only a published evaluation is withdrawn; a draft is simply not published.")
            )
            raise DomainError(message, code=current.status)
        current.status = EvaluationStatus.WITHDRAWN
        current.withdrawn_by = actor
        current.withdrawn_at = clock.now()
        current.withdrawal_reason = reason
        current.save(update_fields=["status", "withdrawn_by", "withdrawn_at", "withdrawal_reason"])
        audit.record(
            "evaluation.withdraw",
            actor=actor,
            obj=current,
            detail={
                "scheme": current.scheme.code,
                "area": current.area_id,
                "year": current.year,
                "reason": reason,
            },
        )
    evaluation.status = current.status
    return current
