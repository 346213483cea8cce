"""Which referrals a user sees: those their organisation made (a dosing point's, its clinic's) or received."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from jiedu.labs.models import LabKind, LabTest, Result
from jiedu.mmt.models import Episode, EpisodeStatus
from jiedu.policy import Action, can
from jiedu.policy.scope import care_organisations
from jiedu.referrals.models import Referral, ReferralKind


def visible_referrals(user: Any) -> QuerySet[Referral]:
    if not can(user, Action.REFERRAL_VIEW) or user.organisation_id is None:
        return Referral.objects.none()
    referrals = Referral.objects.filter(
        Q(from_org_id__in=care_organisations(user)) | Q(to_org_id=user.organisation_id)
    )
    if not can(user, Action.LAB_INFECTION):
        # An ART referral reveals HIV status: at the referring clinic only to those who read infection results
        # (not the head's overview); the CDC receiving it sees it.
        referrals = referrals.filter(~Q(kind=ReferralKind.ART) | Q(to_org_id=user.organisation_id))
    return referrals.select_related("person", "from_org", "to_org")


def received(user: Any) -> QuerySet[Referral]:
    return visible_referrals(user).filter(to_org_id=user.organisation_id)


def sent(user: Any) -> QuerySet[Referral]:
    return visible_referrals(user).filter(from_org_id__in=care_organisations(user))


def positive_without_art_referral(user: Any) -> QuerySet[LabTest]:
    """HIV-positive results of the clinic's patients in treatment with no ART referral (none was made because no
    CDC was found, or the last one was declined or lost): the doctor refers them by hand."""
    if not can(user, Action.REFERRAL_HANDLE) or not can(user, Action.LAB_INFECTION):
        return LabTest.objects.none()
    in_care = Episode.objects.filter(
        person_id=OuterRef("person_id"),
        clinic_id__in=care_organisations(user),
        status=EpisodeStatus.ACTIVE,
    )
    referred = Referral.objects.filter(
        person_id=OuterRef("person_id"),
        kind=ReferralKind.ART,
        status__in=["requested", "accepted", "completed"],
    )
    return (
        LabTest.objects.filter(kind=LabKind.HIV, result=Result.POSITIVE)
        .filter(Exists(in_care))
        .exclude(Exists(referred))
        .select_related("person")
        .order_by("collected_on", "pk")
    )
