from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from jiedu.community import selectors as community_selectors
from jiedu.core import audit
from jiedu.core.errors import FieldErrors
from jiedu.core.exports import csv_response
from jiedu.core.forms import apply_field_errors
from jiedu.labs.selectors import visible_tests
from jiedu.patients import selectors, services
from jiedu.patients.forms import PersonRegisterForm, PersonUpdateForm
from jiedu.patients.models import Person
from jiedu.policy import Action, can
from jiedu.policy.views import guard
from jiedu.rehab import selectors as rehab_selectors
from jiedu.reports import selectors as report_selectors

#: Service field names that the forms call otherwise.
FIELD_MAP = {"household_region_code": "household_region"}


def _photo(request: HttpRequest, name: str = "photo") -> services.PhotoUpload | None:
    upload = request.FILES.get(name)
    return services.PhotoUpload(file=upload, size=upload.size) if upload else None


def _get_or_404(request: HttpRequest, pk: int) -> Person:
    try:
        return selectors.person_get(user=request.user, pk=pk)
    except Person.DoesNotExist:
        raise Http404 from None


@guard(Action.PERSON_SEARCH)
def person_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    results = selectors.person_search(user=request.user, query=query)
    if query:
        with transaction.atomic():
            audit.record(
                "person.search",
                actor=request.user,
                detail={
                    "query": selectors.masked_query(query),
                    "kind": selectors.search_kind(query),
                    "results": len(results),
                },
            )
    context = {
        "query": query,
        "results": results,
        "can_register": can(request.user, Action.PERSON_REGISTER),
        "can_export": can(request.user, Action.PERSON_EXPORT),
    }
    template = "patients/_results.html" if request.headers.get("HX-Request") else "patients/list.html"
    return render(request, template, context)


@guard(Action.PERSON_REGISTER)
@require_http_methods(["GET", "POST"])
def person_register(request: HttpRequest) -> HttpResponse:
    form = PersonRegisterForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = services.person_register(
                actor=request.user,
                name=data["name"],
                sex=data["sex"],
                birth_date=data["birth_date"],
                id_number=data["id_number"],
                household_region_code=data["household_region"] or None,
                phone=data["phone"],
                current_address=data["current_address"],
                photo=_photo(request),
            )
        except FieldErrors as exc:
            apply_field_errors(form, exc, FIELD_MAP)
        else:
            if result.created:
                messages.success(request, _("%(name)s is registered.") % {"name": result.person.name})
            else:
                messages.warning(
                    request,
                    _(
                        "This identity number is already registered: the existing record is shown and is now linked "
                        "to your organisation. Nothing was overwritten."
                    ),
                )
                if result.differences:
                    messages.warning(
                        request,
                        _("What you typed differs from the record in: %(fields)s.")
                        % {
                            "fields": "、".join(
                                str(Person._meta.get_field(f).verbose_name) for f in result.differences
                            )
                        },
                    )
            return HttpResponseRedirect(reverse("patients:detail", args=[result.person.pk]))
    return render(request, "patients/register.html", {"form": form}, status=400 if form.errors else 200)


@guard(Action.PERSON_VIEW)
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = _get_or_404(request, pk)
    services.person_record_view(actor=request.user, person=person)
    return render(
        request,
        "patients/detail.html",
        {
            "person": person,
            "can_unmask": can(request.user, Action.PERSON_UNMASK_ID),
            "can_update": can(request.user, Action.PERSON_UPDATE),
            "can_mmt_view": can(request.user, Action.MMT_VIEW),
            "can_mmt_enrol": can(request.user, Action.MMT_ENROL),
            "can_rx_write": can(request.user, Action.RX_WRITE),
            "can_lab": can(request.user, Action.LAB_URINE),
            "can_refer": can(request.user, Action.REFERRAL_HANDLE),
            "rehab_admissions": rehab_selectors.admissions_for(user=request.user, person=person),
            "community_orders": community_selectors.orders_for(user=request.user, person=person),
            "can_community": can(request.user, Action.COMMUNITY_ORDERS),
            "can_rehab_admit": rehab_selectors.decides(request.user),
            "affiliations": person.affiliations.select_related("organisation").order_by("since"),
            "disclosures": report_selectors.disclosures(user=request.user, person=person)[:100],
            # Urine tests for those who take them; HIV, HCV and syphilis only for the roles that need them.
            "lab_tests": visible_tests(request.user)
            .filter(person=person)
            .select_related("collected_by")
            .order_by("-collected_on", "-pk")[:50],
        },
    )


@guard(Action.PERSON_UNMASK_ID)
@require_POST
def person_unmask(request: HttpRequest, pk: int) -> HttpResponse:
    person = _get_or_404(request, pk)
    number = services.person_unmask_id(actor=request.user, person=person)
    return render(request, "patients/_id_number.html", {"number": number})


@guard(Action.PERSON_UPDATE)
@require_http_methods(["GET", "POST"])
def person_update(request: HttpRequest, pk: int) -> HttpResponse:
    person = _get_or_404(request, pk)
    initial = {
        "name": person.name,
        "household_region": person.household_region_id,
        "phone": person.phone,
        "current_address": person.current_address,
    }
    form = PersonUpdateForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.person_update(
                actor=request.user,
                person=person,
                photo=_photo(request),
                name=data["name"],
                phone=data["phone"],
                current_address=data["current_address"],
                household_region_code=data["household_region"],
            )
        except FieldErrors as exc:
            apply_field_errors(form, exc, FIELD_MAP)
        else:
            messages.success(request, _("Saved."))
            return HttpResponseRedirect(reverse("patients:detail", args=[person.pk]))
    return render(
        request, "patients/update.html", {"form": form, "person": person}, status=400 if form.errors else 200
    )


@guard(Action.PERSON_VIEW)
def person_photo(request: HttpRequest, pk: int) -> HttpResponse:
    person = _get_or_404(request, pk)
    if not person.photo:
        raise Http404
    response = FileResponse(person.photo.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response


@guard(Action.PERSON_EXPORT)
def person_export(request: HttpRequest) -> HttpResponse:
    """CSV of the persons in the user's care organisations, identity numbers masked. Audited."""
    qs = selectors.person_queryset(user=request.user).order_by("pk")
    with transaction.atomic():
        audit.record("person.export", actor=request.user, detail={"format": "csv", "rows": qs.count()})
    header = [
        _("ID"),
        _("Name"),
        _("Pinyin"),
        _("Sex"),
        _("Birth date"),
        _("Identity number"),
        _("Household registration region"),
        _("Phone"),
        _("Registered at"),
    ]
    rows = (
        [
            p.pk,
            p.name,
            p.name_pinyin,
            p.get_sex_display(),
            p.birth_date.isoformat(),
            p.id_number_masked,
            p.household_region_id,
            p.phone,
            p.created_at.date().isoformat(),
        ]
        for p in qs.iterator(chunk_size=1000)
    )
    return csv_response(filename="persons.csv", header=header, rows=rows)
