"""A second community office and a second police station (with one worker each), built here rather than in
jiedu/testing.py so that the shared permission matrix stays as it is; a clock the tests move; and dosing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from jiedu.accounts.models import Role, RoleAssignment, User
from jiedu.community import services
from jiedu.core import clock
from jiedu.mmt import services as mmt_services
from jiedu.mmt.tests.conftest import enrol, recipients, register  # noqa: F401 - shared fixtures and helpers
from jiedu.registry.models import Organisation, OrganisationType
from jiedu.testing import PASSWORD, build_clinic_stock

MAR_10 = dt.date(2026, 3, 10)


@pytest.fixture
def at(monkeypatch):
    """Move the clock to 09:00 (Shanghai) of a day; starts on 10 March 2026."""

    def move(day: dt.date, hour: int = 9) -> None:
        moment = dt.datetime.combine(day, dt.time(hour), tzinfo=clock.SHANGHAI)
        monkeypatch.setattr(clock, "now", lambda: moment)

    move(MAR_10)
    return move


def _user(username: str, org: Organisation, role: Role) -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, organisation=org, full_name=username
    )
    RoleAssignment.objects.create(user=user, role=role)
    return user


@dataclass
class Others:
    office: Organisation
    worker: User
    station: Organisation
    liaison: User


@pytest.fixture
def others(world) -> Others:
    """Another street's community office (美林街道) and another police station (晋江, the other county)."""
    office = Organisation.objects.create(
        name="美林街道社区戒毒社区康复工作站", type=OrganisationType.COMMUNITY_REHAB, region=world.county
    )
    station = Organisation.objects.create(
        name="晋江市公安局青阳派出所", type=OrganisationType.POLICE, region=world.other_county
    )
    return Others(
        office=office,
        worker=_user("community_meilin", office, Role.COMMUNITY_WORKER),
        station=station,
        liaison=_user("police_qingyang", station, Role.POLICE_LIAISON),
    )


@pytest.fixture
def stock(world):
    return build_clinic_stock(world)


def record_order(
    world, person, *, kind="detox", start_on=MAR_10, number="南公(禁)决字〔2026〕12号", actor=None
):
    return services.order_record(
        actor=actor or world.users["community"],
        person=person,
        kind=kind,
        decision_number=number,
        issued_by="南安市公安局",
        decided_on=start_on,
        start_on=start_on,
    )


def dose_on(world, person, days, at, *, nurse="nurse_a", site=None):
    """Dose ``person`` at the window on each of ``days`` (the real service, the clock moved to each day)."""
    for day in days:
        at(day)
        outcome = mmt_services.dose_administer(
            actor=world.users[nurse], person=person, site=site or world.clinic_a
        )
        assert outcome.status == "dosed", (day, outcome.message)


def days_between(first: dt.date, last: dt.date, *, skip: tuple[dt.date, ...] = ()) -> list[dt.date]:
    return [
        first + dt.timedelta(days=i)
        for i in range((last - first).days + 1)
        if first + dt.timedelta(days=i) not in skip
    ]
