"""The evidence a police station needs for dynamic control (动态管控), and the list of people eligible for a
control-level review.

Who: the people about whom the station has received a mandatory report (the MMT enrolment filing, a dropout …)
and who were in MMT in the period. What: attendance (days in treatment, days dosed), the date of the last
positive urine drug test, the reports the station received, the current MMT status — never a dose, never an
infection test (HIV, HCV, syphilis), never any other clinical detail. Every list is a fixed number of queries
whatever the number of people.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, QuerySet
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from jiedu.community import rules
from jiedu.core import months
from jiedu.core.clock import SHANGHAI
from jiedu.core.selectors import rule_value
from jiedu.labs.models import LabKind, LabTest, Result
from jiedu.mmt.models import DoseDay, Episode, EpisodeStatus
from jiedu.patients.models import Person
from jiedu.policy import Action, can
from jiedu.reports.models import Delivery, Report, ReportKind

#: Reports that keep a person off the review list when their event falls in the clean period.
ADVERSE_KINDS = (
    ReportKind.RELAPSE,
    ReportKind.TERMINATION,
    ReportKind.SELF_TERMINATION,
    ReportKind.DETENTION,
    ReportKind.DROPOUT,
)

STATUS_LABELS = {
    "in_treatment": gettext_lazy("In treatment"),
    "dropped_out": gettext_lazy("Dropped out"),
    "exited": gettext_lazy("Exited"),
}


def police_persons(*, user: Any) -> QuerySet[Person]:
    """The people the user's police organisation has received a mandatory report about."""
    if not can(user, Action.POLICE_EVIDENCE) or user.organisation_id is None:
        return Person.objects.none()
    reported = Delivery.objects.filter(recipient_id=user.organisation_id, report__person__isnull=False)
    return Person.objects.filter(pk__in=reported.values("report__person_id"))


def _episodes_by_person(user: Any) -> dict[int, list[Episode]]:
    """Every MMT episode that started, of the station's people, oldest first (one query)."""
    episodes = (
        Episode.objects.filter(person__in=police_persons(user=user), started_on__isnull=False)
        .select_related("person", "clinic")
        .order_by("person_id", "started_on", "number")
    )
    grouped: dict[int, list[Episode]] = defaultdict(list)
    for episode in episodes:
        grouped[episode.person_id].append(episode)
    return grouped


def _spans(episodes: list[Episode], today: dt.date) -> list[rules.Span]:
    return [(e.started_on, e.ended_on or today) for e in episodes]


def _status(latest: Episode) -> str:
    """The current MMT status as the police see it: in treatment (suspended included), dropped out, exited."""
    if latest.status == EpisodeStatus.EXITED:
        return "exited"
    if latest.dropout_since is not None:
        return "dropped_out"
    return "in_treatment"


@dataclass(frozen=True)
class EvidenceRow:
    person_id: int
    name: str
    id_masked: str
    clinic: str
    days_in_treatment: int
    days_dosed: int
    last_positive_urine_on: dt.date | None
    report_kinds: tuple[str, ...]
    status: str

    @property
    def attendance_pct(self) -> Decimal | None:
        return rules.attendance_pct(self.days_dosed, self.days_in_treatment)

    @property
    def report_labels(self) -> list[str]:
        return [str(ReportKind(k).label) for k in self.report_kinds]

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])


def _day_bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """From the start of ``first`` to the start of the day after ``last``, in Shanghai."""
    return (
        dt.datetime.combine(first, dt.time.min, tzinfo=SHANGHAI),
        dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=SHANGHAI),
    )


def evidence(*, user: Any, month: dt.date, today: dt.date) -> list[EvidenceRow]:
    """One row per person of the station who was in MMT during ``month``: days in treatment in the month (from
    the later of the start and the month's first day to the earlier of the end — today while in treatment — and
    the month's last day), days dosed, the last positive urine test up to the month's end, the reports about the
    person filed in the month and received by the station, and the current status. Four queries."""
    last = months.month_end(month)
    rows: dict[int, dict[str, Any]] = {}
    for person_id, episodes in _episodes_by_person(user).items():
        spans = _spans(episodes, today)
        days = rules.treatment_days(spans, month, last)
        if days == 0:
            continue
        overlapping = [
            e for e, (start, end) in zip(episodes, spans, strict=True) if start <= last and end >= month
        ]
        person = episodes[0].person
        rows[person_id] = {
            "person_id": person_id,
            "name": person.name,
            "id_masked": person.id_number_masked,
            "clinic": overlapping[-1].clinic.name,
            "days_in_treatment": days,
            "status": _status(episodes[-1]),
            "pinyin": person.name_pinyin,
        }
    ids = list(rows)
    dosed = dict(
        DoseDay.objects.filter(person_id__in=ids, day__range=(month, last))
        .values("person_id")
        .annotate(n=Count("pk"))
        .values_list("person_id", "n")
    )
    positives = dict(
        LabTest.objects.filter(
            person_id__in=ids, kind=LabKind.URINE, result=Result.POSITIVE, collected_on__lte=last
        )
        .values("person_id")
        .annotate(last=Max("collected_on"))
        .values_list("person_id", "last")
    )
    start_at, end_at = _day_bounds(month, last)
    kinds: dict[int, list[str]] = defaultdict(list)
    for person_id, kind in (
        Delivery.objects.filter(
            recipient_id=user.organisation_id,
            report__person_id__in=ids,
            report__created_at__gte=start_at,
            report__created_at__lt=end_at,
        )
        .order_by("report__created_at", "report_id")
        .values_list("report__person_id", "report__kind")
    ):
        kinds[person_id].append(kind)
    ordered = sorted(rows.values(), key=lambda r: (r.pop("pinyin"), r["person_id"]))
    return [
        EvidenceRow(
            **r,
            days_dosed=dosed.get(r["person_id"], 0),
            last_positive_urine_on=positives.get(r["person_id"]),
            report_kinds=tuple(kinds[r["person_id"]]),
        )
        for r in ordered
    ]


def evidence_columns() -> list[str]:
    return [
        _("Name"),
        _("Identity number"),
        _("Clinic"),
        _("Days in treatment"),
        _("Days dosed"),
        _("Attendance (%)"),
        _("Last positive urine test"),
        _("Reports filed in the month"),
        _("Status"),
    ]


def evidence_xlsx(*, rows: list[EvidenceRow], month: dt.date, station: str) -> bytes:
    """The evidence table as one sheet: title, the month, the same columns as the page."""
    book = Workbook()
    sheet = book.active
    sheet.title = f"{month:%Y-%m}"
    header = evidence_columns()
    sheet.append([_("Evidence for dynamic control")])
    sheet.append([f"{station} · {month:%Y-%m}"])
    sheet.append(header)
    sheet["A1"].font = Font(bold=True, size=14)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for r in rows:
        pct = r.attendance_pct
        sheet.append(
            [
                r.name,
                r.id_masked,
                r.clinic,
                r.days_in_treatment,
                r.days_dosed,
                float(pct) if pct is not None else None,
                r.last_positive_urine_on,
                "、".join(r.report_labels),
                r.status_label,
            ]
        )
        sheet.cell(row=sheet.max_row, column=6).number_format = "0.0"
        sheet.cell(row=sheet.max_row, column=7).number_format = "yyyy-mm-dd"
    for index, width in enumerate([12, 20, 28, 10, 10, 10, 14, 36, 10], start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "B4"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- the control-level review ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewRow:
    person_id: int
    name: str
    id_masked: str
    clinic: str
    review: rules.Review


@dataclass(frozen=True)
class ReviewList:
    rows: list[ReviewRow]
    last_month: dt.date
    min_months: int
    min_attendance_pct: Decimal


def review_list(*, user: Any, today: dt.date) -> ReviewList:
    """The station's people eligible for a dynamic-control level review (``rules.review``) as of ``today``: the
    window is the ``police.review_min_months`` full calendar months up to the last one; the clean period — no
    positive urine test, no adverse report (``ADVERSE_KINDS``, by event date, whoever received it: a report that
    went elsewhere still keeps the person off the list, and the list says nothing about it) — runs from the
    window's first day to today; and the person is in treatment today. Six queries (two of them the policy
    values)."""
    region = user.organisation.region_id if user.organisation_id else None
    min_months = max(1, int(rule_value("police.review_min_months", region_code=region)))
    min_pct = Decimal(str(rule_value("police.review_min_attendance_pct", region_code=region)))
    last = months.previous_month(today)
    review_months = [months.months_back(last, k) for k in reversed(range(min_months))]
    start, end = review_months[0], months.month_end(last)
    candidates: dict[int, tuple[list[Episode], list[rules.Span], int]] = {}
    for person_id, episodes in _episodes_by_person(user).items():
        spans = _spans(episodes, today)
        full = rules.full_months(spans, through=last)
        if full >= min_months:  # the cheap part of the rule first: no further queries for the others
            candidates[person_id] = (episodes, spans, full)
    ids = list(candidates)
    dosed = {
        (person_id, month): n
        for person_id, month, n in DoseDay.objects.filter(person_id__in=ids, day__range=(start, end))
        .annotate(month=TruncMonth("day"))
        .values("person_id", "month")
        .annotate(n=Count("pk"))
        .values_list("person_id", "month", "n")
    }
    positives: dict[int, list[dt.date]] = defaultdict(list)
    for person_id, day in LabTest.objects.filter(
        person_id__in=ids, kind=LabKind.URINE, result=Result.POSITIVE, collected_on__range=(start, today)
    ).values_list("person_id", "collected_on"):
        positives[person_id].append(day)
    adverse: dict[int, list[dt.date]] = defaultdict(list)
    for person_id, day in Report.objects.filter(
        person_id__in=ids, kind__in=ADVERSE_KINDS, event_on__range=(start, today)
    ).values_list("person_id", "event_on"):
        adverse[person_id].append(day)
    rows = []
    for person_id, (episodes, spans, full) in candidates.items():
        window = [
            rules.MonthAttendance(
                month=m,
                in_treatment=rules.treatment_days(spans, m, months.month_end(m)),
                dosed=dosed.get((person_id, m), 0),
            )
            for m in review_months
        ]
        result = rules.review(
            full_months=full,
            window=window,
            positive_urine_on=positives[person_id],
            adverse_reports_on=adverse[person_id],
            in_treatment_now=_status(episodes[-1]) == "in_treatment",
            clean_until=today,
            min_months=min_months,
            min_attendance_pct=min_pct,
        )
        if result.eligible:
            person = episodes[-1].person
            rows.append(
                ReviewRow(
                    person_id=person_id,
                    name=person.name,
                    id_masked=person.id_number_masked,
                    clinic=episodes[-1].clinic.name,
                    review=result,
                )
            )
    rows.sort(key=lambda r: (candidates[r.person_id][0][-1].person.name_pinyin, r.person_id))
    return ReviewList(rows=rows, last_month=last, min_months=min_months, min_attendance_pct=min_pct)
