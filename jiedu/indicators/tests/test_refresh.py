"""The nightly refresh gives the same facts as a rebuild from scratch, whatever was back-filled in between."""

import datetime as dt
import random
from decimal import Decimal

import pytest

from jiedu.core import clock
from jiedu.indicators import selectors, services
from jiedu.indicators.models import (
    DoseHistogram,
    DoseMedian,
    PersonMonthDose,
    PersonPeriod,
    RollupState,
    SpellFact,
    UnitPeriod,
)
from jiedu.mmt import services as mmt
from jiedu.mmt.models import DoseDay, DoseOrder, Episode
from jiedu.mmt.tests.conftest import enrol, register
from jiedu.testing import build_clinic_stock

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture(autouse=True)
def no_overlap(monkeypatch):
    """Without re-reading rows below the high-water marks, so that a refresh touches only what changed (the
    overlap would recompute every person of these small histories and hide a window that is too short)."""
    monkeypatch.setattr(services, "ID_OVERLAP", 0)


def snapshot():
    """Every fact and cube row, without ids, in a fixed order."""
    out = {}
    for model in (PersonPeriod, PersonMonthDose, SpellFact, UnitPeriod, DoseHistogram, DoseMedian):
        fields = [f.attname for f in model._meta.concrete_fields if f.attname != "id"]
        out[model.__name__] = sorted(tuple(str(v) for v in row) for row in model.objects.values_list(*fields))
    return out


def refreshed_equals_rebuilt(as_of):
    services.rollup_refresh(as_of=as_of)
    incremental = snapshot()
    services.rollup_rebuild(as_of=as_of)
    rebuilt = snapshot()
    for name, rows in rebuilt.items():
        missing, extra = set(rows) - set(incremental[name]), set(incremental[name]) - set(rows)
        assert (name, sorted(missing), sorted(extra)) == (name, [], [])
    return incremental


def test_the_first_refresh_builds_everything_and_later_ones_pick_up_new_doses(world, records):
    p = records.person()
    e = records.episode(p, start=D(2025, 1, 1))
    records.doses(e, D(2025, 1, 1), D(2025, 1, 31))
    first = services.rollup_refresh(as_of=D(2025, 1, 31))
    assert (first.rebuilt, first.persons) == (True, 1)
    records.doses(e, D(2025, 2, 1), D(2025, 2, 10), mg="65")
    second = services.rollup_refresh(as_of=D(2025, 2, 10))
    assert (second.rebuilt, second.persons) == (False, 1)
    assert PersonPeriod.objects.get(person=p, kind="M", start=D(2025, 2, 1)).days == 10
    assert PersonPeriod.objects.get(person=p, kind="Q", start=D(2025, 1, 1)).days == 41
    assert RollupState.objects.get().as_of == D(2025, 2, 10)
    refreshed_equals_rebuilt(D(2025, 2, 10))
    # Nothing new: the refresh touches nobody and changes nothing.
    before = snapshot()
    assert services.rollup_refresh(as_of=D(2025, 2, 10)).persons == 0
    assert snapshot() == before


def test_a_dropout_appears_when_the_gap_reaches_its_length_without_any_new_record(world, records):
    p = records.person()
    e = records.episode(p, start=D(2025, 6, 1))
    records.doses(e, D(2025, 6, 1), D(2025, 6, 25))
    services.rollup_refresh(as_of=D(2025, 6, 30))  # 5 days without a dose
    assert PersonPeriod.objects.get(kind="M", start=D(2025, 6, 1)).dropout_start is None
    services.rollup_refresh(as_of=D(2025, 7, 2))  # 7 days
    assert PersonPeriod.objects.get(kind="M", start=D(2025, 6, 1)).dropout_start == D(2025, 6, 26)
    assert SpellFact.objects.get().retention_end == D(2025, 6, 26)
    june = selectors.figures(kind="M", starts=[D(2025, 6, 1)])[(None, D(2025, 6, 1))]
    assert june["dropout_rate"].value == Decimal("100.0")
    refreshed_equals_rebuilt(D(2025, 7, 2))


def test_a_paper_record_back_filled_into_a_gap_undoes_the_dropout(world, records):
    p = records.person()
    e = records.episode(p, start=D(2025, 3, 1))
    records.doses(
        e, D(2025, 3, 1), D(2025, 5, 31), skip={D(2025, 4, 1) + dt.timedelta(days=i) for i in range(8)}
    )
    services.rollup_refresh(as_of=D(2025, 5, 31))
    assert PersonPeriod.objects.get(kind="M", start=D(2025, 3, 1)).dropout_start == D(2025, 4, 1)
    # The paper register of 4 April is entered two months later.
    order = DoseOrder.objects.get()
    DoseDay.objects.create(
        person=p,
        day=D(2025, 4, 4),
        episode=e,
        order=order,
        site=world.clinic_a,
        ordered_mg=Decimal("60"),
        first_at=dt.datetime(2025, 4, 4, 8, tzinfo=clock.SHANGHAI),
    )
    result = services.rollup_refresh(as_of=D(2025, 6, 1))
    assert result.persons == 1
    assert PersonPeriod.objects.get(kind="M", start=D(2025, 3, 1)).dropout_start is None
    assert SpellFact.objects.get().retention_end is None
    assert PersonPeriod.objects.get(kind="M", start=D(2025, 4, 1)).days == 30 - 8 + 1
    refreshed_equals_rebuilt(D(2025, 6, 1))


def _random_history(rng, records, world, persons):
    clinics = [world.clinic_a, world.clinic_b, world.clinic_elsewhere]
    start = D(2024, 10, 1)
    for _ in range(persons):
        person = records.person(
            sex=rng.choice("MMMF"), birth=D(rng.randint(1960, 2004), rng.randint(1, 12), 1)
        )
        day = start + dt.timedelta(days=rng.randint(0, 120))
        clinic = rng.choice(clinics)
        previous = None
        for _spell in range(rng.randint(1, 3)):
            length = rng.randint(5, 150)
            end = day + dt.timedelta(days=length)
            transfer = previous is not None and rng.random() < 0.3 and previous.exit_reason == "transferred"
            reason = rng.choice(["dropout", "completed", "transferred", "detained", ""])
            episode = records.episode(
                person,
                clinic=clinic,
                start=day,
                end=end if reason else None,
                reason=reason,
                transferred_from=previous if transfer else None,
            )
            skip = {day + dt.timedelta(days=rng.randint(0, length)) for _ in range(rng.randint(0, 12))}
            if rng.random() < 0.3:  # a longer gap
                gap_from = day + dt.timedelta(days=rng.randint(0, length))
                skip |= {gap_from + dt.timedelta(days=i) for i in range(rng.randint(5, 12))}
            records.doses(episode, day, end, mg=str(rng.choice([30, 45, 60, 60, 75, 90])), skip=skip)
            for _t in range(rng.randint(0, 4)):
                records.test(
                    person,
                    day + dt.timedelta(days=rng.randint(0, length)),
                    rng.choice(["urine", "urine", "hiv", "hcv"]),
                    rng.choice(["negative", "negative", "positive"]),
                )
            if not reason:
                break
            if reason == "transferred":
                clinic = rng.choice([c for c in clinics if c != clinic])
                day = end + dt.timedelta(days=1)
            else:
                day = end + dt.timedelta(days=rng.randint(10, 60))
            previous = episode


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_refresh_after_random_back_fills_equals_a_rebuild(world, records, seed):
    rng = random.Random(seed)
    _random_history(rng, records, world, persons=12)
    as_of = D(2025, 2, 1)
    services.rollup_refresh(as_of=as_of)
    days = list(DoseDay.objects.values_list("pk", "person_id", "day", "episode_id", "order_id", "site_id"))
    for _round in range(4):
        # Back-fill: doses on days someone missed (before as_of), tests, and days passing.
        for _ in range(rng.randint(1, 6)):
            _pk, person, day, episode, order, site = rng.choice(days)
            candidate = day + dt.timedelta(days=rng.randint(-10, 10))
            ep = Episode.objects.get(pk=episode)
            inside = ep.started_on <= candidate <= (ep.ended_on or as_of)
            if inside and not DoseDay.objects.filter(person_id=person, day=candidate).exists():
                DoseDay.objects.create(
                    person_id=person,
                    day=candidate,
                    episode_id=episode,
                    order_id=order,
                    site_id=site,
                    ordered_mg=Decimal(rng.choice(["55", "60", "80"])),
                    first_at=dt.datetime.combine(candidate, dt.time(9), tzinfo=clock.SHANGHAI),
                )
        as_of += dt.timedelta(days=rng.randint(1, 40))
        refreshed_equals_rebuilt(as_of)


def test_a_dose_at_23_59_and_the_next_at_00_01_fall_in_their_own_months(world, monkeypatch):
    """Through the real dose service: the day is the local day in Shanghai, not the UTC day."""
    build_clinic_stock(world)
    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2026, 1, 20, 8, tzinfo=clock.SHANGHAI))
    person = register(world)
    enrol(world, person, start_on=D(2026, 1, 20))
    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2026, 1, 31, 23, 59, tzinfo=clock.SHANGHAI))
    mmt.dose_administer(actor=world.nurse_a, person=person, site=world.clinic_a)
    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2026, 2, 1, 0, 1, tzinfo=clock.SHANGHAI))
    mmt.dose_administer(actor=world.nurse_a, person=person, site=world.clinic_a)
    services.rollup_rebuild(as_of=D(2026, 2, 1))
    rows = dict(PersonPeriod.objects.filter(kind="M").values_list("start", "days"))
    assert rows == {D(2026, 1, 1): 1, D(2026, 2, 1): 1}


def test_night_by_night_refreshes_equal_a_rebuild_across_month_and_quarter_ends(world, records):
    """The usual night: everyone dosed yesterday, the refresh runs for yesterday. On PostgreSQL most people's
    facts are appended to (their only change is the day's dose); the rows equal a rebuild every night."""
    from django.db import connection

    rng = random.Random(7)
    start = D(2025, 9, 1)
    people = []
    for i in range(8):
        person = records.person(sex="MF"[i % 2], birth=D(1970 + i, 3, 1))
        episode = records.episode(person, clinic=[world.clinic_a, world.clinic_b][i % 2], start=start)
        records.doses(episode, start, D(2025, 9, 20), mg=str(40 + 5 * i))
        people.append((person, episode))
    services.rollup_refresh(as_of=D(2025, 9, 20))
    appended = {}
    day = D(2025, 9, 21)
    while day <= D(2025, 10, 12):
        for n, (person, episode) in enumerate(people):
            away = n == 3 and D(2025, 9, 24) <= day <= D(2025, 10, 3)  # a 10-day gap: a dropout, then back
            if away or rng.random() < 0.1:
                continue
            order = DoseOrder.objects.filter(episode=episode).latest("pk")
            DoseDay.objects.create(
                person=person,
                day=day,
                episode=episode,
                order=order,
                site=episode.clinic,
                ordered_mg=order.dose_mg if rng.random() < 0.8 else order.dose_mg + 5,
                first_at=dt.datetime.combine(day, dt.time(8), tzinfo=clock.SHANGHAI),
            )
        if day == D(2025, 10, 2):  # a urine test: that person is recomputed in full that night
            records.test(people[0][0], day, "urine", "negative")
        result = services.rollup_refresh(as_of=day)
        appended[day] = result.appended
        incremental = snapshot()
        services.rollup_rebuild(as_of=day)
        assert snapshot() == incremental, day
        day += dt.timedelta(days=1)
    assert PersonPeriod.objects.get(person=people[3][0], kind="M", start=D(2025, 9, 1)).dropout_start == D(
        2025, 9, 24
    )
    if connection.vendor == "postgresql":
        assert sum(appended.values()) > 100
        # 1 October opens a month and a quarter: the people dosed that day and within the dropout length
        # before it begin their rows with it.
        dosed = DoseDay.objects.filter(
            day=D(2025, 10, 1),
            person_id__in=DoseDay.objects.filter(day__range=(D(2025, 9, 24), D(2025, 9, 30))).values(
                "person_id"
            ),
        ).count()
        assert appended[D(2025, 10, 1)] == dosed > 0
    else:
        assert sum(appended.values()) == 0  # SQLite recomputes everyone


def test_the_first_night_of_a_year_begins_the_month_quarter_and_year_rows(world, records):
    """31 December → 1 January: on PostgreSQL the people dosed on both days are appended to (their rows of the
    new month, quarter and year begin with the dose; the age band is taken on 1 January); the rows equal a
    rebuild."""
    from django.db import connection

    people = []
    for i, birth in enumerate([D(1971, 1, 1), D(1971, 1, 2), D(1990, 12, 31), D(2001, 1, 1)]):
        person = records.person(sex="MF"[i % 2], birth=birth)
        episode = records.episode(person, clinic=world.clinic_a, start=D(2025, 12, 1))
        records.doses(episode, D(2025, 12, 1), D(2025, 12, 31), mg="55")
        people.append((person, episode))
    records.test(people[1][0], D(2025, 12, 10), "hiv", "positive")
    services.rollup_refresh(as_of=D(2025, 12, 31))
    for _person, episode in people[:3]:
        records.doses(episode, D(2026, 1, 1), D(2026, 1, 1), mg="60")

    result = services.rollup_refresh(as_of=D(2026, 1, 1))

    assert result.appended == (3 if connection.vendor == "postgresql" else 0)
    refreshed_equals_rebuilt(D(2026, 1, 1))
    rows = {
        (r.person_id, r.kind): (r.age_band, r.days, r.last_mg, r.hiv_eligible, r.dosed_last_month)
        for r in PersonPeriod.objects.filter(start=D(2026, 1, 1))
    }
    p = [person.pk for person, _ in people]
    assert rows == {
        (p[0], "M"): (55, 1, Decimal("60.0"), True, True),
        (p[0], "Q"): (55, 1, Decimal("60.0"), True, False),
        (p[0], "Y"): (55, 1, Decimal("60.0"), True, False),
        (p[1], "M"): (45, 1, Decimal("60.0"), False, True),
        (p[1], "Q"): (45, 1, Decimal("60.0"), False, False),
        (p[1], "Y"): (45, 1, Decimal("60.0"), False, False),
        (p[2], "M"): (35, 1, Decimal("60.0"), True, True),
        (p[2], "Q"): (35, 1, Decimal("60.0"), True, False),
        (p[2], "Y"): (35, 1, Decimal("60.0"), True, False),
    }
    assert UnitPeriod.objects.get(kind="Y", start=D(2026, 1, 1), sex="M", age_band=55).persons == 1


def test_a_dose_of_yesterday_seen_late_is_not_skipped_by_the_append(world, records):
    """Yesterday's dose committed after the last refresh had read the table: the person's month row does not end
    on their latest earlier dose, so they are recomputed in full rather than appended to."""
    p, q = records.person(), records.person()
    for person in (p, q):
        e = records.episode(person, start=D(2025, 3, 1))
        records.doses(e, D(2025, 3, 1), D(2025, 3, 9))
    services.rollup_refresh(as_of=D(2025, 3, 10))  # p's and q's doses of 10 March are not in yet
    for person in (p, q):
        e = person.mmt_episodes.get()
        records.doses(e, D(2025, 3, 10), D(2025, 3, 11))  # 10 March (late) and 11 March
    result = services.rollup_refresh(as_of=D(2025, 3, 11))
    assert result.appended == 0
    assert PersonPeriod.objects.get(person=p, kind="M", start=D(2025, 3, 1)).days == 11
    refreshed_equals_rebuilt(D(2025, 3, 11))
