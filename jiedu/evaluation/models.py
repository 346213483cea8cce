"""The annual comprehensive evaluation (seed 004 §(八), §(十一); seed 002: 年度目标考核).

A scheme is data: whom it evaluates (the counties' working groups under an area, or institutions of some kinds),
its criteria — each reading one source (an indicator of the dictionary, the year's inspection score, rectification
completed on time, the capability score, training, education campaigns) with a weight and the values that earn
nothing and full marks — and its commendation rule (how many places, the minimum total, whether a
controlled-substance loss or theft vetoes).

An evaluation applies a scheme to an area and a year. Computing it writes a result per subject and a part per
criterion, each part keeping the weight and the scoring values it was scored with, so a later change of the
scheme never changes a past evaluation. A computed evaluation is a draft; recomputing writes a new one; the
commission or narcotics office publishes one, which then stands (one published evaluation per scheme, area and
year). Results and parts are append-only.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from jiedu.core.models import AppendOnlyModel
from jiedu.evaluation.rules import Missing as _Missing


def _chinese() -> bool:
    return (get_language() or "").lower().startswith("zh")


class SubjectKind(models.TextChoices):
    COUNTY = "county", _("Counties and districts (their working groups)")
    INSTITUTION = "institution", _("Institutions")


class Source(models.TextChoices):
    INDICATOR = "indicator", _("An indicator of the dictionary")
    INSPECTION_SCORE = "inspection_score", _("Inspection score in the year")
    RECTIFICATION = "rectification", _("Rectification items closed on time")
    CAPABILITY = "capability", _("Capability assessment score")
    TRAINING_SESSIONS = "training_sessions", _("Training sessions held")
    TRAINING_PERSON_TIMES = "training_person_times", _("Training person-times")
    CAMPAIGN_EVENTS = "campaign_events", _("Education events held")
    CAMPAIGN_PARTICIPANTS = "campaign_participants", _("Participants in education events")
    CAMPAIGN_SETTINGS = "campaign_settings", _("Settings reached by education events")


#: Sources measured for a county's working group only (training and campaigns are counted by county).
COUNTY_ONLY_SOURCES = frozenset(
    {
        Source.TRAINING_SESSIONS,
        Source.TRAINING_PERSON_TIMES,
        Source.CAMPAIGN_EVENTS,
        Source.CAMPAIGN_PARTICIPANTS,
        Source.CAMPAIGN_SETTINGS,
    }
)


class Missing(models.TextChoices):
    ZERO = _Missing.ZERO, _("No points")
    FULL = _Missing.FULL, _("Full points")
    EXEMPT = _Missing.EXEMPT, _("Left out (the others scaled up)")


class Scheme(models.Model):
    code = models.SlugField(_("code"), max_length=64, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    subject = models.CharField(_("evaluates"), max_length=16, choices=SubjectKind.choices)
    #: For institutions: the organisation types evaluated.
    institution_types = models.JSONField(_("kinds of institution"), default=list, blank=True)
    commend_places = models.PositiveSmallIntegerField(_("places on the commendation list"))
    commend_minimum = models.DecimalField(
        _("minimum total for a commendation"), max_digits=5, decimal_places=2
    )
    veto_on_loss = models.BooleanField(
        _("a controlled-substance loss or theft in the year bars a commendation"), default=True
    )
    basis = models.CharField(_("basis"), max_length=500, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("evaluation scheme")
        verbose_name_plural = _("evaluation schemes")
        ordering = ["subject", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(subject__in=SubjectKind.values), name="scheme_subject_valid"),
            models.CheckConstraint(
                condition=Q(commend_minimum__gte=0, commend_minimum__lte=100), name="scheme_minimum_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_zh if _chinese() else self.name_en


class Criterion(models.Model):
    scheme = models.ForeignKey(
        Scheme, verbose_name=_("scheme"), on_delete=models.PROTECT, related_name="criteria"
    )
    code = models.SlugField(_("code"), max_length=64)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    source = models.CharField(_("scored from"), max_length=32, choices=Source.choices)
    #: For an indicator: its code in the dictionary.
    parameter = models.CharField(_("indicator"), max_length=64, blank=True)
    weight = models.DecimalField(_("weight (points)"), max_digits=5, decimal_places=2)
    zero_at = models.DecimalField(_("value earning no points"), max_digits=12, decimal_places=2)
    full_at = models.DecimalField(_("value earning full points"), max_digits=12, decimal_places=2)
    missing = models.CharField(_("when there is no value"), max_length=8, choices=Missing.choices)
    order = models.PositiveSmallIntegerField(_("order"))

    class Meta:
        verbose_name = _("evaluation criterion")
        verbose_name_plural = _("evaluation criteria")
        ordering = ["scheme_id", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="evaluation_criterion_code_unique"),
            models.CheckConstraint(condition=Q(source__in=Source.values), name="evaluation_criterion_source"),
            models.CheckConstraint(
                condition=Q(missing__in=Missing.values), name="evaluation_criterion_missing"
            ),
            models.CheckConstraint(condition=Q(weight__gt=0), name="evaluation_criterion_weight_positive"),
            models.CheckConstraint(
                condition=~Q(zero_at=F("full_at")), name="evaluation_criterion_zero_differs_from_full"
            ),
            models.CheckConstraint(
                condition=Q(source="indicator", parameter__gt="")
                | (~Q(source="indicator") & Q(parameter="")),
                name="evaluation_criterion_indicator_named",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_zh if _chinese() else self.name_en

    def clean(self) -> None:
        from jiedu.indicators.dictionary import BY_CODE

        if self.source == Source.INDICATOR and self.parameter not in BY_CODE:
            raise ValidationError({"parameter": _("Name an indicator of the dictionary by its code.")})
        if self.source != Source.INDICATOR and self.parameter:
            raise ValidationError({"parameter": _("Only an indicator criterion names an indicator.")})
        scheme = getattr(self, "scheme", None)
        if (
            scheme is not None
            and scheme.subject == SubjectKind.INSTITUTION
            and self.source in COUNTY_ONLY_SOURCES
        ):
            raise ValidationError(
                {"source": _("This figure is counted by county only; an institution has none.")}
            )
        if self.zero_at is not None and self.zero_at == self.full_at:
            raise ValidationError({"full_at": _("Full points need a value other than the one earning none.")})


class EvaluationStatus(models.TextChoices):
    DRAFT = "draft", _("Computed, not published")
    PUBLISHED = "published", _("Published")
    #: Published, then withdrawn with a reason (a corrected evaluation may then be published in its place).
    WITHDRAWN = "withdrawn", pgettext_lazy("evaluation", "Withdrawn")


class Evaluation(models.Model):
    """A scheme applied to an area and a year."""

    scheme = models.ForeignKey(
        Scheme, verbose_name=_("scheme"), on_delete=models.PROTECT, related_name="evaluations"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    area = models.ForeignKey(
        "registry.Region", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("evaluating body"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=EvaluationStatus.choices, default=EvaluationStatus.DRAFT
    )
    #: The sum of the criteria's weights when computed (the full total).
    out_of = models.DecimalField(_("full total"), max_digits=6, decimal_places=2)
    #: The last day of the indicators' rollups when computed.
    indicators_as_of = models.DateField(_("indicators up to"), null=True, blank=True)
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("computed by"), on_delete=models.PROTECT, related_name="+"
    )
    computed_at = models.DateTimeField(_("computed at"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("withdrawn by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawal_reason = models.CharField(_("reason for the withdrawal"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("annual evaluation")
        verbose_name_plural = _("annual evaluations")
        ordering = ["-year", "-computed_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=EvaluationStatus.values), name="evaluation_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status="draft", published_at__isnull=True, published_by__isnull=True)
                | Q(
                    status__in=["published", "withdrawn"],
                    published_at__isnull=False,
                    published_by__isnull=False,
                ),
                name="evaluation_published_with_who_and_when",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=["draft", "published"],
                    withdrawn_at__isnull=True,
                    withdrawn_by__isnull=True,
                    withdrawal_reason="",
                )
                | (
                    Q(status="withdrawn", withdrawn_at__isnull=False, withdrawn_by__isnull=False)
                    & ~Q(withdrawal_reason="")
                ),
                name="evaluation_withdrawn_with_who_when_and_why",
            ),
            models.UniqueConstraint(
                fields=["scheme", "area", "year"],
                condition=Q(status="published"),
                name="evaluation_one_published_per_scheme_area_year",
            ),
        ]
        indexes = [models.Index(fields=["area", "year"])]

    def __str__(self) -> str:
        return f"{self.scheme_id} {self.area_id} {self.year}"


class Result(AppendOnlyModel):
    """One subject's total, rank and commendation."""

    evaluation = models.ForeignKey(
        Evaluation, verbose_name=_("evaluation"), on_delete=models.PROTECT, related_name="results"
    )
    county = models.ForeignKey(
        "registry.Region",
        verbose_name=_("county"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    total = models.DecimalField(_("total"), max_digits=6, decimal_places=2, null=True, blank=True)
    rank = models.PositiveSmallIntegerField(_("rank"), null=True, blank=True)
    commended = models.BooleanField(_("commended"), default=False)
    vetoed = models.BooleanField(_("vetoed"), default=False)
    #: Controlled-substance loss and theft entries booked in the year (not reversed) in the subject's stores.
    losses = models.PositiveIntegerField(_("losses and thefts in the year"), default=0)

    class Meta:
        verbose_name = _("evaluation result")
        verbose_name_plural = _("evaluation results")
        ordering = ["evaluation_id", F("rank").asc(nulls_last=True), "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(county__isnull=True, organisation__isnull=False)
                | Q(county__isnull=False, organisation__isnull=True),
                name="evaluation_result_one_subject",
            ),
            models.CheckConstraint(
                condition=Q(total__isnull=True, rank__isnull=True)
                | Q(total__isnull=False, rank__isnull=False),
                name="evaluation_result_ranked_iff_total",
            ),
            models.CheckConstraint(
                condition=~Q(commended=True) | Q(vetoed=False, rank__isnull=False),
                name="evaluation_result_commended_ranked_not_vetoed",
            ),
            models.CheckConstraint(
                condition=Q(vetoed=False) | Q(losses__gt=0), name="evaluation_result_vetoed_for_a_loss"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.evaluation_id} {self.county_id or self.organisation_id} {self.total}"

    @property
    def veto_reason(self) -> str:
        """Why the subject is barred from commendation, in the reader's language ("" when it is not)."""
        if not self.vetoed:
            return ""
        return ngettext(
            "%(n)s controlled-substance loss or theft entry booked in the year",
            "%(n)s controlled-substance loss or theft entries booked in the year",
            self.losses,
        ) % {"n": self.losses}


class Part(AppendOnlyModel):
    """What one criterion measured for a subject and the points it earned, with the terms it was scored on."""

    result = models.ForeignKey(
        Result, verbose_name=_("result"), on_delete=models.PROTECT, related_name="parts"
    )
    criterion = models.ForeignKey(
        Criterion, verbose_name=_("criterion"), on_delete=models.PROTECT, related_name="+"
    )
    weight = models.DecimalField(_("weight (points)"), max_digits=5, decimal_places=2)
    zero_at = models.DecimalField(_("value earning no points"), max_digits=12, decimal_places=2)
    full_at = models.DecimalField(_("value earning full points"), max_digits=12, decimal_places=2)
    missing = models.CharField(_("when there is no value"), max_length=8, choices=Missing.choices)
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2, null=True, blank=True)
    numerator = models.DecimalField(_("numerator"), max_digits=14, decimal_places=2, null=True, blank=True)
    denominator = models.DecimalField(
        _("denominator"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    #: None: the criterion was left out for this subject.
    points = models.DecimalField(_("points"), max_digits=5, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("evaluation part")
        verbose_name_plural = _("evaluation parts")
        ordering = ["result_id", "criterion__order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["result", "criterion"], name="evaluation_part_unique"),
            models.CheckConstraint(
                condition=Q(points__isnull=True) | Q(points__gte=0, points__lte=F("weight")),
                name="evaluation_part_points_within_weight",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.result_id} {self.criterion_id} {self.points}"
