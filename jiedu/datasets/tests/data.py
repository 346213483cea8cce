"""Figures and data sets shared by this app's tests and its rows of the permission matrix."""

from __future__ import annotations

import datetime as dt
import importlib

from django.apps import apps

from jiedu.datasets.models import DataSet

SEED = importlib.import_module("jiedu.datasets.migrations.0003_seed_registered_users_and_district_quarterly")
TODAY = dt.date(2026, 5, 20)
YEAR = dt.date(2025, 1, 1)
QUARTER = dt.date(2026, 1, 1)

#: A valid year of 南安市: 1000 registered, 300 + 650 + 50.
GOOD = {
    "total": "1000",
    "opioid": "300",
    "synthetic": "650",
    "other": "50",
    "new_registrations": "80",
    "community_orders": "120",
    "compulsory_isolation": "",
}


def ensure_data_sets() -> dict[str, DataSet]:
    """The seeded data sets (put back after a transactional test's flush removed them)."""
    SEED.forward(apps, None)
    return {d.code: d for d in DataSet.objects.all()}
