"""This app's rows of the permission matrix (jiedu/policy/tests/test_matrix.py merges every app's rows).

Among the shared personas the staff register, turnover and staff screening are for the head of clinic A
("director_a": clinic A and its dosing point) and the county's health officer ("officer": every medical unit of
the county). A staff member of clinic B is outside the head's scope (404). Training is read also by the CDC and the
community office, and recorded by the officer only. The narcotics officer (register yes, screening no) is tested
in test_views.py.
"""

import datetime as dt

from django.urls import reverse

from jiedu.policy.tests.test_matrix import row
from jiedu.workforce import services
from jiedu.workforce.tests.data import register

STAFF = {"director_a", "officer"}
TRAINING = {"director_a", "officer", "cdc", "community"}


def _staff_of(attr, by):
    def build(world, subject):
        staff = register(world.users[by], getattr(world, attr), "陈美玲", "nurse", dt.date(2024, 3, 1))
        return staff

    return build


def staff_url(name, attr="clinic_a", by="director_a"):
    return lambda world, subject: reverse(name, args=[_staff_of(attr, by)(world, subject).pk])


def _course(world, subject):
    return services.course_create(
        actor=world.officer,
        title="毒品检测技术培训班",
        topic="drug_testing",
        starts_on=dt.date(2026, 3, 10),
        ends_on=dt.date(2026, 3, 10),
        hours="6",
        place="南安市卫生健康局会议室",
    )


ROWS: dict = {
    "workforce:staff_list": ("get", row(STAFF)),
    "workforce:staff_export": ("get", row(STAFF)),
    "workforce:register": (
        "get",
        row(
            STAFF,
            hidden={"director_a"},
            url=lambda world, subject: reverse("workforce:register", args=[world.clinic_b.pk]),
        ),
    ),
    "workforce:staff": ("get", row(STAFF, url=staff_url("workforce:staff"))),
    "workforce:correct": (
        "get",
        row(STAFF, hidden={"director_a"}, url=staff_url("workforce:correct", "clinic_b", "officer")),
    ),
    "workforce:leave": ("get", row(STAFF, url=staff_url("workforce:leave"))),
    "workforce:placement": ("get", row(STAFF, url=staff_url("workforce:placement"))),
    "workforce:turnover": ("get", row(STAFF)),
    "workforce:screening": ("get", row(STAFF)),
    "workforce:screening_export": ("get", row(STAFF)),
    "workforce:courses": ("get", row(TRAINING)),
    "workforce:course_add": ("get", row({"officer"})),
    "workforce:course": (
        "get",
        row(
            TRAINING,
            url=lambda world, subject: reverse("workforce:course", args=[_course(world, subject).pk]),
        ),
    ),
}
