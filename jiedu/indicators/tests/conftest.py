"""Records built directly (not through the clinical services) so that each test states its history in a few
lines; the facts are computed from them by the real rollup services."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest

from jiedu.core import clock
from jiedu.labs.models import LabTest
from jiedu.mmt.models import DoseDay, DoseOrder, Episode, EpisodeStatus
from jiedu.patients.models import Person
from jiedu.referrals.models import Outcome, Referral, ReferralKind, ReferralStatus
from jiedu.reports.models import Basis

_serial = itertools.count(1)


class Records:
    def __init__(self, world):
        self.world = world
        self.doctor = world.users["doctor_a"]

    def person(self, *, sex="M", birth=dt.date(1980, 6, 1)):
        n = next(_serial)
        return Person.objects.create(
            name=f"病人{n}",
            sex=sex,
            birth_date=birth,
            id_number_encrypted="x",
            id_number_index=f"index-{n}",
            id_number_masked="350583********0000",
            household_region=self.world.county,
            created_by=self.doctor,
        )

    def episode(self, person, *, clinic=None, start, end=None, reason="", number=None, transferred_from=None):
        clinic = clinic or self.world.clinic_a
        number = number or (Episode.objects.filter(person=person).count() + 1)
        return Episode.objects.create(
            person=person,
            clinic=clinic,
            number=number,
            status=EpisodeStatus.EXITED if end else EpisodeStatus.ACTIVE,
            applied_on=start,
            decision_due=start,
            started_on=start,
            ended_on=end,
            exit_reason=reason,
            transferred_from=transferred_from,
        )

    def doses(self, episode, first, last, *, mg="60", site=None, skip=()):
        """A dose every day from ``first`` to ``last`` (both included) but the ``skip`` days."""
        order = DoseOrder.objects.create(
            episode=episode, dose_mg=Decimal(mg), effective_on=first, reason="维持", prescriber=self.doctor
        )
        site = site or episode.clinic
        day, rows = first, []
        while day <= last:
            if day not in skip:
                rows.append(
                    DoseDay(
                        person_id=episode.person_id,
                        day=day,
                        episode=episode,
                        order=order,
                        site=site,
                        ordered_mg=Decimal(mg),
                        first_at=dt.datetime.combine(day, dt.time(8), tzinfo=clock.SHANGHAI),
                    )
                )
            day += dt.timedelta(days=1)
        DoseDay.objects.bulk_create(rows)
        return rows

    def test(self, person, day, kind, result, *, episode=None):
        return LabTest.objects.create(
            person=person,
            episode=episode,
            site=self.world.clinic_a,
            kind=kind,
            reason="random" if kind == "urine" else "due",
            collected_on=day,
            collected_by=self.doctor,
            result=result,
            result_at=dt.datetime.combine(day, dt.time(12), tzinfo=clock.SHANGHAI),
        )

    def art(self, person, test, started_on):
        return Referral.objects.create(
            kind=ReferralKind.ART,
            person=person,
            from_org=self.world.clinic_a,
            to_org=self.world.cdc,
            status=ReferralStatus.COMPLETED,
            reason="HIV阳性",
            basis=Basis.INFECTIOUS_DISEASE_LAW,
            lab_test=test,
            made_by=self.doctor,
            made_at=dt.datetime.combine(test.collected_on, dt.time(12), tzinfo=clock.SHANGHAI),
            decided_at=dt.datetime.combine(test.collected_on, dt.time(15), tzinfo=clock.SHANGHAI),
            respond_by=test.collected_on + dt.timedelta(days=3),
            closed_on=started_on,
            outcome=Outcome.ART_STARTED,
        )


@pytest.fixture
def records(world):
    return Records(world)
