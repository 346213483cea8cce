"""The demo county use case: regions, 南安 agencies with licences and staff, and a seeded population.

``demo_seed`` is idempotent. Organisations, licences, users and roles are found or created by their natural
keys (the unique constraints) in one transaction with an audit entry per created row. People go through
``person_register`` one by one — encryption, search keys, affiliation and audit exactly as in production —
and those whose identity number is already registered are skipped, so a second run creates nothing and an
interrupted run can be completed by running it again with the same seed. A database seeded with another
seed gets no second population.

Then the MMT service (``history.py``): stores and report recipients, and a history of enrolments, orders,
doses, stock movements, day closes and reports written through the real use cases. The whole seed runs under
``history.simulated_clock``: the county and its people are set up the day before the history starts, and each
day of the history is written at that day's times.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction

from jiedu.accounts.models import Role, RoleAssignment, User
from jiedu.campaigns import demo as campaigns_demo
from jiedu.capability import demo as capability_demo
from jiedu.core import audit
from jiedu.datasets.models import DataSet, Submission
from jiedu.datasets.services import submission_approve, submission_save, submission_submit
from jiedu.demo import data
from jiedu.demo.generators import DemoPerson, credit_code, demo_people, portrait_jpeg
from jiedu.demo.history import (
    HistoryResult,
    ServiceSummary,
    history_start,
    history_write,
    mmt_setup,
    service_summary,
    simulated_clock,
)
from jiedu.evaluation import demo as evaluation_demo
from jiedu.indicators.services import rollup_rebuild
from jiedu.inspections import demo as inspections_demo
from jiedu.patients.models import Affiliation, Person
from jiedu.patients.services import PhotoUpload, id_number_index, person_register
from jiedu.policy.rules import role_allowed_in
from jiedu.registry.models import Licence, Organisation, Region
from jiedu.registry.services import regions_load
from jiedu.workforce import demo as workforce_demo

_SOURCE = "seed_demo"
_IN_CHUNK = 500


@dataclass(frozen=True)
class DemoLogin:
    username: str
    full_name: str
    roles: tuple[str, ...]
    organisation: str


@dataclass(frozen=True)
class DemoSummary:
    seed: int
    organisations_created: int
    licences_created: int
    users_created: int
    persons_created: int
    #: Totals in the demo county after the run.
    organisations: int
    users: int
    persons: int
    logins: tuple[DemoLogin, ...]
    password: str
    #: The database already held a population from another seed, so no people were added.
    other_seed: bool = False
    stores_created: int = 0
    recipient_rules_created: int = 0
    history: HistoryResult = HistoryResult(written=False)
    service: ServiceSummary | None = None
    #: What the oversight apps' demo data created ("inspections.findings" → 3); zeros on a second run.
    oversight: dict[str, int] = field(default_factory=dict)

    def oversight_of(self, app: str) -> dict[str, int]:
        """What one oversight app's demo data created ("findings" → 3)."""
        return {k.split(".", 1)[1]: v for k, v in self.oversight.items() if k.startswith(f"{app}.")}

    @property
    def created_anything(self) -> bool:
        return bool(
            self.organisations_created
            or self.licences_created
            or self.users_created
            or self.persons_created
            or self.stores_created
            or self.recipient_rules_created
            or self.history.written
        )


@dataclass(frozen=True)
class _Staff:
    organisations: dict[str, Organisation]
    users: dict[str, User]
    organisations_created: int
    licences_created: int
    users_created: int


def demo_seed(
    *,
    seed: int,
    persons: int = data.DEFAULT_PERSONS,
    history_months: int = data.DEFAULT_HISTORY_MONTHS,
    history_days: int | None = None,
    history_patients: int | None = None,
) -> DemoSummary:
    """Build (or complete) the demo county 南安市 with ``persons`` people drawn from ``seed``, and an MMT
    history of ``history_months`` months (or ``history_days`` days) ending on ``data.HISTORY_END`` for
    ``history_patients`` of them (default ``data.history_patients(history_months)``)."""
    if persons < 0:
        raise ValueError("persons must be zero or more.")
    if history_months < 0 or (history_days is not None and history_days < 0):
        raise ValueError("The history is zero or more months (days) long.")
    if history_patients is not None and history_patients < 0:
        raise ValueError("history_patients must be zero or more.")
    if history_days is None:
        start = history_start(history_months) if history_months else data.HISTORY_END + dt.timedelta(days=1)
    else:
        start = data.HISTORY_END - dt.timedelta(days=history_days - 1)
    patients = data.history_patients(history_months) if history_patients is None else history_patients
    regions_load()
    with simulated_clock(start - dt.timedelta(days=1)) as sim:
        staff = _organisations_and_users()
        stores_created, rules_created = mmt_setup(organisations=staff.organisations)
        people = demo_people(seed=seed, count=persons)
        created, other_seed = _register_people(people=people, seed=seed, staff=staff)
        history = HistoryResult(written=False)
        if start <= data.HISTORY_END and patients and not other_seed:
            history = history_write(
                seed=seed,
                people=people,
                organisations=staff.organisations,
                users=staff.users,
                sim=sim,
                start=start,
                end=data.HISTORY_END,
                patients=patients,
            )
        figures = _registered_users(staff=staff)
        if history.written or figures:
            rollup_rebuild(as_of=data.HISTORY_END)
    oversight = _oversight(today=data.REFERENCE_DAY)
    return DemoSummary(
        seed=seed,
        organisations_created=staff.organisations_created,
        licences_created=staff.licences_created,
        users_created=staff.users_created,
        persons_created=created,
        organisations=Organisation.objects.filter(region_id=data.COUNTY_CODE).count(),
        users=User.objects.filter(username__in=[u.username for u in data.USERS]).count(),
        persons=Affiliation.objects.filter(organisation__in=staff.organisations.values())
        .values("person_id")
        .distinct()
        .count(),
        logins=demo_logins(),
        password=data.DEMO_PASSWORD,
        other_seed=other_seed,
        stores_created=stores_created,
        recipient_rules_created=rules_created,
        history=history,
        service=service_summary(organisations=staff.organisations),
        oversight=oversight,
    )


#: The oversight apps' demo data, in order: each sets its own clock and leaves what exists alone.
OVERSIGHT = (
    ("workforce", workforce_demo),
    ("capability", capability_demo),  # reads the staff register
    ("inspections", inspections_demo),
    ("campaigns", campaigns_demo),
    ("evaluation", evaluation_demo),  # reads every other app and the indicators
)


def _oversight(*, today: dt.date) -> dict[str, int]:
    """Staff and training, capability assessments, inspections with rectification, education campaigns and last
    year's annual evaluation of the demo county, up to ``today``."""
    created: dict[str, int] = {}
    for app, module in OVERSIGHT:
        for name, count in module.seed_demo(today=today).items():
            created[f"{app}.{name}"] = count
    return created


def _registered_users(*, staff: _Staff) -> int:
    """The county's registered drug users for each year of the history, entered by the county's health officer
    and approved by the prefecture's (the denominator of MMT coverage). Years already entered are left alone."""
    data_set = DataSet.objects.get(code="registered_users")
    county = Region.objects.get(code=data.COUNTY_CODE)
    entered = 0
    for year, values in data.REGISTERED_USERS.items():
        period = dt.date(year, 1, 1)
        if Submission.objects.filter(data_set=data_set, region=county, period_start=period).exists():
            continue
        saved = submission_save(
            actor=staff.users["officer1"], data_set=data_set, region=county, period=period, values=values
        )
        submitted = submission_submit(actor=staff.users["officer1"], submission=saved.submission)
        submission_approve(actor=staff.users["city1"], submission=submitted)
        entered += 1
    return entered


def demo_logins() -> tuple[DemoLogin, ...]:
    """The demo logins as defined (the same whether or not the database is seeded)."""
    names = {spec.key: spec.name for spec in data.ORGANISATIONS}
    return tuple(
        DemoLogin(
            username=spec.username,
            full_name=spec.full_name,
            roles=tuple(str(r) for r in spec.roles),
            organisation=names[spec.organisation],
        )
        for spec in data.USERS
    )


def _organisations_and_users() -> _Staff:
    orgs: dict[str, Organisation] = {}
    users: dict[str, User] = {}
    orgs_created = licences_created = users_created = 0
    with transaction.atomic(durable=True):
        for spec in data.ORGANISATIONS:
            org, created = Organisation.objects.get_or_create(
                region_id=spec.region,
                name=spec.name,
                defaults={
                    "type": spec.type,
                    "parent_clinic": orgs[spec.parent] if spec.parent else None,
                    "credit_code": credit_code(spec.credit_base),
                    "address": spec.address,
                    "latitude": spec.latitude,
                    "longitude": spec.longitude,
                    "contact_person": spec.contact_person,
                    "phone": spec.phone,
                },
            )
            orgs[spec.key] = org
            if created:
                orgs_created += 1
                audit.record("registry.organisation.create", obj=org, organisation=org, username=_SOURCE)
        for spec in data.LICENCES:
            licence, created = Licence.objects.get_or_create(
                kind=spec.kind,
                number=spec.number,
                issuer=spec.issuer,
                defaults={
                    "organisation": orgs[spec.organisation],
                    "valid_from": spec.valid_from,
                    "valid_to": spec.valid_to,
                    "note": spec.note,
                },
            )
            if created:
                licences_created += 1
                audit.record(
                    "registry.licence.create",
                    obj=licence,
                    organisation=licence.organisation,
                    username=_SOURCE,
                )
        # One hash for the one public demo password: PBKDF2 costs ~0.5 s per call, and a per-user salt
        # protects nothing when the password is printed on the screen.
        encoded = make_password(data.DEMO_PASSWORD)
        for spec in data.USERS:
            org = orgs[spec.organisation]
            user, created = User.objects.get_or_create(
                username=spec.username,
                defaults={"organisation": org, "full_name": spec.full_name, "password": encoded},
            )
            users[spec.username] = user
            if created:
                users_created += 1
                audit.record("accounts.user.create", obj=user, organisation=org, username=_SOURCE)
            _assign_roles(user=user, roles=spec.roles)
    return _Staff(orgs, users, orgs_created, licences_created, users_created)


def _assign_roles(*, user: User, roles: Iterable[Role]) -> None:
    for role in roles:
        if user.organisation is None or not role_allowed_in(role, user.organisation.type):
            raise ValueError(f"Demo user {user.username}: {role} has no effect in {user.organisation}.")
        _, created = RoleAssignment.objects.get_or_create(user=user, role=role)
        if created:
            audit.record(
                "user.role_assign",
                obj=user,
                organisation=user.organisation,
                username=_SOURCE,
                detail={"role": str(role)},
            )


def _registered_indexes(indexes: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(indexes), _IN_CHUNK):
        chunk = indexes[start : start + _IN_CHUNK]
        found.update(
            Person.objects.filter(id_number_index__in=chunk).values_list("id_number_index", flat=True)
        )
    return found


def _register_people(*, people: list[DemoPerson], seed: int, staff: _Staff) -> tuple[int, bool]:
    """Register the people not registered yet. Returns (created, seeded with another seed)."""
    indexes = [id_number_index(p.id_number) for p in people]
    registered = _registered_indexes(indexes)
    if people and not registered:
        populated = Affiliation.objects.filter(organisation__in=staff.organisations.values()).exists()
        if populated:
            return 0, True
    created = 0
    for person, index in zip(people, indexes, strict=True):
        if index in registered:
            continue
        photo = portrait_jpeg(
            seed=seed, index=person.index, sex=person.sex, birth_year=person.birth_date.year
        )
        registration = person_register(
            actor=staff.users[person.registrar],
            name=person.name,
            sex=person.sex,
            birth_date=person.birth_date,
            id_number=person.id_number,
            household_region_code=person.household_region_code,
            phone=person.phone,
            current_address=person.current_address,
            photo=PhotoUpload(file=io.BytesIO(photo), size=len(photo)),
        )
        created += int(registration.created)
    return created, False
