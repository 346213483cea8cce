import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from jiedu.core import rows
from jiedu.core.models import CalendarDay, RegionalSetting
from jiedu.registry.models import Region

pytestmark = pytest.mark.django_db

D = dt.date(2026, 10, 1)


def test_insert_sets_the_key_and_reads_back_as_the_orm_wrote_it() -> None:
    day = CalendarDay(day=D, kind=CalendarDay.Kind.HOLIDAY, name="国庆节")
    pk = rows.insert(day)
    assert pk == day.pk
    assert day._state.adding is False
    stored = CalendarDay.objects.get(pk=pk)
    assert (stored.day, stored.kind, stored.name) == (D, "holiday", "国庆节")


def test_insert_unless_conflict_leaves_the_existing_row() -> None:
    first = CalendarDay(day=D, kind=CalendarDay.Kind.HOLIDAY, name="国庆节")
    rows.insert(first, unless_conflict_on=("day",))
    second = CalendarDay(day=D, kind=CalendarDay.Kind.WORKDAY, name="调休")
    assert rows.insert(second, unless_conflict_on=("day",)) is None
    assert second.pk is None
    assert list(CalendarDay.objects.values_list("day", "kind", "name")) == [(D, "holiday", "国庆节")]


def test_insert_without_conflict_target_raises_integrity_error() -> None:
    rows.insert(CalendarDay(day=D, kind=CalendarDay.Kind.HOLIDAY))
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.insert(CalendarDay(day=D, kind=CalendarDay.Kind.WORKDAY))
    assert CalendarDay.objects.count() == 1


def test_insert_refuses_a_saved_instance() -> None:
    day = CalendarDay.objects.create(day=D, kind=CalendarDay.Kind.HOLIDAY)
    with pytest.raises(ValueError, match="new rows"):
        rows.insert(day)


def test_insert_applies_auto_now_and_json_preparation() -> None:
    region = Region.objects.create(code="350000", name="福建省", level="province")
    setting = RegionalSetting(key="mmt.dropout_after_missed_days", region=region, value={"days": 10})
    rows.insert(setting)
    stored = RegionalSetting.objects.get(pk=setting.pk)
    assert stored.value == {"days": 10}
    assert stored.updated_at is not None


def test_update_and_locked_values_round_trip_through_field_converters() -> None:
    region = Region.objects.create(code="350000", name="福建省", level="province")
    setting = RegionalSetting.objects.create(key="mmt.dropout_after_missed_days", region=region, value=7)
    with transaction.atomic():
        assert rows.update(RegionalSetting, setting.pk, value={"days": 14}, basis="省卫健委通知") == 1
        assert rows.locked_values(RegionalSetting, setting.pk, "value", "basis") == {
            "value": {"days": 14},
            "basis": "省卫健委通知",
        }
    assert rows.update(RegionalSetting, setting.pk + 1000, basis="x") == 0
    assert rows.locked_values(RegionalSetting, setting.pk + 1000, "value") is None
