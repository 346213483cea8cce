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
from jiedu.core.models import AppendOnlyModel


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

#: Reports about a person that go only where a rule names their kind: a voluntary admission is filed with the
#: police (备案), not with everyone who receives the MMT reports.
NAMED_ONLY = frozenset({ReportKind.VOLUNTARY_ADMISSION})

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


class Basis(models.TextChoices):
    """Why a person's details may go to another organisation."""

    REPORTING_DUTY = "reporting_duty", _("Reporting duty under the Regulations on Drug Rehabilitation")
    WRITTEN_CONSENT = "written_consent", _("Written consent of the person")
    ORAL_CONSENT = "oral_consent", _("Oral consent of the person, witnessed")
    INFECTIOUS_DISEASE_LAW = (
        "infectious_disease_law",
        _("Law on the Prevention and Treatment of Infectious Diseases (HIV care)"),
    )
    ANTI_DRUG_LAW = "anti_drug_law", _("Anti-Drug Law: hand-over on release or under a community order")


class Disclosed(models.TextChoices):
    """What can be disclosed about a person, as the register names it."""

    NAME = "name", _("Name")
    ID_NUMBER = "id_number", _("Identity number")
    ID_MASKED = "id_masked", _("Identity number (masked)")
    SEX_AGE = "sex_age", _("Sex and age")
    PHONE = "phone", _("Phone")
    EVENT = "event", _("The reported event and its date")
    REASON = "reason", _("Reason for referral")
    HIV_POSITIVE = "hiv_positive", _("HIV-positive result and its date")
    RECORD = "record", _("The record, as the receiver's roles allow")


class Disclosure(AppendOnlyModel):
    """The disclosure register: what was disclosed about whom, to whom, when and on what legal basis."""

    person = models.ForeignKey(
        "patients.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="disclosures"
    )
    source = models.ForeignKey(
        "registry.Organisation", verbose_name=_("disclosed by"), on_delete=models.PROTECT, related_name="+"
    )
    recipient = models.ForeignKey(
        "registry.Organisation", verbose_name=_("disclosed to"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"))
    fields = models.JSONField(_("what"))
    basis = models.CharField(_("legal basis"), max_length=32, choices=Basis.choices)
    #: What carried it: "report:<pk>" or "referral:<pk>".
    via = models.CharField(_("by way of"), max_length=40)
    #: It disclosed an infection result (an ART referral): shown only to those who may read such results.
    infection = models.BooleanField(_("discloses an infection result"), default=False)

    class Meta:
        verbose_name = _("disclosure")
        verbose_name_plural = _("disclosures")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["person", "at"])]

    def __str__(self) -> str:
        return f"{self.person_id} → {self.recipient_id} {self.at}"

    @property
    def field_labels(self) -> list[str]:
        return [str(Disclosed(f).label) for f in self.fields]


class Escalation(AppendOnlyModel):
    """A report not acknowledged in time, escalated to the narcotics control office of the region."""

    delivery = models.OneToOneField(Delivery, on_delete=models.PROTECT, related_name="escalation")
    office = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("narcotics control office"),
        on_delete=models.PROTECT,
        related_name="escalations",
    )
    at = models.DateTimeField(_("escalated at"))

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.delivery_id} → {self.office_id}"
