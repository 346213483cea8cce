import pytest

from jiedu.core.models import AuditEntry
from jiedu.testing import PASSWORD

pytestmark = pytest.mark.django_db


def test_administrator_sets_a_password_and_it_is_audited(client, world):
    client.force_login(world.sysadmin)
    url = f"/admin/accounts/user/{world.nurse_a.pk}/password/"
    response = client.post(
        url,
        {
            "password1": "river-heron-lantern-42",
            "password2": "river-heron-lantern-42",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    world.nurse_a.refresh_from_db()
    assert world.nurse_a.check_password("river-heron-lantern-42")
    entry = AuditEntry.objects.get(action="accounts.user.password_set")
    assert (entry.actor_id, entry.object_id) == (world.sysadmin.pk, str(world.nurse_a.pk))
    assert "river-heron" not in str(entry.detail)


def test_a_weak_password_is_refused_and_nothing_is_audited(client, world):
    client.force_login(world.sysadmin)
    url = f"/admin/accounts/user/{world.nurse_a.pk}/password/"
    response = client.post(url, {"password1": "short1", "password2": "short1", "usable_password": "true"})
    assert response.status_code == 200
    world.nurse_a.refresh_from_db()
    assert world.nurse_a.check_password(PASSWORD)
    assert not AuditEntry.objects.filter(action="accounts.user.password_set").exists()


def test_a_role_the_organisation_type_cannot_hold_is_refused(client, world):
    client.force_login(world.sysadmin)
    user = world.users["police"]
    data = {
        "username": user.username,
        "full_name": "",
        "email": "",
        "organisation": user.organisation_id,
        "is_active": "on",
        "locked_until": "",
        "role_assignments-TOTAL_FORMS": "2",
        "role_assignments-INITIAL_FORMS": "1",
        "role_assignments-0-id": user.role_assignments.get().pk,
        "role_assignments-0-user": user.pk,
        "role_assignments-0-role": "police_liaison",
        "role_assignments-1-user": user.pk,
        "role_assignments-1-role": "doctor",
    }
    client.cookies["django_language"] = "en"
    response = client.post(f"/admin/accounts/user/{user.pk}/change/", data)
    assert response.status_code == 200
    assert "This role cannot be held in an organisation of this type." in response.content.decode()
    assert list(user.role_assignments.values_list("role", flat=True)) == ["police_liaison"]
