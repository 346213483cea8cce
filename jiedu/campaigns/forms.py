"""The forms of the pages: an event (its fields, participants by group, materials, media coverage), a campaign, a
file of evidence and the reason asked for a withdrawal.

The forms read what was typed into values; checking them against the rules is the service's work, whose messages
are shown beside each field. Fields whose text must be read (a date, a number) say in their own message which
field could not be read."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from django import forms
from django.forms import formset_factory
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiedu.campaigns import services
from jiedu.campaigns.models import (
    Campaign,
    CampaignKind,
    EventFormat,
    EventVersion,
    MaterialKind,
    MediaKind,
    ParticipantGroup,
    Setting,
)
from jiedu.core.errors import FieldErrors
from jiedu.registry.models import Organisation, Region

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _format(template: Any, label: Any) -> str:
    return str(template) % {"field": label}


#: A message naming its field, put together in the language of the request that shows it.
_named = lazy(_format, str)


def _number(label: Any, *, required: bool = False) -> forms.IntegerField:
    message = _named(_("%(field)s: enter a whole number, 0 or more."), label)
    return forms.IntegerField(
        label=label,
        required=required,
        error_messages={"required": message, "invalid": message},
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": "1"}),
    )


def _date(label: Any, *, required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=_DATE,
        error_messages={
            "required": _named(_("%(field)s: enter the date."), label),
            "invalid": _named(_("%(field)s: enter a date as YYYY-MM-DD."), label),
        },
    )


class EventForm(forms.Form):
    organiser = forms.ChoiceField(label=_("Organiser"))
    campaign = forms.ChoiceField(label=_("Campaign"), required=False)
    title = forms.CharField(label=_("Title"), required=False, max_length=200)
    held_on = _date(_("Date"))
    county = forms.ChoiceField(label=_("County"))
    place = forms.CharField(label=_("Place"), required=False, max_length=200)
    setting = forms.ChoiceField(label=pgettext_lazy("education", "Setting"))
    format = forms.ChoiceField(label=_("Format"), choices=EventFormat.choices)
    participants = _number(_("Participants"), required=True)
    co_organisers = forms.MultipleChoiceField(
        label=_("Co-organisers"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Hold Ctrl (⌘ on a Mac) to choose more than one."),
    )
    summary = forms.CharField(
        label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )

    def __init__(
        self,
        *args: Any,
        organisers: Sequence[Organisation],
        campaigns: Sequence[Campaign],
        counties: Sequence[Region],
        settings: Sequence[Setting],
        partners: Sequence[Organisation],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.organisers = {str(o.pk): o for o in organisers}
        self.campaigns = {str(c.pk): c for c in campaigns}
        self.counties = {c.code: c for c in counties}
        self.settings = {str(s.pk): s for s in settings}
        self.partners = {str(o.pk): o for o in partners}
        self.fields["organiser"].choices = [(k, o.name) for k, o in self.organisers.items()]
        if len(self.organisers) == 1:
            self.fields["organiser"].widget = forms.HiddenInput()
        self.fields["campaign"].choices = [("", _("— none: held on its own —"))] + [
            (k, f"{c.name} ({c.starts_on:%Y-%m-%d} – {c.ends_on:%Y-%m-%d})")
            for k, c in self.campaigns.items()
        ]
        self.fields["county"].choices = [(k, c.name) for k, c in self.counties.items()]
        self.fields["setting"].choices = [(k, s.name) for k, s in self.settings.items()]
        self.fields["co_organisers"].choices = [(k, o.name) for k, o in self.partners.items()]
        for name in ("title", "place"):  # required: the service says so, naming the field
            self.fields[name].required_mark = True  # type: ignore[attr-defined]


class GroupsForm(forms.Form):
    """Participants by group, where the organiser knows them (blank: not known)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for value, label in ParticipantGroup.choices:
            self.fields[value] = _number(label)

    def counts(self) -> dict[str, int]:
        return {g: n for g, n in self.cleaned_data.items() if n is not None}


class MaterialForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", "—"), *MaterialKind.choices])
    description = forms.CharField(label=_("Description"), required=False, max_length=100)
    quantity = _number(_("Quantity"))

    def blank(self) -> bool:
        data = self.cleaned_data
        return not data.get("kind") and not data.get("description") and data.get("quantity") is None


class MediaForm(forms.Form):
    outlet = forms.CharField(label=_("Outlet"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", "—"), *MediaKind.choices])
    published_on = _date(_("Published on"), required=False)
    title = forms.CharField(label=_("Title"), required=False, max_length=200)
    link = forms.CharField(label=_("Link"), required=False, max_length=500)

    def blank(self) -> bool:
        data = self.cleaned_data
        return not any(data.get(k) for k in ("outlet", "kind", "published_on", "title", "link"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.blank() and data.get("published_on") is None and "published_on" not in self.errors:
            self.add_error("published_on", _("Published on: enter the date."))
        return data


MaterialFormSet = formset_factory(MaterialForm, extra=3, max_num=30, validate_max=True)
MediaFormSet = formset_factory(MediaForm, extra=2, max_num=20, validate_max=True)


class EventEntry:
    """The forms of one event page, read together into the facts the services take."""

    def __init__(
        self,
        data: Any = None,
        *,
        choices: dict[str, Any],
        current: EventVersion | None = None,
        organiser: Organisation | None = None,
        correcting: bool = False,
    ) -> None:
        self.correcting = correcting
        initial: dict[str, Any] = {}
        groups: dict[str, Any] = {}
        materials: list[dict[str, Any]] = []
        media: list[dict[str, Any]] = []
        if current is not None:
            initial = {
                "campaign": str(current.campaign_id or ""),
                "title": current.title,
                "held_on": current.held_on,
                "county": current.county_id,
                "place": current.place,
                "setting": str(current.setting_id),
                "format": current.format,
                "participants": current.participants,
                "co_organisers": [str(c.organisation_id) for c in current.co_organisers.all()],
                "summary": current.summary,
            }
            groups = {g.group: g.count for g in current.groups.all()}
            materials = [
                {"kind": m.kind, "description": m.description, "quantity": m.quantity}
                for m in current.materials.all()
            ]
            media = [
                {
                    "outlet": m.outlet,
                    "kind": m.kind,
                    "published_on": m.published_on,
                    "title": m.title,
                    "link": m.link,
                }
                for m in current.media.all()
            ]
        if organiser is not None:
            initial["organiser"] = str(organiser.pk)
        self.event = EventForm(data, prefix="event", initial=initial, **choices)
        if correcting:
            self.event.fields["organiser"].required = False
            self.event.fields["organiser"].widget = forms.HiddenInput()
        self.groups = GroupsForm(data, prefix="groups", initial=groups)
        self.materials = MaterialFormSet(data, prefix="materials", initial=materials)
        self.media = MediaFormSet(data, prefix="media", initial=media)
        self.control = ControlForm(
            data,
            prefix="control",
            initial={"key": uuid.uuid4().hex, "seen": current.number if current else None},
            correcting=correcting,
        )
        #: Messages of the service for the materials and media lists (by list).
        self.list_errors: dict[str, list[str]] = {}

    @property
    def forms(self) -> list[Any]:
        return [self.event, self.groups, self.materials, self.media, self.control]

    def is_valid(self) -> bool:
        return all([f.is_valid() for f in self.forms])  # every form validated, so every error shows

    @property
    def organiser(self) -> Organisation | None:
        return self.event.organisers.get(self.event.cleaned_data.get("organiser") or "")

    @property
    def key(self) -> str:
        return self.control.cleaned_data.get("key") or ""

    @property
    def seen(self) -> int | None:
        return self.control.cleaned_data.get("seen")

    @property
    def reason(self) -> str:
        return self.control.cleaned_data.get("reason") or ""

    def facts(self) -> services.EventFacts:
        data = self.event.cleaned_data
        form = self.event
        return services.EventFacts(
            title=data["title"],
            held_on=data["held_on"],
            county=form.counties[data["county"]],
            place=data["place"],
            setting=form.settings[data["setting"]],
            format=data["format"],
            participants=data["participants"],
            campaign=form.campaigns.get(data["campaign"] or ""),
            groups=self.groups.counts(),
            materials=[
                services.Material(
                    kind=m.cleaned_data.get("kind") or "",
                    quantity=m.cleaned_data["quantity"] if m.cleaned_data.get("quantity") is not None else 0,
                    description=m.cleaned_data.get("description") or "",
                )
                for m in self.materials
                if m.cleaned_data and not m.blank()
            ],
            media=[
                services.Coverage(
                    outlet=m.cleaned_data.get("outlet") or "",
                    kind=m.cleaned_data.get("kind") or "",
                    published_on=m.cleaned_data["published_on"],
                    title=m.cleaned_data.get("title") or "",
                    link=m.cleaned_data.get("link") or "",
                )
                for m in self.media
                if m.cleaned_data and not m.blank()
            ],
            co_organisers=[form.partners[k] for k in data["co_organisers"]],
            summary=data["summary"],
        )

    def apply(self, exc: FieldErrors) -> None:
        """Each message of the service beside its field; those of the lists above the list."""
        for name, messages in exc.fields.items():
            for message in messages:
                if name.startswith("group_") and name[6:] in self.groups.fields:
                    self.groups.add_error(name[6:], message)
                elif name in ("materials", "media"):
                    self.list_errors.setdefault(name, []).append(message)
                elif name == "reason" and self.correcting:
                    self.control.add_error("reason", message)
                elif name in self.event.fields:
                    self.event.add_error(name, message)
                else:
                    self.event.add_error(None, message)


class ControlForm(forms.Form):
    #: A new event: the key that makes a repeated submission record it once.
    key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    #: A correction: the version the page showed.
    seen = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    reason = forms.CharField(
        label=_("Reason for the correction"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, correcting: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not correcting:
            del self.fields["reason"]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class EvidenceForm(forms.Form):
    file = forms.FileField(
        label=_("Photo or document"),
        required=False,
        help_text=_("A photo (JPEG, PNG or WebP) or a PDF document."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,application/pdf"}),
    )
    caption = forms.CharField(label=_("Caption"), required=False, max_length=200)


class CampaignForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"))
    year = _number(_("Year"), required=True)
    name = forms.CharField(label=_("Name"), required=False, max_length=128)
    name.required_mark = True  # type: ignore[attr-defined]
    theme = forms.CharField(label=_("Theme"), required=False, max_length=255)
    starts_on = _date(_("First day"))
    ends_on = _date(_("Last day"))

    def __init__(
        self, *args: Any, kinds: Sequence[CampaignKind], correcting: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.kinds = {str(k.pk): k for k in kinds}
        self.fields["kind"].choices = [(k, kind.name) for k, kind in self.kinds.items()]
        self.fields["year"].error_messages["invalid"] = _("Year: enter a year such as 2026.")
        self.fields["year"].error_messages["required"] = _("Year: enter a year such as 2026.")
        if correcting:
            del self.fields["kind"]
            del self.fields["year"]
            self.fields["reason"] = forms.CharField(
                label=_("Reason for the correction"), required=False, widget=forms.Textarea(attrs={"rows": 2})
            )
        else:
            usual = [
                f"{k.name}: {k.usual_start} – {k.usual_end}" for k in kinds if k.usual_start and k.usual_end
            ]
            if usual:
                self.fields["starts_on"].help_text = _("Usual dates: %(dates)s.") % {
                    "dates": "; ".join(usual)
                }

    @property
    def chosen_kind(self) -> CampaignKind:
        return self.kinds[self.cleaned_data["kind"]]
