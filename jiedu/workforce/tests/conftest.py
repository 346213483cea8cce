"""The clock stands at 2026-05-20 09:00 in Shanghai for every workforce test (``today``); staff are registered
through the service with the helpers of ``data.py``."""

from __future__ import annotations

import datetime as dt

import pytest

from jiedu.accounts.models import Role
from jiedu.core import clock
from jiedu.registry.models import Organisation, OrganisationType, Region
from jiedu.workforce import services
from jiedu.workforce.tests.data import TODAY, register, user


@pytest.fixture
def at(monkeypatch):
    """Move the clock to a local (Asia/Shanghai) time."""

    def move(day: dt.date, hour: int = 9, minute: int = 0) -> None:
        moment = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=clock.SHANGHAI)
        monkeypatch.setattr(clock, "now", lambda: moment)

    return move


@pytest.fixture
def today(at) -> dt.date:
    at(TODAY)
    return TODAY


@pytest.fixture
def narcotics(world):
    """A narcotics officer of 南安市: keeps staff registers, never reads staff screening."""
    office = Organisation.objects.create(
        name="南安市禁毒委员会办公室", type=OrganisationType.NARCOTICS_OFFICE, region=world.county
    )
    return user("narcotics_a", office, Role.NARCOTICS_OFFICER)


@pytest.fixture
def training(world, today):
    """Courses of 2026 in 南安市 (two by the commission), one by the prefecture, one in 晋江市, one of 2025."""
    quanzhou = Region.objects.get(code="350500")
    city = Organisation.objects.create(
        name="泉州市卫生健康委员会", type=OrganisationType.HEALTH_COMMISSION, region=quanzhou
    )
    jinjiang = Organisation.objects.create(
        name="晋江市卫生健康局", type=OrganisationType.HEALTH_COMMISSION, region=world.other_county
    )
    from jiedu.accounts.models import Role
    from jiedu.workforce.tests.data import user

    city_officer = user("city_officer", city, Role.HEALTH_OFFICER)
    jinjiang_officer = user("jinjiang_officer", jinjiang, Role.HEALTH_OFFICER)

    def course(actor, title, topic, first, hours):
        return services.course_create(
            actor=actor, title=title, topic=topic, starts_on=first, ends_on=first, hours=hours, place="会议室"
        )

    nurse = register(world.director_a, world.clinic_a, "黄丽娟", start=dt.date(2020, 1, 1))
    doctor = register(world.director_a, world.clinic_a, "陈建华", "psychiatrist", start=dt.date(2020, 1, 1))
    testing = course(world.officer, "毒品检测", "drug_testing", dt.date(2026, 3, 10), "6")
    services.participants_add(actor=world.officer, course=testing, staff=[nurse, doctor])
    services.participants_count(actor=world.officer, course=testing, kind="police", count=30)
    services.participants_count(actor=world.officer, course=testing, kind="community_office", count=8)
    rescue = course(world.officer, "急救技能", "nursing_rescue", dt.date(2026, 4, 2), "3.5")
    services.participants_add(actor=world.officer, course=rescue, staff=[nurse])
    prefecture = course(city_officer, "全市美沙酮临床培训", "mmt_clinical", dt.date(2026, 4, 20), "8")
    services.participants_count(actor=city_officer, course=prefecture, kind="mmt_clinic", count=20)
    elsewhere = course(jinjiang_officer, "晋江市心理矫治培训", "psychological", dt.date(2026, 2, 1), "4")
    services.participants_count(actor=jinjiang_officer, course=elsewhere, kind="social_worker", count=15)
    last_year = course(world.officer, "去年的培训", "emergency", dt.date(2025, 11, 5), "2")
    services.participants_count(actor=world.officer, course=last_year, kind="police", count=50)
    services.placement_record(
        actor=world.director_a,
        staff=doctor,
        host="福建省福州神经精神病防治院",
        field="精神科",
        starts_on=dt.date(2026, 3, 1),
        ends_on=dt.date(2026, 8, 31),
    )
    return {"testing": testing, "rescue": rescue, "prefecture": prefecture, "elsewhere": elsewhere, "last_year": last_year,
            "city_officer": city_officer, "jinjiang_officer": jinjiang_officer}  # fmt: skip
