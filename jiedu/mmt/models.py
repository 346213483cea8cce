"""Methadone maintenance treatment: enrolment episodes, dose orders, observed daily doses."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from jiedu.core.models import AppendOnlyModel


class EpisodeStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    ASSESSED = "assessed", _("Assessed, awaiting decision")
    REFUSED = "refused", _("Refused")
    ACTIVE = "active", _("In treatment")
    SUSPENDED = "suspended", _("Suspended")
    EXITED = "exited", _("Exited")


OPEN_STATUSES = (EpisodeStatus.APPLIED, EpisodeStatus.ASSESSED, EpisodeStatus.ACTIVE, EpisodeStatus.SUSPENDED)


class ExitReason(models.TextChoices):
    COMPLETED = "completed", _("Completed / tapered off")
    VOLUNTARY = "voluntary", _("Voluntary withdrawal")
    DROPOUT = "dropout", _("Dropout")
    RULE_VIOLATION = "rule_violation", _("Rule violation")
    RELAPSE = "relapse", _("Relapse with termination")
    DETAINED = "detained", _("Detained (arrest or compulsory isolation)")
    TRANSFERRED = "transferred", _("Transferred to another clinic")
    DIED = "died", _("Died")
    MOVED_AWAY = "moved_away", _("Moved away")


class Episode(models.Model):
    """One enrolment of one person at one clinic, from application to exit. Never reopened: re-enrolment is a
    new episode. At most one open episode per person nationwide (a partial unique index)."""

    person = models.ForeignKey(
        "patients.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="mmt_episodes"
    )
    clinic = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("clinic"),
        on_delete=models.PROTECT,
        related_name="mmt_episodes",
    )
    number = models.PositiveSmallIntegerField(
        _("episode number"), help_text=_("1 for the first enrolment ever.")
    )
    status = models.CharField(_("status"), max_length=16, choices=EpisodeStatus.choices)
    card_number = models.CharField(
        _("treatment card number"),
        max_length=20,
        blank=True,
        help_text=_("Printed as a barcode on the patient's card; issued on acceptance."),
    )
    applied_on = models.DateField(_("applied on"))
    decision_due = models.DateField(_("decision due"))
    eligibility = models.JSONField(_("eligibility assessment"), default=dict, blank=True)
    started_on = models.DateField(_("treatment started"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    exit_reason = models.CharField(_("exit reason"), max_length=32, choices=ExitReason.choices, blank=True)
    refusal_reason = models.CharField(_("reason for refusal"), max_length=255, blank=True)
    transferred_from = models.OneToOneField(
        "self",
        verbose_name=_("transferred from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transferred_to",
    )
    last_dose_on = models.DateField(_("last dose"), null=True, blank=True)
    needs_review = models.BooleanField(_("needs a doctor's review"), default=False)
    needs_induction = models.BooleanField(_("needs (re-)induction"), default=True)
    dropout_since = models.DateField(_("dropped out since"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("MMT episode")
        verbose_name_plural = _("MMT episodes")
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status__in=OPEN_STATUSES),
                name="mmt_one_open_episode_per_person",
            ),
            models.UniqueConstraint(fields=["person", "number"], name="mmt_episode_number_unique"),
            models.UniqueConstraint(
                fields=["card_number"], condition=~Q(card_number=""), name="mmt_card_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(status="exited", exit_reason__gt="", ended_on__isnull=False)
                | (~Q(status="exited") & Q(exit_reason="")),
                name="mmt_exit_has_reason_and_date",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True)
                | Q(started_on__isnull=True)
                | Q(ended_on__gte=F("started_on")),
                name="mmt_episode_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["clinic", "status"]), models.Index(fields=["status", "last_dose_on"])]

    def __str__(self) -> str:
        return f"{self.person_id} #{self.number} @ {self.clinic_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class EventKind(models.TextChoices):
    APPLIED = "applied", _("Applied")
    ASSESSED = "assessed", _("Assessed")
    ACCEPTED = "accepted", _("Accepted")
    REFUSED = "refused", _("Refused")
    SUSPENDED = "suspended", _("Suspended")
    RESUMED = "resumed", _("Resumed")
    EXITED = "exited", _("Exited")
    TRANSFER_REQUESTED = "transfer_requested", _("Transfer requested")
    TRANSFER_ACCEPTED = "transfer_accepted", _("Transfer accepted")
    TRANSFER_DECLINED = "transfer_declined", _("Transfer declined")
    GUEST_GRANTED = "guest_granted", _("Guest dosing granted")
    REVIEW_NEEDED = "review_needed", _("Doctor's review needed (missed doses)")
    REVIEWED = "reviewed", _("Reviewed by a doctor")
    DROPOUT = "dropout", _("Dropped out")
    ORDER = "order", _("Dose order written")


class EpisodeEvent(AppendOnlyModel):
    """The episode's history, in order; never edited."""

    episode = models.ForeignKey(
        Episode, verbose_name=_("episode"), on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(_("event"), max_length=32, choices=EventKind.choices)
    on = models.DateField(_("date"))
    at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("episode event")
        verbose_name_plural = _("episode events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.episode_id} {self.kind} {self.on}"


class TransferStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting the receiving clinic")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class Transfer(models.Model):
    episode = models.ForeignKey(
        Episode, verbose_name=_("episode"), on_delete=models.PROTECT, related_name="transfers"
    )
    to_clinic = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("receiving clinic"),
        on_delete=models.PROTECT,
        related_name="incoming_transfers",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=TransferStatus.choices, default=TransferStatus.PENDING
    )
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    new_episode = models.OneToOneField(
        Episode, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        constraints = [
            models.UniqueConstraint(
                fields=["episode"], condition=Q(status="pending"), name="mmt_one_pending_transfer_per_episode"
            )
        ]

    def __str__(self) -> str:
        return f"{self.episode_id} → {self.to_clinic_id} ({self.status})"


class GuestGrant(models.Model):
    """Temporary dosing (临时服药) at another clinic for a date range, granted by the home clinic."""

    episode = models.ForeignKey(
        Episode, verbose_name=_("episode"), on_delete=models.PROTECT, related_name="guest_grants"
    )
    host_clinic = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("host clinic"),
        on_delete=models.PROTECT,
        related_name="guest_grants",
    )
    start_on = models.DateField(_("from"))
    end_on = models.DateField(_("to"))
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("guest dosing grant")
        verbose_name_plural = _("guest dosing grants")
        constraints = [
            models.CheckConstraint(condition=Q(end_on__gte=F("start_on")), name="mmt_guest_range_valid")
        ]

    def __str__(self) -> str:
        return f"{self.episode_id} @ {self.host_clinic_id} {self.start_on}–{self.end_on}"


class TaperPlan(models.Model):
    """A planned reduction: it writes the decreasing orders ahead; cancelling it stops those not yet in force."""

    episode = models.ForeignKey(
        Episode, verbose_name=_("episode"), on_delete=models.PROTECT, related_name="taper_plans"
    )
    start_on = models.DateField(_("first reduction on"))
    from_mg = models.DecimalField(_("from (mg)"), max_digits=6, decimal_places=1)
    to_mg = models.DecimalField(_("to (mg)"), max_digits=6, decimal_places=1)
    step_mg = models.DecimalField(_("step (mg)"), max_digits=6, decimal_places=1)
    every_days = models.PositiveSmallIntegerField(_("every (days)"))
    reason = models.CharField(_("reason"), max_length=255)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_on = models.DateField(_("cancelled on"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("taper plan")
        verbose_name_plural = _("taper plans")
        constraints = [
            models.CheckConstraint(
                condition=Q(to_mg__gt=0) & Q(to_mg__lt=F("from_mg")), name="mmt_taper_decreases"
            ),
            models.CheckConstraint(
                condition=Q(step_mg__gt=0) & Q(every_days__gte=1), name="mmt_taper_step_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_mg} → {self.to_mg} mg from {self.start_on}"


class DoseOrder(AppendOnlyModel):
    """A doctor's order; the one in force on a day is the latest with ``effective_on`` on or before it."""

    episode = models.ForeignKey(
        Episode, verbose_name=_("episode"), on_delete=models.PROTECT, related_name="orders"
    )
    dose_mg = models.DecimalField(_("daily dose (mg)"), max_digits=6, decimal_places=1)
    split_parts = models.PositiveSmallIntegerField(_("given in parts"), default=1)
    effective_on = models.DateField(_("effective from"))
    reason = models.CharField(_("reason"), max_length=255)
    overrides = models.JSONField(_("limits overridden"), default=list, blank=True)
    override_reason = models.CharField(_("reason for overriding"), max_length=255, blank=True)
    prescriber = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("doctor"), on_delete=models.PROTECT, related_name="+"
    )
    taper_plan = models.ForeignKey(
        TaperPlan,
        verbose_name=_("taper plan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
    )
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        verbose_name = _("dose order")
        verbose_name_plural = _("dose orders")
        ordering = ["episode_id", "effective_on", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(dose_mg__gt=0), name="mmt_order_dose_positive"),
            models.CheckConstraint(
                condition=Q(split_parts__gte=1, split_parts__lte=4), name="mmt_order_parts_1_to_4"
            ),
        ]
        indexes = [models.Index(fields=["episode", "effective_on"])]

    def __str__(self) -> str:
        return f"{self.dose_mg} mg from {self.effective_on}"


class DoseDay(models.Model):
    """The day's observed dose of one person: exactly one per person per local day, across all sites."""

    person = models.ForeignKey("patients.Person", on_delete=models.PROTECT, related_name="dose_days")
    day = models.DateField(_("day"))
    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="dose_days")
    order = models.ForeignKey(DoseOrder, on_delete=models.PROTECT, related_name="+")
    site = models.ForeignKey(
        "registry.Organisation", verbose_name=_("site"), on_delete=models.PROTECT, related_name="+"
    )
    ordered_mg = models.DecimalField(_("ordered (mg)"), max_digits=6, decimal_places=1)
    parts_planned = models.PositiveSmallIntegerField(_("parts"), default=1)
    first_at = models.DateTimeField(_("first given at"))

    class Meta:
        verbose_name = _("dose day")
        verbose_name_plural = _("dose days")
        constraints = [
            models.UniqueConstraint(fields=["person", "day"], name="mmt_one_dose_per_person_per_day")
        ]
        indexes = [models.Index(fields=["site", "day"]), models.Index(fields=["episode", "day"])]

    def __str__(self) -> str:
        return f"{self.person_id} {self.day}"


class DosePart(AppendOnlyModel):
    """One swallowing at the window; split doses have several parts of the same day's order."""

    dose_day = models.ForeignKey(DoseDay, on_delete=models.PROTECT, related_name="parts")
    part_no = models.PositiveSmallIntegerField(_("part"))
    mg = models.DecimalField(_("dose (mg)"), max_digits=6, decimal_places=1)
    volume_ml = models.DecimalField(_("volume (mL)"), max_digits=8, decimal_places=2)
    at = models.DateTimeField(_("given at"))
    site = models.ForeignKey("registry.Organisation", on_delete=models.PROTECT, related_name="+")
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("nurse"), on_delete=models.PROTECT, related_name="+"
    )
    ledger_entry = models.OneToOneField(
        "pharmacy.LedgerEntry", on_delete=models.PROTECT, related_name="dose_part"
    )
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("dose given")
        verbose_name_plural = _("doses given")
        constraints = [models.UniqueConstraint(fields=["dose_day", "part_no"], name="mmt_dose_part_unique")]

    def __str__(self) -> str:
        return f"{self.dose_day_id} part {self.part_no}: {self.mg} mg"


class RefusalReason(models.TextChoices):
    INTOXICATED = "intoxicated", _("Intoxicated")
    NEEDS_REVIEW = "needs_review", _("Needs a doctor's review")
    NO_VALID_ORDER = "no_valid_order", _("No valid dose order")
    NOT_ENROLLED_HERE = "not_enrolled_here", _("Not enrolled here")
    NEEDS_INDUCTION = "needs_induction", _("Needs re-induction after dropout")
    OTHER = "other", _("Other")


class DoseRefusal(AppendOnlyModel):
    person = models.ForeignKey("patients.Person", on_delete=models.PROTECT, related_name="dose_refusals")
    episode = models.ForeignKey(
        Episode, null=True, blank=True, on_delete=models.PROTECT, related_name="refusals"
    )
    day = models.DateField(_("day"))
    site = models.ForeignKey("registry.Organisation", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=32, choices=RefusalReason.choices)
    note = models.CharField(_("note"), max_length=255, blank=True)
    at = models.DateTimeField(_("time"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("dose refusal")
        verbose_name_plural = _("dose refusals")
        indexes = [models.Index(fields=["site", "day"])]

    def __str__(self) -> str:
        return f"{self.person_id} {self.day} {self.reason}"
