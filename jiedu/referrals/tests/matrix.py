"""This app's rows of the permission matrix (jiedu/policy/tests/test_matrix.py merges every app's rows)."""

import datetime as dt

from django.urls import reverse

from jiedu.policy.tests.test_matrix import row
from jiedu.referrals import services

VIEWERS = {
    "director_a",
    "doctor_a",
    "nurse_a",
    "nurse_point_a",
    "nurse_b",
    "nurse_elsewhere",
    "community",
    "cdc",
}
HANDLERS = {"director_a", "doctor_a", "community", "cdc"}
#: Clinic A's doctors and nurses (who referred the subject for ART) and the CDC (which received it); the head
#: of clinic A does not read infection results, so not ART referrals either; other viewers are not party to it.
PARTIES = {"doctor_a", "nurse_a", "nurse_point_a", "cdc"}


def make_for_the_subject(world, subject):
    return reverse("referrals:make") + f"?person={subject['person'].pk}"


def _referral(world, subject):
    return services.referral_make(
        actor=world.users["doctor_a"],
        person=subject["person"],
        kind="art",
        to_org=world.cdc,
        reason="HIV抗体阳性",
        basis="written_consent",
        consent_on=dt.date(2026, 11, 2),
    )


def referral_of_the_subject(world, subject):
    return reverse("referrals:detail", args=[_referral(world, subject).pk])


def accept_the_referral(world, subject):
    return reverse("referrals:act", args=[_referral(world, subject).pk, "accept"])


ROWS: dict = {
    "referrals:inbox": ("get", row(VIEWERS)),
    "referrals:make": ("get", row(HANDLERS, hidden={"community", "cdc"}, url=make_for_the_subject)),
    "referrals:detail": ("get", row(VIEWERS, hidden=VIEWERS - PARTIES, url=referral_of_the_subject)),
    # The CDC accepts; clinic A's doctor is refused by the service (the sender does not accept) and
    # sent back to the referral with the message.
    "referrals:act": (
        "post",
        row(HANDLERS, hidden=HANDLERS - PARTIES, url=accept_the_referral, ok_status=302),
    ),
}
