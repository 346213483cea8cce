from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from jiedu.accounts.models import ApiToken, RoleAssignment, User
from jiedu.accounts.services import api_token_revoke
from jiedu.core import audit
from jiedu.policy.admin_site import PolicyModelAdmin
from jiedu.policy.rules import Action, role_allowed_in
from jiedu.policy.scope import organisations_in_scope


class RoleAssignmentForm(forms.ModelForm):
    class Meta:
        model = RoleAssignment
        fields = ("role",)


class RoleInlineFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        org = self.instance.organisation
        for form in self.forms:
            role = form.cleaned_data.get("role") if hasattr(form, "cleaned_data") else None
            if (
                role
                and not form.cleaned_data.get("DELETE")
                and (org is None or not role_allowed_in(role, org.type))
            ):
                form.add_error("role", _("This role cannot be held in an organisation of this type."))


class RoleInline(admin.TabularInline):
    model = RoleAssignment
    form = RoleAssignmentForm
    formset = RoleInlineFormSet
    extra = 1

    def has_add_permission(self, request, obj=None):  # noqa: ANN001, ANN201
        return True

    def has_change_permission(self, request, obj=None):  # noqa: ANN001, ANN201
        return True

    def has_delete_permission(self, request, obj=None):  # noqa: ANN001, ANN201
        return True  # revoking a role is allowed and audited; the user and their history stay

    def has_view_permission(self, request, obj=None):  # noqa: ANN001, ANN201
        return True


@admin.register(User)
class UserAdmin(PolicyModelAdmin, DjangoUserAdmin):
    manage_action = Action.USER_MANAGE
    list_display = ("username", "full_name", "organisation", "is_active", "locked_until", "last_login")
    list_filter = ("is_active", "organisation__type")
    search_fields = ("username", "full_name", "organisation__name")
    autocomplete_fields = ("organisation",)
    readonly_fields = ("last_login", "date_joined", "failed_login_count")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("full_name", "email", "organisation")}),
        (
            _("Status"),
            {"fields": ("is_active", "locked_until", "failed_login_count", "last_login", "date_joined")},
        ),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "full_name", "organisation", "password1", "password2"),
            },
        ),
    )
    inlines = [RoleInline]

    def get_queryset(self, request):  # noqa: ANN001, ANN201
        return super().get_queryset(request).filter(organisation__in=organisations_in_scope(request.user))

    def user_change_password(self, request, id, form_url=""):  # noqa: A002, ANN001, ANN201
        """Setting another user's password is audited with the change (the password itself never is)."""
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                audit.record(
                    "accounts.user.password_set",
                    actor=request.user,
                    object_type="accounts.user",
                    object_id=id,
                )
        return response

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # noqa: ANN001, ANN003, ANN201
        if db_field.name == "organisation":
            kwargs["queryset"] = organisations_in_scope(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_formset(self, request, form, formset, change):  # noqa: ANN001, ANN201
        super().save_formset(request, form, formset, change)
        for obj in formset.deleted_objects:
            audit.record(
                "accounts.roleassignment.delete",
                actor=request.user,
                obj=form.instance,
                detail={"role": obj.role},
            )


@admin.register(ApiToken)
class ApiTokenAdmin(PolicyModelAdmin):
    manage_action = Action.USER_MANAGE
    list_display = ("name", "user", "prefix", "created_at", "expires_at", "revoked_at", "last_used_at")
    readonly_fields = (
        "user",
        "name",
        "prefix",
        "key_hash",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    )
    actions = ["revoke"]

    def has_add_permission(self, request, obj=None):  # noqa: ANN001, ANN201
        return False  # issued with `manage.py issue_api_token`, which shows the secret once

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):  # noqa: ANN001, ANN201
        for token in queryset:
            api_token_revoke(actor=request.user, token=token)
        messages.success(request, _("Revoked."))
