import datetime as dt

import pytest

from jiedu.core import clock
from jiedu.mmt.tests.conftest import recipients, register  # noqa: F401 - shared fixtures and helpers

#: Monday 2 November 2026: three working days later is Thursday 5 November.
NOV_2 = dt.date(2026, 11, 2)


@pytest.fixture
def at(monkeypatch):
    def move(day, hour=9):
        monkeypatch.setattr(
            clock, "now", lambda: dt.datetime.combine(day, dt.time(hour), tzinfo=clock.SHANGHAI)
        )

    move(NOV_2)
    return move


@pytest.fixture
def referred(world, at):
    """A man registered by the community office, referred by it to clinic A with his written consent."""
    from jiedu.referrals import services

    person = register(world, actor="community", seq=41, name="林阿明")
    return services.referral_make(
        actor=world.users["community"],
        person=person,
        kind="community_to_mmt",
        to_org=world.clinic_a,
        reason="社区戒毒期间自愿申请美沙酮维持治疗",
        basis="written_consent",
        consent_on=NOV_2,
    )
