import datetime as dt

import pytest
from django.test import Client

from jiedu.accounts.services import api_token_issue
from jiedu.core.models import AuditEntry
from jiedu.indicators.tests.test_views import county  # noqa: F401 — the history of the dashboard tests

pytestmark = pytest.mark.django_db
D = dt.date


def get(world, username, path, **params):
    secret = api_token_issue(actor=None, user=world.users[username], name="analysis").secret
    return Client().get(path, params, HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_the_report_of_the_county_as_json(world, county):  # noqa: F811
    response = get(world, "officer", "/api/v1/indicators/report", period="2025-Q3")
    assert response.status_code == 200
    data = response.json()
    assert (data["area_code"], data["area_name"], data["period"], data["as_of"]) == (
        "350583",
        "南安市",
        "2025-Q3",
        "2025-09-30",
    )
    figures = {f["code"]: f for f in data["figures"]}
    assert figures["in_treatment"]["value"] == "8"
    assert (figures["dose_ge60"]["numerator"], figures["dose_ge60"]["denominator"]) == ("8", "8")
    # One dropout of eight: below the small-cell threshold, so nothing of it is given.
    assert figures["dropout_rate"] == {
        "code": "dropout_rate",
        "value": None,
        "numerator": None,
        "denominator": None,
        "suppressed": True,
        "target": None,
        "light": None,
    }
    assert [(r["name"], r["rank"]) for r in data["league"]] == [
        ("南安市美沙酮维持治疗门诊", 1),
        ("南安市第二美沙酮门诊", None),
    ]
    assert AuditEntry.objects.filter(action="indicators.view").latest("pk").detail == {
        "area": "350583",
        "period": "2025-Q3",
        "api": True,
    }


def test_the_api_keeps_to_the_callers_area(world, county):  # noqa: F811
    assert get(world, "officer", "/api/v1/indicators/report", region="350582").status_code == 404
    assert get(world, "director_a", "/api/v1/indicators/report", region="350583").status_code == 404
    mine = get(world, "director_a", "/api/v1/indicators/report", period="2025-Q3").json()
    assert (mine["area_name"], mine["league"], mine["figures"][0]["value"]) == (
        "南安市美沙酮维持治疗门诊",
        [],
        "6",
    )
    assert get(world, "nurse_a", "/api/v1/indicators/report").status_code == 403
    assert get(world, "police", "/api/v1/indicators/dictionary").status_code == 403


def test_the_dictionary_as_json(world):
    data = get(world, "cdc", "/api/v1/indicators/dictionary").json()
    assert len(data) == 21
    retention = next(i for i in data if i["code"] == "annual_retention")
    assert (retention["name_zh"], retention["periods"], retention["target_key"]) == (
        "年保持率",
        ["Y"],
        "indicators.target.annual_retention",
    )
