"""Checklists, a joint team and inspections in each state, shared by this app's tests and its matrix rows.

The team of 南安市's commission: the inspector (leader), the police liaison and the CDC staff member of the persona
world. Inspections are planned by the county's health officer.
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
from collections.abc import Iterable, Mapping
from typing import Any

from django.apps import apps

from jiedu.core import clock
from jiedu.inspections import services
from jiedu.inspections.evidence import Upload
from jiedu.inspections.models import Evidence, Inspection, Item, ScoringRule, Team, TemplateVersion
from jiedu.inspections.selectors import numbered_items, published_versions
from jiedu.testing import World, jpeg_bytes

SEED = importlib.import_module("jiedu.inspections.migrations.0002_seed_three_checklists")
CODES = ("mmt_joint", "five_special", "compulsory_unit")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def ensure_checklists() -> dict[str, TemplateVersion]:
    """The seeded checklists' version 1 (put back after a transactional test's flush removed them)."""
    SEED.forward(apps, None)
    return {
        v.template.code: v
        for v in TemplateVersion.objects.filter(template__code__in=CODES, number=1).select_related("template")
    }


def joint_team(world: World, name: str = "南安市联合检查组") -> Team:
    return services.team_create(
        actor=world.officer,
        name=name,
        members=[world.inspector, world.users["police"], world.users["cdc"]],
        leader=world.inspector,
    )


def plan(
    world: World,
    *,
    team: Team | None = None,
    code: str = "mmt_joint",
    target: Any = None,
    on: dt.date | None = None,
    announced: bool = True,
) -> Inspection:
    ensure_checklists()
    version = published_versions().get(template__code=code)
    return services.inspection_plan(
        actor=world.officer,
        version=version,
        team=team or Team.objects.filter(name="南安市联合检查组").first() or joint_team(world),
        target=target or world.clinic_a,
        scheduled_on=on or clock.local_today(),
        announced=announced,
        purpose="年度联合督导",
    )


def started(world: World, **kwargs: Any) -> Inspection:
    inspection = plan(world, **kwargs)
    return services.inspection_start(actor=world.inspector, inspection=inspection)


def items(inspection: Inspection) -> dict[str, Item]:
    """The inspection's items by number ("1.1", "4.2" …)."""
    return dict(numbered_items(inspection.version))


def full_marks(item: Item) -> dict[str, str]:
    if item.rule == ScoringRule.PASS_FAIL:
        return {"result": "pass"}
    if item.rule == ScoringRule.GRADED:
        return {"score": str(item.max_score)}
    return {"instances": "0"}


def score_all(
    inspection: Inspection, actor: Any, overrides: Mapping[str, Mapping[str, Any]] | None = None
) -> None:
    """Score every item in full, but for the numbers in ``overrides`` (given as ``response_record`` keywords)."""
    overrides = overrides or {}
    for number, item in numbered_items(inspection.version):
        entered = dict(overrides.get(number) or full_marks(item))
        services.response_record(actor=actor, inspection=inspection, item=item, **entered)


def photo(name: str = "现场.jpg") -> Upload:
    data = jpeg_bytes()
    return Upload(file=io.BytesIO(data), name=name, size=len(data))


def pdf(name: str = "整改报告.pdf") -> Upload:
    return Upload(file=io.BytesIO(PDF), name=name, size=len(PDF))


def attach(inspection: Inspection, actor: Any, numbers: Iterable[str]) -> list[Evidence]:
    by_number = items(inspection)
    return [
        services.evidence_add(actor=actor, inspection=inspection, item=by_number[n], upload=photo())
        for n in numbers
    ]


#: The items of ``mmt_joint`` that require a photo or document.
MMT_EVIDENCE = ("1.1", "3.1", "4.1", "5.1")
#: Three findings: a graded item at 2 of 5, a pass/fail item failed, a deduction item with two instances.
MMT_FINDINGS: dict[str, dict[str, Any]] = {
    "1.2": {"score": "2", "note": "岗位职责未上墙"},
    "4.4": {"result": "fail", "note": "印鉴卡已过期未换发"},
    "6.2": {"instances": "2", "note": "2例擅自带药未记录"},
}


def submitted(
    world: World, *, findings: Mapping[str, Mapping[str, Any]] | None = None, **kwargs: Any
) -> Inspection:
    """An inspection of clinic A scored, with its evidence, and submitted by its leader: by default the three
    findings of ``MMT_FINDINGS`` (score 100 − 3 − 5 − 4 = 88)."""
    inspection = started(world, **kwargs)
    score_all(inspection, world.inspector, MMT_FINDINGS if findings is None else findings)
    attach(inspection, world.inspector, MMT_EVIDENCE)
    return services.inspection_submit(actor=world.inspector, inspection=inspection)
