"""Forms parse types only; which kinds, receivers and bases are allowed is the service's to say."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jiedu.core.forms import DateInput
from jiedu.referrals.models import Outcome, ReferralKind, VctOffer
from jiedu.reports.models import Basis


class ReferralForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of referral"), choices=ReferralKind.choices)
    to_org = forms.ChoiceField(label=_("Refer to"))
    reason = forms.CharField(
        label=_("Reason for referral"),
        max_length=255,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the receiver needs to know, no more: no test results, no history."),
    )
    basis = forms.ChoiceField(label=_("Basis for sharing"), choices=Basis.choices)
    consent_on = forms.DateField(label=_("Consent given on"), required=False, widget=DateInput)
    release_on = forms.DateField(
        label=_("Released on"), required=False, widget=DateInput, help_text=_("Hand-overs on release only.")
    )

    def __init__(self, *args: Any, kinds: list[tuple[str, str]], receivers: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds
        self.fields["to_org"].choices = [
            ("", "—"),
            *[(str(o.pk), f"{o.name} ({o.get_type_display()})") for o in receivers],
        ]
        self.fields["basis"].choices = [c for c in Basis.choices if c[0] != Basis.REPORTING_DUTY]


class DeclineForm(forms.Form):
    decline_reason = forms.CharField(label=_("Reason for declining"), max_length=255)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=255)


class CompleteForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices)
    on = forms.DateField(label=_("On"), widget=DateInput)
    note = forms.CharField(label=_("Note"), max_length=255, required=False)

    def __init__(self, *args: Any, outcomes: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = [c for c in Outcome.choices if c[0] in outcomes]


class VctForm(forms.Form):
    answer = forms.ChoiceField(label=_("Partner testing offer"), choices=VctOffer.choices)
    offered_on = forms.DateField(label=_("Offered on"), widget=DateInput)
    note = forms.CharField(label=_("Note"), max_length=255, required=False)
