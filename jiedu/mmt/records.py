"""Reads for the enrolment pages and the patient's MMT record: scoped lookups, the clinic's lists, the record's
timeline and the attendance calendar. Every read starts from the policy's scope."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from jiedu.mmt.models import (
    DoseDay,
    DoseOrder,
    DosePart,
    DoseRefusal,
    Episode,
    EpisodeEvent,
    EpisodeStatus,
    EventKind,
    Transfer,
    TransferStatus,
)
from jiedu.mmt.selectors import episodes_in_scope
from jiedu.patients.models import Person
from jiedu.policy.rules import Action, can
from jiedu.policy.scope import organisations_in_scope, persons_in_scope
from jiedu.registry.models import Organisation, OrganisationType
from jiedu.reports.models import Delivery, Report

# --- scoped lookups ---------------------------------------------------------------------------------------


def user_clinic_id(user: Any) -> int | None:
    """The MMT clinic the user works for: their organisation, or the clinic of their dosing point."""
    org = user.organisation
    if org is None:
        return None
    if org.type == OrganisationType.MMT_CLINIC:
        return org.pk
    if org.type == OrganisationType.DOSING_POINT:
        return org.parent_clinic_id
    return None


def visible_episodes(*, user: Any) -> QuerySet[Episode]:
    """Episodes of persons in the user's scope, at clinics in the user's region: the ones shown in full."""
    return episodes_in_scope(user=user).filter(clinic__in=organisations_in_scope(user))


def episode_get(*, user: Any, pk: int) -> Episode:
    """One episode to look at; ``Episode.DoesNotExist`` (a 404) when out of scope."""
    return visible_episodes(user=user).select_related("person", "clinic").get(pk=pk)


def episode_for_action(*, user: Any, pk: int) -> Episode:
    """One episode to act on: in scope and at the user's own clinic (another clinic's episode is theirs)."""
    return (
        episodes_in_scope(user=user)
        .select_related("person", "clinic")
        .get(pk=pk, clinic_id=user_clinic_id(user))
    )


def person_get(*, user: Any, pk: int) -> Person:
    return persons_in_scope(user).get(pk=pk)


def incoming_transfers(*, user: Any) -> QuerySet[Transfer]:
    """Transfers awaiting the user's clinic. The person is not yet linked to it, so this is not a person scope."""
    return (
        Transfer.objects.filter(to_clinic_id=user_clinic_id(user), status=TransferStatus.PENDING)
        .select_related("episode__person", "episode__clinic", "requested_by")
        .order_by("requested_at", "pk")
    )


def transfer_for_answer(*, user: Any, pk: int) -> Transfer:
    """A transfer addressed to the user's clinic (answered or not: answering twice is an error, not a 404)."""
    return Transfer.objects.select_related("episode").get(pk=pk, to_clinic_id=user_clinic_id(user))


def transfer_clinics(*, user: Any, exclude: int | None = None) -> QuerySet[Organisation]:
    """Other MMT clinics in the user's region: receiving clinics for a transfer, hosts for guest dosing."""
    qs = organisations_in_scope(user).filter(type=OrganisationType.MMT_CLINIC, is_active=True)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    return qs.order_by("name")


# --- the clinic's list ------------------------------------------------------------------------------------

#: tab → filter over the clinic's episodes; order is the order of the tabs.
TABS: dict[str, Q] = {
    "applications": Q(status__in=[EpisodeStatus.APPLIED, EpisodeStatus.ASSESSED]),
    "active": Q(status=EpisodeStatus.ACTIVE),
    "suspended": Q(status=EpisodeStatus.SUSPENDED),
    "review": Q(status=EpisodeStatus.ACTIVE, needs_review=True),
    "dropout": Q(status=EpisodeStatus.ACTIVE, dropout_since__isnull=False),
    "exited": Q(status=EpisodeStatus.EXITED),
    "refused": Q(status=EpisodeStatus.REFUSED),
}


def clinic_episodes(*, user: Any) -> QuerySet[Episode]:
    return episodes_in_scope(user=user).filter(clinic_id=user_clinic_id(user))


def tab_counts(*, user: Any) -> dict[str, int]:
    """The number of episodes in each tab, in one query."""
    return clinic_episodes(user=user).aggregate(**{name: Count("pk", filter=q) for name, q in TABS.items()})


def tab_episodes(*, user: Any, tab: str) -> QuerySet[Episode]:
    order = ["decision_due", "pk"] if tab == "applications" else ["person__name_pinyin", "pk"]
    if tab == "exited" or tab == "refused":
        order = ["-ended_on", "-pk"] if tab == "exited" else ["-applied_on", "-pk"]
    return clinic_episodes(user=user).filter(TABS[tab]).select_related("person").order_by(*order)


# --- the episode page -------------------------------------------------------------------------------------


def episode_actions(*, user: Any, episode: Episode) -> set[str]:
    """The actions the page offers: what the episode's state allows and the user's role may do, at their clinic.
    The services check the state again; this only decides which forms to show."""
    if episode.clinic_id != user_clinic_id(user):
        return set()
    by_status = {
        EpisodeStatus.APPLIED: {"assess", "refuse"},
        EpisodeStatus.ASSESSED: {"assess", "accept", "refuse"},
        EpisodeStatus.ACTIVE: {"suspend", "exit", "transfer", "guest", "order"},
        EpisodeStatus.SUSPENDED: {"resume", "exit", "transfer", "order"},
    }.get(episode.status, set())
    allowed = set()
    if can(user, Action.MMT_ENROL):
        allowed |= by_status - {"order"}
    if can(user, Action.MMT_ORDER):
        allowed |= by_status & {"order"}
    if "accept" in allowed and not episode.eligibility.get("eligible"):
        allowed.discard("accept")
    return allowed


def episode_history(*, episode: Episode) -> dict[str, list[Any]]:
    return {
        "events": list(episode.events.select_related("by").order_by("at", "pk")),
        "orders": list(
            episode.orders.select_related("prescriber").order_by("-effective_on", "-created_at", "-pk")
        ),
        "transfers": list(episode.transfers.select_related("to_clinic").order_by("-requested_at", "-pk")),
        "guest_grants": list(episode.guest_grants.select_related("host_clinic").order_by("-start_on", "-pk")),
    }


# --- the patient's record ---------------------------------------------------------------------------------


@dataclass
class RecordEpisode:
    episode: Episode
    visible: bool  # False: at a clinic outside the user's region — dates only


def record_episodes(*, user: Any, person: Person) -> list[RecordEpisode]:
    """All the person's episodes at any clinic, newest first; those outside the user's region show dates only.
    Four queries whatever the number of episodes."""
    visible_clinics = set(organisations_in_scope(user).values_list("pk", flat=True))
    episodes = (
        Episode.objects.filter(person=person)
        .select_related("clinic")
        .prefetch_related(
            Prefetch("events", queryset=EpisodeEvent.objects.select_related("by").order_by("at", "pk")),
            Prefetch(
                "orders",
                queryset=DoseOrder.objects.select_related("prescriber").order_by("effective_on", "pk"),
            ),
            Prefetch("refusals", queryset=DoseRefusal.objects.select_related("site").order_by("day", "pk")),
        )
        .order_by("-number")
    )
    return [RecordEpisode(episode=e, visible=e.clinic_id in visible_clinics) for e in episodes]


def record_reports(*, user: Any, person: Person) -> QuerySet[Report]:
    """Reports filed about the person by organisations in the user's region, with each recipient's answer."""
    return (
        Report.objects.filter(person=person, source__in=organisations_in_scope(user))
        .select_related("source")
        .prefetch_related(
            Prefetch("deliveries", queryset=Delivery.objects.select_related("recipient").order_by("pk"))
        )
        .order_by("-event_on", "-pk")
    )


# --- attendance -------------------------------------------------------------------------------------------

DOSED = "dosed"
REFUSED = "refused"
MISSED = "missed"
SUSPENDED = "suspended"  # in treatment, suspended: not a missed day
BEFORE = "before"  # before the first treatment day shown
AFTER = "after"  # after the treatment ended
NONE = ""  # between episodes, or in the future


@dataclass(frozen=True)
class AttendanceDay:
    status: str
    mg: Decimal | None = None


def attendance(
    *, episodes: Sequence[Episode], start: dt.date, end: dt.date, today: dt.date
) -> dict[dt.date, AttendanceDay]:
    """Each day from ``start`` to ``end``: dosed (with the mg swallowed), refused, missed (in treatment with
    neither), suspended (from a suspension to its resumption), before the first treatment day, after the last
    one, or nothing (between episodes, today when not yet dosed, the future).
    Two queries: the dose days and refusals of the episodes as a union, and their suspensions."""
    ids = [e.pk for e in episodes]
    given = (
        DosePart.objects.filter(dose_day=OuterRef("pk"))
        .values("dose_day")
        .annotate(total=Sum("mg"))
        .values("total")
    )
    mg_field = DecimalField(max_digits=8, decimal_places=1)
    doses = (
        DoseDay.objects.filter(episode_id__in=ids, day__range=(start, end))
        .annotate(kind=Value(DOSED), mg=Coalesce(Subquery(given, output_field=mg_field), Value(Decimal("0"))))
        .values_list("day", "kind", "mg")
    )
    refusals = (
        DoseRefusal.objects.filter(episode_id__in=ids, day__range=(start, end))
        .annotate(kind=Value(REFUSED), mg=Value(None, output_field=mg_field))
        .values_list("day", "kind", "mg")
    )
    found: dict[dt.date, AttendanceDay] = {}
    for day, kind, mg in doses.union(refusals, all=True) if ids else []:
        if kind == DOSED or day not in found:  # a dose given after a refusal the same day counts as dosed
            found[day] = AttendanceDay(DOSED, mg) if kind == DOSED else AttendanceDay(REFUSED)
    suspended: list[tuple[dt.date, dt.date]] = []
    since: dict[int, dt.date] = {}
    events = EpisodeEvent.objects.filter(
        episode_id__in=ids, kind__in=[EventKind.SUSPENDED, EventKind.RESUMED]
    ).order_by("episode_id", "on", "pk")
    for episode_id, kind, on in events.values_list("episode_id", "kind", "on") if ids else []:
        if kind == EventKind.SUSPENDED:
            since.setdefault(episode_id, on)
        elif episode_id in since:
            suspended.append((since.pop(episode_id), on - dt.timedelta(days=1)))
    ends = {e.pk: e.ended_on or today for e in episodes}
    suspended += [(on, ends[episode_id]) for episode_id, on in since.items()]
    periods = [(e.started_on, e.ended_on or today) for e in episodes if e.started_on is not None]
    first = min((s for s, _ in periods), default=None)
    last_end = max((e for _, e in periods), default=None)
    result: dict[dt.date, AttendanceDay] = {}
    day = start
    while day <= end:
        if day in found:
            result[day] = found[day]
        elif day >= today:  # today is not missed yet
            result[day] = AttendanceDay(NONE)
        elif any(s <= day <= e for s, e in suspended):
            result[day] = AttendanceDay(SUSPENDED)
        elif any(s <= day <= e for s, e in periods):
            result[day] = AttendanceDay(MISSED)
        elif first is not None and day < first:
            result[day] = AttendanceDay(BEFORE)
        elif last_end is not None and day > last_end:
            result[day] = AttendanceDay(AFTER)
        else:
            result[day] = AttendanceDay(NONE)
        day += dt.timedelta(days=1)
    return result


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(month: dt.date) -> dt.date:
    return add_months(month, 1) - dt.timedelta(days=1)


@dataclass
class MonthGrid:
    month: dt.date
    weeks: list[list[tuple[dt.date, AttendanceDay] | None]]  # Monday first; None pads the first and last week


def month_grids(*, months: Iterable[dt.date], days: dict[dt.date, AttendanceDay]) -> list[MonthGrid]:
    grids = []
    cal = calendar.Calendar(firstweekday=0)
    for month in months:
        weeks = [
            [(d, days.get(d, AttendanceDay(NONE))) if d.month == month.month else None for d in week]
            for week in cal.monthdatescalendar(month.year, month.month)
        ]
        grids.append(MonthGrid(month=month, weeks=weeks))
    return grids
