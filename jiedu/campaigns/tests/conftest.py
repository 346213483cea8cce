"""People and places of the campaign tests, beyond the shared world.

The shared world has, in 南安市 (350583), a health officer ("officer"), the CDC, a community office and a police
station. Made here: 南安市's narcotics office with its officer, a health officer of 泉州市 (the prefecture), and in
晋江市 (350582, a county of the same prefecture) a health officer and a CDC worker.

The clock stands at 2026-07-15 09:00 in Shanghai for every test that asks for ``people``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from jiedu.accounts.models import Role, RoleAssignment, User
from jiedu.campaigns.tests.data import ensure_reference
from jiedu.core import clock
from jiedu.registry.models import Organisation, OrganisationType, Region
from jiedu.testing import PASSWORD, World

TODAY = dt.date(2026, 7, 15)


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
    narcotics_office: Organisation
    narcotics: User  # narcotics officer of 南安市
    prefecture: User  # health officer of 泉州市
    jinjiang: User  # health officer of 晋江市
    jinjiang_cdc_org: Organisation
    jinjiang_cdc: User


@pytest.fixture
def people(world: World, at) -> People:
    at(TODAY)
    ensure_reference()
    T = OrganisationType
    quanzhou = Region.objects.get(code="350500")

    def org(name: str, kind: str, region: Region) -> Organisation:
        return Organisation.objects.create(name=name, type=kind, region=region)

    office = org("南安市禁毒委员会办公室", T.NARCOTICS_OFFICE, world.county)
    jinjiang_cdc = org("晋江市疾病预防控制中心", T.CDC, world.other_county)
    return People(
        narcotics_office=office,
        narcotics=user("nanan_narcotics", office, Role.NARCOTICS_OFFICER),
        prefecture=user("quanzhou_officer", org("泉州市卫生健康委员会", T.HEALTH_COMMISSION, quanzhou), Role.HEALTH_OFFICER),
        jinjiang=user("jinjiang_officer", org("晋江市卫生健康局", T.HEALTH_COMMISSION, world.other_county), Role.HEALTH_OFFICER),
        jinjiang_cdc_org=jinjiang_cdc,
        jinjiang_cdc=user("jinjiang_cdc", jinjiang_cdc, Role.CDC_STAFF),
    )  # fmt: skip


@dataclass
class Scene:
    """Events of 2025 and 2026 in 南安市 and 晋江市 (see ``scene``)."""

    campaign_626: object
    campaign_121_last_year: object
    school: object  # e1
    family: object  # e2
    venue: object  # e3
    workplace: object  # e4
    last_year: object  # e5
    withdrawn: object  # e6
    elsewhere: object  # e7
    jinjiang: object  # j1


@pytest.fixture
def scene(world: World, people: People) -> Scene:
    """南安市, 2026 (the clock: 15 July): five events counted —
    e1 the CDC's school lecture on 5 June under the county's 6·26 campaign (300 participants, 500 leaflets, one
       television report), co-organised by nobody;
    e2 the community office's family lecture on 18 June under 6·26 (60), co-organised by the CDC;
    e3 the police station's venue drill on 10 March (80, 20 posters), recorded by the narcotics office;
    e4 the commission's workplace lecture on 20 January (150);
    e7 the CDC's online quiz "elsewhere" (not one of the six settings) on 2 April (40);
    and two that do not count in 2026: e5 the CDC's school event of 1 December 2025 under last year's 12·1
    campaign (500), e6 the CDC's community stall of 25 June 2026, withdrawn.
    晋江市: j1 its CDC's school lecture on 10 June 2026 (200, two media items)."""
    from jiedu.campaigns import services
    from jiedu.campaigns.tests.data import facts, kind, setting

    def campaign(code: str, year: int, start: dt.date, end: dt.date):  # noqa: ANN202
        return services.campaign_create(
            actor=world.officer,
            kind=kind(code),
            year=year,
            name=f"{year}年南安市{code}",
            starts_on=start,
            ends_on=end,
        )

    c626 = campaign("626", 2026, dt.date(2026, 6, 1), dt.date(2026, 6, 30))
    c121 = campaign("121", 2025, dt.date(2025, 11, 20), dt.date(2025, 12, 10))

    def record(actor, organiser, **kwargs):  # noqa: ANN001, ANN202, ANN003
        return services.event_record(actor=actor, organiser=organiser, facts=facts(world, **kwargs)).event

    cdc = world.users["cdc"]
    tv = services.Coverage("南安电视台", "tv", dt.date(2026, 6, 6), "禁毒讲座进校园")
    e1 = record(
        cdc,
        world.cdc,
        held_on=dt.date(2026, 6, 5),
        campaign=c626,
        participants=300,
        materials=[services.Material("leaflet", 500)],
        media=[tv],
    )
    e2 = record(
        world.users["community"],
        world.community,
        held_on=dt.date(2026, 6, 18),
        campaign=c626,
        setting=setting("family"),
        participants=60,
        co_organisers=[world.cdc],
        title="禁毒家庭教育讲座",
    )
    e3 = record(
        people.narcotics,
        world.police,
        held_on=dt.date(2026, 3, 10),
        setting=setting("venue"),
        format="drill",
        participants=80,
        materials=[services.Material("poster", 20)],
        title="娱乐场所禁毒演练",
    )
    e4 = record(
        world.officer,
        world.commission,
        held_on=dt.date(2026, 1, 20),
        setting=setting("workplace"),
        participants=150,
        title="机关干部禁毒专题教育课",
    )
    e5 = record(
        cdc, world.cdc, held_on=dt.date(2025, 12, 1), campaign=c121, participants=500, title="防艾宣传进校园"
    )
    e6 = record(
        cdc,
        world.cdc,
        held_on=dt.date(2026, 6, 25),
        setting=setting("community"),
        participants=900,
        title="重复登记的宣传活动",
    )
    services.event_withdraw(actor=cdc, event=e6, reason="重复登记")
    e7 = record(
        cdc,
        world.cdc,
        held_on=dt.date(2026, 4, 2),
        setting=setting("other"),
        format="online",
        participants=40,
        title="线上禁毒知识竞赛",
    )
    j1 = record(
        people.jinjiang_cdc,
        people.jinjiang_cdc_org,
        held_on=dt.date(2026, 6, 10),
        county=world.other_county,
        participants=200,
        title="晋江市禁毒讲座",
        media=[
            services.Coverage("晋江电视台", "tv", dt.date(2026, 6, 10), "讲座"),
            services.Coverage("晋江新闻网", "online", dt.date(2026, 6, 11), "讲座"),
        ],
    )
    return Scene(c626, c121, e1, e2, e3, e4, e5, e6, e7, j1)  # fmt: skip
