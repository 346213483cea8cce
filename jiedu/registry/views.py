from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from jiedu.core import clock
from jiedu.policy import Action
from jiedu.policy.views import guard
from jiedu.registry import selectors
from jiedu.registry.models import Organisation, OrganisationType


@guard(Action.ORGANISATION_VIEW)
def organisation_list(request: HttpRequest) -> HttpResponse:
    filters = {k: request.GET.get(k, "").strip() for k in ("type", "region", "q")}
    qs = selectors.organisation_list(
        user=request.user, type=filters["type"], region=filters["region"], query=filters["q"]
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "registry/organisation_list.html",
        {"page": page, "filters": filters, "types": OrganisationType.choices},
    )


@guard(Action.ORGANISATION_VIEW)
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        org = selectors.organisation_get(user=request.user, pk=pk)
    except Organisation.DoesNotExist:
        raise Http404 from None
    today = clock.local_today()
    licences = [(lic, lic.is_valid_on(today)) for lic in org.licences.all()]
    return render(
        request,
        "registry/organisation_detail.html",
        {
            "org": org,
            "licences": licences,
            "dosing_points": org.dosing_points.order_by("name"),
        },
    )
