"""The administration site answers to the same policy as every page: only system administrators enter,
every change writes an audit entry in its transaction, and nothing is deleted (history is kept)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from jiedu.core import audit
from jiedu.policy.rules import Action, can


class JieduAdminSite(admin.AdminSite):
    site_header = _("Jiedu administration")
    site_title = _("Jiedu administration")
    index_title = _("Reference data and accounts")

    def has_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_authenticated and can(request.user, Action.ADMIN_ACCESS))

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        # One sign-in page with one lockout policy for the whole product.
        target = request.GET.get("next") or reverse("admin:index")
        return HttpResponseRedirect(f"{reverse('accounts:login')}?{urlencode({'next': target})}")


class PolicyModelAdmin(admin.ModelAdmin):
    """Permissions from the policy table; saves audited; no deletes."""

    manage_action: Action = Action.ORGANISATION_MANAGE

    def _allowed(self, request: HttpRequest) -> bool:
        return can(request.user, self.manage_action)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def save_model(self, request: HttpRequest, obj: models.Model, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)  # the admin wraps this in a transaction
        label = obj._meta.label_lower
        audit.record(
            f"{label}.{'update' if change else 'create'}",
            actor=request.user,
            obj=obj,
            detail={"fields": sorted(form.changed_data)},
        )

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            audit.record(f"{obj._meta.label_lower}.create", actor=request.user, obj=obj)
        for obj, fields in formset.changed_objects:
            audit.record(
                f"{obj._meta.label_lower}.update", actor=request.user, obj=obj, detail={"fields": fields}
            )
