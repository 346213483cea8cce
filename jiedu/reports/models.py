"""Mandatory reports to the police and community rehab (备案, dropout, exit …): one mechanism for every kind.

A report carries the minimal necessary fields — name, identity number, reporting organisation, event, date —
and no clinical detail. Each recipient organisation gets a delivery with a deadline and acknowledges it.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jiedu.core import crypto


class ReportKind(models.TextChoices):
    ENROLMENT = "enrolment", _("MMT enrolment filing")
    DROPOUT = "dropout", _("MMT dropout")
    EXIT = "exit", _("MMT exit")
    RELAPSE = "relapse", _("Relapse (positive urine test)")
    SELF_TERMINATION = "self_termination", _("MMT self-termination")
    TERMINATION = "termination", _("MMT terminated by the clinic")
    DETENTION = "detention", _("Left MMT on detention")
    VOLUNTARY_ADMISSION = "voluntary_admission", _("Voluntary-rehab admission filing")
    STOCK_LOSS = "stock_loss", _("Loss or theft of controlled substances")


#: Reports about a person carry the minimal identity fields; the others carry a factual summary instead.
PERSON_KINDS = frozenset(
    {
        ReportKind.ENROLMENT,
        ReportKind.DROPOUT,
        ReportKind.EXIT,
        ReportKind.RELAPSE,
        ReportKind.SELF_TERMINATION,
        ReportKind.TERMINATION,
        ReportKind.DETENTION,
        ReportKind.VOLUNTARY_ADMISSION,
    }
)

#: Kinds acknowledged within a number of hours (a policy value) instead of working days.
DEADLINE_HOURS = {ReportKind.VOLUNTARY_ADMISSION: "reports.voluntary_admission_deadline_hours"}


class RecipientRule(models.Model):
    """Who receives which reports about people of a region (a county, or a whole prefecture or province)."""

    region = models.ForeignKey(
        "registry.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    recipient = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("recipient"),
        on_delete=models.PROTECT,
        related_name="report_rules",
    )
    kind = models.CharField(
        _("report kind"),
        max_length=32,
        choices=ReportKind.choices,
        blank=True,
        help_text=_("Empty: every kind of report about a person. Other kinds need a rule naming them."),
    )

    class Meta:
        verbose_name = _("report recipient rule")
        verbose_name_plural = _("report recipient rules")
        constraints = [
            models.UniqueConstraint(fields=["region", "recipient", "kind"], name="report_rule_unique")
        ]

    def __str__(self) -> str:
        return f"{self.region_id} → {self.recipient_id} ({self.kind or '*'})"


class Report(models.Model):
    kind = models.CharField(_("kind"), max_length=32, choices=ReportKind.choices)
    person = models.ForeignKey(
        "patients.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="reports"
    )
    source = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("reported by"),
        on_delete=models.PROTECT,
        related_name="reports_sent",
    )
    event_on = models.DateField(_("event date"))
    created_at = models.DateTimeField(_("filed at"))
    # The minimal fields, as they were when filed.
    subject_name = models.CharField(_("name"), max_length=50, blank=True)
    subject_id_encrypted = models.TextField(editable=False, blank=True)
    subject_id_masked = models.CharField(_("identity number"), max_length=18, blank=True)
    #: For reports not about a person (a loss of stock): what happened, as filed.
    summary = models.TextField(_("what was reported"), blank=True)
    #: Makes filing idempotent: the same event of the same episode is reported once.
    dedupe_key = models.CharField(max_length=128, unique=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False) | ~Q(summary=""), name="report_about_a_person_or_summarised"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.subject_name or self.summary[:40]} {self.event_on}"

    def subject_id_number(self) -> str:
        """The full identity number as filed (empty for a report not about a person)."""
        return crypto.decrypt(self.subject_id_encrypted) if self.subject_id_encrypted else ""


class Delivery(models.Model):
    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="deliveries")
    recipient = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("recipient"),
        on_delete=models.PROTECT,
        related_name="report_inbox",
    )
    due_at = models.DateTimeField(_("acknowledge by"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("report delivery")
        verbose_name_plural = _("report deliveries")
        constraints = [models.UniqueConstraint(fields=["report", "recipient"], name="report_delivery_unique")]
        indexes = [models.Index(fields=["recipient", "acknowledged_at", "due_at"])]

    def __str__(self) -> str:
        return f"{self.report_id} → {self.recipient_id}"

    def is_overdue(self, now: dt.datetime) -> bool:
        """Not acknowledged and past its deadline (the inbox's "overdue" filter is the same rule in SQL)."""
        return self.acknowledged_at is None and self.due_at < now
