"""Urine drug tests and infection tests (HIV, HCV, syphilis) of people in treatment, and the daily random
selection for urine tests. A result is recorded once; a correction is a new test."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jiedu.core.models import AppendOnlyModel


class LabKind(models.TextChoices):
    URINE = "urine", _("Urine drug test")
    HIV = "hiv", _("HIV antibody")
    HCV = "hcv", _("HCV antibody")
    SYPHILIS = "syphilis", _("Syphilis")


#: Infection tests: their results are seen only by the clinical roles that need them, never by the police.
INFECTIONS = (LabKind.HIV, LabKind.HCV, LabKind.SYPHILIS)


class Analyte(models.TextChoices):
    OPIATES = "opiates", _("Opiates (morphine)")
    METHAMPHETAMINE = "methamphetamine", _("Methamphetamine")
    KETAMINE = "ketamine", _("Ketamine")
    MDMA = "mdma", _("MDMA")


class Result(models.TextChoices):
    NEGATIVE = "negative", _("Negative")
    POSITIVE = "positive", _("Positive")
    INDETERMINATE = "indeterminate", _("Indeterminate")


class Reason(models.TextChoices):
    RANDOM = "random", _("Random selection")
    DUE = "due", _("Due by the schedule")
    ENTRY = "entry", _("On entry")
    CLINICAL = "clinical", _("Clinical indication")


class UrineSelection(AppendOnlyModel):
    """A clinic's draw of the day: who gives a urine sample today. Computed from a keyed hash of the clinic, the
    day and the episode, so staff and patients cannot foresee it, and the inputs are kept so that an auditor
    holding the deployment's key can recompute it (``manage.py urine_select --verify``)."""

    clinic = models.ForeignKey(
        "registry.Organisation", verbose_name=_("clinic"), on_delete=models.PROTECT, related_name="+"
    )
    day = models.DateField(_("day"))
    made_at = models.DateTimeField(_("drawn at"))
    algorithm = models.CharField(_("algorithm"), max_length=32)
    #: Per eligible episode: [episode id, start date, last urine test date or null, days between tests].
    inputs = models.JSONField(_("inputs"))

    class Meta:
        verbose_name = _("urine test selection")
        verbose_name_plural = _("urine test selections")
        constraints = [models.UniqueConstraint(fields=["clinic", "day"], name="urine_selection_once_a_day")]

    def __str__(self) -> str:
        return f"{self.clinic_id} {self.day}"


class UrineSelectionLine(AppendOnlyModel):
    selection = models.ForeignKey(UrineSelection, on_delete=models.PROTECT, related_name="lines")
    episode = models.ForeignKey(
        "mmt.Episode", verbose_name=_("episode"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["selection", "episode"], name="urine_selection_line_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.selection_id}: {self.episode_id}"


class LabTest(models.Model):
    """One sample and its result. The result (and, for urine, each analyte's) is recorded once."""

    person = models.ForeignKey(
        "patients.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="lab_tests"
    )
    episode = models.ForeignKey(
        "mmt.Episode",
        verbose_name=_("episode"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    site = models.ForeignKey(
        "registry.Organisation", verbose_name=_("taken at"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("test"), max_length=16, choices=LabKind.choices)
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    selection_line = models.OneToOneField(
        UrineSelectionLine,
        verbose_name=_("selected in"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="test",
    )
    collected_on = models.DateField(_("sample taken on"))
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sample taken by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    result = models.CharField(_("result"), max_length=16, choices=Result.choices, blank=True)
    #: Urine: each analyte tested → its result.
    analytes = models.JSONField(_("analytes"), default=dict, blank=True)
    result_at = models.DateTimeField(_("result recorded at"), null=True, blank=True)
    result_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("result recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("test")
        verbose_name_plural = _("tests")
        ordering = ["-collected_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(result="") & Q(result_at__isnull=True))
                | (~Q(result="") & Q(result_at__isnull=False)),
                name="lab_test_result_with_time",
            ),
        ]
        indexes = [models.Index(fields=["person", "kind", "collected_on"])]

    def __str__(self) -> str:
        return f"{self.person_id} {self.kind} {self.collected_on}"

    @property
    def analyte_results(self) -> list[tuple[str, str]]:
        """Each substance tested and its result, by their display names."""
        return [(str(Analyte(a).label), str(Result(r).label)) for a, r in self.analytes.items()]

    @property
    def is_infection(self) -> bool:
        return self.kind in INFECTIONS
