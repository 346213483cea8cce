"""The capability of medical units — compulsory-centre medical units and MMT clinics — against six dimensions
(seed 001: 机构设置健全、设施设备完善、人员结构合理、规章制度完备、社会协作贯通、能力水平达标).

A unit's head keeps its registers: departments, equipment with its condition checks, the rules-and-regulations
library with versions, and social collaborations. The staff structure comes from the workforce register and the
qualifications from the organisation's licences. Every register row is append-only: a department closes, an
agreement ends, a rule gets a new version, a piece of equipment gets a new check — each a new row with who and
when.

An assessment framework is data: criteria per dimension, each with a weight, the register it reads (its source),
what it looks for (its parameter) and how many are required. An assessment of a unit on a day computes every
criterion from the registers (kept as its results), a score per dimension (the weights met ÷ the weights of the
dimension × 100) and the overall score (the mean of the dimension scores); the assessor may adjust a dimension's
score with a reason (kept as a step) and confirms the assessment, which locks it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from jiedu.core.models import AppendOnlyModel


def _chinese() -> bool:
    return (get_language() or "").lower().startswith("zh")


class Dimension(models.TextChoices):
    DEPARTMENTS = "departments", _("Institution and departments")
    EQUIPMENT = "equipment", _("Facilities and equipment")
    STAFF = "staff", _("Staff structure")
    RULES = "rules", _("Rules and regulations")
    COLLABORATION = "collaboration", _("Social collaboration")
    QUALIFICATIONS = "qualifications", _("Qualifications")


class DepartmentKind(models.TextChoices):
    INTERNAL_MEDICINE = "internal_medicine", _("Internal medicine")
    PSYCHIATRY = "psychiatry", _("Psychiatry")
    INFECTIOUS_DISEASES = "infectious_diseases", _("Infectious diseases")
    REHABILITATION = "rehabilitation", _("Rehabilitation")
    PHARMACY = "pharmacy", _("Pharmacy")
    LABORATORY = "laboratory", _("Laboratory")
    IMAGING = "imaging", _("Imaging")
    GENERAL_PRACTICE = "general_practice", _("General practice")
    PSYCHOLOGY = "psychology", _("Psychological counselling")
    OTHER = "other", _("Other")


class EquipmentKind(models.TextChoices):
    XRAY = "xray", _("X-ray machine")
    B_ULTRASOUND = "b_ultrasound", _("B-mode ultrasound")
    ECG = "ecg", _("Electrocardiograph")
    BLOOD_ANALYSER = "blood_analyser", _("Blood analyser")
    BIOCHEMISTRY_ANALYSER = "biochemistry_analyser", _("Biochemistry analyser")
    URINE_ANALYSER = "urine_analyser", _("Urine analyser")
    DEFIBRILLATOR = "defibrillator", _("Defibrillator")
    OXYGEN = "oxygen", _("Oxygen supply")
    EMERGENCY_TROLLEY = "emergency_trolley", _("Emergency trolley")
    VENTILATOR = "ventilator", _("Ventilator")
    OTHER = "other", _("Other")


class CheckKind(models.TextChoices):
    CONDITION = "condition", _("Condition check")
    MAINTENANCE = "maintenance", _("Maintenance")
    CALIBRATION = "calibration", _("Calibration")


class Condition(models.TextChoices):
    WORKING = "working", _("In working order")
    NEEDS_REPAIR = "needs_repair", _("Needs repair")
    OUT_OF_SERVICE = "out_of_service", _("Out of service")
    RETIRED = "retired", pgettext_lazy("equipment", "Retired")


class RuleCategory(models.TextChoices):
    MEDICAL_QUALITY = "medical_quality", _("Medical quality and safety")
    DRUG_MANAGEMENT = "drug_management", _("Drug and controlled-substance management")
    INFECTION_CONTROL = "infection_control", _("Infection control")
    EMERGENCY = "emergency", _("Emergency response")
    NURSING = "nursing", _("Nursing")
    RECORDS = "records", _("Medical records and reporting")
    SECURITY = "security", _("Security and supervision")
    OTHER = "other", _("Other")


class CollaborationKind(models.TextChoices):
    MEDICAL_CONSORTIUM = "medical_consortium", _("Medical consortium")
    SPECIALIST_ALLIANCE = "specialist_alliance", _("Specialist alliance")
    TELEMEDICINE = "telemedicine", _("Telemedicine link")
    PAIRED_SUPPORT = "paired_support", _("Paired-support hospital")
    DEDICATED_WARD = "dedicated_ward", _("Dedicated ward at a local hospital")


# --- the registers --------------------------------------------------------------------------------------------


class Department(AppendOnlyModel):
    organisation = models.ForeignKey(
        "registry.Organisation", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=DepartmentKind.choices)
    name = models.CharField(_("name"), max_length=100)
    opened_on = models.DateField(_("opened on"))
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("registered by"), on_delete=models.PROTECT, related_name="+"
    )
    registered_at = models.DateTimeField(_("registered at"))

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["organisation_id", "kind", "opened_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=DepartmentKind.values), name="department_kind_valid")
        ]

    def __str__(self) -> str:
        return self.name


class DepartmentClosure(AppendOnlyModel):
    department = models.OneToOneField(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="closure"
    )
    closed_on = models.DateField(_("closed on"))
    reason = models.CharField(_("reason"), max_length=500)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("department closure")
        verbose_name_plural = _("department closures")
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="departmentclosure_has_reason")]

    def __str__(self) -> str:
        return f"{self.department_id} closed {self.closed_on}"


class Equipment(AppendOnlyModel):
    organisation = models.ForeignKey(
        "registry.Organisation", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=EquipmentKind.choices)
    name = models.CharField(_("name"), max_length=100)
    model = models.CharField(_("model"), max_length=100, blank=True)
    serial_no = models.CharField(_("serial number"), max_length=64, blank=True)
    acquired_on = models.DateField(_("acquired on"))
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("registered by"), on_delete=models.PROTECT, related_name="+"
    )
    registered_at = models.DateTimeField(_("registered at"))

    class Meta:
        verbose_name = _("equipment")
        verbose_name_plural = _("equipment")
        ordering = ["organisation_id", "kind", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=EquipmentKind.values), name="equipment_kind_valid")
        ]

    def __str__(self) -> str:
        return self.name


class EquipmentCheck(AppendOnlyModel):
    """A check of a piece of equipment: its condition found, and whether it was maintained or calibrated."""

    equipment = models.ForeignKey(
        Equipment, verbose_name=_("equipment"), on_delete=models.PROTECT, related_name="checks"
    )
    checked_on = models.DateField(_("checked on"))
    kind = models.CharField(_("kind"), max_length=16, choices=CheckKind.choices)
    condition = models.CharField(_("condition"), max_length=16, choices=Condition.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("equipment check")
        verbose_name_plural = _("equipment checks")
        ordering = ["equipment_id", "-checked_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=CheckKind.values), name="equipmentcheck_kind_valid"),
            models.CheckConstraint(
                condition=Q(condition__in=Condition.values), name="equipmentcheck_condition_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.equipment_id} {self.checked_on} {self.condition}"


def rule_file_path(instance: RuleVersion, filename: str) -> str:
    return f"capability/rules/{instance.file_token}{instance.file_extension}"


class RuleDocument(AppendOnlyModel):
    organisation = models.ForeignKey(
        "registry.Organisation", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    category = models.CharField(_("category"), max_length=32, choices=RuleCategory.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("rule document")
        verbose_name_plural = _("rule documents")
        ordering = ["organisation_id", "category", "title"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "title"], name="ruledocument_title_unique"),
            models.CheckConstraint(
                condition=Q(category__in=RuleCategory.values), name="ruledocument_category_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class RuleVersion(AppendOnlyModel):
    """One version of a rule document; a later version supersedes it from its effective day."""

    document = models.ForeignKey(
        RuleDocument, verbose_name=_("document"), on_delete=models.PROTECT, related_name="versions"
    )
    version = models.CharField(_("version"), max_length=32)
    number = models.PositiveIntegerField(_("sequence"))
    effective_on = models.DateField(_("effective from"))
    file = models.FileField(_("file"), upload_to=rule_file_path)
    file_token = models.CharField(max_length=32, editable=False)
    file_extension = models.CharField(max_length=8, editable=False)
    file_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    note = models.CharField(_("note"), max_length=500, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        verbose_name = _("rule version")
        verbose_name_plural = _("rule versions")
        ordering = ["document_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="ruleversion_number_unique"),
            models.UniqueConstraint(fields=["document", "version"], name="ruleversion_label_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="ruleversion_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.document_id} {self.version}"


class Collaboration(AppendOnlyModel):
    organisation = models.ForeignKey(
        "registry.Organisation", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=CollaborationKind.choices)
    partner = models.CharField(_("partner"), max_length=200)
    agreement_on = models.DateField(_("agreement signed on"))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("registered by"), on_delete=models.PROTECT, related_name="+"
    )
    registered_at = models.DateTimeField(_("registered at"))

    class Meta:
        verbose_name = _("collaboration")
        verbose_name_plural = _("collaborations")
        ordering = ["organisation_id", "kind", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=CollaborationKind.values), name="collaboration_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="collaboration_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.partner}"


class CollaborationEnd(AppendOnlyModel):
    """An agreement that ended before its term (or had none): its last day and why."""

    collaboration = models.OneToOneField(
        Collaboration, verbose_name=_("collaboration"), on_delete=models.PROTECT, related_name="end"
    )
    ended_on = models.DateField(_("last day"))
    reason = models.CharField(_("reason"), max_length=500)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("end of a collaboration")
        verbose_name_plural = _("ends of collaborations")
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="collaborationend_has_reason")]

    def __str__(self) -> str:
        return f"{self.collaboration_id} ended {self.ended_on}"


# --- the framework --------------------------------------------------------------------------------------------


class Source(models.TextChoices):
    """How a criterion is scored from the registers: what is counted, on the assessment day."""

    DEPARTMENT = "department", _("Departments in service of a kind")
    EQUIPMENT = "equipment", _("Equipment of a kind in working order")
    CERTIFIED_STAFF = "certified_staff", _("Staff of a profession with a valid practising certificate")
    MEDICAL_STAFF = "medical_staff", _("Medical staff in post")
    RULES = "rules", _("Rules in force in a category (any category if none is named)")
    COLLABORATION = "collaboration", _("Collaboration agreements of a kind in force")
    LICENCE = "licence", _("Licences of a kind valid on the day")


class Framework(models.Model):
    """The criteria a kind of unit is assessed against; one framework in use per kind of unit."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=128)
    name_en = models.CharField(_("name (English)"), max_length=128)
    unit_type = models.CharField(_("kind of unit"), max_length=32)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("assessment framework")
        verbose_name_plural = _("assessment frameworks")
        ordering = ["unit_type", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit_type"], condition=Q(is_active=True), name="framework_one_in_use_per_unit_type"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_zh if _chinese() else self.name_en


class Criterion(models.Model):
    framework = models.ForeignKey(
        Framework, verbose_name=_("framework"), on_delete=models.PROTECT, related_name="criteria"
    )
    dimension = models.CharField(_("dimension"), max_length=16, choices=Dimension.choices)
    code = models.SlugField(_("code"), max_length=64)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    source = models.CharField(_("scored from"), max_length=32, choices=Source.choices)
    #: What the check looks for: a department, equipment, collaboration or licence kind, a profession (or
    #: "physician"), a rule category (blank: any).
    parameter = models.CharField(_("looks for"), max_length=64, blank=True)
    required = models.PositiveSmallIntegerField(_("required count"), default=1)
    weight = models.PositiveSmallIntegerField(_("weight"))
    order = models.PositiveSmallIntegerField(_("order"))

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["framework_id", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="criterion_code_unique"),
            models.CheckConstraint(
                condition=Q(dimension__in=Dimension.values), name="criterion_dimension_valid"
            ),
            models.CheckConstraint(condition=Q(source__in=Source.values), name="criterion_source_valid"),
            models.CheckConstraint(condition=Q(weight__gte=1), name="criterion_weight_positive"),
            models.CheckConstraint(condition=Q(required__gte=1), name="criterion_required_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_zh if _chinese() else self.name_en


# --- assessments ----------------------------------------------------------------------------------------------


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("Computed, not confirmed")
    CONFIRMED = "confirmed", _("Confirmed")


class Assessment(models.Model):
    """A unit assessed against a framework on a day. ``score`` is the current overall score (the mean of the
    dimension scores, adjustments included); the results and steps below are its history."""

    organisation = models.ForeignKey(
        "registry.Organisation", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    framework = models.ForeignKey(
        Framework, verbose_name=_("framework"), on_delete=models.PROTECT, related_name="assessments"
    )
    on = models.DateField(_("assessed on"))
    status = models.CharField(
        _("status"), max_length=16, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT
    )
    score = models.DecimalField(_("overall score"), max_digits=4, decimal_places=1)
    computed_score = models.DecimalField(_("computed overall score"), max_digits=4, decimal_places=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assessor"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("capability assessment")
        verbose_name_plural = _("capability assessments")
        ordering = ["-on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=AssessmentStatus.values), name="assessment_status_valid"
            ),
            models.CheckConstraint(condition=Q(score__gte=0, score__lte=100), name="assessment_score_range"),
            models.CheckConstraint(
                condition=Q(computed_score__gte=0, computed_score__lte=100),
                name="assessment_computed_score_range",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "on"])]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.on} {self.score}"


class CriterionResult(AppendOnlyModel):
    """What the registers showed for one criterion on the assessment day."""

    assessment = models.ForeignKey(
        Assessment, verbose_name=_("assessment"), on_delete=models.PROTECT, related_name="results"
    )
    criterion = models.ForeignKey(
        Criterion, verbose_name=_("criterion"), on_delete=models.PROTECT, related_name="+"
    )
    found = models.PositiveIntegerField(_("found"))
    required = models.PositiveSmallIntegerField(_("required"))
    met = models.BooleanField(_("met"))
    #: Extra facts for the gap text (e.g. the maintenance interval that applied).
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("criterion result")
        verbose_name_plural = _("criterion results")
        ordering = ["assessment_id", "criterion__order"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "criterion"], name="criterionresult_unique"),
            models.CheckConstraint(
                condition=(Q(met=True) & Q(found__gte=F("required")))
                | (Q(met=False) & Q(found__lt=F("required"))),
                name="criterionresult_met_iff_enough",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment_id} {self.criterion_id} {self.found}/{self.required}"


class DimensionScore(AppendOnlyModel):
    """The score of one dimension as computed from the criteria (adjustments are steps)."""

    assessment = models.ForeignKey(
        Assessment, verbose_name=_("assessment"), on_delete=models.PROTECT, related_name="dimension_scores"
    )
    dimension = models.CharField(_("dimension"), max_length=16, choices=Dimension.choices)
    computed = models.DecimalField(_("computed score"), max_digits=4, decimal_places=1)

    class Meta:
        verbose_name = _("dimension score")
        verbose_name_plural = _("dimension scores")
        ordering = ["assessment_id", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "dimension"], name="dimensionscore_unique"),
            models.CheckConstraint(
                condition=Q(computed__gte=0, computed__lte=100), name="dimensionscore_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment_id} {self.dimension} {self.computed}"


class StepKind(models.TextChoices):
    COMPUTED = "computed", _("Computed from the registers")
    ADJUSTED = "adjusted", _("Score adjusted")
    CONFIRMED = "confirmed", _("Confirmed")


class AssessmentStep(AppendOnlyModel):
    """A step of an assessment: computed, a dimension's score adjusted (with its reason), confirmed."""

    assessment = models.ForeignKey(
        Assessment, verbose_name=_("assessment"), on_delete=models.PROTECT, related_name="steps"
    )
    kind = models.CharField(_("step"), max_length=16, choices=StepKind.choices)
    dimension = models.CharField(_("dimension"), max_length=16, choices=Dimension.choices, blank=True)
    score = models.DecimalField(_("score"), max_digits=4, decimal_places=1, null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("assessment step")
        verbose_name_plural = _("assessment steps")
        ordering = ["assessment_id", "at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=StepKind.values), name="assessmentstep_kind_valid"),
            models.CheckConstraint(
                condition=~Q(kind="adjusted")
                | (
                    ~Q(dimension="")
                    & Q(score__isnull=False)
                    & Q(score__gte=0)
                    & Q(score__lte=100)
                    & ~Q(reason="")
                ),
                name="assessmentstep_adjustment_complete",
            ),
            models.UniqueConstraint(
                fields=["assessment"], condition=Q(kind="confirmed"), name="assessmentstep_confirmed_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment_id} {self.kind} {self.dimension}"
