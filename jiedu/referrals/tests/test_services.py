"""Referrals between agencies: who may refer what to whom, answering once, completion tracked to the outcome (an
enrolment, ART started), lost to follow-up by the daily scan, and every disclosure in the register."""

import datetime as dt
from decimal import Decimal

import pytest

from jiedu.core.errors import DomainError, FieldErrors
from jiedu.core.models import AuditEntry
from jiedu.labs import services as labs
from jiedu.mmt.tests.conftest import enrol
from jiedu.patients.models import Affiliation
from jiedu.policy.scope import persons_in_scope
from jiedu.referrals import services
from jiedu.referrals.models import PartnerVct, Referral, ReferralEvent
from jiedu.referrals.tests.conftest import NOV_2, register
from jiedu.registry.models import Organisation
from jiedu.reports.models import Disclosure
from jiedu.testing import build_clinic_stock

pytestmark = pytest.mark.django_db


def test_a_referral_is_requested_with_its_deadline_and_disclosed_minimally(world, referred):
    assert referred.status == "requested"
    assert referred.from_org == world.community
    assert referred.respond_by == dt.date(2026, 11, 5)
    assert list(referred.events.values_list("what", "status")) == [("requested", "requested")]
    disclosure = Disclosure.objects.get(person=referred.person)
    assert (disclosure.source, disclosure.recipient, disclosure.basis) == (
        world.community,
        world.clinic_a,
        "written_consent",
    )
    assert disclosure.fields == ["name", "id_masked", "sex_age", "phone", "reason"]
    assert disclosure.via == f"referral:{referred.pk}"
    # Until it accepts, the clinic does not have the person in its scope.
    assert not persons_in_scope(world.nurse_a).filter(pk=referred.person_id).exists()


def test_bad_input_names_the_field_and_writes_nothing(world, at):
    person = register(world, actor="community", seq=42)
    cases = [
        ({"kind": "art", "to_org": world.cdc}, "kind"),  # the community does not refer for ART
        ({"to_org": world.police}, "to_org"),
        ({"reason": "  "}, "reason"),
        ({"basis": "anti_drug_law"}, "basis"),
        ({"consent_on": None}, "consent_on"),
        ({"consent_on": NOV_2 + dt.timedelta(days=1)}, "consent_on"),
    ]
    for change, field in cases:
        args = {
            "kind": "community_to_mmt",
            "to_org": world.clinic_a,
            "reason": "自愿治疗",
            "basis": "written_consent",
            "consent_on": NOV_2,
            **change,
        }
        with pytest.raises(FieldErrors) as caught:
            services.referral_make(actor=world.users["community"], person=person, **args)
        assert field in caught.value.fields, (change, caught.value.fields)
    assert Referral.objects.count() == 0
    assert Disclosure.objects.count() == 0


def test_the_person_must_be_in_the_referrers_care_and_the_same_referral_is_open_once(world, referred):
    stranger = register(world, actor="nurse_b", seq=43)
    with pytest.raises(FieldErrors) as caught:
        services.referral_make(
            actor=world.users["community"], person=stranger, kind="community_to_mmt", to_org=world.clinic_a,
            reason="x", basis="oral_consent", consent_on=NOV_2,
        )  # fmt: skip
    assert caught.value.fields == {"person": ["This person is not in the care of your organisation."]}
    with pytest.raises(FieldErrors) as caught:
        services.referral_make(
            actor=world.users["community"], person=referred.person, kind="community_to_mmt", to_org=world.clinic_a,
            reason="again", basis="oral_consent", consent_on=NOV_2,
        )  # fmt: skip
    assert caught.value.fields == {
        "to_org": ["A referral of this kind to this organisation is already open."]
    }
    assert Referral.objects.count() == 1


def test_a_nurse_follows_referrals_but_does_not_make_them(world, at):
    person = register(world, seq=44)
    with pytest.raises(DomainError):
        services.referral_make(
            actor=world.nurse_a, person=person, kind="voluntary_rehab", to_org=world.cdc,
            reason="x", basis="oral_consent", consent_on=NOV_2,
        )  # fmt: skip
    assert Referral.objects.count() == 0


def test_only_the_receiver_answers_and_only_once(world, referred, at):
    with pytest.raises(DomainError):
        services.referral_accept(actor=world.users["nurse_b"], referral=referred)
    at(dt.date(2026, 11, 4))
    accepted = services.referral_accept(actor=world.doctor_a, referral=referred)
    assert accepted.status == "accepted"
    assert accepted.complete_by == dt.date(2026, 12, 4)
    assert Affiliation.objects.get(person=referred.person, organisation=world.clinic_a).kind == "referred"
    assert persons_in_scope(world.nurse_a).filter(pk=referred.person_id).exists()
    with pytest.raises(services.AlreadyAnswered):
        services.referral_decline(actor=world.doctor_a, referral=referred, reason="名额已满")
    assert list(Disclosure.objects.filter(person=referred.person).values_list("fields", flat=True)) == [
        ["record"],
        ["name", "id_masked", "sex_age", "phone", "reason"],
    ]
    assert list(referred.events.values_list("what", flat=True)) == ["requested", "accepted"]


def test_a_decline_needs_a_reason_and_closes_the_referral(world, referred):
    with pytest.raises(FieldErrors) as caught:
        services.referral_decline(actor=world.doctor_a, referral=referred, reason=" ")
    assert caught.value.fields == {"decline_reason": ["Say why the referral is declined."]}
    declined = services.referral_decline(actor=world.doctor_a, referral=referred, reason="不在服务范围")
    assert (declined.status, declined.closed_on, declined.decline_reason) == (
        "declined",
        NOV_2,
        "不在服务范围",
    )
    assert not Affiliation.objects.filter(person=referred.person, organisation=world.clinic_a).exists()


def test_the_sender_withdraws_a_referral_not_yet_answered(world, referred):
    with pytest.raises(DomainError):
        services.referral_withdraw(actor=world.doctor_a, referral=referred, reason="x")
    withdrawn = services.referral_withdraw(
        actor=world.users["community"], referral=referred, reason="本人改变主意"
    )
    assert withdrawn.status == "withdrawn"
    # A new referral of the same kind can be made once the old one is closed.
    again = services.referral_make(
        actor=world.users["community"], person=referred.person, kind="community_to_mmt", to_org=world.clinic_a,
        reason="再次申请", basis="oral_consent", consent_on=NOV_2,
    )  # fmt: skip
    assert again.status == "requested"


def test_enrolment_at_the_receiving_clinic_completes_the_referral(world, referred, at):
    build_clinic_stock(world)
    services.referral_accept(actor=world.doctor_a, referral=referred)
    at(dt.date(2026, 11, 9))
    episode = enrol(world, referred.person, start_on=dt.date(2026, 11, 9), dose=Decimal("20"))
    referred.refresh_from_db()
    assert (referred.status, referred.outcome, referred.closed_on, referred.episode) == (
        "completed",
        "enrolled",
        dt.date(2026, 11, 9),
        episode,
    )
    assert list(referred.events.values_list("what", flat=True)) == ["requested", "accepted", "completed"]


def test_an_accepted_referral_without_outcome_is_lost_by_the_scan_once(world, referred, at):
    services.referral_accept(actor=world.doctor_a, referral=referred)  # complete by 2 December
    assert services.referrals_scan(today=dt.date(2026, 12, 2)) == []
    assert services.referrals_scan(today=dt.date(2026, 12, 3), dry_run=True) == [referred.pk]
    referred.refresh_from_db()
    assert referred.status == "accepted"
    assert services.referrals_scan(today=dt.date(2026, 12, 3)) == [referred.pk]
    assert services.referrals_scan(today=dt.date(2026, 12, 3)) == []
    referred.refresh_from_db()
    assert (referred.status, referred.closed_on, referred.outcome_note) == (
        "lost",
        dt.date(2026, 12, 3),
        "截至2026-12-02无结果。",
    )
    assert AuditEntry.objects.filter(action="referral.lost").count() == 1


def test_the_outcome_must_fit_the_kind_and_the_dates(world, referred):
    services.referral_accept(actor=world.doctor_a, referral=referred)
    with pytest.raises(FieldErrors) as caught:
        services.referral_complete(actor=world.doctor_a, referral=referred, outcome="art_started")
    assert caught.value.fields == {"outcome": ["Choose an outcome that completes this referral."]}
    with pytest.raises(FieldErrors) as caught:
        services.referral_complete(
            actor=world.doctor_a, referral=referred, outcome="enrolled", on=dt.date(2026, 11, 1)
        )
    assert caught.value.fields == {"on": ["The outcome cannot come before the referral."]}
    referred.refresh_from_db()
    assert referred.status == "accepted"


def _hiv_positive(world, at):
    build_clinic_stock(world)
    person = register(world, seq=45, name="陈阿福")
    enrol(world, person, start_on=NOV_2)
    test = labs.lab_record(actor=world.nurse_a, person=person, kind="hiv", reason="entry", result="positive")
    return person, test


def test_an_hiv_positive_result_refers_the_person_to_the_cdc(world, at, recipients):
    person, test = _hiv_positive(world, at)
    referral = Referral.objects.get(person=person)
    assert (referral.kind, referral.from_org, referral.to_org, referral.basis, referral.lab_test) == (
        "art",
        world.clinic_a,
        world.cdc,
        "infectious_disease_law",
        test,
    )
    assert referral.reason == "HIV抗体阳性，采样日期2026-11-02。"
    assert Disclosure.objects.get(person=person, recipient=world.cdc).fields == [
        "name", "id_masked", "sex_age", "phone", "reason", "hiv_positive",
    ]  # fmt: skip
    assert Disclosure.objects.get(person=person, recipient=world.cdc).infection is True
    # The police and the community office, who get the enrolment filing, are told nothing of it.
    assert (
        sorted(
            Disclosure.objects.filter(person=person)
            .exclude(recipient=world.cdc)
            .values_list("fields", "infection")
        )
        == [(["name", "id_number", "event"], False)] * 2
    )


def test_the_cdc_records_art_started_and_the_partner_offer(world, at):
    person, _test = _hiv_positive(world, at)
    referral = Referral.objects.get(person=person)
    services.referral_accept(actor=world.users["cdc"], referral=referral)
    at(dt.date(2026, 11, 16))
    offer = services.vct_record(actor=world.doctor_a, referral=referral, answer="accepted", note="配偶")
    assert (offer.offered_on, offer.answer) == (dt.date(2026, 11, 16), "accepted")
    done = services.referral_complete(actor=world.users["cdc"], referral=referral, outcome="art_started")
    assert (done.status, done.outcome, done.closed_on) == ("completed", "art_started", dt.date(2026, 11, 16))
    with pytest.raises(DomainError):
        services.vct_record(actor=world.users["nurse_b"], referral=referral, answer="declined")
    assert PartnerVct.objects.count() == 1


def test_without_a_cdc_nothing_is_made_and_the_clinic_sees_who_is_unreferred(world, at):
    from jiedu.referrals.selectors import positive_without_art_referral

    Organisation.objects.filter(pk=world.cdc.pk).update(is_active=False)
    person, test = _hiv_positive(world, at)
    assert not Referral.objects.exists()
    assert list(positive_without_art_referral(world.doctor_a)) == [test]
    assert list(positive_without_art_referral(world.users["keeper_a"])) == []
    assert AuditEntry.objects.filter(action="referral.art_no_cdc").count() == 1


def test_receivers_are_the_nearest_first(world):
    other_cdc = Organisation.objects.create(
        name="晋江市疾病预防控制中心", type="cdc", region=world.other_county
    )
    assert services.receivers(kind="art", source=world.clinic_a) == [world.cdc, other_cdc]


def test_events_are_append_only(world, referred):
    from jiedu.core.models import AppendOnlyError

    event = ReferralEvent.objects.get(referral=referred)
    with pytest.raises(AppendOnlyError):
        event.delete()


def test_the_police_api_says_nothing_of_the_hiv_result(world, at, recipients, client):
    from jiedu.accounts.services import api_token_issue

    person, test = _hiv_positive(world, at)
    secret = api_token_issue(actor=None, user=world.users["police"], name="派出所").secret
    response = client.get("/api/v1/reports/inbox", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200
    assert [item["kind"] for item in response.json()] == ["enrolment"]
    body = response.content.decode()
    assert "hiv" not in body.lower() and "艾滋" not in body and "抗病毒" not in body
    assert (
        client.get("/api/v1/persons/" + str(person.pk), HTTP_AUTHORIZATION=f"Bearer {secret}").status_code
        == 404
    )
