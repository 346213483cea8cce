"""Workforce forms parse types only; what a record must satisfy (certificates, dates, scope) is the services' work,
whose messages are shown beside each field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from jiedu.accounts.models import User
from jiedu.core.forms import DateInput
from jiedu.registry.models import Organisation
from jiedu.workforce.models import (
    CertificateType,
    Education,
    LeaveReason,
    ParticipantKind,
    Profession,
    ScreeningMethod,
    ScreeningResult,
    Sex,
    StaffMember,
    Title,
    Topic,
)


def _blank(choices: Any) -> list[tuple[str, Any]]:
    return [("", "---------"), *choices]


class StaffNameChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} · {obj.get_profession_display()} · {obj.organisation.name}"


class StaffForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    sex = forms.ChoiceField(label=_("Sex"), choices=_blank(Sex.choices))
    profession = forms.ChoiceField(label=_("Profession"), choices=_blank(Profession.choices))
    education = forms.ChoiceField(label=_("Education"), choices=_blank(Education.choices), required=False)
    title = forms.ChoiceField(label=_("Professional title"), choices=Title.choices, initial=Title.NONE)
    certificate_type = forms.ChoiceField(
        label=_("Practising certificate"), choices=CertificateType.choices, initial=CertificateType.NONE
    )
    certificate_number = forms.CharField(label=_("Certificate number"), max_length=200, required=False)
    certificate_valid_from = forms.DateField(
        label=_("Certificate valid from"), widget=DateInput, required=False
    )
    certificate_valid_to = forms.DateField(
        label=_("Certificate valid to"),
        widget=DateInput,
        required=False,
        help_text=_("Leave empty when the certificate has no end date."),
    )
    start_date = forms.DateField(label=_("First working day"), widget=DateInput)
    user = forms.ModelChoiceField(
        label=_("User account"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Optional: the staff member's sign-in account at this organisation."),
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["user"]
        field.queryset = User.objects.filter(organisation=organisation, is_active=True).order_by("username")  # type: ignore[attr-defined]
        field.label_from_instance = lambda u: f"{u.display_name} ({u.username})"  # type: ignore[attr-defined]

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "sex": data["sex"],
            "profession": data["profession"],
            "education": data["education"],
            "title": data["title"],
            "certificate_type": data["certificate_type"],
            "certificate_number": data["certificate_number"],
            "certificate_valid_from": data["certificate_valid_from"],
            "certificate_valid_to": data["certificate_valid_to"],
            "start_date": data["start_date"],
            "user": data["user"],
        }


class CorrectionForm(StaffForm):
    leave_date = forms.DateField(label=_("Last working day"), widget=DateInput, required=False)
    leave_reason = forms.ChoiceField(
        label=_("Leave reason"), choices=_blank(LeaveReason.choices), required=False
    )
    reason = forms.CharField(
        label=_("Why the record is corrected"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    _seen = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def values(self) -> dict[str, Any]:
        return {
            **super().values(),
            "leave_date": self.cleaned_data["leave_date"],
            "leave_reason": self.cleaned_data["leave_reason"],
        }


def correction_initial(staff: StaffMember) -> dict[str, Any]:
    fields = (
        "name sex profession education title certificate_type certificate_number certificate_valid_from "
        "certificate_valid_to start_date leave_date leave_reason"
    ).split()
    return {**{f: getattr(staff, f) for f in fields}, "user": staff.user_id, "_seen": staff.version}


class LeaveForm(forms.Form):
    leave_date = forms.DateField(label=_("Last working day"), widget=DateInput, required=False)
    leave_reason = forms.ChoiceField(label=_("Reason"), choices=_blank(LeaveReason.choices), required=False)
    _seen = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)


class PlacementForm(forms.Form):
    host = forms.CharField(label=_("Host institution"), max_length=300, required=False)
    field = forms.CharField(label=_("Field of study"), max_length=300, required=False)
    starts_on = forms.DateField(label=_("First day"), widget=DateInput, required=False)
    ends_on = forms.DateField(label=_("Last day"), widget=DateInput, required=False)


class ScreeningForm(forms.Form):
    staff = StaffNameChoice(label=_("Staff member"), queryset=StaffMember.objects.none())
    screened_on = forms.DateField(label=_("Date"), widget=DateInput, required=False)
    method = forms.ChoiceField(label=_("Method"), choices=_blank(ScreeningMethod.choices), required=False)
    result = forms.ChoiceField(label=_("Result"), choices=_blank(ScreeningResult.choices), required=False)
    follow_up = forms.CharField(
        label=_("Follow-up"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required for a positive result or a refusal."),
    )

    def __init__(self, *args: Any, staff: QuerySet[StaffMember], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff  # type: ignore[attr-defined]


class CourseForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300, required=False)
    topic = forms.ChoiceField(label=_("Topic"), choices=_blank(Topic.choices), required=False)
    starts_on = forms.DateField(label=_("First day"), widget=DateInput, required=False)
    ends_on = forms.DateField(label=_("Last day"), widget=DateInput, required=False)
    hours = forms.CharField(
        label=_("Hours"),
        max_length=10,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    place = forms.CharField(label=_("Place"), max_length=300, required=False)


class NamedParticipantsForm(forms.Form):
    staff = forms.ModelMultipleChoiceField(
        label=_("Staff members"),
        queryset=StaffMember.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )

    def __init__(self, *args: Any, staff: QuerySet[StaffMember], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["staff"]
        field.queryset = staff  # type: ignore[attr-defined]
        field.label_from_instance = lambda s: (
            f"{s.name} · {s.get_profession_display()} · {s.organisation.name}"
        )  # type: ignore[attr-defined]


class CountedParticipantsForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Participants from"), choices=_blank(ParticipantKind.choices), required=False
    )
    count = forms.IntegerField(label=_("Number of participants"), required=False, min_value=0)
