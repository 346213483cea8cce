"""This app's rows of the permission matrix (jiedu/policy/tests/test_matrix.py merges every app's rows)."""

from django.urls import reverse

from jiedu.labs import services
from jiedu.policy.tests.test_matrix import row

#: Doctors and nurses of clinic A, its dosing point, clinic B and the other county's clinic.
LAB_STAFF = {"doctor_a", "nurse_a", "nurse_point_a", "nurse_b", "nurse_elsewhere"}


def record_for_the_subject(world, subject):
    return reverse("labs:record") + f"?person={subject['person'].pk}"


def hiv_test_of_the_subject(world, subject):
    test = services.lab_record(
        actor=world.users["doctor_a"], person=subject["person"], kind="hiv", reason="entry"
    )
    return reverse("labs:result", args=[test.pk])


ROWS: dict = {
    "labs:today": ("get", row(LAB_STAFF)),
    # The subject is registered at clinic A: other clinics' staff are allowed the page but not the person.
    "labs:record": (
        "get",
        row(LAB_STAFF, hidden={"nurse_b", "nurse_elsewhere"}, url=record_for_the_subject),
    ),
    "labs:result": (
        "get",
        row(LAB_STAFF, hidden={"nurse_b", "nurse_elsewhere"}, url=hiv_test_of_the_subject),
    ),
}
