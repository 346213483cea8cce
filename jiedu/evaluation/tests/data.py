"""Test data of the evaluation: the indicators' yearly cube written directly with hand-chosen sums (the rollup
that fills it is tested in the indicators app), and the rollup's as-of day."""

from __future__ import annotations

import datetime as dt
from typing import Any

from jiedu.indicators.models import RollupState, UnitPeriod
from jiedu.indicators.services import STATE

ZEROS = {
    "persons": 0,
    "persons_last_month": 0,
    "persons_ge60": 0,
    "dropouts": 0,
    "days": 0,
    "mg_sum": 0,
    "urine_tested": 0,
    "urine_tests": 0,
    "urine_positive": 0,
    "hiv_eligible": 0,
    "hiv_tested": 0,
    "hcv_eligible": 0,
    "hcv_tested": 0,
    "syphilis_eligible": 0,
    "syphilis_tested": 0,
    "hiv_at_risk_tested": 0,
    "hiv_seroconverted": 0,
    "hiv_new_positive": 0,
    "art_linked": 0,
}


def year_cube(clinic: Any, year: int, *, sex: str = "M", **sums: int) -> UnitPeriod:
    """One row of the yearly cube for ``clinic`` (its county from its region)."""
    return UnitPeriod.objects.create(
        clinic=clinic,
        county=clinic.region_id,
        kind="Y",
        start=dt.date(year, 1, 1),
        sex=sex,
        age_band=2,
        **{**ZEROS, **sums},
    )


def rolled_up(day: dt.date) -> None:
    RollupState.objects.update_or_create(name=STATE, defaults={"as_of": day})


def county_draft(world: Any) -> Any:
    """A draft evaluation of 南安市's clinics for 2025 by its commission, with clinic A's result (written directly:
    computing is tested in test_services.py)."""
    from decimal import Decimal

    from jiedu.evaluation.models import Evaluation, Result, Scheme

    evaluation = Evaluation.objects.create(
        scheme=Scheme.objects.get(code="clinic-annual"),
        year=2025,
        area=world.county,
        organisation=world.commission,
        out_of=Decimal(100),
        computed_by=world.officer,
        computed_at=dt.datetime(2026, 1, 20, 1, 0, tzinfo=dt.UTC),
    )
    Result.objects.create(evaluation=evaluation, organisation=world.clinic_a, total=Decimal("71.70"), rank=1)
    return evaluation


def ensure_schemes() -> None:
    """The seeded schemes (put back after a transactional test's flush removed them)."""
    import importlib

    from django.apps import apps

    importlib.import_module("jiedu.evaluation.migrations.0002_seed_schemes").forward(apps, None)
