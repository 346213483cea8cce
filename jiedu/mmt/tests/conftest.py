import datetime as dt
from decimal import Decimal

import pytest

from jiedu.core import clock
from jiedu.mmt import services
from jiedu.patients import services as person_services
from jiedu.reports.models import RecipientRule
from jiedu.testing import build_clinic_stock, make_id_number


@pytest.fixture
def stock(world):
    return build_clinic_stock(world)


@pytest.fixture
def recipients(world):
    """Reports about people of 南安市 go to the 溪美 police station and the community office."""
    RecipientRule.objects.create(region=world.county, recipient=world.police)
    RecipientRule.objects.create(region=world.county, recipient=world.community)


def register(world, *, seq=37, name="张三丰", actor="nurse_a", birth=dt.date(1979, 3, 8)):
    return person_services.person_register(
        actor=world.users[actor],
        name=name,
        sex="M",
        birth_date=birth,
        id_number=make_id_number(birth=birth, seq=seq),
    ).person


def enrol(world, person, *, doctor="doctor_a", start_on=None, dose=Decimal("30")):
    """Apply → assess → accept → induction order: a patient ready for the window."""
    doc = world.users[doctor]
    episode = services.episode_apply(actor=doc, person=person)
    services.episode_assess(
        actor=doc,
        episode=episode,
        assessment=services.Assessment(
            dependence_evidence="吸食海洛因10年，尿检吗啡阳性",
            documents=["身份证复印件", "吸毒史"],
            agreement_signed=True,
        ),
    )
    episode = services.episode_accept(actor=doc, episode=episode, start_on=start_on)
    services.order_write(actor=doc, episode=episode, dose_mg=dose, reason="诱导期", effective_on=start_on)
    episode.refresh_from_db()
    return episode


#: The day the shared fixtures are built on: the tests never read the wall clock (a run in the evening, UTC,
#: is already the next day in Shanghai).
FIXTURE_MORNING = dt.datetime(2026, 11, 23, 7, 30, tzinfo=clock.SHANGHAI)


@pytest.fixture
def patient(world, stock, monkeypatch):
    """A patient enrolled at clinic A on the morning of 23 November 2026 (the clock stays there until the test
    moves it)."""
    monkeypatch.setattr(clock, "now", lambda: FIXTURE_MORNING)
    person = register(world)
    return person, enrol(world, person)
