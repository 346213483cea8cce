from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jiedu.registry.models import Region


class IssueForm(forms.Form):
    """The narcotics office issues (or, with a reason, reissues) a county's bulletin of a month."""

    county = forms.ChoiceField(label=_("County"))
    month = forms.CharField(
        label=_("Month"),
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"}),
        help_text=_("The month the bulletin covers; it must be over."),
    )
    reason = forms.CharField(
        label=_("Reason for reissuing"),
        required=False,
        max_length=255,
        help_text=_("Only to issue a new version of a month already issued: say what changed."),
    )

    def __init__(self, *args: Any, counties: list[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.counties = {c.code: c for c in counties}
        self.fields["county"].choices = [(c.code, c.name) for c in counties]

    def clean_month(self) -> dt.date:
        raw = self.cleaned_data["month"].strip()
        try:
            return dt.datetime.strptime(raw, "%Y-%m").date()  # noqa: DTZ007 - a calendar month, not an instant
        except ValueError:
            raise forms.ValidationError(_("Give the month as YYYY-MM.")) from None

    def clean_county(self) -> Region:
        return self.counties[self.cleaned_data["county"]]
