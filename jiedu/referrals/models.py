"""Referrals between agencies (转介): one workflow from the organisation that refers to the one that receives.

requested → accepted | declined | withdrawn;  accepted → completed | lost to follow-up.

The receiver sees what the referral needs — who, why, on what basis — until it accepts; on acceptance the person
becomes known to it (an affiliation) and its staff see the record their roles allow. Each referral is a
disclosure, kept in the person's disclosure register. Transfers between MMT clinics are the episode transfer of
the MMT service (the episode itself moves); the referral inbox shows them beside the referrals.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiedu.core.models import AppendOnlyModel
from jiedu.registry.models import OrganisationType as T
from jiedu.reports.models import Basis


class ReferralKind(models.TextChoices):
    COMMUNITY_TO_MMT = "community_to_mmt", _("Community rehab → MMT")
    RELEASE_TO_COMMUNITY = "release_to_community", _("Release from compulsory isolation → community rehab")
    RELEASE_TO_MMT = "release_to_mmt", _("Release from compulsory isolation → MMT")
    ART = "art", _("HIV-positive → CDC for free antiretroviral treatment")
    TO_VOLUNTARY_REHAB = "voluntary_rehab", _("MMT → voluntary rehab")
    TO_PSYCHIATRY = "psychiatry", _("MMT → psychiatric care")


#: kind → (organisation types that refer, organisation types that receive).
ROUTES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    ReferralKind.COMMUNITY_TO_MMT: (frozenset({T.COMMUNITY_REHAB}), frozenset({T.MMT_CLINIC})),
    ReferralKind.RELEASE_TO_COMMUNITY: (frozenset({T.COMPULSORY_CENTRE}), frozenset({T.COMMUNITY_REHAB})),
    ReferralKind.RELEASE_TO_MMT: (frozenset({T.COMPULSORY_CENTRE}), frozenset({T.MMT_CLINIC})),
    ReferralKind.ART: (
        frozenset({T.MMT_CLINIC, T.COMPULSORY_CENTRE, T.VOLUNTARY_REHAB, T.HOSPITAL}),
        frozenset({T.CDC}),
    ),
    ReferralKind.TO_VOLUNTARY_REHAB: (
        frozenset({T.MMT_CLINIC, T.COMMUNITY_REHAB}),
        frozenset({T.VOLUNTARY_REHAB, T.HOSPITAL}),
    ),
    ReferralKind.TO_PSYCHIATRY: (
        frozenset({T.MMT_CLINIC, T.COMMUNITY_REHAB, T.COMPULSORY_CENTRE, T.VOLUNTARY_REHAB}),
        frozenset({T.HOSPITAL}),
    ),
}


class ReferralStatus(models.TextChoices):
    REQUESTED = "requested", pgettext_lazy("referral", "Requested")
    ACCEPTED = "accepted", pgettext_lazy("referral", "Accepted")
    DECLINED = "declined", pgettext_lazy("referral", "Declined")
    WITHDRAWN = "withdrawn", pgettext_lazy("referral", "Withdrawn")
    COMPLETED = "completed", pgettext_lazy("referral", "Completed")
    LOST = "lost", pgettext_lazy("referral", "Lost to follow-up")


OPEN = (ReferralStatus.REQUESTED, ReferralStatus.ACCEPTED)


class Outcome(models.TextChoices):
    ENROLLED = "enrolled", _("Started treatment")
    ART_STARTED = "art_started", _("Started antiretroviral treatment")
    REPORTED = "reported", _("Reported to the office")
    ADMITTED = "admitted", _("Admitted")
    SEEN = "seen", _("Seen by the service")


class Referral(models.Model):
    kind = models.CharField(_("kind"), max_length=32, choices=ReferralKind.choices)
    person = models.ForeignKey(
        "patients.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="referrals"
    )
    from_org = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("referred by"),
        on_delete=models.PROTECT,
        related_name="referrals_sent",
    )
    to_org = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("referred to"),
        on_delete=models.PROTECT,
        related_name="referrals_received",
    )
    status = models.CharField(_("status"), max_length=16, choices=ReferralStatus.choices)
    reason = models.CharField(_("reason for referral"), max_length=255)
    basis = models.CharField(_("basis for sharing"), max_length=32, choices=Basis.choices)
    consent_on = models.DateField(_("consent given on"), null=True, blank=True)
    #: The day of release from compulsory isolation, for the hand-overs on release.
    release_on = models.DateField(_("released on"), null=True, blank=True)
    #: The positive test an ART referral follows from (its date is what the CDC is told).
    lab_test = models.OneToOneField(
        "labs.LabTest",
        verbose_name=_("positive test"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="art_referral",
    )
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("made by"), on_delete=models.PROTECT, related_name="+"
    )
    made_at = models.DateTimeField(_("made at"))
    respond_by = models.DateField(_("answer by"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    decline_reason = models.CharField(_("reason for declining"), max_length=255, blank=True)
    complete_by = models.DateField(_("complete by"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    outcome_note = models.CharField(_("note on the outcome"), max_length=255, blank=True)
    #: The MMT episode a referral to MMT led to.
    episode = models.ForeignKey(
        "mmt.Episode",
        verbose_name=_("episode"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-made_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(from_org=models.F("to_org")), name="referral_to_another_org"),
            models.CheckConstraint(
                condition=Q(basis__in=["written_consent", "oral_consent"], consent_on__isnull=False)
                | ~Q(basis__in=["written_consent", "oral_consent"]),
                name="referral_consent_dated",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["requested", "withdrawn"]) | Q(decided_at__isnull=False),
                name="referral_answered_with_time",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=["completed", "lost", "withdrawn", "declined"], closed_on__isnull=False
                )
                | Q(status__in=["requested", "accepted"], closed_on__isnull=True),
                name="referral_closed_iff_ended",
            ),
            # One open referral of a kind per person and receiver: a repeat request is the same referral.
            models.UniqueConstraint(
                fields=["person", "kind", "to_org"],
                condition=Q(status__in=["requested", "accepted"]),
                name="referral_one_open_per_receiver",
            ),
        ]
        indexes = [
            models.Index(fields=["to_org", "status"]),
            models.Index(fields=["from_org", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.person_id} {self.from_org_id}→{self.to_org_id}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    def answer_overdue(self, today: dt.date) -> bool:
        return self.status == ReferralStatus.REQUESTED and self.respond_by < today


class ReferralEvent(AppendOnlyModel):
    """What happened to a referral, in order: the history the two organisations share."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="events")
    status = models.CharField(_("status"), max_length=16, choices=ReferralStatus.choices, blank=True)
    what = models.CharField(_("what"), max_length=32)
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.referral_id} {self.what} {self.at}"


class VctOffer(models.TextChoices):
    ACCEPTED = "accepted", _("Offered, accepted")
    DECLINED = "declined", _("Offered, declined")
    NO_PARTNER = "no_partner", _("No partner to offer it to")


class PartnerVct(AppendOnlyModel):
    """The offer of voluntary counselling and testing to the partner of a person found HIV-positive."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="vct_offers")
    offered_on = models.DateField(_("offered on"))
    answer = models.CharField(_("answer"), max_length=16, choices=VctOffer.choices)
    note = models.CharField(_("note"), max_length=255, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("partner VCT offer")
        verbose_name_plural = _("partner VCT offers")
        ordering = ["offered_on", "pk"]

    def __str__(self) -> str:
        return f"{self.referral_id} {self.answer}"
