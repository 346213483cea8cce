"""Voluntary rehab (自愿戒毒, 戒毒条例 Arts. 9–11; 《戒毒治疗管理办法》 国卫医发〔2021〕5号).

An admission holds the written voluntary agreement exactly as it was signed, the stay's progress notes
(append-only) and the discharge, recorded once. Past drug use is not punished: the only thing that leaves the
institution is the admission filing with the police (备案), which carries the minimal identity fields.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from jiedu.core.models import AppendOnlyModel


class Setting(models.TextChoices):
    INPATIENT = "inpatient", _("Inpatient")
    OUTPATIENT = "outpatient", _("Outpatient")


class Substance(models.TextChoices):
    """What the patient uses: opioid users, and the stimulant and other users who now form the majority."""

    OPIOIDS = "opioids", _("Opioids (heroin etc.)")
    METHAMPHETAMINE = "methamphetamine", _("Methamphetamine")
    KETAMINE = "ketamine", _("Ketamine")
    MDMA = "mdma", _("MDMA")
    CANNABIS = "cannabis", _("Cannabis")
    OTHER = "other", _("Other")


class Outcome(models.TextChoices):
    COMPLETED = "completed", _("Treatment completed")
    LEFT_AGAINST_ADVICE = "left_against_advice", _("Left against medical advice")
    TRANSFERRED = "transferred", _("Transferred (to MMT or elsewhere)")
    TERMINATED = "terminated", _("Terminated for breach of the agreement")
    OTHER = "other", _("Other")


class Admission(models.Model):
    """One stay (inpatient) or course (outpatient) at a voluntary rehab institution or hospital."""

    person = models.ForeignKey(
        "patients.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="rehab_admissions"
    )
    institution = models.ForeignKey(
        "registry.Organisation", verbose_name=_("institution"), on_delete=models.PROTECT, related_name="+"
    )
    #: The institution's own admission number: 1, 2, 3 … per institution.
    number = models.PositiveIntegerField(_("admission number"))
    setting = models.CharField(_("setting"), max_length=16, choices=Setting.choices)
    admitted_on = models.DateField(_("admitted on"))
    admitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("admitted by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"))
    #: Substance values (``Substance``), in the order of the choices.
    substances = models.JSONField(_("substances used"), default=list)
    substance_other = models.CharField(_("other substance"), max_length=100, blank=True)

    # The written voluntary agreement, as signed.
    agreement_method = models.TextField(_("treatment method"))
    planned_days = models.PositiveSmallIntegerField(_("planned duration (days)"))
    agreement_confidentiality = models.TextField(_("confidentiality"))
    agreement_rules = models.TextField(_("rules of the institution"))
    agreement_termination = models.TextField(_("termination of treatment"))
    agreement_risks = models.TextField(_("risks explained"))
    guardian_name = models.CharField(_("guardian"), max_length=50, blank=True)
    signed_on = models.DateField(_("agreement signed on"))

    # The discharge, recorded once.
    discharged_on = models.DateField(_("discharged on"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=32, choices=Outcome.choices, blank=True)
    transferred_to = models.CharField(_("transferred to"), max_length=128, blank=True)
    discharge_summary = models.TextField(_("discharge summary"), blank=True)
    discharged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("discharged by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    discharged_at = models.DateTimeField(_("discharge recorded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("voluntary rehab admission")
        verbose_name_plural = _("voluntary rehab admissions")
        ordering = ["-admitted_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "number"], name="rehab_admission_number_unique"),
            models.UniqueConstraint(
                fields=["person", "institution"],
                condition=Q(discharged_on__isnull=True),
                name="rehab_one_open_admission_per_person_and_institution",
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="rehab_admission_number_positive"),
            models.CheckConstraint(
                condition=Q(setting__in=["inpatient", "outpatient"]), name="rehab_admission_setting_valid"
            ),
            models.CheckConstraint(condition=Q(planned_days__gte=1), name="rehab_planned_days_positive"),
            models.CheckConstraint(
                condition=Q(signed_on__lte=F("admitted_on")), name="rehab_agreement_signed_before_admission"
            ),
            models.CheckConstraint(
                condition=~Q(agreement_method="")
                & ~Q(agreement_confidentiality="")
                & ~Q(agreement_rules="")
                & ~Q(agreement_termination="")
                & ~Q(agreement_risks=""),
                name="rehab_agreement_complete",
            ),
            models.CheckConstraint(
                condition=(
                    Q(discharged_on__isnull=True)
                    & Q(outcome="")
                    & Q(transferred_to="")
                    & Q(discharge_summary="")
                    & Q(discharged_by__isnull=True)
                    & Q(discharged_at__isnull=True)
                )
                | (
                    Q(discharged_on__isnull=False)
                    & Q(outcome__in=[o.value for o in Outcome])
                    & ~Q(discharge_summary="")
                    & Q(discharged_by__isnull=False)
                    & Q(discharged_at__isnull=False)
                ),
                name="rehab_discharge_complete",
            ),
            models.CheckConstraint(
                condition=Q(discharged_on__isnull=True) | Q(discharged_on__gte=F("admitted_on")),
                name="rehab_discharge_after_admission",
            ),
            models.CheckConstraint(
                condition=(Q(outcome="transferred") & ~Q(transferred_to=""))
                | (~Q(outcome="transferred") & Q(transferred_to="")),
                name="rehab_transfer_names_destination",
            ),
        ]
        indexes = [models.Index(fields=["institution", "discharged_on"])]

    def __str__(self) -> str:
        return f"{self.institution_id} #{self.number}: {self.person_id}"

    @property
    def is_open(self) -> bool:
        return self.discharged_on is None

    def days_in(self, today: dt.date) -> int:
        """Calendar days of the stay, the day of admission and today (or the day of discharge) included."""
        return ((self.discharged_on or today) - self.admitted_on).days + 1

    def substance_labels(self) -> list[str]:
        labels = [str(Substance(s).label) for s in self.substances if s != Substance.OTHER]
        if Substance.OTHER in self.substances:
            labels.append(self.substance_other or str(Substance.OTHER.label))
        return labels


class ProgressNote(AppendOnlyModel):
    """The treatment summary, one note at a time: a correction is a new note."""

    admission = models.ForeignKey(
        Admission, verbose_name=_("admission"), on_delete=models.PROTECT, related_name="notes"
    )
    on = models.DateField(_("date"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("note"))
    created_at = models.DateTimeField(_("written at"))

    class Meta:
        verbose_name = _("progress note")
        verbose_name_plural = _("progress notes")
        ordering = ["on", "pk"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="rehab_note_not_empty")]

    def __str__(self) -> str:
        return f"{self.admission_id} {self.on}"
