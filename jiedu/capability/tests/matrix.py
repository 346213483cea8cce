"""This app's rows of the permission matrix (jiedu/policy/tests/test_matrix.py merges every app's rows).

Among the shared personas capability is read by the head of clinic A ("director_a": clinic A only) and by the
county's inspector and health officer ("inspector", "officer": every unit of the county); the latter two assess.
Clinic B is outside the head's scope (404). The head's register forms are POSTs to the unit's page, tested in
test_views.py.
"""

import datetime as dt

from django.urls import reverse

from jiedu.capability import services
from jiedu.capability.tests.data import ensure_frameworks, pdf
from jiedu.policy.tests.test_matrix import row

VIEW = {"director_a", "inspector", "officer"}
ASSESS = {"inspector", "officer"}


def unit_url(name, attr="clinic_a"):
    return lambda world, subject: reverse(name, args=[getattr(world, attr).pk])


def _rule_file(world, subject):
    version = services.rule_add(
        actor=world.director_a,
        unit=world.clinic_a,
        title="美沙酮口服溶液管理制度",
        category="drug_management",
        version="2024版",
        effective_on=dt.date(2024, 1, 1),
        document=pdf(),
    )
    return reverse("capability:rule_file", args=[version.pk])


def _assessment(world, subject):
    ensure_frameworks()
    made = services.assessment_create(actor=world.officer, unit=world.clinic_a, on=dt.date(2026, 5, 20))
    return reverse("capability:assessment", args=[made.pk])


def _framework(world, subject):
    ensure_frameworks()
    return reverse("capability:framework", args=["mmt-clinic-2022"])


ROWS: dict = {
    "capability:units": ("get", row(VIEW)),
    "capability:rollup": ("get", row(VIEW)),
    "capability:rollup_export": ("get", row(VIEW)),
    "capability:framework": ("get", row(VIEW, url=_framework)),
    "capability:rule_file": ("get", row(VIEW, url=_rule_file)),
    "capability:assessment": ("get", row(VIEW, url=_assessment)),
    "capability:unit": ("get", row(VIEW, url=unit_url("capability:unit"))),
    "capability:assess": ("get", row(ASSESS, url=unit_url("capability:assess", "clinic_b"))),
    "capability:gaps": ("get", row(VIEW, hidden={"director_a"}, url=unit_url("capability:gaps", "clinic_b"))),
}
