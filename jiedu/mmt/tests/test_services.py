"""MMT use cases against the database: enrolment, orders, the window, stock, the missed-dose job, reports."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from jiedu.core.errors import FieldErrors
from jiedu.core.models import AuditEntry, RegionalSetting
from jiedu.mmt import services
from jiedu.mmt.models import DoseDay, DosePart, DoseRefusal, Episode, EpisodeEvent
from jiedu.mmt.tests.conftest import enrol, register
from jiedu.pharmacy.models import LedgerEntry, StockBalance
from jiedu.pharmacy.services import InsufficientStock, ledger_verify
from jiedu.reports.models import Delivery, Report

pytestmark = pytest.mark.django_db


def freeze(monkeypatch, day, hour=9):
    """Move the clock to a local (Asia/Shanghai) time."""
    from jiedu.core import clock

    moment = dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=clock.SHANGHAI)
    monkeypatch.setattr(clock, "now", lambda: moment)


# --- enrolment ----------------------------------------------------------------------------------------------


def test_application_shows_the_decision_deadline_in_working_days(world, stock):
    person = register(world)
    episode = services.episode_apply(
        actor=world.doctor_a, person=person, applied_on=dt.date(2026, 11, 20)
    )  # a Friday
    assert (episode.number, episode.status, episode.decision_due) == (1, "applied", dt.date(2026, 11, 27))


def test_acceptance_needs_eligibility_and_files_the_enrolment_report(world, stock, recipients):
    person = register(world)
    episode = services.episode_apply(actor=world.doctor_a, person=person)
    services.episode_assess(
        actor=world.doctor_a,
        episode=episode,
        assessment=services.Assessment(dependence_evidence="", documents=[], agreement_signed=False),
    )
    with pytest.raises(FieldErrors) as info:
        services.episode_accept(actor=world.doctor_a, episode=episode)
    assert info.value.fields["eligibility"] == [
        "Evidence of opioid dependence is required (history and a positive test or record).",
        "Attach the documents (identity card copy, drug-use history, medical reports).",
        "The voluntary-treatment agreement must be signed.",
    ]
    episode = enrol(world, register(world, seq=41, name="李四"))
    report = Report.objects.get(kind="enrolment")
    assert (report.subject_name, report.source, report.event_on) == (
        "李四",
        world.clinic_a,
        episode.started_on,
    )
    assert sorted(Delivery.objects.values_list("recipient__name", flat=True)) == [
        "南安市公安局溪美派出所",
        "溪美街道社区戒毒社区康复工作站",
    ]


def test_a_minor_needs_a_guardians_consent(world, stock):
    person = register(world, birth=dt.date(2010, 1, 1), seq=77)
    episode = services.episode_apply(actor=world.doctor_a, person=person)
    episode = services.episode_assess(
        actor=world.doctor_a,
        episode=episode,
        assessment=services.Assessment(
            dependence_evidence="尿检阳性", documents=["身份证"], agreement_signed=True
        ),
    )
    assert episode.eligibility["problems"] == ["Under 18: a guardian's written consent is required."]


def test_one_open_episode_nationwide_names_the_clinic_when_visible(world, stock, patient):
    person, _episode = patient
    with pytest.raises(services.AlreadyEnrolled) as info:
        services.episode_apply(actor=world.users["doctor_a"], person=person)
    assert "张三丰 already has an open MMT episode at 南安市美沙酮维持治疗门诊." in info.value.message
    # A doctor at a clinic outside the county is told only "another clinic".
    from jiedu.accounts.models import RoleAssignment, User
    from jiedu.testing import PASSWORD

    far = User.objects.create_user(
        username="doctor_far", password=PASSWORD, organisation=world.clinic_elsewhere
    )
    RoleAssignment.objects.create(user=far, role="doctor")
    with pytest.raises(services.AlreadyEnrolled) as info:
        services.episode_apply(actor=far, person=person)
    assert "already has an open MMT episode at another clinic." in info.value.message


def test_the_database_refuses_a_second_open_episode(world, stock, patient):
    person, episode = patient
    with pytest.raises(IntegrityError), transaction.atomic():
        Episode.objects.create(
            person=person,
            clinic=world.clinic_b,
            number=2,
            status="applied",
            applied_on=dt.date(2026, 11, 23),
            decision_due=dt.date(2026, 11, 30),
        )


def test_only_the_episodes_clinic_changes_it(world, stock, patient):
    _person, episode = patient
    from jiedu.accounts.models import RoleAssignment, User
    from jiedu.core.errors import DomainError
    from jiedu.testing import PASSWORD

    doctor_b = User.objects.create_user(username="doctor_b", password=PASSWORD, organisation=world.clinic_b)
    RoleAssignment.objects.create(user=doctor_b, role="doctor")
    with pytest.raises(DomainError) as info:
        services.order_write(actor=doctor_b, episode=episode, dose_mg=Decimal("30"), reason="x")
    assert info.value.message == "Only 南安市美沙酮维持治疗门诊 can change this episode."
    with pytest.raises(DomainError):
        services.episode_exit(actor=doctor_b, episode=episode, reason="voluntary")
    episode.refresh_from_db()
    assert episode.status == "active"


def test_re_enrolment_opens_a_new_episode_and_keeps_the_old(world, stock, patient):
    person, episode = patient
    services.episode_exit(actor=world.doctor_a, episode=episode, reason="voluntary")
    again = enrol(world, person)
    assert (again.number, again.status) == (2, "active")
    assert list(
        Episode.objects.filter(person=person).order_by("number").values_list("status", flat=True)
    ) == ["exited", "active"]


# --- orders -------------------------------------------------------------------------------------------------


def test_order_limits_need_an_override_with_a_reason(world, stock, patient):
    _person, episode = patient
    with pytest.raises(FieldErrors) as info:
        services.order_write(actor=world.doctor_a, episode=episode, dose_mg=Decimal("45"), reason="加量")
    assert info.value.fields == {
        "dose_mg": ["A change of more than 10 mg (from 30.0 to 45 mg) needs an override."],
        "override_reason": ["To exceed a limit, give the clinical reason for the override."],
    }
    order = services.order_write(
        actor=world.doctor_a,
        episode=episode,
        dose_mg=Decimal("45"),
        reason="加量",
        override_reason="戒断症状明显",
    )
    assert (order.overrides, order.override_reason) == (["step"], "戒断症状明显")


def test_a_province_changes_a_limit_without_code(world, stock):
    RegionalSetting.objects.create(key="mmt.induction_max_mg", region_id="350000", value="30")
    person = register(world)
    with pytest.raises(FieldErrors) as info:
        enrol(world, person, dose=Decimal("35"))
    assert info.value.fields["dose_mg"] == ["A first-day (induction) dose above 30 mg needs an override."]


# --- the window ---------------------------------------------------------------------------------------------


def test_dose_draws_stock_in_the_same_transaction(world, stock, patient):
    person, episode = patient
    outcome = services.dose_administer(actor=world.nurse_a, person=person, site=world.clinic_a)
    assert (outcome.status, outcome.message) == ("dosed", "Dosed: 30.0 mg (30.00 mL).")
    entry = outcome.part.ledger_entry
    assert (entry.kind, entry.quantity, entry.balance_after) == (
        "administration",
        Decimal("-30.00"),
        Decimal("4970.00"),
    )
    assert StockBalance.objects.get(store=stock[world.clinic_a.pk]).quantity == Decimal("4970.00")
    episode.refresh_from_db()
    assert episode.last_dose_on == outcome.dose_day.day
    assert ledger_verify(store=entry.store, batch=entry.batch) is None


def test_second_dose_the_same_day_is_refused_with_when_and_where(world, stock, patient, monkeypatch):
    person, _ = patient
    freeze(monkeypatch, dt.date(2026, 11, 23), hour=8)
    services.dose_administer(actor=world.nurse_point_a, person=person, site=world.dosing_point_a)
    again = services.dose_administer(actor=world.nurse_a, person=person, site=world.clinic_a)
    assert (again.status, again.message) == (
        "already_dosed",
        "Already dosed today at 08:00 at 溪美街道延伸服药点.",
    )
    assert DoseDay.objects.count() == 1
    assert LedgerEntry.objects.filter(kind="administration").count() == 1


def test_days_turn_at_local_midnight(world, stock, patient, monkeypatch):
    person, _ = patient
    from jiedu.core import clock

    late = dt.datetime(2026, 11, 23, 23, 59, tzinfo=clock.SHANGHAI)
    monkeypatch.setattr(clock, "now", lambda: late)  # 15:59 UTC, still the 23rd in Shanghai
    assert services.dose_administer(
        actor=world.nurse_a, person=person, site=world.clinic_a
    ).dose_day.day == dt.date(2026, 11, 23)
    monkeypatch.setattr(clock, "now", lambda: late + dt.timedelta(minutes=2))  # 00:01 on the 24th
    assert services.dose_administer(
        actor=world.nurse_a, person=person, site=world.clinic_a
    ).dose_day.day == dt.date(2026, 11, 24)


def test_idempotency_key_replays_the_same_dose(world, stock, patient):
    person, _ = patient
    first = services.dose_administer(
        actor=world.nurse_a, person=person, site=world.clinic_a, idempotency_key="k1"
    )
    again = services.dose_administer(
        actor=world.nurse_a, person=person, site=world.clinic_a, idempotency_key="k1"
    )
    assert (again.status, again.part.pk) == ("replayed", first.part.pk)
    assert DosePart.objects.count() == 1


def test_an_idempotency_key_cannot_be_reused_for_another_person(world, stock, patient):
    person, _ = patient
    other = register(world, seq=41, name="李四")
    enrol(world, other)
    services.dose_administer(actor=world.nurse_a, person=person, site=world.clinic_a, idempotency_key="k1")
    with pytest.raises(FieldErrors) as info:
        services.dose_administer(actor=world.nurse_a, person=other, site=world.clinic_a, idempotency_key="k1")
    assert info.value.fields == {"idempotency_key": ["This idempotency key was used for another dose."]}
    assert DoseDay.objects.count() == 1


def test_split_dose_is_given_in_parts_of_one_day(world, stock, patient):
    person, episode = patient
    services.order_write(
        actor=world.doctor_a, episode=episode, dose_mg=Decimal("35"), split_parts=2, reason="分次"
    )
    first = services.dose_administer(actor=world.nurse_a, person=person, site=world.clinic_a)
    second = services.dose_administer(actor=world.nurse_a, person=person, site=world.clinic_a)
    third = services.dose_administer(actor=world.nurse_a, person=person, site=world.clinic_a)
    assert first.message == "Part 1 of 2 given: 17.5 mg (17.50 mL)."
    assert second.message == "Dosed: 17.5 mg (17.50 mL)."
    assert third.status == "already_dosed"
    assert DoseDay.objects.count() == 1 and DosePart.objects.count() == 2


def test_not_enrolled_here_is_refused_and_recorded(world, stock, patient):
    person, _ = patient
    outcome = services.dose_administer(actor=world.nurse_b, person=person, site=world.clinic_b)
    assert (outcome.status, outcome.message) == ("refused", "Not enrolled here")
    assert DoseRefusal.objects.get().reason == "not_enrolled_here"
    assert DoseDay.objects.count() == 0


def test_guest_grant_lets_another_clinic_dose_for_the_range(world, stock, patient):
    person, episode = patient
    from jiedu.core import clock

    today = clock.local_today()
    services.guest_grant(
        actor=world.doctor_a,
        episode=episode,
        host_clinic=world.clinic_b,
        start_on=today,
        end_on=today + dt.timedelta(days=3),
        reason="出差",
    )
    outcome = services.dose_administer(actor=world.nurse_b, person=person, site=world.clinic_b)
    assert outcome.status == "dosed"
    assert outcome.part.ledger_entry.store == stock[world.clinic_b.pk]  # the host draws from its own stock


def test_nurse_refusal_for_intoxication_is_recorded(world, stock, patient):
    person, _ = patient
    refusal = services.dose_refuse(
        actor=world.nurse_a, person=person, site=world.clinic_a, reason="intoxicated", note="醉酒"
    )
    assert (refusal.reason, refusal.note, refusal.by) == ("intoxicated", "醉酒", world.nurse_a)
    assert AuditEntry.objects.filter(action="mmt.dose.refuse").count() == 1


def test_insufficient_stock_gives_no_dose(world, stock, patient):
    person, _ = patient
    from jiedu.pharmacy.services import stock_waste

    balance = StockBalance.objects.get(store=stock[world.clinic_a.pk])
    stock_waste(
        actor=world.keeper_a,
        witness=world.nurse_a,
        store=balance.store,
        batch=balance.batch,
        quantity=Decimal("4990"),
        reason="过期销毁前封存",
    )
    with pytest.raises(InsufficientStock):
        services.dose_administer(actor=world.nurse_a, person=person, site=world.clinic_a)
    assert DoseDay.objects.count() == 0
    assert StockBalance.objects.get(pk=balance.pk).quantity == Decimal("10.00")


# --- transfer -----------------------------------------------------------------------------------------------


def test_transfer_moves_treatment_with_its_history(world, stock, patient):
    person, episode = patient
    transfer = services.transfer_request(
        actor=world.doctor_a, episode=episode, to_clinic=world.clinic_b, reason="搬家"
    )
    from jiedu.accounts.models import RoleAssignment, User
    from jiedu.testing import PASSWORD

    doctor_b = User.objects.create_user(username="doctor_b", password=PASSWORD, organisation=world.clinic_b)
    RoleAssignment.objects.create(user=doctor_b, role="doctor")
    new = services.transfer_accept(actor=doctor_b, transfer=transfer)
    episode.refresh_from_db()
    assert (episode.status, episode.exit_reason) == ("exited", "transferred")
    assert (new.clinic, new.status, new.number, new.transferred_from) == (
        world.clinic_b,
        "active",
        2,
        episode,
    )
    assert services.order_in_force(new, new.started_on).dose_mg == Decimal("30.0")
    # Stored text is in the deployment's language (zh-hans), though this test runs in English.
    assert services.order_in_force(new, new.started_on).reason == "转诊后继续治疗"
    assert services.dose_administer(actor=world.nurse_b, person=person, site=world.clinic_b).status == "dosed"


# --- the missed-dose job ------------------------------------------------------------------------------------


def test_scan_flags_review_then_dropout_then_exit_once_each(world, stock, patient, recipients):
    person, episode = patient
    Episode.objects.filter(pk=episode.pk).update(
        last_dose_on=dt.date(2026, 10, 1), started_on=dt.date(2026, 9, 1)
    )
    day = dt.date(2026, 10, 1)
    r = services.missed_dose_scan(as_of=day + dt.timedelta(days=4))  # 3 missed
    assert (r.flagged_review, r.dropped_out, r.exited) == (1, 0, 0)
    r = services.missed_dose_scan(as_of=day + dt.timedelta(days=4))
    assert (r.flagged_review, r.dropped_out, r.exited) == (0, 0, 0)  # idempotent
    r = services.missed_dose_scan(as_of=day + dt.timedelta(days=8))  # 7 missed
    assert (r.flagged_review, r.dropped_out, r.exited) == (0, 1, 0)
    episode.refresh_from_db()
    assert (episode.dropout_since, episode.needs_induction, episode.status) == (
        dt.date(2026, 10, 2),
        True,
        "active",
    )
    assert services.missed_dose_scan(as_of=day + dt.timedelta(days=8)).dropped_out == 0
    r = services.missed_dose_scan(as_of=day + dt.timedelta(days=31))  # 30 missed
    assert (r.exited, Episode.objects.get(pk=episode.pk).status) == (1, "exited")
    assert list(Report.objects.order_by("pk").values_list("kind", flat=True)) == [
        "enrolment",
        "dropout",
        "exit",
    ]
    kinds = list(EpisodeEvent.objects.filter(episode=episode).values_list("kind", flat=True))
    assert kinds[-3:] == ["review_needed", "dropout", "exited"]
    assert services.missed_dose_scan(as_of=day + dt.timedelta(days=40)).checked == 0


def test_dosed_patients_are_left_alone(world, stock, patient):
    person, episode = patient
    services.dose_administer(actor=world.nurse_a, person=person, site=world.clinic_a)
    from jiedu.core import clock

    r = services.missed_dose_scan(as_of=clock.local_today() + dt.timedelta(days=1))
    assert (r.checked, r.flagged_review, r.dropped_out) == (1, 0, 0)


def test_after_review_flag_the_window_refuses_until_a_doctor_orders(world, stock, patient):
    person, episode = patient
    Episode.objects.filter(pk=episode.pk).update(needs_review=True)
    assert services.dose_administer(actor=world.nurse_a, person=person, site=world.clinic_a).message == (
        "Needs a doctor's review"
    )
    services.order_write(actor=world.doctor_a, episode=episode, dose_mg=Decimal("30"), reason="复评后继续")
    assert services.dose_administer(actor=world.nurse_a, person=person, site=world.clinic_a).status == "dosed"


@pytest.mark.parametrize(
    ("reason", "kind"),
    [
        ("voluntary", "self_termination"),
        ("rule_violation", "termination"),
        ("relapse", "termination"),
        ("detained", "detention"),
        ("completed", "exit"),
        ("moved_away", "exit"),
    ],
)
def test_an_exit_is_reported_as_what_it_was(world, stock, patient, recipients, reason, kind):
    from jiedu.reports.models import Delivery

    person, episode = patient
    services.episode_exit(actor=world.doctor_a, episode=episode, reason=reason)
    report = Report.objects.get(dedupe_key=f"exit:{episode.pk}")
    assert (report.kind, report.person) == (kind, person)
    assert sorted(Delivery.objects.filter(report=report).values_list("recipient__name", flat=True)) == sorted(
        [world.police.name, world.community.name]
    )
