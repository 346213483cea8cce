"""Two people acting on the same figures at the same moment, for real: threads on PostgreSQL."""

import pytest
from django.db import connection

from jiedu.core.errors import DomainError
from jiedu.core.models import AuditEntry
from jiedu.datasets import services
from jiedu.datasets.models import DataValue, Step, Submission
from jiedu.datasets.tests.data import GOOD, YEAR
from jiedu.patients.tests.test_races import run_in_threads

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL"),
]


def outcome(call):
    try:
        call()
    except DomainError as exc:
        return exc.code
    return "done"


def test_concurrent_approvals_approve_once(world, people, data_sets):
    submission = services.submission_save(
        actor=world.officer,
        data_set=data_sets["registered_users"],
        region=world.county,
        period=YEAR,
        values=GOOD,
    ).submission
    services.submission_submit(actor=world.officer, submission=submission)
    approvers = [people.prefecture, people.province] * 3
    results = run_in_threads(
        6, lambda i: outcome(lambda: services.submission_approve(actor=approvers[i], submission=submission))
    )
    # One approves; the others find it approved already, or lose the compare-and-set and are told.
    assert results.count("done") == 1
    assert set(results) - {"done"} <= {"approved", "conflict"}
    assert Submission.objects.get().status == "approved"
    assert Step.objects.filter(kind="approved").count() == 1
    assert AuditEntry.objects.filter(action="dataset.approve").count() == 1


def test_concurrent_saves_over_one_version_make_one_new_version(world, people, data_sets):
    data_set = data_sets["registered_users"]
    services.submission_save(
        actor=world.officer, data_set=data_set, region=world.county, period=YEAR, values=GOOD
    )

    def correct(i):
        values = {**GOOD, "other": str(51 + i), "total": str(1001 + i)}
        return outcome(
            lambda: services.submission_save(
                actor=world.officer, data_set=data_set, region=world.county, period=YEAR, values=values,
                expected_version=1,
            )
        )  # fmt: skip

    results = run_in_threads(6, correct)
    assert sorted(results) == ["conflict"] * 5 + ["done"]
    submission = Submission.objects.get()
    assert submission.version == 2
    assert sorted(set(DataValue.objects.values_list("version", flat=True))) == [1, 2]
    assert Step.objects.filter(kind="saved").count() == 2


def test_concurrent_first_saves_make_one_submission(world, people, data_sets):
    data_set = data_sets["registered_users"]
    results = run_in_threads(
        6,
        lambda i: outcome(
            lambda: services.submission_save(
                actor=world.officer, data_set=data_set, region=world.county, period=YEAR, values=GOOD
            )
        ),
    )
    # One creates it; the others are told, or (arriving after the commit) find the same figures saved.
    assert set(results) <= {"done", "conflict"}
    assert Submission.objects.count() == 1
    assert Submission.objects.get().version == 1
    assert DataValue.objects.count() == 6
    assert Step.objects.count() == 1
