"""Aggregate figures through the JSON API: the same checks, versions, steps and scope as the pages.

The clock stands at 2026-05-20 in Shanghai (``people``); 南安市 (350583) enters, 泉州市 (350500) approves.
"""

from __future__ import annotations

import pytest
from django.test import Client

from jiedu.accounts.services import api_token_issue
from jiedu.core.models import AuditEntry
from jiedu.datasets.models import DataValue, Step, Submission
from jiedu.datasets.tests.data import GOOD

pytestmark = pytest.mark.django_db

YEAR_URL = "/api/v1/datasets/registered_users/figures/350583/2025-01-01"
JSON = "application/json"


class Api:
    def __init__(self, user) -> None:  # noqa: ANN001
        secret = api_token_issue(actor=None, user=user, name="statistics").secret
        self.client = Client(HTTP_ACCEPT_LANGUAGE="en", HTTP_AUTHORIZATION=f"Bearer {secret}")

    def get(self, path: str, **params):
        return self.client.get(f"/api/v1{path}", params)

    def post(self, path: str, body=None):
        return self.client.post(f"/api/v1{path}", body or {}, content_type=JSON)

    def put(self, url: str, body):
        return self.client.put(url, body, content_type=JSON)


#: GOOD as a statistics system would send it: numbers as numbers, a blank as null.
FIGURES = {
    "total": 1000,
    "opioid": 300,
    "synthetic": "650",
    "other": 50,
    "new_registrations": 80,
    "community_orders": 120,
    "compulsory_isolation": None,
}
CURRENT = {k: v for k, v in GOOD.items() if v}


def test_the_definitions_in_use(people):
    data = Api(people.county).get("/datasets").json()
    assert [d["code"] for d in data] == ["district_quarterly", "registered_users"]
    registered = data[1]
    assert (registered["period_type"], registered["reporting_level"], registered["version"]) == (
        "yearly",
        "county",
        1,
    )
    assert [e["code"] for e in registered["elements"]] == list(GOOD)
    assert registered["rules"][0] == {
        "code": "by_drug_adds_up",
        "left": "total",
        "operator": "=",
        "right": "opioid+synthetic+other",
        "right_constant": None,
        "message_zh": "阿片类、合成毒品和其他毒品吸毒人员之和应等于登记吸毒人员总数",
        "message_en": "Opioid, synthetic-drug and other users must add up to the total",
    }


def test_put_submit_approve_from_another_system(people):
    county, prefecture = Api(people.county), Api(people.prefecture)
    response = county.put(YEAR_URL, {"values": FIGURES, "expected_version": 0})
    assert response.status_code == 200
    saved = response.json()
    assert saved == {
        "id": saved["id"],
        "data_set": "registered_users",
        "region_code": "350583",
        "region_name": "南安市",
        "period_start": "2025-01-01",
        "period": "2025",
        "status": "draft",
        "version": 1,
        "values": CURRENT,
        "changed": True,
    }
    # The same figures again write nothing.
    again = county.put(YEAR_URL, {"values": {**FIGURES, "synthetic": 650}, "expected_version": 1}).json()
    assert (again["version"], again["changed"]) == (1, False)
    assert DataValue.objects.filter(submission_id=saved["id"]).count() == 6

    pk = saved["id"]
    assert county.post(f"/datasets/submissions/{pk}/submit").json()["status"] == "submitted"
    refused = county.post(f"/datasets/submissions/{pk}/approve")
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == (
        "The figures of 南安市 are approved by a region above it, not by its own officers."
    )
    approved = prefecture.post(f"/datasets/submissions/{pk}/approve").json()
    assert (approved["status"], approved["values"]) == ("approved", CURRENT)

    no_reason = prefecture.post(f"/datasets/submissions/{pk}/reopen", {"reason": " "})
    assert (no_reason.status_code, no_reason.json()["error"]["fields"]) == (
        422,
        {"reason": ["Say why the approved figures are reopened."]},
    )
    reopened = prefecture.post(f"/datasets/submissions/{pk}/reopen", {"reason": "公安年报更正"}).json()
    assert reopened["status"] == "draft"
    corrected = county.put(
        YEAR_URL, {"values": {**FIGURES, "total": 1001, "other": 51}, "expected_version": 1}
    )
    assert (corrected.json()["version"], corrected.json()["values"]["total"]) == (2, "1001")

    detail = prefecture.get(f"/datasets/submissions/{pk}").json()
    assert [(s["kind"], s["version"], s["by"], s["reason"]) for s in detail["steps"]] == [
        ("saved", 1, people.county.display_name, ""),
        ("submitted", 1, people.county.display_name, ""),
        ("approved", 1, people.prefecture.display_name, ""),
        ("reopened", 1, people.prefecture.display_name, "公安年报更正"),
        ("saved", 2, people.county.display_name, ""),
    ]
    assert list(
        AuditEntry.objects.filter(action__startswith="dataset.")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["dataset.save", "dataset.submit", "dataset.approve", "dataset.reopen", "dataset.save"]


def test_bad_figures_name_the_element_and_write_nothing(people):
    county = Api(people.county)
    response = county.put(YEAR_URL, {"values": {**FIGURES, "total": 999, "new_registrations": "eighty"}})
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {
        "new_registrations": ["New registrations in the year: enter a whole number, 0 or more."],
        "total": ["Opioid, synthetic-drug and other users must add up to the total (entered 999 and 1000)."],
    }
    unknown = county.put(YEAR_URL, {"values": {**FIGURES, "heroin": 5}})
    assert unknown.json()["error"]["fields"] == {"values": ["Not an element of this data set: heroin."]}
    future = county.put("/api/v1/datasets/registered_users/figures/350583/2027-01-01", {"values": FIGURES})
    assert future.json()["error"]["fields"] == {
        "period": ["This period has not begun: figures are entered for a period that has started."]
    }
    not_a_date = county.put("/api/v1/datasets/registered_users/figures/350583/2025", {"values": FIGURES})
    assert (not_a_date.status_code, not_a_date.json()["error"]["fields"]) == (
        422,
        {"period_start": ["Give the period by its first day, as YYYY-MM-DD."]},
    )
    assert not Submission.objects.exists() and not Step.objects.exists()


def test_a_stale_version_is_refused(people):
    county = Api(people.county)
    county.put(YEAR_URL, {"values": FIGURES, "expected_version": 0})
    county.put(YEAR_URL, {"values": {**FIGURES, "community_orders": 121}, "expected_version": 1})
    stale = county.put(YEAR_URL, {"values": {**FIGURES, "community_orders": 122}, "expected_version": 1})
    assert (stale.status_code, stale.json()["error"]["code"]) == (409, "conflict")
    assert Submission.objects.get().version == 2


def test_scope_holds_for_reads_and_writes(people):
    county, jinjiang, jiangxi = Api(people.county), Api(people.jinjiang), Api(people.jiangxi)
    pk = county.put(YEAR_URL, {"values": FIGURES}).json()["id"]
    assert jinjiang.get(f"/datasets/submissions/{pk}").status_code == 404
    assert jinjiang.put(YEAR_URL, {"values": FIGURES}).status_code == 404
    assert jiangxi.post(f"/datasets/submissions/{pk}/approve").status_code == 404
    assert jinjiang.get("/datasets/submissions").json() == []
    # The province sees the county's figures but does not enter them.
    province = Api(people.province)
    assert [s["id"] for s in province.get("/datasets/submissions", status="draft").json()] == [pk]
    assert province.get("/datasets/submissions", status="approved").json() == []
    refused = province.put(YEAR_URL, {"values": FIGURES})
    assert (refused.status_code, refused.json()["error"]["message"]) == (
        403,
        "Only officers of 南安市 enter its figures.",
    )
    assert province.get("/datasets/submissions", status="lost").status_code == 422
    # The refused and unseen requests wrote nothing: one version, saved once, still a draft.
    only = Submission.objects.get()
    assert (only.pk, only.version, only.status) == (pk, 1, "draft")
    assert list(Step.objects.values_list("kind", flat=True)) == ["saved"]


def test_a_nurse_has_no_data_sets(world, people):
    response = Api(world.nurse_a).get("/datasets")
    assert response.status_code == 403
