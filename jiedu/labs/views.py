"""Test pages: the clinic's urine draw of the day and the infection tests due; recording a test and a result."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from jiedu.core import clock
from jiedu.core.errors import FieldErrors
from jiedu.core.forms import apply_field_errors
from jiedu.labs import services
from jiedu.labs.forms import LabTestForm, ResultForm
from jiedu.labs.models import LabKind, LabTest, UrineSelectionLine
from jiedu.labs.selectors import visible_tests
from jiedu.policy import Action, can
from jiedu.policy.scope import persons_in_scope
from jiedu.policy.views import guard


def _clinic(user: Any) -> Any:
    org = user.organisation
    return org.parent_clinic if org.parent_clinic_id else org


@guard(Action.LAB_URINE)
@require_GET
def today(request: HttpRequest) -> HttpResponse:
    clinic = _clinic(request.user)
    day = clock.local_today()
    selection = services.urine_select(clinic=clinic, day=day)
    lines = list(selection.lines.select_related("episode__person").order_by("episode__person__name"))
    taken = dict(LabTest.objects.filter(selection_line__in=lines).values_list("selection_line_id", "pk"))
    due = (
        services.infection_schedule(clinic=clinic, today=day)
        if can(request.user, Action.LAB_INFECTION)
        else None
    )
    pending = visible_tests(request.user).filter(result="").select_related("person").order_by("collected_on")
    return render(
        request,
        "labs/today.html",
        {
            "clinic": clinic,
            "day": day,
            "lines": [(line, taken.get(line.pk)) for line in lines],
            "due": due,
            "pending": pending,
        },
    )


@guard(Action.LAB_URINE)
@require_http_methods(["GET", "POST"])
def record(request: HttpRequest) -> HttpResponse:
    person = persons_in_scope(request.user).filter(pk=request.GET.get("person") or 0).first()
    if person is None:
        raise Http404
    line = None
    if request.GET.get("line"):
        line = (
            UrineSelectionLine.objects.filter(pk=request.GET["line"], episode__person=person)
            .select_related("episode")
            .first()
        )
        if line is None:
            raise Http404
    form = LabTestForm(
        request.POST or None,
        infections=can(request.user, Action.LAB_INFECTION),
        initial={
            "kind": "urine",
            "reason": line.reason if line else "random",
            "collected_on": clock.local_today(),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            test = services.lab_record(
                actor=request.user,
                person=person,
                kind=data["kind"],
                reason=data["reason"],
                collected_on=data["collected_on"],
                result=data.get("result", "") if data["kind"] != LabKind.URINE else "",
                analytes=form.analytes() if data["kind"] == LabKind.URINE else None,
                selection_line=line,
                note=data["note"],
            )
        except FieldErrors as exc:
            apply_field_errors(form, exc, {"analytes": "analyte_opiates"})
        else:
            if test.kind == LabKind.URINE and test.analytes.get("opiates") == "positive":
                messages.warning(
                    request,
                    _(
                        "Opiates positive: a relapse report has been filed and the doctor is asked to review the dose."
                    ),
                )
            else:
                messages.success(request, _("The test is recorded."))
            return HttpResponseRedirect(reverse("labs:today"))
    return render(
        request,
        "labs/record.html",
        {"form": form, "person": person, "line": line},
        status=400 if form.errors else 200,
    )


@guard(Action.LAB_INFECTION)
@require_http_methods(["GET", "POST"])
def result(request: HttpRequest, pk: int) -> HttpResponse:
    test = visible_tests(request.user).filter(pk=pk).select_related("person").first()
    if test is None:
        raise Http404
    form = ResultForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.lab_result(actor=request.user, test=test, result=form.cleaned_data["result"])
        except FieldErrors as exc:
            apply_field_errors(form, exc)
        else:
            messages.success(request, _("The result is recorded."))
            return HttpResponseRedirect(reverse("labs:today"))
    return render(
        request, "labs/result.html", {"form": form, "test": test}, status=400 if form.errors else 200
    )
