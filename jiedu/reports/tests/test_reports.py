import datetime as dt

import pytest
from django.db import transaction

from jiedu.core import clock
from jiedu.core.models import CalendarDay, RegionalSetting
from jiedu.reports import selectors, services
from jiedu.reports.models import Delivery, RecipientRule, Report
from jiedu.testing import make_id_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(world):
    from jiedu.patients.services import person_register

    return person_register(
        actor=world.nurse_a,
        name="张三丰",
        sex="M",
        birth_date=dt.date(1979, 3, 8),
        id_number=make_id_number(birth=dt.date(1979, 3, 8), seq=37),
    ).person


def file(world, person, key="dropout:1", kind="dropout"):
    with transaction.atomic():
        return services.report_file(
            kind=kind, person=person, source=world.clinic_a, event_on=dt.date(2026, 11, 20), dedupe_key=key
        )


def freeze(monkeypatch, moment):
    monkeypatch.setattr(clock, "now", lambda: moment)


def test_recipients_come_from_the_most_specific_region_with_rules(world, person):
    RecipientRule.objects.create(region_id="350000", recipient=world.province_commission)
    RecipientRule.objects.create(region=world.county, recipient=world.police, kind="dropout")
    RecipientRule.objects.create(region=world.county, recipient=world.community, kind="exit")
    file(world, person)
    assert list(Delivery.objects.values_list("recipient", flat=True)) == [world.police.pk]


def test_a_report_holds_only_the_minimal_fields(world, person):
    RecipientRule.objects.create(region=world.county, recipient=world.police)
    report = file(world, person)
    assert (report.subject_name, report.subject_id_masked, report.source, report.event_on, report.kind) == (
        "张三丰",
        person.id_number_masked,
        world.clinic_a,
        dt.date(2026, 11, 20),
        "dropout",
    )
    fields = {f.name for f in Report._meta.get_fields() if f.concrete}
    assert fields == {
        "id",
        "kind",
        "person",
        "source",
        "event_on",
        "created_at",
        "subject_name",
        "subject_id_encrypted",
        "subject_id_masked",
        "summary",
        "dedupe_key",
    }
    assert report.summary == ""  # a report about a person carries no narrative, clinical or otherwise


def test_filing_is_idempotent(world, person):
    RecipientRule.objects.create(region=world.county, recipient=world.police)
    assert file(world, person) is not None
    assert file(world, person) is None
    assert (Report.objects.count(), Delivery.objects.count()) == (1, 1)


def test_deadline_is_the_next_working_day_skipping_weekends_and_holidays(world, person, monkeypatch):
    RecipientRule.objects.create(region=world.county, recipient=world.police)
    friday = dt.datetime(2026, 12, 31, 10, 0, tzinfo=clock.SHANGHAI)  # a Thursday; 1 Jan is a holiday
    CalendarDay.objects.create(day=dt.date(2027, 1, 1), kind="holiday", name="元旦")
    freeze(monkeypatch, friday)
    file(world, person)
    due = Delivery.objects.get().due_at.astimezone(clock.SHANGHAI)
    assert (due.date(), due.hour, due.minute) == (dt.date(2027, 1, 4), 23, 59)  # Monday


def test_deadline_is_configurable_per_region(world, person, monkeypatch):
    RecipientRule.objects.create(region=world.county, recipient=world.police)
    RegionalSetting.objects.create(key="reports.deadline_working_days", region=world.county, value=3)
    freeze(monkeypatch, dt.datetime(2026, 11, 23, 10, 0, tzinfo=clock.SHANGHAI))  # Monday
    file(world, person)
    assert Delivery.objects.get().due_at.astimezone(clock.SHANGHAI).date() == dt.date(2026, 11, 26)


def test_inbox_overdue_and_acknowledgement(world, person, monkeypatch):
    RecipientRule.objects.create(region=world.county, recipient=world.police)
    freeze(monkeypatch, dt.datetime(2026, 11, 23, 10, 0, tzinfo=clock.SHANGHAI))
    file(world, person)
    police = world.users["police"]
    assert selectors.inbox(user=police, overdue_only=True).count() == 0
    freeze(monkeypatch, dt.datetime(2026, 11, 25, 9, 0, tzinfo=clock.SHANGHAI))
    assert selectors.inbox(user=police, overdue_only=True).count() == 1
    assert selectors.inbox(user=world.users["community"]).count() == 0  # not addressed to them
    assert selectors.inbox(user=world.nurse_a).count() == 0
    delivery = selectors.delivery_get(user=police, pk=Delivery.objects.get().pk)
    services.report_acknowledge(actor=police, delivery=delivery)
    assert selectors.inbox(user=police, overdue_only=True).count() == 0
    with pytest.raises(services.AlreadyAcknowledged):
        services.report_acknowledge(actor=police, delivery=delivery)
