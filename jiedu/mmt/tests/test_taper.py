import datetime as dt
from decimal import Decimal

import pytest

from jiedu.core import clock
from jiedu.core.errors import DomainError, FieldErrors
from jiedu.mmt import services
from jiedu.mmt.models import DoseOrder

pytestmark = pytest.mark.django_db
# The first reduction a week after today: the fixture's orders are written today (tests never pin the wall clock).
D = clock.local_today() + dt.timedelta(days=7)


@pytest.fixture
def at_60(world, stock, patient):
    _person, episode = patient
    for mg in ("40", "50", "60"):
        services.order_write(
            actor=world.doctor_a,
            episode=episode,
            dose_mg=Decimal(mg),
            reason="加量",
        )
    return episode


def test_a_taper_writes_the_decreasing_orders_ahead(world, at_60):
    plan = services.taper_plan_create(
        actor=world.doctor_a,
        episode=at_60,
        start_on=D,
        to_mg=Decimal("42"),
        step_mg=Decimal("5"),
        every_days=7,
        reason="计划减量",
    )
    orders = list(
        DoseOrder.objects.filter(taper_plan=plan)
        .order_by("effective_on")
        .values_list("effective_on", "dose_mg")
    )
    assert orders == [
        (D, Decimal("55.0")),
        (D + dt.timedelta(days=7), Decimal("50.0")),
        (D + dt.timedelta(days=14), Decimal("45.0")),
        (D + dt.timedelta(days=21), Decimal("42.0")),
    ]
    assert services.order_in_force(at_60, D - dt.timedelta(days=1)).dose_mg == Decimal("60.0")
    assert services.order_in_force(at_60, D + dt.timedelta(days=8)).dose_mg == Decimal("50.0")
    assert services.order_in_force(at_60, D + dt.timedelta(days=40)).dose_mg == Decimal("42.0")


def test_cancelling_stops_the_orders_not_yet_in_force(world, at_60):
    plan = services.taper_plan_create(
        actor=world.doctor_a,
        episode=at_60,
        start_on=D,
        to_mg=Decimal("40"),
        step_mg=Decimal("5"),
        every_days=7,
        reason="计划减量",
    )
    services.taper_plan_cancel(actor=world.doctor_a, plan=plan, on=D + dt.timedelta(days=10))
    assert services.order_in_force(at_60, D + dt.timedelta(days=9)).dose_mg == Decimal("50.0")
    assert services.order_in_force(at_60, D + dt.timedelta(days=30)).dose_mg == Decimal("50.0")
    assert DoseOrder.objects.filter(taper_plan=plan).count() == 4  # history kept
    with pytest.raises(DomainError):
        services.taper_plan_cancel(actor=world.doctor_a, plan=plan)


def test_large_steps_need_an_override_and_targets_must_be_lower(world, at_60):
    with pytest.raises(FieldErrors) as info:
        services.taper_plan_create(
            actor=world.doctor_a,
            episode=at_60,
            start_on=D,
            to_mg=Decimal("30"),
            step_mg=Decimal("15"),
            every_days=7,
            reason="快速减量",
        )
    assert info.value.fields["step_mg"] == ["Steps of more than 10 mg need an override."]
    with pytest.raises(FieldErrors) as info:
        services.taper_plan_create(
            actor=world.doctor_a,
            episode=at_60,
            start_on=D,
            to_mg=Decimal("70"),
            step_mg=Decimal("5"),
            every_days=7,
            reason="x",
        )
    assert info.value.fields == {
        "to_mg": ["The target must be below the dose in force on the first reduction day."]
    }
    plan = services.taper_plan_create(
        actor=world.doctor_a,
        episode=at_60,
        start_on=D,
        to_mg=Decimal("30"),
        step_mg=Decimal("15"),
        every_days=7,
        reason="快速减量",
        override_reason="患者要求尽快停药",
    )
    assert list(plan.orders.values_list("overrides", flat=True)) == [["step"], ["step"]]


def test_another_clinic_cannot_taper(world, at_60):
    from jiedu.accounts.models import RoleAssignment, User
    from jiedu.testing import PASSWORD

    doctor_b = User.objects.create_user(username="doctor_b", password=PASSWORD, organisation=world.clinic_b)
    RoleAssignment.objects.create(user=doctor_b, role="doctor")
    with pytest.raises(DomainError):
        services.taper_plan_create(
            actor=doctor_b,
            episode=at_60,
            start_on=D,
            to_mg=Decimal("40"),
            step_mg=Decimal("5"),
            every_days=7,
            reason="x",
        )
    assert DoseOrder.objects.filter(taper_plan__isnull=False).count() == 0
