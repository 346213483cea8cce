"""Joint inspections (督导检查) and the rectification (整改) of their findings.

A checklist template (检查表) is data: sections and items, each item with a maximum score, a scoring rule and
whether evidence is required. Templates are versioned: a published version is frozen and an inspection keeps the
version it was planned with; a change is a new draft version, copied from the last one, edited and published.

A joint team (联合检查组) of people from several organisations inspects a target (an institution, or a county's
district working group through its office). Scores are recorded item by item as the team goes; every save is a
new response row (the latest counts), and submitting freezes them. Each item scored below its maximum, or marked
as a finding, becomes a rectification item with an owner organisation and a deadline; every step of it —
answered, verified, rejected, closed, escalated — is an append-only row with who, when, a note and evidence.
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


class TargetType(models.TextChoices):
    MMT_CLINIC = "mmt_clinic", _("MMT clinic")
    WORKING_GROUP = "working_group", _("District working group")
    STORE_HOLDER = "store_holder", _("Holder of controlled-substance stores")
    COMPULSORY_UNIT = "compulsory_unit", _("Compulsory-centre medical unit")


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class ScoringRule(models.TextChoices):
    PASS_FAIL = "pass_fail", _("Pass or fail: full score or zero")
    GRADED = "graded", _("Graded from zero to the maximum")
    DEDUCTION = "deduction", _("Deduction per instance found, down to zero")


class FactKey(models.TextChoices):
    """Live facts the system already knows about a target, shown beside an item (jiedu/inspections/facts.py)."""

    STOCK_VARIANCES = "stock_variances", _("Open stock variance investigations")
    OVERDUE_REPORTS = "overdue_reports", _("Mandatory reports not acknowledged in time")
    OVERDUE_STOCKTAKES = "overdue_stocktakes", _("Overdue stock counts")
    SEAL_CARD = "seal_card", _("Purchase seal card")
    LAST_DAY_CLOSE = "last_day_close", _("Last day-close count")
    DROPOUT_RATE = "dropout_rate", _("Dropout rate, last complete quarter")
    RETENTION = "retention", _("Cohort retention at 3 months, last complete quarter")


class InspectionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    SUBMITTED = "submitted", pgettext_lazy("inspection", "Submitted")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", pgettext_lazy("inspection", "Cancelled")


class EventKind(models.TextChoices):
    PLANNED = "planned", _("Planned")
    STARTED = "started", _("Started")
    SUBMITTED = "submitted", pgettext_lazy("inspection", "Submitted")
    CLOSED = "closed", _("Closed: every finding rectified")
    CANCELLED = "cancelled", pgettext_lazy("inspection", "Cancelled")


class RectificationStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("rectification", "Open")
    RESPONDED = "responded", _("Answered, awaiting verification")
    VERIFIED = "verified", _("Verified")
    CLOSED = "closed", _("Closed")


class StepKind(models.TextChoices):
    OPENED = "opened", _("Opened")
    RESPONDED = "responded", _("Answered")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected on verification, reopened")
    CLOSED = "closed", _("Closed")
    ESCALATED = "escalated", _("Overdue, escalated")


# --- templates ----------------------------------------------------------------------------------------------


class Template(models.Model):
    code = models.SlugField(_("code"), max_length=64, unique=True)
    title_zh = models.CharField(_("title (Chinese)"), max_length=128)
    title_en = models.CharField(_("title (English)"), max_length=128)
    target_type = models.CharField(_("inspects"), max_length=32, choices=TargetType.choices)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("inspection template")
        verbose_name_plural = _("inspection templates")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(target_type__in=TargetType.values), name="inspection_template_target_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return self.title_zh if _chinese() else self.title_en


class TemplateVersion(models.Model):
    """One version of a template. A draft is edited; a published version never changes."""

    template = models.ForeignKey(
        Template, verbose_name=_("template"), on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveSmallIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=16, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    based_on = models.ForeignKey(
        "self",
        verbose_name=_("copied from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(_("what changed"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("template version")
        verbose_name_plural = _("template versions")
        ordering = ["template_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="inspection_version_unique"),
            models.UniqueConstraint(
                fields=["template"], condition=Q(status="draft"), name="inspection_version_one_draft"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="inspection_version_positive"),
            models.CheckConstraint(
                condition=(Q(status="draft") & Q(published_at__isnull=True))
                | (Q(status="published") & Q(published_at__isnull=False)),
                name="inspection_version_published_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template_id} v{self.number}"

    @property
    def is_draft(self) -> bool:
        return self.status == VersionStatus.DRAFT


class Section(models.Model):
    version = models.ForeignKey(
        TemplateVersion, verbose_name=_("version"), on_delete=models.PROTECT, related_name="sections"
    )
    order = models.PositiveSmallIntegerField(_("order"))
    title_zh = models.CharField(_("title (Chinese)"), max_length=128)
    title_en = models.CharField(_("title (English)"), max_length=128, blank=True)

    class Meta:
        verbose_name = _("checklist section")
        verbose_name_plural = _("checklist sections")
        ordering = ["version_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["version", "order"], name="inspection_section_order_unique"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return self.title_zh if _chinese() or not self.title_en else self.title_en


class Item(models.Model):
    """A checklist item. Its text is the authorities' wording, in Chinese."""

    version = models.ForeignKey(
        TemplateVersion, verbose_name=_("version"), on_delete=models.PROTECT, related_name="items"
    )
    section = models.ForeignKey(
        Section, verbose_name=_("section"), on_delete=models.PROTECT, related_name="items"
    )
    order = models.PositiveSmallIntegerField(_("order"))
    text = models.CharField(_("item"), max_length=255)
    guidance = models.CharField(_("how to check"), max_length=255, blank=True)
    max_score = models.DecimalField(_("maximum score"), max_digits=5, decimal_places=1)
    rule = models.CharField(_("scoring rule"), max_length=16, choices=ScoringRule.choices)
    deduction = models.DecimalField(
        _("deduction per instance"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    evidence_required = models.BooleanField(_("photo or document required"), default=False)
    fact_key = models.CharField(_("live fact shown"), max_length=32, choices=FactKey.choices, blank=True)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["section__order", "order"]
        constraints = [
            models.UniqueConstraint(fields=["section", "order"], name="inspection_item_order_unique"),
            models.CheckConstraint(condition=Q(max_score__gt=0), name="inspection_item_max_positive"),
            models.CheckConstraint(
                condition=Q(rule__in=ScoringRule.values), name="inspection_item_rule_valid"
            ),
            models.CheckConstraint(
                condition=(Q(rule="deduction") & Q(deduction__gt=0) & Q(deduction__lte=F("max_score")))
                | (~Q(rule="deduction") & Q(deduction__isnull=True)),
                name="inspection_item_deduction_iff_rule",
            ),
            models.CheckConstraint(
                condition=Q(fact_key="") | Q(fact_key__in=FactKey.values), name="inspection_item_fact_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.text


# --- teams --------------------------------------------------------------------------------------------------


class Team(models.Model):
    """A joint inspection team: people of several organisations (health, police, drug regulator, CDC …)."""

    name = models.CharField(_("name"), max_length=128)
    lead_organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("leading organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("joint inspection team")
        verbose_name_plural = _("joint inspection teams")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["lead_organisation", "name"], name="inspection_team_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class TeamMember(models.Model):
    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("member"), on_delete=models.PROTECT, related_name="+"
    )
    is_leader = models.BooleanField(_("leader"), default=False)

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        ordering = ["team_id", "-is_leader", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="inspection_member_unique"),
            models.UniqueConstraint(
                fields=["team"], condition=Q(is_leader=True), name="inspection_team_one_leader"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team_id}: {self.user_id}"


# --- inspections --------------------------------------------------------------------------------------------


class Inspection(models.Model):
    version = models.ForeignKey(
        TemplateVersion, verbose_name=_("checklist"), on_delete=models.PROTECT, related_name="inspections"
    )
    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.PROTECT, related_name="inspections"
    )
    #: The inspecting body: the planner's organisation.
    inspecting_organisation = models.ForeignKey(
        "registry.Organisation", verbose_name=_("inspecting body"), on_delete=models.PROTECT, related_name="+"
    )
    target = models.ForeignKey(
        "registry.Organisation", verbose_name=_("inspected"), on_delete=models.PROTECT, related_name="+"
    )
    scheduled_on = models.DateField(_("scheduled for"))
    #: An unannounced inspection is not visible to the target before it starts.
    announced = models.BooleanField(_("announced to the inspected"), default=True)
    purpose = models.CharField(_("purpose"), max_length=255, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=InspectionStatus.choices, default=InspectionStatus.PLANNED
    )
    planned_at = models.DateTimeField(_("planned at"))
    planned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("planned by"), on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    #: The percentage score (0–100) frozen at submission.
    score = models.DecimalField(_("score (%)"), max_digits=4, decimal_places=1, null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-scheduled_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=InspectionStatus.values), name="inspection_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(started_at__isnull=True, status__in=["planned", "cancelled"])
                | Q(started_at__isnull=False, status__in=["in_progress", "submitted", "closed"]),
                name="inspection_started_iff_begun",
            ),
            models.CheckConstraint(
                condition=Q(submitted_at__isnull=True, status__in=["planned", "cancelled", "in_progress"])
                | Q(submitted_at__isnull=False, status__in=["submitted", "closed"]),
                name="inspection_submitted_iff_done",
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(status="closed"),
                name="inspection_closed_at_iff_closed",
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=100),
                name="inspection_score_range",
            ),
        ]
        indexes = [
            models.Index(fields=["target", "status"]),
            models.Index(fields=["scheduled_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.target} {self.scheduled_on:%Y-%m-%d}"

    @property
    def is_open_for_scores(self) -> bool:
        return self.status == InspectionStatus.IN_PROGRESS


class InspectionEvent(AppendOnlyModel):
    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(_("step"), max_length=16, choices=EventKind.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("at"))
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("inspection step")
        verbose_name_plural = _("inspection steps")
        ordering = ["inspection_id", "at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=EventKind.values), name="inspection_event_kind_valid"
            ),
            models.CheckConstraint(
                condition=~Q(kind="cancelled") | ~Q(note=""), name="inspection_cancel_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.inspection_id} {self.kind}"


class Response(AppendOnlyModel):
    """One save of one item's result. A re-score is a new row with the next ``seq``; the latest counts."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.PROTECT, related_name="responses"
    )
    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    seq = models.PositiveIntegerField(_("save"))
    not_applicable = models.BooleanField(_("not applicable"), default=False)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1, null=True, blank=True)
    #: Instances found (items scored by deduction).
    instances = models.PositiveSmallIntegerField(_("instances found"), null=True, blank=True)
    #: Marked as a finding by the inspector even though the score is full.
    flagged = models.BooleanField(_("marked as a finding"), default=False)
    note = models.TextField(_("note"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("item response")
        verbose_name_plural = _("item responses")
        ordering = ["inspection_id", "item_id", "seq"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "item", "seq"], name="inspection_response_seq_unique"
            ),
            models.CheckConstraint(condition=Q(seq__gte=1), name="inspection_response_seq_positive"),
            models.CheckConstraint(
                condition=(Q(not_applicable=True) & Q(score__isnull=True) & Q(instances__isnull=True))
                | (Q(not_applicable=False) & Q(score__gte=0)),
                name="inspection_response_scored_or_not_applicable",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.inspection_id} {self.item_id} #{self.seq}"


def evidence_path(instance: Evidence, filename: str) -> str:
    return f"inspections/evidence/{instance.inspection_id}/{instance.token}{instance.extension}"


class EvidenceKind(models.TextChoices):
    PHOTO = "photo", _("Photo")
    DOCUMENT = "document", _("Document (PDF)")


class Evidence(AppendOnlyModel):
    """A photo or document: taken for an item during the inspection, or sent with an answer to a finding.
    Stored under MEDIA_ROOT and served only through a view that checks the viewer's scope."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.PROTECT, related_name="evidence"
    )
    item = models.ForeignKey(
        Item, verbose_name=_("item"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    step = models.ForeignKey(
        "RectificationStep",
        verbose_name=_("rectification step"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evidence",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=EvidenceKind.choices)
    token = models.CharField(max_length=32, unique=True, editable=False)
    extension = models.CharField(max_length=8, editable=False)
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=200)
    name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["uploaded_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(item__isnull=False) & Q(step__isnull=True))
                | (Q(item__isnull=True) & Q(step__isnull=False)),
                name="inspection_evidence_item_or_step",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=EvidenceKind.values), name="inspection_evidence_kind"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_photo(self) -> bool:
        return self.kind == EvidenceKind.PHOTO


# --- rectification ------------------------------------------------------------------------------------------


class Rectification(models.Model):
    """A finding of a submitted inspection and its rectification. The status and deadline are the current ones;
    how they came to be is in the steps."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.PROTECT, related_name="rectifications"
    )
    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    #: The item's response at submission: what was found.
    response = models.ForeignKey(
        Response, verbose_name=_("finding"), on_delete=models.PROTECT, related_name="+"
    )
    number = models.PositiveSmallIntegerField(_("number"))
    owner = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("to be rectified by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requirement = models.CharField(_("what must be rectified"), max_length=500)
    deadline = models.DateField(_("deadline"))
    evidence_required = models.BooleanField(_("evidence required with the answer"), default=True)
    status = models.CharField(
        _("status"), max_length=16, choices=RectificationStatus.choices, default=RectificationStatus.OPEN
    )
    opened_at = models.DateTimeField(_("opened at"))
    responded_at = models.DateTimeField(_("last answered at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("rectification item")
        verbose_name_plural = _("rectification items")
        ordering = ["deadline", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "item"], name="rectification_one_per_item"),
            models.UniqueConstraint(fields=["inspection", "number"], name="rectification_number_unique"),
            models.CheckConstraint(
                condition=Q(status__in=RectificationStatus.values), name="rectification_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(status="closed"), name="rectification_closed_at"
            ),
            models.CheckConstraint(
                condition=Q(responded_at__isnull=False) | Q(status="open"), name="rectification_answered"
            ),
        ]
        indexes = [models.Index(fields=["owner", "status"]), models.Index(fields=["status", "deadline"])]

    def __str__(self) -> str:
        return f"{self.inspection_id}-{self.number}"


class RectificationStep(AppendOnlyModel):
    rectification = models.ForeignKey(
        Rectification, verbose_name=_("rectification item"), on_delete=models.PROTECT, related_name="steps"
    )
    kind = models.CharField(_("step"), max_length=16, choices=StepKind.choices)
    #: None for a step the daily job took (an escalation).
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("at"))
    note = models.TextField(_("note"), blank=True)
    #: The deadline set by this step (opened, rejected) or passed (escalated).
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    level = models.PositiveSmallIntegerField(_("escalation level"), null=True, blank=True)

    class Meta:
        verbose_name = _("rectification step")
        verbose_name_plural = _("rectification steps")
        ordering = ["rectification_id", "at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=StepKind.values), name="rectification_step_kind_valid"
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["responded", "rejected"]) | ~Q(note=""),
                name="rectification_step_answer_has_note",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["opened", "rejected", "escalated"]) | Q(deadline__isnull=False),
                name="rectification_step_deadline",
            ),
            models.CheckConstraint(
                condition=(Q(kind="escalated") & Q(level__gte=1))
                | (~Q(kind="escalated") & Q(level__isnull=True)),
                name="rectification_step_level_iff_escalated",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rectification_id} {self.kind}"


class Escalation(AppendOnlyModel):
    """An overdue rectification item brought to the inspecting body and the owner's supervising commission:
    once per item, deadline and level (a rejected answer sets a new deadline, which may be missed again)."""

    rectification = models.ForeignKey(
        Rectification,
        verbose_name=_("rectification item"),
        on_delete=models.PROTECT,
        related_name="escalations",
    )
    deadline = models.DateField(_("deadline missed"))
    level = models.PositiveSmallIntegerField(_("level"))
    at = models.DateTimeField(_("escalated at"))
    inspecting_organisation = models.ForeignKey(
        "registry.Organisation", verbose_name=_("inspecting body"), on_delete=models.PROTECT, related_name="+"
    )
    commission = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("supervising commission"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("rectification escalation")
        verbose_name_plural = _("rectification escalations")
        ordering = ["-at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["rectification", "deadline", "level"], name="rectification_escalation_once"
            ),
            models.CheckConstraint(condition=Q(level__in=[1, 2]), name="rectification_escalation_level"),
        ]

    def __str__(self) -> str:
        return f"{self.rectification_id} L{self.level}"
