"""Education campaigns of the demo county 南安市: last year's and this year's 6·26 and 12·1 campaigns, opened by
the narcotics office, and a dozen events across the six settings held by the narcotics office, the CDC, the
community office and the police (whose events the narcotics office records), with materials and media coverage.

Everything goes through the services; each event is recorded the day after it was held (under that day's clock),
and only events held by ``today``. Idempotent: campaigns are found by kind, year and region, events by their
idempotency keys, so a second call creates nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from jiedu.accounts.models import User
from jiedu.campaigns import rules, services
from jiedu.campaigns.models import Campaign, CampaignKind, Event, Setting
from jiedu.core import clock
from jiedu.registry.models import Organisation, OrganisationType, Region

COUNTY_CODE = "350583"

#: Kind code → theme by year offset (0: this year, -1: last year).
THEMES = {
    ("626", -1): "全民禁毒 守护健康",
    ("626", 0): "防范新型毒品 护航青春成长",
    ("121", -1): "社会共治 终结艾滋 共享健康",
    ("121", 0): "应检尽检 早治早好",
}


@dataclass(frozen=True)
class Spec:
    key: str
    year: int  # offset from this year
    month: int
    day: int
    organiser: str  # narcotics, cdc, community, police
    campaign: str | None  # kind code
    setting: str
    format: str
    title: str
    place: str
    participants: int
    groups: tuple[tuple[str, int], ...] = ()
    materials: tuple[tuple[str, int, str], ...] = ()
    media: tuple[tuple[str, str, int, str], ...] = ()  # outlet, kind, days after the event, title
    partners: tuple[str, ...] = ()


# fmt: off
EVENTS: tuple[Spec, ...] = (
    Spec("626-square", -1, 6, 20, "narcotics", "626", "community", "street_stall",
         "“6·26”国际禁毒日集中宣传活动", "溪美街道成功广场", 850,
         (("residents", 600), ("students", 150)),
         (("leaflet", 3000, "禁毒知识折页"), ("poster", 60, ""), ("booklet", 500, "《远离毒品》手册")),
         (("南安电视台", "tv", 6, "我市开展“6·26”国际禁毒日集中宣传活动"), ("南安发布", "wechat", 6, "禁毒宣传进广场 共筑无毒家园")),
         ("police", "cdc", "community")),
    Spec("626-school", -1, 6, 12, "police", "626", "school", "lecture",
         "禁毒知识进校园专题讲座", "南安市第一中学报告厅", 420, (("students", 400), ("officials", 20)),
         (("booklet", 420, "青少年毒品预防教育读本"),)),
    Spec("626-family", -1, 6, 18, "community", "626", "family", "lecture",
         "禁毒家庭教育讲座", "溪美街道社区服务中心", 65, (("families", 65),),
         (("leaflet", 200, "家庭防毒指南"),)),
    Spec("121-venues", -1, 11, 28, "cdc", "121", "venue", "street_stall",
         "娱乐场所从业人员艾滋病防治宣传", "溪美街道娱乐场所集中区", 180, (("venue_staff", 180),),
         (("leaflet", 1200, "艾滋病防治知识"), ("gift", 500, "防艾宣传品")),
         (("泉州晚报", "newspaper", 3, "南安疾控走进娱乐场所开展防艾宣传"),), ("police",)),
    Spec("121-exhibition", -1, 12, 1, "cdc", "121", "community", "exhibition",
         "“12·1”世界艾滋病日主题展览", "南安市人民广场", 600, (),
         (("display_board", 24, "防艾知识展板"), ("leaflet", 2000, "")),
         (("南安疾控", "wechat", 0, "世界艾滋病日｜社会共治 终结艾滋"),), ("community",)),
    Spec("cadres", -1, 9, 15, "narcotics", None, "workplace", "lecture",
         "机关单位干部职工禁毒专题教育课", "南安市行政服务中心会议室", 150, (("officials", 150),),
         (("booklet", 150, ""),)),
    Spec("626-square", 0, 6, 25, "narcotics", "626", "community", "street_stall",
         "“6·26”国际禁毒日暨全民禁毒宣传月集中宣传活动", "溪美街道成功广场", 1200,
         (("residents", 900), ("students", 200)),
         (("leaflet", 4000, "禁毒知识折页"), ("poster", 80, ""), ("banner", 12, "")),
         (("南安电视台", "tv", 1, "我市举行“6·26”国际禁毒日集中宣传活动"), ("南安发布", "wechat", 1, "防范新型毒品 护航青春成长"),
          ("泉州网", "online", 2, "南安：禁毒宣传进广场")),
         ("police", "cdc", "community")),
    Spec("626-venue-drill", 0, 6, 10, "police", "626", "venue", "drill",
         "娱乐场所禁毒宣传及涉毒应急处置演练", "水头镇某KTV", 90, (("venue_staff", 90),),
         (("poster", 30, "场所禁毒警示海报"),)),
    Spec("626-village", 0, 6, 16, "community", "626", "village", "lecture",
         "禁毒宣传进农村", "省新镇满山红村村委会", 130, (("villagers", 130),),
         (("leaflet", 300, ""),)),
    Spec("626-online-quiz", 0, 6, 5, "cdc", "626", "school", "online",
         "青少年禁毒与防艾线上知识竞赛", "线上（南安市中小学）", 2300, (("students", 2300),), (),
         (("南安教育", "wechat", 20, "禁毒防艾知识竞赛结果揭晓"),)),
    Spec("121-workplace", 0, 11, 21, "cdc", "121", "workplace", "lecture",
         "企业职工防艾知识讲座", "水头镇石材企业职工之家", 140, (("workers", 140),),
         (("leaflet", 300, "防艾知识折页"),)),
    Spec("121-square", 0, 12, 1, "cdc", "121", "community", "street_stall",
         "“12·1”世界艾滋病日集中宣传", "南安市人民广场", 700, (),
         (("leaflet", 2500, ""),)),
    Spec("families-forum", 0, 3, 20, "community", None, "family", "other",
         "社区戒毒康复人员家属帮教座谈会", "美林街道社区戒毒社区康复工作站", 40, (("families", 40),)),
)
# fmt: on


@contextmanager
def _clock_at(moment: dt.datetime) -> Iterator[None]:
    saved = clock.now
    clock.now = lambda: moment  # type: ignore[assignment]
    try:
        yield
    finally:
        clock.now = saved  # type: ignore[assignment]


def _recorded_at(held_on: dt.date, facts: services.EventFacts, today: dt.date) -> dt.datetime:
    """The day after the event, or after its last media report; never after today."""
    last = max([held_on + dt.timedelta(days=1), *(m.published_on for m in facts.media)])
    return dt.datetime.combine(min(last, today), dt.time(10, 0), tzinfo=clock.SHANGHAI)


def _organisations(county: Region) -> dict[str, Organisation]:
    def one(kind: str, name: str | None = None) -> Organisation:
        found = Organisation.objects.filter(region=county, type=kind)
        if name:
            found = found.filter(name=name)
        return found.order_by("pk").first() or found.get()

    return {
        "narcotics": one(OrganisationType.NARCOTICS_OFFICE),
        "cdc": one(OrganisationType.CDC),
        "community": one(OrganisationType.COMMUNITY_REHAB),
        "police": one(OrganisationType.POLICE, "南安市公安局"),
    }


def seed_demo(*, today: dt.date) -> dict[str, int]:
    """The demo county's campaigns and events up to ``today``; returns what was created (campaigns, events)."""
    county = Region.objects.get(code=COUNTY_CODE)
    orgs = _organisations(county)
    users = {u.username: u for u in User.objects.filter(username__in=["narcotics1", "cdc1", "community1"])}
    recorder = {
        "narcotics": users["narcotics1"],
        "police": users["narcotics1"],  # a member unit without a recorder: the narcotics office records
        "cdc": users["cdc1"],
        "community": users["community1"],
    }
    settings = {s.code: s for s in Setting.objects.all()}
    kinds = {k.code: k for k in CampaignKind.objects.filter(code__in=["626", "121"])}
    created = {"campaigns": 0, "events": 0}
    campaigns: dict[tuple[str, int], Campaign] = {}
    for offset in (-1, 0):
        year = today.year + offset
        for code, kind in kinds.items():
            campaign = Campaign.objects.filter(kind=kind, year=year, region=county).first()
            if campaign is None:
                start, end = rules.usual_window(kind.usual_start, kind.usual_end, year)  # type: ignore[misc]
                opened_on = min(today, start - dt.timedelta(days=14))
                with _clock_at(dt.datetime.combine(opened_on, dt.time(9, 0), tzinfo=clock.SHANGHAI)):
                    campaign = services.campaign_create(
                        actor=users["narcotics1"],
                        kind=kind,
                        year=year,
                        name=f"{year}年南安市{kind.name_zh}宣传活动",
                        starts_on=start,
                        ends_on=end,
                        theme=THEMES[(code, offset)],
                    )
                created["campaigns"] += 1
            campaigns[(code, year)] = campaign
    for spec in EVENTS:
        year = today.year + spec.year
        held_on = dt.date(year, spec.month, spec.day)
        if held_on > today:
            continue
        organiser = orgs[spec.organiser]
        key = f"demo-{year}-{spec.key}"
        if Event.objects.filter(organiser=organiser, idempotency_key=key).exists():
            continue
        facts = services.EventFacts(
            title=spec.title,
            held_on=held_on,
            county=county,
            place=spec.place,
            setting=settings[spec.setting],
            format=spec.format,
            participants=spec.participants,
            campaign=campaigns[(spec.campaign, year)] if spec.campaign else None,
            groups=dict(spec.groups),
            materials=[services.Material(kind=k, quantity=q, description=d) for k, q, d in spec.materials],
            media=[
                services.Coverage(
                    outlet=outlet,
                    kind=kind,
                    published_on=min(held_on + dt.timedelta(days=after), today),
                    title=title,
                )
                for outlet, kind, after, title in spec.media
            ],
            co_organisers=[orgs[p] for p in spec.partners],
            summary="",
        )
        with _clock_at(_recorded_at(held_on, facts, today)):
            recorded = services.event_record(
                actor=recorder[spec.organiser], organiser=organiser, facts=facts, idempotency_key=key
            )
        created["events"] += int(recorded.created)
    return created
