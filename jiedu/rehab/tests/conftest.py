"""A voluntary rehab institution (南安市医院戒毒治疗科) and a hospital's psychiatry department in 南安市, with
their staff. They are built here, not in jiedu/testing.py: no persona of the shared world works in voluntary
rehab, so the global permission matrix stays as it is."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from jiedu.accounts.models import Role, RoleAssignment, User
from jiedu.core import clock
from jiedu.patients import services as person_services
from jiedu.registry.models import Organisation, OrganisationType
from jiedu.rehab import services
from jiedu.reports.models import RecipientRule, ReportKind
from jiedu.testing import PASSWORD, World, make_id_number

OCT_1 = dt.date(2026, 10, 1)
NOW = dt.datetime(2026, 10, 1, 9, 30, tzinfo=clock.SHANGHAI)


@dataclass
class Rehab:
    institution: Organisation
    hospital: Organisation
    director: User
    doctor: User
    nurse: User
    hospital_doctor: User


def _user(username: str, org: Organisation, role: Role) -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, organisation=org, full_name=username
    )
    RoleAssignment.objects.create(user=user, role=role)
    return user


def build_rehab(world: World) -> Rehab:
    T = OrganisationType
    institution = Organisation.objects.create(
        name="南安市医院戒毒治疗科", type=T.VOLUNTARY_REHAB, region=world.county, address="成功街105号"
    )
    hospital = Organisation.objects.create(
        name="南安市精神卫生中心", type=T.HOSPITAL, region=world.county, address="溪美街道1号"
    )
    return Rehab(
        institution=institution,
        hospital=hospital,
        director=_user("rehab_director", institution, Role.CLINIC_DIRECTOR),
        doctor=_user("rehab_doctor", institution, Role.DOCTOR),
        nurse=_user("rehab_nurse", institution, Role.NURSE),
        hospital_doctor=_user("hospital_doctor", hospital, Role.DOCTOR),
    )


def register_at(user: User, *, seq: int = 37, name: str = "张三丰", birth: dt.date = dt.date(1979, 3, 8)):
    """Register (or link) a person at the user's organisation."""
    return person_services.person_register(
        actor=user, name=name, sex="M", birth_date=birth, id_number=make_id_number(birth=birth, seq=seq)
    ).person


def terms(**changes) -> services.AgreementTerms:
    base = {
        "method": "住院脱毒：对症药物治疗，心理咨询，防复吸指导",
        "planned_days": 28,
        "confidentiality": "本院对患者身份及治疗信息保密，仅依法向公安机关备案姓名和身份证号",
        "rules": "不得携带毒品、酒类及违禁物品入院；接受尿检和安全检查",
        "termination": "患者可随时告知医生终止治疗；治疗期间吸毒或严重违规的，本院可终止治疗",
        "risks": "戒断反应、药物不良反应；戒断后耐受性下降，复吸原剂量可致过量死亡",
    }
    return services.AgreementTerms(**{**base, **changes})


def admit(actor: User, person, **changes):
    data = {
        "setting": "inpatient",
        "admitted_on": OCT_1,
        "substances": ["methamphetamine"],
        "terms": terms(),
        "patient_signed": True,
        "signed_on": OCT_1,
    }
    return services.admission_admit(actor=actor, person=person, **{**data, **changes})


@pytest.fixture
def at(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    return NOW


@pytest.fixture
def rehab(world) -> Rehab:
    return build_rehab(world)


@pytest.fixture
def police_filing(world):
    """Voluntary admissions of 南安市 people are filed with the 溪美 police station (and nobody else)."""
    RecipientRule.objects.create(
        region=world.county, recipient=world.police, kind=ReportKind.VOLUNTARY_ADMISSION
    )


@pytest.fixture
def person(rehab, at):
    return register_at(rehab.doctor)
