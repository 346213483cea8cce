"""The referral pages: the inbox of each side, the receiver's minimal view before it accepts, answering and
closing through the forms (bad input names the field and writes nothing)."""

import datetime as dt

import pytest

from jiedu.referrals.models import Referral, ReferralEvent
from jiedu.referrals.tests.conftest import NOV_2, register

pytestmark = pytest.mark.django_db


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


def test_the_receiver_sees_the_referral_in_its_inbox_and_the_sender_in_sent(world, referred, english):
    english.force_login(world.doctor_a)
    page = english.get("/referrals/").content.decode()
    row = page[page.index(f'id="referral-{referred.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "林阿明" in row and "Community rehab → MMT" in row and world.community.name in row
    assert "answer by 2026-11-05" in row
    assert english.get("/referrals/?tab=sent").content.decode().count('id="referral-') == 0
    english.force_login(world.users["community"])
    assert english.get("/referrals/?tab=sent").content.decode().count('id="referral-') == 1


def test_before_accepting_the_receiver_sees_what_the_referral_needs_and_no_record(
    world, referred, english, at
):
    english.force_login(world.doctor_a)
    at(dt.date(2026, 11, 6))
    page = english.get(f"/referrals/{referred.pk}/").content.decode()
    facts = page[page.index('id="referral-facts"') : page.index("</dl>")]
    assert referred.person.id_number_masked in facts
    assert "社区戒毒期间自愿申请美沙酮维持治疗" in facts
    assert "Written consent of the person · 2026-11-02" in facts
    assert "Overdue" in facts
    assert f"/persons/{referred.person_id}/" not in page
    assert english.get(f"/persons/{referred.person_id}/").status_code == 404
    english.post(f"/referrals/{referred.pk}/accept/")
    page = english.get(f"/referrals/{referred.pk}/").content.decode()
    assert f"/persons/{referred.person_id}/" in page
    assert english.get(f"/persons/{referred.person_id}/").status_code == 200


def test_a_decline_without_a_reason_is_refused_beside_the_field(world, referred, english):
    english.force_login(world.doctor_a)
    response = english.post(f"/referrals/{referred.pk}/decline/", {"decline_reason": ""})
    assert response.status_code == 400
    assert 'data-field="decline_reason"' in response.content.decode()
    referred.refresh_from_db()
    assert referred.status == "requested"
    assert ReferralEvent.objects.count() == 1
    response = english.post(f"/referrals/{referred.pk}/decline/", {"decline_reason": "名额已满"})
    assert response.status_code == 302
    referred.refresh_from_db()
    assert (referred.status, referred.decline_reason) == ("declined", "名额已满")


def test_the_community_makes_a_referral_through_the_form(world, english, at):
    person = register(world, actor="community", seq=52, name="黄小龙")
    english.force_login(world.users["community"])
    form = english.get(f"/referrals/new/?person={person.pk}").content.decode()
    assert f'<option value="{world.clinic_a.pk}">' in form and f'<option value="{world.cdc.pk}">' not in form
    data = {
        "kind": "community_to_mmt",
        "to_org": str(world.clinic_b.pk),
        "reason": "本人自愿",
        "basis": "oral_consent",
        "consent_on": "",
    }
    response = english.post(f"/referrals/new/?person={person.pk}", data)
    assert response.status_code == 400
    assert "Give the date the person consented." in response.content.decode()
    assert Referral.objects.count() == 0
    response = english.post(f"/referrals/new/?person={person.pk}", {**data, "consent_on": NOV_2.isoformat()})
    referral = Referral.objects.get()
    assert response["Location"] == f"/referrals/{referral.pk}/"
    assert (referral.to_org, referral.basis, referral.consent_on) == (world.clinic_b, "oral_consent", NOV_2)


def test_the_receiver_completes_with_an_outcome_of_the_kind(world, referred, english):
    english.force_login(world.doctor_a)
    english.post(f"/referrals/{referred.pk}/accept/")
    page = english.get(f"/referrals/{referred.pk}/").content.decode()
    close = page[page.index('id="close"') :]
    assert '<option value="enrolled"' in close and '<option value="art_started"' not in close
    response = english.post(f"/referrals/{referred.pk}/lost/", {"note": ""})
    assert response.status_code == 400
    english.post(f"/referrals/{referred.pk}/lost/", {"note": "电话三次未接通"})
    referred.refresh_from_db()
    assert (referred.status, referred.outcome_note) == ("lost", "电话三次未接通")
