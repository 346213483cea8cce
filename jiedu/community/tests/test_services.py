"""Recording orders (computed dates, regional policy, one active order per kind, the office's scope), the report
and the end recorded once, check-ins within the order, and bad input that writes nothing."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from jiedu.community import services
from jiedu.community.models import CheckIn, CommunityOrder
from jiedu.community.tests.conftest import MAR_10, record_order, register
from jiedu.core.errors import DomainError, FieldErrors
from jiedu.core.models import AppendOnlyError, AuditEntry, RegionalSetting
from jiedu.patients.models import Affiliation
from jiedu.policy import persons_in_scope

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(world, at):
    return register(world, seq=11, name="王建国")


def counts():
    return (CommunityOrder.objects.count(), CheckIn.objects.count(), AuditEntry.objects.count())


def test_an_order_gets_its_term_and_deadline_and_puts_the_person_in_the_office_s_scope(world, person):
    community = world.users["community"]
    assert not persons_in_scope(community).filter(pk=person.pk).exists()  # registered at clinic A only
    order = services.order_record(
        actor=community, person=person, kind="detox", decision_number=" 南公(禁)决字〔2026〕12号 ",
        issued_by="南安市公安局", decided_on=dt.date(2026, 3, 6), start_on=MAR_10,
    )  # fmt: skip
    order.refresh_from_db()
    assert (order.office, order.kind, order.decision_number, order.issued_by) == (
        world.community,
        "detox",
        "南公(禁)决字〔2026〕12号",
        "南安市公安局",
    )
    assert (order.decided_on, order.start_on, order.end_on, order.report_by) == (
        dt.date(2026, 3, 6),
        MAR_10,
        dt.date(2029, 3, 10),
        dt.date(2026, 3, 25),
    )
    assert (order.reported_on, order.ended_on, order.end_reason, order.created_by) == (
        None,
        None,
        "",
        community,
    )
    assert Affiliation.objects.filter(person=person, organisation=world.community).count() == 1
    assert persons_in_scope(community).filter(pk=person.pk).exists()
    entry = AuditEntry.objects.get(action="community.order.record")
    assert (entry.object_id, entry.actor, entry.organisation_id) == (
        str(order.pk),
        community,
        world.community.pk,
    )
    assert entry.detail == {"person": person.pk, "kind": "detox", "start_on": "2026-03-10",
                            "end_on": "2029-03-10", "report_by": "2026-03-25"}  # fmt: skip


def test_a_province_s_term_and_deadline_are_used(world, person):
    RegionalSetting.objects.create(key="community.term_years", region_id="350000", value=2)
    RegionalSetting.objects.create(key="community.report_within_days", region_id="350583", value=10)
    order = record_order(world, person)
    assert (order.end_on, order.report_by) == (dt.date(2028, 3, 10), dt.date(2026, 3, 20))


def test_one_active_order_per_person_and_kind(world, person):
    first = record_order(world, person)
    before = counts()
    with pytest.raises(FieldErrors) as exc:
        record_order(world, person, number="南公(禁)决字〔2026〕99号")
    assert exc.value.fields == {
        "kind": [
            "王建国 already has an active Community detox order (南公(禁)决字〔2026〕12号, "
            "溪美街道社区戒毒社区康复工作站); end it before recording another."
        ]
    }
    assert counts() == before
    # A rehab order beside it is another kind; after the detox order ends a new detox order may be recorded.
    record_order(world, person, kind="rehab", number="南公(禁)决字〔2026〕13号")
    services.order_end(actor=world.users["community"], order=first, ended_on=MAR_10, reason="moved_away")
    again = record_order(world, person, number="南公(禁)决字〔2026〕12号")  # the same decision, once ended
    assert again.pk != first.pk


def test_bad_input_names_each_field_and_writes_nothing(world, person, at):
    before = counts()
    with pytest.raises(FieldErrors) as exc:
        services.order_record(
            actor=world.users["community"], person=person, kind="isolation", decision_number="  ",
            issued_by="x" * 101, decided_on=dt.date(2026, 3, 11), start_on=None,
        )  # fmt: skip
    assert exc.value.fields == {
        "kind": ["Choose community detox or community rehab."],
        "decision_number": ["This field is required."],
        "issued_by": ["At most 100 characters."],
        "decided_on": ["The date cannot be in the future."],
        "start_on": ["The date is required."],
    }
    with pytest.raises(FieldErrors) as exc:
        services.order_record(
            actor=world.users["community"], person=person, kind="rehab", decision_number="12号",
            issued_by="南安市公安局", decided_on=MAR_10, start_on=dt.date(2026, 3, 9),
        )  # fmt: skip
    assert exc.value.fields == {"start_on": ["The order cannot start before it was decided."]}
    assert counts() == before
    assert not Affiliation.objects.filter(person=person, organisation=world.community).exists()


def test_only_a_community_worker_records_orders(world, person):
    for username in ("doctor_a", "police"):
        with pytest.raises(DomainError) as exc:
            record_order(world, person, actor=world.users[username])
        assert exc.value.code == "not_a_community_office"
    assert CommunityOrder.objects.count() == 0


def test_the_report_is_recorded_once(world, person, at):
    order = record_order(world, person)
    community = world.users["community"]
    at(dt.date(2026, 3, 27))
    with pytest.raises(FieldErrors) as exc:
        services.order_report(actor=community, order=order, reported_on=dt.date(2026, 3, 28))
    assert exc.value.fields == {"reported_on": ["The date cannot be in the future."]}
    with pytest.raises(FieldErrors) as exc:
        services.order_report(actor=community, order=order, reported_on=dt.date(2026, 3, 9))
    assert exc.value.fields == {"reported_on": ["The person cannot report before the decision."]}
    order = services.order_report(actor=community, order=order, reported_on=dt.date(2026, 3, 26))
    assert (order.reported_on, order.report_recorded_by) == (dt.date(2026, 3, 26), community)
    with pytest.raises(FieldErrors) as exc:
        services.order_report(actor=community, order=order, reported_on=dt.date(2026, 3, 20))
    assert exc.value.fields == {"reported_on": ["The report was already recorded: 2026-03-26."]}
    order.refresh_from_db()
    assert order.reported_on == dt.date(2026, 3, 26)
    assert list(
        AuditEntry.objects.filter(action="community.order.reported").values_list("detail", flat=True)
    ) == [{"reported_on": "2026-03-26", "report_by": "2026-03-25"}]


def test_another_office_changes_nothing(world, person, others, at):
    order = record_order(world, person)
    before = counts()
    for call in (
        lambda: services.order_report(actor=others.worker, order=order, reported_on=MAR_10),
        lambda: services.order_end(actor=others.worker, order=order, ended_on=MAR_10, reason="died"),
        lambda: services.checkin_record(actor=others.worker, order=order, on=MAR_10, how="phone"),
    ):
        with pytest.raises(DomainError) as exc:
            call()
        assert exc.value.code == "forbidden"
    assert counts() == before


def test_the_end_is_recorded_once_and_completion_waits_for_the_term(world, person, at):
    order = record_order(world, person)
    community = world.users["community"]
    at(dt.date(2029, 3, 12))
    with pytest.raises(FieldErrors) as exc:
        services.order_end(actor=community, order=order, ended_on=dt.date(2029, 3, 9), reason="completed")
    assert exc.value.fields == {
        "ended_on": ["The term runs until 2029-03-10; it cannot be completed before."]
    }
    with pytest.raises(FieldErrors) as exc:
        services.order_end(
            actor=community, order=order, ended_on=dt.date(2026, 3, 9), reason="other", note=" "
        )
    assert exc.value.fields == {
        "ended_on": ["The order cannot end before it started."],
        "note": ["This field is required."],
    }
    with pytest.raises(FieldErrors) as exc:
        services.order_end(actor=community, order=order, ended_on=None, reason="finished")
    assert exc.value.fields == {
        "reason": ["Choose why the order ended."],
        "ended_on": ["The date is required."],
    }
    order = services.order_end(
        actor=community, order=order, ended_on=dt.date(2029, 3, 10), reason="completed", note="期满解除"
    )
    assert (order.ended_on, order.end_reason, order.end_note, order.ended_by) == (
        dt.date(2029, 3, 10),
        "completed",
        "期满解除",
        community,
    )
    with pytest.raises(FieldErrors) as exc:
        services.order_end(actor=community, order=order, ended_on=dt.date(2029, 3, 11), reason="died")
    assert exc.value.fields == {"ended_on": ["The order already ended on 2029-03-10."]}
    # An ended order takes no report of the person any more.
    with pytest.raises(FieldErrors) as exc:
        services.order_report(actor=community, order=order, reported_on=dt.date(2026, 3, 20))
    assert exc.value.fields == {"reported_on": ["The order has ended."]}
    assert AuditEntry.objects.filter(action="community.order.end").count() == 1


def test_a_breach_ends_the_order_early(world, person, at):
    order = record_order(world, person)
    at(dt.date(2026, 6, 2))
    order = services.order_end(
        actor=world.users["community"], order=order, ended_on=dt.date(2026, 6, 1), reason="breach",
        note="拒绝接受社区戒毒，已移送强制隔离戒毒",
    )  # fmt: skip
    assert (order.ended_on, order.get_end_reason_display()) == (
        dt.date(2026, 6, 1),
        "Breach: referred for compulsory isolation",
    )


def test_check_ins_fall_within_the_order_and_are_never_edited(world, person, at):
    order = record_order(world, person)
    community = world.users["community"]
    at(dt.date(2026, 4, 2))
    before = counts()
    with pytest.raises(FieldErrors) as exc:
        services.checkin_record(actor=community, order=order, on=dt.date(2026, 3, 9), how="visit")
    assert exc.value.fields == {
        "how": ["Choose how the person was met."],
        "on": ["The order starts on 2026-03-10."],
    }
    with pytest.raises(FieldErrors) as exc:
        services.checkin_record(actor=community, order=order, on=dt.date(2026, 4, 3), how="other")
    assert exc.value.fields == {
        "on": ["The date cannot be in the future."],
        "note": ["This field is required."],
    }
    assert counts() == before
    checkin = services.checkin_record(actor=community, order=order, on=dt.date(2026, 4, 1), how="home_visit",
                                      note=" 家访，本人在家 ")  # fmt: skip
    assert (checkin.on, checkin.how, checkin.note, checkin.by) == (
        dt.date(2026, 4, 1),
        "home_visit",
        "家访，本人在家",
        community,
    )
    assert AuditEntry.objects.get(action="community.checkin.record").detail == {
        "order": order.pk,
        "on": "2026-04-01",
        "how": "home_visit",
    }
    with pytest.raises(AppendOnlyError):
        checkin.save()
    with pytest.raises(AppendOnlyError):
        CheckIn.objects.filter(pk=checkin.pk).update(note="")
    # After the end, only days up to the end.
    services.order_end(actor=community, order=order, ended_on=dt.date(2026, 4, 1), reason="moved_away")
    order.refresh_from_db()
    with pytest.raises(FieldErrors) as exc:
        services.checkin_record(actor=community, order=order, on=dt.date(2026, 4, 2), how="phone")
    assert exc.value.fields == {"on": ["The order ended on 2026-04-01."]}
    services.checkin_record(actor=community, order=order, on=dt.date(2026, 3, 31), how="phone")  # back-filled
    assert CheckIn.objects.count() == 2


@pytest.mark.parametrize(
    ("changes", "constraint"),
    [
        ({"end_on": MAR_10}, "community_order_ends_after_start"),
        ({"decided_on": dt.date(2026, 3, 11)}, "community_order_starts_after_decision"),
        ({"report_by": dt.date(2026, 3, 9)}, "community_order_report_by_after_start"),
        ({"reported_on": dt.date(2026, 3, 1)}, "community_order_reported_after_decision"),
        ({"ended_on": dt.date(2026, 4, 1)}, "community_order_end_with_reason"),
        ({"end_reason": "died"}, "community_order_end_with_reason"),
        ({"ended_on": dt.date(2026, 3, 9), "end_reason": "died"}, "community_order_end_with_reason"),
        ({"kind": "isolation"}, "community_order_kind_valid"),
        ({"decision_number": ""}, "community_order_decision_named"),
    ],
)
def test_the_database_holds_the_rules_for_every_writer(world, person, changes, constraint):
    order = record_order(world, person)
    with pytest.raises(IntegrityError) as exc, transaction.atomic():
        CommunityOrder.objects.filter(pk=order.pk).update(**changes)
    assert constraint in str(exc.value)


def test_the_database_allows_one_active_order_per_person_and_kind(world, person):
    order = record_order(world, person)
    duplicate = CommunityOrder(
        person=person, office=order.office, kind="detox", decision_number="另一号", issued_by="南安市公安局",
        decided_on=MAR_10, start_on=MAR_10, end_on=dt.date(2029, 3, 10), report_by=dt.date(2026, 3, 25),
        created_by=world.users["community"],
    )  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()
