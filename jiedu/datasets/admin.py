"""Data sets, kept by system administrators: a new data set is defined here with its elements and validation rules
and is offered for entry as soon as it is saved in use.

Codes are identifiers (the indicators read ``registered_users.opioid``; the rules name elements), so a saved code
never changes. Once figures have been entered under a data set its period and reporting level stay, an element
keeps its value type, and any change to its elements or rules raises its definition version. Nothing is deleted:
a data set is retired by taking it out of use, an element by making it optional."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import F
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from jiedu.core import audit
from jiedu.datasets.models import DataElement, DataSet, Submission, ValidationRule
from jiedu.policy import can
from jiedu.policy.admin_site import PolicyModelAdmin

#: The form prefix of the element inline (the related name of ``DataElement.data_set``).
ELEMENTS_PREFIX = "elements"


def used(data_set: DataSet | None) -> bool:
    """True when figures have been entered under the data set."""
    return (
        data_set is not None
        and data_set.pk is not None
        and Submission.objects.filter(data_set=data_set).exists()
    )


class ElementForm(forms.ModelForm):
    class Meta:
        model = DataElement
        fields = ("order", "code", "name_zh", "name_en", "value_type", "required", "help_zh", "help_en")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["code"].disabled = True
            if used(self.instance.data_set):
                self.fields["value_type"].disabled = True


class ElementFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        kept = [f for f in self.forms if f.instance.pk is not None or f.has_changed()]
        if not kept:
            raise ValidationError(_("A data set needs at least one element."))


class RuleForm(forms.ModelForm):
    class Meta:
        model = ValidationRule
        fields = ("code", "left", "operator", "right", "right_constant", "message_zh", "message_en")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["code"].disabled = True


class RuleFormSet(BaseInlineFormSet):
    def element_codes(self) -> set[str]:
        """The codes of the data set's elements once this save is done: those stored, and the new ones in the
        element forms posted alongside (saved codes never change, so a stored code is its posted code)."""
        codes = set()
        if self.instance.pk is not None:
            codes = set(DataElement.objects.filter(data_set=self.instance).values_list("code", flat=True))
        try:
            total = int(self.data.get(f"{ELEMENTS_PREFIX}-TOTAL_FORMS", 0))
        except (TypeError, ValueError):
            total = 0
        for i in range(min(total, 1000)):
            if not self.data.get(f"{ELEMENTS_PREFIX}-{i}-id"):
                code = (self.data.get(f"{ELEMENTS_PREFIX}-{i}-code") or "").strip()
                if code:
                    codes.add(code)
        return codes

    def clean(self) -> None:
        super().clean()
        codes = self.element_codes()
        for form in self.forms:
            if not form.has_changed() or not hasattr(form, "cleaned_data"):
                continue
            rule = form.instance
            for field, named in (("left", rule.left_codes if rule.left else []), ("right", rule.right_codes)):
                unknown = sorted(set(named) - codes)
                if unknown and field not in form.errors:
                    form.add_error(
                        field,
                        _("Not an element of this data set: %(codes)s.") % {"codes": ", ".join(unknown)},
                    )


class _Inline(admin.TabularInline):
    extra = 0
    can_delete = False

    def _allowed(self, request: HttpRequest) -> bool:
        return can(request.user, PolicyModelAdmin.manage_action)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ElementInline(_Inline):
    model = DataElement
    form = ElementForm
    formset = ElementFormSet


class RuleInline(_Inline):
    model = ValidationRule
    form = RuleForm
    formset = RuleFormSet


@admin.register(DataSet)
class DataSetAdmin(PolicyModelAdmin):
    list_display = ("code", "name_zh", "name_en", "period_type", "reporting_level", "version", "is_active")
    list_filter = ("is_active", "period_type")
    ordering = ("code",)
    fields = ("code", "name_zh", "name_en", "period_type", "reporting_level", "version", "is_active")
    inlines = [ElementInline, RuleInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if obj is None:
            return ("version",)
        if used(obj):
            return ("code", "period_type", "reporting_level", "version")
        return ("code", "version")

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # Whether figures were entered under the definition being replaced: asked before the inlines are saved.
        raise_version = change and used(form.instance)
        super().save_related(request, form, formsets, change)
        touched = any(fs.new_objects or fs.changed_objects for fs in formsets)
        if raise_version and touched:
            data_set = form.instance
            DataSet.objects.filter(pk=data_set.pk).update(version=F("version") + 1)
            data_set.refresh_from_db(fields=["version"])
            audit.record(
                "datasets.dataset.version",
                actor=request.user,
                obj=data_set,
                detail={"version": data_set.version},
            )
