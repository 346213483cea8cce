"""Reads for MMT pages and the API, always starting from the policy's person scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from jiedu.mmt.models import DoseDay, Episode, EpisodeStatus, GuestGrant
from jiedu.mmt.services import orders_applicable_on
from jiedu.patients import identity
from jiedu.patients.models import Person
from jiedu.patients.selectors import search_among
from jiedu.policy.scope import persons_in_scope
from jiedu.registry.models import Organisation


def clinic_of(site: Organisation) -> int:
    """The MMT clinic a site belongs to: itself, or a dosing point's parent."""
    return site.parent_clinic_id or site.pk


def dosable_episodes(*, site: Organisation, day: dt.date) -> QuerySet[Episode]:
    """Active episodes a site may dose today: its clinic's own, and guests granted to its clinic for the day."""
    clinic_id = clinic_of(site)
    guests = GuestGrant.objects.filter(host_clinic_id=clinic_id, start_on__lte=day, end_on__gte=day).values(
        "episode_id"
    )
    return Episode.objects.filter(status=EpisodeStatus.ACTIVE).filter(
        Q(clinic_id=clinic_id) | Q(pk__in=guests)
    )


def window_lookup(*, user: Any, site: Organisation, query: str, day: dt.date) -> list[Episode]:
    """The window's one field: a treatment card number (scanned or typed), an identity number, or a name or
    pinyin — limited to people this site may dose today."""
    q = query.strip()
    dosable = dosable_episodes(site=site, day=day).select_related("person", "clinic")
    if q.isdigit() and len(q) == 13:
        return list(dosable.filter(card_number=q))
    # Guests granted to this site are found like its own patients; nobody else is.
    candidates = Person.objects.filter(pk__in=dosable_episodes(site=site, day=day).values("person_id"))
    if identity.looks_like_id_number(q):
        people = [p.pk for p in search_among(candidates, query=q)]
        return list(dosable.filter(person_id__in=people))
    people = [p.pk for p in search_among(candidates, query=q, limit=200)]
    return list(dosable.filter(person_id__in=people).order_by("person__name_pinyin")[:20])


def episodes_in_scope(*, user: Any) -> QuerySet[Episode]:
    return Episode.objects.filter(person__in=persons_in_scope(user))


def still_to_come(*, site: Organisation, day: dt.date) -> QuerySet[Episode]:
    """Episodes this site may dose today with no dose recorded today (anywhere), with the orders applicable
    today prefetched newest first as ``orders_to_day`` (the first is the order in force)."""
    return (
        dosable_episodes(site=site, day=day)
        .exclude(person__dose_days__day=day)
        .select_related("person", "clinic")
        .prefetch_related(Prefetch("orders", queryset=orders_applicable_on(day), to_attr="orders_to_day"))
        .order_by("person__name_pinyin", "pk")
    )


def dosed_today(*, site: Organisation, day: dt.date) -> QuerySet[DoseDay]:
    return (
        DoseDay.objects.filter(site__in=[site.pk], day=day)
        .select_related("person", "site")
        .prefetch_related("parts")
        .order_by("-first_at")
    )
