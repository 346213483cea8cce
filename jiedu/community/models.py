"""Community detox and community rehab orders (社区戒毒 / 社区康复) and the check-ins of the people under them.

A public security organ decides the order (决定书); the community rehab office of the person's township or street
carries it out for a term (three years, a policy value). The person must report to the office within a set
number of days (fifteen, a policy value); the office then keeps in touch (check-ins) until the order ends: the
term completed, a breach referred for compulsory isolation, death, a move away. The dates are computed from the
start and the policy values, never typed; the report and the end are recorded once (compare-and-set).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from jiedu.core.models import AppendOnlyModel


class OrderKind(models.TextChoices):
    DETOX = "detox", _("Community detox")
    REHAB = "rehab", _("Community rehab")


class EndReason(models.TextChoices):
    COMPLETED = "completed", _("Term completed")
    BREACH = "breach", _("Breach: referred for compulsory isolation")
    DIED = "died", _("Died")
    MOVED_AWAY = "moved_away", _("Moved away")
    OTHER = "other", _("Other")


class CommunityOrder(models.Model):
    person = models.ForeignKey(
        "patients.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="community_orders",
    )
    office = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("community rehab office"),
        on_delete=models.PROTECT,
        related_name="community_orders",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=OrderKind.choices)
    decision_number = models.CharField(_("decision number"), max_length=64)
    issued_by = models.CharField(_("issuing authority"), max_length=100)
    decided_on = models.DateField(_("decided on"))
    start_on = models.DateField(_("starts on"))
    end_on = models.DateField(_("term ends on"))
    report_by = models.DateField(_("report to the office by"))
    reported_on = models.DateField(_("reported to the office on"), null=True, blank=True)
    report_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(_("why it ended"), max_length=16, choices=EndReason.choices, blank=True)
    end_note = models.CharField(_("note on the end"), max_length=255, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("community order")
        verbose_name_plural = _("community orders")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=OrderKind.values), name="community_order_kind_valid"),
            models.CheckConstraint(
                condition=~Q(decision_number="") & ~Q(issued_by=""),
                name="community_order_decision_named",
            ),
            models.CheckConstraint(
                condition=Q(start_on__gte=F("decided_on")), name="community_order_starts_after_decision"
            ),
            models.CheckConstraint(
                condition=Q(end_on__gt=F("start_on")), name="community_order_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(report_by__gte=F("start_on")), name="community_order_report_by_after_start"
            ),
            models.CheckConstraint(
                condition=Q(reported_on__isnull=True) | Q(reported_on__gte=F("decided_on")),
                name="community_order_reported_after_decision",
            ),
            models.CheckConstraint(
                condition=(Q(ended_on__isnull=True) & Q(end_reason=""))
                | (
                    Q(ended_on__isnull=False)
                    & Q(ended_on__gte=F("start_on"))
                    & Q(end_reason__in=EndReason.values)
                ),
                name="community_order_end_with_reason",
            ),
            models.UniqueConstraint(
                fields=["person", "kind"],
                condition=Q(ended_on__isnull=True),
                name="community_order_one_active_per_person_and_kind",
            ),
            # A decision is carried out by one office at a time (a move away ends it here; the new office
            # records the same decision).
            models.UniqueConstraint(
                fields=["issued_by", "decision_number"],
                condition=Q(ended_on__isnull=True),
                name="community_order_decision_active_once",
            ),
        ]
        indexes = [models.Index(fields=["office", "ended_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.decision_number} ({self.person_id})"

    @property
    def is_active(self) -> bool:
        return self.ended_on is None


class CheckInHow(models.TextChoices):
    OFFICE = "office", _("At the office")
    HOME_VISIT = "home_visit", _("Home visit")
    PHONE = "phone", _("Phone")
    OTHER = "other", _("Other")


class CheckIn(AppendOnlyModel):
    """One contact between the office and the person under the order; never edited."""

    order = models.ForeignKey(
        CommunityOrder, verbose_name=_("order"), on_delete=models.PROTECT, related_name="checkins"
    )
    on = models.DateField(_("date"))
    how = models.CharField(_("how"), max_length=16, choices=CheckInHow.choices)
    note = models.CharField(_("note"), max_length=255, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["-on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(how__in=CheckInHow.values), name="community_checkin_how_valid")
        ]
        indexes = [models.Index(fields=["order", "on"])]

    def __str__(self) -> str:
        return f"{self.order_id} {self.on} {self.how}"
