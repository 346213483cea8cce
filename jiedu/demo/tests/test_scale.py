"""The national-scale generator: exact invariants of what it writes, determinism, refusal, shares."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count, Exists, F, Max, OuterRef, Q, Sum

from jiedu.accounts.models import User
from jiedu.core import crypto
from jiedu.core.errors import FieldErrors
from jiedu.demo import scale
from jiedu.demo.scale import ScaleRefused, ScaleSummary, country_plan, scale_generate, scale_window
from jiedu.labs.models import LabTest
from jiedu.mmt.models import OPEN_STATUSES, DoseDay, DoseOrder, Episode, Transfer
from jiedu.patients import identity
from jiedu.patients.models import Affiliation, Person
from jiedu.patients.services import id_number_index
from jiedu.referrals.models import Referral
from jiedu.registry.models import Organisation, Region

SMALL = {"patients": 300, "months": 3, "provinces": 2}
START, END = dt.date(2026, 8, 1), dt.date(2026, 10, 31)


def _sizes() -> dict[str, int]:
    models = (Region, Organisation, User, Person, Affiliation, Episode, Transfer, DoseOrder, DoseDay, LabTest)
    return {m.__name__: m.objects.count() for m in (*models, Referral)}


def _assert_matches_database(summary: ScaleSummary) -> None:
    assert (
        summary.persons,
        summary.affiliations,
        summary.episodes,
        summary.transfers,
        summary.orders,
        summary.dose_days,
        summary.tests,
        summary.referrals,
    ) == (
        Person.objects.count(),
        Affiliation.objects.count(),
        Episode.objects.count(),
        Transfer.objects.count(),
        DoseOrder.objects.count(),
        DoseDay.objects.count(),
        LabTest.objects.count(),
        Referral.objects.count(),
    )
    assert summary.dose_mg == DoseDay.objects.aggregate(s=Sum("ordered_mg"))["s"]
    clinics = Organisation.objects.filter(type="mmt_clinic")
    assert (summary.clinics, summary.dosing_points, summary.cdcs) == (
        clinics.count(),
        Organisation.objects.filter(type="dosing_point").count(),
        Organisation.objects.filter(type="cdc").count(),
    )
    assert summary.counties == clinics.values("region").distinct().count()


def _assert_invariants(*, start: dt.date, end: dt.date) -> None:
    # Nobody is treated before their eighteenth birthday (the adult age; the generator has no guardian consent).
    too_young = [
        (started, birth)
        for started, birth in Episode.objects.values_list("applied_on", "person__birth_date")
        if started
        < birth.replace(year=birth.year + 18, day=28 if (birth.month, birth.day) == (2, 29) else birth.day)
    ]
    assert too_young == []
    # One dose per person per day, inside the window, inside an episode of that person.
    assert DoseDay.objects.count() == DoseDay.objects.values("person", "day").distinct().count()
    outside = DoseDay.objects.filter(
        Q(day__lt=start)
        | Q(day__gt=end)
        | Q(day__lt=F("episode__started_on"))
        | Q(episode__ended_on__lt=F("day"))
        | Q(episode__last_dose_on__lt=F("day"))
        | ~Q(person=F("episode__person"))
    )
    assert outside.count() == 0
    dosed = Episode.objects.annotate(last=Max("dose_days__day")).filter(last__isnull=False)
    assert dosed.exclude(last_dose_on=F("last")).count() == 0
    # At most one open episode per person; numbers 1..n per person.
    open_twice = (
        Episode.objects.filter(status__in=OPEN_STATUSES)
        .values("person")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert open_twice.count() == 0
    # Open episodes are as the missed-dose scan of the last day leaves them; a dropout exits after 30 days.
    for last, since in Episode.objects.filter(status="active").values_list("last_dose_on", "dropout_since"):
        missed = (end - last).days - 1
        assert missed < 30 and since == (last + dt.timedelta(days=1) if missed >= 7 else None)
    for last, ended in Episode.objects.filter(exit_reason="dropout", ended_on__gte=start).values_list(
        "last_dose_on", "ended_on"
    ):
        assert ended == last + dt.timedelta(days=31)
    numbers: dict[int, list[int]] = defaultdict(list)
    for person, number in Episode.objects.values_list("person", "number"):
        numbers[person].append(number)
    assert all(sorted(n) == list(range(1, len(n) + 1)) for n in numbers.values())
    # A transfer: the old episode exits as transferred; the new one starts that day or the next, elsewhere.
    transferred = Episode.objects.filter(transferred_from__isnull=False).select_related("transferred_from")
    for new in transferred:
        old = new.transferred_from
        assert old.exit_reason == "transferred" and old.ended_on is not None
        assert new.started_on in (old.ended_on, old.ended_on + dt.timedelta(days=1))
        assert new.clinic_id != old.clinic_id and new.person_id == old.person_id
    assert Episode.objects.filter(exit_reason="transferred").count() == transferred.count()
    assert Transfer.objects.filter(new_episode__transferred_from=F("episode"), status="accepted").count() == (
        transferred.count()
    )
    # Each dose day follows the episode's order in force that day, given at the clinic or one of its points.
    later_order = DoseOrder.objects.filter(
        episode=OuterRef("episode"),
        effective_on__lte=OuterRef("day"),
        effective_on__gt=OuterRef("order__effective_on"),
    )
    wrong_order = DoseDay.objects.filter(
        Q(order__effective_on__gt=F("day"))
        | ~Q(order__episode=F("episode"))
        | ~Q(ordered_mg=F("order__dose_mg"))
    )
    assert wrong_order.count() == 0
    assert DoseDay.objects.filter(Exists(later_order)).count() == 0
    assert (
        DoseDay.objects.exclude(
            Q(site=F("episode__clinic")) | Q(site__parent_clinic=F("episode__clinic"))
        ).count()
        == 0
    )
    # Orders inside their episode, in steps of 5 mg; first and re-induction doses at most 40 mg.
    assert (
        DoseOrder.objects.filter(
            Q(effective_on__lt=F("episode__started_on")) | Q(effective_on__gt=F("episode__ended_on"))
        ).count()
        == 0
    )
    assert all(
        mg % 5 == 0 and Decimal(10) <= mg <= Decimal(150)
        for mg in DoseOrder.objects.values_list("dose_mg", flat=True)
    )
    assert (
        DoseOrder.objects.filter(reason__in=["诱导期首日剂量", "脱失后重新诱导"], dose_mg__gt=40).count() == 0
    )
    # Samples are taken on a dose day; diagnoses known before the window on the day the first episode began.
    # Every HIV positive has its ART referral, from the clinic to a CDC.
    no_dose = LabTest.objects.filter(collected_on__gte=start).exclude(
        Exists(DoseDay.objects.filter(person=OuterRef("person"), day=OuterRef("collected_on")))
    )
    assert no_dose.count() == 0
    earlier = LabTest.objects.filter(collected_on__lt=start)
    assert (
        earlier.exclude(
            result="positive", reason="entry", episode__number=1, collected_on=F("episode__started_on")
        ).count()
        == 0
    )
    positives = LabTest.objects.filter(kind="hiv", result="positive")
    assert Referral.objects.filter(lab_test__in=positives, kind="art", to_org__type="cdc").count() == (
        positives.count()
    )
    # Identity numbers: valid, agreeing with sex and birth date, indexed and masked as the patients app does.
    for person in Person.objects.all():
        number = crypto.decrypt(person.id_number_encrypted)
        parsed = identity.parse(number, today=end)
        assert (parsed.sex, parsed.birth_date) == (person.sex, person.birth_date)
        assert (person.id_number_index, person.id_number_masked) == (id_number_index(number), parsed.masked)


# --- Pure parts -------------------------------------------------------------------------------------------


def test_window_is_the_months_that_end_on_the_last_day():
    assert scale_window(end=dt.date(2026, 10, 31), months=12) == (dt.date(2025, 11, 1), dt.date(2026, 10, 31))
    assert scale_window(end=dt.date(2026, 10, 31), months=3) == (START, END)
    assert scale_window(end=dt.date(2026, 3, 15), months=1) == (dt.date(2026, 2, 16), dt.date(2026, 3, 15))
    assert scale_window(end=dt.date(2024, 3, 30), months=1) == (dt.date(2024, 2, 29), dt.date(2024, 3, 30))


def test_national_plan_places_a_clinic_per_250_patients_where_the_patients_are():
    plan = country_plan(seed=2026, patients=200_000, provinces=30)

    assert plan == country_plan(seed=2026, patients=200_000, provinces=30)
    assert plan != country_plan(seed=7, patients=200_000, provinces=30)
    assert len(plan.provinces) == 30 and "54" not in plan.provinces  # 西藏 has no MMT patients
    assert len(plan.clinics) == 800
    counties = {c.county for c in plan.clinics}
    all_counties = sum(len(c) for c in plan.counties.values())
    assert len(counties) == 629 and all_counties == 2775  # many counties without a clinic
    per_province = Counter(c.province for c in plan.clinics)
    assert per_province.most_common(3) == [("53", 108), ("44", 104), ("45", 104)]  # 云南, 广东, 广西
    per_county = Counter(c.county for c in plan.clinics)
    assert max(per_county.values()) == 12 and min(per_county.values()) == 1
    with_points = [c for c in plan.clinics if c.dosing_points]
    assert (len(with_points), sum(len(c.dosing_points) for c in with_points)) == (279, 423)
    assert len(plan.cdcs) == 187 and {c.prefecture for c in plan.clinics} == set(plan.cdcs)


def test_small_plan_uses_the_provinces_with_most_patients_and_two_clinics_at_least():
    plan = country_plan(seed=2026, patients=100, provinces=2)

    assert plan.provinces == ("44", "53")
    assert len(plan.clinics) == 2
    assert {c.county[:2] for c in plan.clinics} <= {"44", "53"}


# --- Writing ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_bad_arguments_name_the_field_and_write_nothing():
    before = _sizes()

    with pytest.raises(FieldErrors) as caught:
        scale_generate(patients=0, months=0, provinces=31)

    assert caught.value.fields == {
        "patients": ["Generate at least one patient."],
        "months": ["The window is 1 to 120 months long."],
        "provinces": ["Choose 1 to 30 provinces."],
    }
    with pytest.raises(FieldErrors) as caught:
        scale_generate(patients=10, months=12, end=dt.date(2005, 1, 31))
    assert caught.value.fields == {"end": ["The window starts on 2005-03-01 or later."]}
    assert _sizes() == before


@pytest.mark.django_db
def test_small_run_keeps_every_invariant_and_is_the_same_for_the_same_seed():
    summary = scale_generate(seed=2026, **SMALL)

    assert (summary.start, summary.end, summary.provinces) == (START, END, 2)
    _assert_matches_database(summary)
    _assert_invariants(start=START, end=END)
    # The same seed gives the same rows on every database (this test runs on SQLite and PostgreSQL).
    assert (
        summary.persons,
        summary.clinics,
        summary.dosing_points,
        summary.episodes,
        summary.transfers,
        summary.orders,
        summary.dose_days,
        summary.tests,
        summary.referrals,
    ) == (300, 2, 2, 616, 18, 1001, 24418, 1501, 18)
    assert summary.dose_mg == Decimal("1484360")
    assert Counter(Episode.objects.values_list("status", flat=True)) == {"active": 280, "exited": 336}
    assert summary.exits == {
        "detained": 5,
        "dropout": 20,
        "rule_violation": 1,
        "transferred": 1,
        "voluntary": 3,
    }


@pytest.mark.django_db
def test_a_database_with_episodes_is_refused_and_nothing_is_written():
    scale_generate(seed=2026, patients=40, months=1, provinces=1)
    before = _sizes()

    with pytest.raises(ScaleRefused) as caught:
        scale_generate(seed=2026, patients=40, months=1, provinces=1)
    with pytest.raises(CommandError) as by_command:
        call_command("generate_scale", "--patients", "40", "--months", "1", stdout=io.StringIO())

    message = (
        "The database already holds MMT episodes: generate_scale fills an empty database only. "
        "Create a new database, migrate it and run the command again."
    )
    assert caught.value.message == message and str(by_command.value) == message
    assert _sizes() == before


@pytest.mark.django_db
def test_command_prints_the_summary_and_another_seed_gives_other_rows():
    out = io.StringIO()

    call_command(
        "generate_scale", "--patients", "300", "--months", "3", "--provinces", "2", "--seed", "7", stdout=out
    )

    text = out.getvalue()
    dose_days = DoseDay.objects.count()
    assert f"  dose days    {dose_days:>12,}" in text
    assert f"  persons      {300:>12,}" in text
    assert "Generated seed 7, 2026-08-01 to 2026-10-31" in text
    assert "300 / 300 persons" in text
    assert DoseDay.objects.aggregate(s=Sum("ordered_mg"))["s"] != Decimal("1476965")  # seed 2026's


def test_dry_run_shows_the_plan_and_writes_nothing():
    out = io.StringIO()

    call_command("generate_scale", "--patients", "200000", "--months", "12", "--dry-run", stdout=out)

    assert out.getvalue() == (
        "Dry run: nothing written. Seed 2026: 200,000 patients dosed from 2025-11-01 to 2026-10-31 at 800 "
        "clinics and 423 dosing points in 629 counties of 30 provinces (11, 12, 13, 14, 15, 21, 22, 23, 31, 32, "
        "33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 61, 62, 63, 64, 65), 187 CDCs.\n"
    )


def test_command_refuses_a_date_that_is_not_one():
    with pytest.raises(CommandError, match="--end: '2026-13-01' is not a date"):
        call_command("generate_scale", "--patients", "10", "--months", "1", "--end", "2026-13-01")


@pytest.mark.django_db
def test_a_year_has_the_national_shares():
    summary = scale_generate(seed=2026, patients=1000, months=12, provinces=5)
    _assert_invariants(start=summary.start, end=summary.end)

    persons = Person.objects.count()
    men = Person.objects.filter(sex="M").count() / persons
    assert 0.80 <= men <= 0.90
    ages = [(summary.start - b).days / 365.25 for b in Person.objects.values_list("birth_date", flat=True)]
    assert 20 <= min(ages) and max(ages) < 65
    mean = summary.dose_mg / summary.dose_days
    assert Decimal(55) <= mean <= Decimal(65)
    assert 240 <= summary.dose_days / persons <= 300  # 48–60 million dose days for 200,000 patients
    dosed = DoseDay.objects.values("person").distinct().count()
    december = DoseDay.objects.filter(day__gte=summary.end.replace(day=1)).values("person").distinct().count()
    assert 0.656 <= december / dosed <= 0.80  # retention: national 65.6–75.8 %
    for kind, low, high in (("hiv", 0.02, 0.08), ("hcv", 0.35, 0.65), ("syphilis", 0.01, 0.08)):
        found = LabTest.objects.filter(kind=kind, result="positive").values("person").distinct().count()
        assert low <= found / persons <= high, kind  # HIV: a few percent; HCV: about half
    seroconverted = LabTest.objects.filter(kind="hiv", result="positive", reason="due").count()
    assert 0 < seroconverted <= 0.005 * persons  # a handful
    art = Referral.objects.filter(kind="art")
    assert art.filter(status="completed", outcome="art_started").count() / art.count() >= 0.8
    urine = LabTest.objects.filter(kind="urine")
    assert 0.07 <= urine.filter(result="positive").count() / urine.count() <= 0.13
    exits = summary.exits
    assert 0.1 <= exits["detained"] / exits["dropout"] <= 0.35  # about a fifth
    assert exits["transferred"] > 0 and exits["died"] > 0
    with_points = Organisation.objects.filter(type="dosing_point").values("parent_clinic").distinct().count()
    assert with_points > 0
    share_home = Person.objects.filter(
        Exists(
            Episode.objects.filter(
                person=OuterRef("pk"), number=1, clinic__region=OuterRef("household_region")
            )
        )
    ).count()
    assert share_home / persons >= 0.7


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY load is PostgreSQL's")
def test_postgres_load_restores_every_key_and_index_and_the_sequences():
    def schema() -> set[tuple[str, str]]:
        tables = [m._meta.db_table for m in scale.TABLES]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT conrelid::regclass::text, conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = ANY(%s::regclass[]) OR confrelid = ANY(%s::regclass[])",
                [tables, tables],
            )
            constraints = set(cursor.fetchall())
            cursor.execute("SELECT tablename, indexdef FROM pg_indexes WHERE tablename = ANY(%s)", [tables])
            return constraints | set(cursor.fetchall())

    before = schema()
    scale_generate(seed=2026, patients=60, months=1, provinces=1)

    assert schema() == before
    with connection.cursor() as cursor:
        for model in scale.TABLES:
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [model._meta.db_table])
            cursor.execute(f"SELECT last_value FROM {cursor.fetchone()[0]}")  # noqa: S608 - a sequence's name
            assert cursor.fetchone()[0] == model.objects.aggregate(m=Max("pk"))["m"]
