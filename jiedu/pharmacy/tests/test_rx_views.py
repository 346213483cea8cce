"""Special prescriptions through the pages: write, print on the paper of the class (colour and marking checked in
the rendered PDF), dispense with a second person's signature, grant rights, destroy on the head's approval."""

import datetime as dt
import shutil
from decimal import Decimal

import pytest
from django.urls import reverse
from PIL import Image

from jiedu.core import clock
from jiedu.mmt.tests.conftest import register
from jiedu.pharmacy import prescribing, services
from jiedu.pharmacy.models import (
    Drug,
    EntryKind,
    LedgerEntry,
    PrescribingRight,
    Prescription,
    PrescriptionStatus,
    Store,
    StoreKeeper,
)
from jiedu.testing import PASSWORD, build_clinic_stock, poppler

pytestmark = pytest.mark.django_db

NOV_20 = dt.datetime(2026, 11, 20, 9, 30, tzinfo=clock.SHANGHAI)


@pytest.fixture
def setup(world, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOV_20)
    build_clinic_stock(world, quantity="100")
    store = Store.objects.create(organisation=world.clinic_a, name="门诊药房麻精药品柜", kind="dispensing")
    StoreKeeper.objects.create(
        store=store, user=world.keeper_a, appointed_by=world.director_a, appointed_on=dt.date(2026, 1, 1)
    )
    for code, quantity in (("morphine-sulfate-sr-tablet", "100"), ("diazepam-tablet", "100")):
        services.stock_receive(
            actor=world.keeper_a, witness=world.nurse_a, store=store,
            line=services.ReceiptLine(drug=Drug.objects.get(code=code), batch_no=f"{code[:4]}-1",
                                      expiry=dt.date(2028, 1, 31), maker="东北制药", quantity=Decimal(quantity)),
            voucher="PS-1", supplier="国药控股福建有限公司", quality="合格",
        )  # fmt: skip
    for scope in ("narcotic_psychotropic_1", "psychotropic_2"):
        prescribing.right_grant(
            actor=world.director_a, user=world.doctor_a, scope=scope, training="培训考核合格"
        )
    return {"store": store, "person": register(world)}


def login(client, user):
    client.force_login(user)
    client.cookies["django_language"] = "en"


def write(world, person, code, daily="2", days=7):
    return prescribing.prescription_write(
        actor=world.doctor_a, person=person, drug=Drug.objects.get(code=code), daily_quantity=Decimal(daily),
        days=days, diagnosis="癌痛", directions="每12小时一次，每次1片，口服",
    )  # fmt: skip


def test_a_doctor_writes_from_the_patients_page(world, setup, client):
    login(client, world.doctor_a)
    person = setup["person"]
    page = client.get(reverse("patients:detail", args=[person.pk]))
    assert f"{reverse('pharmacy:rx_write')}?person={person.pk}" in page.content.decode()
    url = f"{reverse('pharmacy:rx_write')}?person={person.pk}"
    data = {
        "drug": Drug.objects.get(code="morphine-sulfate-sr-tablet").pk,
        "daily_quantity": "2",
        "days": "8",
        "directions": "每12小时一次，每次1片，口服",
        "diagnosis": "癌痛",
    }
    refused = client.post(url, data)
    assert refused.status_code == 400
    assert refused.context["form"].errors == {
        "days": ["One prescription of 硫酸吗啡缓释片 30 mg may supply at most 7 day(s); this one asks for 8."]
    }
    response = client.post(url, {**data, "days": "7"}, follow=True)
    rx = Prescription.objects.get()
    assert response.redirect_chain == [(reverse("pharmacy:rx_detail", args=[rx.pk]), 302)]
    body = response.content.decode()
    assert 'class="rx-paper rx-red"' in body and '<div class="rx-mark">麻、精一</div>' in body
    assert "硫酸吗啡缓释片 30 mg × 14 片" in body


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils is installed by .ci/run")
def test_the_printed_paper_is_light_red_for_narcotics_and_white_for_class_two(world, setup, client, tmp_path):
    login(client, world.doctor_a)
    red = write(world, setup["person"], "morphine-sulfate-sr-tablet")
    white = write(world, setup["person"], "diazepam-tablet", daily="1")
    colours = {}
    for rx in (red, white):
        response = client.get(reverse("pharmacy:rx_detail", args=[rx.pk]), {"format": "pdf"})
        assert response["Content-Type"] == "application/pdf"
        pdf = tmp_path / f"{rx.number}.pdf"
        pdf.write_bytes(response.content)
        text = poppler("pdftotext", "-layout", str(pdf), "-")
        assert rx.mark in text and rx.number in text and "张三丰" in text
        poppler("pdftoppm", "-r", "50", "-png", "-singlefile", str(pdf), str(tmp_path / rx.number))
        image = Image.open(tmp_path / f"{rx.number}.png").convert("RGB")
        colours[rx.paper] = image.getpixel(
            (image.width * 85 // 100, image.height // 2)
        )  # inside the paper, no text
    assert "麻醉药品和第一类精神药品处方" in poppler("pdftotext", str(tmp_path / f"{red.number}.pdf"), "-")
    assert "第二类精神药品处方" in poppler("pdftotext", str(tmp_path / f"{white.number}.pdf"), "-")
    r, g, b = colours["red"]
    assert r > 240 and g < 235 and b < 235  # light red: #fbe3e4
    assert colours["white"] == (255, 255, 255)


def test_the_pharmacy_dispenses_with_a_second_signature(world, setup, client):
    rx = write(world, setup["person"], "morphine-sulfate-sr-tablet")
    login(client, world.keeper_a)
    url = reverse("pharmacy:rx_detail", args=[rx.pk])
    data = {"store": setup["store"].pk, "witness": world.nurse_a.pk, "witness_password": "wrong"}
    assert client.post(url, data).status_code == 400
    assert not LedgerEntry.objects.filter(kind=EntryKind.DISPENSING).exists()
    response = client.post(url, {**data, "witness_password": PASSWORD}, follow=True)
    assert [str(m) for m in response.context["messages"]] == [f"Prescription {rx.number} dispensed."]
    entry = LedgerEntry.objects.get(kind=EntryKind.DISPENSING)
    assert (entry.quantity, entry.voucher, entry.recorded_by, entry.witness) == (
        Decimal("-14.00"),
        rx.number,
        world.keeper_a,
        world.nurse_a,
    )
    assert Prescription.objects.get().status == PrescriptionStatus.DISPENSED
    assert client.post(url, {**data, "witness_password": PASSWORD}).status_code == 403  # once only


def test_the_head_grants_rights_and_approves_destruction_with_a_password(world, setup, client, monkeypatch):
    login(client, world.director_a)
    response = client.get(reverse("pharmacy:rx_rights"))
    assert [r.get_scope_display() for r in response.context["rights"]] == [
        "Narcotics and class-I psychotropics (麻醉药品、第一类精神药品)",
        "Class-II psychotropics (第二类精神药品)",
    ]
    old = write(world, setup["person"], "diazepam-tablet", daily="1")
    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2028, 12, 1, 9, 0, tzinfo=clock.SHANGHAI))
    login(client, world.keeper_a)
    page = client.get(reverse("pharmacy:rx_destroy"))
    assert [rx.number for rx in page.context["due"]] == [old.number]
    data = {
        "numbers": [old.number],
        "method": "碎纸机粉碎",
        "approver": world.director_a.pk,
        "approver_password": "wrong",
    }
    refused = client.post(reverse("pharmacy:rx_destroy"), data)
    assert refused.context["form"].errors == {"approver_password": ["This is not director_a's password."]}
    client.post(reverse("pharmacy:rx_destroy"), {**data, "approver_password": PASSWORD})
    old.refresh_from_db()
    assert (old.destruction.approved_by, old.destruction.method) == (world.director_a, "碎纸机粉碎")
    assert PrescribingRight.objects.count() == 2
