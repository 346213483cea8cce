"""Reference data through the admin: scoped to the administrator's region, audited, never deleted."""

import pytest
from django.conf import settings

from jiedu.core.models import AuditEntry
from jiedu.registry.models import Organisation, OrganisationType

pytestmark = pytest.mark.django_db


def test_admin_lists_only_organisations_in_the_administrators_region(client, world):
    client.force_login(world.sysadmin)
    page = client.get("/admin/registry/organisation/").content.decode()
    assert "南安市美沙酮维持治疗门诊" in page
    assert "晋江市美沙酮门诊" not in page
    assert client.get(f"/admin/registry/organisation/{world.clinic_elsewhere.pk}/change/").status_code == 302


def test_admin_creates_a_dosing_point_with_its_clinic_and_audits_it(client, world):
    client.force_login(world.sysadmin)
    data = {
        "name": "官桥镇延伸服药点",
        "type": OrganisationType.DOSING_POINT,
        "region": "350583",
        "parent_clinic": world.clinic_a.pk,
        "credit_code": "",
        "address": "官桥镇",
        "latitude": "24.85",
        "longitude": "118.40",
        "contact_person": "",
        "phone": "",
        "email": "",
        "is_active": "on",
        "licences-TOTAL_FORMS": "0",
        "licences-INITIAL_FORMS": "0",
    }
    response = client.post("/admin/registry/organisation/add/", data)
    assert response.status_code == 302
    point = Organisation.objects.get(name="官桥镇延伸服药点")
    assert point.parent_clinic == world.clinic_a
    entry = AuditEntry.objects.get(action="registry.organisation.create")
    assert (entry.actor_id, entry.object_id) == (world.sysadmin.pk, str(point.pk))


def test_a_dosing_point_needs_an_mmt_clinic_as_parent(client, world):
    client.force_login(world.sysadmin)
    data = {
        "name": "无主服药点",
        "type": OrganisationType.DOSING_POINT,
        "region": "350583",
        "parent_clinic": "",
        "credit_code": "91350583MA2XXXXX0X",
        "address": "",
        "latitude": "",
        "longitude": "",
        "contact_person": "",
        "phone": "",
        "email": "",
        "is_active": "on",
        "licences-TOTAL_FORMS": "0",
        "licences-INITIAL_FORMS": "0",
    }
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.post("/admin/registry/organisation/add/", data).content.decode()
    assert "A dosing point belongs to exactly one MMT clinic: choose it." in page
    assert "Not a valid 18-character unified social credit code." in page
    assert not Organisation.objects.filter(name="无主服药点").exists()


def test_nothing_is_deleted_through_the_admin(client, world):
    client.force_login(world.sysadmin)
    assert client.get(f"/admin/registry/organisation/{world.clinic_a.pk}/delete/").status_code == 403
