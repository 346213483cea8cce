"""This app's rows of the permission matrix (jiedu/policy/tests/test_matrix.py merges every app's rows).

Only the community worker gets the community pages and only the police liaison the police pages; everyone else
is refused (403). The shared world has one community office, so "another office's order → 404" is tested in
test_views.py with a second office of its own.
"""

import datetime as dt

from django.urls import reverse

from jiedu.community import services
from jiedu.core import clock
from jiedu.patients import services as person_services
from jiedu.policy.tests.test_matrix import row
from jiedu.testing import make_id_number

COMMUNITY = {"community"}
POLICE = {"police"}


def _subject_at_the_office(world, subject):
    """The subject (registered at clinic A) registered at the community office too: in the worker's scope."""
    person = subject["person"]
    birth = dt.date(1979, 3, 8)
    person_services.person_register(
        actor=world.users["community"], name=person.name, sex="M", birth_date=birth,
        id_number=make_id_number(birth=birth, seq=37),
    )  # fmt: skip
    return person


def new_order_for_the_subject(world, subject):
    return reverse("community:new") + f"?person={_subject_at_the_office(world, subject).pk}"


def _order(world, subject):
    today = clock.local_today()
    return services.order_record(
        actor=world.users["community"], person=subject["person"], kind="detox",
        decision_number="南公(禁)决字〔2026〕37号", issued_by="南安市公安局", decided_on=today, start_on=today,
    )  # fmt: skip


def order_of_the_subject(name):
    return lambda world, subject: reverse(name, args=[_order(world, subject).pk])


ROWS: dict = {
    "community:list": ("get", row(COMMUNITY)),
    "community:new": ("get", row(COMMUNITY, url=new_order_for_the_subject)),
    "community:detail": ("get", row(COMMUNITY, url=order_of_the_subject("community:detail"))),
    # POSTed with no data: refused for its input (400) and nothing written.
    "community:checkin": (
        "post",
        row(COMMUNITY, url=order_of_the_subject("community:checkin"), ok_status=400),
    ),
    "community:reported": (
        "post",
        row(COMMUNITY, url=order_of_the_subject("community:reported"), ok_status=400),
    ),
    "community:end": ("post", row(COMMUNITY, url=order_of_the_subject("community:end"), ok_status=400)),
    "community:attendance": ("get", row(COMMUNITY)),
    "police:evidence": ("get", row(POLICE)),
    "police:evidence_export": ("get", row(POLICE)),
    "police:review": ("get", row(POLICE)),
}
