"""Reads of the workforce, each scoped to the user, and the figures other apps use.

Whose staff a user sees: the head of an institution (clinic director) their own institution's — an MMT clinic's
head also its dosing points'; a health or narcotics officer those of the medical units in their region and below
it. Staff drug screening follows the same scope but only for the holders of ``Action.STAFF_SCREENING`` (the head and
the health commission): nobody else reads it, not even the institution's other staff.

Training courses: officers see the courses held in their region and below it, and those held above it for them;
an institution's staff (head, CDC, community workers) the courses held by their region or the regions above it,
and any course one of their organisation's staff attended.

For other apps (keep the signatures): ``staff_structure`` and ``training_totals``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Q, QuerySet

from jiedu.accounts.models import Role
from jiedu.core.policy_values import region_chain
from jiedu.policy import Action, can, effective_roles, organisations_in_scope
from jiedu.registry.models import CLINICAL_TYPES, Organisation
from jiedu.workforce import rules
from jiedu.workforce.models import (
    CountedParticipants,
    Course,
    NamedParticipant,
    ParticipantKind,
    Placement,
    Screening,
    StaffMember,
    StaffVersion,
)

#: The organisations that keep a staff register: the medical units.
STAFFED_TYPES = frozenset(CLINICAL_TYPES)
_OFFICERS = frozenset({Role.HEALTH_OFFICER, Role.NARCOTICS_OFFICER})


def region_prefix(code: str) -> str:
    """ "350000" → "35", "350500" → "3505", a county → itself: the prefix of the region and everything under it."""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


# --- scope ------------------------------------------------------------------------------------------------------


def staff_organisations(*, user: Any, action: Action = Action.STAFF_VIEW) -> QuerySet[Organisation]:
    """The medical units whose staff the user may ``action`` (view, manage, screening)."""
    if not getattr(user, "is_authenticated", False) or not can(user, action):
        return Organisation.objects.none()
    units = Organisation.objects.filter(type__in=STAFFED_TYPES)
    org = user.organisation
    if org is None:  # platform superuser
        return units
    if effective_roles(user) & _OFFICERS:
        return units.filter(pk__in=organisations_in_scope(user).values("pk"))
    return units.filter(Q(pk=org.pk) | Q(parent_clinic_id=org.pk))


def staff_in_scope(*, user: Any, action: Action = Action.STAFF_VIEW) -> QuerySet[StaffMember]:
    return StaffMember.objects.filter(organisation__in=staff_organisations(user=user, action=action))


def staff_get(*, user: Any, pk: int, action: Action = Action.STAFF_VIEW) -> StaffMember:
    """A staff member in the user's scope; ``StaffMember.DoesNotExist`` otherwise."""
    return (
        staff_in_scope(user=user, action=action)
        .select_related("organisation", "organisation__region", "user", "created_by")
        .get(pk=pk)
    )


def may(user: Any, organisation: Organisation, action: Action) -> bool:
    return staff_organisations(user=user, action=action).filter(pk=organisation.pk).exists()


# --- the register -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffRow:
    staff: StaffMember
    #: "expired", "expiring" or None (the practising certificate).
    certificate_flag: str | None


def staff_list(
    *,
    user: Any,
    today: dt.date,
    warning_days: int,
    organisation_id: int | None = None,
    include_left: bool = False,
) -> list[StaffRow]:
    """The staff in the user's scope (of one organisation if asked), by organisation and name; those who have
    left only if asked. One query."""
    found = staff_in_scope(user=user).select_related("organisation")
    if organisation_id is not None:
        found = found.filter(organisation_id=organisation_id)
    if not include_left:
        found = found.filter(Q(leave_date__isnull=True) | Q(leave_date__gte=today))
    return [
        StaffRow(
            s,
            rules.certificate_flag(s.certificate_valid_to, today, warning_days)
            if s.certificate_type != "none"
            else None,
        )
        for s in found.order_by("organisation__name", "organisation_id", "name", "pk")
    ]


def staff_history(staff: StaffMember) -> list[StaffVersion]:
    """Every version of the record, the latest first."""
    return list(staff.versions.select_related("by", "user").order_by("-version"))


def placements_of(staff: StaffMember) -> list[Placement]:
    return list(staff.placements.select_related("recorded_by").order_by("-starts_on", "-pk"))


def courses_of(staff: StaffMember) -> list[Course]:
    return list(
        Course.objects.filter(named_participants__staff=staff)
        .select_related("organiser")
        .order_by("-starts_on")
    )


# --- figures for other apps ------------------------------------------------------------------------------------

_STRUCTURE_FIELDS = (
    "organisation_id",
    "profession",
    "start_date",
    "leave_date",
    "certificate_type",
    "certificate_valid_from",
    "certificate_valid_to",
)


@dataclass(frozen=True)
class _Row:
    organisation_id: int
    profession: str
    start_date: dt.date
    leave_date: dt.date | None
    certificate_type: str
    certificate_valid_from: dt.date | None
    certificate_valid_to: dt.date | None


def staff_structure(*, organisation_ids: list[int], on: dt.date) -> dict[int, rules.StaffStructure]:
    """Per organisation, its staff in post on ``on`` by profession, how many of them hold a practising certificate
    valid on the day, and the total of medical staff (physicians, nurses, pharmacists). Every organisation asked
    for is in the answer (with zeros if it has no staff). One query."""
    rows: dict[int, list[_Row]] = {pk: [] for pk in organisation_ids}
    found = (
        StaffMember.objects.filter(organisation_id__in=organisation_ids, start_date__lte=on)
        .filter(Q(leave_date__isnull=True) | Q(leave_date__gte=on))
        .values_list(*_STRUCTURE_FIELDS)
    )
    for values in found:
        row = _Row(*values)
        rows[row.organisation_id].append(row)
    return {pk: rules.structure(pk, on, staff) for pk, staff in rows.items()}


def turnover_by_organisation(
    *, organisation_ids: list[int], first: dt.date, last: dt.date
) -> dict[int, rules.Turnover]:
    """The turnover of each organisation over the days ``first`` to ``last`` (``rules.turnover``). One query."""
    spans: dict[int, list[rules.Span]] = {pk: [] for pk in organisation_ids}
    found = (
        StaffMember.objects.filter(organisation_id__in=organisation_ids, start_date__lte=last)
        .filter(Q(leave_date__isnull=True) | Q(leave_date__gte=first))
        .values_list("organisation_id", "start_date", "leave_date")
    )
    for org_id, began, left in found:
        spans[org_id].append((began, left))
    return {pk: rules.turnover(s, first, last) for pk, s in spans.items()}


def _courses_by_region(prefix: str, first: dt.date, last: dt.date) -> QuerySet[Course]:
    return Course.objects.filter(
        organiser__region__code__startswith=prefix, starts_on__gte=first, starts_on__lte=last
    )


def _participants(course_ids: list[int]) -> dict[int, dict[str, int]]:
    """Course id → participants by kind, named and counted together. Two queries."""
    found: dict[int, dict[str, int]] = defaultdict(dict)
    named = (
        NamedParticipant.objects.filter(course_id__in=course_ids)
        .order_by()
        .values("course_id", "kind")
        .annotate(n=Count("pk"))
        .values_list("course_id", "kind", "n")
    )
    counted = CountedParticipants.objects.filter(course_id__in=course_ids).values_list(
        "course_id", "kind", "count"
    )
    for course_id, kind, n in [*named, *counted]:
        found[course_id][kind] = found[course_id].get(kind, 0) + n
    return found


def training_by_region(*, region_code: str, first: dt.date, last: dt.date) -> dict[str, rules.TrainingTotals]:
    """Training of the region and below it from ``first`` to ``last`` (courses by their first day), by the region
    of the organiser; placements by the region of the staff member's organisation. Regions without training are
    absent. Four queries."""
    prefix = region_prefix(region_code)
    rows = list(
        _courses_by_region(prefix, first, last).values_list("pk", "topic", "hours", "organiser__region_id")
    )
    participants = _participants([r[0] for r in rows])
    totals: dict[str, rules.TrainingTotals] = {}
    for pk, topic, hours, region in rows:
        totals.setdefault(region, rules.TrainingTotals()).add_course(
            topic=topic, hours=hours, participants=participants.get(pk, {})
        )
    by_region = (
        Placement.objects.filter(
            staff__organisation__region__code__startswith=prefix, starts_on__gte=first, starts_on__lte=last
        )
        .order_by()
        .values("staff__organisation__region_id")
        .annotate(n=Count("pk"))
        .values_list("staff__organisation__region_id", "n")
    )
    for region, n in by_region:
        totals.setdefault(region, rules.TrainingTotals()).placements += n
    return totals


def training_totals(*, region_code: str, year: int) -> dict[str, rules.TrainingTotals]:
    """Training in the region in ``year``, by the region of the organiser (a county's code for the courses held by
    its bodies; a prefecture's or province's own code for those it held itself): sessions, person-times, hours
    (``rules.TrainingTotals``). Placements count under the region of the staff member's organisation. Regions
    without training are absent. Four queries."""
    return training_by_region(region_code=region_code, first=dt.date(year, 1, 1), last=dt.date(year, 12, 31))


def training_summary(*, region_code: str, first: dt.date, last: dt.date) -> rules.TrainingTotals:
    """The training of the region and everything under it from ``first`` to ``last``, as one total."""
    total = rules.TrainingTotals()
    for part in training_by_region(region_code=region_code, first=first, last=last).values():
        total = total + part
    return total


# --- training pages ---------------------------------------------------------------------------------------------


def courses_in_scope(*, user: Any) -> QuerySet[Course]:
    if not getattr(user, "is_authenticated", False) or not can(user, Action.TRAINING_VIEW):
        return Course.objects.none()
    org = user.organisation
    if org is None:
        return Course.objects.all()
    code = org.region_id
    above = Q(organiser__region_id__in=region_chain(code))
    if effective_roles(user) & _OFFICERS:
        return Course.objects.filter(above | Q(organiser__region__code__startswith=region_prefix(code)))
    attended = NamedParticipant.objects.filter(staff__organisation_id=org.pk).values("course_id")
    return Course.objects.filter(above | Q(pk__in=attended))


def course_get(*, user: Any, pk: int) -> Course:
    return (
        courses_in_scope(user=user).select_related("organiser", "organiser__region", "created_by").get(pk=pk)
    )


@dataclass(frozen=True)
class CourseRow:
    course: Course
    person_times: int


def course_list(*, user: Any, first: dt.date, last: dt.date) -> list[CourseRow]:
    """The courses in scope starting from ``first`` to ``last``, the latest first, with their person-times."""
    courses = list(
        courses_in_scope(user=user)
        .filter(starts_on__gte=first, starts_on__lte=last)
        .select_related("organiser")
        .order_by("-starts_on", "-pk")
    )
    participants = _participants([c.pk for c in courses])
    return [CourseRow(c, sum(participants.get(c.pk, {}).values())) for c in courses]


@dataclass(frozen=True)
class Attendance:
    #: The named participants whose register the user sees (the others are only counted).
    named: list[NamedParticipant]
    by_kind: list[tuple[str, int]]
    total: int


def course_attendance(*, user: Any, course: Course) -> Attendance:
    visible = staff_organisations(user=user)
    named = list(
        course.named_participants.filter(staff__organisation__in=visible)
        .select_related("staff", "staff__organisation")
        .order_by("staff__organisation__name", "staff__name")
    )
    by_kind = _participants([course.pk]).get(course.pk, {})
    rows = [(str(label), by_kind[k]) for k, label in ParticipantKind.choices if k in by_kind]
    return Attendance(named=named, by_kind=rows, total=sum(by_kind.values()))


def participant_choices(*, user: Any, course: Course) -> QuerySet[StaffMember]:
    """Staff the user may name as participants: in their scope, in post on the course's first day, not yet named."""
    return (
        staff_in_scope(user=user, action=Action.STAFF_VIEW)
        .filter(start_date__lte=course.starts_on)
        .filter(Q(leave_date__isnull=True) | Q(leave_date__gte=course.starts_on))
        .exclude(pk__in=course.named_participants.values("staff_id"))
        .select_related("organisation")
        .order_by("organisation__name", "name")
    )


# --- screening ---------------------------------------------------------------------------------------------------


def screenings_in_scope(*, user: Any) -> QuerySet[Screening]:
    """Staff drug screenings the user may read: none without ``Action.STAFF_SCREENING``."""
    return Screening.objects.filter(staff__in=staff_in_scope(user=user, action=Action.STAFF_SCREENING))


@dataclass(frozen=True)
class DueRow:
    staff: StaffMember
    last: dt.date | None


def screening_due(
    *, user: Any, today: dt.date, interval_days: int, organisation_id: int | None = None
) -> list[DueRow]:
    """Staff in post today whose last screening is ``interval_days`` or more ago, or who were never screened."""
    staff = (
        staff_in_scope(user=user, action=Action.STAFF_SCREENING)
        .filter(start_date__lte=today)
        .filter(Q(leave_date__isnull=True) | Q(leave_date__gte=today))
        .annotate(last=Max("screenings__screened_on"))
        .select_related("organisation")
        .order_by("organisation__name", "name", "pk")
    )
    if organisation_id is not None:
        staff = staff.filter(organisation_id=organisation_id)
    return [
        DueRow(s, s.last)  # type: ignore[attr-defined]
        for s in staff
        if rules.screening_due(s.last, today, interval_days)  # type: ignore[attr-defined]
    ]
