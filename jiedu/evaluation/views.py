"""Annual evaluation pages: the evaluations in scope with the form to compute one, a scheme's criteria, an
evaluation's ranked table with its commendation list, publishing, and the Excel and PDF downloads.

An evaluation outside the user's scope is not found (404); publishing is refused (403) to a body below the one
that computed it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from jiedu.core import audit, clock
from jiedu.core.errors import DomainError, FieldErrors, PermissionDenied
from jiedu.core.forms import apply_field_errors
from jiedu.core.pdf import PdfUnavailable, pdf_response, render_pdf, xlsx_response
from jiedu.evaluation import exports, selectors, services
from jiedu.evaluation.models import Evaluation, EvaluationStatus, Scheme
from jiedu.policy import Action, can
from jiedu.policy.views import deny, guard
from jiedu.registry.models import OrganisationType


class ComputeForm(forms.Form):
    scheme = forms.ModelChoiceField(
        label=gettext_lazy("Scheme"), queryset=Scheme.objects.none(), empty_label=None, required=False
    )
    year = forms.IntegerField(label=gettext_lazy("Year"), required=False)
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scheme"].queryset = Scheme.objects.filter(is_active=True).order_by("subject", "code")


def _evaluation_or_404(request: HttpRequest, pk: int) -> Evaluation:
    try:
        return selectors.evaluation_get(user=request.user, pk=pk)
    except Evaluation.DoesNotExist:
        raise Http404 from None


def _list(request: HttpRequest, form: ComputeForm | None, status: int = 200) -> HttpResponse:
    manager = can(request.user, Action.EVALUATION_MANAGE)
    if manager and form is None:
        form = ComputeForm(initial={"year": clock.local_today().year - 1})
    context = {
        "evaluations": list(selectors.evaluations_in_scope(user=request.user)[:200]),
        "schemes": selectors.schemes_in_use(),
        "form": form if manager else None,
    }
    return render(request, "evaluation/list.html", context, status=status)


@guard(Action.EVALUATION_VIEW)
@require_GET
def evaluation_list(request: HttpRequest) -> HttpResponse:
    return _list(request, None)


@guard(Action.EVALUATION_MANAGE)
@require_POST
def evaluation_compute(request: HttpRequest) -> HttpResponse:
    form = ComputeForm(request.POST)
    if not form.is_valid():
        return _list(request, form, status=400)
    try:
        evaluation = services.evaluation_compute(
            actor=request.user,
            scheme=form.cleaned_data["scheme"],
            year=form.cleaned_data["year"],
            note=form.cleaned_data["note"],
        )
    except FieldErrors as exc:
        apply_field_errors(form, exc)
        return _list(request, form, status=400)
    messages.success(request, _("The evaluation is computed. Check it, then publish it."))
    return HttpResponseRedirect(reverse("evaluation:detail", args=[evaluation.pk]))


@guard(Action.EVALUATION_VIEW)
@require_GET
def scheme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = get_object_or_404(Scheme, pk=pk)
    criteria = list(scheme.criteria.order_by("order", "pk"))
    labels = dict(OrganisationType.choices)
    context = {
        "scheme": scheme,
        "criteria": criteria,
        "out_of": sum(c.weight for c in criteria),
        "kinds": [str(labels.get(t, t)) for t in scheme.institution_types],
    }
    return render(request, "evaluation/scheme.html", context)


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why is it withdrawn?"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


def _detail(
    request: HttpRequest,
    evaluation: Evaluation,
    *,
    withdraw_form: WithdrawForm | None = None,
    status: int = 200,
) -> HttpResponse:
    manager = can(request.user, Action.EVALUATION_MANAGE) and selectors.may_manage(request.user, evaluation)
    may_withdraw = manager and evaluation.status == EvaluationStatus.PUBLISHED
    context = {
        "table": selectors.table(evaluation),
        "evaluation": evaluation,
        "may_publish": manager and evaluation.status == EvaluationStatus.DRAFT,
        "withdraw_form": (withdraw_form or WithdrawForm()) if may_withdraw else None,
    }
    return render(request, "evaluation/detail.html", context, status=status)


@guard(Action.EVALUATION_VIEW)
@require_GET
def evaluation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _evaluation_or_404(request, pk))


@guard(Action.EVALUATION_MANAGE)
@require_POST
def evaluation_publish(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = _evaluation_or_404(request, pk)
    try:
        services.evaluation_publish(actor=request.user, evaluation=evaluation)
    except PermissionDenied:
        return deny(request, Action.EVALUATION_MANAGE)
    except DomainError as exc:
        messages.error(request, str(exc))
        return _detail(request, _evaluation_or_404(request, pk), status=400)
    messages.success(request, _("The evaluation is published."))
    return HttpResponseRedirect(reverse("evaluation:detail", args=[evaluation.pk]))


@guard(Action.EVALUATION_MANAGE)
@require_POST
def evaluation_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = _evaluation_or_404(request, pk)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        return _detail(request, evaluation, withdraw_form=form, status=400)
    try:
        services.evaluation_withdraw(
            actor=request.user, evaluation=evaluation, reason=form.cleaned_data["reason"]
        )
    except PermissionDenied:
        return deny(request, Action.EVALUATION_MANAGE)
    except FieldErrors as exc:
        apply_field_errors(form, exc)
        return _detail(request, evaluation, withdraw_form=form, status=400)
    except DomainError as exc:
        messages.error(request, str(exc))
        return _detail(request, _evaluation_or_404(request, pk), status=400)
    messages.success(
        request, _("The evaluation is withdrawn. A corrected one may now be computed and published.")
    )
    return HttpResponseRedirect(reverse("evaluation:detail", args=[evaluation.pk]))


def _audit_export(request: HttpRequest, evaluation: Evaluation, fmt: str) -> None:
    with transaction.atomic():
        audit.record(
            "evaluation.export",
            actor=request.user,
            obj=evaluation,
            detail={"format": fmt, "area": evaluation.area_id, "year": evaluation.year},
        )


def _filename(evaluation: Evaluation, extension: str) -> str:
    return f"evaluation-{evaluation.area_id}-{evaluation.year}-{evaluation.scheme.code}.{extension}"


@guard(Action.EVALUATION_VIEW)
@require_GET
def evaluation_workbook(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = _evaluation_or_404(request, pk)
    content = exports.workbook(selectors.table(evaluation))
    _audit_export(request, evaluation, "xlsx")
    return xlsx_response(content, filename=_filename(evaluation, "xlsx"))


@guard(Action.EVALUATION_VIEW)
@require_GET
def evaluation_report(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = _evaluation_or_404(request, pk)
    try:
        content = render_pdf(
            "evaluation/print/report.html", exports.report_context(selectors.table(evaluation))
        )
    except PdfUnavailable as exc:  # pragma: no cover - depends on the machine
        return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
    _audit_export(request, evaluation, "pdf")
    return pdf_response(content, filename=_filename(evaluation, "pdf"))
