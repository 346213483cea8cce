"""Keeping the staff register (versions, leaving, who may), staff screening, courses, participants and placements;
nothing written on a refusal, an audit entry with every change."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from jiedu.core.errors import DomainError, FieldErrors, PermissionDenied
from jiedu.core.models import AppendOnlyError, AuditEntry
from jiedu.registry.models import Organisation, OrganisationType
from jiedu.workforce import services
from jiedu.workforce.models import (
    CountedParticipants,
    Course,
    NamedParticipant,
    Placement,
    Screening,
    StaffMember,
    StaffVersion,
)
from jiedu.workforce.tests.data import leave, register

pytestmark = pytest.mark.django_db
D = dt.date


def written():
    return (
        StaffMember.objects.count(),
        StaffVersion.objects.count(),
        Screening.objects.count(),
        Course.objects.count(),
        NamedParticipant.objects.count(),
        CountedParticipants.objects.count(),
        Placement.objects.count(),
        AuditEntry.objects.count(),
    )


def refused(call, exc_type=DomainError):
    before = written()
    with pytest.raises(exc_type) as caught:
        call()
    assert written() == before
    return caught.value


# --- the register --------------------------------------------------------------------------------------------------


def test_registering_writes_version_one_and_an_audit_entry(world, today):
    staff = register(
        world.director_a,
        world.clinic_a,
        "陈美玲",
        "nurse",
        D(2023, 3, 1),
        education="college",
        title="junior",
        user=world.nurse_a,
    )
    assert (staff.organisation, staff.name, staff.profession, staff.version, staff.user) == (
        world.clinic_a,
        "陈美玲",
        "nurse",
        1,
        world.nurse_a,
    )
    assert (staff.certificate_type, staff.certificate_valid_from, staff.certificate_valid_to) == (
        "nurse",
        D(2020, 1, 1),
        None,
    )
    version = StaffVersion.objects.get(staff=staff)
    assert (version.version, version.kind, version.name, version.by, version.start_date) == (
        1,
        "registered",
        "陈美玲",
        world.director_a,
        D(2023, 3, 1),
    )
    entry = AuditEntry.objects.get(action="staff.register")
    assert (entry.actor, entry.object_id, entry.organisation_id) == (
        world.director_a,
        str(staff.pk),
        world.clinic_a.pk,
    )
    assert entry.detail == {
        "organisation": world.clinic_a.pk,
        "name": "陈美玲",
        "profession": "nurse",
        "version": 1,
    }


def test_the_head_keeps_the_register_of_the_clinic_and_its_dosing_points_only(world, today):
    register(world.director_a, world.dosing_point_a, "李淑芬")
    error = refused(lambda: register(world.director_a, world.clinic_b, "王芳"), PermissionDenied)
    assert error.message == (
        "Only the head of 南安市第二美沙酮门诊 or a health or narcotics officer of its region keeps its staff register."
    )
    refused(lambda: register(world.nurse_a, world.clinic_a, "王芳"), PermissionDenied)
    refused(lambda: register(world.officer, world.clinic_elsewhere, "王芳"), PermissionDenied)
    register(world.officer, world.clinic_b, "王芳")
    error = refused(
        lambda: register(world.officer, world.police, "林警官", "police_officer"), PermissionDenied
    )
    assert error.message == "Only medical units keep a staff register."


def test_registration_errors_name_each_field_and_write_nothing(world, today):
    error = refused(
        lambda: services.staff_register(
            actor=world.director_a,
            organisation=world.clinic_a,
            name=" ",
            sex="X",
            profession="nurse",
            start_date=D(2026, 5, 21),
            certificate_type="physician",
            certificate_number="",
            certificate_valid_from=D(2026, 1, 1),
            certificate_valid_to=D(2025, 12, 31),
            user=world.nurse_b,
        ),
        FieldErrors,
    )
    assert error.fields == {
        "name": ["Enter the name."],
        "sex": ["Choose one of the listed values."],
        "certificate_number": ["Enter the certificate number."],
        "certificate_valid_to": ["The certificate cannot expire before it is valid."],
        "certificate_type": ["Nurse: the practising certificate is the nurse practising certificate."],
        "start_date": ["The start date cannot be in the future."],
        "user": [
            "The user account belongs to another organisation: link an account of 南安市美沙酮维持治疗门诊."
        ],
    }
    error = refused(
        lambda: register(world.director_a, world.clinic_a, "张三", "administrator", certificate_number="X1"),
        FieldErrors,
    )
    assert error.fields == {
        "certificate_type": ["Choose the kind of certificate, or leave its number and dates empty."]
    }


def test_a_user_account_belongs_to_one_staff_record_in_post(world, today):
    first = register(world.director_a, world.clinic_a, "陈美玲", user=world.nurse_a)
    error = refused(
        lambda: register(world.director_a, world.clinic_a, "陈美玲", user=world.nurse_a), FieldErrors
    )
    assert error.fields == {"user": ["This user account is linked to another staff record in post."]}
    leave(world.director_a, first, D(2026, 4, 30))
    assert (
        register(world.director_a, world.clinic_a, "陈美玲", start=D(2026, 5, 4), user=world.nurse_a).version
        == 1
    )


def test_a_correction_is_a_new_version_with_its_reason_and_the_history_stays(world, today):
    staff = register(world.director_a, world.clinic_a, "陈美林", "nurse")
    corrected = services.staff_correct(
        actor=world.officer,
        staff=staff,
        reason="姓名录入错误",
        expected_version=1,
        name="陈美玲",
        title="intermediate",
    )
    assert (corrected.version, corrected.name, corrected.title) == (2, "陈美玲", "intermediate")
    assert staff.version == 2  # the caller's object is refreshed
    history = list(
        StaffVersion.objects.filter(staff=staff)
        .order_by("version")
        .values_list("version", "kind", "name", "title", "reason", "by__username")
    )
    assert history == [
        (1, "registered", "陈美林", "none", "", "director_a"),
        (2, "corrected", "陈美玲", "intermediate", "姓名录入错误", "officer"),
    ]
    entry = AuditEntry.objects.get(action="staff.correct")
    assert entry.detail == {
        "organisation": world.clinic_a.pk,
        "name": "陈美玲",
        "profession": "nurse",
        "version": 2,
        "fields": ["name", "title"],
        "reason": "姓名录入错误",
    }
    with pytest.raises(AppendOnlyError):
        StaffVersion.objects.filter(staff=staff).update(name="x")


def test_a_correction_needs_a_reason_a_change_and_the_current_version(world, today):
    staff = register(world.director_a, world.clinic_a, "陈美林")
    error = refused(
        lambda: services.staff_correct(actor=world.director_a, staff=staff, reason=" ", name="陈美玲"),
        FieldErrors,
    )
    assert error.fields == {"reason": ["Say why the record is corrected."]}
    error = refused(
        lambda: services.staff_correct(actor=world.director_a, staff=staff, reason="核对", name="陈美林")
    )
    assert error.message == "Nothing changed: the record is as it was."
    services.staff_correct(
        actor=world.director_a, staff=staff, reason="更正", name="陈美玲", expected_version=1
    )
    stale = StaffMember.objects.get(pk=staff.pk)
    error = refused(
        lambda: services.staff_correct(
            actor=world.officer, staff=stale, reason="更正", name="陈美", expected_version=1
        )
    )
    assert error.code == "conflict"
    error = refused(
        lambda: services.staff_correct(actor=world.director_a, staff=staff, reason="x", salary=1), FieldErrors
    )
    assert error.fields == {"__all__": ["Not a field of the staff record: salary."]}


def test_leaving_is_an_event_and_a_leave_date_is_corrected_not_recorded_twice(world, today):
    staff = register(world.director_a, world.clinic_a, "陈美玲", start=D(2024, 3, 1))
    error = refused(
        lambda: services.staff_leave(
            actor=world.director_a, staff=staff, leave_date=D(2024, 2, 29), leave_reason="resigned"
        ),
        FieldErrors,
    )
    assert error.fields == {"leave_date": ["The leave date cannot be before the start date."]}
    error = refused(
        lambda: services.staff_leave(actor=world.director_a, staff=staff, leave_date=None, leave_reason=""),
        FieldErrors,
    )
    assert error.fields == {
        "leave_date": ["Enter the last working day."],
        "leave_reason": ["Choose why the staff member left."],
    }
    left = leave(world.director_a, staff, D(2026, 3, 31), "transferred")
    assert (left.version, left.leave_date, left.leave_reason) == (2, D(2026, 3, 31), "transferred")
    assert StaffVersion.objects.get(staff=staff, version=2).kind == "left"
    assert AuditEntry.objects.get(action="staff.leave").detail["fields"] == ["leave_date", "leave_reason"]
    error = refused(lambda: leave(world.director_a, staff, D(2026, 4, 30)))
    assert error.message == "陈美玲 left on 2026-03-31: correct the record to change the leave date."
    services.staff_correct(
        actor=world.director_a,
        staff=staff,
        reason="实际4月离岗",
        leave_date=D(2026, 4, 15),
        leave_reason="transferred",
    )
    assert StaffMember.objects.get(pk=staff.pk).leave_date == D(2026, 4, 15)


# --- screening -----------------------------------------------------------------------------------------------------


def test_screening_is_recorded_by_the_head_or_the_commission_and_audited_without_its_result(
    world, today, narcotics
):
    staff = register(world.director_a, world.clinic_a, "陈美玲")
    done = services.screening_record(
        actor=world.director_a, staff=staff, screened_on=D(2026, 5, 6), method="urine", result="negative"
    )
    assert (done.staff, done.result, done.recorded_by) == (staff, "negative", world.director_a)
    services.screening_record(
        actor=world.officer,
        staff=staff,
        screened_on=D(2026, 5, 19),
        method="hair",
        result="positive",
        follow_up="暂停岗位，报公安机关复核",
    )
    entries = list(AuditEntry.objects.filter(action="staff.screening").values_list("detail", flat=True))
    assert entries == [{"organisation": world.clinic_a.pk}, {"organisation": world.clinic_a.pk}]
    for who in (narcotics, world.nurse_a, world.auditor, world.users["police"], world.inspector):
        refused(
            lambda who=who: services.screening_record(
                actor=who, staff=staff, screened_on=D(2026, 5, 6), method="urine", result="negative"
            ),
            PermissionDenied,
        )


def test_screening_errors(world, today):
    staff = register(world.director_a, world.clinic_a, "陈美玲", start=D(2026, 1, 5))
    error = refused(
        lambda: services.screening_record(
            actor=world.director_a, staff=staff, screened_on=D(2026, 1, 4), method="sweat", result="refused"
        ),
        FieldErrors,
    )
    assert error.fields == {
        "screened_on": ["陈美玲 was not in post on 2026-01-04."],
        "method": ["Choose one of the listed values."],
        "follow_up": ["Say what follows from this result."],
    }
    error = refused(
        lambda: services.screening_record(
            actor=world.director_a, staff=staff, screened_on=D(2026, 5, 21), method="urine", result="negative"
        ),
        FieldErrors,
    )
    assert error.fields == {"screened_on": ["The screening day cannot be in the future."]}


# --- training ------------------------------------------------------------------------------------------------------


def course(actor, **kwargs):
    values = {
        "title": "毒品检测技术培训班",
        "topic": "drug_testing",
        "starts_on": D(2026, 3, 10),
        "ends_on": D(2026, 3, 11),
        "hours": "12",
        "place": "南安市卫生健康局三楼会议室",
        **kwargs,
    }
    return services.course_create(actor=actor, **values)


def test_a_course_is_recorded_by_an_officer_for_their_organisation(world, today):
    made = course(world.officer)
    assert (made.organiser, made.hours, made.created_by) == (world.commission, Decimal("12.0"), world.officer)
    assert AuditEntry.objects.get(action="training.course").detail == {
        "title": "毒品检测技术培训班",
        "topic": "drug_testing",
        "starts_on": "2026-03-10",
        "hours": "12",
    }
    error = refused(lambda: course(world.director_a), PermissionDenied)
    assert error.message == "Only health and narcotics officers record training courses."
    error = refused(
        lambda: course(
            world.officer, title="", topic="x", starts_on=D(2026, 5, 21), ends_on=D(2026, 5, 20), hours="0.25"
        ),
        FieldErrors,
    )
    assert error.fields == {
        "title": ["Enter the title."],
        "topic": ["Choose one of the listed values."],
        "starts_on": ["Record a course once it has begun."],
        "ends_on": ["The last day cannot be before the first."],
        "hours": ["Enter the hours: more than 0, at most 999.9, one decimal place."],
    }


def test_participants_are_named_from_staff_in_scope_or_counted_by_kind(world, today):
    made = course(world.officer)
    nurse = register(world.director_a, world.clinic_a, "陈美玲", start=D(2025, 1, 1))
    social = register(world.officer, world.clinic_b, "黄晓燕", "social_worker")
    late = register(world.director_a, world.clinic_a, "林新", start=D(2026, 4, 1))
    assert services.participants_add(actor=world.officer, course=made, staff=[nurse, social]) == 2
    assert sorted(made.named_participants.values_list("staff__name", "kind")) == [
        ("陈美玲", "mmt_clinic"),
        ("黄晓燕", "social_worker"),
    ]
    error = refused(
        lambda: services.participants_add(actor=world.officer, course=made, staff=[nurse, late]), FieldErrors
    )
    assert error.fields == {
        "staff": ["Not in post on the first day, outside your scope or named already: 陈美玲、林新."]
    }
    counted = services.participants_count(actor=world.officer, course=made, kind="police", count=45)
    assert (counted.kind, counted.count) == ("police", 45)
    error = refused(
        lambda: services.participants_count(actor=world.officer, course=made, kind="police", count=3),
        FieldErrors,
    )
    assert error.fields == {"kind": ["Police are counted already for this course (45)."]}
    error = refused(
        lambda: services.participants_count(actor=world.officer, course=made, kind="cdc", count=0),
        FieldErrors,
    )
    assert error.fields == {"count": ["Enter the number of participants: 1 to 100000."]}
    assert list(
        AuditEntry.objects.filter(action__startswith="training.")
        .values_list("action", flat=True)
        .order_by("seq")
    ) == [
        "training.course",
        "training.participants",
        "training.count",
    ]


def test_a_placement_is_recorded_by_who_keeps_the_register(world, today):
    staff = register(world.director_a, world.clinic_a, "陈建华", "psychiatrist")
    placed = services.placement_record(
        actor=world.director_a,
        staff=staff,
        host="福建省福州神经精神病防治院",
        field="物质依赖诊疗",
        starts_on=D(2026, 3, 1),
        ends_on=D(2026, 8, 31),
    )
    assert (placed.host, placed.starts_on, placed.recorded_by) == (
        "福建省福州神经精神病防治院",
        D(2026, 3, 1),
        world.director_a,
    )
    assert AuditEntry.objects.get(action="training.placement").detail == {
        "staff": staff.pk,
        "organisation": world.clinic_a.pk,
        "host": "福建省福州神经精神病防治院",
    }
    error = refused(
        lambda: services.placement_record(
            actor=world.director_a,
            staff=staff,
            host="",
            field="x",
            starts_on=D(2026, 3, 1),
            ends_on=D(2026, 2, 1),
        ),
        FieldErrors,
    )
    assert error.fields == {
        "host": ["Enter the host institution."],
        "ends_on": ["The last day cannot be before the first."],
    }
    refused(
        lambda: services.placement_record(
            actor=world.nurse_a,
            staff=staff,
            host="x",
            field="x",
            starts_on=D(2026, 3, 1),
            ends_on=D(2026, 3, 2),
        ),
        PermissionDenied,
    )


def test_the_narcotics_office_keeps_registers_but_reads_no_screening(world, today, narcotics):
    staff = register(narcotics, world.clinic_b, "王芳")
    assert staff.created_by == narcotics
    assert Organisation.objects.get(pk=narcotics.organisation_id).type == OrganisationType.NARCOTICS_OFFICE
