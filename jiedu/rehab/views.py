"""Voluntary rehab pages: the institution's admissions, admitting with the signed agreement, the stay with its
progress notes and discharge, and the agreement as a printable PDF.

Every page asks twice: the role (``guard``) and the institution (a voluntary rehab institution or a hospital),
because MMT clinic staff hold the same clinical roles. An admission of another institution is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jiedu.core import audit, clock
from jiedu.core.errors import FieldErrors
from jiedu.core.forms import apply_field_errors
from jiedu.core.pdf import PdfUnavailable, pdf_response, render_pdf
from jiedu.mmt.rules import age_on
from jiedu.patients import services as person_services
from jiedu.policy import Action
from jiedu.policy.scope import persons_in_scope
from jiedu.policy.views import deny, guard
from jiedu.rehab import selectors, services
from jiedu.rehab.forms import AdmitForm, DischargeForm, NoteForm
from jiedu.rehab.models import Admission

View = Callable[..., HttpResponse]


def rehab_view(*, decision: bool = False) -> Callable[[View], View]:
    """``guard(VOLUNTARY_REHAB)`` plus the institution's type; ``decision``: doctors and the director only."""

    def decorator(view: View) -> View:
        @guard(Action.VOLUNTARY_REHAB)
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if selectors.institution_of(request.user) is None or (
                decision and not selectors.decides(request.user)
            ):
                return deny(request, Action.VOLUNTARY_REHAB)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _admission(request: HttpRequest, pk: int) -> Admission:
    try:
        return selectors.admission_get(user=request.user, pk=pk)
    except Admission.DoesNotExist:
        raise Http404 from None


def _detail_url(admission: Admission) -> str:
    return reverse("rehab:detail", args=[admission.pk])


@rehab_view()
@require_GET
def admission_list(request: HttpRequest) -> HttpResponse:
    today = clock.local_today()
    return render(
        request,
        "rehab/list.html",
        {
            "institution": selectors.institution_of(request.user),
            "current": [(a, a.days_in(today)) for a in selectors.current_admissions(user=request.user)],
            "discharged": [
                (a, a.days_in(today)) for a in selectors.recently_discharged(user=request.user, today=today)
            ],
            "recent_days": selectors.RECENT_DAYS,
            "today": today,
        },
    )


@rehab_view(decision=True)
@require_http_methods(["GET", "POST"])
def admission_admit(request: HttpRequest) -> HttpResponse:
    raw = request.GET.get("person", "")
    person = persons_in_scope(request.user).filter(pk=int(raw)).first() if raw.isdigit() else None
    if person is None:
        raise Http404
    today = clock.local_today()
    terms = services.agreement_defaults()
    form = AdmitForm(
        request.POST or None,
        initial={
            "setting": "inpatient",
            "admitted_on": today,
            "signed_on": today,
            "method": terms.method,
            "planned_days": terms.planned_days,
            "confidentiality": terms.confidentiality,
            "rules": terms.rules,
            "termination": terms.termination,
            "risks": terms.risks,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            admission = services.admission_admit(
                actor=request.user,
                person=person,
                setting=data["setting"],
                admitted_on=data["admitted_on"],
                substances=data["substances"],
                substance_other=data["substance_other"],
                terms=form.terms(),
                patient_signed=data["patient_signed"],
                guardian_name=data["guardian_name"],
                signed_on=data["signed_on"],
            )
        except FieldErrors as exc:
            apply_field_errors(form, exc)
        else:
            messages.success(
                request,
                _("Admitted as number %(n)d. The admission has been filed with the police.")
                % {"n": admission.number},
            )
            return HttpResponseRedirect(_detail_url(admission))
    return render(
        request,
        "rehab/admit.html",
        {
            "form": form,
            "person": person,
            "age": age_on(person.birth_date, today),
            "adult_age": services.adult_age(selectors.institution_of(request.user)),
            "open_here": selectors.admissions_for(user=request.user, person=person).filter(
                discharged_on__isnull=True
            ),
        },
        status=400 if form.errors else 200,
    )


def _render_detail(
    request: HttpRequest,
    admission: Admission,
    *,
    note_form: NoteForm | None = None,
    discharge_form: DischargeForm | None = None,
    status: int = 200,
) -> HttpResponse:
    today = clock.local_today()
    may_discharge = admission.is_open and selectors.decides(request.user)
    context = {
        "admission": admission,
        "person": admission.person,
        "days_in": admission.days_in(today),
        "notes": admission.notes.select_related("author"),
        # A form sent back with errors is shown even if the admission closed meanwhile, so its message is seen.
        "note_form": note_form or (NoteForm(initial={"on": today}) if admission.is_open else None),
        "discharge_form": discharge_form
        or (DischargeForm(initial={"discharged_on": today}) if may_discharge else None),
    }
    return render(request, "rehab/detail.html", context, status=status)


@rehab_view()
@require_GET
def admission_detail(request: HttpRequest, pk: int) -> HttpResponse:
    admission = _admission(request, pk)
    person_services.person_record_view(
        actor=request.user, person=admission.person, part=f"rehab_admission:{admission.pk}"
    )
    return _render_detail(request, admission)


@rehab_view()
@require_POST
def admission_note(request: HttpRequest, pk: int) -> HttpResponse:
    admission = _admission(request, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.progress_note_add(
                actor=request.user,
                admission=admission,
                on=form.cleaned_data["on"],
                text=form.cleaned_data["text"],
            )
        except FieldErrors as exc:
            apply_field_errors(form, exc)
        else:
            messages.success(request, _("The note is added."))
            return HttpResponseRedirect(_detail_url(admission))
    return _render_detail(request, admission, note_form=form, status=400)


@rehab_view(decision=True)
@require_POST
def admission_discharge(request: HttpRequest, pk: int) -> HttpResponse:
    admission = _admission(request, pk)
    form = DischargeForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.admission_discharge(
                actor=request.user,
                admission=admission,
                discharged_on=data["discharged_on"],
                outcome=data["outcome"],
                transferred_to=data["transferred_to"],
                summary=data["summary"],
            )
        except FieldErrors as exc:
            apply_field_errors(form, exc)
        else:
            messages.success(request, _("The discharge is recorded."))
            return HttpResponseRedirect(_detail_url(admission))
    admission.refresh_from_db()
    return _render_detail(request, admission, discharge_form=form, status=400)


@rehab_view()
@require_GET
def agreement_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    admission = _admission(request, pk)
    audit.record_standalone(
        "rehab.agreement.print", actor=request.user, obj=admission, detail={"number": admission.number}
    )
    person = admission.person
    try:
        content = render_pdf(
            "rehab/print/agreement.html",
            {
                "admission": admission,
                "person": person,
                "minor": age_on(person.birth_date, admission.admitted_on)
                < services.adult_age(admission.institution),
            },
        )
    except PdfUnavailable as exc:
        return HttpResponse(exc.args[0], status=503, content_type="text/plain; charset=utf-8")
    return pdf_response(
        content, filename=f"voluntary-agreement-{admission.institution_id}-{admission.number}.pdf"
    )
