"""Aggregate data pages: the data sets and submissions in the officer's scope, the entry form of a region's
period, a submission with its history, and the approver's steps (approve, return, reopen).

An officer sees the submissions of the regions in their own region and nothing else (404); enters the figures of
their own region only; approves those of the regions below it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jiedu.core import clock
from jiedu.core.errors import DomainError, FieldErrors, PermissionDenied
from jiedu.core.forms import apply_field_errors
from jiedu.datasets import rules, selectors, services
from jiedu.datasets.forms import EntryForm, ReasonForm
from jiedu.datasets.models import DataSet, Status, StepKind, Submission
from jiedu.policy import Action
from jiedu.policy.views import deny, guard
from jiedu.registry.models import Region


@guard(Action.DATASET_ENTER)
@require_GET
def submission_list(request: HttpRequest) -> HttpResponse:
    today = clock.local_today()
    context = {
        "offers": selectors.entry_offers(user=request.user, today=today),
        "rows": selectors.submission_list(user=request.user),
        "completeness": selectors.completeness(user=request.user, today=today),
    }
    return render(request, "datasets/list.html", context)


def _entry_page(
    request: HttpRequest,
    *,
    data_set: DataSet,
    region: Region,
    period: dt.date,
    submission: Submission | None,
    form: EntryForm | None,
    problem: str = "",
    status: int = 200,
) -> HttpResponse:
    context: dict[str, Any] = {
        "data_set": data_set,
        "region": region,
        "period": period,
        "period_label": rules.period_label(data_set.period_type, period),
        "submission": submission,
        "form": form,
        "problem": problem,
        "editable": submission is None or submission.status == Status.DRAFT,
    }
    if submission is not None:
        last = submission.steps.select_related("by").order_by("-at", "-pk").first()
        context["sent_back"] = last if last and last.kind in (StepKind.RETURNED, StepKind.REOPENED) else None
    if submission is not None and form is None:
        history = selectors.submission_history(submission)
        context["current"] = list(zip(history.elements, history.versions[0].cells, strict=True))
    return render(request, "datasets/entry.html", context, status=status)


@guard(Action.DATASET_ENTER)
@require_http_methods(["GET", "POST"])
def entry(request: HttpRequest, code: str, region: str, period: str) -> HttpResponse:
    data_set = DataSet.objects.filter(code=code).first()
    place = Region.objects.filter(code=region).first()
    try:
        start = dt.date.fromisoformat(period)
    except ValueError:
        start = None
    if (
        data_set is None
        or place is None
        or start is None
        or not selectors.region_in_scope(user=request.user, region=place)
    ):
        raise Http404
    if request.user.organisation is None or request.user.organisation.region_id != place.code:  # type: ignore[union-attr]
        return deny(request, Action.DATASET_ENTER)  # a region above sees the figures, it does not enter them
    submission = (
        Submission.objects.select_related("data_set", "region")
        .filter(data_set=data_set, region=place, period_start=start)
        .first()
    )
    page = {"data_set": data_set, "region": place, "period": start, "submission": submission}
    problem = rules.level_problem(data_set.reporting_level, place.level) or rules.period_problem(
        data_set.period_type, start, clock.local_today()
    )
    if problem and submission is None:
        return _entry_page(request, **page, form=None, problem=problem, status=400)
    if submission is not None and submission.status != Status.DRAFT:
        if request.method == "POST":
            return _entry_page(
                request, **page, form=None, problem=services.not_draft_message(submission.status), status=400
            )
        return _entry_page(request, **page, form=None)
    elements = list(data_set.elements.all())
    if request.method == "GET":
        current = selectors.values_of(submission) if submission else {}
        types = {e.code: e.value_type for e in elements}
        initial: dict[str, Any] = {c: rules.as_input(v, types[c]) for c, v in current.items()}
        initial["_seen"] = submission.version if submission else 0
        return _entry_page(request, **page, form=EntryForm(initial=initial, elements=elements))
    form = EntryForm(request.POST, elements=elements)
    if form.is_valid():
        try:
            saved = services.submission_save(
                actor=request.user,
                data_set=data_set,
                region=place,
                period=start,
                values=form.values(),
                expected_version=form.seen_version,
            )
            if request.POST.get("action") == "submit":
                services.submission_submit(actor=request.user, submission=saved.submission)
                messages.success(request, _("The figures are submitted for approval."))
                return HttpResponseRedirect(reverse("datasets:detail", args=[saved.submission.pk]))
        except FieldErrors as exc:
            apply_field_errors(form, exc)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            if saved.changed:
                messages.success(
                    request,
                    _("The figures are saved as version %(version)d.")
                    % {"version": saved.submission.version},
                )
            else:
                messages.info(request, _("Nothing changed: the figures are as saved."))
            return HttpResponseRedirect(request.path)
    return _entry_page(request, **page, form=form, status=400)


def _submission_or_404(request: HttpRequest, pk: int) -> Submission:
    try:
        return selectors.submission_get(user=request.user, pk=pk)
    except Submission.DoesNotExist:
        raise Http404 from None


def _detail(
    request: HttpRequest,
    submission: Submission,
    *,
    bound: dict[str, ReasonForm] | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    approver = services.may_approve(request.user, submission)
    context = {
        "submission": submission,
        "period_label": rules.period_label(submission.data_set.period_type, submission.period_start),
        "history": selectors.submission_history(submission),
        "approver": approver,
        "enterer": request.user.organisation is not None  # type: ignore[union-attr]
        and request.user.organisation.region_id == submission.region_id,  # type: ignore[union-attr]
        "forms": {
            "return": ReasonForm(prefix="return"),
            "reopen": ReasonForm(prefix="reopen"),
            **(bound or {}),
        },
        "error": error,
    }
    return render(request, "datasets/detail.html", context, status=status)


@guard(Action.DATASET_ENTER)
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _submission_or_404(request, pk))


def _approver_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    submission = _submission_or_404(request, pk)
    if not services.may_approve(request.user, submission):
        return deny(request, Action.DATASET_APPROVE)
    form = ReasonForm(request.POST, prefix=step)
    form.is_valid()  # a text field that may be blank: always valid; the service judges the reason
    try:
        if step == "approve":
            services.submission_approve(actor=request.user, submission=submission)
            done = _("The figures are approved.")
        elif step == "return":
            services.submission_return(
                actor=request.user, submission=submission, reason=form.cleaned_data["reason"]
            )
            done = _("The figures are returned to the region for correction.")
        else:
            services.submission_reopen(
                actor=request.user, submission=submission, reason=form.cleaned_data["reason"]
            )
            done = _("The figures are reopened: the region can correct them and submit them again.")
    except PermissionDenied:
        return deny(request, Action.DATASET_APPROVE)
    except FieldErrors as exc:
        apply_field_errors(form, exc)
        return _detail(request, _submission_or_404(request, pk), bound={step: form}, status=400)
    except DomainError as exc:
        return _detail(request, _submission_or_404(request, pk), error=exc.message, status=400)
    messages.success(request, done)
    return HttpResponseRedirect(reverse("datasets:detail", args=[pk]))


@guard(Action.DATASET_APPROVE)
@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _approver_step(request, pk, "approve")


@guard(Action.DATASET_APPROVE)
@require_POST
def return_(request: HttpRequest, pk: int) -> HttpResponse:
    return _approver_step(request, pk, "return")


@guard(Action.DATASET_APPROVE)
@require_POST
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    return _approver_step(request, pk, "reopen")
