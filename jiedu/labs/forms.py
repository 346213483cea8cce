"""Forms parse types only; who may record what, and what a result sets off, live in services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jiedu.core.forms import DateInput
from jiedu.labs.models import INFECTIONS, Analyte, LabKind, Reason, Result


class LabTestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Test"), choices=LabKind.choices)
    reason = forms.ChoiceField(label=_("Reason"), choices=Reason.choices)
    collected_on = forms.DateField(label=_("Sample taken on"), widget=DateInput)
    result = forms.ChoiceField(
        label=_("Result"),
        choices=[("", _("Not yet known (sent to the laboratory)")), *Result.choices],
        required=False,
        help_text=_("HIV, HCV and syphilis."),
    )
    note = forms.CharField(label=_("Note"), max_length=255, required=False)

    def __init__(self, *args: Any, infections: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not infections:
            self.fields["kind"].choices = [(LabKind.URINE.value, LabKind.URINE.label)]  # type: ignore[attr-defined]
            del self.fields["result"]
        for analyte in Analyte:
            self.fields[f"analyte_{analyte.value}"] = forms.ChoiceField(
                label=analyte.label,
                choices=[("", _("Not tested")), *Result.choices],
                required=False,
            )

    def analytes(self) -> dict[str, str]:
        return {a.value: self.cleaned_data.get(f"analyte_{a.value}", "") for a in Analyte}


class ResultForm(forms.Form):
    result = forms.ChoiceField(label=_("Result"), choices=Result.choices)


def infection_kinds() -> list[str]:
    return [k.value for k in INFECTIONS]
