"""The custody page: the head appoints keepers, sets the two key holders, registers seal cards and equipment;
staff and inspectors read it; the seal card's use report comes from the ledgers."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from jiedu.core import clock
from jiedu.pharmacy.models import EquipmentCheck, RegulatedEquipment, SealCard, Store, StoreKeeper
from jiedu.testing import build_clinic_stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def stores(world, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2026, 11, 20, 9, 0, tzinfo=clock.SHANGHAI))
    return build_clinic_stock(world, quantity="500")


def login(client, user):
    client.force_login(user)
    client.cookies["django_language"] = "en"


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def test_the_head_appoints_a_keeper_sets_two_keys_and_ends_an_appointment(world, stores, client):
    login(client, world.director_a)
    vault = Store.objects.create(organisation=world.clinic_a, name="麻醉药品专库", kind="strong_room")
    url = reverse("pharmacy:custody")
    response = client.post(
        url, {"action": "keeper", "keeper-store": vault.pk, "keeper-user": world.keeper_a.pk}, follow=True
    )
    assert messages_of(response) == ["keeper_a now keeps 南安市美沙酮维持治疗门诊 · 麻醉药品专库."]
    refused = client.post(
        url,
        {"action": "key_holders", "key_holders-store": vault.pk, "key_holders-key_holder_a": world.keeper_a.pk,
         "key_holders-key_holder_b": world.keeper_a.pk},
    )  # fmt: skip
    assert refused.status_code == 400
    assert refused.context["forms"]["key_holders"].errors == {
        "key_holder_b": ["The two keys are held by two different people."]
    }
    client.post(
        url,
        {"action": "key_holders", "key_holders-store": vault.pk, "key_holders-key_holder_a": world.keeper_a.pk,
         "key_holders-key_holder_b": world.director_a.pk},
    )  # fmt: skip
    vault.refresh_from_db()
    assert (vault.key_holder_a, vault.key_holder_b) == (world.keeper_a, world.director_a)
    keeper = StoreKeeper.objects.get(store=vault)
    client.post(url, {"action": "end_keeper", "keeper": keeper.pk})
    keeper.refresh_from_db()
    assert keeper.ended_on == dt.date(2026, 11, 20)


def test_staff_and_inspectors_read_but_do_not_manage(world, stores, client):
    login(client, world.keeper_a)
    page = client.get(reverse("pharmacy:custody"))
    assert page.context["manage"] is False and "Appoint a keeper" not in page.content.decode()
    response = client.post(reverse("pharmacy:custody"), {"action": "seal_card", "seal_card-number": "X"})
    assert response.status_code == 403
    login(client, world.inspector)
    page = client.get(reverse("pharmacy:custody"))
    assert sorted(c.number for c, _days in page.context["cards"]) == sorted(
        SealCard.objects.values_list("number", flat=True)
    )
    assert not SealCard.objects.filter(number="X").exists()


def test_seal_card_and_equipment_registered_and_checked(world, stores, client):
    login(client, world.director_a)
    url = reverse("pharmacy:custody")
    data = {"action": "seal_card", "seal_card-number": "闽泉麻精印-2027-0001", "seal_card-issuer": "泉州市卫生健康委员会",
            "seal_card-valid_from": "2028-01-01", "seal_card-valid_to": "2027-12-31"}  # fmt: skip
    refused = client.post(url, data)
    assert refused.context["forms"]["seal_card"].errors == {
        "valid_to": ["The card's validity ends after it starts."]
    }
    client.post(url, {**data, "seal_card-valid_to": "2030-12-31"})
    assert SealCard.objects.filter(number="闽泉麻精印-2027-0001", organisation=world.clinic_a).exists()
    client.post(
        url,
        {"action": "equipment", "equipment-kind": "nmr_spectrometer", "equipment-name": "核磁共振波谱仪",
         "equipment-serial_no": "NMR-400-0093", "equipment-location": "检验科二楼", "equipment-custodian":
         world.keeper_a.pk, "equipment-model": "AVANCE 400"},
    )  # fmt: skip
    item = RegulatedEquipment.objects.get()
    response = client.post(
        url,
        {
            "action": "check",
            "check-equipment": item.pk,
            "check-status_found": "sealed",
            "check-note": "封条完好",
        },
        follow=True,
    )
    assert messages_of(response)[-1] == "Check recorded."
    refused = client.post(
        url, {"action": "check", "check-equipment": item.pk, "check-status_found": "in_use"}
    )
    assert refused.context["forms"]["check"].errors == {"note": ["Describe what was not in order."]}
    assert list(EquipmentCheck.objects.values_list("status_found", "in_order", "note")) == [
        ("sealed", False, "封条完好")
    ]


def test_the_use_report_for_renewal(world, stores, client):
    card = SealCard.objects.get(organisation=world.clinic_a)
    login(client, world.director_a)
    page = client.get(reverse("pharmacy:seal_card_use", args=[card.pk]))
    rows = [(r["drug"].code, r["received"], r["used"], r["held"]) for r in page.context["report"].rows]
    # clinic A and its dosing point each received 500 mL of methadone on the card
    assert rows == [("methadone-oral-solution", Decimal("1000.00"), Decimal("0"), Decimal("1000.00"))]
    pdf = client.get(reverse("pharmacy:seal_card_use", args=[card.pk]), {"format": "pdf"})
    assert pdf.content.startswith(b"%PDF-")
