"""Workforce pages: the staff register (list, a staff member with their history, register, correct, leave, a
further-study placement, CSV), turnover by period, staff drug screening (its own pages and CSV, for the head of
the institution and the health commission only), and training courses with their participants and totals.

A staff member, organisation or course outside the user's scope is not found (404); a role without the action is
refused (403)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from jiedu.core import audit, clock
from jiedu.core.errors import DomainError, FieldErrors, PermissionDenied
from jiedu.core.exports import csv_response
from jiedu.core.forms import apply_field_errors
from jiedu.core.selectors import rule_value
from jiedu.policy import Action, can
from jiedu.policy.views import deny, guard
from jiedu.registry.models import Organisation, Region
from jiedu.workforce import rules, selectors, services
from jiedu.workforce.forms import (
    CorrectionForm,
    CountedParticipantsForm,
    CourseForm,
    LeaveForm,
    NamedParticipantsForm,
    PlacementForm,
    ScreeningForm,
    StaffForm,
    correction_initial,
)
from jiedu.workforce.models import Course, StaffMember


def _render(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    """Render a workforce page with the tabs the user may open."""
    tabs = {
        "perms_staff": can(request.user, Action.STAFF_VIEW),
        "perms_screening": can(request.user, Action.STAFF_SCREENING),
        "perms_training": can(request.user, Action.TRAINING_VIEW),
    }
    return render(request, template, {**tabs, **context}, status=status)


def _region(request: HttpRequest) -> str | None:
    org = request.user.organisation  # type: ignore[union-attr]
    return org.region_id if org is not None else None


def _organisation_or_404(request: HttpRequest, pk: Any, action: Action) -> Organisation:
    try:
        return (
            selectors.staff_organisations(user=request.user, action=action)
            .select_related("region")
            .get(pk=pk)
        )
    except (Organisation.DoesNotExist, ValueError):
        raise Http404 from None


def _staff_or_404(request: HttpRequest, pk: int) -> StaffMember:
    try:
        return selectors.staff_get(user=request.user, pk=pk)
    except StaffMember.DoesNotExist:
        raise Http404 from None


def _org_filter(request: HttpRequest, action: Action) -> Organisation | None:
    raw = request.GET.get("org", "")
    if not raw:
        return None
    return _organisation_or_404(request, raw, action)


# --- the register -------------------------------------------------------------------------------------------------


@guard(Action.STAFF_VIEW)
@require_GET
def staff_list(request: HttpRequest) -> HttpResponse:
    today = clock.local_today()
    chosen = _org_filter(request, Action.STAFF_VIEW)
    include_left = request.GET.get("left") == "1"
    organisations = list(selectors.staff_organisations(user=request.user).order_by("name"))
    shown = [chosen] if chosen else organisations
    structures = selectors.staff_structure(organisation_ids=[o.pk for o in shown], on=today)
    warning = rule_value("workforce.certificate_warning_days", region_code=_region(request))
    context = {
        "organisations": organisations,
        "chosen": chosen,
        "include_left": include_left,
        "rows": selectors.staff_list(
            user=request.user,
            today=today,
            warning_days=warning,
            organisation_id=chosen.pk if chosen else None,
            include_left=include_left,
        ),
        "structures": [(o, structures[o.pk]) for o in shown],
        "manage": can(request.user, Action.STAFF_MANAGE),
        "screening": can(request.user, Action.STAFF_SCREENING),
        "today": today,
        "warning_days": warning,
    }
    return _render(request, "workforce/staff_list.html", context)


def _csv_date(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


@guard(Action.STAFF_VIEW)
@require_GET
def staff_export(request: HttpRequest) -> HttpResponse:
    """CSV of every staff record in the user's scope, those who left included. Never any screening. Audited."""
    found = (
        selectors.staff_in_scope(user=request.user)
        .select_related("organisation")
        .order_by("organisation__name", "name", "pk")
    )
    with transaction.atomic():
        audit.record("staff.export", actor=request.user, detail={"format": "csv", "rows": found.count()})
    header = [
        _("Organisation"),
        _("Name"),
        _("Sex"),
        _("Profession"),
        _("Education"),
        _("Professional title"),
        _("Practising certificate"),
        _("Certificate number"),
        _("Certificate valid from"),
        _("Certificate valid to"),
        _("First working day"),
        _("Last working day"),
        _("Leave reason"),
    ]
    rows = (
        [
            s.organisation.name,
            s.name,
            s.get_sex_display(),
            s.get_profession_display(),
            s.get_education_display(),
            s.get_title_display(),
            s.get_certificate_type_display(),
            s.certificate_number,
            _csv_date(s.certificate_valid_from),
            _csv_date(s.certificate_valid_to),
            _csv_date(s.start_date),
            _csv_date(s.leave_date),
            s.get_leave_reason_display(),
        ]
        for s in found.iterator(chunk_size=1000)
    )
    return csv_response(filename="staff.csv", header=header, rows=rows)


@guard(Action.STAFF_MANAGE)
@require_http_methods(["GET", "POST"])
def staff_register(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = _organisation_or_404(request, pk, Action.STAFF_MANAGE)
    form = StaffForm(request.POST or None, organisation=organisation)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                staff = services.staff_register(
                    actor=request.user, organisation=organisation, **form.values()
                )
            except PermissionDenied:
                return deny(request, Action.STAFF_MANAGE)
            except FieldErrors as exc:
                apply_field_errors(form, exc)
            else:
                messages.success(request, _("%(name)s is in the staff register.") % {"name": staff.name})
                return HttpResponseRedirect(reverse("workforce:staff", args=[staff.pk]))
    return _render(
        request,
        "workforce/staff_form.html",
        {"form": form, "organisation": organisation, "staff": None},
        status=status,
    )


@guard(Action.STAFF_VIEW)
@require_GET
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    staff = _staff_or_404(request, pk)
    screening = can(request.user, Action.STAFF_SCREENING) and selectors.may(
        request.user, staff.organisation, Action.STAFF_SCREENING
    )
    context = {
        "staff": staff,
        "history": selectors.staff_history(staff),
        "placements": selectors.placements_of(staff),
        "courses": selectors.courses_of(staff),
        "manage": selectors.may(request.user, staff.organisation, Action.STAFF_MANAGE),
        "screenings": list(
            selectors.screenings_in_scope(user=request.user).filter(staff=staff).select_related("recorded_by")
        )
        if screening
        else None,
        "today": clock.local_today(),
    }
    return _render(request, "workforce/staff_detail.html", context)


def _managed_staff(request: HttpRequest, pk: int) -> StaffMember:
    staff = _staff_or_404(request, pk)
    if not selectors.may(request.user, staff.organisation, Action.STAFF_MANAGE):
        raise Http404
    return staff


@guard(Action.STAFF_MANAGE)
@require_http_methods(["GET", "POST"])
def staff_correct(request: HttpRequest, pk: int) -> HttpResponse:
    staff = _managed_staff(request, pk)
    if request.method == "GET":
        form = CorrectionForm(initial=correction_initial(staff), organisation=staff.organisation)
        return _render(
            request,
            "workforce/staff_form.html",
            {"form": form, "organisation": staff.organisation, "staff": staff},
        )
    form = CorrectionForm(request.POST, organisation=staff.organisation)
    if form.is_valid():
        try:
            services.staff_correct(
                actor=request.user,
                staff=staff,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["_seen"],
                **form.values(),
            )
        except PermissionDenied:
            return deny(request, Action.STAFF_MANAGE)
        except FieldErrors as exc:
            apply_field_errors(form, exc)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The record is corrected (version %(v)d).") % {"v": staff.version})
            return HttpResponseRedirect(reverse("workforce:staff", args=[staff.pk]))
    return _render(
        request,
        "workforce/staff_form.html",
        {"form": form, "organisation": staff.organisation, "staff": staff},
        status=400,
    )


@guard(Action.STAFF_MANAGE)
@require_http_methods(["GET", "POST"])
def staff_leave(request: HttpRequest, pk: int) -> HttpResponse:
    staff = _managed_staff(request, pk)
    form = LeaveForm(request.POST or None, initial={"_seen": staff.version})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.staff_leave(
                    actor=request.user,
                    staff=staff,
                    leave_date=form.cleaned_data["leave_date"],
                    leave_reason=form.cleaned_data["leave_reason"],
                    expected_version=form.cleaned_data["_seen"],
                )
            except PermissionDenied:
                return deny(request, Action.STAFF_MANAGE)
            except FieldErrors as exc:
                apply_field_errors(form, exc)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The leaving of %(name)s is recorded.") % {"name": staff.name})
                return HttpResponseRedirect(reverse("workforce:staff", args=[staff.pk]))
    return _render(request, "workforce/staff_leave.html", {"form": form, "staff": staff}, status=status)


@guard(Action.STAFF_MANAGE)
@require_http_methods(["GET", "POST"])
def placement_add(request: HttpRequest, pk: int) -> HttpResponse:
    staff = _managed_staff(request, pk)
    form = PlacementForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.placement_record(actor=request.user, staff=staff, **form.cleaned_data)
            except PermissionDenied:
                return deny(request, Action.STAFF_MANAGE)
            except FieldErrors as exc:
                apply_field_errors(form, exc)
            else:
                messages.success(request, _("The further-study placement is recorded."))
                return HttpResponseRedirect(reverse("workforce:staff", args=[staff.pk]))
    return _render(request, "workforce/placement_form.html", {"form": form, "staff": staff}, status=status)


# --- turnover -----------------------------------------------------------------------------------------------------


def _period(
    request: HttpRequest, today: dt.date, *, default: str = rules.QUARTER, back: int = 1
) -> tuple[str, dt.date]:
    """The period asked for (its type and first day); else the ``default`` type, ``back`` periods before the
    current one."""
    period_type = request.GET.get("period", "")
    if period_type not in rules.PERIOD_TYPES:
        period_type = default
    try:
        day = dt.date.fromisoformat(request.GET.get("start", ""))
    except ValueError:
        day = rules.previous_periods(period_type, today, back + 1)[back]
    return period_type, rules.period_start(period_type, day)


def _period_choices(period_type: str, today: dt.date) -> dict[str, Any]:
    return {
        "types": [(t, rules.period_type_label(t)) for t in rules.PERIOD_TYPES],
        "periods": [
            (p, rules.period_label(period_type, p)) for p in rules.previous_periods(period_type, today, 8)
        ],
    }


@guard(Action.STAFF_VIEW)
@require_GET
def turnover(request: HttpRequest) -> HttpResponse:
    today = clock.local_today()
    period_type, first = _period(request, today)
    first, last = rules.period_bounds(period_type, first)
    organisations = list(selectors.staff_organisations(user=request.user).order_by("name"))
    figures = selectors.turnover_by_organisation(
        organisation_ids=[o.pk for o in organisations], first=first, last=last
    )
    rows = [(o, figures[o.pk]) for o in organisations]
    total = rules.NO_TURNOVER
    for _org, figure in rows:
        total = total + figure
    context = {
        "period_type": period_type,
        "period_label": rules.period_label(period_type, first),
        "first": first,
        "last": last,
        "rows": rows,
        "total": total,
        **_period_choices(period_type, today),
    }
    return _render(request, "workforce/turnover.html", context)


# --- screening ----------------------------------------------------------------------------------------------------


def _screening_staff(request: HttpRequest, chosen: Organisation | None) -> Any:
    staff = (
        selectors.staff_in_scope(user=request.user, action=Action.STAFF_SCREENING)
        .select_related("organisation")
        .order_by("organisation__name", "name")
    )
    today = clock.local_today()
    staff = staff.filter(start_date__lte=today).exclude(leave_date__lt=today)
    return staff.filter(organisation=chosen) if chosen else staff


@guard(Action.STAFF_SCREENING)
@require_http_methods(["GET", "POST"])
def screening(request: HttpRequest) -> HttpResponse:
    """Staff drug screening: the records, who is due, and the form to record one."""
    chosen = _org_filter(request, Action.STAFF_SCREENING)
    form = ScreeningForm(request.POST or None, staff=_screening_staff(request, chosen))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.screening_record(actor=request.user, **form.cleaned_data)
            except PermissionDenied:
                return deny(request, Action.STAFF_SCREENING)
            except FieldErrors as exc:
                apply_field_errors(form, exc)
            else:
                messages.success(request, _("The screening is recorded."))
                return HttpResponseRedirect(request.get_full_path())
    today = clock.local_today()
    interval = rule_value("workforce.screening_interval_days", region_code=_region(request))
    records = selectors.screenings_in_scope(user=request.user).select_related(
        "staff", "staff__organisation", "recorded_by"
    )
    if chosen:
        records = records.filter(staff__organisation=chosen)
    context = {
        "form": form,
        "chosen": chosen,
        "organisations": list(
            selectors.staff_organisations(user=request.user, action=Action.STAFF_SCREENING).order_by("name")
        ),
        "records": list(records.order_by("-screened_on", "-pk")[:500]),
        "due": selectors.screening_due(
            user=request.user,
            today=today,
            interval_days=interval,
            organisation_id=chosen.pk if chosen else None,
        ),
        "interval": interval,
    }
    return _render(request, "workforce/screening.html", context, status=status)


@guard(Action.STAFF_SCREENING)
@require_GET
def screening_export(request: HttpRequest) -> HttpResponse:
    chosen = _org_filter(request, Action.STAFF_SCREENING)
    records = selectors.screenings_in_scope(user=request.user).select_related(
        "staff", "staff__organisation", "recorded_by"
    )
    if chosen:
        records = records.filter(staff__organisation=chosen)
    records = records.order_by("staff__organisation__name", "staff__name", "screened_on", "pk")
    with transaction.atomic():
        audit.record(
            "staff.screening_export", actor=request.user, detail={"format": "csv", "rows": records.count()}
        )
    header = [
        _("Organisation"),
        _("Name"),
        _("Date"),
        _("Method"),
        _("Result"),
        _("Follow-up"),
        _("Recorded by"),
    ]
    rows = (
        [
            s.staff.organisation.name,
            s.staff.name,
            s.screened_on.isoformat(),
            s.get_method_display(),
            s.get_result_display(),
            s.follow_up,
            s.recorded_by.display_name,
        ]
        for s in records.iterator(chunk_size=1000)
    )
    return csv_response(filename="staff-screening.csv", header=header, rows=rows)


# --- training -----------------------------------------------------------------------------------------------------


@guard(Action.TRAINING_VIEW)
@require_GET
def courses(request: HttpRequest) -> HttpResponse:
    """The courses of a period (the current year unless asked) and the training totals of the user's region, by
    topic, by where the participants came from and by the organiser's region."""
    today = clock.local_today()
    period_type, first = _period(request, today, default=rules.YEAR, back=0)
    first, last = rules.period_bounds(period_type, first)
    org = request.user.organisation  # type: ignore[union-attr]
    region = org.region if org is not None else None
    by_region = (
        selectors.training_by_region(region_code=region.code, first=first, last=last) if region else {}
    )
    total = rules.TrainingTotals()
    for part in by_region.values():
        total = total + part
    names = dict(Region.objects.filter(code__in=by_region).values_list("code", "name"))
    context = {
        "period_type": period_type,
        "period_label": rules.period_label(period_type, first),
        "first": first,
        "last": last,
        **_period_choices(period_type, today),
        "rows": selectors.course_list(user=request.user, first=first, last=last),
        "region": region,
        "totals": total if region else None,
        "regions": [(names.get(code, code), by_region[code]) for code in sorted(by_region)]
        if len(by_region) > 1
        else [],
        "manage": can(request.user, Action.TRAINING_MANAGE),
    }
    return _render(request, "workforce/courses.html", context)


@guard(Action.TRAINING_MANAGE)
@require_http_methods(["GET", "POST"])
def course_add(request: HttpRequest) -> HttpResponse:
    form = CourseForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                course = services.course_create(actor=request.user, **form.cleaned_data)
            except PermissionDenied:
                return deny(request, Action.TRAINING_MANAGE)
            except FieldErrors as exc:
                apply_field_errors(form, exc)
            else:
                messages.success(request, _("The course is recorded: add its participants."))
                return HttpResponseRedirect(reverse("workforce:course", args=[course.pk]))
    return _render(request, "workforce/course_form.html", {"form": form}, status=status)


@guard(Action.TRAINING_VIEW)
@require_http_methods(["GET", "POST"])
def course_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        course = selectors.course_get(user=request.user, pk=pk)
    except Course.DoesNotExist:
        raise Http404 from None
    manage = can(request.user, Action.TRAINING_MANAGE)
    choices = selectors.participant_choices(user=request.user, course=course) if manage else None
    forms = (
        {
            "named": NamedParticipantsForm(prefix="named", staff=choices),
            "counted": CountedParticipantsForm(prefix="counted"),
        }
        if manage
        else {}
    )
    status = 200
    if request.method == "POST":
        if not manage:
            return deny(request, Action.TRAINING_MANAGE)
        action = request.POST.get("action", "")
        if action not in forms:
            raise Http404
        form = (
            NamedParticipantsForm(request.POST, prefix="named", staff=choices)
            if action == "named"
            else CountedParticipantsForm(request.POST, prefix="counted")
        )
        forms[action] = form
        status = 400
        if form.is_valid():
            try:
                if action == "named":
                    n = services.participants_add(
                        actor=request.user, course=course, staff=form.cleaned_data["staff"]
                    )
                    done = ngettext("%(n)d participant named.", "%(n)d participants named.", n) % {"n": n}
                else:
                    services.participants_count(
                        actor=request.user,
                        course=course,
                        kind=form.cleaned_data["kind"],
                        count=form.cleaned_data["count"],
                    )
                    done = _("Participants counted.")
            except PermissionDenied:
                return deny(request, Action.TRAINING_MANAGE)
            except FieldErrors as exc:
                apply_field_errors(form, exc)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, done)
                return HttpResponseRedirect(reverse("workforce:course", args=[course.pk]))
    context = {
        "course": course,
        "attendance": selectors.course_attendance(user=request.user, course=course),
        "manage": manage,
        "forms": forms,
    }
    return _render(request, "workforce/course_detail.html", context, status=status)
