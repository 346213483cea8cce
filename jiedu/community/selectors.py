"""Reads of community orders: the office's list, the attendance grid of its people at MMT, and the orders shown
on a person's record."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Max, Q, QuerySet

from jiedu.community import rules
from jiedu.community.models import CommunityOrder
from jiedu.core import months
from jiedu.mmt.models import DoseDay, Episode, EpisodeStatus
from jiedu.patients.models import Person
from jiedu.policy import Action, can, persons_in_scope
from jiedu.registry.models import OrganisationType


def office_orders(*, user: Any) -> QuerySet[CommunityOrder]:
    """Every order carried out by the user's office (the start of every page that shows or changes one)."""
    org = getattr(user, "organisation", None)
    if not can(user, Action.COMMUNITY_ORDERS) or org is None or org.type != OrganisationType.COMMUNITY_REHAB:
        return CommunityOrder.objects.none()
    return CommunityOrder.objects.filter(office_id=org.pk)


@dataclass(frozen=True)
class OrderRow:
    order: CommunityOrder
    report_state: str
    last_checkin_on: dt.date | None


def order_list(*, user: Any, today: dt.date) -> list[OrderRow]:
    """The office's orders, the active first (those whose person has not reported yet first of all), each with
    its reporting state and last check-in. Two queries whatever the number of orders."""
    orders = (
        office_orders(user=user)
        .select_related("person")
        .annotate(last_checkin_on=Max("checkins__on"))
        .order_by(
            F("ended_on").desc(nulls_first=True), F("reported_on").asc(nulls_first=True), "report_by", "-pk"
        )
    )
    return [
        OrderRow(
            order=o,
            report_state=rules.report_state(report_by=o.report_by, reported_on=o.reported_on, today=today),
            last_checkin_on=o.last_checkin_on,
        )
        for o in orders
    ]


@dataclass(frozen=True)
class AttendanceRow:
    person: Person
    in_mmt: bool
    #: One cell per day of the month: True dosed, False not dosed, None a day still to come.
    cells: list[bool | None]

    @property
    def dosed(self) -> int:
        return sum(1 for c in self.cells if c)


def attendance(*, user: Any, month: dt.date, today: dt.date) -> list[AttendanceRow]:
    """For each person with an order of the office active in ``month``: dosed or not on each day (that a dose day
    exists — never the dose, a test or anything else clinical) and whether an MMT episode is active now. Three
    queries whatever the number of rows."""
    last = months.month_end(month)
    orders = (
        office_orders(user=user)
        .filter(start_on__lte=last)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=month))
        .select_related("person")
        .order_by("person__name_pinyin", "person_id")
    )
    persons = list({o.person_id: o.person for o in orders}.values())
    ids = [p.pk for p in persons]
    dosed: dict[int, set[dt.date]] = defaultdict(set)
    for person_id, day in DoseDay.objects.filter(person_id__in=ids, day__range=(month, last)).values_list(
        "person_id", "day"
    ):
        dosed[person_id].add(day)
    in_mmt = set(
        Episode.objects.filter(person_id__in=ids, status=EpisodeStatus.ACTIVE).values_list(
            "person_id", flat=True
        )
    )
    days = [month + dt.timedelta(days=i) for i in range(months.month_days(month))]
    return [
        AttendanceRow(
            person=p,
            in_mmt=p.pk in in_mmt,
            cells=[None if day > today else day in dosed[p.pk] for day in days],
        )
        for p in persons
    ]


#: What clinical staff see of a person's community orders on the person's record.
CLINICAL_FIELDS = ("person", "office__name", "kind", "start_on", "end_on", "ended_on")


def orders_for(*, user: Any, person: Person) -> QuerySet[CommunityOrder]:
    """The person's community orders that ``user`` may see on the person's record.

    * A community rehab worker: the orders of their own office, in full (the decision, the reporting, the
      check-ins, the end and its reason). Another office's orders are not theirs to see.
    * Clinical staff (MMT view: director, doctor, nurse, pharmacist) of one of the person's care organisations:
      every order of the person, but only that there is one — its kind, the office, the start, the term's end
      and the day it ended. The queryset defers everything else (``CLINICAL_FIELDS``); the record page shows
      those fields and no more (the decision number, the reporting and the reason for ending are the office's).
    * Anyone else, or a person out of the user's scope: nothing.
    """
    if not persons_in_scope(user).filter(pk=person.pk).exists():
        return CommunityOrder.objects.none()
    mine = office_orders(user=user)
    if can(user, Action.COMMUNITY_ORDERS):
        return mine.filter(person=person).select_related("office").order_by("-start_on", "-pk")
    if can(user, Action.MMT_VIEW):
        return (
            CommunityOrder.objects.filter(person=person)
            .select_related("office")
            .only(*CLINICAL_FIELDS)
            .order_by("-start_on", "-pk")
        )
    return CommunityOrder.objects.none()
