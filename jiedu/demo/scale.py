"""National-scale MMT data for benchmarking the indicators (``manage.py generate_scale``).

``scale_generate`` fills a database that holds no MMT episode yet with the histories of ``patients`` people
over the ``months`` up to ``end``: a country of ``provinces`` provinces with their real prefectures and counties
(GB/T 2260, loaded with the registry's ``regions_load``), one MMT clinic per about 250 patients placed in the
counties (more where there are more patients; many counties have none), dosing points (延伸服药点) at about a
third of the clinics, one staff user per clinic and one CDC per prefecture with a clinic. 200,000 patients over
12 months give about 53 million dose days, the national scale of 2012–2021 (DOMAIN.md §6).

What is written, per person:

* the person: sex (85 % men), birth date (20–64 at the start of the window), a valid identity number (GB 11643,
  the household county's code, check digit) stored encrypted, blind-indexed and masked exactly as the patients
  app stores it, household region mostly the clinic's county; an affiliation with each clinic (and CDC) that
  knows the person;
* episodes: those begun before the window (with the earlier, exited episodes of the same person as records),
  and enrolments, re-enrolments and transfers during it; statuses, exit reasons, last dose, dropout flags and
  numbers 1..n as the MMT services leave them; accepted transfers;
* dose orders (one per change: induction at ≤ 40 mg, steps of 5–10 mg to a maintenance dose around 60 mg,
  occasional adjustments, re-induction after a dropout, tapering before a completed exit) and one dose day per
  dose, at the clinic or one of its dosing points;
* urine tests (more often in the first months, then about monthly, about 10 % positive), HIV, HCV and syphilis
  tests at entry and on schedule while negative, and the ART referral of each newly found HIV-positive person;
  people known positive before the window have that first positive test (and ART referral) on record, on the
  day their first episode began.

The course of a person is drawn day-free, as a sequence of events: runs of daily doses broken by short misses
(1–6 days), dropouts (≥ 7 days: some end in detention, about a fifth as many as exit as dropouts; the others
resume within the 30 days or exit as dropouts, most of whom re-enrol later), other exits (voluntary, completed
after a taper, rule violation, relapse, moved away, died) and transfers (the new clinic gives the next dose). The
rates are set so that a year looks like the national figures: annual retention about 74 %, mean dose about
61 mg (sd 20), about 10 % of urine tests positive. The thresholds are the configurable rules
(national defaults): dropout after 7 missed days, exit after 30, induction ≤ 40 mg, steps ≤ 10 mg, urine and
infection test intervals. Each person's story comes from a random stream of its own keyed by the seed and the
person's number, so the same seed always gives the same rows (encrypted identity numbers differ: Fernet tokens
carry a random IV), whatever the database.

Not written, because the indicators do not read them and this is synthetic bulk data for benchmarks: no
dose parts, no stock-ledger entries, no audit entries, no episode events, no urine selections, no reports to
the police, no pinyin search keys and no referral events or disclosures. Dose days, orders and tests exist only
inside the window (but for the diagnoses above); episodes before it are records without them.

Writing. PostgreSQL: one transaction. The keys, indexes and foreign keys (to and from them) of the tables being
filled are dropped first and rebuilt from the catalogue's own definitions at the end (PostgreSQL's advice for
populating a database: one sort per index and one check per foreign key instead of an update and a check per
row; rebuilding the unique keys checks them). Rows go in with ``COPY`` in batches of persons, streamed: dose
days are never held in memory beyond one batch. Ids are given explicitly and the sequences set after the load.
If anything fails, the transaction takes everything back, the dropped constraints included. Then ``VACUUM
(FREEZE, ANALYZE)``, so that a benchmark reads settled tables. Other databases (SQLite, for tests and small runs):
the same rows with ``executemany`` in chunks, values prepared by the model fields as ``bulk_create`` prepares
them (no model instances: they would cost more than the rows).
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import math
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from jiedu.accounts.models import Role, RoleAssignment, User
from jiedu.core import clock, crypto
from jiedu.core.errors import DomainError, FieldErrors
from jiedu.core.selectors import add_working_days, rule_value
from jiedu.demo import data
from jiedu.labs.models import LabKind, LabTest
from jiedu.mmt.models import DoseDay, DoseOrder, Episode, EpisodeStatus, ExitReason, Transfer
from jiedu.patients import identity, names
from jiedu.patients.models import Affiliation, Person, Sex
from jiedu.patients.services import id_number_index
from jiedu.policy.rules import role_allowed_in
from jiedu.referrals.models import Outcome, Referral, ReferralKind, ReferralStatus
from jiedu.registry.models import Organisation, OrganisationType
from jiedu.registry.regions import RegionRow, read_rows
from jiedu.registry.services import regions_load
from jiedu.reports.models import Basis

DEFAULT_END = dt.date(2026, 10, 31)
DEFAULT_SEED = 2026
DEFAULT_PROVINCES = 30
PATIENTS_PER_CLINIC = 250
BATCH_PERSONS = 1000

#: Relative numbers of MMT patients by province (the southwest and south carry most of them); 西藏, 台湾, 香港 and
#: 澳门 have none, which leaves 30 provinces, as in 2021.
PROVINCE_WEIGHTS: dict[str, float] = {
    "53": 14, "45": 12, "44": 12, "51": 10, "52": 8, "65": 6, "43": 4, "50": 4, "33": 3, "35": 3,
    "42": 3, "61": 3, "11": 2, "31": 2, "32": 2, "36": 2, "62": 2, "12": 1, "13": 1, "14": 1,
    "15": 1, "21": 1, "34": 1, "37": 1, "41": 1, "46": 1, "64": 1, "22": 0.5, "23": 0.5, "63": 0.5,
}  # fmt: skip

MALE_SHARE = 0.85
AGE_RANGE = (20, 64)  # at the start of the window
DOSING_POINT_SHARE = 0.35
#: The earliest start of an episode (the first clinics opened in 2004).
FIRST_START = dt.date(2004, 3, 1)
#: Eighteen years, with their leap days and the few days an application precedes the start: nobody applies
#: before their eighteenth birthday.
ADULT_DAYS = 18 * 365 + 10

# -- The course of treatment: rates per dosing day, shares, delays ----------------------------------------
MISS_RATE = 1 / 55  # a short miss of 1–6 days
MISS_LENGTHS = {1: 50, 2: 25, 3: 10, 4: 7, 5: 5, 6: 3}
DROPOUT_RATE = 0.9 / 365  # a gap of 7 days or more
DETAINED_SHARE = 0.09  # of dropouts: arrested or isolated (a fifth as many exits as dropouts)
RESUME_SHARE = 0.45  # of the other dropouts: back within the 30 days, same episode
TRANSFER_RATE = 0.03 / 365
EXIT_RATES = {  # per year in treatment
    ExitReason.VOLUNTARY: 0.05,
    ExitReason.COMPLETED: 0.02,
    ExitReason.RULE_VIOLATION: 0.012,
    ExitReason.RELAPSE: 0.012,
    ExitReason.MOVED_AWAY: 0.015,
    ExitReason.DIED: 0.008,
}
#: Share of exits followed by a new enrolment, and (least days, mean further days) until it.
RETURNS: dict[str, tuple[float, int, int]] = {
    ExitReason.DROPOUT: (0.8, 0, 180),
    ExitReason.DETAINED: (0.35, 15, 90),
    ExitReason.VOLUNTARY: (0.35, 30, 90),
    ExitReason.COMPLETED: (0.15, 60, 120),
    ExitReason.RULE_VIOLATION: (0.3, 30, 90),
    ExitReason.RELAPSE: (0.4, 30, 90),
    ExitReason.MOVED_AWAY: (0.2, 30, 90),
    ExitReason.DIED: (0.0, 0, 0),
}
#: Exit reasons of the episodes before the window (records), relative.
PRIOR_EXITS = {
    ExitReason.DROPOUT: 45,
    ExitReason.DETAINED: 15,
    ExitReason.VOLUNTARY: 15,
    ExitReason.TRANSFERRED: 8,
    ExitReason.MOVED_AWAY: 5,
    ExitReason.COMPLETED: 4,
    ExitReason.RULE_VIOLATION: 4,
    ExitReason.RELAPSE: 4,
}
NEW_PER_YEAR = 0.12  # enrolments during the window per person in treatment at its start
FIRST_EVER_SHARE = 0.4  # of those enrolling during the window: first MMT episode ever
TRANSFER_SAME_PREFECTURE = 0.7

# -- Doses ----------------------------------------------------------------------------------------------
TARGET_MEAN, TARGET_SD = 58, 20
INDUCTION_DOSES = {20: 20, 25: 15, 30: 35, 35: 10, 40: 20}
MAINTENANCE_RANGE = (15, 150)
ADJUST_MEAN_DAYS = 90  # after a first month, between maintenance adjustments

# -- Tests ----------------------------------------------------------------------------------------------
#: Urine positivity of a person: (share of persons, chance a test is positive).
URINE_PROFILES = ((0.70, 0.025), (0.25, 0.17), (0.05, 0.45))
#: Infections: (known positive before the window, positive at a first-ever entry, positive at a later test).
INFECTIONS = {
    LabKind.HIV: (0.05, 0.04, 0.001),
    LabKind.HCV: (0.55, 0.45, 0.03),
    LabKind.SYPHILIS: (0.03, 0.04, 0.015),
}
ART_LOST_SHARE = 0.05

_REASON_INDUCTION = "诱导期首日剂量"
_REASON_TITRATION = "诱导期加量"
_REASON_ADJUST = "维持剂量调整"
_REASON_REINDUCTION = "脱失后重新诱导"
_REASON_TAPER = "逐步减量"
_ELIGIBILITY = {
    "guardian_consent": False,
    "dependence_evidence": "阿片类物质使用史，尿吗啡阳性",
    "documents": ["身份证复印件", "吸毒史证明", "体检报告"],
    "agreement_signed": True,
    "eligible": True,
    "problems": [],
}
_ELIGIBILITY_JSON = json.dumps(_ELIGIBILITY, ensure_ascii=False)
_URINE_NEGATIVE = json.dumps({"opiates": "negative", "methamphetamine": "negative", "ketamine": "negative"})
_URINE_OPIATES = json.dumps({"opiates": "positive", "methamphetamine": "negative", "ketamine": "negative"})
_URINE_METH = json.dumps({"opiates": "negative", "methamphetamine": "positive", "ketamine": "negative"})
_URINE_BOTH = json.dumps({"opiates": "positive", "methamphetamine": "positive", "ketamine": "negative"})
_URINE_KETAMINE = json.dumps({"opiates": "negative", "methamphetamine": "negative", "ketamine": "positive"})
_PLACEHOLDER_NAMES = {"市辖区", "县", "省直辖县级行政单位", "省直辖县级行政区划", "自治区直辖县级行政区划"}
_CN_NUMBERS = "一二三四五六七八九十"


class ScaleRefused(DomainError):
    code = "not_empty"


@dataclass
class ScaleSummary:
    seed: int
    start: dt.date
    end: dt.date
    provinces: int = 0
    counties: int = 0
    clinics: int = 0
    dosing_points: int = 0
    cdcs: int = 0
    users: int = 0
    persons: int = 0
    episodes: int = 0
    transfers: int = 0
    orders: int = 0
    dose_days: int = 0
    dose_mg: Decimal = Decimal(0)
    tests: int = 0
    referrals: int = 0
    affiliations: int = 0
    seconds: float = 0.0
    exits: dict[str, int] = field(default_factory=dict)


def scale_window(*, end: dt.date, months: int) -> tuple[dt.date, dt.date]:
    """The first and last day of the ``months`` calendar months (or month-long spans) that end on ``end``."""
    after = end + dt.timedelta(days=1)
    year, month = divmod(after.year * 12 + after.month - 1 - months, 12)
    day = min(after.day, _month_length(year, month + 1))
    return dt.date(year, month + 1, day), end


def _month_length(year: int, month: int) -> int:
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return (following - dt.timedelta(days=1)).day


# --- The country: provinces, counties, clinics (pure) ------------------------------------------------------


@dataclass(frozen=True)
class ClinicSpec:
    county: str
    prefecture: str
    province: str
    name: str
    weight: float
    dosing_points: tuple[str, ...]


@dataclass(frozen=True)
class CountryPlan:
    provinces: tuple[str, ...]
    #: Province → its current counties (households are registered in any of them).
    counties: dict[str, tuple[str, ...]]
    clinics: tuple[ClinicSpec, ...]
    #: Prefecture code → the name of its CDC.
    cdcs: dict[str, str]


def _round5(value: float) -> int:
    return int(5 * round(value / 5))


def country_plan(*, seed: int, patients: int, provinces: int) -> CountryPlan:
    """Where the clinics are: counties weighted by a heavy-tailed draw within their province's share; the
    clinics are apportioned to the counties by the largest remainder, so most weight gets most clinics."""
    rng = random.Random(f"jiedu-scale:{seed}:country")
    chosen = tuple(sorted(sorted(PROVINCE_WEIGHTS, key=lambda c: (-PROVINCE_WEIGHTS[c], c))[:provinces]))
    rows = [r for r in read_rows() if r.code[:2] in chosen]
    by_code = {r.code: r for r in rows}
    counties: dict[str, list[RegionRow]] = {p: [] for p in chosen}
    for r in rows:
        if r.level == "county" and r.valid_to is None and r.name not in _PLACEHOLDER_NAMES:
            counties[r.code[:2]].append(r)
    weights: list[tuple[RegionRow, float]] = []
    for province in chosen:
        share = PROVINCE_WEIGHTS[province] / max(1, len(counties[province]))
        weights.extend((r, share * rng.lognormvariate(0, 1.0)) for r in counties[province])
    total = sum(w for _, w in weights)
    count = max(2, round(patients / PATIENTS_PER_CLINIC))  # two at least: a transfer goes somewhere else
    quotas = [(r, count * w / total, w) for r, w in weights]
    seats = {r.code: int(q) for r, q, _ in quotas}
    left = count - sum(seats.values())
    for r, _, _ in sorted(quotas, key=lambda x: (-(x[1] - int(x[1])), x[0].code))[:left]:
        seats[r.code] += 1
    clinics: list[ClinicSpec] = []
    cdcs: dict[str, str] = {}
    for r, _, w in quotas:
        n = seats[r.code]
        if not n:
            continue
        prefecture = r.parent_code if r.parent_code in by_code else f"{r.code[:2]}0000"
        province_name = by_code[f"{r.code[:2]}0000"].name
        pref_name = by_code[prefecture].name if prefecture in by_code else province_name
        cdcs[prefecture] = (
            f"{province_name if pref_name in _PLACEHOLDER_NAMES else pref_name}疾病预防控制中心"
        )
        for k in range(n):
            name = f"{r.name}美沙酮维持治疗门诊" if k == 0 else f"{r.name}第{_cn(k + 1)}美沙酮维持治疗门诊"
            points: tuple[str, ...] = ()
            if rng.random() < DOSING_POINT_SHARE:
                many = rng.choices((1, 2, 3), weights=(60, 30, 10))[0]
                points = tuple(f"{name}第{_cn(j + 1)}延伸服药点" for j in range(many))
            clinics.append(
                ClinicSpec(
                    county=r.code,
                    prefecture=prefecture,
                    province=r.code[:2],
                    name=name,
                    weight=w / n * rng.lognormvariate(0, 0.3),
                    dosing_points=points,
                )
            )
    return CountryPlan(
        provinces=chosen,
        counties={p: tuple(r.code for r in counties[p]) for p in chosen},
        clinics=tuple(clinics),
        cdcs=cdcs,
    )


def _cn(n: int) -> str:
    return _CN_NUMBERS[n - 1] if n <= 10 else str(n)


# --- The organisations and their users (ORM, small) ---------------------------------------------------------


@dataclass(frozen=True)
class _Clinic:
    id: int
    county: str
    prefecture: str
    province: str
    #: The clinic first, then its dosing points.
    sites: tuple[int, ...]
    user: int
    cdc: int
    cdc_user: int


def _free_name(region: str, name: str, taken: set[tuple[str, str]]) -> str:
    candidate, n = name, 1
    while (region, candidate) in taken:
        n += 1
        candidate = f"{name}（{n}）"
    taken.add((region, candidate))
    return candidate


def _organisations(plan: CountryPlan) -> tuple[list[_Clinic], int, int]:
    """Clinics, dosing points, CDCs, one user per clinic and per CDC. Returns (clinics, dosing points, users)."""
    T = OrganisationType
    regions = {c.county for c in plan.clinics} | set(plan.cdcs)
    taken = set(Organisation.objects.filter(region_id__in=regions).values_list("region_id", "name"))
    cdcs = Organisation.objects.bulk_create(
        [
            Organisation(name=_free_name(code, name, taken), type=T.CDC, region_id=code)
            for code, name in sorted(plan.cdcs.items())
        ]
    )
    clinics = Organisation.objects.bulk_create(
        [
            Organisation(name=_free_name(c.county, c.name, taken), type=T.MMT_CLINIC, region_id=c.county)
            for c in plan.clinics
        ]
    )
    points = Organisation.objects.bulk_create(
        [
            Organisation(
                name=_free_name(c.county, point, taken),
                type=T.DOSING_POINT,
                region_id=c.county,
                parent_clinic=clinic,
            )
            for c, clinic in zip(plan.clinics, clinics, strict=True)
            for point in c.dosing_points
        ]
    )
    unusable = make_password(None)  # staff for the records' user columns; nobody signs in as them
    users = User.objects.bulk_create(
        [
            User(
                username=f"scale-{org.pk}",
                password=unusable,
                organisation=org,
                full_name=f"{org.name}{'医生' if org.type == T.MMT_CLINIC else '工作人员'}",
            )
            for org in (*clinics, *cdcs)
        ]
    )
    roles = {T.MMT_CLINIC: (Role.DOCTOR, Role.NURSE), T.CDC: (Role.CDC_STAFF,)}
    kind_of = {o.pk: o.type for o in (*clinics, *cdcs)}
    assignments = [RoleAssignment(user=u, role=r) for u in users for r in roles[kind_of[u.organisation_id]]]
    assert all(role_allowed_in(a.role, kind_of[a.user.organisation_id]) for a in assignments)
    RoleAssignment.objects.bulk_create(assignments)
    user_of = {u.organisation_id: u.pk for u in users}
    cdc_of = {o.region_id: o.pk for o in cdcs}
    points_of: dict[int, list[int]] = {}
    for p in points:
        points_of.setdefault(p.parent_clinic_id, []).append(p.pk)
    result = [
        _Clinic(
            id=org.pk,
            county=spec.county,
            prefecture=spec.prefecture,
            province=spec.province,
            sites=(org.pk, *points_of.get(org.pk, ())),
            user=user_of[org.pk],
            cdc=cdc_of[spec.prefecture],
            cdc_user=user_of[cdc_of[spec.prefecture]],
        )
        for spec, org in zip(plan.clinics, clinics, strict=True)
    ]
    return result, len(points), len(users)


# --- People and their courses (pure, apart from the working-day calendar) -------------------------------------


@dataclass
class _Episode:
    id: int
    clinic: _Clinic
    number: int
    applied_on: int
    started_on: int | None = None
    ended_on: int | None = None
    status: str = EpisodeStatus.ACTIVE
    exit_reason: str = ""
    transferred_from: int | None = None
    last_dose_on: int | None = None
    needs_review: bool = False
    needs_induction: bool = False
    dropout_since: int | None = None
    site: int = 0
    #: Dosing runs in the window: (first day, last day, site), in order.
    runs: list[tuple[int, int, int]] = field(default_factory=list)
    #: Orders: (effective day, order id, mg), in order.
    orders: list[tuple[int, int, int]] = field(default_factory=list)


@dataclass
class _Rules:
    review: int
    dropout: int
    exit: int
    induction_max: int
    step_max: int
    urine_days: int
    urine_days_early: int
    urine_early: int
    intervals: dict[str, int]
    decision_days: int
    respond_days: int
    complete_days: int

    @classmethod
    def national(cls) -> _Rules:
        def value(key: str) -> Any:
            return rule_value(key, region_code=None)

        return cls(
            review=value("mmt.review_after_missed_days"),
            dropout=value("mmt.dropout_after_missed_days"),
            exit=value("mmt.exit_after_missed_days"),
            induction_max=int(value("mmt.induction_max_mg")),
            step_max=int(value("mmt.step_max_mg")),
            urine_days=value("labs.urine_interval_days"),
            urine_days_early=value("labs.urine_interval_days_early"),
            urine_early=value("labs.urine_early_days"),
            intervals={
                LabKind.HIV: value("labs.hiv_interval_days"),
                LabKind.HCV: value("labs.hcv_interval_days"),
                LabKind.SYPHILIS: value("labs.syphilis_interval_days"),
            },
            decision_days=value("mmt.decision_working_days"),
            respond_days=value("referrals.respond_working_days"),
            complete_days=value("referrals.complete_days"),
        )


class _Ids:
    """The next id of each table, handed out in the order the people are generated."""

    def __init__(self, start: dict[str, int]) -> None:
        self.next = dict(start)

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value


@dataclass
class Rows:
    """One batch of rows, by model, in the columns of ``COLUMNS``; dose days as segments to expand."""

    persons: list[tuple] = field(default_factory=list)
    affiliations: list[tuple] = field(default_factory=list)
    episodes: list[tuple] = field(default_factory=list)
    transfers: list[tuple] = field(default_factory=list)
    orders: list[tuple] = field(default_factory=list)
    tests: list[tuple] = field(default_factory=list)
    referrals: list[tuple] = field(default_factory=list)
    #: (person, episode, order, site, mg, first day, last day, minute base)
    segments: list[tuple[int, int, int, int, int, int, int, int]] = field(default_factory=list)


COLUMNS: dict[type[models.Model], tuple[str, ...]] = {
    Person: (
        "id", "name", "name_pinyin", "sex", "birth_date", "id_number_encrypted", "id_number_index",
        "id_number_masked", "phone", "household_region_id", "current_address", "photo", "photo_token",
        "created_at", "created_by_id", "updated_at",
    ),
    Affiliation: ("id", "person_id", "organisation_id", "kind", "since", "created_by_id"),
    Episode: (
        "id", "person_id", "clinic_id", "number", "status", "card_number", "applied_on", "decision_due",
        "eligibility", "started_on", "ended_on", "exit_reason", "refusal_reason", "transferred_from_id",
        "last_dose_on", "needs_review", "needs_induction", "dropout_since", "created_at",
    ),
    Transfer: (
        "id", "episode_id", "to_clinic_id", "status", "reason", "requested_by_id", "requested_at",
        "decided_by_id", "decided_at", "new_episode_id",
    ),
    DoseOrder: (
        "id", "episode_id", "dose_mg", "split_parts", "effective_on", "reason", "overrides",
        "override_reason", "prescriber_id", "taper_plan_id", "created_at",
    ),
    LabTest: (
        "id", "person_id", "episode_id", "site_id", "kind", "reason", "selection_line_id", "collected_on",
        "collected_by_id", "result", "analytes", "result_at", "result_by_id", "note",
    ),
    Referral: (
        "id", "kind", "person_id", "from_org_id", "to_org_id", "status", "reason", "basis", "consent_on",
        "release_on", "lab_test_id", "made_by_id", "made_at", "respond_by", "decided_by_id", "decided_at",
        "decline_reason", "complete_by", "closed_on", "closed_by_id", "outcome", "outcome_note", "episode_id",
    ),
    DoseDay: (
        "id", "person_id", "day", "episode_id", "order_id", "site_id", "ordered_mg", "parts_planned", "first_at",
    ),
}  # fmt: skip
#: Tables filled (dose days last: they point at episodes and orders).
TABLES = (Person, Affiliation, Episode, Transfer, DoseOrder, LabTest, Referral, DoseDay)


class _Orders:
    """The dose orders of one episode, written as the course goes: induction and titration to the target,
    maintenance adjustments, re-induction after a dropout, a taper before a completed exit."""

    __slots__ = ("ep", "gen", "rng", "target", "mg", "next_day", "titrating")

    def __init__(self, gen: _Generator, rng: random.Random, ep: _Episode, target: int) -> None:
        self.gen, self.rng, self.ep, self.target = gen, rng, ep, target
        self.mg = 0
        self.next_day = math.inf
        self.titrating = False

    def _write(self, day: int, mg: int, reason: str) -> None:
        order_id = self.gen.ids.take("order")
        self.ep.orders.append((day, order_id, mg))
        self.gen.rows.orders.append(
            (
                order_id,
                self.ep.id,
                Decimal(mg),
                1,
                self.gen.date(day),
                reason,
                "[]",
                "",
                self.ep.clinic.user,
                None,
                self.gen.at(day, 8 * 60),
            )
        )
        self.mg = mg

    def _schedule(self, day: int) -> None:
        self.titrating = self.mg < self.target
        if self.titrating:
            self.next_day = day + self.rng.randint(3, 5)
        else:
            self.next_day = day + 30 + int(self.rng.expovariate(1 / ADJUST_MEAN_DAYS))

    def induce(self, day: int, *, again: bool = False) -> None:
        limit = self.gen.rules.induction_max
        if again:
            mg = max(20, min(limit, _round5(self.mg * 0.5)))
        else:
            mg = min(
                limit, self.rng.choices(list(INDUCTION_DOSES), weights=list(INDUCTION_DOSES.values()))[0]
            )
        self._write(day, min(mg, self.target), _REASON_REINDUCTION if again else _REASON_INDUCTION)
        self._schedule(day)

    def carry(self, day: int, mg: int, reason: str) -> None:
        self._write(day, mg, reason)
        self._schedule(day)

    def advance(self, day: int) -> None:
        """Write the changes due on or before ``day``."""
        rng, step_max = self.rng, self.gen.rules.step_max
        while self.next_day <= day:
            at = int(self.next_day)
            if self.titrating:
                mg = min(self.target, self.mg + rng.choice((5, step_max)))
                self._write(at, mg, _REASON_TITRATION)
            else:
                toward = 1 if self.mg < self.target else -1 if self.mg > self.target else rng.choice((1, -1))
                sign = toward if rng.random() < 0.7 else -toward
                low, high = MAINTENANCE_RANGE
                mg = max(low, min(high, self.mg + sign * rng.choice((5, step_max))))
                if mg != self.mg:
                    self._write(at, mg, _REASON_ADJUST)
            self._schedule(at)

    def taper(self, day: int, *, until: int) -> int:
        """Decreasing orders every week from ``day`` down to 10 mg (none after ``until``); returns the last
        day of the taper."""
        self.next_day = math.inf
        mg = self.mg
        while mg > 10:
            mg = max(10, mg - (10 if mg > 20 else 5))
            if day <= until:
                self._write(day, mg, _REASON_TAPER)
            day += 7
        return day - 1


class _Generator:
    def __init__(
        self,
        *,
        seed: int,
        start: dt.date,
        end: dt.date,
        clinics: list[_Clinic],
        weights: Sequence[float],
        rules: _Rules,
        ids: _Ids,
        counties: dict[str, tuple[str, ...]],
        taken_indexes: set[str],
    ) -> None:
        self.seed = seed
        self.S, self.E = start.toordinal(), end.toordinal()
        self.clinics = clinics
        self.cum_weights = list(_cumulative(weights))
        self.rules = rules
        self.ids = ids
        self.counties = counties
        self.all_counties = sorted(c for cs in counties.values() for c in cs)
        self.taken_indexes = taken_indexes
        self.used_numbers: set[str] = set()
        self.rows = Rows()
        self._working: dict[tuple[int, int], int] = {}
        self._dates: dict[int, dt.date] = {}
        self._times: dict[int, dt.datetime] = {}
        self.by_prefecture: dict[str, list[_Clinic]] = {}
        self.by_province: dict[str, list[_Clinic]] = {}
        for c in clinics:
            self.by_prefecture.setdefault(c.prefecture, []).append(c)
            self.by_province.setdefault(c.province, []).append(c)
        self.pinyin: dict[str, str] = {}
        self.surnames = list(data.SURNAMES)
        self.surname_weights = list(_cumulative(data.SURNAMES.values()))
        self.break_kinds = ["miss", "dropout", ExitReason.TRANSFERRED, *EXIT_RATES]
        rates = [MISS_RATE, DROPOUT_RATE, TRANSFER_RATE, *(r / 365 for r in EXIT_RATES.values())]
        self.break_rate = sum(rates)
        self.break_weights = list(_cumulative(rates))
        self.miss_lengths = list(MISS_LENGTHS)
        self.miss_weights = list(_cumulative(MISS_LENGTHS.values()))
        self.prior_reasons = list(PRIOR_EXITS)
        self.prior_weights = list(_cumulative(PRIOR_EXITS.values()))
        self.new_share = NEW_PER_YEAR * (self.E - self.S + 1) / 365
        with translation.override(settings.LANGUAGE_CODE):
            self.continued = gettext(gettext_noop("Continued after transfer"))
            self.art_reason = gettext(gettext_noop("HIV antibody positive, sample taken %(day)s."))
        self.exits: dict[str, int] = {}

    # -- helpers --

    def date(self, day: int) -> dt.date:
        value = self._dates.get(day)
        if value is None:
            value = self._dates[day] = dt.date.fromordinal(day)
        return value

    def at(self, day: int, minute: int) -> dt.datetime:
        """``minute`` minutes after local midnight of ``day``, aware."""
        key = day * 1440 + minute
        value = self._times.get(key)
        if value is None:
            d = self.date(day)
            value = self._times[key] = dt.datetime(
                d.year, d.month, d.day, minute // 60, minute % 60, tzinfo=clock.SHANGHAI
            )
        return value

    def working_days(self, day: int, days: int) -> int:
        key = (day, days)
        value = self._working.get(key)
        if value is None:
            value = self._working[key] = add_working_days(self.date(day), days).toordinal()
        return value

    def take_batch(self) -> Rows:
        rows, self.rows = self.rows, Rows()
        return rows

    # -- a person --

    def person(self, index: int) -> None:
        rng = random.Random(f"jiedu-scale:{self.seed}:person:{index}")
        home = self.clinics[bisect.bisect_left(self.cum_weights, rng.random() * self.cum_weights[-1])]
        person_id = self.ids.take("person")
        sex = Sex.MALE if rng.random() < MALE_SHARE else Sex.FEMALE
        age_days = rng.randint(AGE_RANGE[0] * 365 + 5, AGE_RANGE[1] * 365 + 300)
        birth = self.date(self.S - age_days)
        region = self._household(rng, home)
        continuing = rng.random() >= self.new_share / (1 + self.new_share)
        episodes = self._course(rng, person_id, birth.toordinal(), home, continuing=continuing)
        self._person_row(rng, person_id, sex, birth, region, episodes)
        self._tests(rng, person_id, episodes)

    def _household(self, rng: random.Random, home: _Clinic) -> str:
        draw = rng.random()
        if draw < 0.85:
            return home.county
        if draw < 0.95:
            return rng.choice(self.counties[home.province])
        return rng.choice(self.all_counties)

    def _name(self, rng: random.Random, sex: str) -> tuple[str, str]:
        surname = self.surnames[
            bisect.bisect_left(self.surname_weights, rng.random() * self.surname_weights[-1])
        ]
        male = sex == Sex.MALE
        first = rng.choice(data.GIVEN_MALE_FIRST if male else data.GIVEN_FEMALE_FIRST)
        second = rng.choice(data.GIVEN_MALE_SECOND if male else data.GIVEN_FEMALE_SECOND)
        parts = (surname, second) if rng.random() < 0.2 else (surname, first, second)
        spelled = []
        for part in parts:
            reading = self.pinyin.get(part)
            if reading is None:
                reading = self.pinyin[part] = names.name_pinyin(part)
            spelled.append(reading)
        return "".join(parts), " ".join(spelled)

    def _id_number(self, rng: random.Random, region: str, birth: dt.date, sex: str) -> tuple[str, str]:
        digits = "13579" if sex == Sex.MALE else "02468"
        while True:
            body = f"{region}{birth:%Y%m%d}{rng.randrange(100):02d}{rng.choice(digits)}"
            number = body + identity.check_digit_for(body)
            if number in self.used_numbers:
                continue
            index = id_number_index(number)
            if index in self.taken_indexes:
                continue
            self.used_numbers.add(number)
            return number, index

    def _person_row(
        self,
        rng: random.Random,
        person_id: int,
        sex: str,
        birth: dt.date,
        region: str,
        episodes: list[_Episode],
    ) -> None:
        name, spelled = self._name(rng, sex)
        number, index = self._id_number(rng, region, birth, sex)
        first = episodes[0]
        created = self.at(first.applied_on, 9 * 60)
        phone = rng.choice(data.MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        self.rows.persons.append(
            (
                person_id,
                name,
                spelled,
                sex,
                birth,
                crypto.encrypt(number),
                index,
                identity.mask(number),
                phone,
                region,
                "",
                "",
                "",
                created,
                first.clinic.user,
                created,
            )
        )
        seen: set[int] = set()
        for ep in episodes:
            if ep.clinic.id not in seen:
                seen.add(ep.clinic.id)
                self.rows.affiliations.append(
                    (
                        self.ids.take("affiliation"),
                        person_id,
                        ep.clinic.id,
                        Affiliation.Kind.REGISTERED,
                        self.at(ep.applied_on, 9 * 60),
                        ep.clinic.user,
                    )
                )

    # -- the course of treatment --

    def _course(
        self, rng: random.Random, person_id: int, birth: int, home: _Clinic, *, continuing: bool
    ) -> list[_Episode]:
        """The person's episodes: earlier ones as records, then the course through the window."""
        S, E = self.S, self.E
        adult = birth + ADULT_DAYS  # no treatment before the person came of age
        target = max(25, min(150, _round5(rng.gauss(TARGET_MEAN, TARGET_SD))))
        if continuing:  # in treatment when the window opens, for a few years already (or a month)
            years = min(rng.expovariate(1 / 3), 15)
            start = max(FIRST_START.toordinal(), S - 30 - int(years * 365), adult)
            episodes = self._priors(rng, home, before=start, may_transfer=True, earliest=adult)
            mode = (
                "transfer"
                if episodes and episodes[-1].exit_reason == ExitReason.TRANSFERRED
                else "continuing"
            )
        else:  # enrols during the window (the last few days: still applying when it ends)
            start = rng.randint(S, E + 3)
            first_ever = rng.random() < FIRST_EVER_SHARE
            episodes = (
                []
                if first_ever
                else self._priors(rng, home, before=S - 1, may_transfer=False, at_least=1, earliest=adult)
            )
            mode = "new"
        clinic, carried_mg = home, target
        while True:
            previous = episodes[-1] if episodes else None
            if mode == "transfer":
                applied_on = start
            else:
                applied_on = start - rng.randint(0, 4)
                if previous is not None and previous.ended_on is not None:
                    applied_on = max(applied_on, previous.ended_on)
                if applied_on > E:
                    if episodes:
                        break
                    applied_on = E  # every person in the data has applied at least
            ep = _Episode(
                id=self.ids.take("episode"), clinic=clinic, number=len(episodes) + 1, applied_on=applied_on
            )
            ep.site = self._home_site(rng, clinic)
            episodes.append(ep)
            if start > E:  # not started when the window ends
                ep.status = EpisodeStatus.ASSESSED if E > applied_on else EpisodeStatus.APPLIED
                ep.needs_induction = True
                break
            ep.started_on = start
            orders = _Orders(self, rng, ep, target)
            if mode == "transfer":
                assert previous is not None
                ep.transferred_from = previous.id
                self._transfer_row(previous, ep, start)
            if mode == "new":
                first_dose = start
                orders.induce(start)
            elif mode == "transfer" and start >= S:
                first_dose = start
                orders.carry(start, carried_mg, self.continued)
            else:  # on a maintenance order written some time before the window
                first_dose = S + (0 if rng.random() < 0.9 else rng.randint(1, 3))
                orders.carry(max(start, S - rng.randint(1, 180)), target, _REASON_ADJUST)
                ep.last_dose_on = S - 1
            outcome, last = self._attend(rng, ep, orders, first_dose)
            self._segments(person_id, ep, rng.randint(15, 240))
            ended = E + 1 if outcome == "open" else self._ended_on(rng, outcome, last)
            if ended > E:
                self._finish_open(ep, last)
                break
            ep.status, ep.exit_reason, ep.ended_on, ep.last_dose_on = (
                EpisodeStatus.EXITED,
                outcome,
                ended,
                last,
            )
            self.exits[outcome] = self.exits.get(outcome, 0) + 1
            if outcome == ExitReason.DROPOUT:
                ep.needs_review = ep.needs_induction = True
                ep.dropout_since = last + 1
            if outcome == ExitReason.TRANSFERRED:
                carried_mg = orders.mg
                clinic, start, mode = self._other_clinic(rng, clinic, same_prefecture=True), ended, "transfer"
                continue
            share, least, mean = RETURNS[outcome]
            if rng.random() >= share:
                break
            start = ended + least + (int(rng.expovariate(1 / mean)) if mean else 0)
            if outcome == ExitReason.MOVED_AWAY or rng.random() < 0.15:
                clinic = self._other_clinic(rng, clinic, same_prefecture=outcome != ExitReason.MOVED_AWAY)
            mode = "new"
            target = max(25, min(150, target + rng.choice((-10, -5, 0, 0, 5, 10))))
        for ep in episodes:
            self._episode_row(person_id, birth, ep)
        return episodes

    def _home_site(self, rng: random.Random, clinic: _Clinic) -> int:
        if len(clinic.sites) > 1 and rng.random() < 0.3:
            return rng.choice(clinic.sites[1:])
        return clinic.sites[0]

    def _other_clinic(self, rng: random.Random, clinic: _Clinic, *, same_prefecture: bool) -> _Clinic:
        pools = []
        if same_prefecture and rng.random() < TRANSFER_SAME_PREFECTURE:
            pools.append(self.by_prefecture[clinic.prefecture])
        pools += [self.by_province[clinic.province], self.clinics]
        for pool in pools:
            others = [c for c in pool if c.id != clinic.id]
            if others:
                return rng.choice(others)
        raise AssertionError("A country has two clinics at least.")

    def _attend(self, rng: random.Random, ep: _Episode, orders: _Orders, first: int) -> tuple[str, int]:
        """Runs of daily doses from ``first`` until an exit or the end of the window. Returns the outcome
        ("open" or an exit reason) and the last dose day."""
        E, rules, sites = self.E, self.rules, ep.clinic.sites
        day = first
        last = ep.last_dose_on if ep.last_dose_on is not None else first - 1
        while day <= E:
            site = ep.site
            if len(sites) > 1 and rng.random() < 0.05:  # this stretch at another site of the clinic
                site = rng.choice([s for s in sites if s != ep.site])
            last = min(E, day + int(rng.expovariate(self.break_rate)))
            orders.advance(last)
            ep.runs.append((day, last, site))
            if last == E:
                break
            kind = self.break_kinds[
                bisect.bisect_left(self.break_weights, rng.random() * self.break_weights[-1])
            ]
            if kind == "miss":
                day = (
                    last
                    + 1
                    + self.miss_lengths[
                        bisect.bisect_left(self.miss_weights, rng.random() * self.miss_weights[-1])
                    ]
                )
            elif kind == "dropout":
                draw = rng.random()
                if draw < DETAINED_SHARE:
                    return ExitReason.DETAINED, last
                if draw >= DETAINED_SHARE + (1 - DETAINED_SHARE) * RESUME_SHARE:
                    return ExitReason.DROPOUT, last
                day = last + 1 + rng.randint(rules.dropout, rules.exit - 1)  # back within the 30 days
                if day <= E:
                    orders.induce(day, again=True)
            elif kind == ExitReason.COMPLETED:  # tapered off, dosed every day of the taper
                taper_end = orders.taper(last + 1, until=E)
                ep.runs.append((last + 1, min(taper_end, E), site))
                if taper_end >= E:
                    return "open", E
                return ExitReason.COMPLETED, taper_end
            else:
                return kind, last
        return "open", last

    def _ended_on(self, rng: random.Random, outcome: str, last: int) -> int:
        if outcome == ExitReason.DROPOUT:
            return last + self.rules.exit + 1  # the scan of that morning counts 30 missed days
        if outcome == ExitReason.DETAINED:
            return last + rng.randint(1, 10)
        if outcome == ExitReason.TRANSFERRED:
            return last + 1  # accepted the next morning: that day's dose is at the new clinic
        return last + rng.randint(1, 3)

    def _finish_open(self, ep: _Episode, last: int) -> None:
        """The episode's state after the missed-dose scan of the window's last day."""
        ep.status = EpisodeStatus.ACTIVE
        ep.last_dose_on = last
        missed = max(0, self.E - last - 1)
        ep.needs_review = missed >= self.rules.review
        ep.needs_induction = missed >= self.rules.dropout
        ep.dropout_since = last + 1 if missed >= self.rules.dropout else None

    def _segments(self, person_id: int, ep: _Episode, minute_base: int) -> None:
        """Dose days as runs split where a new order comes into force."""
        days = [o[0] for o in ep.orders]
        append = self.rows.segments.append
        for first, last, site in ep.runs:
            i = bisect.bisect_right(days, first) - 1
            day = first
            while day <= last:
                _, order_id, mg = ep.orders[i]
                until = last if i + 1 == len(days) else min(last, days[i + 1] - 1)
                if until >= day:  # (an order replaced the same day has no dose of its own)
                    append((person_id, ep.id, order_id, site, mg, day, until, minute_base))
                    day = until + 1
                i += 1

    def _priors(
        self,
        rng: random.Random,
        home: _Clinic,
        *,
        before: int,
        may_transfer: bool,
        earliest: int,
        at_least: int = 0,
    ) -> list[_Episode]:
        """Earlier, exited episodes (records without doses), laid out backwards from the day ``before``
        which the next episode starts, none before ``earliest`` (the day the person came of age). With
        ``may_transfer`` the latest may end in a transfer to it."""
        count = at_least
        if rng.random() >= 0.45:
            count += 1
            while count < 6 and rng.random() < 0.5:
                count += 1
        made: list[_Episode] = []  # latest first
        anchor, clinic = before, home
        for j in range(count):
            reason = self.prior_reasons[
                bisect.bisect_left(self.prior_weights, rng.random() * self.prior_weights[-1])
            ]
            if reason == ExitReason.TRANSFERRED and not (j or may_transfer):
                reason = ExitReason.DROPOUT
            transfer = reason == ExitReason.TRANSFERRED
            ended = anchor if transfer else anchor - 1 - int(rng.expovariate(1 / 120))
            started = ended - 30 - int(rng.expovariate(1 / 400))
            if started < max(FIRST_START.toordinal(), earliest):
                break
            if transfer:
                clinic = self._other_clinic(rng, clinic, same_prefecture=True)
            ep = _Episode(
                id=0, clinic=clinic, number=0, applied_on=started, started_on=started, ended_on=ended
            )
            ep.status, ep.exit_reason = EpisodeStatus.EXITED, reason
            if reason == ExitReason.DROPOUT:
                ep.last_dose_on = max(started, ended - self.rules.exit - 1)
                ep.needs_review = ep.needs_induction = True
                ep.dropout_since = ep.last_dose_on + 1
            elif reason == ExitReason.DETAINED:
                ep.last_dose_on = max(started, ended - rng.randint(1, 10))
            else:
                ep.last_dose_on = max(started, ended - 1)
            made.append(ep)
            anchor = started
        made.reverse()
        for k, ep in enumerate(made):
            ep.id, ep.number = self.ids.take("episode"), k + 1
            earlier = made[k - 1] if k else None
            if earlier is not None and earlier.exit_reason == ExitReason.TRANSFERRED:
                ep.transferred_from = earlier.id
                self._transfer_row(earlier, ep, ep.started_on or 0)
            else:
                ep.applied_on = (
                    ep.started_on - rng.randint(0, 4) if ep.started_on is not None else ep.applied_on
                )
                if earlier is not None and earlier.ended_on is not None:
                    ep.applied_on = max(ep.applied_on, earlier.ended_on)
        return made

    def _transfer_row(self, old: _Episode, new: _Episode, day: int) -> None:
        self.rows.transfers.append(
            (
                self.ids.take("transfer"),
                old.id,
                new.clinic.id,
                "accepted",
                "",
                old.clinic.user,
                self.at(day - 1, 10 * 60),
                new.clinic.user,
                self.at(day, 8 * 60 + 30),
                new.id,
            )
        )

    def _episode_row(self, person_id: int, birth: int, ep: _Episode) -> None:
        started = ep.started_on is not None
        if ep.transferred_from is not None:
            decision_due = ep.applied_on
        else:
            decision_due = self.working_days(ep.applied_on, self.rules.decision_days)
        eligibility = "{}"  # recorded by the assessment, as ``episode_assess`` records it
        if ep.status != EpisodeStatus.APPLIED:
            age = (ep.applied_on - birth) * 4 // 1461
            eligibility = f'{{"age": {age}, {_ELIGIBILITY_JSON[1:]}'

        self.rows.episodes.append(
            (
                ep.id,
                person_id,
                ep.clinic.id,
                ep.number,
                ep.status,
                f"{ep.clinic.county}{ep.id:07d}" if started else "",
                self.date(ep.applied_on),
                self.date(decision_due),
                eligibility,
                self.date(ep.started_on) if ep.started_on is not None else None,
                self.date(ep.ended_on) if ep.ended_on is not None else None,
                ep.exit_reason,
                "",
                ep.transferred_from,
                self.date(ep.last_dose_on) if ep.last_dose_on is not None else None,
                ep.needs_review,
                ep.needs_induction,
                self.date(ep.dropout_since) if ep.dropout_since is not None else None,
                self.at(ep.applied_on, 9 * 60),
            )
        )

    # -- tests --

    def _tests(self, rng: random.Random, person_id: int, episodes: list[_Episode]) -> None:
        """Urine tests on dose days, more often in the first months and about monthly after; HIV, HCV and
        syphilis at each new enrolment and then on schedule while negative."""
        draw, urine_p = rng.random(), URINE_PROFILES[-1][1]
        for share, p in URINE_PROFILES:
            if draw < share:
                urine_p = p
                break
            draw -= share
        first_ever = episodes[0].started_on is None or episodes[0].started_on >= self.S  # no earlier episode
        positive = {
            kind: not first_ever and rng.random() < known for kind, (known, _, _) in INFECTIONS.items()
        }
        due = {kind: self.S + rng.randrange(days) for kind, days in self.rules.intervals.items()}
        rules = self.rules
        diagnosed = episodes[0]  # known positives: found at their first enrolment, before the window
        for kind in (k for k in INFECTIONS if positive[k]):
            day = diagnosed.started_on or diagnosed.applied_on
            clinic = diagnosed.clinic
            test_id = self._lab_row(
                person_id, diagnosed, day, clinic.id, kind, "entry", "positive", "{}", rng
            )
            if kind == LabKind.HIV:
                self._art_referral(rng, person_id, diagnosed, test_id, day)
        for ep in episodes:
            if not ep.runs:
                continue
            assert ep.started_on is not None
            runs, firsts = ep.runs, [r[0] for r in ep.runs]
            first_day, first_site = runs[0][0], runs[0][2]
            entry = ep.transferred_from is None and ep.started_on >= self.S
            if entry:
                self._urine(rng, person_id, ep, first_day, first_site, entry=True, p=1.0)
                due.update({kind: first_day for kind in INFECTIONS if not positive[kind]})
                target = first_day + rules.urine_days_early - rng.randint(0, rules.urine_days_early // 3)
            else:
                target = first_day + rng.randrange(rules.urine_days)
            while (found := _dose_day_on_or_after(runs, firsts, target)) is not None:
                day, site = found
                self._urine(rng, person_id, ep, day, site, entry=False, p=urine_p)
                interval = (
                    rules.urine_days_early if day - ep.started_on < rules.urine_early else rules.urine_days
                )
                target = day + interval - rng.randint(0, interval // 3)
            for kind, (_, at_entry, later) in INFECTIONS.items():
                while not positive[kind]:
                    found = _dose_day_on_or_after(runs, firsts, due[kind])
                    if found is None:
                        break
                    day, site = found
                    on_entry = entry and day == first_day
                    p = at_entry if on_entry and first_ever and ep.number == 1 else later
                    result = "positive" if rng.random() < p else "negative"
                    reason = "entry" if on_entry else "due"
                    test_id = self._lab_row(person_id, ep, day, site, kind, reason, result, "{}", rng)
                    due[kind] = day + rules.intervals[kind]
                    if result == "positive":
                        positive[kind] = True
                        if kind == LabKind.HIV:
                            self._art_referral(rng, person_id, ep, test_id, day)

    def _urine(
        self, rng: random.Random, person_id: int, ep: _Episode, day: int, site: int, *, entry: bool, p: float
    ) -> None:
        """On entry opiates are found (the dependence treated), some methamphetamine too; later a positive
        test is mostly opiates, some methamphetamine, a few ketamine."""
        if entry:
            reason, analytes = "entry", _URINE_BOTH if rng.random() < 0.15 else _URINE_OPIATES
        elif rng.random() < p:
            draw = rng.random()
            reason = "random"
            analytes = (
                _URINE_OPIATES
                if draw < 0.75
                else _URINE_METH
                if draw < 0.9
                else _URINE_BOTH
                if draw < 0.98
                else _URINE_KETAMINE
            )
        else:
            reason, analytes = "random", _URINE_NEGATIVE
        result = "negative" if analytes is _URINE_NEGATIVE else "positive"
        self._lab_row(person_id, ep, day, site, LabKind.URINE, reason, result, analytes, rng)

    def _lab_row(
        self,
        person_id: int,
        ep: _Episode,
        day: int,
        site: int,
        kind: str,
        reason: str,
        result: str,
        analytes: str,
        rng: random.Random,
    ) -> int:
        test_id = self.ids.take("test")
        user = ep.clinic.user
        self.rows.tests.append(
            (
                test_id,
                person_id,
                ep.id,
                site,
                kind,
                reason,
                None,
                self.date(day),
                user,
                result,
                analytes,
                self.at(day, 14 * 60 + rng.randrange(180)),
                user,
                "",
            )
        )
        return test_id

    def _art_referral(self, rng: random.Random, person_id: int, ep: _Episode, test_id: int, day: int) -> None:
        """The referral the positive result makes, answered by the CDC in 1–3 days and mostly completed with
        ART started within about three weeks; what lies after the window's end has not happened yet."""
        clinic, E = ep.clinic, self.E
        made_at = self.at(day, 17 * 60 + rng.randrange(60))
        decided = day + rng.randint(1, 3)
        closed = decided + rng.randint(5, 20)
        lost = rng.random() < ART_LOST_SHARE
        if lost:
            closed = decided + self.rules.complete_days + rng.randint(1, 7)
        status = (
            ReferralStatus.REQUESTED
            if decided > E
            else ReferralStatus.ACCEPTED
            if closed > E
            else ReferralStatus.LOST
            if lost
            else ReferralStatus.COMPLETED
        )
        answered = status != ReferralStatus.REQUESTED
        done = status in (ReferralStatus.COMPLETED, ReferralStatus.LOST)
        self.rows.referrals.append(
            (
                self.ids.take("referral"),
                ReferralKind.ART,
                person_id,
                clinic.id,
                clinic.cdc,
                status,
                self.art_reason % {"day": self.date(day).isoformat()},
                Basis.INFECTIOUS_DISEASE_LAW,
                None,
                None,
                test_id,
                clinic.user,
                made_at,
                self.date(self.working_days(day, self.rules.respond_days)),
                clinic.cdc_user if answered else None,
                self.at(decided, 10 * 60) if answered else None,
                "",
                self.date(decided + self.rules.complete_days) if answered else None,
                self.date(closed) if done else None,
                clinic.cdc_user if done else None,
                Outcome.ART_STARTED if status == ReferralStatus.COMPLETED else "",
                "",
                None,
            )
        )
        if answered:
            self.rows.affiliations.append(
                (
                    self.ids.take("affiliation"),
                    person_id,
                    clinic.cdc,
                    Affiliation.Kind.REFERRED,
                    self.at(decided, 10 * 60),
                    clinic.cdc_user,
                )
            )


def _cumulative(values: Iterable[float]) -> Iterator[float]:
    total = 0.0
    for v in values:
        total += v
        yield total


def _dose_day_on_or_after(
    runs: list[tuple[int, int, int]], firsts: list[int], day: int
) -> tuple[int, int] | None:
    i = bisect.bisect_right(firsts, day) - 1
    if i >= 0 and runs[i][1] >= day:
        return day, runs[i][2]
    if i + 1 < len(runs):
        return runs[i + 1][0], runs[i + 1][2]
    return None


# --- Writing -------------------------------------------------------------------------------------------------

#: Minutes of the day a person comes to the window: a usual time and a little variation from day to day.
_JITTER = tuple((k * 7) % 31 - 15 for k in range(31))


def _first_minute(base: int, day: int, person_id: int) -> int:
    return 7 * 60 + base + _JITTER[(day + person_id) % 31]  # (the PostgreSQL writer inlines this)


#: Fields whose values this module already gives in their database form.
_AS_IS = (models.IntegerField, models.ForeignKey, models.CharField, models.TextField, models.JSONField)


class _Writer:
    """Rows out to the database in batches (``executemany``, values prepared by the model fields)."""

    chunk = 5000

    def __init__(self) -> None:
        self._prepared: dict[type[models.Model], list[Callable[[Any], Any] | None]] = {}

    def prepare(self) -> None:
        pass

    def finish(self) -> None:
        pass

    def analyze(self) -> None:
        pass

    def _preparers(self, model: type[models.Model]) -> list[Callable[[Any], Any] | None]:
        """Per column, how the field prepares a value for the database; None where the value is already
        what it would give (ids, numbers, text and the JSON text of JSON fields)."""
        found = self._prepared.get(model)
        if found is None:
            db = connections[DEFAULT_DB_ALIAS]  # the connection itself, not the per-context proxy
            fields = {f.attname: f for f in model._meta.concrete_fields}
            found = self._prepared[model] = [
                None if isinstance(fields[c], _AS_IS) else (lambda v, f=fields[c]: f.get_db_prep_save(v, db))
                for c in COLUMNS[model]
            ]
        return found

    def rows(self, model: type[models.Model], rows: list[tuple]) -> None:
        if not rows:
            return
        preparers = self._preparers(model)
        columns = COLUMNS[model]
        qn = connection.ops.quote_name
        table, names, marks = (
            qn(model._meta.db_table),
            ", ".join(qn(c) for c in columns),
            ", ".join(["%s"] * len(columns)),
        )
        sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608 - quoted names; values are parameters
        with connection.cursor() as cursor:
            for start in range(0, len(rows), self.chunk):
                cursor.executemany(
                    sql,
                    [
                        tuple(v if p is None else p(v) for p, v in zip(preparers, row, strict=True))
                        for row in rows[start : start + self.chunk]
                    ],
                )

    def dose_days(
        self, gen: _Generator, segments: list[tuple[int, int, int, int, int, int, int, int]]
    ) -> None:
        date, at, ids = gen.date, gen.at, gen.ids
        first_id = ids.next["dose_day"]
        rows = [
            (
                person,
                date(day),
                episode,
                order,
                site,
                Decimal(mg),
                1,
                at(day, _first_minute(base, day, person)),
            )
            for person, episode, order, site, mg, first, last, base in segments
            for day in range(first, last + 1)
        ]
        ids.next["dose_day"] = first_id + len(rows)
        self.rows(DoseDay, [(first_id + k, *row) for k, row in enumerate(rows)])


class _PostgresWriter(_Writer):
    """``COPY`` in text format into tables stripped of their keys and indexes, which are rebuilt at the end."""

    def __init__(self) -> None:
        super().__init__()
        self._restore: list[str] = []
        self._clock = [f"{m // 60:02d}:{m % 60:02d}:00+08" for m in range(24 * 60)]

    def prepare(self) -> None:
        """Drop the keys, indexes and foreign keys (from and to them) of the tables to fill, keeping the
        statements that restore them: primary and unique keys, then indexes, then foreign keys. The rebuilt
        definitions are the catalogue's own, so the schema afterwards is the schema before."""
        qn = connection.ops.quote_name
        tables = [m._meta.db_table for m in TABLES]
        with connection.cursor() as cursor:
            # Check the organisations and users just written now: a table with pending deferred checks cannot
            # lose or gain a foreign key in the same transaction.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
            cursor.execute(
                "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
                "WHERE c.contype = 'f' AND (c.conrelid = ANY(%s::regclass[]) OR c.confrelid = ANY(%s::regclass[])) "
                "ORDER BY 1, 2",
                [tables, tables],
            )
            foreign = cursor.fetchall()
            cursor.execute(
                "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
                "WHERE c.contype IN ('p', 'u') AND c.conrelid = ANY(%s::regclass[]) ORDER BY 1, 2",
                [tables],
            )
            keys = cursor.fetchall()
            cursor.execute(
                "SELECT x.oid::regclass::text, pg_get_indexdef(x.oid) FROM pg_index i "
                "JOIN pg_class x ON x.oid = i.indexrelid WHERE i.indrelid = ANY(%s::regclass[]) "
                # Partial indexes stay: their predicates do not come back verbatim (and they are small).
                "AND i.indpred IS NULL "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid "
                "AND k.conrelid = i.indrelid AND k.contype IN ('p', 'u')) ORDER BY 1",
                [tables],
            )
            indexes = cursor.fetchall()
            for table, name, _ in (*foreign, *keys):
                cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {qn(name)}")
            for name, _ in indexes:
                cursor.execute(f"DROP INDEX {name}")
        self._restore = [
            *(
                f"ALTER TABLE {table} ADD CONSTRAINT {qn(name)} {definition}"
                for table, name, definition in keys
            ),
            *(definition for _, definition in indexes),
            *(
                f"ALTER TABLE {table} ADD CONSTRAINT {qn(name)} {definition}"
                for table, name, definition in foreign
            ),
        ]

    def finish(self) -> None:
        with connection.cursor() as cursor:
            for statement in self._restore:
                cursor.execute(statement)
            for statement in connection.ops.sequence_reset_sql(no_style(), list(TABLES)):
                cursor.execute(statement)

    def analyze(self) -> None:
        """Statistics for the planner; outside a transaction also the visibility map and frozen rows, so that
        a benchmark run next reads the tables as a settled database would (and autovacuum has nothing to do)."""
        qn = connection.ops.quote_name
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM (FREEZE, ANALYZE)"
        with connection.cursor() as cursor:
            for model in TABLES:
                cursor.execute(f"{command} {qn(model._meta.db_table)}")

    def _copy(self, model: type[models.Model], chunks: Iterable[str]) -> None:
        qn = connection.ops.quote_name
        sql = f"COPY {qn(model._meta.db_table)} ({', '.join(qn(c) for c in COLUMNS[model])}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for chunk in chunks:
                copy.write(chunk)

    def rows(self, model: type[models.Model], rows: list[tuple]) -> None:
        if rows:
            self._copy(model, _text_chunks(rows, self.chunk))

    def dose_days(
        self, gen: _Generator, segments: list[tuple[int, int, int, int, int, int, int, int]]
    ) -> None:
        if not segments:
            return
        days = {d: gen.date(d).isoformat() for d in range(gen.S, gen.E + 1)}
        clock_at, jitter, ids = self._clock, _JITTER, gen.ids

        def chunks() -> Iterator[str]:
            lines: list[str] = []
            for person, episode, order, site, mg, first, last, base in segments:
                middle = f"\t{episode}\t{order}\t{site}\t{mg}\t1\t"
                offset, start = ids.next["dose_day"] - first, 7 * 60 + base
                lines.extend(
                    f"{offset + d}\t{person}\t{days[d]}{middle}{days[d]} {clock_at[start + jitter[(d + person) % 31]]}\n"
                    for d in range(first, last + 1)
                )
                ids.next["dose_day"] += last - first + 1
                if len(lines) >= 20000:
                    yield "".join(lines)
                    lines = []
            if lines:
                yield "".join(lines)

        self._copy(DoseDay, chunks())


def _copy_value(value: Any) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return str(value)  # int, Decimal, date, aware datetime (with its UTC offset)


def _text_chunks(rows: list[tuple], size: int) -> Iterator[str]:
    for start in range(0, len(rows), size):
        yield "".join("\t".join(map(_copy_value, row)) + "\n" for row in rows[start : start + size])


# --- The use case --------------------------------------------------------------------------------------------


def scale_plan(
    *, patients: int, months: int, seed: int, end: dt.date, provinces: int
) -> tuple[dt.date, dt.date, CountryPlan]:
    """The window and the country a run would fill (pure); a clear message naming each bad argument."""
    errors: dict[str, list[str]] = {}
    if patients < 1:
        errors["patients"] = [gettext("Generate at least one patient.")]
    if not 1 <= months <= 120:
        errors["months"] = [gettext("The window is 1 to 120 months long.")]
    if not 1 <= provinces <= len(PROVINCE_WEIGHTS):
        errors["provinces"] = [
            gettext("Choose 1 to %(n)d provinces.") % {"n": len(PROVINCE_WEIGHTS)},
        ]
    earliest = FIRST_START + dt.timedelta(days=365)  # patients in treatment when it opens began before
    if "months" not in errors and scale_window(end=end, months=months)[0] < earliest:
        errors["end"] = [gettext("The window starts on %(day)s or later.") % {"day": earliest.isoformat()}]
    if errors:
        raise FieldErrors(errors)
    start, end = scale_window(end=end, months=months)
    return start, end, country_plan(seed=seed, patients=patients, provinces=provinces)


def scale_generate(
    *,
    patients: int,
    months: int,
    seed: int = DEFAULT_SEED,
    end: dt.date = DEFAULT_END,
    provinces: int = DEFAULT_PROVINCES,
    batch: int = BATCH_PERSONS,
    progress: Callable[[int, int, float], None] | None = None,
) -> ScaleSummary:
    """Fill an empty database (no MMT episode) with ``patients`` people's MMT histories over the ``months``
    ending on ``end``. Refuses a database that holds MMT episodes: nothing is written then."""
    start, end, plan = scale_plan(patients=patients, months=months, seed=seed, end=end, provinces=provinces)
    _refuse_episodes()
    began = time.monotonic()
    regions_load(province_codes=set(plan.provinces))
    rules = _Rules.national()
    summary = ScaleSummary(seed=seed, start=start, end=end, provinces=len(plan.provinces))
    with transaction.atomic(durable=True):
        clinics, points, users = _organisations(plan)
        summary.clinics, summary.dosing_points, summary.users = len(clinics), points, users
        summary.cdcs, summary.counties = len(plan.cdcs), len({c.county for c in clinics})
        writer = _PostgresWriter() if connection.vendor == "postgresql" else _Writer()
        writer.prepare()  # on PostgreSQL the tables are locked from here: the ids and the check hold
        _refuse_episodes()
        gen = _Generator(
            seed=seed,
            start=start,
            end=end,
            clinics=clinics,
            weights=[c.weight for c in plan.clinics],
            rules=rules,
            ids=_Ids({key: _next_id(model) for key, model in _ID_KEYS.items()}),
            counties=plan.counties,
            taken_indexes=set(Person.objects.values_list("id_number_index", flat=True)),
        )
        for first in range(0, patients, batch):
            for index in range(first, min(patients, first + batch)):
                gen.person(index)
            rows = gen.take_batch()
            _count(summary, rows)
            writer.rows(Person, rows.persons)
            writer.rows(Affiliation, rows.affiliations)
            writer.rows(Episode, rows.episodes)
            writer.rows(Transfer, rows.transfers)
            writer.rows(DoseOrder, rows.orders)
            writer.rows(LabTest, rows.tests)
            writer.rows(Referral, rows.referrals)
            writer.dose_days(gen, rows.segments)
            if progress is not None:
                progress(min(patients, first + batch), patients, time.monotonic() - began)
        writer.finish()
    writer.analyze()
    summary.exits = dict(sorted(gen.exits.items()))
    summary.seconds = time.monotonic() - began
    return summary


def _refuse_episodes() -> None:
    if Episode.objects.exists():
        raise ScaleRefused(
            gettext(
                "The database already holds MMT episodes: generate_scale fills an empty database only. "
                "Create a new database, migrate it and run the command again."
            )
        )


_ID_KEYS: dict[str, type[models.Model]] = {
    "person": Person,
    "affiliation": Affiliation,
    "episode": Episode,
    "transfer": Transfer,
    "order": DoseOrder,
    "test": LabTest,
    "referral": Referral,
    "dose_day": DoseDay,
}


def _next_id(model: type[models.Model]) -> int:
    return (model.objects.aggregate(m=models.Max("pk"))["m"] or 0) + 1


def _count(summary: ScaleSummary, rows: Rows) -> None:
    summary.persons += len(rows.persons)
    summary.affiliations += len(rows.affiliations)
    summary.episodes += len(rows.episodes)
    summary.transfers += len(rows.transfers)
    summary.orders += len(rows.orders)
    summary.tests += len(rows.tests)
    summary.referrals += len(rows.referrals)
    for _, _, _, _, mg, first, last, _ in rows.segments:
        summary.dose_days += last - first + 1
        summary.dose_mg += mg * (last - first + 1)
