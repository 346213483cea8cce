"""Last year's annual evaluation of the demo county, made through the services with a simulated clock.

* the year-end assessment round of last year: the county commission's assessment team inspects the three MMT
  clinics in early December with the joint MMT checklist, and the findings are answered and closed — on time,
  except one of 洪濑 answered in January (so rectification on time is 100 %, 100 % and 50 %);
* on ``today`` the county commission (officer1) computes and publishes the evaluation of its three clinics, and the
  prefecture's commission (city1) computes and publishes the evaluation of its counties' working groups.

Capability assessments began this year, so last year's capability criterion is exempt. Without last year's
doses rolled up (a demo seeded without history) no evaluation is computed. Idempotent: inspections are
found by target, checklist and day, evaluations by scheme, area and year.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from jiedu.accounts.models import User
from jiedu.demo.history import simulated_clock
from jiedu.evaluation import services
from jiedu.evaluation.models import Evaluation, EvaluationStatus, Scheme
from jiedu.indicators.selectors import as_of
from jiedu.inspections import services as inspections
from jiedu.inspections.demo import PHOTOS, _full, _jpeg
from jiedu.inspections.models import Inspection, Rectification, Team
from jiedu.inspections.selectors import numbered_items, published_versions
from jiedu.registry.models import Organisation, OrganisationType

COUNTY = "350583"
TEAM_NAME = "南安市美沙酮维持治疗年度考核组"
#: Clinic → (day of December, findings: item → what was entered, who answers, answered on (month, day)).
ROUND: dict[str, tuple[int, dict[str, dict[str, str]], str, dict[str, tuple[int, int]]]] = {
    "南安市美沙酮维持治疗门诊": (
        2,
        {"7.3": {"score": "3", "note": "绩效激励方案未落实到个人"}},
        "director1",
        {"7.3": (12, 10)},
    ),
    "南安市水头美沙酮维持治疗门诊": (
        3,
        {
            "2.3": {"score": "3", "note": "与派出所的月度信息通报未形成制度"},
            "7.3": {"score": "2", "note": "护理岗位空缺1人，未及时补充"},
        },
        "director2",
        {"2.3": (12, 15), "7.3": (12, 16)},
    ),
    "南安市洪濑美沙酮维持治疗门诊": (
        4,
        {
            "6.2": {"instances": "1", "note": "发现1例服药后未在观察区停留即离开"},
            "7.3": {"score": "2", "note": "医务人员培训记录不全"},
        },
        "director3",
        {"6.2": (12, 18), "7.3": (1, 8)},  # the second answered after its deadline
    ),
}
DEADLINE_DAY = 20  # of December
ANSWERS = {
    "7.3": "已制定并落实个人绩效考核与激励办法，已公示。",
    "2.3": "已与辖区派出所建立每月信息通报制度，已开展两次。",
    "6.2": "服药后留观流程已张贴并由专人监督，已对相关人员进行教育。",
}
SCORERS = {
    1: "inspector1",
    2: "inspector1",
    3: "police1",
    4: "regulator1",
    5: "regulator1",
    6: "police1",
    7: "cdc1",
}


def _people() -> dict[str, User]:
    names = (
        "officer1",
        "inspector1",
        "police1",
        "regulator1",
        "cdc1",
        "city1",
        "director1",
        "director2",
        "director3",
    )
    return {u.username: u for u in User.objects.filter(username__in=names)}


def seed_demo(*, today: dt.date) -> dict[str, int]:
    """Last year's assessment round and evaluations as of ``today``; returns the counts created."""
    year = today.year - 1
    people = _people()
    counts = {"inspections": 0, "findings": 0, "evaluations": 0}
    clinics = {
        o.name: o
        for o in Organisation.objects.filter(
            region_id=COUNTY, type=OrganisationType.MMT_CLINIC, name__in=ROUND
        )
    }
    mmt = published_versions().get(template__code="mmt_joint")
    with simulated_clock(dt.date(year, 11, 25), hour=9) as sim:
        team = Team.objects.filter(name=TEAM_NAME).first()
        if team is None:
            team = inspections.team_create(
                actor=people["officer1"],
                name=TEAM_NAME,
                members=[people[n] for n in ("inspector1", "police1", "regulator1", "cdc1")],
                leader=people["inspector1"],
            )
        planned = []
        for name, (day, findings, answerer, answered) in ROUND.items():
            on = dt.date(year, 12, day)
            if Inspection.objects.filter(target=clinics[name], version=mmt, scheduled_on=on).exists():
                continue
            inspection = inspections.inspection_plan(
                actor=people["officer1"],
                version=mmt,
                team=team,
                target=clinics[name],
                scheduled_on=on,
                announced=True,
                purpose=f"{year}年度美沙酮维持治疗门诊年终考核（卫健、公安、市场监管、疾控）",
            )
            planned.append((inspection, findings, people[answerer], answered))
            counts["inspections"] += 1
        answers = []
        for inspection, findings, answerer, answered in planned:  # in the order of the days
            created = _conducted(sim=sim, people=people, inspection=inspection, findings=findings)
            counts["findings"] += len(created)
            for number, (month, day) in answered.items():
                answers.append((dt.date(year + (month == 1), month, day), answerer, created[number], number))
        for day, answerer, finding, number in sorted(answers, key=lambda a: (a[0], a[2].pk)):
            sim.at(day, 10)
            inspections.rectification_respond(actor=answerer, rectification=finding, note=ANSWERS[number])
            sim.at(day + dt.timedelta(days=1), 15)
            inspections.rectification_verify(
                actor=people["inspector1"], rectification=finding, note="现场复核：已落实。"
            )
            inspections.rectification_close(actor=people["officer1"], rectification=finding)
        sim.at(today, 8)
        through = as_of()
        if through is None or through < dt.date(year, 12, 31):
            return counts  # a demo without last year's doses rolled up has no indicators to evaluate
        for scheme_code, actor in (("clinic-annual", people["officer1"]), ("county-annual", people["city1"])):
            scheme = Scheme.objects.get(code=scheme_code)
            if Evaluation.objects.filter(
                scheme=scheme, area=actor.organisation.region, year=year, status=EvaluationStatus.PUBLISHED
            ).exists():
                continue
            evaluation = services.evaluation_compute(
                actor=actor, scheme=scheme, year=year, note=f"{year}年度戒毒医疗服务工作考评"
            )
            sim.advance(dt.timedelta(minutes=30))
            services.evaluation_publish(actor=actor, evaluation=evaluation)
            counts["evaluations"] += 1
    return counts


def _conducted(
    *, sim: Any, people: dict[str, User], inspection: Inspection, findings: dict[str, dict[str, str]]
) -> dict[str, Rectification]:
    """Score the inspection on its day (the findings as given, every other item in full), submit it with the
    findings due on the 20th of December; its findings by item number."""
    on = inspection.scheduled_on
    sim.at(on, 9)
    inspections.inspection_start(actor=people["inspector1"], inspection=inspection)
    numbered = numbered_items(inspection.version)
    for number, item in numbered:
        sim.advance(dt.timedelta(minutes=3))
        scorer = people[SCORERS[int(number.split(".")[0])]]
        entered = findings.get(number) or _full(item)
        inspections.response_record(actor=scorer, inspection=inspection, item=item, **entered)
        if number in PHOTOS:
            inspections.evidence_add(actor=scorer, inspection=inspection, item=item, upload=_jpeg("#7a8a99"))
    by_number = dict(numbered)
    deadline = dt.date(on.year, 12, DEADLINE_DAY)
    sim.at(on, 16)
    inspections.inspection_submit(
        actor=people["inspector1"],
        inspection=inspection,
        terms={
            by_number[n].pk: inspections.FindingTerms(deadline=deadline, evidence_required=False)
            for n in findings
        },
    )
    numbers = {item.pk: number for number, item in numbered}
    return {numbers[r.item_id]: r for r in Rectification.objects.filter(inspection=inspection)}
