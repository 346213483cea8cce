"""The demo county's capability: the registers of the prefecture's compulsory centre (kept by its head, centre1)
and of clinic 1 (director1), and a confirmed assessment of the centre (by the prefecture's health officer, city1,
with one adjustment) and of the three MMT clinics (by the county's inspector, inspector1) — each with gaps, as in
seed 001: no telemedicine network, no dedicated ward, no drug-treatment qualification at the centre.

Clinics 2 and 3 have no head's login in the demo, so their registers (kept by the head only) stay empty and their
assessments read the staff register and the licences alone. Run after ``jiedu.workforce.demo.seed_demo``: the staff
structure is read from the workforce register. Idempotent: a second call creates nothing.
"""

from __future__ import annotations

import datetime as dt
import io

from jiedu.accounts.models import User
from jiedu.capability import services
from jiedu.capability.files import Document, minimal_pdf, read_document
from jiedu.capability.models import (
    Assessment,
    Collaboration,
    Department,
    Equipment,
    RuleDocument,
)
from jiedu.demo.history import simulated_clock
from jiedu.registry.models import Organisation
from jiedu.registry.models import OrganisationType as T

D = dt.date
UNITS = {
    "centre": (T.COMPULSORY_CENTRE, "泉州市强制隔离戒毒所", "centre1", "city1"),
    "clinic1": (T.MMT_CLINIC, "南安市美沙酮维持治疗门诊", "director1", "inspector1"),
    "clinic2": (T.MMT_CLINIC, "南安市水头美沙酮维持治疗门诊", "", "inspector1"),
    "clinic3": (T.MMT_CLINIC, "南安市洪濑美沙酮维持治疗门诊", "", "inspector1"),
}

# unit, kind, name, opened on
DEPARTMENTS = (
    ("centre", "internal_medicine", "内科", D(2008, 1, 1)),
    ("centre", "psychiatry", "精神科", D(2021, 3, 1)),
    ("centre", "pharmacy", "药房", D(2008, 1, 1)),
    ("centre", "laboratory", "检验科", D(2012, 6, 1)),
    ("centre", "imaging", "放射科", D(2019, 9, 1)),
    ("clinic1", "pharmacy", "发药室", D(2006, 9, 1)),
    ("clinic1", "laboratory", "检验室", D(2006, 9, 1)),
    ("clinic1", "psychology", "心理咨询室", D(2014, 5, 1)),
)

# unit, kind, name, model, serial, acquired on, (days ago, check kind, condition, note) of the checks, oldest first
EQUIPMENT = (
    ("centre", "xray", "数字化X光机", "DR-3500", "XR2020051", D(2020, 5, 1), ((100, "maintenance", "working", ""),)),
    ("centre", "b_ultrasound", "彩色多普勒B超机", "DC-40", "US2020078", D(2020, 5, 1), ((200, "maintenance", "working", ""),)),
    ("centre", "blood_analyser", "全自动血细胞分析仪", "BC-5390", "BA2021033", D(2021, 4, 1), ((30, "calibration", "working", ""),)),
    ("centre", "biochemistry_analyser", "全自动生化分析仪", "BS-480", "BC2021019", D(2021, 4, 1),
     ((400, "maintenance", "working", ""),)),
    ("centre", "ecg", "十二导心电图机", "ECG-1250", "EC2019112", D(2019, 11, 1), ((60, "calibration", "working", ""),)),
    ("centre", "defibrillator", "自动体外除颤仪", "AED-7000", "DF2022005", D(2022, 1, 1),
     ((150, "calibration", "working", ""), (20, "condition", "needs_repair", "电池老化，待更换"))),
    ("centre", "emergency_trolley", "抢救车", "", "", D(2019, 1, 1), ((15, "maintenance", "working", ""),)),
    ("centre", "oxygen", "中心供氧装置", "", "", D(2019, 1, 1), ((15, "maintenance", "working", ""),)),
    ("clinic1", "urine_analyser", "尿液分析仪", "UA-600", "UA2019041", D(2019, 4, 1), ((90, "maintenance", "working", ""),)),
    ("clinic1", "emergency_trolley", "抢救车", "", "", D(2006, 9, 1), ((30, "maintenance", "working", ""),)),
    ("clinic1", "oxygen", "氧气瓶及吸氧装置", "", "", D(2006, 9, 1), ((30, "maintenance", "working", ""),)),
    ("clinic1", "defibrillator", "自动体外除颤仪", "AED-7000", "DF2018017", D(2018, 6, 1), ((500, "calibration", "working", ""),)),
)  # fmt: skip

# unit, title, category, [(version, effective on)]
RULES = (
    (
        "centre",
        "医疗质量安全核心制度",
        "medical_quality",
        (("2022版", D(2022, 1, 1)), ("2025版", D(2025, 7, 1))),
    ),
    ("centre", "麻醉药品和精神药品管理制度", "drug_management", (("2023版", D(2023, 3, 1)),)),
    ("centre", "医院感染防控制度", "infection_control", (("2023版", D(2023, 3, 1)),)),
    ("centre", "突发事件应急处置预案", "emergency", (("2024版", D(2024, 1, 1)),)),
    (
        "clinic1",
        "美沙酮口服溶液“五专”管理制度",
        "drug_management",
        (("2019版", D(2019, 1, 1)), ("2024版", D(2024, 6, 1))),
    ),
    ("clinic1", "维持治疗门诊医疗质量管理制度", "medical_quality", (("2021版", D(2021, 1, 1)),)),
    ("clinic1", "服药过量等突发事件应急预案", "emergency", (("2022版", D(2022, 5, 1)),)),
)

# unit, kind, partner, agreement on, valid from, valid to
COLLABORATIONS = (
    ("centre", "specialist_alliance", "福建省戒毒医疗专科联盟", D(2022, 2, 20), D(2022, 3, 1), None),
    (
        "centre",
        "medical_consortium",
        "泉州市第一医院医疗联合体",
        D(2022, 5, 18),
        D(2022, 6, 1),
        D(2027, 5, 31),
    ),
    (
        "centre",
        "paired_support",
        "泉州市第三医院（对口支援）",
        D(2023, 12, 20),
        D(2024, 1, 1),
        D(2026, 12, 31),
    ),
    ("clinic1", "medical_consortium", "南安市医院医疗共同体", D(2021, 8, 30), D(2021, 9, 1), None),
)

#: (unit, dimension, score, reason): the assessor's adjustment.
ADJUSTMENTS = (
    ("centre", "qualifications", "20.0", "医疗机构执业许可证已换发，登记系统尚待录入；戒毒医疗资质正在申办"),
)
ASSESSED_DAYS_AGO = 10


def _units() -> dict[str, Organisation]:
    found = {}
    for key, (kind, name, _head, _assessor) in UNITS.items():
        org = Organisation.objects.filter(type=kind, name=name).first()
        if org is not None:
            found[key] = org
    return found


def _pdf(title: str, version: str) -> Document:
    data = minimal_pdf(f"Jiedu demo rule document {version}")
    return read_document(io.BytesIO(data), size=len(data), name=f"{title}{version}.pdf")


def seed_demo(*, today: dt.date) -> dict[str, int]:
    """Seed the registers and assessments as of ``today``; returns what was created (zeros on a second call)."""
    counts = {
        "departments": 0,
        "equipment": 0,
        "checks": 0,
        "rules": 0,
        "rule_versions": 0,
        "collaborations": 0,
        "assessments": 0,
        "adjustments": 0,
    }
    units = _units()
    names = {u for spec in UNITS.values() for u in spec[2:] if u}
    users = {u.username: u for u in User.objects.filter(username__in=names)}

    def head(key: str) -> User | None:
        return users.get(UNITS[key][2]) if key in units else None

    with simulated_clock(today, hour=15):
        for key, kind, name, opened in DEPARTMENTS:
            actor = head(key)
            if (
                actor is None
                or Department.objects.filter(organisation=units[key], kind=kind, name=name).exists()
            ):
                continue
            services.department_register(actor=actor, unit=units[key], kind=kind, name=name, opened_on=opened)
            counts["departments"] += 1
        for key, kind, name, model, serial, acquired, checks in EQUIPMENT:
            actor = head(key)
            if (
                actor is None
                or Equipment.objects.filter(organisation=units[key], kind=kind, name=name).exists()
            ):
                continue
            first, *later = checks
            item = services.equipment_register(
                actor=actor,
                unit=units[key],
                kind=kind,
                name=name,
                model=model,
                serial_no=serial,
                acquired_on=acquired,
                checked_on=today - dt.timedelta(days=first[0]),
                check_kind=first[1],
                condition=first[2],
                note=first[3],
            )
            counts["equipment"] += 1
            counts["checks"] += 1
            for days, check_kind, condition, note in later:
                services.equipment_check(
                    actor=actor,
                    equipment=item,
                    checked_on=today - dt.timedelta(days=days),
                    check_kind=check_kind,
                    condition=condition,
                    note=note,
                )
                counts["checks"] += 1
        for key, title, category, versions in RULES:
            actor = head(key)
            if actor is None or RuleDocument.objects.filter(organisation=units[key], title=title).exists():
                continue
            (version, effective), *later_versions = versions
            first_version = services.rule_add(
                actor=actor,
                unit=units[key],
                title=title,
                category=category,
                version=version,
                effective_on=effective,
                document=_pdf(title, version),
            )
            counts["rules"] += 1
            counts["rule_versions"] += 1
            for version, effective in later_versions:
                services.rule_revise(
                    actor=actor,
                    document=first_version.document,
                    version=version,
                    effective_on=effective,
                    upload=_pdf(title, version),
                )
                counts["rule_versions"] += 1
        for key, kind, partner, signed, valid_from, valid_to in COLLABORATIONS:
            actor = head(key)
            if (
                actor is None
                or Collaboration.objects.filter(organisation=units[key], kind=kind, partner=partner).exists()
            ):
                continue
            services.collaboration_register(
                actor=actor,
                unit=units[key],
                kind=kind,
                partner=partner,
                agreement_on=signed,
                valid_from=valid_from,
                valid_to=valid_to,
            )
            counts["collaborations"] += 1
        on = today - dt.timedelta(days=ASSESSED_DAYS_AGO)
        for key, (_kind, _name, _head, assessor_name) in UNITS.items():
            assessor = users.get(assessor_name)
            if (
                key not in units
                or assessor is None
                or Assessment.objects.filter(organisation=units[key], on=on).exists()
            ):
                continue
            made = services.assessment_create(actor=assessor, unit=units[key], on=on)
            counts["assessments"] += 1
            for unit_key, dimension, score, reason in ADJUSTMENTS:
                if unit_key == key:
                    services.assessment_adjust(
                        actor=assessor, assessment=made, dimension=dimension, score=score, reason=reason
                    )
                    counts["adjustments"] += 1
            services.assessment_confirm(actor=assessor, assessment=made)
    return counts
