"""This app's rows of the permission matrix (jiedu/policy/tests/test_matrix.py merges every app's rows).

route name → (method, {"ok": personas that get the page, "hidden": allowed by role but out of scope (404)});
personas in neither set get 403. A row may add "url": a callable (world, subject) → URL, where subject holds
the registered person ``subject["person"]`` (at clinic A); it may create the objects the URL needs.
Use ``jiedu.policy.tests.test_matrix.row(ok, hidden=..., url=...)``.
"""

import datetime as dt

from django.db import transaction
from django.urls import reverse

from jiedu.policy.tests.test_matrix import row
from jiedu.reports.models import RecipientRule
from jiedu.reports.services import report_file


def delivered_to_police(world, subject):
    """A dropout report about the subject, addressed to the police station only (community: out of scope)."""
    RecipientRule.objects.create(region=world.county, recipient=world.police)
    with transaction.atomic():
        report = report_file(
            kind="dropout",
            person=subject["person"],
            source=world.clinic_a,
            event_on=dt.date(2026, 11, 20),
            dedupe_key="matrix:dropout",
        )
    return reverse("reports:acknowledge", args=[report.deliveries.get().pk])


ROWS: dict = {
    "reports:inbox": ("get", row({"police", "community", "inspector", "officer"})),
    "reports:sent": ("get", row({"director_a", "doctor_a"})),
    # Police acknowledge and are sent back to the inbox; the community office is not a recipient.
    "reports:acknowledge": (
        "post",
        row(
            {"police", "community", "inspector", "officer"},
            hidden={"community", "inspector", "officer"},
            url=delivered_to_police,
            ok_status=302,
        ),
    ),
    # The narcotics control office's page: no persona of the matrix works there.
    "reports:escalations": ("get", row(set())),
}
