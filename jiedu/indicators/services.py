"""Keeping the indicator facts current (docs/adr/0012).

``rollup_refresh`` is the nightly job: it finds the persons whose records changed since the last run (new dose
days, episode events, tests and results, ART starts — by high-water marks over append-only tables) and those
whose facts change with time alone (a gap that has just reached the dropout length), recomputes their facts
from the first month the change can reach, and rebuilds the cube rows of the periods touched.
``rollup_rebuild`` recomputes everything from the records; both give identical facts.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Max, Min, Q, Sum

from jiedu.core import clock
from jiedu.core.selectors import rule_value
from jiedu.indicators import medians, rules
from jiedu.indicators.models import (
    DoseHistogram,
    DoseMedian,
    PersonMonthDose,
    PersonPeriod,
    RollupState,
    SpellFact,
    UnitPeriod,
)
from jiedu.labs.models import LabTest
from jiedu.mmt.models import DoseDay, Episode, EpisodeEvent
from jiedu.patients.models import Person
from jiedu.referrals.models import Outcome, Referral, ReferralEvent, ReferralKind

STATE = "mmt"
BATCH = 2000
#: Rows below the high-water mark re-read at each refresh, so a transaction that took a lower id but committed
#: after the last refresh read the table is still seen (recomputing a person twice changes nothing).
ID_OVERLAP = 5000
#: Results recorded up to this long before the last refresh are read again, for the same reason.
TIME_OVERLAP = dt.timedelta(hours=1)
EVERYTHING = dt.date(1900, 1, 1)


@dataclass
class RefreshResult:
    as_of: dt.date
    rebuilt: bool = False
    persons: int = 0
    appended: int = 0  # of which facts were appended to (the day's dose alone)
    periods: set[tuple[str, dt.date]] = field(default_factory=set)
    seconds: float = 0.0


def settings_now() -> rules.Settings:
    """The national definitions (indicators compare regions, so one definition holds for all of them)."""
    return rules.Settings(
        dropout_gap_days=rule_value("indicators.dropout_gap_days", region_code=None),
        art_linkage_days=rule_value("indicators.art_linkage_days", region_code=None),
    )


def rollup_refresh(*, as_of: dt.date | None = None) -> RefreshResult:
    """Bring the facts up to ``as_of`` (default: yesterday, the last complete day). Idempotent; concurrent
    runs queue on the state row and the second finds nothing left to do."""
    started = time.monotonic()
    as_of = as_of or clock.local_today() - dt.timedelta(days=1)
    settings = settings_now()
    with transaction.atomic(durable=True):
        state, _ = RollupState.objects.get_or_create(name=STATE)
        state = RollupState.objects.select_for_update().get(pk=state.pk)
        if state.as_of is None:
            result = _rebuild(state, as_of=as_of, settings=settings)
        else:
            marks = _marks()
            touched, appended = _touched(state, as_of=as_of, settings=settings)
            result = RefreshResult(as_of=as_of)
            done = (
                _append_doses(appended, day=as_of, settings=settings, since_id=state.dose_day_id - ID_OVERLAP)
                if appended
                else set()
            )
            rest = {p: a for p, a in touched.items() if p not in done}
            result.periods = _recompute(
                rest, as_of=as_of, settings=settings, also=_periods_of(as_of) if done else ()
            )
            result.persons = len(touched)
            result.appended = len(done)
            if connection.vendor == "postgresql":  # the night's rows, counted for the planner
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE indicators_personperiod, indicators_personmonthdose")
            _save_state(state, marks, as_of=as_of, persons=result.persons)
        result.seconds = time.monotonic() - started
        RollupState.objects.filter(pk=state.pk).update(seconds=result.seconds)
    return result


def rollup_rebuild(*, as_of: dt.date | None = None) -> RefreshResult:
    """Throw the facts away and compute them again from the records."""
    started = time.monotonic()
    as_of = as_of or clock.local_today() - dt.timedelta(days=1)
    settings = settings_now()
    with transaction.atomic(durable=True):
        state, _ = RollupState.objects.get_or_create(name=STATE)
        state = RollupState.objects.select_for_update().get(pk=state.pk)
        result = _rebuild(state, as_of=as_of, settings=settings)
        result.seconds = time.monotonic() - started
        RollupState.objects.filter(pk=state.pk).update(seconds=result.seconds)
    return result


def _rebuild(state: RollupState, *, as_of: dt.date, settings: rules.Settings) -> RefreshResult:
    marks = _marks()
    for model in (PersonPeriod, PersonMonthDose, SpellFact, UnitPeriod, DoseHistogram, DoseMedian):
        model.objects.all().delete()
    persons = Episode.objects.filter(started_on__isnull=False).values_list("person_id", flat=True).distinct()
    touched = dict.fromkeys(persons, EVERYTHING)
    result = RefreshResult(as_of=as_of, rebuilt=True, persons=len(touched))
    result.periods = _recompute(touched, as_of=as_of, settings=settings, rebuild=True)
    _save_state(state, marks, as_of=as_of, persons=result.persons)
    return result


def _marks() -> dict:
    return {
        "dose_day_id": DoseDay.objects.aggregate(m=Max("id"))["m"] or 0,
        "episode_event_id": EpisodeEvent.objects.aggregate(m=Max("id"))["m"] or 0,
        "lab_test_id": LabTest.objects.aggregate(m=Max("id"))["m"] or 0,
        "referral_event_id": ReferralEvent.objects.aggregate(m=Max("id"))["m"] or 0,
        "result_at": clock.now(),
    }


def _save_state(state: RollupState, marks: dict, *, as_of: dt.date, persons: int) -> None:
    for key, value in marks.items():
        setattr(state, key, value)
    state.as_of = as_of
    state.persons = persons
    state.refreshed_at = clock.now()
    state.save()


def _touched(
    state: RollupState, *, as_of: dt.date, settings: rules.Settings
) -> tuple[dict[int, dt.date], set[int]]:
    """Person → the first day whose facts may have changed since the last refresh; and the persons whose only
    change is the day's dose, the day after the last refresh (the usual night: their facts are appended to)."""
    touched: dict[int, dt.date] = {}
    others: set[int] = set()  # touched by anything but a dose on the day ``as_of``

    def touch(rows: Iterable[tuple[int, dt.date | None]], *, doses: bool = False) -> None:
        for person, day in rows:
            if day is None:
                continue
            # A dose row re-read by the overlap is yesterday's (or older): yesterday's the append checks for.
            if not doses or day < state.as_of:
                others.add(person)
            if person not in touched or day < touched[person]:
                touched[person] = day

    # Rows recorded since the last refresh, and rows already recorded for days it did not cover yet (today's
    # doses of a refresh run in the daytime, or records dated ahead).
    newly_covered = (state.as_of, as_of)
    touch(
        DoseDay.objects.filter(Q(id__gt=state.dose_day_id - ID_OVERLAP) | Q(day__gt=newly_covered[0]))
        .filter(day__lte=as_of)
        .values("person_id")
        .annotate(first=Min("day"))
        .values_list("person_id", "first"),
        doses=True,
    )
    touch(
        EpisodeEvent.objects.filter(
            Q(id__gt=state.episode_event_id - ID_OVERLAP) | Q(on__gt=newly_covered[0])
        )
        .filter(on__lte=as_of)
        .values("episode__person_id")
        .annotate(first=Min("on"))
        .values_list("episode__person_id", "first")
    )
    touch(
        LabTest.objects.filter(
            Q(id__gt=state.lab_test_id - ID_OVERLAP)
            | Q(result_at__gte=(state.result_at or clock.now()) - TIME_OVERLAP)
            | Q(collected_on__gt=newly_covered[0])
        )
        .filter(collected_on__lte=as_of)
        .values("person_id")
        .annotate(first=Min("collected_on"))
        .values_list("person_id", "first")
    )
    art = Referral.objects.filter(
        Q(
            pk__in=ReferralEvent.objects.filter(id__gt=state.referral_event_id - ID_OVERLAP).values(
                "referral_id"
            )
        )
        | Q(closed_on__gt=newly_covered[0], closed_on__lte=as_of),
        kind=ReferralKind.ART,
    ).values_list("person_id", "lab_test__collected_on", "made_at")
    touch((person, tested or made.astimezone(clock.SHANGHAI).date()) for person, tested, made in art)
    # Time alone: a gap after the last dose reaches the dropout length; a spell still waits for its first dose.
    gap = settings.dropout_gap_days
    before, now = state.as_of - dt.timedelta(days=gap), as_of - dt.timedelta(days=gap)
    touch(_gaps_reaching(before=before, now=now, covered=state.as_of))
    touch(
        SpellFact.objects.filter(
            first_dose_on__isnull=True, transfer_in=False, started_on__gt=before, started_on__lte=now
        ).values_list("person_id", "started_on")
    )
    appended = set(touched) - others if as_of == state.as_of + dt.timedelta(days=1) else set()
    return touched, appended


def _gaps_reaching(*, before: dt.date, now: dt.date, covered: dt.date) -> list[tuple[int, dt.date]]:
    """(person, last dose) of the persons whose last dose fell after ``before`` and on or before ``now``: their
    gap reaches the dropout length in the days the night newly covers. Read from the month facts (current up to
    ``covered``) rather than from every dose of the last days, then checked against the doses after ``now``."""
    if now <= before:
        return []
    months = rules.months_between(rules.month_start(before), covered)
    last = (
        PersonPeriod.objects.filter(kind=rules.Kind.MONTH, start__in=months)
        .values("person_id")
        .annotate(last=Max("last_day"))
        .filter(last__gt=before, last__lte=now)
        .values_list("person_id", "last")
    )
    found = dict(last)
    later = set(
        DoseDay.objects.filter(person_id__in=list(found), day__gt=now).values_list("person_id", flat=True)
    )
    return [(p, day) for p, day in found.items() if p not in later]


def _recompute(
    touched: dict[int, dt.date],
    *,
    as_of: dt.date,
    settings: rules.Settings,
    also: Iterable[tuple[str, dt.date]] = (),
    rebuild: bool = False,
) -> set[tuple[str, dt.date]]:
    """Recompute the touched persons' facts and bring the cube along: on a rebuild by summing every period
    afresh; on a refresh by subtracting the persons' old rows from the cube and adding their new ones, so the
    night's cost follows the people touched, not the size of the periods they fall in."""
    periods: set[tuple[str, dt.date]] = set(also)
    ordered = sorted(touched)
    for i in range(0, len(ordered), BATCH):
        batch = {p: touched[p] for p in ordered[i : i + BATCH]}
        periods |= _recompute_batch(batch, as_of=as_of, settings=settings, delta=not rebuild)
    if rebuild:
        _rebuild_cube(periods)
        medians.store(periods=periods)
    else:
        months = _delta_apply()
        medians.store(periods={p for m in months for p in _periods_of(m)})
    return periods


def _periods_of(day: dt.date) -> list[tuple[str, dt.date]]:
    return [
        (kind, rules.period_start(kind, day))
        for kind in (rules.Kind.MONTH, rules.Kind.QUARTER, rules.Kind.YEAR)
    ]


#: The night's appends (PostgreSQL), set-based. A person qualifies when the day's dose is their only change, it
#: follows their latest earlier dose by less than the dropout length (no gap ends or opens), the month row of
#: that earlier dose ends on it (so no dose of yesterday committed late is missing), at the same clinic, and
#: their latest spell (the only one a dose can still belong to) had its first dose already. Then no earlier row
#: or spell changes: the month, quarter and year rows of the day gain a day, or begin with it when the day opens
#: a month, quarter or year for them. Everyone else is recomputed in full; both give the same rows.
_NIGHT = "jiedu_night"
_NIGHT_SQL = """
INSERT INTO jiedu_night (person_id, mg, clinic_id, county, sex, age_band)
WITH today AS MATERIALIZED (
    SELECT dd.person_id, dd.ordered_mg AS mg, e.clinic_id
    FROM mmt_doseday dd
    JOIN jiedu_night_candidate c ON c.person_id = dd.person_id
    JOIN mmt_episode e ON e.id = dd.episode_id
    WHERE dd.id > %(since_id)s AND dd.day = %(day)s
)
SELECT t.person_id, t.mg, t.clinic_id, pp.county, p.sex, CASE {bands} END
FROM today t
CROSS JOIN LATERAL (
    SELECT max(x.day) AS day FROM mmt_doseday x WHERE x.person_id = t.person_id AND x.day < %(day)s
) prev
JOIN indicators_personperiod pp
  ON pp.person_id = t.person_id AND pp.kind = 'M' AND pp.start = CAST(date_trunc('month', prev.day) AS date)
JOIN patients_person p ON p.id = t.person_id
WHERE prev.day >= %(day)s::date - %(gap)s
  AND pp.last_day = prev.day AND pp.clinic_id = t.clinic_id
  AND (
      SELECT s.first_dose_on FROM indicators_spellfact s
      WHERE s.person_id = t.person_id AND NOT s.transfer_in
      ORDER BY s.started_on DESC, s.episode_id DESC LIMIT 1
  ) IS NOT NULL
"""
#: Not known positive before the period (the month, and any quarter or year it opens, starts on the same day).
_ELIGIBLE = """NOT EXISTS (
    SELECT 1 FROM labs_labtest l WHERE l.person_id = n.person_id AND l.kind = '{kind}'
    AND l.result = 'positive' AND l.collected_on < %(month)s
)"""
_GAIN_SQL = """
UPDATE indicators_personperiod pp
SET days = pp.days + 1, mg_sum = pp.mg_sum + n.mg, last_mg = n.mg, last_day = %(day)s,
    clinic_id = n.clinic_id, county = n.county,
    dosed_last_month = CASE pp.kind WHEN 'M' THEN TRUE WHEN 'Q' THEN %(q_last)s ELSE %(y_last)s END
FROM jiedu_night n
WHERE pp.person_id = n.person_id
  AND ((pp.kind = 'M' AND pp.start = %(month)s) OR (pp.kind = 'Q' AND pp.start = %(quarter)s)
       OR (pp.kind = 'Y' AND pp.start = %(year)s))
"""
_BEGIN_SQL = """
INSERT INTO indicators_personperiod (
    person_id, kind, start, clinic_id, county, sex, age_band, days, mg_sum, last_mg, first_day, last_day,
    dosed_last_month, dropout_start, urine_tests, urine_positive, hiv_eligible, hiv_tested, hcv_eligible,
    hcv_tested, syphilis_eligible, syphilis_tested, hiv_at_risk_tested, hiv_seroconverted, hiv_new_positive,
    art_linked
)
SELECT n.person_id, k.kind, k.start, n.clinic_id, n.county, n.sex, n.age_band, 1, n.mg, n.mg, %(day)s,
       %(day)s, k.last_month, NULL, 0, 0, {hiv}, FALSE, {hcv}, FALSE, {syphilis}, FALSE, FALSE, FALSE, FALSE,
       FALSE
FROM jiedu_night n
CROSS JOIN (VALUES ('M', %(month)s::date, TRUE), ('Q', %(quarter)s::date, %(q_last)s),
                   ('Y', %(year)s::date, %(y_last)s)) AS k(kind, start, last_month)
WHERE NOT EXISTS (
    SELECT 1 FROM indicators_personperiod pp
    WHERE pp.person_id = n.person_id AND pp.kind = k.kind AND pp.start = k.start
)
"""
_DOSES_SQL = """
INSERT INTO indicators_personmonthdose (person_id, month, clinic_id, county, mg, days)
SELECT person_id, %(month)s, clinic_id, county, mg, 1 FROM jiedu_night
ON CONFLICT (person_id, month, mg) DO UPDATE SET days = indicators_personmonthdose.days + 1
"""


def _append_doses(persons: set[int], *, day: dt.date, settings: rules.Settings, since_id: int) -> set[int]:
    """Append the day's dose to the facts of those of ``persons`` who qualify (see _NIGHT_SQL), moving the cube
    by their rows' change; the persons done. The day's doses are read from those recorded after ``since_id``
    (the rows the night found new): a dose recorded before the last refresh leaves its person to the full
    recomputation. On SQLite (a clinic's own server, small) everyone is recomputed instead."""
    if connection.vendor != "postgresql" or not persons:
        return set()
    bands = " ".join(
        f"WHEN date_part('year', age(%(month)s::date, p.birth_date)) >= {b} THEN {b}"
        for b in sorted(rules.AGE_BANDS, reverse=True)
    )
    params = {
        "day": day,
        "ids": sorted(persons),
        "since_id": since_id,
        "gap": settings.dropout_gap_days,
        "month": rules.month_start(day),
        "quarter": rules.quarter_start(day),
        "year": rules.year_start(day),
        "q_last": day.month % 3 == 0,
        "y_last": day.month == 12,
    }
    eligible = {kind: _ELIGIBLE.format(kind=kind) for kind in rules.INFECTIONS}
    night = {
        "who": f"person_id IN (SELECT person_id FROM {_NIGHT})",  # noqa: S608
        "params": [],
        "periods": _PERIODS.format(op="="),
        "period_params": [params["month"], params["quarter"], params["year"]],
    }
    _delta_open()
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {_NIGHT} (person_id INTEGER PRIMARY KEY, "
            "mg NUMERIC(6, 1), clinic_id INTEGER, county VARCHAR(6), sex VARCHAR(1), age_band SMALLINT)"
        )
        cursor.execute(f"DELETE FROM {_NIGHT}")  # noqa: S608
        cursor.execute(
            "CREATE TEMPORARY TABLE IF NOT EXISTS jiedu_night_candidate (person_id INTEGER PRIMARY KEY)"
        )
        cursor.execute("DELETE FROM jiedu_night_candidate")
        cursor.execute(
            "INSERT INTO jiedu_night_candidate SELECT unnest(%(ids)s::integer[])", {"ids": params["ids"]}
        )
        cursor.execute("ANALYZE jiedu_night_candidate")
        cursor.execute(_NIGHT_SQL.format(bands=f"{bands} ELSE 0"), params)
        cursor.execute(f"ANALYZE {_NIGHT}")
        _delta_add(-1, **night)
        cursor.execute(_GAIN_SQL, params)
        cursor.execute(_BEGIN_SQL.format(**eligible), params)
        _delta_add(+1, **night)
        cursor.execute(_DOSES_SQL, params)
        cursor.execute(
            f"INSERT INTO {_HIST_DELTA} SELECT clinic_id, county, %s, mg, COUNT(*) "  # noqa: S608
            f"FROM {_NIGHT} GROUP BY clinic_id, county, mg",
            [params["month"]],
        )
        cursor.execute(f"SELECT person_id FROM {_NIGHT}")  # noqa: S608
        return {row[0] for row in cursor.fetchall()}


def _window(affected: dt.date, settings: rules.Settings) -> dt.date:
    """The first month whose facts a change on ``affected`` can reach: a dose's dropout depends on the next
    dose, up to the dropout length later."""
    if affected <= EVERYTHING:
        return EVERYTHING
    return rules.month_start(affected - dt.timedelta(days=settings.dropout_gap_days + 1))


def _recompute_batch(
    batch: dict[int, dt.date], *, as_of: dt.date, settings: rules.Settings, delta: bool
) -> set[tuple[str, dt.date]]:
    window = {p: _window(a, settings) for p, a in batch.items()}
    earliest = min(window.values())
    ids = list(batch)
    persons = {p.pk: p for p in Person.objects.filter(pk__in=ids).only("pk", "sex", "birth_date")}
    episodes: dict[int, list[rules.EpisodeIn]] = defaultdict(list)
    for e in Episode.objects.filter(person_id__in=ids).values_list(
        "id",
        "person_id",
        "clinic_id",
        "clinic__region_id",
        "number",
        "started_on",
        "ended_on",
        "exit_reason",
        "transferred_from_id",
    ):
        episodes[e[1]].append(rules.EpisodeIn(e[0], e[2], e[3], e[4], e[5], e[6], e[7], e[8]))
    doses: dict[int, list[rules.DoseIn]] = defaultdict(list)
    for person, day, episode, mg in (
        DoseDay.objects.filter(person_id__in=ids, day__gte=earliest, day__lte=as_of)
        .order_by("person_id", "day")
        .values_list("person_id", "day", "episode_id", "ordered_mg")
    ):
        if day >= window[person]:
            doses[person].append(rules.DoseIn(day, episode, mg))
    tests: dict[int, list[rules.TestIn]] = defaultdict(list)
    for person, day, kind, result in (
        LabTest.objects.filter(person_id__in=ids, collected_on__lte=as_of)
        .filter(~Q(kind="urine") | Q(collected_on__gte=earliest))
        .values_list("person_id", "collected_on", "kind", "result")
    ):
        tests[person].append(rules.TestIn(day, kind, result))
    art: dict[int, dt.date] = {}
    for person, closed in Referral.objects.filter(
        person_id__in=ids, kind=ReferralKind.ART, outcome=Outcome.ART_STARTED, closed_on__lte=as_of
    ).values_list("person_id", "closed_on"):
        art[person] = min(closed, art.get(person, closed))
    # Stored month rows before each person's window: the rest of their quarters and years, and their dropouts.
    stored: dict[int, list[rules.PeriodFact]] = defaultdict(list)
    prior_dropouts: dict[int, list[dt.date]] = defaultdict(list)
    year_floor = rules.year_start(earliest)
    for row in PersonPeriod.objects.filter(
        Q(start__gte=year_floor) | Q(dropout_start__isnull=False), person_id__in=ids, kind=rules.Kind.MONTH
    ).values():
        person = row["person_id"]
        if row["start"] >= window[person]:
            continue
        if row["dropout_start"]:
            prior_dropouts[person].append(row["dropout_start"])
        if row["start"] >= rules.year_start(window[person]):
            stored[person].append(_fact_from_row(row))
    prior_first = dict(SpellFact.objects.filter(person_id__in=ids).values_list("episode_id", "first_dose_on"))

    month_rows: list[tuple] = []
    dose_rows: list[tuple] = []
    rolled_rows: list[tuple] = []
    spell_rows: list[tuple] = []
    periods: set[tuple[str, dt.date]] = set()
    for pid in ids:
        person = persons[pid]
        start = window[pid]
        data = rules.PersonIn(
            id=pid,
            sex=person.sex,
            birth_date=person.birth_date,
            episodes=episodes[pid],
            doses=doses[pid],
            tests=tests[pid],
            art_started_on=art.get(pid),
        )
        if start <= EVERYTHING:  # a rebuild: from the first dose on
            start = rules.month_start(doses[pid][0].day) if doses[pid] else rules.month_start(as_of)
        months = rules.months_between(start, as_of)
        fresh, rolled = rules.person_facts(
            data, months=months, stored=stored[pid], as_of=as_of, settings=settings
        )
        for fact in fresh:
            month_rows.append(_row(pid, fact))
            dose_rows.extend(
                (pid, fact.start, fact.clinic_id, fact.county, mg, n) for mg, n in fact.doses_by_mg.items()
            )
        rolled_rows.extend(_row(pid, fact) for fact in rolled)
        spell_rows.extend(
            _spell_row(pid, s)
            for s in rules.spells(
                data,
                as_of=as_of,
                settings=settings,
                since=None if window[pid] <= EVERYTHING else start,
                prior_dropouts=prior_dropouts[pid],
                prior_first_doses=prior_first,
            )
        )
    # Replace the rows from each person's window on.
    by_window: dict[dt.date, list[int]] = defaultdict(list)
    for pid, start in window.items():
        by_window[start].append(pid)
    if delta:
        _delta_open()
        for start, pids in by_window.items():
            _delta_persons(-1, pids, start)
    for start, pids in by_window.items():
        old = PersonPeriod.objects.filter(person_id__in=pids)
        periods |= set(
            old.filter(
                Q(kind=rules.Kind.MONTH, start__gte=start)
                | Q(kind=rules.Kind.QUARTER, start__gte=rules.quarter_start(start))
                | Q(kind=rules.Kind.YEAR, start__gte=rules.year_start(start))
            )
            .values_list("kind", "start")
            .order_by()
            .distinct()
        )
        old.filter(
            Q(kind=rules.Kind.MONTH, start__gte=start)
            | Q(kind=rules.Kind.QUARTER, start__gte=rules.quarter_start(start))
            | Q(kind=rules.Kind.YEAR, start__gte=rules.year_start(start))
        ).delete()
        PersonMonthDose.objects.filter(person_id__in=pids, month__gte=start).delete()
    SpellFact.objects.filter(person_id__in=ids).delete()
    insert_rows(PersonPeriod, PERSON_PERIOD_FIELDS, month_rows + rolled_rows)
    insert_rows(PersonMonthDose, ("person_id", "month", "clinic_id", "county", "mg", "days"), dose_rows)
    insert_rows(SpellFact, SPELL_FIELDS, spell_rows)
    if delta:
        for start, pids in by_window.items():
            _delta_persons(+1, pids, start)
    periods |= {(r[1], r[2]) for r in month_rows + rolled_rows}
    return periods


PERSON_PERIOD_FIELDS = (
    "person_id",
    "kind",
    "start",
    "clinic_id",
    "county",
    "sex",
    "age_band",
    "days",
    "mg_sum",
    "last_mg",
    "first_day",
    "last_day",
    "dosed_last_month",
    "dropout_start",
    "urine_tests",
    "urine_positive",
    "hiv_eligible",
    "hiv_tested",
    "hcv_eligible",
    "hcv_tested",
    "syphilis_eligible",
    "syphilis_tested",
    "hiv_at_risk_tested",
    "hiv_seroconverted",
    "hiv_new_positive",
    "art_linked",
)
SPELL_FIELDS = (
    "episode_id",
    "person_id",
    "clinic_id",
    "county",
    "sex",
    "age_band",
    "started_on",
    "ended_on",
    "exit_reason",
    "first_ever",
    "transfer_in",
    "first_dose_on",
    "retention_end",
    "at_3m",
    "at_6m",
    "at_12m",
)


def insert_rows(model: type, fields: Sequence[str], rows: list[tuple]) -> None:
    """Append ``rows`` (tuples in the order of ``fields``, attribute names) to the model's table: with COPY on
    PostgreSQL (the facts are derived rows of plain types; no model instance is built), else executemany."""
    if not rows:
        return
    meta = model._meta
    columns = [meta.get_field(f.removesuffix("_id") if f.endswith("_id") else f).column for f in fields]
    table = connection.ops.quote_name(meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({marks})",  # noqa: S608 -- names from _meta
                [tuple(_plain(v) for v in row) for row in rows],
            )


def _plain(value: Any) -> Any:
    """SQLite's parameters: decimals as text (Django stores DecimalField so), the rest as they are."""
    return str(value) if isinstance(value, Decimal) else value


def _fact_from_row(row: dict) -> rules.PeriodFact:
    return rules.PeriodFact(
        kind=row["kind"],
        start=row["start"],
        clinic_id=row["clinic_id"],
        county=row["county"],
        sex=row["sex"],
        age_band=row["age_band"],
        days=row["days"],
        mg_sum=row["mg_sum"],
        last_mg=row["last_mg"],
        first_day=row["first_day"],
        last_day=row["last_day"],
        dosed_last_month=row["dosed_last_month"],
        dropout_start=row["dropout_start"],
        urine_tests=row["urine_tests"],
        urine_positive=row["urine_positive"],
    )


def _row(pid: int, fact: rules.PeriodFact) -> tuple:
    """The fact as a row in the order of PERSON_PERIOD_FIELDS."""
    return (
        pid,
        fact.kind,
        fact.start,
        fact.clinic_id,
        fact.county,
        fact.sex,
        fact.age_band,
        fact.days,
        fact.mg_sum,
        fact.last_mg,
        fact.first_day,
        fact.last_day,
        fact.dosed_last_month,
        fact.dropout_start,
        fact.urine_tests,
        fact.urine_positive,
        *fact.infection["hiv"],
        *fact.infection["hcv"],
        *fact.infection["syphilis"],
        fact.hiv_at_risk_tested,
        fact.hiv_seroconverted,
        fact.hiv_new_positive,
        fact.art_linked,
    )


def _spell_row(pid: int, s: rules.SpellFact) -> tuple:
    """The spell as a row in the order of SPELL_FIELDS."""
    at = (None, None, None) if s.transfer_in else tuple(rules.add_months(s.started_on, k) for k in (3, 6, 12))
    return (
        s.episode_id,
        pid,
        s.clinic_id,
        s.county,
        s.sex,
        s.age_band,
        s.started_on,
        s.ended_on,
        s.exit_reason,
        s.first_ever,
        s.transfer_in,
        s.first_dose_on,
        s.retention_end,
        *at,
    )


#: The cube's sums as expressions over a person row (portable SQL: booleans are summed as 0/1).
_CUBE_TERMS: tuple[tuple[str, str], ...] = (
    ("persons", "1"),
    ("persons_last_month", "CASE WHEN dosed_last_month THEN 1 ELSE 0 END"),
    ("persons_ge60", "CASE WHEN last_mg >= 60 THEN 1 ELSE 0 END"),
    ("dropouts", "CASE WHEN dropout_start IS NOT NULL THEN 1 ELSE 0 END"),
    ("days", "days"),
    ("mg_sum", "mg_sum"),
    ("urine_tested", "CASE WHEN urine_tests > 0 THEN 1 ELSE 0 END"),
    ("urine_tests", "urine_tests"),
    ("urine_positive", "urine_positive"),
    *(
        (flag, f"CASE WHEN {flag} THEN 1 ELSE 0 END")
        for flag in (
            "hiv_eligible",
            "hiv_tested",
            "hcv_eligible",
            "hcv_tested",
            "syphilis_eligible",
            "syphilis_tested",
            "hiv_at_risk_tested",
            "hiv_seroconverted",
            "hiv_new_positive",
            "art_linked",
        )
    ),
)
_CUBE_KEY = ("clinic_id", "kind", "start", "sex", "age_band")
_HIST_KEY = ("clinic_id", "month", "mg")
_DELTA, _HIST_DELTA = "jiedu_cube_delta", "jiedu_hist_delta"


def _persons_in(pids: Sequence[int]) -> tuple[str, list[Any]]:
    if connection.vendor == "postgresql":
        return "person_id = ANY(%s)", [list(pids)]
    return f"person_id IN ({', '.join(['%s'] * len(pids))})", list(pids)


def _delta_open() -> None:
    """The session's scratch tables of signed cube and histogram changes (created once per connection)."""
    sums = ", ".join(
        f"{name} {'NUMERIC(16, 1)' if name == 'mg_sum' else 'BIGINT'}" for name, _ in _CUBE_TERMS
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {_DELTA} (clinic_id INTEGER, county VARCHAR(6), "
            f"kind VARCHAR(1), start DATE, sex VARCHAR(1), age_band SMALLINT, {sums})"
        )
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {_HIST_DELTA} (clinic_id INTEGER, county VARCHAR(6), "
            "month DATE, mg NUMERIC(6, 1), days BIGINT)"
        )


def _delta_add(
    sign: int,
    who: str,
    params: Sequence[Any],
    *,
    periods: str,
    period_params: Sequence[Any],
    doses_since: dt.date | None = None,
) -> None:
    """Add ``sign`` × the rows of the persons ``who`` selects in the ``periods`` to the cube's scratch table
    (−1 before they are replaced, +1 after), and their dose counts from ``doses_since`` on to the histograms'."""
    sums = ", ".join(f"{sign} * SUM({term})" for _, term in _CUBE_TERMS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_DELTA} SELECT clinic_id, county, kind, start, sex, age_band, {sums} "  # noqa: S608
            f"FROM indicators_personperiod WHERE {who} AND ({periods}) "
            "GROUP BY clinic_id, county, kind, start, sex, age_band",
            [*params, *period_params],
        )
        if doses_since is not None:
            cursor.execute(
                f"INSERT INTO {_HIST_DELTA} SELECT clinic_id, county, month, mg, {sign} * SUM(days) "  # noqa: S608
                f"FROM indicators_personmonthdose WHERE {who} AND month >= %s "
                "GROUP BY clinic_id, county, month, mg",
                [*params, doses_since],
            )


#: The periods of a day: its month, quarter and year (rows from a day on: ``>=`` instead of ``=``).
_PERIODS = (
    "(kind = 'M' AND start {op} %s) OR (kind = 'Q' AND start {op} %s) OR (kind = 'Y' AND start {op} %s)"
)


def _delta_persons(sign: int, pids: Sequence[int], since: dt.date) -> None:
    """The persons' rows from ``since`` on (months; the quarter and year that hold it) and dose counts."""
    who, params = _persons_in(pids)
    _delta_add(
        sign,
        who,
        params,
        periods=_PERIODS.format(op=">="),
        period_params=[since, rules.quarter_start(since), rules.year_start(since)],
        doses_since=since,
    )


def _delta_apply() -> set[dt.date]:
    """Add the netted changes to the cube and the histograms: update the rows that exist, insert those that
    do not, delete those left empty; then clear the scratch tables. The months whose histograms changed."""
    _delta_open()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT month FROM {_HIST_DELTA} WHERE days <> 0")  # noqa: S608
        months = {medians.as_date(row[0]) for row in cursor.fetchall()}
    _apply(
        _DELTA,
        "indicators_unitperiod",
        _CUBE_KEY,
        [name for name, _ in _CUBE_TERMS],
        empty="persons = 0",
    )
    _apply(_HIST_DELTA, "indicators_dosehistogram", _HIST_KEY, ["days"], empty="days = 0")
    return months


def _apply(scratch: str, table: str, key: Sequence[str], sums: Sequence[str], *, empty: str) -> None:
    keys = ", ".join(key)
    netted = (
        f"SELECT {keys}, MAX(county) AS county, {', '.join(f'SUM({c}) AS {c}' for c in sums)} "  # noqa: S608
        f"FROM {scratch} GROUP BY {keys}"
    )
    match = " AND ".join(f"t.{k} = d.{k}" for k in key)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {scratch}_net AS {netted}")
        if connection.vendor == "postgresql":  # the planner knows nothing of a table just made
            cursor.execute(f"ANALYZE {scratch}_net")
        cursor.execute(
            f"UPDATE {table} AS t SET {', '.join(f'{c} = t.{c} + d.{c}' for c in sums)} "  # noqa: S608
            f"FROM {scratch}_net AS d WHERE {match}"
        )
        cursor.execute(
            f"INSERT INTO {table} ({keys}, county, {', '.join(sums)}) "  # noqa: S608
            f"SELECT {keys}, county, {', '.join(sums)} FROM {scratch}_net AS d "
            f"WHERE NOT EXISTS (SELECT 1 FROM {table} AS t WHERE {match})"
        )
        gone = " AND ".join(f"{table}.{k} = d.{k}" for k in key)
        cursor.execute(
            f"DELETE FROM {table} WHERE {empty} AND EXISTS "  # noqa: S608
            f"(SELECT 1 FROM {scratch}_net AS d WHERE {gone})"
        )
        cursor.execute(f"DROP TABLE {scratch}_net")
        cursor.execute(f"DELETE FROM {scratch}")  # noqa: S608


def _true(name: str) -> Count:
    return Count("id", filter=Q(**{name: True}))


def _rebuild_cube(periods: set[tuple[str, dt.date]]) -> None:
    """Replace the cube rows of ``periods`` with sums of the person rows."""
    for kind, start in sorted(periods):
        UnitPeriod.objects.filter(kind=kind, start=start).delete()
        sums = (
            PersonPeriod.objects.filter(kind=kind, start=start)
            .values("clinic_id", "county", "sex", "age_band")
            .annotate(
                n=Count("id"),
                last_month=_true("dosed_last_month"),
                ge60=Count("id", filter=Q(last_mg__gte=Decimal("60"))),
                out=Count("id", filter=Q(dropout_start__isnull=False)),
                d=Sum("days"),
                mg=Sum("mg_sum"),
                u_tested=Count("id", filter=Q(urine_tests__gt=0)),
                u_tests=Sum("urine_tests"),
                u_pos=Sum("urine_positive"),
                hiv_e=_true("hiv_eligible"),
                hiv_t=_true("hiv_tested"),
                hcv_e=_true("hcv_eligible"),
                hcv_t=_true("hcv_tested"),
                syp_e=_true("syphilis_eligible"),
                syp_t=_true("syphilis_tested"),
                risk=_true("hiv_at_risk_tested"),
                sero=_true("hiv_seroconverted"),
                new_pos=_true("hiv_new_positive"),
                art=_true("art_linked"),
            )
            .order_by()
        )
        UnitPeriod.objects.bulk_create(
            [
                UnitPeriod(
                    clinic_id=s["clinic_id"],
                    county=s["county"],
                    kind=kind,
                    start=start,
                    sex=s["sex"],
                    age_band=s["age_band"],
                    persons=s["n"],
                    persons_last_month=s["last_month"],
                    persons_ge60=s["ge60"],
                    dropouts=s["out"],
                    days=s["d"],
                    mg_sum=s["mg"],
                    urine_tested=s["u_tested"],
                    urine_tests=s["u_tests"],
                    urine_positive=s["u_pos"],
                    hiv_eligible=s["hiv_e"],
                    hiv_tested=s["hiv_t"],
                    hcv_eligible=s["hcv_e"],
                    hcv_tested=s["hcv_t"],
                    syphilis_eligible=s["syp_e"],
                    syphilis_tested=s["syp_t"],
                    hiv_at_risk_tested=s["risk"],
                    hiv_seroconverted=s["sero"],
                    hiv_new_positive=s["new_pos"],
                    art_linked=s["art"],
                )
                for s in sums
            ],
            batch_size=5000,
        )
        if kind == rules.Kind.MONTH:
            DoseHistogram.objects.filter(month=start).delete()
            DoseHistogram.objects.bulk_create(
                [
                    DoseHistogram(
                        clinic_id=h["clinic_id"], county=h["county"], month=start, mg=h["mg"], days=h["n"]
                    )
                    for h in PersonMonthDose.objects.filter(month=start)
                    .values("clinic_id", "county", "mg")
                    .annotate(n=Sum("days"))
                    .order_by()
                ],
                batch_size=5000,
            )
