"""The JSON API: the same policy as the pages, one error envelope, token and session auth, no drift."""

import datetime as dt
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from ninja import Schema

from jiedu.accounts.services import api_token_issue, api_token_revoke
from jiedu.api.api import api
from jiedu.api.openapi import openapi_text
from jiedu.core.models import AuditEntry
from jiedu.patients import services
from jiedu.patients.models import Person
from jiedu.policy.rules import Action
from jiedu.testing import make_id_number

pytestmark = pytest.mark.django_db
ZSF = make_id_number(birth=dt.date(1979, 3, 8), seq=37)
BODY = {"id_number": ZSF, "name": "张三丰", "sex": "M", "birth_date": "1979-03-08", "phone": "13905951234"}


def operations():
    for _prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for op in path_view.operations:
                for method in op.methods:
                    yield method, path, op


def test_every_operation_names_a_policy_action():
    missing = [
        f"{m} {p}"
        for m, p, op in operations()
        if not isinstance(getattr(op.view_func, "policy_action", None), Action)
    ]
    assert missing == []
    assert len(list(operations())) == 59


def test_no_two_schemas_share_a_name():
    # The OpenAPI document names each schema by its class: a second ReasonIn would silently replace the first.
    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    names = [c.__name__ for c in subclasses(Schema) if c.__module__.startswith("jiedu.")]
    assert len(names) > 60
    assert sorted(n for n in set(names) if names.count(n) > 1) == []


def test_committed_openapi_document_has_not_drifted():
    committed = (Path(settings.BASE_DIR) / "docs" / "api" / "openapi.json").read_text(encoding="utf-8")
    assert committed == openapi_text(), "run `make openapi` and commit docs/api/openapi.json"


@pytest.fixture
def token(world):
    return api_token_issue(actor=None, user=world.nurse_a, name="county platform").secret


def bearer(secret):
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def client():
    """API clients in these tests ask for English unless a test says otherwise."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def test_token_registers_and_reads_a_person(client, token, world):
    response = client.post("/api/v1/persons", BODY, content_type="application/json", **bearer(token))
    assert response.status_code == 201
    data = response.json()
    assert data["created"] is True
    assert data["person"]["name"] == "张三丰"
    assert data["person"]["id_number_masked"] == ZSF[:4] + "*" * 10 + ZSF[-4:]
    assert "id_number" not in data["person"]
    pk = data["person"]["id"]
    again = client.post("/api/v1/persons", BODY, content_type="application/json", **bearer(token))
    assert (again.status_code, again.json()["created"], again.json()["person"]["id"]) == (200, False, pk)
    assert client.get("/api/v1/persons?q=zsf", **bearer(token)).json()[0]["id"] == pk
    assert client.get(f"/api/v1/persons/{pk}", **bearer(token)).json()["name_pinyin"] == "zhang san feng"
    unmasked = client.post(f"/api/v1/persons/{pk}/unmask", **bearer(token))
    assert unmasked.json() == {"id_number": ZSF}
    actions = list(
        AuditEntry.objects.filter(actor=world.nurse_a).order_by("seq").values_list("action", "channel")
    )
    assert actions == [
        ("person.register", "api"),
        ("person.register_existing", "api"),
        ("person.search", "api"),
        ("person.view", "api"),
        ("person.unmask_id", "api"),
    ]


def test_validation_errors_name_the_field_and_write_nothing(client, token):
    bad = {**BODY, "id_number": ZSF[:-1] + ("0" if ZSF[-1] != "0" else "1"), "birth_date": "1979-02-30"}
    response = client.post("/api/v1/persons", bad, content_type="application/json", **bearer(token))
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["fields"]) == ["birth_date"]
    assert "day value is outside expected range" in error["fields"]["birth_date"][0]
    bad = {
        **BODY,
        "id_number": ZSF[:-1] + ("0" if ZSF[-1] != "0" else "1"),
        "household_region_code": "999999",
    }
    response = client.post("/api/v1/persons", bad, content_type="application/json", **bearer(token))
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {
        "id_number": [
            f"The check digit is wrong: the last character should be {ZSF[-1]}; please check the number."
        ],
        "household_region": ["Unknown region code 999999: use a six-digit GB/T 2260 code."],
    }
    assert Person.objects.count() == 0


def test_malformed_json_is_named(client, token):
    response = client.post(
        "/api/v1/persons", '{"name": "张三丰",', content_type="application/json", **bearer(token)
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "malformed_json",
            "message": "The request body is not valid JSON (line 1, column 16).",
            "fields": {"body": ["The request body is not valid JSON (line 1, column 16)."]},
        }
    }
    assert Person.objects.count() == 0


def test_missing_field_is_named(client, token):
    body = {k: v for k, v in BODY.items() if k != "sex"}
    response = client.post("/api/v1/persons", body, content_type="application/json", **bearer(token))
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {"sex": ["Field required"]}


def test_no_credentials_and_revoked_or_unknown_tokens_are_refused(client, world, token):
    assert client.get("/api/v1/me").json()["error"]["code"] == "unauthenticated"
    assert client.get("/api/v1/me", **bearer("jd_not-a-token")).status_code == 401
    from jiedu.accounts.models import ApiToken

    api_token_revoke(actor=None, token=ApiToken.objects.get())
    assert client.get("/api/v1/me", **bearer(token)).status_code == 401


def test_role_without_the_action_gets_403_and_changes_nothing(client, world):
    secret = api_token_issue(actor=None, user=world.officer, name="dashboard").secret
    response = client.post("/api/v1/persons", BODY, content_type="application/json", **bearer(secret))
    assert response.status_code == 403
    assert response.json() == {
        "error": {"code": "forbidden", "message": "Your role does not allow this.", "fields": {}}
    }
    assert Person.objects.count() == 0
    assert AuditEntry.objects.filter(action="access.denied", actor=world.officer).count() == 1


def test_out_of_scope_person_is_not_found(client, world):
    person = services.person_register(
        actor=world.nurse_a, name="张三丰", sex="M", birth_date=dt.date(1979, 3, 8), id_number=ZSF
    ).person
    secret = api_token_issue(actor=None, user=world.nurse_b, name="b").secret
    response = client.get(f"/api/v1/persons/{person.pk}", **bearer(secret))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert "张三丰" not in response.content.decode()


def test_browser_session_needs_the_csrf_token_for_writes(world):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.nurse_a)
    assert browser.get("/api/v1/me").json()["roles"] == ["nurse"]
    refused = browser.post("/api/v1/persons", BODY, content_type="application/json")
    assert refused.status_code == 403
    assert Person.objects.count() == 0
    browser.get("/")  # sets the CSRF cookie
    csrf = browser.cookies["csrftoken"].value
    accepted = browser.post("/api/v1/persons", BODY, content_type="application/json", HTTP_X_CSRFTOKEN=csrf)
    assert accepted.status_code == 201


def test_me_lists_roles_and_actions(client, world, token):
    data = client.get("/api/v1/me", **bearer(token)).json()
    assert data["roles"] == ["nurse"]
    assert data["organisation_name"] == "南安市美沙酮维持治疗门诊"
    assert data["actions"] == [
        "home.view",
        "lab.infection",
        "lab.urine",
        "mmt.dose",
        "mmt.view",
        "organisation.view",
        "person.register",
        "person.search",
        "person.unmask_id",
        "person.update",
        "person.view",
        "referral.view",
        "rehab.voluntary",
        "rx.view",
        "stock.books",
        "stock.manage",
        "stock.view",
    ]


def test_organisations_are_scoped_to_the_region(client, world, token):
    names = [o["name"] for o in client.get("/api/v1/organisations", **bearer(token)).json()]
    assert "晋江市美沙酮门诊" not in names
    assert "溪美街道延伸服药点" in names
    assert len(names) == 7  # everything in 南安市 (350583)
    clinic = client.get(f"/api/v1/organisations/{world.clinic_elsewhere.pk}", **bearer(token))
    assert clinic.status_code == 404


def test_regions_tree(client, token):
    provinces = client.get("/api/v1/regions", **bearer(token)).json()
    assert [p["code"] for p in provinces] == ["350000"]  # the test world loads Fujian only
    counties = client.get("/api/v1/regions?parent=350500", **bearer(token)).json()
    assert {
        "code": "350583",
        "name": "南安市",
        "level": "county",
        "parent_code": "350500",
        "valid_from": 1993,
        "valid_to": None,
    } in counties


def test_docs_page_is_served_locally_to_signed_in_users(client, world):
    assert client.get("/api/v1/docs").status_code == 302
    client.force_login(world.nurse_a)
    page = client.get("/api/v1/docs").content.decode()
    assert "cdn" not in page.lower()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["info"]["title"] == "Jiedu API"
    assert json.loads(openapi_text())["paths"].keys() == schema["paths"].keys()


def test_messages_follow_the_callers_language_chinese_by_default(token):
    bad = {**BODY, "household_region_code": "999999"}
    zh = Client().post("/api/v1/persons", bad, content_type="application/json", **bearer(token))
    assert zh.json()["error"]["fields"] == {
        "household_region": ["未知的行政区划代码999999：请使用6位GB/T 2260代码。"]
    }
    en = Client(HTTP_ACCEPT_LANGUAGE="en").post(
        "/api/v1/persons", bad, content_type="application/json", **bearer(token)
    )
    assert en.json()["error"]["fields"] == {
        "household_region": ["Unknown region code 999999: use a six-digit GB/T 2260 code."]
    }
