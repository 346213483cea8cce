"""The entry form (one field per element of the data set) and the reason asked for a return or a reopen.

The form only carries the text typed; reading it by type and checking the rules is the service's work, whose
messages are shown beside each field."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jiedu.datasets.models import DataElement, ValueType


class EntryForm(forms.Form):
    #: The version of the figures the page showed (0: none yet); element codes never start with "_".
    _seen = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args: Any, elements: Sequence[DataElement], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.elements = list(elements)
        for element in self.elements:
            if element.value_type == ValueType.YES_NO:
                widget: forms.Widget = forms.Select(choices=[("", "—"), ("yes", _("Yes")), ("no", _("No"))])
            else:
                inputmode = "numeric" if element.value_type == ValueType.INTEGER else "decimal"
                widget = forms.TextInput(attrs={"inputmode": inputmode, "autocomplete": "off"})
            field = forms.CharField(label=element.name, required=False, help_text=element.help, widget=widget)
            field.element_required = element.required  # type: ignore[attr-defined]
            self.fields[element.code] = field

    @property
    def seen_version(self) -> int | None:
        return self.cleaned_data.get("_seen")

    def values(self) -> dict[str, str]:
        return {e.code: self.cleaned_data.get(e.code) or "" for e in self.elements}


class ReasonForm(forms.Form):
    """Why the figures are returned or reopened (the service asks for it, with a message for each step)."""

    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
