"""Helpers for the capability tests and the matrix: the frameworks (put back after a flush), a compulsory centre
with its head, and the centre's registers as of 2026-05-20 with their expected scores."""

from __future__ import annotations

import datetime as dt
import importlib
import io
from decimal import Decimal

from django.apps import apps as django_apps
from django.core.files.uploadedfile import SimpleUploadedFile

from jiedu.accounts.models import Role
from jiedu.capability import services
from jiedu.capability.files import Document, minimal_pdf, read_document
from jiedu.capability.models import Framework
from jiedu.registry.models import Licence, Organisation, OrganisationType
from jiedu.testing import World
from jiedu.workforce.tests.data import leave, register, user

D = dt.date
TODAY = D(2026, 5, 20)


def ensure_frameworks() -> dict[str, Framework]:
    """The frameworks the migration seeds (a transactional test's flush removes them)."""
    seed = importlib.import_module("jiedu.capability.migrations.0002_seed_frameworks")
    seed.forward(django_apps, None)
    return {f.code: f for f in Framework.objects.all()}


def pdf(text: str = "Rules") -> Document:
    data = minimal_pdf(text)
    return read_document(io.BytesIO(data), size=len(data), name=f"{text}.pdf")


def upload(name: str = "rules.pdf", data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, minimal_pdf("Rules") if data is None else data)


def centre_of(world: World):
    """A compulsory centre in 南安市 with its head (a clinic director by role)."""
    centre = Organisation.objects.create(
        name="南安市强制隔离戒毒所", type=OrganisationType.COMPULSORY_CENTRE, region=world.county
    )
    return centre, user("centre_head", centre, Role.CLINIC_DIRECTOR)


#: The centre's dimension scores on TODAY from ``build_centre`` (see test_services.py for the arithmetic).
CENTRE_SCORES = {
    "departments": Decimal("54.5"),
    "equipment": Decimal("45.5"),
    "staff": Decimal("40.0"),
    "rules": Decimal("50.0"),
    "collaboration": Decimal("45.5"),
    "qualifications": Decimal("44.4"),
}
CENTRE_OVERALL = Decimal("46.7")


def build_centre(world: World, centre: Organisation, head, *, at) -> None:  # noqa: ANN001
    """The centre's registers, entered on the days they happened (``at`` moves the clock)."""
    at(D(2026, 5, 1))
    s = services
    for kind, name, opened in (
        ("internal_medicine", "内科", D(2019, 3, 1)),
        ("psychiatry", "精神科", D(2021, 6, 1)),
        ("pharmacy", "药房", D(2019, 3, 1)),
        ("laboratory", "检验科", D(2019, 3, 1)),
    ):
        made = s.department_register(actor=head, unit=centre, kind=kind, name=name, opened_on=opened)
        if kind == "laboratory":
            s.department_close(
                actor=head, department=made, closed_on=D(2026, 3, 1), reason="检验人员调离，暂停"
            )
    for kind, name, acquired, checked, check_kind, condition in (
        ("xray", "X光机", D(2020, 5, 1), D(2025, 6, 1), "maintenance", "working"),
        ("b_ultrasound", "B超机", D(2020, 5, 1), D(2025, 5, 19), "maintenance", "working"),
        ("blood_analyser", "血液分析仪", D(2021, 4, 1), D(2026, 1, 10), "maintenance", "working"),
        ("biochemistry_analyser", "全自动生化分析仪", D(2026, 3, 1), D(2026, 3, 1), "condition", "working"),
        ("defibrillator", "除颤仪", D(2022, 1, 1), D(2025, 12, 1), "calibration", "working"),
        ("emergency_trolley", "抢救车", D(2019, 1, 1), D(2024, 1, 1), "maintenance", "working"),
    ):
        item = s.equipment_register(
            actor=head, unit=centre, kind=kind, name=name, acquired_on=acquired, checked_on=checked,
            check_kind=check_kind, condition=condition,
        )  # fmt: skip
        if kind == "blood_analyser":
            s.equipment_check(
                actor=head, equipment=item, checked_on=D(2026, 4, 2), check_kind="condition",
                condition="needs_repair", note="光路故障，待厂家维修",
            )  # fmt: skip
        if kind == "emergency_trolley":
            s.equipment_check(
                actor=head,
                equipment=item,
                checked_on=D(2026, 5, 1),
                check_kind="condition",
                condition="working",
            )
    register(head, centre, "林志强", "general_practitioner", D(2020, 1, 1))
    register(head, centre, "陈建华", "psychiatrist", D(2021, 6, 1), valid_to=D(2026, 5, 19))
    for name in ("黄丽娟", "吴美玲", "蔡秀英"):
        register(head, centre, name, "nurse", D(2020, 1, 1))
    register(head, centre, "郭丽萍", "pharmacist", D(2022, 1, 1), certified=False)
    gone = register(head, centre, "张明", "nurse", D(2020, 1, 1))
    leave(head, gone, D(2026, 2, 28))
    register(head, centre, "王警官", "police_officer", D(2018, 1, 1))
    quality = s.rule_add(
        actor=head, unit=centre, title="医疗质量安全核心制度", category="medical_quality", version="2024版",
        effective_on=D(2024, 1, 1), document=pdf("Quality 2024"),
    )  # fmt: skip
    s.rule_revise(
        actor=head,
        document=quality.document,
        version="2026版",
        effective_on=D(2026, 6, 1),
        upload=pdf("Quality 2026"),
    )
    s.rule_add(
        actor=head, unit=centre, title="麻醉药品和精神药品管理制度", category="drug_management", version="2026版",
        effective_on=D(2026, 6, 1), document=pdf("Drugs 2026"),
    )  # fmt: skip
    s.rule_add(
        actor=head, unit=centre, title="突发事件应急处置预案", category="emergency", version="v1",
        effective_on=D(2025, 3, 1), document=pdf("Emergency"),
    )  # fmt: skip
    s.collaboration_register(
        actor=head, unit=centre, kind="specialist_alliance", partner="福建省精神卫生专科联盟",
        agreement_on=D(2021, 12, 20), valid_from=D(2022, 1, 1),
    )  # fmt: skip
    s.collaboration_register(
        actor=head, unit=centre, kind="medical_consortium", partner="南安市医院医疗联合体",
        agreement_on=D(2020, 12, 1), valid_from=D(2021, 1, 1), valid_to=D(2025, 12, 31),
    )  # fmt: skip
    tele = s.collaboration_register(
        actor=head, unit=centre, kind="telemedicine", partner="泉州市第一医院远程会诊中心",
        agreement_on=D(2023, 2, 1), valid_from=D(2023, 3, 1),
    )  # fmt: skip
    s.collaboration_end(actor=head, collaboration=tele, ended_on=D(2026, 4, 30), reason="平台升级停用")
    s.collaboration_register(
        actor=head, unit=centre, kind="paired_support", partner="南安市医院",
        agreement_on=D(2023, 12, 15), valid_from=D(2024, 1, 1), valid_to=D(2026, 12, 31),
    )  # fmt: skip
    for kind, number, valid_from, valid_to in (
        ("medical_institution", "PDY00001235058317A1001", D(2021, 1, 1), D(2026, 12, 31)),
        ("psychiatry", "闽卫医政〔2021〕88号", D(2021, 7, 1), None),
        ("seal_card", "闽泉麻精印〔2023〕第0107号", D(2023, 5, 20), D(2026, 5, 19)),
    ):
        Licence.objects.create(
            organisation=centre,
            kind=kind,
            number=number,
            issuer="泉州市卫生健康委员会",
            valid_from=valid_from,
            valid_to=valid_to,
        )
    at(TODAY)
