from django.contrib import admin

from jiedu.pharmacy.models import Drug, Store
from jiedu.policy.admin_site import PolicyModelAdmin
from jiedu.policy.scope import organisations_in_scope


@admin.register(Drug)
class DrugAdmin(PolicyModelAdmin):
    list_display = ("code", "name", "control_class", "form", "strength", "unit")
    list_filter = ("control_class",)
    search_fields = ("code", "name")

    def has_add_permission(self, request, obj=None):  # noqa: ANN001, ANN201
        return request.user.is_superuser  # the national catalogue

    def has_change_permission(self, request, obj=None):  # noqa: ANN001, ANN201
        return request.user.is_superuser


@admin.register(Store)
class StoreAdmin(PolicyModelAdmin):
    list_display = ("name", "organisation", "kind", "dispenses_doses", "is_active")
    list_filter = ("kind", "dispenses_doses", "is_active")
    autocomplete_fields = ("organisation",)

    def get_queryset(self, request):  # noqa: ANN001, ANN201
        return super().get_queryset(request).filter(organisation__in=organisations_in_scope(request.user))
