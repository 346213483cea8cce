"""This app's rows of the permission matrix (jiedu/policy/tests/test_matrix.py merges every app's rows).

Only the health officer of 南安市 ("officer") enters and reads aggregate figures among the shared personas. The
approver's steps are refused to them all: the officer's own county's figures are approved by a region above it
(403, like a persona without the role). Approvers above the county, and regions outside the officer's scope
(404), are tested in test_views.py with officers of their own.
"""

import datetime as dt

from django.urls import reverse

from jiedu.core import clock
from jiedu.datasets.services import submission_save
from jiedu.datasets.tests.data import GOOD, ensure_data_sets
from jiedu.policy.tests.test_matrix import row

OFFICERS = {"officer"}


def _last_year() -> dt.date:
    return dt.date(clock.local_today().year - 1, 1, 1)


def entry_of_the_county(world, subject):
    ensure_data_sets()
    return reverse("datasets:entry", args=["registered_users", world.county.code, f"{_last_year():%Y-%m-%d}"])


def _submission(world):
    data_set = ensure_data_sets()["registered_users"]
    return submission_save(
        actor=world.officer, data_set=data_set, region=world.county, period=_last_year(), values=GOOD
    ).submission


def submission_of_the_county(name):
    return lambda world, subject: reverse(name, args=[_submission(world).pk])


ROWS: dict = {
    "datasets:list": ("get", row(OFFICERS)),
    "datasets:entry": ("get", row(OFFICERS, url=entry_of_the_county)),
    "datasets:detail": ("get", row(OFFICERS, url=submission_of_the_county("datasets:detail"))),
    "datasets:approve": ("post", row(set(), url=submission_of_the_county("datasets:approve"))),
    "datasets:return": ("post", row(set(), url=submission_of_the_county("datasets:return"))),
    "datasets:reopen": ("post", row(set(), url=submission_of_the_county("datasets:reopen"))),
}
