"""Forms parse types only; who may admit, the agreement's rules and the discharge rules live in services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jiedu.core.forms import DateInput
from jiedu.rehab.models import Outcome, Setting, Substance
from jiedu.rehab.services import AgreementTerms


def _area(label: Any, rows: int = 4) -> forms.CharField:
    return forms.CharField(label=label, widget=forms.Textarea(attrs={"rows": rows}), required=False)


class AdmitForm(forms.Form):
    setting = forms.ChoiceField(label=_("Setting"), choices=Setting.choices, widget=forms.RadioSelect)
    admitted_on = forms.DateField(label=_("Admitted on"), widget=DateInput)
    substances = forms.MultipleChoiceField(
        label=_("Substances used"),
        choices=Substance.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    substance_other = forms.CharField(label=_("Other substance"), max_length=100, required=False)
    method = _area(_("Treatment method"))
    planned_days = forms.IntegerField(label=_("Planned duration (days)"))
    confidentiality = _area(_("Confidentiality"))
    rules = _area(_("Rules of the institution"))
    termination = _area(_("Termination of treatment"))
    risks = _area(_("Risks explained"))
    patient_signed = forms.BooleanField(
        label=_("The patient has read and signed the agreement"), required=False
    )
    guardian_name = forms.CharField(
        label=_("Guardian who signed"),
        max_length=50,
        required=False,
        help_text=_("Required when the patient is under 18 on the day of admission."),
    )
    signed_on = forms.DateField(label=_("Signed on"), widget=DateInput)

    def terms(self) -> AgreementTerms:
        data = self.cleaned_data
        return AgreementTerms(
            method=data["method"],
            planned_days=data["planned_days"],
            confidentiality=data["confidentiality"],
            rules=data["rules"],
            termination=data["termination"],
            risks=data["risks"],
        )


class NoteForm(forms.Form):
    on = forms.DateField(label=_("Date"), widget=DateInput)
    text = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class DischargeForm(forms.Form):
    discharged_on = forms.DateField(label=_("Discharged on"), widget=DateInput)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[("", "—"), *Outcome.choices])
    transferred_to = forms.CharField(
        label=_("Transferred to"),
        max_length=128,
        required=False,
        help_text=_("For a transfer: the MMT clinic or other institution."),
    )
    summary = forms.CharField(
        label=_("Discharge summary"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
