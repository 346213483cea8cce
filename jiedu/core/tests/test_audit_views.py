"""The audit viewer: the auditor's region only, filters, and an audited export."""

import pytest
from django.conf import settings
from django.db import transaction

from jiedu.core import audit
from jiedu.core.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def entries(world):
    with transaction.atomic():
        audit.record("person.view", actor=world.nurse_a, object_type="patients.person", object_id=1)
        audit.record("person.view", actor=world.nurse_elsewhere, object_type="patients.person", object_id=2)
        audit.record("auth.login", actor=world.nurse_b)
        audit.record("auth.login", username="ghost", outcome="failure")
    return world


def listed(client, **params):
    response = client.get("/audit/", params)
    return [(e.action, e.actor_username) for e in response.context["page"]]


def test_county_auditor_sees_the_county_only(client, entries):
    client.force_login(entries.auditor)
    rows = listed(client, action="person.")
    assert rows == [("person.view", "nurse_a")]
    assert ("auth.login", "ghost") not in listed(client)


def test_provincial_auditor_also_sees_events_without_organisation(client, entries):
    client.force_login(entries.province_auditor)
    rows = listed(client, action="auth.login")
    assert rows == [("auth.login", "province_auditor"), ("auth.login", "ghost"), ("auth.login", "nurse_b")]
    assert listed(client, user="nurse_elsewhere") == [("person.view", "nurse_elsewhere")]
    assert listed(client, outcome="failure") == [("auth.login", "ghost")]


def test_bad_filter_is_named(client, entries):
    client.force_login(entries.auditor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/audit/", {"since": "2026-13-01"})
    assert response.status_code == 400
    assert "Enter a valid date." in response.content.decode()


def test_export_is_audited(client, entries):
    client.force_login(entries.auditor)
    response = client.get("/audit/export.csv", {"action": "person."})
    lines = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff").splitlines()
    assert lines[0].startswith("seq,at,user,organisation,action")
    assert len(lines) == 2
    assert AuditEntry.objects.get(action="audit.export").detail == {
        "filters": {"action": "person."},
        "rows": 1,
    }
