from django.contrib import admin

from jiedu.core.models import CalendarDay, RegionalSetting
from jiedu.policy.admin_site import PolicyModelAdmin


@admin.register(RegionalSetting)
class RegionalSettingAdmin(PolicyModelAdmin):
    """A province, prefecture or county overrides a national default; administrators see their own region."""

    list_display = ("key", "region", "value", "basis", "updated_at")
    list_filter = ("key",)
    autocomplete_fields = ("region",)

    def get_queryset(self, request):  # noqa: ANN001, ANN201
        qs = super().get_queryset(request).select_related("region")
        org = request.user.organisation
        return qs if org is None else qs.filter(region__code__startswith=org.region.prefix)


@admin.register(CalendarDay)
class CalendarDayAdmin(PolicyModelAdmin):
    """Public holidays and adjusted working days (调休), as the State Council publishes them each year."""

    list_display = ("day", "kind", "name")
    list_filter = ("kind",)
    date_hierarchy = "day"

    def has_add_permission(self, request, obj=None):  # noqa: ANN001, ANN201
        return request.user.is_superuser  # national data: platform administrators

    def has_change_permission(self, request, obj=None):  # noqa: ANN001, ANN201
        return request.user.is_superuser
