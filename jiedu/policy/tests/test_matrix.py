"""The permission matrix, generated from the URL configuration.

* Every page route names a policy action (or is explicitly public) — a new route without one fails here.
* Every route has an expected outcome for every persona — a new route without a row in EXPECTED fails here.
* Each persona × route is requested for real; a denial (403) or a hidden object (404) shows nothing of the
  record and changes nothing but one ``access.denied`` audit entry.
"""

import datetime as dt
import importlib
import io

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from jiedu.core.models import AuditEntry, AuditHead
from jiedu.patients import services
from jiedu.policy.views import PUBLIC
from jiedu.testing import PERSONAS, jpeg_bytes, make_id_number

pytestmark = pytest.mark.django_db

ALL = frozenset(PERSONAS)
CLINIC_A = frozenset({"director_a", "doctor_a", "nurse_a", "keeper_a", "nurse_point_a"})
SEARCHERS = CLINIC_A | {"nurse_b", "keeper_b", "nurse_elsewhere", "police", "community", "cdc"}
REGISTRARS = SEARCHERS - {"keeper_a", "keeper_b"}
UPDATERS = frozenset({"director_a", "doctor_a", "nurse_a", "nurse_point_a", "nurse_b", "nurse_elsewhere"})
UNMASKERS = UPDATERS | {"police", "community"}
AUDITORS = frozenset({"auditor", "province_auditor"})


def row(ok, hidden=frozenset(), url=None, ok_status=None):
    """ok: personas that get the page; hidden: allowed by role but the object is out of their scope (404);
    url: optional callable (world, subject) → URL for routes that need objects;
    ok_status: what an allowed persona gets for the matrix's bare request (e.g. 400 for a form endpoint that is
    POSTed with no data — the request reached the view and was refused for its input, which must change nothing).
    """
    built = {"ok": frozenset(ok) - frozenset(hidden), "hidden": frozenset(hidden)}
    if url is not None:
        built["url"] = url
    if ok_status is not None:
        built["ok_status"] = ok_status
    return built


#: route name → (method, expectation). Personas in neither set are denied (403).
EXPECTED = {
    "web:home": ("get", row(ALL)),
    "accounts:login": ("get", row(ALL)),
    "accounts:logout": ("post", row(ALL)),
    "set_language": ("post", row(ALL)),
    "patients:list": ("get", row(SEARCHERS)),
    "patients:register": ("get", row(REGISTRARS)),
    "patients:export": ("get", row({"director_a"})),
    "patients:detail": ("get", row(SEARCHERS, hidden=SEARCHERS - CLINIC_A)),
    "patients:photo": ("get", row(SEARCHERS, hidden=SEARCHERS - CLINIC_A)),
    "patients:update": ("get", row(UPDATERS, hidden=UPDATERS - CLINIC_A)),
    "patients:unmask": ("post", row(UNMASKERS, hidden=UNMASKERS - CLINIC_A)),
    "registry:organisations": ("get", row(ALL)),
    "registry:organisation": ("get", row(ALL, hidden={"nurse_elsewhere"})),
    "core:audit": ("get", row(AUDITORS)),
    "core:audit_export": ("get", row(AUDITORS)),
}
SELF_GUARDED = {"admin", "api"}


def _app_rows() -> dict:
    """Rows contributed by each app's tests/matrix.py (so apps add routes without editing this file)."""
    rows: dict = {}
    for module in (
        "mmt.tests.matrix",
        "mmt.tests.matrix_episodes",
        "pharmacy.tests.matrix",
        "reports.tests.matrix",
        "labs.tests.matrix",
        "referrals.tests.matrix",
        "community.tests.matrix",
        "rehab.tests.matrix",
        "bulletins.tests.matrix",
        "datasets.tests.matrix",
        "indicators.tests.matrix",
        "inspections.tests.matrix",
        "capability.tests.matrix",
        "workforce.tests.matrix",
        "campaigns.tests.matrix",
        "evaluation.tests.matrix",
    ):
        rows.update(importlib.import_module(f"jiedu.{module}").ROWS)
    return rows


EXPECTED.update(_app_rows())


def walk(patterns, namespaces=()):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from walk(p.url_patterns, (*namespaces, p.namespace) if p.namespace else namespaces)
        elif isinstance(p, URLPattern):
            yield namespaces, (":".join((*namespaces, p.name)) if p.name else str(p.pattern)), p


def page_routes():
    """Every route except those under the admin site and the API, which enforce the policy themselves."""
    return [
        (name, p) for ns, name, p in walk(get_resolver().url_patterns) if not SELF_GUARDED.intersection(ns)
    ]


def test_every_page_route_names_a_policy_action():
    missing = [name for name, p in page_routes() if not getattr(p.callback, "policy_action", None)]
    assert missing == []


def test_every_page_route_has_a_row_in_the_matrix():
    assert {name for name, _ in page_routes()} == set(EXPECTED)


def test_public_routes_are_exactly_the_sign_in_pages():
    public = {name for name, p in page_routes() if p.callback.policy_action == PUBLIC}
    assert public == {"accounts:login", "accounts:logout", "set_language"}


def snapshot():
    skip = {AuditEntry, AuditHead, apps.get_model("sessions", "Session")}
    return {m._meta.label: m._default_manager.count() for m in apps.get_models() if m not in skip}


@pytest.fixture
def subject(world):
    person = services.person_register(
        actor=world.nurse_a,
        name="张三丰",
        sex="M",
        birth_date=dt.date(1979, 3, 8),
        id_number=make_id_number(birth=dt.date(1979, 3, 8), seq=37),
        photo=services.PhotoUpload(file=io.BytesIO(jpeg_bytes()), size=len(jpeg_bytes())),
    ).person
    return {"person": person, "kwargs": {"pk": person.pk}, "org_kwargs": {"pk": world.clinic_a.pk}}


def url_for(name, subject, world=None):
    build = EXPECTED[name][1].get("url")
    if build is not None:  # an app's row builds its own URL (and any object it needs) from the world
        return build(world, subject)
    if name.startswith("patients:") and name not in {"patients:list", "patients:register", "patients:export"}:
        return reverse(name, kwargs=subject["kwargs"])
    if name == "registry:organisation":
        return reverse(name, kwargs=subject["org_kwargs"])
    return reverse(name)


@pytest.mark.parametrize("route", sorted(EXPECTED))
def test_matrix(route, world, subject, client):
    method, expected = EXPECTED[route]
    url = url_for(route, subject, world)
    person = subject["person"]
    mismatches = []
    for persona in sorted(ALL):
        client.force_login(world.users[persona])
        before, audit_before = snapshot(), AuditEntry.objects.count()
        response = getattr(client, method)(url, {"language": "en"} if route == "set_language" else {})
        if persona in expected["ok"]:
            want = 302 if method == "post" and route in {"accounts:logout", "set_language"} else 200
            want = expected.get("ok_status", want)
        elif persona in expected["hidden"]:
            want = 404
        else:
            want = 403
        if response.status_code != want:
            mismatches.append((persona, response.status_code, want))
            continue
        if want == 400 and snapshot() != before:
            mismatches.append((persona, "changed data on bad input"))
        if want in (403, 404):
            body = b"".join(response.streaming_content) if response.streaming else response.content
            if person.name.encode() in body or person.id_number_masked.encode() in body:
                mismatches.append((persona, "leaked the record"))
            if snapshot() != before:
                mismatches.append((persona, "changed data"))
            audit_added = list(
                AuditEntry.objects.filter(seq__gt=audit_before).values_list("action", "outcome")
            )
            if want == 403 and audit_added != [("access.denied", "denied")]:
                mismatches.append((persona, "audit", audit_added))
            if want == 404 and audit_added:
                mismatches.append((persona, "audit", audit_added))
        client.logout()
    assert mismatches == []


@pytest.mark.parametrize(
    "route", sorted(set(EXPECTED) - {"accounts:login", "accounts:logout", "set_language"})
)
def test_anonymous_is_sent_to_sign_in(route, world, subject, client):
    method, _ = EXPECTED[route]
    url = url_for(route, subject, world)  # may create the objects the route needs
    before = snapshot()
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert snapshot() == before


@pytest.mark.parametrize("persona", sorted(ALL))
def test_admin_is_for_system_administrators_only(persona, world, client):
    client.force_login(world.users[persona])
    for url in ("/admin/", "/admin/registry/organisation/", "/admin/accounts/user/"):
        response = client.get(url)
        if persona == "sysadmin":
            assert response.status_code == 200, url
        else:
            assert response.status_code == 302, url
            assert response["Location"].startswith("/admin/login/"), url
