"""Officers who enter and approve aggregate figures, and the seeded data sets.

The shared world has one health officer, at 南安市's commission (a county). Approvers above it — a narcotics
officer of 泉州市 (the prefecture), a health officer of 福建省 — and officers elsewhere (晋江市, a county of the
same prefecture; 江西省, another province) are made here, not in jiedu/testing.py.

The clock stands at 2026-05-20 09:00 in Shanghai for every test that asks for ``people``: the periods in the
tests are the year 2025, the first quarter of 2026 and the months before it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from jiedu.accounts.models import Role, RoleAssignment, User
from jiedu.core import clock
from jiedu.datasets.models import DataElement, DataSet, ValidationRule
from jiedu.datasets.tests.data import TODAY, ensure_data_sets
from jiedu.registry.models import Organisation, OrganisationType, Region
from jiedu.registry.services import regions_load
from jiedu.testing import PASSWORD, World


@pytest.fixture
def data_sets(db) -> dict[str, DataSet]:  # noqa: ANN001
    return ensure_data_sets()


@pytest.fixture
def at(monkeypatch):
    """Move the clock to a local (Asia/Shanghai) time."""

    def move(day: dt.date, hour: int = 9, minute: int = 0) -> None:
        moment = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=clock.SHANGHAI)
        monkeypatch.setattr(clock, "now", lambda: moment)

    return move


def user(username: str, org: Organisation, role: Role) -> User:
    made = User.objects.create_user(
        username=username, password=PASSWORD, organisation=org, full_name=username
    )
    RoleAssignment.objects.create(user=made, role=role)
    return made


@dataclass
class People:
    county: User  # world.officer: health officer of 南安市 (350583)
    prefecture: User  # narcotics officer of 泉州市 (350500)
    province: User  # health officer of 福建省 (350000)
    jinjiang: User  # health officer of 晋江市 (350582), a sibling county
    jiangxi: User  # health officer of 江西省 (360000), another province
    quanzhou: Region
    jinjiang_county: Region


@pytest.fixture
def people(world: World, data_sets, at) -> People:
    at(TODAY)
    regions_load(province_codes={"36"})
    T = OrganisationType
    quanzhou = Region.objects.get(code="350500")

    def org(name: str, kind: str, region: Region) -> Organisation:
        return Organisation.objects.create(name=name, type=kind, region=region)

    return People(
        county=world.officer,
        prefecture=user("quanzhou_narcotics", org("泉州市禁毒委员会办公室", T.NARCOTICS_OFFICE, quanzhou), Role.NARCOTICS_OFFICER),
        province=user("fujian_officer", world.province_commission, Role.HEALTH_OFFICER),
        jinjiang=user("jinjiang_officer", org("晋江市卫生健康局", T.HEALTH_COMMISSION, world.other_county), Role.HEALTH_OFFICER),
        jiangxi=user(
            "jiangxi_officer",
            org("江西省卫生健康委员会", T.HEALTH_COMMISSION, Region.objects.get(code="360000")),
            Role.HEALTH_OFFICER,
        ),
        quanzhou=quanzhou,
        jinjiang_county=world.other_county,
    )  # fmt: skip


@pytest.fixture
def checks(data_sets) -> DataSet:
    """A monthly test data set with one element of each type and a rule with a constant, reported by counties
    and prefectures."""
    made = DataSet.objects.create(
        code="checks",
        name_zh="核对",
        name_en="Checks",
        period_type="monthly",
        reporting_level="county_or_prefecture",
    )
    for order, (code, name, kind, required) in enumerate(
        [
            ("beds", "Beds", "integer", True),
            ("budget", "Budget (10k yuan)", "decimal", False),
            ("coverage", "Coverage (%)", "percent", False),
            ("inspected", "Inspected", "yes_no", False),
        ],
        start=1,
    ):
        DataElement.objects.create(
            data_set=made, code=code, name_zh=f"{name}（中）", name_en=name, value_type=kind, order=order,
            required=required,
        )  # fmt: skip
    ValidationRule.objects.create(
        data_set=made, code="beds_limit", left="beds", operator="<", right_constant=Decimal("500"),
        message_zh="床位应少于500张", message_en="Beds must be fewer than 500",
    )  # fmt: skip
    return made


def officer_of(region: Region, username: str) -> User:
    """A health officer at a new health commission of ``region``."""
    office = Organisation.objects.create(
        name=f"{region.name}卫生健康局", type=OrganisationType.HEALTH_COMMISSION, region=region
    )
    return user(username, office, Role.HEALTH_OFFICER)
