"""The data sets a deployment starts with, as the migration seeds them."""

import pytest

from jiedu.datasets.models import DataSet
from jiedu.datasets.tests.data import ensure_data_sets

pytestmark = pytest.mark.django_db


def elements(code):
    return list(
        DataSet.objects.get(code=code)
        .elements.order_by("order")
        .values_list("code", "value_type", "required")
    )


def test_registered_users(data_sets):
    data_set = data_sets["registered_users"]
    assert (data_set.period_type, data_set.reporting_level, data_set.version, data_set.is_active) == (
        "yearly",
        "county",
        1,
        True,
    )
    assert elements("registered_users") == [
        ("total", "integer", True),
        ("opioid", "integer", True),
        ("synthetic", "integer", True),
        ("other", "integer", True),
        ("new_registrations", "integer", True),
        ("community_orders", "integer", False),
        ("compulsory_isolation", "integer", False),
    ]
    assert [str(r) for r in data_set.rules.order_by("code")] == [
        "by_drug_adds_up: total = opioid+synthetic+other",
        "new_within_total: new_registrations <= total",
    ]


def test_district_quarterly(data_sets):
    data_set = data_sets["district_quarterly"]
    assert (data_set.period_type, data_set.reporting_level) == ("quarterly", "county")
    assert elements("district_quarterly") == [
        ("mmt_in_treatment", "integer", True),
        ("annual_retention", "percent", True),
        ("urine_tests", "integer", True),
        ("venue_hiv_tests", "integer", True),
        ("publicity_events", "integer", True),
        ("trainings", "integer", True),
        ("key_task_progress", "percent", True),
    ]
    # Percentages are held to 0–100 by their type; no rule ties these figures to one another.
    assert data_set.rules.count() == 0


def test_seeding_again_changes_nothing(data_sets):
    before = {c: (d.pk, d.elements.count(), d.rules.count()) for c, d in data_sets.items()}
    again = ensure_data_sets()
    assert {c: (d.pk, d.elements.count(), d.rules.count()) for c, d in again.items()} == before
