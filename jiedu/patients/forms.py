from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiedu.core.forms import DateInput
from jiedu.patients.models import Sex


class PersonRegisterForm(forms.Form):
    """Parses types only; every domain rule lives in ``services.person_register``."""

    id_number = forms.CharField(
        label=_("Resident identity number"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text", "class": "mono"}),
        help_text=_("18 characters; the last may be X."),
    )
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=50)
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", "—"), *Sex.choices])
    birth_date = forms.DateField(
        label=_("Birth date"),
        widget=DateInput,
        error_messages={"invalid": _("Enter a real date, e.g. 1980-05-03.")},
    )
    household_region = forms.CharField(
        label=_("Household registration region code"),
        max_length=6,
        required=False,
        help_text=_(
            "Six-digit GB/T 2260 code; left empty, the first six digits of the identity number are used."
        ),
    )
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    current_address = forms.CharField(label=_("Current address"), max_length=255, required=False)
    photo = forms.FileField(label=_("Photo"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["photo"].help_text = _("JPEG, PNG or WebP, at most %(kb)d KB.") % {
            "kb": settings.JIEDU_PHOTO_MAX_BYTES // 1024
        }


class PersonUpdateForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=50)
    household_region = forms.CharField(label=_("Household registration region code"), max_length=6)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    current_address = forms.CharField(label=_("Current address"), max_length=255, required=False)
    photo = forms.FileField(label=_("New photo"), required=False)
