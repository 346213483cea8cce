"""Facts and cubes the indicators are read from (docs/adr/0012). Derived data: rebuilt from the clinical records
at any time by ``manage.py indicators_rebuild`` with identical results, kept current by ``indicators_refresh``.

* ``PersonPeriod`` — one row per person and month, quarter or year in which they were dosed, attributed to the
  clinic of their last dose in the period (so a person is counted once in any region);
* ``PersonMonthDose`` — the days a person was dosed at each dose in a month (for medians);
* ``SpellFact`` — one row per started MMT episode (new and re-enrolments, exits, cohort retention);
* ``UnitPeriod`` and ``DoseHistogram`` — sums of the above per clinic, period, sex and age band: what the
  dashboards and reports read;
* ``RollupState`` — how far the rollups have read the records.

The references to persons, episodes and clinics carry no database constraint: the rows are derived from records
that are never deleted, and checking millions of references at the commit of a rebuild would cost more than the
rebuild itself.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PeriodKind(models.TextChoices):
    MONTH = "M", _("Month")
    QUARTER = "Q", _("Quarter")
    YEAR = "Y", _("Year")


class PersonPeriod(models.Model):
    person = models.ForeignKey(
        "patients.Person", on_delete=models.DO_NOTHING, related_name="+", db_index=False, db_constraint=False
    )
    kind = models.CharField(max_length=1, choices=PeriodKind.choices)
    start = models.DateField()
    clinic = models.ForeignKey(
        "registry.Organisation",
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    county = models.CharField(max_length=6)
    sex = models.CharField(max_length=1)
    age_band = models.PositiveSmallIntegerField()
    days = models.PositiveSmallIntegerField()
    mg_sum = models.DecimalField(max_digits=10, decimal_places=1)
    last_mg = models.DecimalField(max_digits=6, decimal_places=1)
    first_day = models.DateField()
    last_day = models.DateField()
    dosed_last_month = models.BooleanField()
    dropout_start = models.DateField(null=True)
    urine_tests = models.PositiveSmallIntegerField()
    urine_positive = models.PositiveSmallIntegerField()
    hiv_eligible = models.BooleanField()
    hiv_tested = models.BooleanField()
    hcv_eligible = models.BooleanField()
    hcv_tested = models.BooleanField()
    syphilis_eligible = models.BooleanField()
    syphilis_tested = models.BooleanField()
    hiv_at_risk_tested = models.BooleanField()
    hiv_seroconverted = models.BooleanField()
    hiv_new_positive = models.BooleanField()
    art_linked = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "kind", "start"], name="indicators_person_period_unique"
            )
        ]
        indexes = [models.Index(fields=["kind", "start"], name="indicators_pp_period")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.kind}{self.start:%Y-%m}"


class PersonMonthDose(models.Model):
    person = models.ForeignKey(
        "patients.Person", on_delete=models.DO_NOTHING, related_name="+", db_index=False, db_constraint=False
    )
    month = models.DateField()
    clinic = models.ForeignKey(
        "registry.Organisation",
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    county = models.CharField(max_length=6)
    mg = models.DecimalField(max_digits=6, decimal_places=1)
    days = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "month", "mg"], name="indicators_person_month_dose_unique"
            )
        ]
        indexes = [models.Index(fields=["month"], name="indicators_pmd_month")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.month:%Y-%m} {self.mg} mg × {self.days}"


class SpellFact(models.Model):
    episode = models.OneToOneField(
        "mmt.Episode", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    person = models.ForeignKey(
        "patients.Person", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    clinic = models.ForeignKey(
        "registry.Organisation",
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    county = models.CharField(max_length=6)
    sex = models.CharField(max_length=1)
    age_band = models.PositiveSmallIntegerField()
    started_on = models.DateField()
    ended_on = models.DateField(null=True)
    exit_reason = models.CharField(max_length=32, blank=True)
    first_ever = models.BooleanField()
    transfer_in = models.BooleanField()
    first_dose_on = models.DateField(null=True)
    retention_end = models.DateField(null=True)
    #: The days 3, 6 and 12 months after the start (spells only): in treatment then if retention_end is later.
    at_3m = models.DateField(null=True)
    at_6m = models.DateField(null=True)
    at_12m = models.DateField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["started_on"], name="indicators_spell_start"),
            models.Index(fields=["ended_on"], name="indicators_spell_end"),
            # A county's (or prefecture's, by code prefix) enrolments and exits over a run of periods.
            models.Index(fields=["county", "started_on"], name="indicators_spell_county_start"),
            models.Index(fields=["county", "ended_on"], name="indicators_spell_county_end"),
        ]

    def __str__(self) -> str:
        return f"episode {self.episode_id} from {self.started_on}"


class UnitPeriod(models.Model):
    """The cube: sums of ``PersonPeriod`` per clinic, period, sex and age band."""

    clinic = models.ForeignKey(
        "registry.Organisation",
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    county = models.CharField(max_length=6)
    kind = models.CharField(max_length=1, choices=PeriodKind.choices)
    start = models.DateField()
    sex = models.CharField(max_length=1)
    age_band = models.PositiveSmallIntegerField()
    persons = models.PositiveIntegerField()
    persons_last_month = models.PositiveIntegerField()
    persons_ge60 = models.PositiveIntegerField()
    dropouts = models.PositiveIntegerField()
    days = models.PositiveIntegerField()
    mg_sum = models.DecimalField(max_digits=14, decimal_places=1)
    urine_tested = models.PositiveIntegerField()
    urine_tests = models.PositiveIntegerField()
    urine_positive = models.PositiveIntegerField()
    hiv_eligible = models.PositiveIntegerField()
    hiv_tested = models.PositiveIntegerField()
    hcv_eligible = models.PositiveIntegerField()
    hcv_tested = models.PositiveIntegerField()
    syphilis_eligible = models.PositiveIntegerField()
    syphilis_tested = models.PositiveIntegerField()
    hiv_at_risk_tested = models.PositiveIntegerField()
    hiv_seroconverted = models.PositiveIntegerField()
    hiv_new_positive = models.PositiveIntegerField()
    art_linked = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "kind", "start", "sex", "age_band"], name="indicators_unit_period_unique"
            )
        ]
        indexes = [models.Index(fields=["kind", "start", "county"], name="indicators_up_period")]

    def __str__(self) -> str:
        return f"{self.clinic_id} {self.kind}{self.start:%Y-%m} {self.sex}{self.age_band}: {self.persons}"


class DoseHistogram(models.Model):
    """Dose days per clinic, month and dose: medians for any region and period are read from its sums."""

    clinic = models.ForeignKey(
        "registry.Organisation",
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    county = models.CharField(max_length=6)
    month = models.DateField()
    mg = models.DecimalField(max_digits=6, decimal_places=1)
    days = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic", "month", "mg"], name="indicators_dose_histogram_unique")
        ]
        indexes = [
            models.Index(fields=["month", "county"], name="indicators_dh_month"),
            models.Index(fields=["county", "month"], name="indicators_dh_county"),
        ]

    def __str__(self) -> str:
        return f"{self.clinic_id} {self.month:%Y-%m} {self.mg} mg × {self.days}"


class DoseMedian(models.Model):
    """The median daily dose of each region (the nation, provinces, prefectures, counties) and period, taken
    from the dose histograms when they change: a league of every county reads them instead of ranking a
    year of histograms again."""

    level = models.CharField(max_length=10)  # nation, province, prefecture or county
    region = models.CharField(max_length=6)  # the region's code ("" for the nation)
    kind = models.CharField(max_length=1, choices=PeriodKind.choices)
    start = models.DateField()
    median_mg = models.DecimalField(max_digits=6, decimal_places=1)
    days = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["level", "kind", "start", "region"], name="indicators_dose_median_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.level} {self.region} {self.kind}{self.start:%Y-%m}: {self.median_mg} mg"


class RollupState(models.Model):
    """One row: the high-water marks of the records read and the last complete day the facts describe."""

    name = models.CharField(max_length=32, unique=True)
    as_of = models.DateField(null=True)
    dose_day_id = models.BigIntegerField(default=0)
    episode_event_id = models.BigIntegerField(default=0)
    lab_test_id = models.BigIntegerField(default=0)
    result_at = models.DateTimeField(null=True)
    referral_event_id = models.BigIntegerField(default=0)
    refreshed_at = models.DateTimeField(null=True)
    persons = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0)

    def __str__(self) -> str:
        return f"{self.name} as of {self.as_of}"
