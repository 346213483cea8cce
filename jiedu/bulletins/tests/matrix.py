"""This app's rows of the permission matrix (jiedu/policy/tests/test_matrix.py merges every app's rows)."""

from django.urls import reverse

from jiedu.bulletins.services import bulletin_issue
from jiedu.core import clock
from jiedu.core.months import previous_month
from jiedu.policy.tests.test_matrix import row

#: Every world persona with BULLETIN_VIEW works at an organisation of 南安市, which receives its bulletin.
READERS = {"director_a", "doctor_a", "police", "community", "cdc", "officer"}


def _bulletin(world):
    return bulletin_issue(county=world.county, month=previous_month(clock.local_today())).bulletin


def bulletin_on_screen(world, subject):
    return reverse("bulletins:detail", args=[_bulletin(world).pk])


def bulletin_pdf(world, subject):
    return reverse("bulletins:pdf", args=[_bulletin(world).pk])


ROWS: dict = {
    "bulletins:list": ("get", row(READERS)),
    # Only narcotics officers issue; no persona of the shared world is one (their tests are in this app).
    "bulletins:issue": ("post", row(set())),
    "bulletins:detail": ("get", row(READERS, url=bulletin_on_screen)),
    "bulletins:pdf": ("get", row(READERS, url=bulletin_pdf)),
}
