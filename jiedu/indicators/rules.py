"""Pure rules of the indicators: periods, age bands, one person's facts, cohort retention, Kaplan–Meier and
medians from histograms. No ORM and no clock: everything they need is passed in (docs/adr/0012).

A person's facts are computed from their dose days, episodes, tests and ART start, for calendar months; the
quarter and year rows are built from the month rows. Every figure on a dashboard is a sum over such rows, so
each person is counted once in any region and period however often they moved between clinics.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from jiedu.core.months import month_end


class Kind:
    """Period kinds of the facts and the cube."""

    MONTH = "M"
    QUARTER = "Q"
    YEAR = "Y"


#: Age bands (lower bounds, years) used for every age disaggregation; the label is "lower–upper".
AGE_BANDS: tuple[int, ...] = (0, 25, 35, 45, 55)

#: Infections tested at entry and on a schedule.
INFECTIONS = ("hiv", "hcv", "syphilis")


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def year_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 1, 1)


def period_start(kind: str, day: dt.date) -> dt.date:
    return {Kind.MONTH: month_start, Kind.QUARTER: quarter_start, Kind.YEAR: year_start}[kind](day)


def period_end(kind: str, start: dt.date) -> dt.date:
    if kind == Kind.MONTH:
        return month_end(start)
    if kind == Kind.QUARTER:
        return month_end(add_months(start, 2))
    return dt.date(start.year, 12, 31)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later; the 31st (or 29 February) falls back to the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """First days of the months from ``first``'s month to ``last``'s, both included."""
    out, current = [], month_start(first)
    while current <= last:
        out.append(current)
        current = add_months(current, 1)
    return out


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def age_band(birth: dt.date, day: dt.date) -> int:
    """The lower bound of the age band of a person born on ``birth``, on ``day`` (a period's first day)."""
    age = age_on(birth, day)
    return max((b for b in AGE_BANDS if age >= b), default=AGE_BANDS[0])


def age_band_label(lower: int) -> str:
    index = AGE_BANDS.index(lower)
    if index + 1 < len(AGE_BANDS):
        return f"{lower}–{AGE_BANDS[index + 1] - 1}"
    return f"{lower}+"


# --- one person's inputs and facts ----------------------------------------------------------------------


@dataclass(frozen=True)
class EpisodeIn:
    id: int
    clinic_id: int
    county: str
    number: int
    started_on: dt.date | None
    ended_on: dt.date | None
    exit_reason: str
    transferred_from_id: int | None


@dataclass(frozen=True)
class DoseIn:
    day: dt.date
    episode_id: int
    mg: Decimal


@dataclass(frozen=True)
class TestIn:
    collected_on: dt.date
    kind: str  # urine / hiv / hcv / syphilis
    result: str  # positive / negative / indeterminate / "" (pending)


@dataclass(frozen=True)
class PersonIn:
    id: int
    sex: str
    birth_date: dt.date
    episodes: Sequence[EpisodeIn]
    doses: Sequence[DoseIn]  # ascending by day, one per day
    tests: Sequence[TestIn]  # every test of the person (history is needed for infections)
    art_started_on: dt.date | None = None


@dataclass
class PeriodFact:
    """What one person contributed to one period (only periods in which they were dosed)."""

    kind: str
    start: dt.date
    clinic_id: int
    county: str
    sex: str
    age_band: int
    days: int = 0
    mg_sum: Decimal = Decimal("0")
    last_mg: Decimal = Decimal("0")
    first_day: dt.date | None = None
    last_day: dt.date | None = None
    dosed_last_month: bool = False
    dropout_start: dt.date | None = None
    urine_tests: int = 0
    urine_positive: int = 0
    #: Infection → (eligible: not known positive before the period, tested in the period).
    infection: dict[str, tuple[bool, bool]] = field(default_factory=dict)
    hiv_at_risk_tested: bool = False  # a negative HIV test before, tested again in the period
    hiv_seroconverted: bool = False  # ... and that test positive
    hiv_new_positive: bool = False  # first positive HIV result in the period
    art_linked: bool = False  # ... and ART started within the linkage days
    doses_by_mg: dict[Decimal, int] = field(default_factory=dict)  # month rows only

    @property
    def key(self) -> tuple[str, dt.date]:
        return (self.kind, self.start)


@dataclass(frozen=True)
class Settings:
    dropout_gap_days: int = 7
    art_linkage_days: int = 30


def dropout_starts(
    doses: Sequence[DoseIn], episodes: dict[int, EpisodeIn], *, as_of: dt.date, gap: int
) -> dict[dt.date, dt.date]:
    """Last dose day → the day its dropout gap began, for every dose followed by ``gap`` or more days without a
    dose (up to ``as_of``, the last day whose data is complete) that no recorded exit explains: an exit for
    another reason than dropout, recorded before the gap reached ``gap`` days (completed, detained, died,
    transferred …), ends treatment without a dropout."""
    out: dict[dt.date, dt.date] = {}
    for i, dose in enumerate(doses):
        following = doses[i + 1].day if i + 1 < len(doses) else None
        missed = ((following - dose.day).days - 1) if following else (as_of - dose.day).days
        if missed < gap:
            continue
        episode = episodes.get(dose.episode_id)
        if (
            episode is not None
            and episode.ended_on is not None
            and episode.exit_reason != "dropout"
            and episode.ended_on <= dose.day + dt.timedelta(days=gap)
        ):
            continue
        out[dose.day] = dose.day + dt.timedelta(days=1)
    return out


def person_months(
    person: PersonIn, *, months: Sequence[dt.date], as_of: dt.date, settings: Settings
) -> list[PeriodFact]:
    """The person's month facts for ``months`` (first days). ``person.doses`` must hold every dose from the
    first of those months up to ``as_of`` (a dose's dropout depends on the next one)."""
    episodes = {e.id: e for e in person.episodes}
    wanted = set(months)
    gaps = dropout_starts(person.doses, episodes, as_of=as_of, gap=settings.dropout_gap_days)
    facts: dict[dt.date, PeriodFact] = {}
    for dose in person.doses:
        if dose.day > as_of:
            break
        start = month_start(dose.day)
        if start not in wanted:
            continue
        episode = episodes[dose.episode_id]
        fact = facts.get(start)
        if fact is None:
            fact = facts[start] = PeriodFact(
                kind=Kind.MONTH,
                start=start,
                clinic_id=episode.clinic_id,
                county=episode.county,
                sex=person.sex,
                age_band=age_band(person.birth_date, start),
                first_day=dose.day,
            )
        fact.days += 1
        fact.mg_sum += dose.mg
        fact.last_mg = dose.mg
        fact.last_day = dose.day
        fact.clinic_id, fact.county = episode.clinic_id, episode.county  # the clinic of the last dose
        fact.doses_by_mg[dose.mg] = fact.doses_by_mg.get(dose.mg, 0) + 1
        if dose.day in gaps and fact.dropout_start is None:
            fact.dropout_start = gaps[dose.day]
    for fact in facts.values():
        end = month_end(fact.start)
        urine = [
            t for t in person.tests if t.kind == "urine" and t.result and fact.start <= t.collected_on <= end
        ]
        fact.urine_tests = len(urine)
        fact.urine_positive = sum(1 for t in urine if t.result == "positive")
        fact.dosed_last_month = True
        _infections_into(fact, person, settings=settings, end=end)
    return [facts[m] for m in sorted(facts)]


def _infections_into(fact: PeriodFact, person: PersonIn, *, settings: Settings, end: dt.date) -> None:
    start = fact.start
    tests = [t for t in person.tests if t.kind in INFECTIONS and t.result]
    within = [t for t in tests if start <= t.collected_on <= end]
    before = [t for t in tests if t.collected_on < start]
    for kind in INFECTIONS:
        known_positive = any(t.kind == kind and t.result == "positive" for t in before)
        tested = any(t.kind == kind for t in within)
        fact.infection[kind] = (not known_positive, tested and not known_positive)
    hiv_before = [t for t in before if t.kind == "hiv"]
    hiv_within = sorted((t for t in within if t.kind == "hiv"), key=lambda t: t.collected_on)
    if any(t.result == "positive" for t in hiv_before) or not hiv_within:
        return
    if any(t.result == "negative" for t in hiv_before):
        fact.hiv_at_risk_tested = True
        fact.hiv_seroconverted = any(t.result == "positive" for t in hiv_within)
    first_positive = next((t for t in hiv_within if t.result == "positive"), None)
    if first_positive is not None:
        fact.hiv_new_positive = True
        fact.art_linked = person.art_started_on is not None and (
            first_positive.collected_on
            <= person.art_started_on
            <= first_positive.collected_on + dt.timedelta(days=settings.art_linkage_days)
        )


def roll_up(
    kind: str, start: dt.date, months: Sequence[PeriodFact], person: PersonIn, settings: Settings
) -> PeriodFact:
    """A quarter or year row from the person's month rows inside it (ascending). Attributes of the period are
    those of its last dosed month: the clinic and county where the person was last dosed, the last dose. Urine
    tests are those of the dosed months; infections are judged over the whole period."""
    last = months[-1]
    end = period_end(kind, start)
    fact = PeriodFact(
        kind=kind,
        start=start,
        clinic_id=last.clinic_id,
        county=last.county,
        sex=person.sex,
        age_band=age_band(person.birth_date, start),
        days=sum(m.days for m in months),
        mg_sum=sum((m.mg_sum for m in months), Decimal("0")),
        last_mg=last.last_mg,
        first_day=months[0].first_day,
        last_day=last.last_day,
        dosed_last_month=month_start(end) == last.start,
        dropout_start=next((m.dropout_start for m in months if m.dropout_start), None),
        urine_tests=sum(m.urine_tests for m in months),
        urine_positive=sum(m.urine_positive for m in months),
    )
    _infections_into(fact, person, settings=settings, end=end)
    return fact


def person_facts(
    person: PersonIn,
    *,
    months: Sequence[dt.date],
    stored: Sequence[PeriodFact],
    as_of: dt.date,
    settings: Settings,
) -> tuple[list[PeriodFact], list[PeriodFact]]:
    """Fresh month rows for ``months`` (from the person's doses, which start at the first of them) and the
    quarter and year rows of every quarter and year those months touch, rolled up from the fresh rows and the
    ``stored`` month rows of the earlier months of those quarters and years."""
    fresh = person_months(person, months=months, as_of=as_of, settings=settings)
    recomputed = set(months)
    known = sorted([m for m in stored if m.start not in recomputed] + fresh, key=lambda m: m.start)
    rolled: list[PeriodFact] = []
    for kind in (Kind.QUARTER, Kind.YEAR):
        for start in sorted({period_start(kind, m) for m in months}):
            inside = [m for m in known if period_start(kind, m.start) == start]
            if inside:
                rolled.append(roll_up(kind, start, inside, person, settings))
    return fresh, rolled


# --- enrolment episodes and retention -------------------------------------------------------------------


@dataclass
class SpellFact:
    """One episode as the indicators see it. A treatment spell starts with an episode that is not a transfer
    and runs on through the transfers that follow it; it ends at the first dropout or at an exit."""

    episode_id: int
    clinic_id: int
    county: str
    sex: str
    age_band: int
    started_on: dt.date
    ended_on: dt.date | None
    exit_reason: str
    first_ever: bool
    transfer_in: bool
    first_dose_on: dt.date | None = None  # spells only (not transfer-in episodes)
    retention_end: dt.date | None = None  # spells only


def spells(
    person: PersonIn,
    *,
    as_of: dt.date,
    settings: Settings,
    since: dt.date | None = None,
    prior_dropouts: Sequence[dt.date] = (),
    prior_first_doses: dict[int, dt.date | None] | None = None,
) -> list[SpellFact]:
    """Every started episode of the person, with the first dose and retention end of the spells they open.

    ``person.doses`` hold the doses from ``since`` on (None: all of them). What happened before ``since`` comes
    from the stored facts and cannot have changed: ``prior_dropouts`` (dropout starts after doses before
    ``since``) and ``prior_first_doses`` (a spell's first dose, by its first episode)."""
    episodes = sorted((e for e in person.episodes if e.started_on), key=lambda e: (e.started_on, e.number))
    by_previous = {e.transferred_from_id: e for e in episodes if e.transferred_from_id}
    by_id = {e.id: e for e in person.episodes}
    gaps = dropout_starts(person.doses, by_id, as_of=as_of, gap=settings.dropout_gap_days)
    prior_first_doses = prior_first_doses or {}
    earlier_spell = False
    out: list[SpellFact] = []
    for episode in episodes:
        transfer_in = episode.transferred_from_id is not None
        fact = SpellFact(
            episode_id=episode.id,
            clinic_id=episode.clinic_id,
            county=episode.county,
            sex=person.sex,
            age_band=age_band(person.birth_date, episode.started_on),
            started_on=episode.started_on,
            ended_on=episode.ended_on,
            exit_reason=episode.exit_reason,
            first_ever=not transfer_in and not earlier_spell,
            transfer_in=transfer_in,
        )
        if not transfer_in:
            earlier_spell = True
            chain = [episode]
            while chain[-1].id in by_previous:
                chain.append(by_previous[chain[-1].id])
            ids = {e.id for e in chain}
            days = [d.day for d in person.doses if d.episode_id in ids and d.day >= episode.started_on]
            prior = prior_first_doses.get(episode.id)
            known_before = since is not None and prior is not None and prior < since
            fact.first_dose_on = prior if known_before else (days[0] if days else None)
            dropouts = [d for d in prior_dropouts if d >= episode.started_on]
            dropouts += [gaps[d] for d in days if d in gaps]
            fact.retention_end = retention_end(
                chain, first_dose_on=fact.first_dose_on, dropouts=dropouts, as_of=as_of, settings=settings
            )
        out.append(fact)
    return out


def retention_end(
    chain: Sequence[EpisodeIn],
    *,
    first_dose_on: dt.date | None,
    dropouts: Sequence[dt.date],
    as_of: dt.date,
    settings: Settings,
) -> dt.date | None:
    """The day the spell stopped being in treatment: the first dropout gap's first day, or the day of an exit
    other than a transfer; None while it goes on (censored at ``as_of``). A spell whose first dose does not come
    within the dropout gap of its start ends on its first day."""
    start = chain[0].started_on
    waited = (first_dose_on - start).days if first_dose_on else (as_of - start).days + 1
    if waited >= settings.dropout_gap_days:
        return start
    candidates = list(dropouts)
    last = chain[-1]
    if last.ended_on is not None and last.exit_reason != "transferred":
        candidates.append(last.ended_on)
    return min(candidates) if candidates else None


def spell_duration(started_on: dt.date, end: dt.date | None, as_of: dt.date) -> tuple[int, bool]:
    """(days in treatment, ended?) — censored spells count the days up to and including ``as_of``."""
    if end is None:
        return (as_of - started_on).days + 1, False
    return (end - started_on).days, True


@dataclass(frozen=True)
class CurvePoint:
    day: int
    at_risk: int
    events: int
    survival: float


def kaplan_meier(durations: Iterable[tuple[int, bool]]) -> list[CurvePoint]:
    """The product-limit estimate: at each day with an event, S *= 1 − events / at risk. Censored spells leave
    the risk set after the day they were last seen (ties: events before censoring, as is conventional)."""
    data = sorted(durations)
    at_risk = len(data)
    survival = 1.0
    points = [CurvePoint(0, at_risk, 0, 1.0)]
    i = 0
    while i < len(data):
        day = data[i][0]
        events = censored = 0
        while i < len(data) and data[i][0] == day:
            if data[i][1]:
                events += 1
            else:
                censored += 1
            i += 1
        if events:
            survival *= 1 - events / at_risk
            points.append(CurvePoint(day, at_risk, events, survival))
        at_risk -= events + censored
    return points


def survival_at(curve: Sequence[CurvePoint], day: int) -> float:
    value = 1.0
    for point in curve:
        if point.day > day:
            break
        value = point.survival
    return value


def histogram_median(counts: dict[Decimal, int]) -> Decimal | None:
    """The median of the values counted in ``counts`` (the mean of the two middle values for an even total)."""
    total = sum(counts.values())
    if not total:
        return None
    values = sorted(counts)
    lower_rank, upper_rank = (total + 1) // 2, total // 2 + 1
    seen, lower, upper = 0, None, None
    for value in values:
        seen += counts[value]
        if lower is None and seen >= lower_rank:
            lower = value
        if seen >= upper_rank:
            upper = value
            break
    assert lower is not None and upper is not None
    return (lower + upper) / 2 if total % 2 == 0 else lower


def ratio(
    numerator: int | Decimal | None, denominator: int | Decimal | None, scale: int = 100
) -> Decimal | None:
    """numerator ÷ denominator × scale to one decimal place; None when the denominator is empty."""
    if numerator is None or not denominator:
        return None
    return (Decimal(numerator) * scale / Decimal(denominator)).quantize(Decimal("0.1"))
