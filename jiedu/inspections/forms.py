"""Forms of the inspection pages. They carry what was typed; the services judge it and their messages are shown
beside the fields."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jiedu.inspections.models import FactKey, InspectionStatus, RectificationStatus, ScoringRule, TargetType
from jiedu.inspections.selectors import ESCALATED_TO_ME, OVERDUE, Row

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class TemplateForm(forms.Form):
    code = forms.CharField(
        label=_("Code"), required=False, help_text=_("Lower-case letters, digits, hyphens.")
    )
    title_zh = forms.CharField(label=_("Title (Chinese)"), required=False)
    title_en = forms.CharField(label=_("Title (English)"), required=False)
    target_type = forms.ChoiceField(label=_("Inspects"), choices=TargetType.choices)


class SectionForm(forms.Form):
    title_zh = forms.CharField(label=_("Section title (Chinese)"), required=False)
    title_en = forms.CharField(label=_("Section title (English)"), required=False)


class ItemForm(forms.Form):
    text = forms.CharField(
        label=_("What is checked (Chinese)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    guidance = forms.CharField(label=_("How to check"), required=False)
    max_score = forms.CharField(
        label=_("Maximum score"), required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    rule = forms.ChoiceField(label=_("Scoring rule"), choices=ScoringRule.choices)
    deduction = forms.CharField(
        label=_("Deduction per instance"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        help_text=_("Only for the deduction rule."),
    )
    evidence_required = forms.BooleanField(label=_("Photo or document required"), required=False)
    fact_key = forms.ChoiceField(
        label=_("Live fact shown beside it"), choices=[("", "—"), *FactKey.choices], required=False
    )


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class PublishForm(forms.Form):
    note = forms.CharField(label=_("What changed in this version"), required=False)


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Team name"), required=False)
    members = forms.ModelMultipleChoiceField(
        label=_("Members"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    leader = forms.ModelChoiceField(label=_("Leader"), queryset=None, required=False)

    def __init__(self, *args: Any, candidates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = candidates  # type: ignore[attr-defined]
        self.fields["leader"].queryset = candidates  # type: ignore[attr-defined]
        label = lambda u: f"{u.display_name} · {u.organisation.name}"  # noqa: E731
        self.fields["members"].label_from_instance = label  # type: ignore[attr-defined]
        self.fields["leader"].label_from_instance = label  # type: ignore[attr-defined]


class PlanForm(forms.Form):
    version = forms.ModelChoiceField(label=_("Checklist"), queryset=None, required=False)
    target = forms.ModelChoiceField(label=_("Organisation inspected"), queryset=None, required=False)
    team = forms.ModelChoiceField(label=_("Team"), queryset=None, required=False)
    scheduled_on = forms.DateField(label=_("Date"), required=False, widget=DATE)
    announced = forms.BooleanField(
        label=_("Announced to the inspected organisation"),
        required=False,
        initial=True,
        help_text=_("An unannounced inspection is hidden from the inspected organisation until it starts."),
    )
    purpose = forms.CharField(label=_("Purpose"), required=False)

    def __init__(self, *args: Any, versions: Any, targets: Any, teams: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].queryset = versions  # type: ignore[attr-defined]
        self.fields["target"].queryset = targets  # type: ignore[attr-defined]
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        self.fields["version"].label_from_instance = lambda v: (
            _("%(title)s · version %(n)d")
            % {  # type: ignore[attr-defined]
                "title": v.template.title,
                "n": v.number,
            }
        )
        self.fields["target"].label_from_instance = lambda o: f"{o.name} · {o.get_type_display()}"  # type: ignore[attr-defined]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ScoreForm(forms.Form):
    """One item's result, as entered on the tablet."""

    result = forms.ChoiceField(
        label=_("Result"),
        choices=[("pass", _("Pass")), ("fail", _("Fail"))],
        required=False,
        widget=forms.RadioSelect,
    )
    score = forms.CharField(label=_("Score"), required=False)
    instances = forms.CharField(label=_("Instances found"), required=False)
    not_applicable = forms.BooleanField(label=_("Does not apply"), required=False)
    flagged = forms.BooleanField(label=_("Mark as a finding"), required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class FindingTermsForm(forms.Form):
    """How each finding is to be rectified; one group of fields per finding, named by the item's id."""

    def __init__(
        self,
        *args: Any,
        findings: Sequence[Row],
        owners: Any,
        default_deadline: Any,
        target: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.findings = list(findings)
        for row in self.findings:
            pk = row.item.pk
            self.fields[f"owner_{pk}"] = forms.ModelChoiceField(
                label=_("To be rectified by"), queryset=owners, required=False, initial=target
            )
            self.fields[f"deadline_{pk}"] = forms.DateField(
                label=_("Deadline"), required=False, widget=DATE, initial=default_deadline
            )
            self.fields[f"evidence_{pk}"] = forms.BooleanField(
                label=_("Evidence required with the answer"), required=False, initial=True
            )
            self.fields[f"requirement_{pk}"] = forms.CharField(
                label=_("What must be rectified"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_("Blank: the item and the team's note."),
            )

    def groups(self) -> list[tuple[Row, list[forms.BoundField]]]:
        return [
            (
                row,
                [self[f"{name}_{row.item.pk}"] for name in ("owner", "deadline", "evidence", "requirement")],
            )
            for row in self.findings
        ]


class RespondForm(forms.Form):
    note = forms.CharField(label=_("What was done"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class RejectForm(forms.Form):
    note = forms.CharField(
        label=_("Why the answer is not accepted"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    deadline = forms.DateField(label=_("New deadline"), required=False, widget=DATE)


class ScheduleFilter(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All")), *InspectionStatus.choices], required=False
    )
    target = forms.ModelChoiceField(
        label=_("Organisation inspected"), queryset=None, required=False, empty_label=_("All")
    )

    def __init__(self, *args: Any, targets: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = targets  # type: ignore[attr-defined]


class FindingFilter(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            ("", _("All")),
            *RectificationStatus.choices,
            (OVERDUE, _("Overdue")),
            (ESCALATED_TO_ME, _("Escalated to my organisation")),
        ],
        required=False,
    )
    owner = forms.IntegerField(required=False, widget=forms.HiddenInput)
    county = forms.CharField(required=False, widget=forms.HiddenInput)
