"""A clinic refers a methamphetamine user to voluntary rehab; the institution accepts, and the admission completes
the referral."""

import pytest

from jiedu.mmt.tests.conftest import register
from jiedu.referrals import services as referrals
from jiedu.rehab.tests.conftest import OCT_1, admit, at, rehab  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def test_the_admission_completes_the_referral(world, rehab, at):  # noqa: F811
    person = register(world, seq=61, name="苏小强")
    referral = referrals.referral_make(
        actor=world.doctor_a,
        person=person,
        kind="voluntary_rehab",
        to_org=rehab.institution,
        reason="冰毒尿检阳性，本人愿意住院戒毒",
        basis="oral_consent",
        consent_on=OCT_1,
    )
    referrals.referral_accept(actor=rehab.doctor, referral=referral)
    admission = admit(rehab.doctor, person)
    referral.refresh_from_db()
    assert (referral.status, referral.outcome, referral.closed_on) == ("completed", "admitted", OCT_1)
    assert admission.person == person
