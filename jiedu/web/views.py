from __future__ import annotations

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from jiedu.pharmacy.alerts import alerts_for
from jiedu.pharmacy.selectors import stores_in_scope
from jiedu.policy import Action, can, organisations_in_scope, persons_in_scope
from jiedu.policy.views import guard
from jiedu.registry.models import OrganisationType


@guard(Action.HOME_VIEW)
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    flags = {a.name.lower(): can(user, a) for a in Action}
    context: dict = {"can": flags}
    if flags["person_search"]:
        context["person_count"] = persons_in_scope(user).count()
    if flags["organisation_view"]:
        orgs = organisations_in_scope(user)
        counts = dict(orgs.values_list("type").annotate(n=Count("pk")).values_list("type", "n"))
        context["organisation_count"] = sum(counts.values())
        context["organisation_types"] = [
            {"label": t.label, "count": counts[t.value]} for t in OrganisationType if counts.get(t.value)
        ]
    if flags["stock_manage"]:
        found = alerts_for(stores=list(stores_in_scope(user=user)), region_code=user.organisation.region_id)
        context["stock_alerts"] = found.count
        context["stock_variances"] = len(found.variances)
    return render(request, "web/home.html", context)
