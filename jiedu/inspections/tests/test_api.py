"""Inspections and findings through the JSON API: the scope of the pages (an unannounced inspection stays hidden
from its target until it starts) and the findings' deadlines and overdue flags on the project clock."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from jiedu.accounts.services import api_token_issue
from jiedu.inspections.tests.data import plan, submitted

pytestmark = pytest.mark.django_db


def get(user, path, **params):
    secret = api_token_issue(actor=None, user=user, name="statistics").secret
    return Client(HTTP_ACCEPT_LANGUAGE="en", HTTP_AUTHORIZATION=f"Bearer {secret}").get(
        f"/api/v1{path}", params
    )


def test_inspections_and_findings_in_the_scope_of_the_pages(world, team, at, today):
    done = submitted(world)  # clinic A, 88 points, three findings
    surprise = plan(world, target=world.clinic_a, on=dt.date(2026, 6, 2), announced=False)
    officer = get(world.officer, "/inspections").json()
    assert [(i["id"], i["status"], i["announced"]) for i in officer] == [
        (surprise.pk, "planned", False),
        (done.pk, "submitted", True),
    ]
    director = get(world.director_a, "/inspections").json()
    assert len(director) == 1
    assert {
        k: director[0][k] for k in ("id", "checklist", "target_name", "team", "score", "scheduled_on")
    } == {
        "id": done.pk,
        "checklist": "mmt_joint",
        "target_name": "南安市美沙酮维持治疗门诊",
        "team": "南安市联合检查组",
        "score": "88.0",
        "scheduled_on": "2026-05-20",
    }
    assert get(world.director_a, "/inspections", status="planned").json() == []

    findings = get(world.director_a, "/inspections/findings").json()
    assert [(f["number"], f["status"], f["overdue"], f["owner_id"]) for f in findings] == [
        (1, "open", False, world.clinic_a.pk),
        (2, "open", False, world.clinic_a.pk),
        (3, "open", False, world.clinic_a.pk),
    ]
    deadline = dt.date.fromisoformat(max(f["deadline"] for f in findings))
    assert get(world.director_a, "/inspections/findings", overdue="true").json() == []
    at(deadline + dt.timedelta(days=1))
    late = get(world.director_a, "/inspections/findings", overdue="true").json()
    assert [(f["number"], f["overdue"]) for f in late] == [(n, True) for n in (1, 2, 3)]
    # A nurse reads no inspection; another county has no findings here.
    assert get(world.users["nurse_a"], "/inspections").status_code == 403
    assert get(world.officer, "/inspections/findings", county="350582").json() == []
    assert get(world.officer, "/inspections", status="lost").status_code == 422
