"""A working MMT service in the demo county: stores, report recipients, and months of history.

``mmt_setup`` creates what a running service needs — a dispensing store at each clinic and dosing point, a
strong room at the main clinic, and the rules that send reports about people of 南安市 to the 溪美 police
station and the community rehab office — idempotently, with an audit entry per created row.

``history_write`` then plays the service day by day from ``start`` to ``end`` (by default the two months up
to ``data.HISTORY_END``, 2026-11-22: a fixed day, never the wall clock, so the same seed always gives the same
history). Everything goes through the real use cases — ``episode_apply`` … ``order_write``,
``dose_administer``, ``transfer_*``, ``guest_grant``, ``stock_receive``/``stock_transfer``, ``day_close``,
``missed_dose_scan`` and ``report_acknowledge`` — so audit entries, ledger hash chains, constraints, refusals,
dropouts and reports are exactly what production would write. No bulk inserts.

The clock. The services read ``jiedu.core.clock.now()`` (and ``local_today()``, which calls it), and the
models' ``auto_now_add`` fields read ``django.utils.timezone.now()``. ``simulated_clock`` replaces both for
the duration of the seeding with one simulated clock and restores them afterwards, even on an error. The
simulation sets it to a time of the day being written (00:30 the missed-dose scan, 07:30 restocking, 08:00
applications and orders, then one dose every 40 seconds, 16:00 report acknowledgements, 17:30 day closes);
every reading advances it by a second, so it never runs backwards and entries keep their order. Only the
seeding command does this: the web application always reads the real clock.

What is played is drawn in advance by ``history_plan`` (pure, no database) from one random stream per
patient: a person's story depends only on the seed, the person and the history's length. A database whose
demo clinics already hold MMT episodes gets no second history: the run is skipped, and the final audit
entry ``demo.history`` tells a complete history from an interrupted one (rebuild the database to redo that).
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from jiedu.accounts.models import User
from jiedu.bulletins import services as bulletins
from jiedu.community import services as community
from jiedu.core import audit, clock
from jiedu.core.models import AuditEntry
from jiedu.core.selectors import rule_value
from jiedu.demo import data
from jiedu.demo.generators import DemoPerson
from jiedu.labs import services as labs
from jiedu.labs.models import UrineSelectionLine
from jiedu.mmt import services as mmt
from jiedu.mmt.models import DoseDay, Episode, EpisodeEvent, EventKind, RefusalReason
from jiedu.patients.models import Affiliation, Person
from jiedu.patients.services import id_number_index
from jiedu.pharmacy.models import (
    CountKind,
    Drug,
    EquipmentStatus,
    RegulatedEquipment,
    SealCard,
    StockBalance,
    Store,
    StoreKeeper,
    StoreKind,
    VarianceFinding,
)
from jiedu.pharmacy.services import (
    ReceiptLine,
    day_close,
    equipment_check,
    fefo,
    stock_count,
    stock_issue,
    stock_receive,
    stock_transfer,
    variance_close,
)
from jiedu.referrals import services as referrals
from jiedu.referrals.models import Referral
from jiedu.registry.models import Organisation
from jiedu.rehab import services as voluntary
from jiedu.reports.models import Delivery, RecipientRule, ReportKind
from jiedu.reports.services import report_acknowledge, reports_escalate

_SOURCE = "seed_demo"
_MARKER = "demo.history"
_TICK = dt.timedelta(seconds=1)
_DOSE_GAP = dt.timedelta(seconds=40)
_ONE = Decimal("1")

# --- The simulated clock ----------------------------------------------------------------------------------


class SimulatedClock:
    """A clock that only moves forward: ``at`` jumps to a later time, each reading adds a second."""

    def __init__(self, start: dt.datetime) -> None:
        self._now = start

    def now(self) -> dt.datetime:
        self._now += _TICK
        return self._now

    def at(self, day: dt.date, hour: int, minute: int = 0) -> None:
        target = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=clock.SHANGHAI).astimezone(dt.UTC)
        self._now = max(self._now, target)

    def advance(self, delta: dt.timedelta) -> None:
        self._now += delta


@contextmanager
def simulated_clock(day: dt.date, hour: int = 8) -> Iterator[SimulatedClock]:
    """Drive ``jiedu.core.clock.now`` and ``django.utils.timezone.now`` from a simulated clock that starts at
    ``hour``:00 Asia/Shanghai on ``day``; the real ones are back when the block ends."""
    start = dt.datetime.combine(day, dt.time(hour), tzinfo=clock.SHANGHAI).astimezone(dt.UTC)
    sim = SimulatedClock(start)
    saved = clock.now, timezone.now
    clock.now = sim.now  # type: ignore[assignment]
    timezone.now = sim.now  # type: ignore[assignment]
    try:
        yield sim
    finally:
        clock.now, timezone.now = saved  # type: ignore[assignment]


# --- Setup: stores and report recipients ------------------------------------------------------------------


def mmt_setup(*, organisations: dict[str, Organisation]) -> tuple[int, int]:
    """The stores with their keepers and key holders, the clinics' purchase seal cards and the report recipient
    rules, found or created. Returns (stores created, rules created)."""
    stores_created = rules_created = 0
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=[n for s in data.STORES for n in (*s.keepers, *(s.key_holders or ()))]
        )
    }
    appointer = User.objects.get(username="director1")
    with transaction.atomic(durable=True):
        for spec in data.STORES:
            org = organisations[spec.organisation]
            store, created = Store.objects.get_or_create(
                organisation=org,
                name=spec.name,
                defaults={"kind": spec.kind, "dispenses_doses": spec.dispenses_doses},
            )
            if created:
                stores_created += 1
                audit.record("stock.store.create", obj=store, organisation=org, username=_SOURCE)
            for username in spec.keepers:
                keeper, made = StoreKeeper.objects.get_or_create(
                    store=store,
                    user=users[username],
                    ended_on=None,
                    defaults={"appointed_by": appointer, "appointed_on": clock.local_today()},
                )
                if made:
                    audit.record("stock.keeper.appoint", obj=keeper, organisation=org, username=_SOURCE)
            if spec.key_holders and store.key_holder_a_id is None:
                first, second = (users[n] for n in spec.key_holders)
                Store.objects.filter(pk=store.pk).update(key_holder_a=first, key_holder_b=second)
                audit.record("stock.store.key_holders", obj=store, organisation=org, username=_SOURCE)
        for key, (number, issuer, valid_from) in data.SEAL_CARDS.items():
            card, made = SealCard.objects.get_or_create(
                number=number,
                defaults={
                    "organisation": organisations[key],
                    "issuer": issuer,
                    "valid_from": valid_from,
                    "valid_to": valid_from.replace(year=valid_from.year + 3) - dt.timedelta(days=1),
                    "registered_by": appointer,
                    "registered_at": clock.now(),
                },
            )
            if made:
                audit.record(
                    "stock.seal_card.register", obj=card, organisation=organisations[key], username=_SOURCE
                )
        for org_key, kind, name, model, serial, location, custodian in data.EQUIPMENT:
            item, made = RegulatedEquipment.objects.get_or_create(
                kind=kind,
                serial_no=serial,
                defaults={
                    "organisation": organisations[org_key],
                    "name": name,
                    "model": model,
                    "location": location,
                    "custodian": User.objects.get(username=custodian),
                    "registered_on": clock.local_today(),
                },
            )
            if made:
                audit.record("equipment.register", obj=item, organisation=item.organisation, username=_SOURCE)
        wanted = (
            [(key, "") for key in data.REPORT_RECIPIENTS]
            + [(key, ReportKind.STOCK_LOSS) for key in data.STOCK_LOSS_RECIPIENTS]
            + [(data.VOLUNTARY_ADMISSION_RECIPIENT, ReportKind.VOLUNTARY_ADMISSION)]
        )
        for key, kind in wanted:
            rule, created = RecipientRule.objects.get_or_create(
                region_id=data.COUNTY_CODE, recipient=organisations[key], kind=kind
            )
            if created:
                rules_created += 1
                audit.record(
                    "reports.rule.create", obj=rule, organisation=organisations[key], username=_SOURCE
                )
    return stores_created, rules_created


def demo_stores(organisations: dict[str, Organisation]) -> dict[str, Store]:
    stores = Store.objects.filter(organisation__in=organisations.values()).select_related("organisation")
    by_site = {(s.organisation_id, s.name): s for s in stores}
    return {
        spec.key: by_site[(organisations[spec.organisation].pk, spec.name)]
        for spec in data.STORES
        if (organisations[spec.organisation].pk, spec.name) in by_site
    }


# --- The plan (pure) --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Special:
    """One unusual event in an episode: a transfer, guest dosing, a suspension or an exit."""

    kind: str  # "transfer" | "guest" | "suspend" | "exit"
    day: int
    length: int = 0
    other: str = ""  # the receiving or host clinic
    reason: str = ""


@dataclass(frozen=True)
class PatientPlan:
    person: int  # index into the demo people
    home: str  # the clinic (data.ORGANISATIONS key)
    site: str  # where the patient doses: the clinic or one of its dosing points
    apply_day: int  # day offsets from the history's start
    assess_day: int
    accept_day: int
    refused: bool
    induction_mg: Decimal
    target_mg: Decimal
    step_days: tuple[int, ...]  # days between titration orders, used in turn
    reinduction_mg: Decimal
    absent: frozenset[int]  # days missed now and then
    dropout_day: int | None = None
    return_day: int | None = None  # None: never comes back (the scan exits the episode)
    special: Special | None = None


_CLINICS = tuple(data.DOCTORS)
_EXIT_REASONS = tuple(data.EXIT_NOTES)


def _draw_patient(rng: random.Random, person: DemoPerson, days: int) -> PatientPlan:
    if person.organisation == "community":
        home = rng.choices(_CLINICS, weights=(5, 3, 2))[0]
        site = home
    elif person.organisation == "point1":
        home, site = "clinic1", "point1"
    else:
        home = person.organisation
        site = "point2" if home == "clinic1" and rng.random() < 0.2 else home
    from_start = rng.random() < 0.4 or days <= 7
    apply_day = rng.randint(0, min(6, days - 1)) if from_start else rng.randint(7, days - 1)
    wait = rng.choice((0, 0, 1, 1, 2, 3))
    assess_day = apply_day if wait == 0 else apply_day + 1
    refused = rng.random() < 0.03
    induction = Decimal(rng.choice((20, 25, 30, 30, 35, 40)))
    draw = rng.random()
    if draw < 0.04:
        target = Decimal(rng.choice((160, 170, 180)))
    elif draw < 0.14:
        target = Decimal(rng.choice((90, 100, 110, 120)))
    else:
        target = Decimal(rng.choice(range(40, 85, 5)))
    target = max(target, induction)
    steps = tuple(rng.randint(3, 5) for _ in range(8))
    reinduction = Decimal(rng.choice((20, 25, 30)))
    accept_day = apply_day + wait
    profile = rng.random()
    miss_rate = 0.01 if profile >= 0.45 else 0.06
    absent: set[int] = set()
    for day in range(accept_day + 1, days):
        if rng.random() < miss_rate:
            absent.add(day)
            if profile < 0.45 and rng.random() < 0.4:
                absent.add(day + 1)
    dropout_day = return_day = None
    special = None
    if profile < 0.22:  # about a fifth drop out: a gap of 7 days or more
        # Mostly in the first months of treatment; within a short history, early enough to be seen.
        dropout_day = accept_day + rng.randint(10, max(10, min(120, days - accept_day - 8)))
        if rng.random() < 0.45:
            return_day = dropout_day + rng.randint(8, 25)
    else:
        draw = rng.random()
        when = accept_day + rng.randint(14, max(14, min(150, days - accept_day - 3)))
        others = [c for c in _CLINICS if c != home]
        if draw < 0.03:
            special = Special("transfer", when, other=rng.choice(others), reason="迁居，申请转诊")
        elif draw < 0.09:
            special = Special(
                "guest", when, length=rng.randint(3, 10), other=rng.choice(others), reason="外出务工"
            )
        elif draw < 0.12:
            special = Special(
                "suspend", when, length=rng.randint(5, 14), reason=rng.choice(data.SUSPEND_REASONS)
            )
        elif draw < 0.15:
            special = Special("exit", when, reason=rng.choice(_EXIT_REASONS))
    return PatientPlan(
        person=person.index,
        home=home,
        site=site,
        apply_day=apply_day,
        assess_day=assess_day,
        accept_day=accept_day,
        refused=refused,
        induction_mg=induction,
        target_mg=target,
        step_days=steps,
        reinduction_mg=reinduction,
        absent=frozenset(absent),
        dropout_day=dropout_day,
        return_day=return_day,
        special=special,
    )


def history_plan(*, seed: int, people: list[DemoPerson], days: int, patients: int) -> list[PatientPlan]:
    """Who enrols, where and when, and what happens to them: the same for the same arguments."""
    if days <= 0 or patients <= 0 or not people:
        return []
    chooser = random.Random(f"jiedu-demo:{seed}:history")  # noqa: S311 - demo data, not secrets
    chosen = sorted(chooser.sample(range(len(people)), min(patients, len(people))))
    return [
        _draw_patient(random.Random(f"jiedu-demo:{seed}:history:{i}"), people[i], days)  # noqa: S311
        for i in chosen
    ]


def _variance_days(*, seed: int, days: int) -> dict[tuple[int, str], Decimal]:
    """A handful of (day, dispensing store) counts that come out a little short."""
    rng = random.Random(f"jiedu-demo:{seed}:variance")  # noqa: S311 - demo data, not secrets
    keys = [s.key for s in data.STORES if s.dispenses_doses]
    wanted = max(1, round(days / 60))
    return {
        (rng.randrange(days), rng.choice(keys)): Decimal(rng.choice(("0.5", "1.0", "1.5", "2.0", "3.0")))
        for _ in range(wanted)
    }


# --- Playing the plan -------------------------------------------------------------------------------------


@dataclass
class _Patient:
    plan: PatientPlan
    person: Person
    home: str
    site: str
    state: str = "waiting"  # waiting | applied | active | suspended | gone
    episode: Episode | None = None
    mg: Decimal = Decimal("0")
    next_step: int = 0
    steps_taken: int = 0
    last_dosed: int | None = None
    flagged: bool = False
    guest: tuple[int, int, str] | None = None  # first day, last day, host clinic
    resume_day: int | None = None


@dataclass(frozen=True)
class HistoryResult:
    written: bool
    start: dt.date | None = None
    end: dt.date | None = None
    patients: int = 0
    #: The clinics held MMT episodes but not the marker of a finished history: a run was interrupted.
    incomplete: bool = False


class _Service:
    def __init__(
        self,
        *,
        seed: int,
        sim: SimulatedClock,
        start: dt.date,
        days: int,
        organisations: dict[str, Organisation],
        users: dict[str, Any],
        stores: dict[str, Store],
        patients: list[_Patient],
    ) -> None:
        self.seed, self.sim, self.start, self.days = seed, sim, start, days
        self.orgs, self.users, self.stores, self.patients = organisations, users, stores, patients
        self.drug = Drug.objects.get(code=data.METHADONE_CODE)
        self.ward_drugs = {
            d.code: d for d in Drug.objects.filter(code__in=[w.code for w in data.WARD_SUPPLY])
        }
        self.ceiling = rule_value("mmt.ceiling_mg", region_code=data.COUNTY_CODE)
        self.variances = _variance_days(seed=seed, days=days)
        self.acks: dict[int, list[tuple[Delivery, Any]]] = defaultdict(list)
        self.scheduled: set[int] = set()
        self.receipts = 0
        self.recipients = {organisations[k].pk: users[u] for k, u in data.ACKNOWLEDGED_BY.items()}
        self.recipient_names = {organisations[k].pk: k for k in data.ACKNOWLEDGED_BY}
        #: Work to do on a day (offset → callables run at 15:00): the CDC's answers to ART referrals, the community
        #: office's orders and check-ins, the ward's admissions.
        self.later: dict[int, list[Any]] = defaultdict(list)
        #: The urine draw of the day: episode id → the line drawing it.
        self.drawn: dict[int, UrineSelectionLine] = {}
        self.community_people = set(
            Affiliation.objects.filter(organisation=organisations["community"]).values_list(
                "person_id", flat=True
            )
        )
        self._plan_community()

    def run(self) -> None:
        for offset in range(self.days):
            day = self.start + dt.timedelta(days=offset)
            self.sim.at(day, 0, 30)
            mmt.missed_dose_scan(as_of=day)
            self.sim.at(day, 7, 30)
            self._restock(offset, day)
            self.sim.at(day, 10, 0)
            self._ward(offset, day)
            self.sim.at(day, 8, 0)
            for p in self.patients:
                self._morning(p, offset)
            self._draw(day)
            for p in self.patients:
                if self._attends(p, offset):
                    self.sim.advance(_DOSE_GAP)
                    self._dose(p, offset)
                    self._urine(p, offset)
            self.sim.at(day, 15, 0)
            for work in self.later.pop(offset, []):
                work()
            self.sim.at(day, 16, 0)
            self._acknowledge(offset, day)
            self.sim.at(day, 16, 30)
            reports_escalate()
            referrals.referrals_scan()
            if day.day == 1 and (day - dt.timedelta(days=1)).replace(day=1) >= self.start:
                self._bulletin(day)  # last month's, when the history covers all of it
            self.sim.at(day, 17, 30)
            self._close(offset, day)

    # -- people --

    def _doctor(self, clinic: str) -> Any:
        return self.users[data.DOCTORS[clinic]]

    def _order(self, p: _Patient, mg: Decimal, reason: str) -> None:
        assert p.episode is not None
        mmt.order_write(
            actor=self._doctor(p.home),
            episode=p.episode,
            dose_mg=mg,
            reason=reason,
            override_reason="高耐受，经科室讨论同意" if mg > self.ceiling else "",
        )
        p.mg, p.flagged = mg, False

    def _morning(self, p: _Patient, offset: int) -> None:
        plan = p.plan
        doctor = self._doctor(p.home)
        if p.state == "waiting" and offset == plan.apply_day:
            self._referred(p)
            p.episode = mmt.episode_apply(actor=doctor, person=p.person)
            p.state = "applied"
        if p.state == "applied" and offset == plan.assess_day:
            assert p.episode is not None
            rng = random.Random(f"jiedu-demo:{self.seed}:assess:{plan.person}")  # noqa: S311
            p.episode = mmt.episode_assess(
                actor=doctor,
                episode=p.episode,
                assessment=mmt.Assessment(
                    dependence_evidence=rng.choice(data.DEPENDENCE_EVIDENCE),
                    documents=list(data.DOCUMENTS[: rng.randint(2, 4)]),
                    agreement_signed=not plan.refused,
                ),
            )
            if plan.refused:
                mmt.episode_refuse(actor=doctor, episode=p.episode, reason="未签署自愿治疗协议")
                p.state = "gone"
                return
        if p.state == "applied" and offset == plan.accept_day:
            assert p.episode is not None
            p.episode = mmt.episode_accept(actor=doctor, episode=p.episode)
            p.state = "active"
            self._order(p, plan.induction_mg, "诱导期首日剂量")
            p.next_step = offset + plan.step_days[0]
            self._entry_tests(p, offset)
        if p.state == "suspended" and offset == p.resume_day:
            assert p.episode is not None
            mmt.episode_resume(actor=doctor, episode=p.episode)
            p.state, p.flagged = "active", True
        special = plan.special
        if p.state == "active" and special is not None and offset == special.day:
            self._special(p, special, offset)

    def _special(self, p: _Patient, special: Special, offset: int) -> None:
        assert p.episode is not None
        doctor = self._doctor(p.home)
        if special.kind == "transfer":
            transfer = mmt.transfer_request(
                actor=doctor, episode=p.episode, to_clinic=self.orgs[special.other], reason=special.reason
            )
            p.episode = mmt.transfer_accept(actor=self._doctor(special.other), transfer=transfer)
            p.home = p.site = special.other
        elif special.kind == "guest":
            first = self.start + dt.timedelta(days=offset)
            mmt.guest_grant(
                actor=doctor,
                episode=p.episode,
                host_clinic=self.orgs[special.other],
                start_on=first,
                end_on=first + dt.timedelta(days=special.length - 1),
                reason=special.reason,
            )
            p.guest = (offset, offset + special.length - 1, special.other)
        elif special.kind == "suspend":
            mmt.episode_suspend(actor=doctor, episode=p.episode, reason=special.reason)
            p.state, p.resume_day = "suspended", offset + special.length
        elif special.kind == "exit":
            mmt.episode_exit(
                actor=doctor, episode=p.episode, reason=special.reason, note=data.EXIT_NOTES[special.reason]
            )
            p.state = "gone"

    @staticmethod
    def _away(p: _Patient, offset: int) -> bool:
        """In the gap of a dropout (for good when the patient never comes back)."""
        plan = p.plan
        if plan.dropout_day is None or offset < plan.dropout_day:
            return False
        return plan.return_day is None or offset < plan.return_day

    def _attends(self, p: _Patient, offset: int) -> bool:
        if p.state != "active" or self._away(p, offset):
            return False
        return offset not in p.plan.absent

    def _dose(self, p: _Patient, offset: int) -> None:
        assert p.episode is not None
        plan = p.plan
        gap = offset - p.last_dosed - 1 if p.last_dosed is not None else 0
        if not p.flagged and gap < 3 and p.mg < plan.target_mg and offset >= p.next_step:
            step = Decimal(10 if plan.target_mg - p.mg >= 10 and plan.target_mg >= 60 else 5)
            self._order(p, min(plan.target_mg, p.mg + step), "剂量调整")
            p.steps_taken += 1
            p.next_step = offset + plan.step_days[p.steps_taken % len(plan.step_days)]
        site_key = p.site
        if p.guest is not None and p.guest[0] <= offset <= p.guest[1]:
            site_key = p.guest[2]  # guest dosing at the host clinic
        site, nurse = self.orgs[site_key], self.users[data.NURSES[site_key]]
        outcome = mmt.dose_administer(actor=nurse, person=p.person, site=site)
        if outcome.status == "refused" and outcome.refusal is not None:
            if outcome.refusal.reason not in {RefusalReason.NEEDS_REVIEW, RefusalReason.NEEDS_INDUCTION}:
                raise RuntimeError(f"Demo dose refused for person {plan.person}: {outcome.message}")
            episode = Episode.objects.get(pk=p.episode.pk)
            p.episode = episode
            if episode.needs_induction:
                self._order(p, plan.reinduction_mg, "脱失后重新诱导")
                p.next_step = offset + plan.step_days[0]
            else:
                self._order(p, p.mg, "漏服后医生复诊，维持原剂量")
            outcome = mmt.dose_administer(actor=nurse, person=p.person, site=site)
        if outcome.status != "dosed":
            raise RuntimeError(f"Demo dose not given to person {plan.person}: {outcome.message}")
        p.last_dosed = offset

    # -- the community office, voluntary rehab and the bulletin --

    def _plan_community(self) -> None:
        """The community office's people who are not among the MMT patients: about every third gets a community
        order (decided on a day of the history, reported within the 15 days — one never does — and met every
        four weeks); two stimulant users are referred to the hospital's addiction ward and admitted (the first
        discharged after three weeks)."""
        in_mmt = {p.person.pk for p in self.patients}
        # In the order of the people (by their keyed identity number), not of row ids: the same on any database.
        others = list(
            Person.objects.filter(pk__in=self.community_people - in_mmt)
            .order_by("id_number_index")
            .values_list("pk", flat=True)
        )
        ordered, admitted = others[0::3][:8], others[1::3][:2]
        for i, pk in enumerate(ordered):
            offset = min(7 + 9 * i, self.days - 1)
            self.later[offset].append(lambda pk=pk, i=i, offset=offset: self._community_order(pk, i, offset))
        for i, pk in enumerate(admitted):
            offset = max(0, self.days - 40 + 20 * i) if self.days > 40 else min(i, self.days - 1)
            self.later[offset].append(lambda pk=pk, i=i, offset=offset: self._voluntary(pk, i, offset))

    def _community_order(self, pk: int, i: int, offset: int) -> None:
        worker, day = self.users["community1"], clock.local_today()
        person = Person.objects.get(pk=pk)
        rng = random.Random(f"jiedu-demo:{self.seed}:order:{person.id_number_index}")  # noqa: S311
        order = community.order_record(
            actor=worker,
            person=person,
            kind="rehab" if i % 4 == 3 else "detox",
            decision_number=f"南公(禁)决字〔{day.year}〕{100 + i}号",
            issued_by="南安市公安局",
            decided_on=day,
            start_on=day,
        )
        if i != 2:  # one person never reports: "not reported in time" once the 15 days have passed
            self.later[min(offset + rng.randint(2, 14), self.days - 1)].append(
                lambda: community.order_report(actor=worker, order=order, reported_on=clock.local_today())
            )
            for visit in range(offset + 28, self.days, 28):
                how = rng.choice(["office", "home_visit", "phone"])
                self.later[visit].append(
                    lambda how=how: community.checkin_record(
                        actor=worker, order=order, on=clock.local_today(), how=how, note="按时报到，状况稳定"
                    )
                )

    def _voluntary(self, pk: int, i: int, offset: int) -> None:
        person, doctor, day = Person.objects.get(pk=pk), self.users["rehab1"], clock.local_today()
        referral = referrals.referral_make(
            actor=self.users["community1"],
            person=person,
            kind="voluntary_rehab",
            to_org=self.orgs["rehab"],
            reason="使用甲基苯丙胺，本人自愿住院戒毒",
            basis="written_consent",
            consent_on=day,
        )
        referrals.referral_accept(actor=doctor, referral=referral)
        self.sim.advance(dt.timedelta(hours=1))
        admission = voluntary.admission_admit(
            actor=doctor,
            person=person,
            setting="inpatient",
            admitted_on=day,
            substances=["methamphetamine"],
            terms=voluntary.agreement_defaults(),
            patient_signed=True,
            signed_on=day,
        )
        notes = (
            "入院后精神状态稳定，睡眠欠佳，予对症处理",
            "渴求感减轻，参加团体心理辅导",
            "情绪平稳，准备出院",
        )
        for k, text in enumerate(notes):
            if offset + 7 * (k + 1) < self.days:
                self.later[offset + 7 * (k + 1)].append(
                    lambda text=text: voluntary.progress_note_add(
                        actor=doctor, admission=admission, text=text
                    )
                )
        if i == 0 and offset + 21 < self.days:
            self.later[offset + 21].append(
                lambda: voluntary.admission_discharge(
                    actor=doctor,
                    admission=admission,
                    discharged_on=clock.local_today(),
                    outcome="completed",
                    summary="住院21天，完成脱毒治疗，建议社区康复并定期随访",
                )
            )

    def _bulletin(self, day: dt.date) -> None:
        """The narcotics office's monthly job issues last month's bulletin; the police station and the
        community office read it."""
        month = (day - dt.timedelta(days=1)).replace(day=1)
        bulletin = bulletins.bulletin_issue(county=self.orgs["clinic1"].region, month=month).bulletin
        for username in ("police1", "community1"):
            user = self.users[username]
            delivery = bulletin.deliveries.filter(recipient_id=user.organisation_id).first()
            if delivery is not None:
                bulletins.bulletin_read(actor=user, delivery=delivery)

    # -- referrals and tests --

    def _referred(self, p: _Patient) -> None:
        """People the community office registered come referred by it (with their written consent), and the
        clinic accepts before the application; the enrolment completes the referral."""
        if p.person.pk not in self.community_people:
            return
        clinic = self.orgs[p.home]
        if Referral.objects.filter(
            person=p.person, to_org=clinic, status__in=["requested", "accepted"]
        ).exists():
            return
        referral = referrals.referral_make(
            actor=self.users["community1"],
            person=p.person,
            kind="community_to_mmt",
            to_org=clinic,
            reason="社区戒毒人员，本人自愿申请美沙酮维持治疗",
            basis="written_consent",
            consent_on=clock.local_today(),
        )
        self.sim.advance(dt.timedelta(minutes=20))
        referrals.referral_accept(actor=self._doctor(p.home), referral=referral)

    def _rng(self, p: _Patient, what: str, offset: int) -> random.Random:
        return random.Random(f"jiedu-demo:{self.seed}:{what}:{p.plan.person}:{offset}")  # noqa: S311

    def _entry_tests(self, p: _Patient, offset: int) -> None:
        """On entry: a urine test (positive for opiates: the dependence treated) and HIV, HCV and syphilis.
        About 3 % are HIV-positive (referred to the CDC, which answers the next day and starts ART within two
        weeks), 40 % HCV-positive, 4 % syphilis-positive — proportions seen among people who inject drugs."""
        doctor = self._doctor(p.home)
        rng = self._rng(p, "entry", offset)
        analytes = {
            "opiates": "positive",
            "methamphetamine": "positive" if rng.random() < 0.15 else "negative",
        }
        labs.lab_record(actor=doctor, person=p.person, kind="urine", reason="entry", analytes=analytes)
        for kind, rate in (("hiv", 0.03), ("hcv", 0.4), ("syphilis", 0.04)):
            result = "positive" if rng.random() < rate else "negative"
            test = labs.lab_record(actor=doctor, person=p.person, kind=kind, reason="entry", result=result)
            if kind == "hiv" and result == "positive":
                self._art_follow_up(test, offset, rng)

    def _art_follow_up(self, test: Any, offset: int, rng: random.Random) -> None:
        referral = Referral.objects.filter(lab_test=test).first()
        if referral is None:
            return
        cdc, doctor = (
            self.users["cdc1"],
            self._doctor(next(k for k, org in self.orgs.items() if org.pk == referral.from_org_id)),
        )
        start_in = rng.randint(5, 14)
        self.later[offset + 1].append(lambda: referrals.referral_accept(actor=cdc, referral=referral))
        self.later[offset + 2].append(
            lambda: referrals.vct_record(
                actor=doctor, referral=referral, answer=rng.choice(["accepted", "declined", "no_partner"])
            )
        )
        self.later[offset + start_in].append(
            lambda: referrals.referral_complete(
                actor=cdc, referral=referral, outcome="art_started", note="县疾控中心抗病毒治疗门诊"
            )
        )

    def _draw(self, day: dt.date) -> None:
        self.drawn = {}
        for key in data.DOCTORS:
            selection = labs.urine_select(clinic=self.orgs[key], day=day)
            self.drawn.update({line.episode_id: line for line in selection.lines.all()})

    def _urine(self, p: _Patient, offset: int) -> None:
        """The drawn patients give their sample at the window: about 8 % opiate-positive (a relapse report and
        the doctor's review), a few methamphetamine or ketamine."""
        assert p.episode is not None
        line = self.drawn.get(p.episode.pk)
        if line is None or (p.guest is not None and p.guest[0] <= offset <= p.guest[1]):
            return
        rng = self._rng(p, "urine", offset)
        analytes = {
            "opiates": "positive" if rng.random() < 0.08 else "negative",
            "methamphetamine": "positive" if rng.random() < 0.03 else "negative",
            "ketamine": "positive" if rng.random() < 0.01 else "negative",
            "mdma": "negative",
        }
        labs.lab_record(
            actor=self.users[data.NURSES[p.site]],
            person=p.person,
            kind="urine",
            reason=line.reason,
            analytes=analytes,
            selection_line=line,
        )

    # -- stock --

    def _expected_use(self, offset: int) -> dict[str, Decimal]:
        """mL a site will need per day soon: the target doses of its patients in treatment or starting."""
        use: dict[str, Decimal] = defaultdict(Decimal)
        for p in self.patients:
            starting = p.state in {"waiting", "applied"} and p.plan.accept_day <= offset + 7
            if (p.state == "active" and not self._away(p, offset)) or starting:
                use[p.site] += p.plan.target_mg
        return use

    def _on_hand(self, store: Store) -> Decimal:
        total = StockBalance.objects.filter(store=store).aggregate(q=Sum("quantity"))["q"]
        return total or Decimal("0")

    def _receive(self, spec: data.StoreSpec, day: dt.date, quantity: Decimal) -> None:
        self.receipts += 1
        stock_receive(
            actor=self.users[spec.keeper],
            witness=self.users[spec.witness],
            store=self.stores[spec.key],
            line=ReceiptLine(
                drug=self.drug,
                batch_no=f"MS{day:%y%m%d}{self.receipts:03d}",
                expiry=dt.date(day.year + 2, day.month, 1) - dt.timedelta(days=1),
                maker=data.METHADONE_MAKER,
                quantity=quantity,
                concentration_mg_per_ml=_ONE,
            ),
            voucher=f"NA{day:%Y%m%d}-{self.receipts:03d}",
            supplier=data.METHADONE_SUPPLIER,
            quality="外观、标签、批号、有效期核对无误",
        )

    def _restock(self, offset: int, day: dt.date) -> None:
        use = self._expected_use(offset)
        by_key = {s.key: s for s in data.STORES}
        for spec in data.STORES:
            if not spec.dispenses_doses:
                continue
            daily = use.get(spec.organisation, Decimal("0"))
            store = self.stores[spec.key]
            if self._on_hand(store) >= daily * 7 + 300:
                continue
            if spec.supplied_from is None:
                self._receive(spec, day, _round_up(daily * 28 + 2000, 5000))
                continue
            quantity = _round_up(daily * 21 + 1000, 1000)
            source_spec = by_key[spec.supplied_from]
            source = self.stores[source_spec.key]
            if self._on_hand(source) < quantity:
                clinic_use = sum((use.get(s.organisation, Decimal("0")) for s in data.STORES if
                                  s.supplied_from == source_spec.key), Decimal("0"))  # fmt: skip
                self._receive(source_spec, day, _round_up(quantity + clinic_use * 28, 5000))
            balances = (
                StockBalance.objects.filter(store=source, quantity__gt=0)
                .select_related("batch")
                .order_by("batch__expiry", "batch_id")
            )
            left = quantity
            for balance in balances:
                moved = min(left, balance.quantity)
                receiver = spec.keeper if spec.keeper != source_spec.keeper else spec.witness
                stock_transfer(
                    actor=self.users[source_spec.keeper],
                    witness=self.users[receiver],  # a keeper of the receiving store counts and signs
                    source=source,
                    target=store,
                    batch=balance.batch,
                    quantity=moved,
                )
                left -= moved
                if left <= 0:
                    break

    def _ward(self, offset: int, day: dt.date) -> None:
        """The addiction ward's safe: a delivery every four weeks, an issue to the ward every three days; the
        regulated equipment checked by its custodian on the first of the month."""
        if day.day == 1:
            for item in RegulatedEquipment.objects.filter(organisation__in=self.orgs.values()).select_related(
                "custodian"
            ):
                equipment_check(
                    actor=item.custodian,
                    equipment=item,
                    status_found=EquipmentStatus.IN_USE,
                    in_order=True,
                    note="运行正常，使用登记完整，专人管理",
                )
        spec = next(s for s in data.STORES if s.key == data.WARD_STORE)
        store = self.stores[spec.key]
        keeper, witness = self.users[spec.keeper], self.users[spec.witness]
        for supply in data.WARD_SUPPLY:
            drug = self.ward_drugs[supply.code]
            if offset % 28 == 0:
                stock_receive(
                    actor=keeper,
                    witness=witness,
                    store=store,
                    line=ReceiptLine(
                        drug=drug,
                        batch_no=f"{supply.batch_prefix}{day:%y%m%d}",
                        expiry=day + dt.timedelta(days=730),
                        maker=supply.maker,
                        quantity=Decimal(supply.delivery),
                    ),
                    voucher=f"NA{day:%Y%m%d}-W{supply.batch_prefix}",
                    supplier=data.METHADONE_SUPPLIER,
                    quality="外包装完好，数量、批号、有效期与随货同行单相符，合格",
                )
            if offset % 3 == 1:
                left = Decimal(supply.issue)
                for balance in fefo(store=store, drug=drug, today=day):
                    moved = min(left, balance.quantity)
                    stock_issue(
                        actor=keeper,
                        witness=witness,  # the ward's doctor receives and signs
                        store=store,
                        batch=balance.batch,
                        quantity=moved,
                        department=data.WARD_NAME,
                        voucher=f"LY{day:%Y%m%d}-{supply.batch_prefix}",
                    )
                    left -= moved
                    if left <= 0:
                        break

    def _close(self, offset: int, day: dt.date) -> None:
        """Dispensing stores are counted at the close of every day; every store holding stock is fully counted
        on the last day of the month."""
        month_end = (day + dt.timedelta(days=1)).month != day.month
        for spec in data.STORES:
            store = self.stores[spec.key]
            if month_end:
                held = dict(
                    StockBalance.objects.filter(store=store, quantity__gt=0).values_list(
                        "batch_id", "quantity"
                    )
                )
                if held:
                    stock_count(
                        actor=self.users[spec.keeper],
                        witness=self.users[spec.witness],
                        store=store,
                        day=day,
                        counts=held,
                        kind=CountKind.MONTHLY,
                        note="月末全面盘点，账物相符",
                    )
            if spec.kind != StoreKind.DISPENSING:
                continue
            held = list(
                StockBalance.objects.filter(store=store, quantity__gt=0)
                .order_by("batch_id")
                .values_list("batch_id", "quantity")
            )
            if not held:
                continue
            counts = dict(held)
            short = self.variances.get((offset, spec.key))
            note = ""
            if short is not None:
                batch_id = held[-1][0]
                counts[batch_id] = counts[batch_id] - short
                note = f"清点短少{short} mL，双人复核，已报科室负责人"
            close = day_close(
                actor=self.users[spec.keeper],
                witness=self.users[spec.witness],
                store=store,
                day=day,
                counts=counts,
                note=note,
            )
            if close.has_variance:
                # Investigated the same evening: the camera shows the solution spilled at the window.
                variance_close(
                    actor=self.users[spec.keeper],
                    witness=self.users[spec.witness],
                    variance=close.variance_record,
                    finding=VarianceFinding.LOSS,
                    account="调阅发药窗口监控：发药时洒落未及时登记，按丢失处理，已对当班人员进行培训",
                )

    # -- reports --

    def _acknowledge(self, offset: int, day: dt.date) -> None:
        for delivery, user in self.acks.pop(offset, []):
            report_acknowledge(actor=user, delivery=delivery)
        start = dt.datetime.combine(day, dt.time(0), tzinfo=clock.SHANGHAI)
        # Since yesterday's morning run: reports filed after it (a count in the evening) are picked up today.
        filed = (
            Delivery.objects.filter(
                report__created_at__gte=start - dt.timedelta(days=1),
                report__created_at__lt=start + dt.timedelta(days=1),
                acknowledged_at__isnull=True,
            )
            .exclude(pk__in=self.scheduled)
            .select_related("report__person")
            .order_by("pk")
        )
        for delivery in filed:
            name = self.recipient_names.get(delivery.recipient_id)
            if name is None:
                continue
            # Keyed by what the report is about, not by row ids: the same on any database.
            report = delivery.report
            about = report.person.id_number_index if report.person_id else report.summary
            key = f"jiedu-demo:{self.seed}:ack:{about}:{report.kind}:{report.event_on}:{name}"
            draw = random.Random(key).random()  # noqa: S311 - demo data, not secrets
            if draw < 0.1:
                continue  # never acknowledged: it stays open, then overdue
            delay = 1 if draw < 0.75 else 2
            self.scheduled.add(delivery.pk)
            self.acks[offset + delay].append((delivery, self.recipients[delivery.recipient_id]))


def _round_up(quantity: Decimal, unit: int) -> Decimal:
    return (quantity / unit).to_integral_value(rounding=ROUND_CEILING) * unit


def history_write(
    *,
    seed: int,
    people: list[DemoPerson],
    organisations: dict[str, Organisation],
    users: dict[str, Any],
    sim: SimulatedClock,
    start: dt.date,
    end: dt.date,
    patients: int,
) -> HistoryResult:
    """Play ``patients`` of ``people`` through the MMT service from ``start`` to ``end`` (inclusive)."""
    days = (end - start).days + 1
    clinics = [organisations[k] for k in data.DOCTORS]
    if Episode.objects.filter(clinic__in=clinics).exists():
        finished = AuditEntry.objects.filter(action=_MARKER).exists()
        return HistoryResult(written=False, incomplete=not finished)
    plans = history_plan(seed=seed, people=people, days=days, patients=patients)
    if not plans:
        return HistoryResult(written=False)
    indexes = {id_number_index(people[plan.person].id_number): plan.person for plan in plans}
    persons = {indexes[p.id_number_index]: p for p in Person.objects.filter(id_number_index__in=indexes)}
    if len(persons) != len(plans):  # a population from another seed
        return HistoryResult(written=False)
    cast = [
        _Patient(plan=plan, person=persons[plan.person], home=plan.home, site=plan.site) for plan in plans
    ]
    _Service(
        seed=seed,
        sim=sim,
        start=start,
        days=days,
        organisations=organisations,
        users=users,
        stores=demo_stores(organisations),
        patients=cast,
    ).run()
    with transaction.atomic(durable=True):
        audit.record(
            _MARKER,
            username=_SOURCE,
            detail={"seed": seed, "start": str(start), "end": str(end), "patients": len(plans)},
        )
    return HistoryResult(written=True, start=start, end=end, patients=len(plans))


def history_start(months: int) -> dt.date:
    """The first day of a history of ``months`` months ending on ``data.HISTORY_END``."""
    ref = data.REFERENCE_DAY
    month = ref.month - months
    year = ref.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return dt.date(year, month, min(ref.day, 28)) + dt.timedelta(days=1)


# --- What the county holds ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoreStock:
    organisation: str
    store: str
    quantity_ml: Decimal


@dataclass(frozen=True)
class ServiceSummary:
    as_of: dt.datetime
    episodes: dict[str, int] = field(default_factory=dict)
    dose_days: int = 0
    persons_dosed: int = 0
    dropouts: int = 0
    reports: int = 0
    acknowledged: int = 0
    open: int = 0
    overdue: int = 0
    stock: tuple[StoreStock, ...] = ()


def service_summary(*, organisations: dict[str, Organisation]) -> ServiceSummary:
    """Totals of the demo clinics, with report deadlines judged at 09:00 on the reference day."""
    as_of = dt.datetime.combine(data.REFERENCE_DAY, dt.time(9), tzinfo=clock.SHANGHAI)
    clinics = [organisations[k] for k in data.DOCTORS]
    sites = [organisations[k] for k in data.NURSES]
    episodes = {
        row["status"]: row["n"]
        for row in Episode.objects.filter(clinic__in=clinics).values("status").annotate(n=Count("pk"))
    }
    doses = DoseDay.objects.filter(site__in=sites)
    deliveries = Delivery.objects.filter(report__source__in=clinics)
    unacknowledged = deliveries.filter(acknowledged_at__isnull=True)
    stock = (
        StockBalance.objects.filter(
            store__organisation__in=organisations.values(), batch__drug__code=data.METHADONE_CODE
        )
        .values("store__organisation__name", "store__name", "store_id")
        .annotate(q=Sum("quantity"))
        .order_by("store_id")
    )
    return ServiceSummary(
        as_of=as_of,
        episodes=dict(sorted(episodes.items())),
        dose_days=doses.count(),
        persons_dosed=doses.values("person_id").distinct().count(),
        dropouts=EpisodeEvent.objects.filter(episode__clinic__in=clinics, kind=EventKind.DROPOUT).count(),
        reports=deliveries.values("report_id").distinct().count(),
        acknowledged=deliveries.filter(acknowledged_at__isnull=False).count(),
        open=unacknowledged.filter(due_at__gte=as_of).count(),
        overdue=unacknowledged.filter(due_at__lt=as_of).count(),
        stock=tuple(
            StoreStock(row["store__organisation__name"], row["store__name"], row["q"]) for row in stock
        ),
    )
