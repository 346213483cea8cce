"""Forms parse types only; the rules of orders (dates, once-only records) live in services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jiedu.community.models import CheckInHow, EndReason, OrderKind
from jiedu.core.forms import DateInput


class OrderForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=OrderKind.choices)
    decision_number = forms.CharField(
        label=_("Decision number"),
        max_length=64,
        help_text=_("As printed on the decision, e.g. 南公(禁)决字〔2026〕12号."),
    )
    issued_by = forms.CharField(
        label=_("Issuing authority"), max_length=100, help_text=_("e.g. 南安市公安局.")
    )
    decided_on = forms.DateField(label=_("Decided on"), widget=DateInput)
    start_on = forms.DateField(
        label=_("Starts on"),
        widget=DateInput,
        help_text=_("The term's end and the reporting deadline are computed from this date."),
    )


class ReportedForm(forms.Form):
    reported_on = forms.DateField(label=_("Reported to the office on"), widget=DateInput)


class EndForm(forms.Form):
    ended_on = forms.DateField(label=_("Ended on"), widget=DateInput)
    reason = forms.ChoiceField(label=_("Why it ended"), choices=EndReason.choices)
    note = forms.CharField(
        label=_("Note"), max_length=255, required=False, help_text=_("Required when the reason is “Other”.")
    )


class CheckInForm(forms.Form):
    on = forms.DateField(label=_("Date"), widget=DateInput)
    how = forms.ChoiceField(label=_("How"), choices=CheckInHow.choices)
    note = forms.CharField(
        label=_("Note"), max_length=255, required=False, help_text=_("Required when the way is “Other”.")
    )
