"""Forms of the enrolment pages. They parse types only; the rules live in ``jiedu.mmt.services`` (a text field the
service checks is optional here, so the service's message names what is missing)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from jiedu.core.forms import DateInput
from jiedu.mmt.models import ExitReason
from jiedu.registry.models import Organisation

DATE_ERRORS = {"invalid": _("Enter a real date, e.g. 2026-05-03.")}


def date_field(label: Any, *, required: bool = True, help_text: Any = "") -> forms.DateField:
    return forms.DateField(
        label=label, required=required, widget=DateInput, error_messages=DATE_ERRORS, help_text=help_text
    )


class ApplyForm(forms.Form):
    applied_on = date_field(_("Applied on"), help_text=_("The day the person asked for treatment."))


#: What the clinic keeps on file (stored as these codes in the assessment).
DOCUMENTS = [
    ("id_card", _("Identity card copy")),
    ("drug_history", _("Drug-use history")),
    ("medical_reports", _("Medical reports")),
]


class AssessForm(forms.Form):
    dependence_evidence = forms.CharField(
        label=_("Evidence of opioid dependence"),
        error_messages={
            "required": _(
                "Evidence of opioid dependence is required (history and a positive test or record)."
            )
        },
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("History, and a positive opiate urine test or a record."),
    )
    documents = forms.MultipleChoiceField(
        label=_("Documents on file"), choices=DOCUMENTS, required=False, widget=forms.CheckboxSelectMultiple
    )
    agreement_signed = forms.BooleanField(label=_("Voluntary-treatment agreement signed"), required=False)
    guardian_consent = forms.BooleanField(label=_("Guardian's written consent (under 18)"), required=False)


class AcceptForm(forms.Form):
    start_on = date_field(_("Treatment starts on"))


class ReasonForm(forms.Form):
    """Refuse and suspend: a reason in writing (the service says when it is missing)."""

    reason = forms.CharField(label=_("Reason"), max_length=255, required=False)


class ResumeForm(forms.Form):
    pass


class ExitForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Exit reason"),
        required=False,
        choices=[("", "—"), *[(v, lbl) for v, lbl in ExitReason.choices if v != ExitReason.TRANSFERRED]],
    )
    on = date_field(_("Exit date"), required=False, help_text=_("Empty: today."))
    note = forms.CharField(label=_("Note"), max_length=255, required=False)


class _ClinicChoiceForm(forms.Form):
    clinic_field = ""

    def __init__(self, *args: Any, clinics: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields[self.clinic_field].queryset = clinics  # type: ignore[attr-defined]


class TransferForm(_ClinicChoiceForm):
    clinic_field = "to_clinic"
    to_clinic = forms.ModelChoiceField(
        label=_("Receiving clinic"), queryset=Organisation.objects.none(), empty_label="—"
    )
    reason = forms.CharField(label=_("Reason"), max_length=255, required=False)


class GuestForm(_ClinicChoiceForm):
    clinic_field = "host_clinic"
    host_clinic = forms.ModelChoiceField(
        label=_("Host clinic"), queryset=Organisation.objects.none(), empty_label="—"
    )
    start_on = date_field(_("From"))
    end_on = date_field(_("To"))
    reason = forms.CharField(label=_("Reason"), max_length=255, required=False)


class OrderForm(forms.Form):
    dose_mg = forms.DecimalField(label=_("Daily dose (mg)"), max_digits=6, decimal_places=1, required=False)
    effective_on = date_field(_("Effective from"), required=False, help_text=_("Empty: today."))
    split_parts = forms.IntegerField(label=_("Given in parts"), required=False, initial=1)
    reason = forms.CharField(label=_("Reason"), max_length=255, required=False)
    override_reason = forms.CharField(
        label=_("Reason for overriding the limit"),
        max_length=255,
        required=False,
        help_text=_("The dose exceeds a limit: give the clinical reason to write it anyway."),
    )

    def __init__(self, *args: Any, show_override: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not show_override:
            del self.fields["override_reason"]


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("Reason for declining"), max_length=255)
