"""Admissions at the same moment, for real: threads on PostgreSQL."""

import pytest
from django.db import connection

from jiedu.core.errors import FieldErrors
from jiedu.patients.tests.test_races import run_in_threads
from jiedu.rehab.models import Admission
from jiedu.rehab.tests.conftest import admit, register_at
from jiedu.reports.models import Report

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL"),
]


def test_ten_people_admitted_at_once_get_numbers_one_to_ten(world, rehab, at):
    people = [register_at(rehab.doctor, seq=20 + i, name=f"患者{i}") for i in range(10)]
    numbers = run_in_threads(10, lambda i: admit(rehab.doctor, people[i]).number)
    assert sorted(numbers) == list(range(1, 11))
    assert Report.objects.count() == 10


def test_one_person_admitted_twice_at_once_is_admitted_once(world, rehab, person):
    def attempt(i):
        try:
            return admit(rehab.doctor if i % 2 else rehab.director, person).number
        except FieldErrors as exc:
            return exc.fields

    results = run_in_threads(8, attempt)
    assert results.count(1) == 1
    # The threads speak the deployment's language.
    assert [r for r in results if r != 1] == [{"person": ["此人已在本机构住院治疗，请先办理出院。"]}] * 7
    assert Admission.objects.count() == 1 and Report.objects.count() == 1
