"""Pure rules of the workforce: periods, turnover, the staff structure on a day, training totals, certificates and
screening intervals. No ORM and no clock here: the caller passes the rows and today.

Turnover of an organisation over a period (a month, a quarter or a year), with ``first`` and ``last`` its first
and last day and a staff member's leave date being their last working day:

* headcount at the start: staff in post when the period opens — started before ``first`` and not left before it;
* headcount at the end: staff in post when the period closes — started on or before ``last`` and not left on or
  before it (someone whose last day is ``last`` has gone);
* joiners: start date in the period; leavers: leave date in the period (someone who joins and leaves within the
  period is both, and in neither headcount);
* so that end = start + joiners − leavers;
* average headcount = (start + end) ÷ 2;
* turnover rate = leavers ÷ average headcount × 100, to one decimal place (half up); none when the average
  headcount is 0.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from jiedu.registry.models import OrganisationType as T
from jiedu.workforce.models import (
    MEDICAL_PROFESSIONS,
    PHYSICIANS,
    CertificateType,
    ParticipantKind,
    Profession,
    Topic,
)

ONE_PLACE = Decimal("0.1")

# --- periods --------------------------------------------------------------------------------------------------

MONTH, QUARTER, YEAR = "month", "quarter", "year"
PERIOD_TYPES = (MONTH, QUARTER, YEAR)
_STEP = {MONTH: 1, QUARTER: 3, YEAR: 12}


def _add_months(first: dt.date, months: int) -> dt.date:
    index = first.year * 12 + first.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def period_start(period_type: str, day: dt.date) -> dt.date:
    """The first day of the period of this type that contains ``day``."""
    if period_type == YEAR:
        return dt.date(day.year, 1, 1)
    if period_type == QUARTER:
        return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return day.replace(day=1)


def period_bounds(period_type: str, first: dt.date) -> tuple[dt.date, dt.date]:
    """The first and the last day of the period starting on ``first``."""
    return first, _add_months(first, _STEP[period_type]) - dt.timedelta(days=1)


def previous_periods(period_type: str, today: dt.date, count: int) -> list[dt.date]:
    """The current period's first day and those of the ``count - 1`` before it, latest first."""
    start = period_start(period_type, today)
    return [_add_months(start, -_STEP[period_type] * i) for i in range(count)]


def period_label(period_type: str, first: dt.date) -> str:
    if period_type == YEAR:
        return pgettext("workforce period", "%(year)d") % {"year": first.year}
    if period_type == QUARTER:
        return pgettext("workforce period", "%(year)d Q%(quarter)d") % {
            "year": first.year,
            "quarter": (first.month - 1) // 3 + 1,
        }
    return pgettext("workforce period", "%(year)d-%(month)02d") % {"year": first.year, "month": first.month}


def period_type_label(period_type: str) -> str:
    return {MONTH: _("Month"), QUARTER: _("Quarter"), YEAR: _("Year")}[period_type]


# --- turnover -------------------------------------------------------------------------------------------------

Span = tuple[dt.date, dt.date | None]  # start date, leave date (the last working day) or None


@dataclass(frozen=True)
class Turnover:
    start_headcount: int
    end_headcount: int
    joiners: int
    leavers: int

    @property
    def average_headcount(self) -> Decimal:
        return Decimal(self.start_headcount + self.end_headcount) / 2

    @property
    def rate(self) -> Decimal | None:
        """Leavers per 100 of the average headcount, one decimal place; None when nobody was in post."""
        average = self.average_headcount
        if not average:
            return None
        return (Decimal(self.leavers) * 100 / average).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)

    def __add__(self, other: Turnover) -> Turnover:
        return Turnover(
            self.start_headcount + other.start_headcount,
            self.end_headcount + other.end_headcount,
            self.joiners + other.joiners,
            self.leavers + other.leavers,
        )


NO_TURNOVER = Turnover(0, 0, 0, 0)


def turnover(spans: Iterable[Span], first: dt.date, last: dt.date) -> Turnover:
    """The turnover of the employments ``spans`` over the days ``first`` to ``last`` (see the module's text)."""
    start = end = joiners = leavers = 0
    for began, left in spans:
        if began < first and (left is None or left >= first):
            start += 1
        if began <= last and (left is None or left > last):
            end += 1
        if first <= began <= last:
            joiners += 1
        if left is not None and first <= left <= last:
            leavers += 1
    return Turnover(start, end, joiners, leavers)


# --- the staff structure on a day -----------------------------------------------------------------------------


class StaffLike(Protocol):
    profession: str
    start_date: dt.date
    leave_date: dt.date | None
    certificate_type: str
    certificate_valid_from: dt.date | None
    certificate_valid_to: dt.date | None


def in_post(row: StaffLike, day: dt.date) -> bool:
    return row.start_date <= day and (row.leave_date is None or day <= row.leave_date)


def certificate_valid(row: StaffLike, day: dt.date) -> bool:
    if row.certificate_type == CertificateType.NONE or row.certificate_valid_from is None:
        return False
    return row.certificate_valid_from <= day and (
        row.certificate_valid_to is None or day <= row.certificate_valid_to
    )


#: Groups of professions a count may name besides a single profession.
GROUPS: dict[str, tuple[str, ...]] = {"physician": PHYSICIANS, "medical": MEDICAL_PROFESSIONS}


def group_label(name: str) -> str:
    """A profession or a group, for the page."""
    if name == "physician":
        return _("Physicians")
    if name == "medical":
        return _("Medical staff")
    return str(Profession(name).label)


@dataclass(frozen=True)
class StaffStructure:
    """An organisation's staff in post on a day, by profession; ``certified`` counts those whose practising
    certificate is valid on the day."""

    organisation_id: int
    on: dt.date
    by_profession: dict[str, int]
    certified: dict[str, int]

    def count(self, name: str, *, certified: bool = False) -> int:
        """Staff of a profession or of a group ("physician", "medical"), certified ones only if asked."""
        counts = self.certified if certified else self.by_profession
        return sum(counts.get(p, 0) for p in GROUPS.get(name, (name,)))

    @property
    def total(self) -> int:
        return sum(self.by_profession.values())

    @property
    def medical_total(self) -> int:
        """Medical staff in post: physicians, nurses and pharmacists."""
        return self.count("medical")

    @property
    def certified_medical_total(self) -> int:
        return self.count("medical", certified=True)

    @property
    def rows(self) -> list[tuple[str, str, int, int]]:
        """(profession, its label, in post, certified) for every profession, in the order of the choices."""
        return [
            (p, str(label), self.by_profession.get(p, 0), self.certified.get(p, 0))
            for p, label in Profession.choices
        ]


def structure(organisation_id: int, on: dt.date, rows: Iterable[StaffLike]) -> StaffStructure:
    by_profession = {p: 0 for p in Profession.values}
    certified = {p: 0 for p in Profession.values}
    for row in rows:
        if not in_post(row, on):
            continue
        by_profession[row.profession] += 1
        if certificate_valid(row, on):
            certified[row.profession] += 1
    return StaffStructure(organisation_id, on, by_profession, certified)


# --- certificates, screening, participants ---------------------------------------------------------------------

#: The practising certificate each medical profession holds.
CERTIFICATE_OF: dict[str, str] = {
    **{p: CertificateType.PHYSICIAN for p in PHYSICIANS},
    Profession.NURSE: CertificateType.NURSE,
    Profession.PHARMACIST: CertificateType.PHARMACIST,
}


def certificate_problem(profession: str, certificate_type: str) -> str | None:
    """Why a certificate of this type is not the practising certificate of the profession (None if it may be)."""
    wanted = CERTIFICATE_OF.get(profession)
    if wanted is None or certificate_type in (CertificateType.NONE, wanted):
        return None
    return _("%(profession)s: the practising certificate is the %(certificate)s.") % {
        "profession": Profession(profession).label,
        "certificate": str(CertificateType(wanted).label).lower(),
    }


def certificate_flag(valid_to: dt.date | None, today: dt.date, warning_days: int) -> str | None:
    """ "expired", "expiring" (within ``warning_days``) or None."""
    if valid_to is None:
        return None
    if valid_to < today:
        return "expired"
    if (valid_to - today).days <= warning_days:
        return "expiring"
    return None


def screening_due(last: dt.date | None, today: dt.date, interval_days: int) -> bool:
    """Whether a staff member last screened on ``last`` (None: never) is due for screening."""
    return last is None or (today - last).days >= interval_days


_KIND_OF_TYPE = {
    T.POLICE: ParticipantKind.POLICE,
    T.COMPULSORY_CENTRE: ParticipantKind.COMPULSORY_CENTRE,
    T.COMMUNITY_REHAB: ParticipantKind.COMMUNITY_OFFICE,
    T.MMT_CLINIC: ParticipantKind.MMT_CLINIC,
    T.DOSING_POINT: ParticipantKind.MMT_CLINIC,
    T.VOLUNTARY_REHAB: ParticipantKind.MEDICAL,
    T.HOSPITAL: ParticipantKind.MEDICAL,
    T.CDC: ParticipantKind.CDC,
}


def participant_kind(organisation_type: str, profession: str) -> str:
    """Where a named participant comes from: a social worker counts as one wherever employed; anyone else by
    the type of their organisation."""
    if profession == Profession.SOCIAL_WORKER:
        return ParticipantKind.SOCIAL_WORKER
    return _KIND_OF_TYPE.get(organisation_type, ParticipantKind.OTHER)  # type: ignore[call-overload]


# --- training totals ------------------------------------------------------------------------------------------


@dataclass
class TrainingTotals:
    """Training in a region over a period: sessions (courses starting in the period), person-times (named and
    counted participants), hours (the courses' own hours, summed), person-hours (hours × participants) and
    further-study placements starting in the period; with sessions and person-times by topic, and person-times by
    where the participants came from."""

    sessions: int = 0
    person_times: int = 0
    hours: Decimal = Decimal(0)
    person_hours: Decimal = Decimal(0)
    placements: int = 0
    by_topic: dict[str, list[int]] = field(default_factory=dict)  # topic → [sessions, person-times]
    by_kind: dict[str, int] = field(default_factory=dict)

    def add_course(self, *, topic: str, hours: Decimal, participants: dict[str, int]) -> None:
        """Count one course with its participants by kind."""
        people = sum(participants.values())
        self.sessions += 1
        self.person_times += people
        self.hours += hours
        self.person_hours += hours * people
        topic_row = self.by_topic.setdefault(topic, [0, 0])
        topic_row[0] += 1
        topic_row[1] += people
        for kind, n in participants.items():
            if n:
                self.by_kind[kind] = self.by_kind.get(kind, 0) + n

    def __add__(self, other: TrainingTotals) -> TrainingTotals:
        by_topic = {t: list(v) for t, v in self.by_topic.items()}
        for t, (sessions, people) in other.by_topic.items():
            row = by_topic.setdefault(t, [0, 0])
            row[0] += sessions
            row[1] += people
        by_kind = dict(self.by_kind)
        for k, n in other.by_kind.items():
            by_kind[k] = by_kind.get(k, 0) + n
        return TrainingTotals(
            sessions=self.sessions + other.sessions,
            person_times=self.person_times + other.person_times,
            hours=self.hours + other.hours,
            person_hours=self.person_hours + other.person_hours,
            placements=self.placements + other.placements,
            by_topic=by_topic,
            by_kind=by_kind,
        )

    @property
    def topic_rows(self) -> list[tuple[str, int, int]]:
        """(topic label, sessions, person-times) for the topics trained, in the order of the choices."""
        return [(str(label), *self.by_topic[t]) for t, label in Topic.choices if t in self.by_topic]  # type: ignore[misc]

    @property
    def kind_rows(self) -> list[tuple[str, int]]:
        return [(str(label), self.by_kind[k]) for k, label in ParticipantKind.choices if k in self.by_kind]
