from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from jiedu.api.api import api
from jiedu.policy.views import public

urlpatterns = [
    path("", include("jiedu.web.urls")),
    path("accounts/", include("jiedu.accounts.urls")),
    path("persons/", include("jiedu.patients.urls")),
    path("registry/", include("jiedu.registry.urls")),
    path("audit/", include("jiedu.core.urls")),
    path("mmt/", include("jiedu.mmt.urls")),
    path("mmt/episodes/", include("jiedu.mmt.urls_episodes")),
    path("stock/", include("jiedu.pharmacy.urls")),
    path("reports/", include("jiedu.reports.urls")),
    path("labs/", include("jiedu.labs.urls")),
    path("referrals/", include("jiedu.referrals.urls")),
    path("community/", include("jiedu.community.urls")),
    path("police/", include("jiedu.community.urls_police")),
    path("rehab/", include("jiedu.rehab.urls")),
    path("bulletins/", include("jiedu.bulletins.urls")),
    path("datasets/", include("jiedu.datasets.urls")),
    path("indicators/", include("jiedu.indicators.urls")),
    path("inspections/", include("jiedu.inspections.urls")),
    path("capability/", include("jiedu.capability.urls")),
    path("workforce/", include("jiedu.workforce.urls")),
    path("campaigns/", include("jiedu.campaigns.urls")),
    path("evaluation/", include("jiedu.evaluation.urls")),
    path("i18n/setlang/", public(set_language), name="set_language"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]
