"""Capability forms parse types only; the services judge the values and name the field of each error."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from jiedu.capability.models import (
    CheckKind,
    Collaboration,
    CollaborationKind,
    Condition,
    Department,
    DepartmentKind,
    Dimension,
    Equipment,
    EquipmentKind,
    RuleCategory,
    RuleDocument,
)
from jiedu.core.forms import DateInput


def _blank(choices: Any) -> list[tuple[str, Any]]:
    return [("", "---------"), *choices]


def _date(label: Any, required: bool = False, help_text: Any = "") -> forms.DateField:
    return forms.DateField(label=label, widget=DateInput, required=required, help_text=help_text)


def _text(label: Any, rows: int = 0, help_text: Any = "") -> forms.CharField:
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput()
    return forms.CharField(label=label, required=False, max_length=600, widget=widget, help_text=help_text)


class DepartmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=_blank(DepartmentKind.choices), required=False)
    name = _text(_("Name"))
    opened_on = _date(_("Opened on"))


class DepartmentCloseForm(forms.Form):
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.none())
    closed_on = _date(_("Closed on"))
    reason = _text(_("Reason"), rows=2)

    def __init__(self, *args: Any, departments: QuerySet[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]


class EquipmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=_blank(EquipmentKind.choices), required=False)
    name = _text(_("Name"))
    model = _text(_("Model"))
    serial_no = _text(_("Serial number"))
    acquired_on = _date(_("Acquired on"))
    checked_on = _date(_("Last checked on"))
    check_kind = forms.ChoiceField(
        label=_("Last check was"), choices=CheckKind.choices, initial=CheckKind.MAINTENANCE, required=False
    )
    condition = forms.ChoiceField(label=_("Condition"), choices=_blank(Condition.choices), required=False)
    note = _text(_("Note"), rows=2)


class EquipmentCheckForm(forms.Form):
    equipment = forms.ModelChoiceField(label=_("Equipment"), queryset=Equipment.objects.none())
    checked_on = _date(_("Checked on"))
    check_kind = forms.ChoiceField(label=_("Kind"), choices=CheckKind.choices, required=False)
    condition = forms.ChoiceField(label=_("Condition"), choices=_blank(Condition.choices), required=False)
    note = _text(_("Note"), rows=2, help_text=_("Required when it needs repair or is out of service."))

    def __init__(self, *args: Any, equipment: QuerySet[Equipment], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["equipment"].queryset = equipment  # type: ignore[attr-defined]


class RuleForm(forms.Form):
    title = _text(_("Title"))
    category = forms.ChoiceField(label=_("Category"), choices=_blank(RuleCategory.choices), required=False)
    version = _text(_("Version"))
    effective_on = _date(_("Effective from"))
    file = forms.FileField(
        label=_("Document"), required=False, help_text=_("PDF, Word, or a scan as PNG or JPEG.")
    )
    note = _text(_("Note"), rows=2)


class RuleVersionForm(forms.Form):
    document = forms.ModelChoiceField(label=_("Document"), queryset=RuleDocument.objects.none())
    version = _text(_("Version"))
    effective_on = _date(_("Effective from"))
    file = forms.FileField(
        label=_("Document"), required=False, help_text=_("PDF, Word, or a scan as PNG or JPEG.")
    )
    note = _text(_("Note"), rows=2)

    def __init__(self, *args: Any, documents: QuerySet[RuleDocument], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["document"].queryset = documents  # type: ignore[attr-defined]


class CollaborationForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=_blank(CollaborationKind.choices), required=False)
    partner = _text(_("Partner"))
    agreement_on = _date(_("Agreement signed on"))
    valid_from = _date(_("Valid from"))
    valid_to = _date(_("Valid to"), help_text=_("Leave empty for an agreement without an end date."))
    note = _text(_("Note"), rows=2)


class CollaborationEndForm(forms.Form):
    collaboration = forms.ModelChoiceField(label=_("Agreement"), queryset=Collaboration.objects.none())
    ended_on = _date(_("Last day"))
    reason = _text(_("Reason"), rows=2)

    def __init__(self, *args: Any, collaborations: QuerySet[Collaboration], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["collaboration"].queryset = collaborations  # type: ignore[attr-defined]


class AssessForm(forms.Form):
    on = _date(_("Assess on"), required=True)


class AdjustForm(forms.Form):
    dimension = forms.ChoiceField(label=_("Dimension"), choices=_blank(Dimension.choices), required=False)
    score = forms.CharField(
        label=_("Score (0–100)"),
        required=False,
        max_length=8,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    reason = _text(_("Reason"), rows=2)


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I have checked the scores and the gaps; confirm and lock the assessment."), required=True
    )
