from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

TABS = [("all", _("All")), ("open", _("To acknowledge")), ("overdue", _("Overdue"))]


class InboxFilterForm(forms.Form):
    """The inbox tab; anything unknown falls back to “all”."""

    tab = forms.ChoiceField(choices=TABS, required=False)

    def selected(self) -> str:
        return (self.cleaned_data.get("tab") or "all") if self.is_valid() else "all"
