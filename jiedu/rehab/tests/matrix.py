"""This app's rows of the permission matrix (jiedu/policy/tests/test_matrix.py merges every app's rows).

No persona of the shared world works at a voluntary rehab institution or a hospital, so every rehab page is 403
for all of them — MMT clinic staff included, though their roles carry the rehab action. Routes that need an
admission point at a real one: the matrix's subject, admitted at a rehab institution built here.
"""

from django.urls import reverse

from jiedu.core import clock
from jiedu.policy.tests.test_matrix import row
from jiedu.rehab.tests.conftest import admit, build_rehab, register_at


def admission_of_the_subject(world, subject):
    """The subject (registered at clinic A, seq 37) is registered at a rehab institution too and admitted there."""
    rehab = build_rehab(world)
    person = subject["person"]
    register_at(rehab.doctor, seq=37, name=person.name, birth=person.birth_date)
    today = clock.local_today()
    return admit(rehab.doctor, person, admitted_on=today, signed_on=today)


def _url(name):
    return lambda world, subject: reverse(name, args=[admission_of_the_subject(world, subject).pk])


def admit_the_subject(world, subject):
    return reverse("rehab:admit") + f"?person={subject['person'].pk}"


ROWS: dict = {
    "rehab:list": ("get", row(set())),
    "rehab:admit": ("get", row(set(), url=admit_the_subject)),
    "rehab:detail": ("get", row(set(), url=_url("rehab:detail"))),
    "rehab:note": ("post", row(set(), url=_url("rehab:note"))),
    "rehab:discharge": ("post", row(set(), url=_url("rehab:discharge"))),
    "rehab:agreement": ("get", row(set(), url=_url("rehab:agreement"))),
}
