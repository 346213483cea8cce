"""This app's rows of the permission matrix (jiedu/policy/tests/test_matrix.py merges every app's rows).

Education campaigns are read by the health officer, the CDC, the community office and the police of 南安市, and
recorded by the first three. The event of the rows is the CDC's: the officer reads it (their region), the CDC
reads and corrects it, the police and the community office — who see only their own events — do not find it
(404); the officer is refused its correction (403: an organisation edits only its own events). Campaigns are
opened and corrected by the officer only. Narcotics offices, other regions and recording on behalf of a member
unit are tested in test_views.py.
"""

from django.urls import reverse

from jiedu.campaigns.tests.data import cdc_event, cdc_evidence, county_campaign
from jiedu.policy.tests.test_matrix import row

VIEWERS = {"officer", "cdc", "community", "police"}
RECORDERS = {"officer", "cdc", "community"}
OTHERS = {"community", "police"}


def the_cdc_event(name):
    return lambda world, subject: reverse(name, args=[cdc_event(world).pk])


def the_cdc_file(name):
    return lambda world, subject: reverse(name, args=[cdc_evidence(world).pk])


def the_county_campaign(name):
    return lambda world, subject: reverse(name, args=[county_campaign(world).pk])


ROWS: dict = {
    "campaigns:list": ("get", row(VIEWERS)),
    "campaigns:event_new": ("get", row(RECORDERS)),
    "campaigns:event": ("get", row(VIEWERS, hidden=OTHERS, url=the_cdc_event("campaigns:event"))),
    "campaigns:event_correct": (
        "get",
        row({"cdc"}, hidden={"community"}, url=the_cdc_event("campaigns:event_correct")),
    ),
    "campaigns:event_withdraw": (
        "post",
        row({"cdc"}, hidden={"community"}, url=the_cdc_event("campaigns:event_withdraw"), ok_status=400),
    ),
    "campaigns:evidence_upload": (
        "post",
        row({"cdc"}, hidden={"community"}, url=the_cdc_event("campaigns:evidence_upload"), ok_status=400),
    ),
    "campaigns:evidence": ("get", row(VIEWERS, hidden=OTHERS, url=the_cdc_file("campaigns:evidence"))),
    "campaigns:evidence_withdraw": (
        "post",
        row({"cdc"}, hidden={"community"}, url=the_cdc_file("campaigns:evidence_withdraw"), ok_status=400),
    ),
    "campaigns:campaigns": ("get", row(VIEWERS)),
    "campaigns:campaign_new": ("get", row({"officer"})),
    "campaigns:campaign": ("get", row(VIEWERS, url=the_county_campaign("campaigns:campaign"))),
    "campaigns:campaign_correct": (
        "get",
        row({"officer"}, url=the_county_campaign("campaigns:campaign_correct")),
    ),
    "campaigns:totals": ("get", row(VIEWERS)),
    "campaigns:totals_workbook": ("get", row(VIEWERS)),
    "campaigns:totals_csv": ("get", row(VIEWERS)),
}
