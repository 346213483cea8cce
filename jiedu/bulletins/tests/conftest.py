"""A month of work in 南安市 (October 2026) for the bulletin, built through the services of each app.

The narcotics office, its officer, a voluntary rehab institution, a hospital, an inactive community office and a
doctor at clinic B are made here, not in jiedu/testing.py: the shared persona world stays as it is."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from jiedu.accounts.models import Role, RoleAssignment, User
from jiedu.core import clock
from jiedu.labs import services as labs
from jiedu.mmt import services as mmt
from jiedu.mmt.models import Episode
from jiedu.mmt.tests.conftest import enrol, recipients, register  # noqa: F401 - recipients is a fixture
from jiedu.referrals import services as referrals
from jiedu.registry.models import Organisation, OrganisationType, Region
from jiedu.reports.models import Delivery
from jiedu.reports.services import report_acknowledge
from jiedu.testing import PASSWORD, World, build_clinic_stock

OCTOBER = dt.date(2026, 10, 1)


def user(username: str, org: Organisation, role: Role) -> User:
    made = User.objects.create_user(
        username=username, password=PASSWORD, organisation=org, full_name=username
    )
    RoleAssignment.objects.create(user=made, role=role)
    return made


@dataclass
class County:
    office: Organisation
    rehab: Organisation
    hospital: Organisation
    closed_office: Organisation
    narcotics: User
    other_narcotics: User


@pytest.fixture
def county(world: World) -> County:
    """The rest of 南安市's participants (and some that are not), and narcotics officers here and in 晋江市."""
    T = OrganisationType

    def org(name: str, kind: str, region: Region, **extra: Any) -> Organisation:
        return Organisation.objects.create(name=name, type=kind, region=region, **extra)

    office = org("南安市禁毒委员会办公室", T.NARCOTICS_OFFICE, world.county)
    other_office = org("晋江市禁毒委员会办公室", T.NARCOTICS_OFFICE, world.other_county)
    made = County(
        office=office,
        rehab=org("南安市医院戒毒治疗科", T.VOLUNTARY_REHAB, world.county),
        hospital=org("南安市精神卫生中心", T.HOSPITAL, world.county),
        closed_office=org("省新镇社区戒毒社区康复工作站", T.COMMUNITY_REHAB, world.county, is_active=False),
        narcotics=user("narcotics", office, Role.NARCOTICS_OFFICER),
        other_narcotics=user("narcotics_jinjiang", other_office, Role.NARCOTICS_OFFICER),
    )
    world.users["doctor_b"] = user("doctor_b", world.clinic_b, Role.DOCTOR)
    return made


@pytest.fixture
def at(monkeypatch):
    """Move the clock to a local (Asia/Shanghai) time."""

    def move(day: dt.date, hour: int = 9) -> None:
        moment = dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=clock.SHANGHAI)
        monkeypatch.setattr(clock, "now", lambda: moment)

    return move


def dose(world: World, person: Any, nurse: str, site: Organisation) -> None:
    outcome = mmt.dose_administer(actor=world.users[nurse], person=person, site=site)
    assert outcome.status == "dosed", outcome.message


def urine(world: World, person: Any, nurse: str, **analytes: str) -> Any:
    return labs.lab_record(
        actor=world.users[nurse], person=person, kind="urine", reason="random", analytes=analytes
    )


def open_episode(person: Any) -> Episode:
    return Episode.objects.get(person=person, status="active")


@dataclass
class October:
    """The people of the month, by what happens to them (see the fixture)."""

    moved: Any  # 张三丰: in treatment at A, dosed at A and its dosing point, transferred to B on Oct 15
    dropped: Any  # 赵六: enrolled in September, dropped out on Oct 1
    back: Any  # 孙七: exited in September, referred by the community, re-enrolled at A on Oct 12
    left: Any  # 李四: enrolled Oct 5, HIV-positive (ART referral), urine positive, exited voluntarily Oct 20
    referred: Any  # 周八: referred by the community Oct 6, enrolled Oct 7, detained Oct 30
    relapsed: Any  # 王五: enrolled at B Oct 8, opiate-positive urine test Oct 9


@pytest.fixture
def october(world: World, county: County, recipients, at) -> October:  # noqa: F811
    """Reports about people of 南安市 go to the police station and the community office (``recipients``)."""
    A, B, point = world.clinic_a, world.clinic_b, world.dosing_point_a
    at(dt.date(2026, 9, 20))
    build_clinic_stock(world)
    moved = register(world, seq=37, name="张三丰")
    enrol(world, moved, start_on=dt.date(2026, 9, 20))
    dropped = register(world, seq=45, name="赵六")
    enrol(world, dropped, start_on=dt.date(2026, 9, 20))
    dose(world, dropped, "nurse_a", A)
    back = register(world, seq=47, name="孙七", actor="community")
    enrol(world, back, start_on=dt.date(2026, 9, 20))
    at(dt.date(2026, 9, 25))
    mmt.episode_exit(actor=world.doctor_a, episode=open_episode(back), reason="voluntary")
    at(dt.date(2026, 9, 28))
    referrals.referral_make(
        actor=world.users["community"], person=back, kind="community_to_mmt", to_org=A, reason="社区康复人员自愿治疗",
        basis="written_consent", consent_on=dt.date(2026, 9, 28),
    )  # fmt: skip
    at(dt.date(2026, 9, 30))
    dose(world, moved, "nurse_a", A)

    at(OCTOBER)
    assert mmt.missed_dose_scan().dropped_out == 1  # 赵六, ten days without a dose
    at(dt.date(2026, 10, 3))
    dose(world, moved, "nurse_a", A)
    at(dt.date(2026, 10, 4))
    dose(world, moved, "nurse_point_a", point)
    at(dt.date(2026, 10, 5))
    left = register(world, seq=41, name="李四")
    enrol(world, left, start_on=dt.date(2026, 10, 5))
    dose(world, left, "nurse_a", A)
    at(dt.date(2026, 10, 6))
    referred = register(world, seq=49, name="周八", actor="community")
    referrals.referral_make(
        actor=world.users["community"], person=referred, kind="community_to_mmt", to_org=A, reason="社区戒毒人员",
        basis="written_consent", consent_on=dt.date(2026, 10, 6),
    )  # fmt: skip
    at(dt.date(2026, 10, 7))
    enrol(world, referred, start_on=dt.date(2026, 10, 7))
    dose(world, referred, "nurse_a", A)
    at(dt.date(2026, 10, 8))
    relapsed = register(world, seq=43, name="王五", actor="nurse_b")
    enrol(world, relapsed, doctor="doctor_b", start_on=dt.date(2026, 10, 8))
    dose(world, relapsed, "nurse_b", B)
    at(dt.date(2026, 10, 9))
    urine(world, relapsed, "nurse_b", opiates="positive")
    urine(world, moved, "nurse_point_a", opiates="negative")
    stranger = register(world, seq=51, name="钱九", actor="nurse_elsewhere")
    urine(world, stranger, "nurse_elsewhere", opiates="negative")  # another county: not counted
    at(dt.date(2026, 10, 10))
    labs.lab_record(actor=world.doctor_a, person=left, kind="hiv", reason="entry", result="positive")
    at(dt.date(2026, 10, 11))
    referrals.referral_make(
        actor=world.doctor_a, person=moved, kind="voluntary_rehab", to_org=county.rehab, reason="住院脱毒",
        basis="written_consent", consent_on=dt.date(2026, 10, 11),
    )  # fmt: skip
    at(dt.date(2026, 10, 12))
    enrol(world, back, start_on=dt.date(2026, 10, 12))
    at(dt.date(2026, 10, 15))
    transfer = mmt.transfer_request(actor=world.doctor_a, episode=open_episode(moved), to_clinic=B)
    mmt.transfer_accept(actor=world.users["doctor_b"], transfer=transfer)
    at(dt.date(2026, 10, 16))
    dose(world, moved, "nurse_b", B)
    at(dt.date(2026, 10, 20))
    urine(world, left, "nurse_a", opiates="negative", methamphetamine="positive")
    mmt.episode_exit(actor=world.doctor_a, episode=open_episode(left), reason="voluntary")
    at(dt.date(2026, 10, 30), hour=10)
    late = {("self_termination", left.pk), ("relapse", relapsed.pk)}
    for delivery in Delivery.objects.filter(
        recipient=world.police, acknowledged_at__isnull=True
    ).select_related("report"):
        if (delivery.report.kind, delivery.report.person_id) not in late:
            report_acknowledge(actor=world.users["police"], delivery=delivery)
    mmt.episode_exit(actor=world.doctor_a, episode=open_episode(referred), reason="detained")
    at(dt.date(2026, 11, 1), hour=10)  # acknowledged after the month's end: still overdue in October
    report_acknowledge(
        actor=world.users["police"],
        delivery=Delivery.objects.get(
            recipient=world.police, report__kind="relapse", report__person=relapsed
        ),
    )
    at(dt.date(2026, 11, 2))
    return October(moved=moved, dropped=dropped, back=back, left=left, referred=referred, relapsed=relapsed)
