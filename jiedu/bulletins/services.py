"""Issuing the monthly work bulletin and marking it read."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from jiedu.bulletins.models import Bulletin, BulletinDelivery
from jiedu.bulletins.selectors import bulletin_figures, participants
from jiedu.core import audit, clock
from jiedu.core.errors import DomainError, FieldErrors, PermissionDenied
from jiedu.policy import Action, can
from jiedu.registry.models import Region, RegionLevel


@dataclass(frozen=True)
class Issued:
    bulletin: Bulletin
    #: False when the month had been issued already and nothing was done.
    created: bool


def _check(*, county: Region, month: dt.date, reason: str) -> None:
    errors: dict[str, list[str]] = {}
    if county.level != RegionLevel.COUNTY:
        errors["county"] = [_("A bulletin is issued for a county.")]
    if month.day != 1:
        errors["month"] = [_("Give the month as its first day.")]
    elif month >= clock.local_today().replace(day=1):
        errors["month"] = [_("A bulletin covers a month that is over.")]
    if len(reason) > 255:
        errors["reason"] = [_("Keep the reason under 255 characters.")]
    if errors:
        raise FieldErrors(errors)


def _may_issue(actor: Any, county: Region) -> None:
    if not can(actor, Action.BULLETIN_MAKE):
        raise PermissionDenied(_("Only the narcotics control office issues the bulletin."))
    org = actor.organisation
    if org is None or not county.code.startswith(org.region.prefix):
        raise PermissionDenied(_("Your office does not issue the bulletin of this county."))


def bulletin_issue(*, county: Region, month: dt.date, actor: Any = None, reason: str = "") -> Issued:
    """Issue the county's bulletin of ``month`` (its first day) to every participating organisation.

    Without a reason it is the first issue, done once: when the month was issued already, nothing happens (the
    monthly job runs this safely again). With a reason it is a reissue: a new version with freshly computed
    figures; earlier versions stay as they were sent. ``actor`` is None for the monthly job; a person must be a
    narcotics officer of the county's office (or of an office above it)."""
    reason = reason.strip()
    _check(county=county, month=month, reason=reason)
    if actor is not None:
        _may_issue(actor, county)
    latest = Bulletin.objects.filter(county=county, month=month).order_by("-version").first()
    if latest is not None and not reason:
        return Issued(latest, created=False)
    figures = bulletin_figures(county=county, month=month)
    try:
        with transaction.atomic(durable=True):
            bulletin = Bulletin.objects.create(
                county=county,
                month=month,
                version=latest.version + 1 if latest else 1,
                made_at=clock.now(),
                made_by=actor,
                reason=reason,
                figures=figures,
            )
            recipients = list(participants(county).values_list("pk", flat=True))
            BulletinDelivery.objects.bulk_create(
                [BulletinDelivery(bulletin=bulletin, recipient_id=pk) for pk in recipients]
            )
            audit.record(
                "bulletin.issue",
                actor=actor,
                obj=bulletin,
                detail={
                    "county": county.code,
                    "month": f"{month:%Y-%m}",
                    "version": bulletin.version,
                    "reason": reason,
                    "recipients": recipients,
                },
            )
    except IntegrityError:  # the same version issued at the same moment by another run
        if reason:
            raise DomainError(
                _(
                    "Another version of this bulletin was issued at the same moment: read it before reissuing."
                ),
                code="conflict",
            ) from None
        return Issued(Bulletin.objects.get(county=county, month=month, version=1), created=False)
    return Issued(bulletin, created=True)


def bulletin_read(*, actor: Any, delivery: BulletinDelivery) -> bool:
    """Mark the organisation's copy read, once: the first reader and time are kept. True if this call did."""
    if actor.organisation_id != delivery.recipient_id:
        raise PermissionDenied(_("This bulletin was not delivered to your organisation."))
    with transaction.atomic(durable=True):
        claimed = BulletinDelivery.objects.filter(pk=delivery.pk, read_at__isnull=True).update(
            read_at=clock.now(), read_by=actor
        )
        if claimed:
            audit.record(
                "bulletin.read", actor=actor, obj=delivery.bulletin, detail={"delivery": delivery.pk}
            )
    if claimed:
        delivery.refresh_from_db(fields=["read_at", "read_by"])
    return bool(claimed)
