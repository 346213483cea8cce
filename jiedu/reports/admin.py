from django.contrib import admin

from jiedu.policy.admin_site import PolicyModelAdmin
from jiedu.reports.models import RecipientRule


@admin.register(RecipientRule)
class RecipientRuleAdmin(PolicyModelAdmin):
    list_display = ("region", "recipient", "kind")
    list_filter = ("kind",)
    autocomplete_fields = ("region", "recipient")

    def get_queryset(self, request):  # noqa: ANN001, ANN201
        qs = super().get_queryset(request).select_related("region", "recipient")
        org = request.user.organisation
        return qs if org is None else qs.filter(region__code__startswith=org.region.prefix)
