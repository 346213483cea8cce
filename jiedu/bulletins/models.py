"""The monthly work bulletin (定期工作通报) of a county and its delivery to the participating organisations.

A bulletin is a document: its figures are computed once, when it is issued, and kept as issued. A correction is
a reissue — a new version with its reason — and the earlier versions stay as they were sent.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jiedu.core.models import AppendOnlyModel


class Bulletin(AppendOnlyModel):
    county = models.ForeignKey(
        "registry.Region",
        verbose_name=_("county"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "county"},
    )
    #: The first day of the month the bulletin covers.
    month = models.DateField(_("month"))
    version = models.PositiveSmallIntegerField(_("version"))
    made_at = models.DateTimeField(_("issued at"))
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty when the monthly job issued it."),
    )
    reason = models.CharField(_("reason for reissuing"), max_length=255, blank=True)
    #: The figures as issued (see jiedu.bulletins.selectors.bulletin_figures for their definitions).
    figures = models.JSONField(_("figures"))

    class Meta:
        verbose_name = _("work bulletin")
        verbose_name_plural = _("work bulletins")
        ordering = ["-month", "county_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["county", "month", "version"], name="bulletin_version_unique"),
            models.CheckConstraint(condition=Q(version__gte=1), name="bulletin_version_positive"),
            models.CheckConstraint(
                condition=Q(version=1) | ~Q(reason=""), name="bulletin_reissue_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.county_id} {self.month:%Y-%m} v{self.version}"


class BulletinDelivery(models.Model):
    """A bulletin in one organisation's inbox; read once (the first reader of the organisation is kept)."""

    bulletin = models.ForeignKey(
        Bulletin, verbose_name=_("bulletin"), on_delete=models.PROTECT, related_name="deliveries"
    )
    recipient = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("recipient"),
        on_delete=models.PROTECT,
        related_name="bulletin_inbox",
    )
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("read by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("bulletin delivery")
        verbose_name_plural = _("bulletin deliveries")
        constraints = [
            models.UniqueConstraint(fields=["bulletin", "recipient"], name="bulletin_delivery_unique"),
            models.CheckConstraint(
                condition=Q(read_at__isnull=True, read_by__isnull=True)
                | Q(read_at__isnull=False, read_by__isnull=False),
                name="bulletin_delivery_read_with_reader",
            ),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return f"{self.bulletin_id} → {self.recipient_id}"
