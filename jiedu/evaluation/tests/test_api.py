"""The annual evaluation through the JSON API: the scope of the pages, and the ranking with each criterion's value and
points as computed (the hand-computed figures of test_services.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from jiedu.accounts.services import api_token_issue
from jiedu.evaluation import services
from jiedu.evaluation.models import Scheme

pytestmark = pytest.mark.django_db


def get(user, path, **params):
    secret = api_token_issue(actor=None, user=user, name="analysis").secret
    return Client(HTTP_ACCEPT_LANGUAGE="en", HTTP_AUTHORIZATION=f"Bearer {secret}").get(
        f"/api/v1{path}", params
    )


def test_the_ranking_as_json_in_the_scope_of_the_pages(world, year_2025, at):
    scheme = Scheme.objects.get(code="clinic-annual")
    evaluation = services.evaluation_compute(actor=world.officer, scheme=scheme, year=2025, note="年终考核")
    assert get(world.director_a, "/evaluations").json() == []  # a draft is the commission's own
    assert get(world.director_a, f"/evaluations/{evaluation.pk}").status_code == 404
    listed = get(world.officer, "/evaluations", year=2025).json()
    assert [(e["id"], e["scheme"], e["area_code"], e["status"]) for e in listed] == [
        (evaluation.pk, "clinic-annual", "350583", "draft")
    ]
    assert get(world.officer, "/evaluations", year=2024).json() == []
    services.evaluation_publish(actor=world.officer, evaluation=evaluation)

    data = get(world.director_a, f"/evaluations/{evaluation.pk}").json()
    assert (data["status"], data["out_of"], data["published_at"], data["withdrawn_at"]) == (
        "published",
        "100.00",
        "2026-01-20T01:00:00Z",
        None,
    )
    assert [c["code"] for c in data["criteria"]] == [
        "retention", "dropout", "urine", "hiv_testing", "inspection", "rectification", "capability",
    ]  # fmt: skip
    first, second = data["results"]
    assert (first["rank"], first["name"], first["total"], first["commended"]) == (
        1,
        "南安市第二美沙酮门诊",
        "100.00",
        True,
    )
    assert (second["rank"], second["organisation_id"], second["total"], second["vetoed"]) == (
        2,
        world.clinic_a.pk,
        "71.70",
        False,
    )
    assert [(s["criterion"], s["value"], s["points"], s["exempt"]) for s in second["scores"]] == [
        ("retention", "80.00", "18.75", False),
        ("dropout", "10.00", "8.00", False),
        ("urine", "90.00", "8.89", False),
        ("hiv_testing", "90.00", "8.89", False),
        ("inspection", "88.00", "20.00", False),
        ("rectification", "0.00", "0.00", False),
        ("capability", None, None, True),
    ]
    assert second["scores"][3]["numerator"] == "45.00" and second["scores"][3]["denominator"] == "50.00"

    at(dt.date(2026, 2, 3), 10, 30)
    services.evaluation_withdraw(actor=world.officer, evaluation=evaluation, reason="数据有误")
    withdrawn = get(world.director_a, "/evaluations", status="withdrawn").json()
    assert [(e["id"], e["withdrawn_at"], e["withdrawal_reason"]) for e in withdrawn] == [
        (evaluation.pk, "2026-02-03T02:30:00Z", "数据有误")
    ]
    assert get(world.director_a, "/evaluations", status="published").json() == []


def test_a_nurse_reads_no_evaluation(world):
    assert get(world.nurse_a, "/evaluations").status_code == 403
