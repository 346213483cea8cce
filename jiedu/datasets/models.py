"""Aggregate figures that come from outside the system (the DHIS2 data-set idea).

A data set is a form of figures a region reports for a period: the registered drug users of a county in a year
(the denominator of MMT coverage), the key indicators a district reports each quarter. Its elements say what is
counted and how (whole number, decimal, percent, yes/no); its validation rules say how the figures must agree.

A submission is one region's figures for one period. Values are never edited: every save while in draft writes
a new version of the values, so earlier figures and who entered them stay readable. Each step — saved,
submitted, approved, returned, reopened — is an append-only row with who, when and (for a return or a reopen)
why. Approval locks the figures; a correction after approval starts with an approver reopening them.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from jiedu.core.models import AppendOnlyModel

#: An element code: lower-case letters, digits and underscores, starting with a letter.
CODE_PATTERN = r"^[a-z][a-z0-9_]*$"
#: One element code or a sum of codes: ``a`` or ``a+b+c``.
SUM_PATTERN = r"^[a-z][a-z0-9_]*(\+[a-z][a-z0-9_]*)*$"


def _side_problem(side: str) -> str | None:
    if re.fullmatch(SUM_PATTERN, side):
        return None
    return str(_("Name an element by its code, or several joined by +: total, or opioid+synthetic+other."))


def _chinese() -> bool:
    return (get_language() or "").lower().startswith("zh")


class PeriodType(models.TextChoices):
    YEARLY = "yearly", _("Yearly")
    QUARTERLY = "quarterly", _("Quarterly")
    MONTHLY = "monthly", _("Monthly")


class ReportingLevel(models.TextChoices):
    COUNTY = "county", _("Counties")
    COUNTY_OR_PREFECTURE = "county_or_prefecture", _("Counties, and prefectures for themselves")


class ValueType(models.TextChoices):
    INTEGER = "integer", _("Whole number, 0 or more")
    DECIMAL = "decimal", _("Number")
    PERCENT = "percent", _("Percentage (0–100)")
    YES_NO = "yes_no", _("Yes or no")


class Operator(models.TextChoices):
    LE = "<=", "≤"
    LT = "<", "<"
    EQ = "=", "="
    GE = ">=", "≥"
    GT = ">", ">"


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")


class StepKind(models.TextChoices):
    SAVED = "saved", _("Figures saved")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned for correction")
    REOPENED = "reopened", _("Reopened after approval")


class DataSet(models.Model):
    code = models.SlugField(_("code"), max_length=64, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=128)
    name_en = models.CharField(_("name (English)"), max_length=128)
    period_type = models.CharField(_("period"), max_length=16, choices=PeriodType.choices)
    reporting_level = models.CharField(
        _("reported by"), max_length=32, choices=ReportingLevel.choices, default=ReportingLevel.COUNTY
    )
    version = models.PositiveSmallIntegerField(
        _("definition version"), default=1, help_text=_("Raised when elements or rules change.")
    )
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("data set")
        verbose_name_plural = _("data sets")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_type__in=PeriodType.values), name="dataset_period_valid"
            ),
            models.CheckConstraint(
                condition=Q(reporting_level__in=ReportingLevel.values), name="dataset_level_valid"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="dataset_version_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_zh if _chinese() else self.name_en


class DataElement(models.Model):
    data_set = models.ForeignKey(
        DataSet, verbose_name=_("data set"), on_delete=models.PROTECT, related_name="elements"
    )
    code = models.CharField(_("code"), max_length=64)
    name_zh = models.CharField(_("name (Chinese)"), max_length=128)
    name_en = models.CharField(_("name (English)"), max_length=128)
    value_type = models.CharField(_("value type"), max_length=16, choices=ValueType.choices)
    order = models.PositiveSmallIntegerField(_("order"))
    required = models.BooleanField(_("required"), default=True)
    help_zh = models.CharField(_("help (Chinese)"), max_length=255, blank=True)
    help_en = models.CharField(_("help (English)"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("data element")
        verbose_name_plural = _("data elements")
        ordering = ["data_set_id", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["data_set", "code"], name="dataelement_code_unique"),
            models.UniqueConstraint(fields=["data_set", "order"], name="dataelement_order_unique"),
            models.CheckConstraint(condition=Q(code__regex=CODE_PATTERN), name="dataelement_code_format"),
            models.CheckConstraint(
                condition=Q(value_type__in=ValueType.values), name="dataelement_type_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.code and not re.fullmatch(CODE_PATTERN, self.code):
            raise ValidationError(
                {"code": _("Use lower-case letters, digits and underscores, starting with a letter.")}
            )

    @property
    def name(self) -> str:
        return self.name_zh if _chinese() else self.name_en

    @property
    def help(self) -> str:
        return self.help_zh if _chinese() else self.help_en


class ValidationRule(models.Model):
    """``left operator right``: each side an element code or a sum of codes (``a+b+c``); the right side may
    instead be a constant. A rule is checked only when every element it names has a value."""

    data_set = models.ForeignKey(
        DataSet, verbose_name=_("data set"), on_delete=models.PROTECT, related_name="rules"
    )
    code = models.CharField(_("code"), max_length=64)
    message_zh = models.CharField(_("message (Chinese)"), max_length=255)
    message_en = models.CharField(_("message (English)"), max_length=255)
    left = models.CharField(_("left side"), max_length=255)
    operator = models.CharField(_("operator"), max_length=2, choices=Operator.choices)
    right = models.CharField(_("right side"), max_length=255, blank=True)
    right_constant = models.DecimalField(
        _("right side (constant)"), max_digits=18, decimal_places=4, null=True, blank=True
    )

    class Meta:
        verbose_name = _("validation rule")
        verbose_name_plural = _("validation rules")
        ordering = ["data_set_id", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["data_set", "code"], name="validationrule_code_unique"),
            models.CheckConstraint(condition=Q(left__regex=SUM_PATTERN), name="validationrule_left_format"),
            models.CheckConstraint(
                condition=Q(operator__in=Operator.values), name="validationrule_operator_valid"
            ),
            models.CheckConstraint(
                condition=(Q(right__regex=SUM_PATTERN) & Q(right_constant__isnull=True))
                | (Q(right="") & Q(right_constant__isnull=False)),
                name="validationrule_one_right_side",
            ),
        ]

    def __str__(self) -> str:
        right = self.right or str(self.right_constant)
        return f"{self.code}: {self.left} {self.operator} {right}"

    def clean(self) -> None:
        """The sides' form; that they name elements of the data set is checked with the elements being saved
        alongside (the administration's rule formset)."""
        self.left = (self.left or "").replace(" ", "")
        self.right = (self.right or "").replace(" ", "")
        errors: dict[str, str] = {}
        if self.left and (problem := _side_problem(self.left)):
            errors["left"] = problem
        if self.right and self.right_constant is not None:
            errors["right"] = str(_("Give either a right side or a constant, not both."))
        elif not self.right and self.right_constant is None:
            errors["right"] = str(_("Give a right side or a constant."))
        elif self.right and (problem := _side_problem(self.right)):
            errors["right"] = problem
        if errors:
            raise ValidationError(errors)

    @property
    def message(self) -> str:
        return self.message_zh if _chinese() else self.message_en

    @property
    def left_codes(self) -> list[str]:
        return self.left.split("+")

    @property
    def right_codes(self) -> list[str]:
        return self.right.split("+") if self.right else []


class Submission(models.Model):
    """One region's figures of a data set for one period; its values are those of version ``version``."""

    data_set = models.ForeignKey(
        DataSet, verbose_name=_("data set"), on_delete=models.PROTECT, related_name="submissions"
    )
    region = models.ForeignKey(
        "registry.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    #: The first day of the period (1 January for a year; 1 January, April, July or October for a quarter).
    period_start = models.DateField(_("period"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    #: The version of the values that is current (the latest saved).
    version = models.PositiveIntegerField(_("version of the figures"), default=1)
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        ordering = ["-period_start", "data_set_id", "region_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["data_set", "region", "period_start"], name="submission_one_per_region_and_period"
            ),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="submission_status_valid"),
            models.CheckConstraint(condition=Q(version__gte=1), name="submission_version_positive"),
        ]
        indexes = [models.Index(fields=["data_set", "status", "period_start"])]

    def __str__(self) -> str:
        return f"{self.data_set_id} {self.region_id} {self.period_start:%Y-%m-%d}"


class DataValue(AppendOnlyModel):
    """One figure of one version of a submission (yes/no is kept as 1 or 0)."""

    submission = models.ForeignKey(
        Submission, verbose_name=_("submission"), on_delete=models.PROTECT, related_name="values"
    )
    element = models.ForeignKey(
        DataElement, verbose_name=_("data element"), on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(_("version"))
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=4)

    class Meta:
        verbose_name = _("data value")
        verbose_name_plural = _("data values")
        ordering = ["submission_id", "version", "element__order"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "element", "version"], name="datavalue_unique"),
            models.CheckConstraint(condition=Q(version__gte=1), name="datavalue_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.submission_id} v{self.version} {self.element_id} = {self.value}"


class Step(AppendOnlyModel):
    """A step of a submission's life, with the version of the figures it concerned."""

    submission = models.ForeignKey(
        Submission, verbose_name=_("submission"), on_delete=models.PROTECT, related_name="steps"
    )
    kind = models.CharField(_("step"), max_length=16, choices=StepKind.choices)
    version = models.PositiveIntegerField(_("version of the figures"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"))
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("submission step")
        verbose_name_plural = _("submission steps")
        ordering = ["submission_id", "at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=StepKind.values), name="step_kind_valid"),
            models.CheckConstraint(
                condition=~Q(kind__in=[StepKind.RETURNED, StepKind.REOPENED]) | ~Q(reason=""),
                name="step_return_or_reopen_has_reason",
            ),
            # Each version of the figures is saved once.
            models.UniqueConstraint(
                fields=["submission", "version"], condition=Q(kind="saved"), name="step_version_saved_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.submission_id} {self.kind} v{self.version}"
