from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms import ModelForm
from django.utils.translation import gettext_lazy as _
from stdnum.cn import uscc

from jiedu.policy.admin_site import PolicyModelAdmin
from jiedu.policy.scope import organisations_in_scope
from jiedu.registry.models import Licence, Organisation, OrganisationType, Region


@admin.register(Region)
class RegionAdmin(PolicyModelAdmin):
    list_display = ("code", "name", "level", "parent", "valid_from", "valid_to")
    list_filter = ("level",)
    search_fields = ("code", "name")
    autocomplete_fields = ("parent",)

    # GB/T 2260 codes come from `manage.py load_regions`; only a platform superuser edits them by hand.
    def has_add_permission(self, request, obj=None):  # noqa: ANN001, ANN201
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):  # noqa: ANN001, ANN201
        return request.user.is_superuser


class OrganisationForm(ModelForm):
    class Meta:
        model = Organisation
        fields = (
            "name",
            "type",
            "region",
            "parent_clinic",
            "credit_code",
            "address",
            "latitude",
            "longitude",
            "contact_person",
            "phone",
            "email",
            "is_active",
        )

    def clean_credit_code(self) -> str:
        code = self.cleaned_data.get("credit_code", "").strip().upper()
        if code and not uscc.is_valid(code):
            raise ValidationError(_("Not a valid 18-character unified social credit code."))
        return code

    def clean(self) -> dict:
        data = super().clean()
        parent, kind = data.get("parent_clinic"), data.get("type")
        if kind == OrganisationType.DOSING_POINT and parent is None:
            self.add_error("parent_clinic", _("A dosing point belongs to exactly one MMT clinic: choose it."))
        if kind != OrganisationType.DOSING_POINT and parent is not None:
            self.add_error("parent_clinic", _("Only a dosing point has a parent MMT clinic."))
        if parent is not None and parent.type != OrganisationType.MMT_CLINIC:
            self.add_error("parent_clinic", _("The parent must be an MMT clinic."))
        return data


class LicenceInline(admin.TabularInline):
    model = Licence
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):  # noqa: ANN001, ANN201
        return True

    def has_change_permission(self, request, obj=None):  # noqa: ANN001, ANN201
        return True

    def has_view_permission(self, request, obj=None):  # noqa: ANN001, ANN201
        return True


@admin.register(Organisation)
class OrganisationAdmin(PolicyModelAdmin):
    form = OrganisationForm
    list_display = ("name", "type", "region", "parent_clinic", "phone", "is_active")
    list_filter = ("type", "is_active")
    search_fields = ("name", "address", "region__code", "region__name")
    autocomplete_fields = ("region", "parent_clinic")
    inlines = [LicenceInline]

    def get_queryset(self, request):  # noqa: ANN001, ANN201
        return organisations_in_scope(request.user).select_related("region", "parent_clinic")
