"""This app's rows of the permission matrix (jiedu/policy/tests/test_matrix.py merges every app's rows).

The inspections here are of clinic A, planned by 南安市's health officer ("officer") with the joint team of the
inspector (leader), the police liaison and the CDC staff member, and announced. Among the shared personas:

* the inspection's pages are read by clinic A's director (the target), the officer and the inspector (regional)
  and the CDC member (team); the checklist is conducted by the team only — the officer, who may conduct
  inspections but is not on this team, is refused (403);
* a finding of clinic A is answered by its director only; the officer (who answers findings of the commission)
  is refused; it is verified, rejected and closed by the inspector (team) and the officer (inspecting body);
* checklists and teams are kept by the officer.

Form endpoints are posted with no data: an allowed persona's request reaches the service and is refused for its
input or for the state of the object (400), which must change nothing. Unannounced inspections, other counties
(404) and the flows themselves are tested in test_views.py.
"""

import datetime as dt

from django.urls import reverse

from jiedu.core import clock
from jiedu.inspections import services
from jiedu.inspections.models import Rectification, Template
from jiedu.inspections.tests.data import attach, ensure_checklists, items, plan, started, submitted
from jiedu.policy.tests.test_matrix import row

VIEWERS = {"director_a", "officer", "inspector", "cdc"}
CONDUCTORS = {"officer", "inspector", "cdc", "police"}
TEAM = {"inspector", "cdc", "police"}
OFFICER = {"officer"}
VERIFIERS = {"officer", "inspector"}


def _planned(world, subject):
    ensure_checklists()
    return plan(world, on=clock.local_today() + dt.timedelta(days=1))


def _started(world, subject):
    ensure_checklists()
    return started(world)


def _submitted(world, subject):
    ensure_checklists()
    return submitted(world)


def _finding(world, subject):
    ensure_checklists()
    submitted(world)
    return Rectification.objects.order_by("number").first()


def _draft(world, subject):
    ensure_checklists()
    return services.version_draft(actor=world.officer, template=Template.objects.get(code="five_special"))


def inspection_url(name, build=_planned):
    return lambda world, subject: reverse(name, args=[build(world, subject).pk])


def item_url(name):
    def url(world, subject):
        inspection = _started(world, subject)
        return reverse(name, args=[inspection.pk, items(inspection)["1.1"].pk])

    return url


def evidence_url(name):
    def url(world, subject):
        inspection = _started(world, subject)
        return reverse(name, args=[attach(inspection, world.inspector, ["1.1"])[0].pk])

    return url


def finding_url(name):
    return lambda world, subject: reverse(name, args=[_finding(world, subject).pk])


def team_url(world, subject):
    return reverse("inspections:team", args=[_planned(world, subject).team_id])


def template_url(name, code="mmt_joint"):
    def url(world, subject):
        ensure_checklists()
        return reverse(name, args=[code])

    return url


def draft_url(name, part=None):
    def url(world, subject):
        draft = _draft(world, subject)
        if part == "section":
            return reverse(name, args=[draft.sections.order_by("order").first().pk])
        if part == "item":
            return reverse(name, args=[draft.items.order_by("section__order", "order").first().pk])
        return reverse(name, args=[draft.pk])

    return url


def version_url(name):
    def url(world, subject):
        return reverse(name, args=[ensure_checklists()["mmt_joint"].pk])

    return url


def draft_of_five_special(world, subject):
    _draft(world, subject)
    return reverse("inspections:version_draft", args=["five_special"])


ROWS: dict = {
    "inspections:schedule": ("get", row(VIEWERS)),
    "inspections:mine": ("get", row(CONDUCTORS)),
    "inspections:plan": ("get", row(OFFICER)),
    "inspections:detail": ("get", row(VIEWERS, url=inspection_url("inspections:detail"))),
    "inspections:report": ("get", row(VIEWERS, url=inspection_url("inspections:report", _submitted))),
    "inspections:cancel": ("post", row(OFFICER, url=inspection_url("inspections:cancel"), ok_status=400)),
    # Planned for tomorrow: the team may start it, but not yet.
    "inspections:start": ("post", row(TEAM, url=inspection_url("inspections:start"), ok_status=400)),
    "inspections:conduct": ("get", row(TEAM, url=inspection_url("inspections:conduct", _started))),
    "inspections:score": ("post", row(TEAM, url=item_url("inspections:score"), ok_status=400)),
    "inspections:upload": ("post", row(TEAM, url=item_url("inspections:upload"), ok_status=400)),
    "inspections:submit": ("get", row(TEAM, url=inspection_url("inspections:submit", _started))),
    "inspections:evidence": ("get", row(VIEWERS, url=evidence_url("inspections:evidence"))),
    "inspections:conduct_evidence": (
        "get",
        row(CONDUCTORS, url=evidence_url("inspections:conduct_evidence")),
    ),
    "inspections:teams": ("get", row(OFFICER)),
    "inspections:team": ("get", row(OFFICER, url=team_url)),
    "inspections:findings": ("get", row(VIEWERS)),
    "inspections:finding": ("get", row(VIEWERS, url=finding_url("inspections:finding"))),
    "inspections:respond": (
        "post",
        row({"director_a"}, url=finding_url("inspections:respond"), ok_status=400),
    ),
    "inspections:verify": ("post", row(VERIFIERS, url=finding_url("inspections:verify"), ok_status=400)),
    "inspections:reject": ("post", row(VERIFIERS, url=finding_url("inspections:reject"), ok_status=400)),
    "inspections:close": ("post", row(VERIFIERS, url=finding_url("inspections:close"), ok_status=400)),
    "inspections:board": ("get", row(VERIFIERS)),
    "inspections:templates": ("get", row(OFFICER)),
    "inspections:template_new": ("get", row(OFFICER)),
    "inspections:template": ("get", row(OFFICER, url=template_url("inspections:template"))),
    # A draft exists already: drafting another is refused.
    "inspections:version_draft": ("post", row(OFFICER, url=draft_of_five_special, ok_status=400)),
    "inspections:version": ("get", row(OFFICER, url=version_url("inspections:version"))),
    "inspections:section_add": (
        "post",
        row(OFFICER, url=draft_url("inspections:section_add"), ok_status=400),
    ),
    "inspections:section_edit": (
        "post",
        row(OFFICER, url=draft_url("inspections:section_edit", "section"), ok_status=400),
    ),
    "inspections:item_add": (
        "post",
        row(OFFICER, url=draft_url("inspections:item_add", "section"), ok_status=400),
    ),
    "inspections:item_edit": ("get", row(OFFICER, url=draft_url("inspections:item_edit", "item"))),
    # A published version is frozen.
    "inspections:version_publish": (
        "post",
        row(OFFICER, url=version_url("inspections:version_publish"), ok_status=400),
    ),
}
