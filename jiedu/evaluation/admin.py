"""Evaluation schemes, kept by system administrators: a new scheme is added with its criteria; a scheme that has
been used can only be retired (its criteria are part of the evaluations computed under it). Evaluations are
computed and published on the pages, never here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from jiedu.core import audit
from jiedu.evaluation.models import Criterion, Evaluation, Scheme
from jiedu.policy import can
from jiedu.policy.admin_site import PolicyModelAdmin


def _used(obj: Any) -> bool:
    return obj is not None and obj.pk is not None and Evaluation.objects.filter(scheme=obj).exists()


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0
    fields = (
        "order",
        "code",
        "name_zh",
        "name_en",
        "source",
        "parameter",
        "weight",
        "zero_at",
        "full_at",
        "missing",
    )
    can_delete = False

    def _allowed(self, request: HttpRequest) -> bool:
        return can(request.user, PolicyModelAdmin.manage_action)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _used(obj) and self._allowed(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _used(obj) and self._allowed(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Scheme)
class SchemeAdmin(PolicyModelAdmin):
    list_display = ("code", "name_zh", "subject", "commend_places", "commend_minimum", "is_active")
    ordering = ("subject", "code")
    inlines = [CriterionInline]

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            audit.record(
                "evaluation.criterion.create", actor=request.user, obj=obj, detail={"code": obj.code}
            )
        for obj, fields in formset.changed_objects:
            audit.record(
                "evaluation.criterion.update", actor=request.user, obj=obj, detail={"fields": sorted(fields)}
            )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if _used(obj):
            return tuple(f.name for f in Scheme._meta.fields if f.name not in ("id", "is_active"))
        return ()
