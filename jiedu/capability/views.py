"""Capability pages: the units in scope, a unit's registers (kept by its head), a rule document's file, the
framework, assessing a unit, an assessment (adjust, confirm), a unit's gap list, and the regional roll-up with its
Excel export.

A unit outside the user's scope is not found (404); a role without the action, or a head acting on a unit not
their own, is refused (403)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from jiedu.capability import exports, rules, selectors, services
from jiedu.capability.files import DocumentError, read_document
from jiedu.capability.forms import (
    AdjustForm,
    AssessForm,
    CollaborationEndForm,
    CollaborationForm,
    ConfirmForm,
    DepartmentCloseForm,
    DepartmentForm,
    EquipmentCheckForm,
    EquipmentForm,
    RuleForm,
    RuleVersionForm,
)
from jiedu.capability.models import (
    Assessment,
    Collaboration,
    Department,
    Dimension,
    Equipment,
    Framework,
    RuleDocument,
    RuleVersion,
)
from jiedu.core import clock
from jiedu.core.errors import DomainError, FieldErrors, PermissionDenied
from jiedu.core.forms import apply_field_errors
from jiedu.core.pdf import xlsx_response
from jiedu.policy import Action, can
from jiedu.policy.views import deny, guard
from jiedu.registry.models import Organisation


def _unit_or_404(request: HttpRequest, pk: int) -> Organisation:
    try:
        return selectors.unit_get(user=request.user, pk=pk)
    except Organisation.DoesNotExist:
        raise Http404 from None


def _day(request: HttpRequest, today: dt.date) -> dt.date:
    try:
        day = dt.date.fromisoformat(request.GET.get("on", ""))
    except ValueError:
        return today
    return min(day, today)


@guard(Action.CAPABILITY_VIEW)
@require_GET
def units(request: HttpRequest) -> HttpResponse:
    found = list(
        selectors.units_in_scope(user=request.user).select_related("region").order_by("type", "name")
    )
    latest = selectors.latest_assessments(units=found)
    context = {
        "rows": [(u, latest.get(u.pk)) for u in found],
        "frameworks": Framework.objects.filter(is_active=True).order_by("unit_type"),
        "assess": can(request.user, Action.CAPABILITY_ASSESS),
    }
    return render(request, "capability/units.html", context)


# --- a unit's registers -------------------------------------------------------------------------------------------


def _forms(unit: Organisation, data: Any = None, files: Any = None) -> dict[str, forms.Form]:
    departments = Department.objects.filter(organisation=unit, closure__isnull=True).order_by("kind", "name")
    equipment = Equipment.objects.filter(organisation=unit).order_by("kind", "name")
    documents = RuleDocument.objects.filter(organisation=unit).order_by("title")
    collaborations = Collaboration.objects.filter(organisation=unit, end__isnull=True).order_by(
        "kind", "partner"
    )
    return {
        "department": DepartmentForm(data, prefix="department"),
        "department_close": DepartmentCloseForm(data, prefix="department_close", departments=departments),
        "equipment": EquipmentForm(data, prefix="equipment"),
        "check": EquipmentCheckForm(data, prefix="check", equipment=equipment),
        "rule": RuleForm(data, files, prefix="rule"),
        "rule_version": RuleVersionForm(data, files, prefix="rule_version", documents=documents),
        "collaboration": CollaborationForm(data, prefix="collaboration"),
        "collaboration_end": CollaborationEndForm(
            data, prefix="collaboration_end", collaborations=collaborations
        ),
    }


def _upload(form: forms.Form) -> Any:
    upload = form.cleaned_data.get("file")
    if upload is None:
        return None
    return read_document(upload, size=upload.size, name=upload.name)


def _apply(request: HttpRequest, unit: Organisation, action: str, form: forms.Form) -> str:
    """Carry out one POSTed register form; returns the success message."""
    user, data = request.user, form.cleaned_data
    if action == "department":
        made = services.department_register(actor=user, unit=unit, **data)
        return _("%(name)s is in the register.") % {"name": made.name}
    if action == "department_close":
        services.department_close(
            actor=user, department=data["department"], closed_on=data["closed_on"], reason=data["reason"]
        )
        return _("The department's closure is recorded.")
    if action == "equipment":
        item = services.equipment_register(actor=user, unit=unit, **data)
        return _("%(name)s is in the register.") % {"name": item.name}
    if action == "check":
        services.equipment_check(
            actor=user,
            equipment=data["equipment"],
            checked_on=data["checked_on"],
            check_kind=data["check_kind"],
            condition=data["condition"],
            note=data["note"],
        )
        return _("The check is recorded.")
    if action == "rule":
        try:
            document = _upload(form)
        except DocumentError as exc:
            raise FieldErrors({"file": [str(exc)]}) from None
        version = services.rule_add(
            actor=user,
            unit=unit,
            title=data["title"],
            category=data["category"],
            version=data["version"],
            effective_on=data["effective_on"],
            document=document,
            note=data["note"],
        )
        return _("%(title)s is in the library.") % {"title": version.document.title}
    if action == "rule_version":
        try:
            document = _upload(form)
        except DocumentError as exc:
            raise FieldErrors({"file": [str(exc)]}) from None
        services.rule_revise(
            actor=user,
            document=data["document"],
            version=data["version"],
            effective_on=data["effective_on"],
            upload=document,
            note=data["note"],
        )
        return _("The new version is in the library.")
    if action == "collaboration":
        made = services.collaboration_register(actor=user, unit=unit, **data)
        return _("%(what)s is in the register.") % {"what": made}
    services.collaboration_end(
        actor=user, collaboration=data["collaboration"], ended_on=data["ended_on"], reason=data["reason"]
    )
    return _("The end of the agreement is recorded.")


@guard(Action.CAPABILITY_VIEW)
@require_http_methods(["GET", "POST"])
def unit(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _unit_or_404(request, pk)
    today = clock.local_today()
    manage = selectors.may_register(request.user, unit)
    bound = _forms(unit) if manage else {}
    status = 200
    if request.method == "POST":
        if not manage:
            return deny(request, Action.CAPABILITY_REGISTER)
        action = request.POST.get("action", "")
        if action not in bound:
            raise Http404
        form = _forms(unit, request.POST, request.FILES)[action]
        bound[action] = form
        status = 400
        if form.is_valid():
            try:
                message = _apply(request, unit, action, form)
            except PermissionDenied:
                return deny(request, Action.CAPABILITY_REGISTER)
            except FieldErrors as exc:
                apply_field_errors(form, exc)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, message)
                return HttpResponseRedirect(reverse("capability:unit", args=[unit.pk]))
    on = _day(request, today)
    context = {
        "unit": unit,
        "registers": selectors.registers(unit=unit, on=on),
        "on": on,
        "today": today,
        "manage": manage,
        "forms": bound,
        "open": request.POST.get("action", "") if status == 400 else "",
        "assess": selectors.may_assess(request.user, unit),
        "latest": selectors.latest_assessment(unit=unit),
    }
    return render(request, "capability/unit.html", context, status=status)


@guard(Action.CAPABILITY_VIEW)
@require_GET
def rule_file(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        version = selectors.rule_version_get(user=request.user, pk=pk)
    except RuleVersion.DoesNotExist:
        raise Http404 from None
    response = FileResponse(
        version.file.open("rb"),
        content_type=version.content_type,
        as_attachment=True,
        filename=version.file_name,
    )
    response["Cache-Control"] = "private, no-store"
    return response


@guard(Action.CAPABILITY_VIEW)
@require_GET
def framework(request: HttpRequest, code: str) -> HttpResponse:
    found = Framework.objects.filter(code=code).first()
    if found is None:
        raise Http404
    criteria = list(found.criteria.order_by("order", "pk"))
    rows = [(c, rules.parameter_label(c.source, c.parameter)) for c in criteria]
    return render(request, "capability/framework.html", {"framework": found, "rows": rows})


# --- assessing ------------------------------------------------------------------------------------------------------


@guard(Action.CAPABILITY_ASSESS)
@require_http_methods(["GET", "POST"])
def assess(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _unit_or_404(request, pk)
    if not selectors.may_assess(request.user, unit):
        return deny(request, Action.CAPABILITY_ASSESS)
    today = clock.local_today()
    form = AssessForm(request.POST or None, initial={"on": today})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                made = services.assessment_create(actor=request.user, unit=unit, on=form.cleaned_data["on"])
            except PermissionDenied:
                return deny(request, Action.CAPABILITY_ASSESS)
            except FieldErrors as exc:
                apply_field_errors(form, exc)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request, _("The unit is assessed: check the scores and the gaps, then confirm.")
                )
                return HttpResponseRedirect(reverse("capability:assessment", args=[made.pk]))
    framework = selectors.framework_for(unit)
    preview = None
    if framework is not None:
        on = _day(request, today)
        results = rules.evaluate(
            list(framework.criteria.order_by("order", "pk")),
            selectors.unit_facts(units=[unit], on=on)[unit.pk],
        )
        scores = rules.dimension_scores(results)
        preview = {
            "on": on,
            "scores": [(Dimension(d).label, s) for d, s in scores.items()],
            "overall": rules.overall(scores),
        }
    context = {"unit": unit, "form": form, "framework": framework, "preview": preview}
    return render(request, "capability/assess.html", context, status=status)


def _assessment_or_404(request: HttpRequest, pk: int) -> Assessment:
    try:
        return selectors.assessment_get(user=request.user, pk=pk)
    except Assessment.DoesNotExist:
        raise Http404 from None


@guard(Action.CAPABILITY_VIEW)
@require_http_methods(["GET", "POST"])
def assessment(request: HttpRequest, pk: int) -> HttpResponse:
    found = _assessment_or_404(request, pk)
    assessor = selectors.may_assess(request.user, found.organisation)
    bound: dict[str, forms.Form] = {
        "adjust": AdjustForm(prefix="adjust"),
        "confirm": ConfirmForm(prefix="confirm"),
    }
    status = 200
    if request.method == "POST":
        if not assessor:
            return deny(request, Action.CAPABILITY_ASSESS)
        action = request.POST.get("action", "")
        if action not in bound:
            raise Http404
        form = (
            AdjustForm(request.POST, prefix="adjust")
            if action == "adjust"
            else ConfirmForm(request.POST, prefix="confirm")
        )
        bound[action] = form
        status = 400
        if form.is_valid():
            try:
                if action == "adjust":
                    services.assessment_adjust(actor=request.user, assessment=found, **form.cleaned_data)
                    done = _("The score is adjusted; the reason is kept.")
                else:
                    services.assessment_confirm(actor=request.user, assessment=found)
                    done = _("The assessment is confirmed.")
            except PermissionDenied:
                return deny(request, Action.CAPABILITY_ASSESS)
            except FieldErrors as exc:
                apply_field_errors(form, exc)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, done)
                return HttpResponseRedirect(reverse("capability:assessment", args=[found.pk]))
        found = _assessment_or_404(request, pk)
    context = {"view": selectors.assessment_view(found), "assessor": assessor, "forms": bound}
    return render(request, "capability/assessment.html", context, status=status)


@guard(Action.CAPABILITY_VIEW)
@require_GET
def gaps(request: HttpRequest, pk: int) -> HttpResponse:
    """The gap list of the unit's latest assessment (or, if it has none, of its registers today)."""
    unit = _unit_or_404(request, pk)
    latest = selectors.latest_assessment(unit=unit)
    live = None
    if latest is None:
        framework = selectors.framework_for(unit)
        if framework is not None:
            today = clock.local_today()
            results = rules.evaluate(
                list(framework.criteria.order_by("order", "pk")),
                selectors.unit_facts(units=[unit], on=today)[unit.pk],
            )
            live = [
                (
                    r.criterion,
                    rules.gap_text(r.criterion.source, r.criterion.parameter, r.found, r.required, r.detail),
                )
                for r in results
                if not r.met
            ]
    context = {
        "unit": unit,
        "latest": latest,
        "view": selectors.assessment_view(latest) if latest else None,
        "live": live,
        "today": clock.local_today(),
    }
    return render(request, "capability/gaps.html", context)


# --- the roll-up ------------------------------------------------------------------------------------------------------


def _area(request: HttpRequest) -> str:
    org = request.user.organisation  # type: ignore[union-attr]
    return org.region.name if org is not None else _("All regions")


@guard(Action.CAPABILITY_VIEW)
@require_GET
def rollup(request: HttpRequest) -> HttpResponse:
    on = _day(request, clock.local_today())
    found = list(selectors.units_in_scope(user=request.user).select_related("region").order_by("name"))
    view = selectors.rollup(units=found, on=on)
    context = {
        "view": view,
        "area": _area(request),
        "groups": exports.count_groups(view),
        "on": on,
        "dimensions": Dimension.choices,
    }
    return render(request, "capability/rollup.html", context)


@guard(Action.CAPABILITY_VIEW)
@require_GET
def rollup_export(request: HttpRequest) -> HttpResponse:
    on = _day(request, clock.local_today())
    found = list(selectors.units_in_scope(user=request.user).select_related("region").order_by("name"))
    content = exports.workbook(selectors.rollup(units=found, on=on), area=_area(request))
    return xlsx_response(content, filename=f"capability-{on.isoformat()}.xlsx")
