"""The demo county's joint inspections, made through the services with a simulated clock.

* the county commission's joint team: inspector1 (leader), police1 (police), regulator1 (drug regulator),
  cdc1 (CDC);
* a joint MMT inspection of 南安市美沙酮维持治疗门诊 on the 10th of last month, scored item by item by the team
  (93 points), with photos, and three findings from the problems of seed 000: unauthorised take-away (answered,
  verified and closed), the working group's inactive members (answered by the narcotics office, awaiting
  verification) and staff turnover for want of incentives (past its deadline and escalated);
* an unannounced 五专 inspection of 南安市水头美沙酮维持治疗门诊 planned for a week from today.

Idempotent: what exists is left as it is, so a second call creates nothing.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from PIL import Image

from jiedu.accounts.models import User
from jiedu.demo.history import simulated_clock
from jiedu.inspections import services
from jiedu.inspections.evidence import Upload
from jiedu.inspections.models import Inspection, Rectification, Team
from jiedu.inspections.selectors import numbered_items, published_versions
from jiedu.registry.models import Organisation, OrganisationType

COUNTY = "350583"
TEAM_NAME = "南安市美沙酮维持治疗联合督导组"
CLINIC = "南安市美沙酮维持治疗门诊"
OTHER_CLINIC = "南安市水头美沙酮维持治疗门诊"
#: Who scores which sections of the MMT checklist: health, the drug regulator, the police, the CDC.
SCORERS = {
    1: "inspector1",
    2: "inspector1",
    3: "police1",
    4: "regulator1",
    5: "regulator1",
    6: "police1",
    7: "cdc1",
}
FINDINGS: dict[str, dict[str, Any]] = {
    "2.3": {"score": "3", "note": "个别成员单位参与不积极，部门联动有待加强"},
    "6.2": {"instances": "1", "note": "发现1例擅自带药，未及时制止和记录"},
    "7.3": {"score": "2", "note": "激励机制不足，近一年医务人员流动2人"},
}
PHOTOS = ("1.1", "3.1", "4.1", "5.1")


def _jpeg(colour: str) -> Upload:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(out, format="JPEG", quality=80)
    data = out.getvalue()
    return Upload(file=io.BytesIO(data), name="现场照片.jpg", size=len(data))


def _full(item: Any) -> dict[str, str]:
    if item.rule == "pass_fail":
        return {"result": "pass"}
    if item.rule == "graded":
        return {"score": str(item.max_score)}
    return {"instances": "0"}


def _people() -> dict[str, User]:
    names = ("officer1", "inspector1", "police1", "regulator1", "cdc1", "director1", "narcotics1")
    return {u.username: u for u in User.objects.filter(username__in=names)}


def _organisation(name: str, kind: str) -> Organisation:
    return Organisation.objects.get(region_id=COUNTY, type=kind, name=name)


def seed_demo(*, today: dt.date) -> dict[str, int]:
    """The demo's team and inspections as of ``today``; returns the counts created."""
    people = _people()
    commission = Organisation.objects.get(region_id=COUNTY, type=OrganisationType.HEALTH_COMMISSION)
    office = Organisation.objects.get(region_id=COUNTY, type=OrganisationType.NARCOTICS_OFFICE)
    clinic = _organisation(CLINIC, OrganisationType.MMT_CLINIC)
    other = _organisation(OTHER_CLINIC, OrganisationType.MMT_CLINIC)
    counts = {"teams": 0, "inspections": 0, "findings": 0, "escalations": 0}
    inspected_on = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=10)

    with simulated_clock(inspected_on - dt.timedelta(days=7), hour=9) as sim:
        team = Team.objects.filter(lead_organisation=commission, name=TEAM_NAME).first()
        if team is None:
            team = services.team_create(
                actor=people["officer1"],
                name=TEAM_NAME,
                members=[people[n] for n in ("inspector1", "police1", "regulator1", "cdc1")],
                leader=people["inspector1"],
            )
            counts["teams"] += 1
        mmt = published_versions().get(template__code="mmt_joint")
        done = Inspection.objects.filter(
            target=clinic, version__template__code="mmt_joint", scheduled_on=inspected_on
        )
        if not done.exists():
            counts["findings"] += _completed(
                sim=sim,
                people=people,
                team=team,
                clinic=clinic,
                office=office,
                version=mmt,
                day=inspected_on,
                today=today,
            )
            counts["inspections"] += 1
        sim.at(today, 6)
        counts["escalations"] += len(services.rectifications_escalate(today=today))
        sim.at(today, 9)
        five = published_versions().get(template__code="five_special")
        next_week = today + dt.timedelta(days=7)
        if not Inspection.objects.filter(
            target=other, version__template__code="five_special", scheduled_on=next_week
        ).exists():
            services.inspection_plan(
                actor=people["officer1"],
                version=five,
                team=team,
                target=other,
                scheduled_on=next_week,
                announced=False,
                purpose="麻醉药品“五专”管理专项检查（不打招呼）",
            )
            counts["inspections"] += 1
    return counts


def _completed(
    *,
    sim: Any,
    people: dict[str, User],
    team: Team,
    clinic: Organisation,
    office: Organisation,
    version: Any,
    day: dt.date,
    today: dt.date,
) -> int:
    inspection = services.inspection_plan(
        actor=people["officer1"],
        version=version,
        team=team,
        target=clinic,
        scheduled_on=day,
        announced=True,
        purpose="2026年度美沙酮维持治疗工作联合督导（卫健、公安、市场监管、疾控）",
    )
    sim.at(day, 9)
    services.inspection_start(actor=people["inspector1"], inspection=inspection)
    numbered = numbered_items(inspection.version)
    for number, item in numbered:
        sim.advance(dt.timedelta(minutes=4))
        scorer = people[SCORERS[int(number.split(".")[0])]]
        entered = FINDINGS.get(number) or _full(item)
        services.response_record(actor=scorer, inspection=inspection, item=item, **entered)
        if number in PHOTOS:
            services.evidence_add(actor=scorer, inspection=inspection, item=item, upload=_jpeg("#7a8a99"))
    by_number = dict(numbered)
    sim.at(day, 16)
    services.inspection_submit(
        actor=people["inspector1"],
        inspection=inspection,
        terms={
            by_number["6.2"].pk: services.FindingTerms(owner=clinic, deadline=day + dt.timedelta(days=30)),
            by_number["2.3"].pk: services.FindingTerms(
                owner=office, deadline=today + dt.timedelta(days=10), evidence_required=False
            ),
            by_number["7.3"].pk: services.FindingTerms(owner=clinic, deadline=today - dt.timedelta(days=3)),
        },
    )
    findings = {r.item_id: r for r in Rectification.objects.filter(inspection=inspection)}
    take_away = findings[by_number["6.2"].pk]
    sim.at(day + dt.timedelta(days=10), 10)
    services.rectification_respond(
        actor=people["director1"],
        rectification=take_away,
        note="已对涉事服药人员进行教育并登记；完善服药后口腔检查流程，服药区增设监控。",
        uploads=[_jpeg("#8fa3b5")],
    )
    sim.at(day + dt.timedelta(days=14), 15)
    services.rectification_verify(
        actor=people["inspector1"], rectification=take_away, note="现场复核：流程已落实。"
    )
    sim.at(day + dt.timedelta(days=15), 10)
    services.rectification_close(actor=people["officer1"], rectification=take_away)
    sim.at(day + dt.timedelta(days=16), 11)
    services.rectification_respond(
        actor=people["narcotics1"],
        rectification=findings[by_number["2.3"].pk],
        note="已召开工作组联席会议，明确各成员单位职责和月度通报制度。",
    )
    return len(findings)
