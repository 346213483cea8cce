"""This app's rows of the permission matrix (jiedu/policy/tests/test_matrix.py merges every app's rows).

route name → (method, {"ok": personas that get the page, "hidden": allowed by role but out of scope (404)});
personas in neither set get 403. A row may add "url": a callable (world, subject) → URL, where subject holds
the registered person ``subject["person"]`` (at clinic A); it may create the objects the URL needs.
Use ``jiedu.policy.tests.test_matrix.row(ok, hidden=..., url=...)``.

The action endpoints are POSTed with no data: an allowed persona reaches the view and gets 400 (the form or
the service refuses the empty input, or the episode's state refuses the action) and nothing changes.
"""

from django.urls import reverse

from jiedu.accounts.models import Role, RoleAssignment, User
from jiedu.mmt import services
from jiedu.policy.tests.test_matrix import row

CLINIC_A = {"director_a", "doctor_a", "nurse_a", "keeper_a", "nurse_point_a"}
OTHER_CLINICS = {"nurse_b", "keeper_b", "nurse_elsewhere"}
MMT_VIEWERS = CLINIC_A | OTHER_CLINICS
ENROLLERS = {"director_a", "doctor_a"}
ORDERERS = {"doctor_a"}

ASSESSMENT = services.Assessment(
    dependence_evidence="吸食海洛因10年，尿检吗啡阳性", documents=["id_card"], agreement_signed=True
)


def applied(world, subject):
    """An application by the subject at clinic A (status "applied")."""
    return services.episode_apply(actor=world.users["doctor_a"], person=subject["person"])


def episode_url(name):
    return lambda world, subject: reverse(name, args=[applied(world, subject).pk])


def answered_transfer(name):
    """A transfer from clinic B to clinic A that clinic A has already declined: answering again is a 400."""

    def build(world, subject):
        doctor_b = User.objects.create_user(
            username="doctor_b", organisation=world.clinic_b, full_name="doctor_b"
        )
        RoleAssignment.objects.create(user=doctor_b, role=Role.DOCTOR)
        episode = services.episode_apply(actor=doctor_b, person=subject["person"])
        services.episode_assess(actor=doctor_b, episode=episode, assessment=ASSESSMENT)
        episode = services.episode_accept(actor=doctor_b, episode=episode)
        transfer = services.transfer_request(actor=doctor_b, episode=episode, to_clinic=world.clinic_a)
        services.transfer_decline(actor=world.users["doctor_a"], transfer=transfer, reason="名额已满")
        return reverse(name, args=[transfer.pk])

    return build


def _action(name, ok):
    return ("post", row(ok, url=episode_url(name), ok_status=400))


ROWS: dict = {
    "episodes:list": ("get", row(MMT_VIEWERS)),
    "episodes:apply": (
        "get",
        row(
            ENROLLERS, url=lambda world, subject: f"{reverse('episodes:apply')}?person={subject['person'].pk}"
        ),
    ),
    "episodes:detail": ("get", row(MMT_VIEWERS, hidden=OTHER_CLINICS, url=episode_url("episodes:detail"))),
    "episodes:record": (
        "get",
        row(
            MMT_VIEWERS,
            hidden=OTHER_CLINICS,
            url=lambda world, subject: reverse("episodes:record", args=[subject["person"].pk]),
        ),
    ),
    "episodes:assess": _action("episodes:assess", ENROLLERS),
    "episodes:accept": _action("episodes:accept", ENROLLERS),
    "episodes:refuse": _action("episodes:refuse", ENROLLERS),
    "episodes:suspend": _action("episodes:suspend", ENROLLERS),
    "episodes:resume": _action("episodes:resume", ENROLLERS),  # an application cannot be resumed
    "episodes:exit": _action("episodes:exit", ENROLLERS),
    "episodes:transfer": _action("episodes:transfer", ENROLLERS),
    "episodes:guest": _action("episodes:guest", ENROLLERS),
    "episodes:order": _action("episodes:order", ORDERERS),
    "episodes:transfer_accept": (
        "post",
        row(ENROLLERS, url=answered_transfer("episodes:transfer_accept"), ok_status=400),
    ),
    "episodes:transfer_decline": (
        "post",
        row(ENROLLERS, url=answered_transfer("episodes:transfer_decline"), ok_status=400),
    ),
}
