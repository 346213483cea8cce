"""Keeping the staff register, staff drug screening, training courses and further-study placements.

The head of an institution keeps its register (an MMT clinic's head also its dosing points'); a health or
narcotics officer those of the medical units in their region. A registration, a correction (with its reason) and a
leaving each write the next version of the record in one transaction with an audit entry; the current row moves to
that version by compare-and-set, so two people correcting the same record at once get one outcome and a message.
Validation comes first: on any error ``FieldErrors`` names the field and nothing is written.

Staff screening results never enter the audit log's detail: the auditors who read it may not read them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from jiedu.core import audit, clock
from jiedu.core.errors import DomainError, FieldErrors, PermissionDenied
from jiedu.policy import Action, can
from jiedu.registry.models import Organisation
from jiedu.workforce import rules, selectors
from jiedu.workforce.models import (
    CertificateType,
    CountedParticipants,
    Course,
    Education,
    LeaveReason,
    NamedParticipant,
    ParticipantKind,
    Placement,
    Profession,
    Screening,
    ScreeningMethod,
    ScreeningResult,
    Sex,
    StaffMember,
    StaffVersion,
    Title,
    Topic,
    VersionKind,
)

REASON_MAX = 500
#: The fields of a staff record, in the order of the form.
STAFF_FIELDS = (
    "name",
    "sex",
    "profession",
    "education",
    "title",
    "certificate_type",
    "certificate_number",
    "certificate_valid_from",
    "certificate_valid_to",
    "start_date",
    "user",
)
LEAVE_FIELDS = ("leave_date", "leave_reason")
MAX_HOURS = Decimal("999.9")
MAX_COUNTED = 100_000


def _conflict() -> DomainError:
    return DomainError(
        _("Someone else changed this record at the same moment: reload the page and try again."),
        code="conflict",
    )


def _may(actor: Any, organisation: Organisation, action: Action, message: str) -> None:
    if not can(actor, action) or not selectors.may(actor, organisation, action):
        raise PermissionDenied(message)


def _may_manage(actor: Any, organisation: Organisation) -> None:
    if organisation.type not in selectors.STAFFED_TYPES:
        raise PermissionDenied(_("Only medical units keep a staff register."))
    _may(
        actor,
        organisation,
        Action.STAFF_MANAGE,
        _("Only the head of %(org)s or a health or narcotics officer of its region keeps its staff register.")
        % {"org": organisation.name},
    )


def _text(
    errors: dict[str, list[str]], name: str, value: str, limit: int, label: str, *, required: bool
) -> str:
    value = (value or "").strip()
    if required and not value:
        errors.setdefault(name, []).append(_("Enter the %(label)s.") % {"label": label})
    elif len(value) > limit:
        errors.setdefault(name, []).append(
            _("Keep the %(label)s under %(n)d characters.") % {"label": label, "n": limit + 1}
        )
    return value


def _choice(
    errors: dict[str, list[str]], name: str, value: str, choices: Any, *, blank: bool = False
) -> None:
    if (value or "") == "" and blank:
        return
    if value not in choices.values:
        errors.setdefault(name, []).append(_("Choose one of the listed values."))


def _check_staff(
    values: dict[str, Any], organisation: Organisation, today: dt.date, staff_pk: int | None
) -> dict:
    """Validate a whole staff record (register or correction); returns the cleaned values or raises."""
    errors: dict[str, list[str]] = {}
    cleaned = dict(values)
    cleaned["name"] = _text(errors, "name", values.get("name", ""), 64, _("name"), required=True)
    _choice(errors, "sex", values.get("sex", ""), Sex)
    _choice(errors, "profession", values.get("profession", ""), Profession)
    _choice(errors, "education", values.get("education", ""), Education, blank=True)
    cleaned["education"] = values.get("education") or ""
    cleaned["title"] = values.get("title") or Title.NONE
    _choice(errors, "title", cleaned["title"], Title)
    kind = values.get("certificate_type") or CertificateType.NONE
    cleaned["certificate_type"] = kind
    number = (values.get("certificate_number") or "").strip()
    cleaned["certificate_number"] = number
    valid_from, valid_to = values.get("certificate_valid_from"), values.get("certificate_valid_to")
    _choice(errors, "certificate_type", kind, CertificateType)
    if kind == CertificateType.NONE:
        if number or valid_from or valid_to:
            errors.setdefault("certificate_type", []).append(
                _("Choose the kind of certificate, or leave its number and dates empty.")
            )
    elif kind in CertificateType.values:
        if not number:
            errors.setdefault("certificate_number", []).append(_("Enter the certificate number."))
        elif len(number) > 64:
            errors.setdefault("certificate_number", []).append(_("Keep the number under 65 characters."))
        if valid_from is None:
            errors.setdefault("certificate_valid_from", []).append(
                _("Enter the day the certificate is valid from.")
            )
        if valid_from and valid_to and valid_to < valid_from:
            errors.setdefault("certificate_valid_to", []).append(
                _("The certificate cannot expire before it is valid.")
            )
        if (problem := rules.certificate_problem(values.get("profession", ""), kind)) is not None:
            errors.setdefault("certificate_type", []).append(problem)
    start = values.get("start_date")
    if start is None:
        errors.setdefault("start_date", []).append(_("Enter the first working day."))
    elif start > today:
        errors.setdefault("start_date", []).append(_("The start date cannot be in the future."))
    leave = values.get("leave_date")
    reason = values.get("leave_reason") or ""
    cleaned["leave_reason"] = reason
    if leave is None and reason:
        errors.setdefault("leave_date", []).append(
            _("Enter the last working day, or leave the reason empty.")
        )
    if leave is not None:
        if not reason:
            errors.setdefault("leave_reason", []).append(_("Choose why the staff member left."))
        else:
            _choice(errors, "leave_reason", reason, LeaveReason)
        if leave > today:
            errors.setdefault("leave_date", []).append(_("The leave date cannot be in the future."))
        elif start is not None and leave < start:
            errors.setdefault("leave_date", []).append(_("The leave date cannot be before the start date."))
    user = values.get("user")
    if user is not None:
        if user.organisation_id != organisation.pk:
            errors.setdefault("user", []).append(
                _("The user account belongs to another organisation: link an account of %(org)s.")
                % {"org": organisation.name}
            )
        elif (
            leave is None
            and StaffMember.objects.filter(user=user, leave_date__isnull=True)
            .exclude(pk=staff_pk or 0)
            .exists()
        ):
            errors.setdefault("user", []).append(
                _("This user account is linked to another staff record in post.")
            )
    if errors:
        raise FieldErrors(errors)
    return cleaned


def _version(staff: StaffMember, kind: str, actor: Any, reason: str = "") -> StaffVersion:
    return StaffVersion.objects.create(
        staff=staff,
        version=staff.version,
        kind=kind,
        reason=reason,
        by=actor,
        at=clock.now(),
        **{f: getattr(staff, f) for f in (*STAFF_FIELDS, *LEAVE_FIELDS)},
    )


def _detail(staff: StaffMember) -> dict[str, Any]:
    return {
        "organisation": staff.organisation_id,
        "name": staff.name,
        "profession": staff.profession,
        "version": staff.version,
    }


def staff_register(
    *,
    actor: Any,
    organisation: Organisation,
    name: str,
    sex: str,
    profession: str,
    start_date: dt.date | None,
    education: str = "",
    title: str = Title.NONE,
    certificate_type: str = CertificateType.NONE,
    certificate_number: str = "",
    certificate_valid_from: dt.date | None = None,
    certificate_valid_to: dt.date | None = None,
    user: Any = None,
) -> StaffMember:
    """Enter a staff member in the organisation's register (version 1)."""
    _may_manage(actor, organisation)
    values = _check_staff(
        {
            "name": name,
            "sex": sex,
            "profession": profession,
            "education": education,
            "title": title,
            "certificate_type": certificate_type,
            "certificate_number": certificate_number,
            "certificate_valid_from": certificate_valid_from,
            "certificate_valid_to": certificate_valid_to,
            "start_date": start_date,
            "leave_date": None,
            "leave_reason": "",
            "user": user,
        },
        organisation,
        clock.local_today(),
        None,
    )
    with transaction.atomic(durable=True):
        try:
            with transaction.atomic():
                staff = StaffMember.objects.create(
                    organisation=organisation,
                    version=1,
                    created_at=clock.now(),
                    created_by=actor,
                    **{f: values[f] for f in (*STAFF_FIELDS, *LEAVE_FIELDS)},
                )
        except IntegrityError:  # the account was linked elsewhere at the same moment
            raise FieldErrors(
                {"user": [_("This user account is linked to another staff record in post.")]}
            ) from None
        _version(staff, VersionKind.REGISTERED, actor)
        audit.record("staff.register", actor=actor, obj=staff, detail=_detail(staff))
    return staff


def _next_version(
    *,
    actor: Any,
    staff: StaffMember,
    kind: str,
    values: dict[str, Any],
    expected_version: int | None,
    reason: str = "",
) -> StaffMember:
    with transaction.atomic(durable=True):
        current = StaffMember.objects.select_related("organisation").get(pk=staff.pk)
        if expected_version is not None and expected_version != current.version:
            raise _conflict()
        try:
            with transaction.atomic():
                claimed = StaffMember.objects.filter(pk=current.pk, version=current.version).update(
                    version=current.version + 1, **values
                )
        except IntegrityError:
            raise FieldErrors(
                {"user": [_("This user account is linked to another staff record in post.")]}
            ) from None
        if not claimed:
            raise _conflict()
        current.refresh_from_db()
        _version(current, kind, actor, reason)
        changed = sorted(k for k in values)
        audit.record(
            f"staff.{'leave' if kind == VersionKind.LEFT else 'correct'}",
            actor=actor,
            obj=current,
            detail={**_detail(current), "fields": changed, **({"reason": reason} if reason else {})},
        )
    staff.refresh_from_db()
    return current


def staff_correct(
    *, actor: Any, staff: StaffMember, reason: str, expected_version: int | None = None, **changes: Any
) -> StaffMember:
    """Correct the record: a new version with the changed fields and the reason (any field, the leave date and
    reason included). Unknown fields are refused; nothing changed writes nothing and says so."""
    _may_manage(actor, staff.organisation)
    unknown = sorted(set(changes) - set(STAFF_FIELDS) - set(LEAVE_FIELDS))
    if unknown:
        raise FieldErrors(
            {"__all__": [_("Not a field of the staff record: %(f)s.") % {"f": ", ".join(unknown)}]}
        )
    reason = (reason or "").strip()
    if not reason:
        raise FieldErrors({"reason": [_("Say why the record is corrected.")]})
    if len(reason) > REASON_MAX:
        raise FieldErrors({"reason": [_("Keep the reason under %(n)d characters.") % {"n": REASON_MAX + 1}]})
    current = {f: getattr(staff, f) for f in (*STAFF_FIELDS, *LEAVE_FIELDS)}
    merged = _check_staff({**current, **changes}, staff.organisation, clock.local_today(), staff.pk)
    values = {f: merged[f] for f in (*STAFF_FIELDS, *LEAVE_FIELDS) if merged[f] != current[f]}
    if not values:
        raise DomainError(_("Nothing changed: the record is as it was."), code="unchanged")
    return _next_version(
        actor=actor,
        staff=staff,
        kind=VersionKind.CORRECTED,
        values=values,
        expected_version=expected_version,
        reason=reason,
    )


def staff_leave(
    *,
    actor: Any,
    staff: StaffMember,
    leave_date: dt.date | None,
    leave_reason: str,
    expected_version: int | None = None,
) -> StaffMember:
    """Record that the staff member left: their last working day and why."""
    _may_manage(actor, staff.organisation)
    if staff.leave_date is not None:
        raise DomainError(
            _("%(name)s left on %(day)s: correct the record to change the leave date.")
            % {"name": staff.name, "day": staff.leave_date.isoformat()},
            code="left",
        )
    errors: dict[str, list[str]] = {}
    if leave_date is None:
        errors["leave_date"] = [_("Enter the last working day.")]
    if not leave_reason:
        errors["leave_reason"] = [_("Choose why the staff member left.")]
    if errors:
        raise FieldErrors(errors)
    current = {f: getattr(staff, f) for f in (*STAFF_FIELDS, *LEAVE_FIELDS)}
    _check_staff(
        {**current, "leave_date": leave_date, "leave_reason": leave_reason},
        staff.organisation,
        clock.local_today(),
        staff.pk,
    )
    return _next_version(
        actor=actor,
        staff=staff,
        kind=VersionKind.LEFT,
        values={"leave_date": leave_date, "leave_reason": leave_reason},
        expected_version=expected_version,
    )


# --- screening ----------------------------------------------------------------------------------------------------


def screening_record(
    *,
    actor: Any,
    staff: StaffMember,
    screened_on: dt.date | None,
    method: str,
    result: str,
    follow_up: str = "",
) -> Screening:
    """Record a drug screening of a staff member (the head of the institution or the health commission)."""
    _may(
        actor,
        staff.organisation,
        Action.STAFF_SCREENING,
        _("Only the head of the institution and the health commission record staff drug screening."),
    )
    errors: dict[str, list[str]] = {}
    today = clock.local_today()
    if screened_on is None:
        errors["screened_on"] = [_("Enter the day of the screening.")]
    elif screened_on > today:
        errors["screened_on"] = [_("The screening day cannot be in the future.")]
    elif not staff.in_post_on(screened_on):
        errors["screened_on"] = [
            _("%(name)s was not in post on %(day)s.") % {"name": staff.name, "day": screened_on.isoformat()}
        ]
    _choice(errors, "method", method, ScreeningMethod)
    _choice(errors, "result", result, ScreeningResult)
    follow_up = _text(errors, "follow_up", follow_up, REASON_MAX, _("follow-up"), required=False)
    if result in (ScreeningResult.POSITIVE, ScreeningResult.REFUSED) and not follow_up:
        errors.setdefault("follow_up", []).append(_("Say what follows from this result."))
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic(durable=True):
        screening = Screening.objects.create(
            staff=staff,
            screened_on=screened_on,
            method=method,
            result=result,
            follow_up=follow_up,
            recorded_by=actor,
            recorded_at=clock.now(),
        )
        # No result, method or name in the detail: the audit log's readers may not read screenings.
        audit.record(
            "staff.screening", actor=actor, obj=screening, detail={"organisation": staff.organisation_id}
        )
    return screening


# --- training -----------------------------------------------------------------------------------------------------


def _may_train(actor: Any) -> None:
    if not can(actor, Action.TRAINING_MANAGE) or actor.organisation is None:
        raise PermissionDenied(_("Only health and narcotics officers record training courses."))


def _dates(errors: dict[str, list[str]], first: dt.date | None, last: dt.date | None, today: dt.date) -> None:
    if first is None:
        errors.setdefault("starts_on", []).append(_("Enter the first day."))
    elif first > today:
        errors.setdefault("starts_on", []).append(_("Record a course once it has begun."))
    if last is None:
        errors.setdefault("ends_on", []).append(_("Enter the last day."))
    elif first is not None and last < first:
        errors.setdefault("ends_on", []).append(_("The last day cannot be before the first."))


def course_create(
    *,
    actor: Any,
    title: str,
    topic: str,
    starts_on: dt.date | None,
    ends_on: dt.date | None,
    hours: Decimal | str | None,
    place: str,
) -> Course:
    """Record a course held by the actor's organisation."""
    _may_train(actor)
    errors: dict[str, list[str]] = {}
    title = _text(errors, "title", title, 200, _("title"), required=True)
    place = _text(errors, "place", place, 200, _("place"), required=True)
    _choice(errors, "topic", topic, Topic)
    _dates(errors, starts_on, ends_on, clock.local_today())
    try:
        amount = Decimal(str(hours)) if hours not in (None, "") else None
    except InvalidOperation:
        amount = None
    if (
        amount is None
        or not amount.is_finite()
        or amount <= 0
        or amount > MAX_HOURS
        or amount != amount.quantize(Decimal("0.1"))
    ):
        errors["hours"] = [_("Enter the hours: more than 0, at most 999.9, one decimal place.")]
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic(durable=True):
        course = Course.objects.create(
            organiser=actor.organisation,
            title=title,
            topic=topic,
            starts_on=starts_on,
            ends_on=ends_on,
            hours=amount,
            place=place,
            created_by=actor,
            created_at=clock.now(),
        )
        audit.record(
            "training.course",
            actor=actor,
            obj=course,
            detail={"title": title, "topic": topic, "starts_on": starts_on, "hours": str(amount)},
        )
    return course


def _may_record_participants(actor: Any, course: Course) -> None:
    _may_train(actor)
    if not selectors.courses_in_scope(user=actor).filter(pk=course.pk).exists():
        raise PermissionDenied(_("This course is outside your region."))


def participants_add(*, actor: Any, course: Course, staff: Iterable[StaffMember]) -> int:
    """Name staff members as participants of the course; returns how many were added. Each must be in the actor's
    scope, in post on the course's first day and not named already."""
    _may_record_participants(actor, course)
    chosen = list(staff)
    if not chosen:
        raise FieldErrors({"staff": [_("Choose at least one staff member.")]})
    allowed = set(selectors.participant_choices(user=actor, course=course).values_list("pk", flat=True))
    refused = [s.name for s in chosen if s.pk not in allowed]
    if refused:
        raise FieldErrors(
            {
                "staff": [
                    _("Not in post on the first day, outside your scope or named already: %(names)s.")
                    % {"names": "、".join(refused)}
                ]
            }
        )
    with transaction.atomic(durable=True):
        try:
            with transaction.atomic():
                NamedParticipant.objects.bulk_create(
                    [
                        NamedParticipant(
                            course=course,
                            staff=s,
                            kind=rules.participant_kind(s.organisation.type, s.profession),
                            added_by=actor,
                            added_at=clock.now(),
                        )
                        for s in chosen
                    ]
                )
        except IntegrityError:
            raise DomainError(
                _("Someone named the same participants at the same moment: reload the page."), code="conflict"
            ) from None
        audit.record(
            "training.participants",
            actor=actor,
            obj=course,
            detail={"staff": [s.pk for s in chosen]},
        )
    return len(chosen)


def participants_count(*, actor: Any, course: Course, kind: str, count: int | None) -> CountedParticipants:
    """Record how many participants of one kind attended, not naming them (large sessions)."""
    _may_record_participants(actor, course)
    errors: dict[str, list[str]] = {}
    _choice(errors, "kind", kind, ParticipantKind)
    if count is None or count < 1 or count > MAX_COUNTED:
        errors["count"] = [_("Enter the number of participants: 1 to %(n)d.") % {"n": MAX_COUNTED}]
    if not errors:
        existing = CountedParticipants.objects.filter(course=course, kind=kind).first()
        if existing is not None:
            errors["kind"] = [
                _("%(kind)s are counted already for this course (%(n)d).")
                % {"kind": ParticipantKind(kind).label, "n": existing.count}
            ]
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic(durable=True):
        try:
            with transaction.atomic():
                counted = CountedParticipants.objects.create(
                    course=course, kind=kind, count=count, added_by=actor, added_at=clock.now()
                )
        except IntegrityError:
            raise FieldErrors({"kind": [_("Counted already for this course.")]}) from None
        audit.record("training.count", actor=actor, obj=course, detail={"kind": kind, "count": count})
    return counted


def placement_record(
    *,
    actor: Any,
    staff: StaffMember,
    host: str,
    field: str,
    starts_on: dt.date | None,
    ends_on: dt.date | None,
) -> Placement:
    """Record a further-study placement of a staff member (who keeps the register records it)."""
    _may_manage(actor, staff.organisation)
    errors: dict[str, list[str]] = {}
    host = _text(errors, "host", host, 200, _("host institution"), required=True)
    field = _text(errors, "field", field, 200, _("field of study"), required=True)
    if starts_on is None:
        errors["starts_on"] = [_("Enter the first day.")]
    elif not staff.in_post_on(starts_on):
        errors["starts_on"] = [
            _("%(name)s was not in post on %(day)s.") % {"name": staff.name, "day": starts_on.isoformat()}
        ]
    if ends_on is None:
        errors["ends_on"] = [_("Enter the last day.")]
    elif starts_on is not None and ends_on < starts_on:
        errors["ends_on"] = [_("The last day cannot be before the first.")]
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic(durable=True):
        placement = Placement.objects.create(
            staff=staff,
            host=host,
            field=field,
            starts_on=starts_on,
            ends_on=ends_on,
            recorded_by=actor,
            recorded_at=clock.now(),
        )
        audit.record(
            "training.placement",
            actor=actor,
            obj=placement,
            detail={"staff": staff.pk, "organisation": staff.organisation_id, "host": host},
        )
    return placement
