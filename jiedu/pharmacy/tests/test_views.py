"""The stock pages: balances, and receipt / transfer / waste / day close through the forms."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from jiedu.accounts.models import Role, RoleAssignment, User
from jiedu.core import clock
from jiedu.pharmacy.models import DayClose, DayCloseLine, LedgerEntry, StockBalance
from jiedu.testing import PASSWORD, build_clinic_stock

pytestmark = pytest.mark.django_db

NOV_20 = dt.datetime(2026, 11, 20, 17, 0, tzinfo=clock.SHANGHAI)


@pytest.fixture
def stores(world, monkeypatch):
    stores = build_clinic_stock(world)
    monkeypatch.setattr(clock, "now", lambda: NOV_20)
    return stores


def login(client, user):
    client.force_login(user)
    client.cookies["django_language"] = "en"


def quantities(store):
    return {
        b.batch.batch_no: b.quantity for b in StockBalance.objects.filter(store=store).select_related("batch")
    }


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def batch_of(world, org):
    return f"MS{org.pk:04d}"


def test_stock_page_shows_the_clinic_and_its_dosing_point(world, stores, client):
    login(client, world.keeper_a)
    response = client.get(reverse("pharmacy:stock"))
    assert response.status_code == 200
    overview = response.context["overview"]
    assert [
        (r.store.organisation.name, [b.balance.quantity for b in r.balances]) for r in overview.stores
    ] == [
        ("南安市美沙酮维持治疗门诊", [Decimal("5000.00")]),
        ("溪美街道延伸服药点", [Decimal("5000.00")]),
    ]
    assert [(e.kind, e.recorded_by.username, e.witness.username) for e in overview.entries] == [
        ("receipt", "nurse_point_a", "keeper_a"),
        ("receipt", "keeper_a", "nurse_a"),
    ]
    body = response.content.decode()
    assert "Expires within" not in body and "No day close recorded yet." in body


def test_a_dosing_point_sees_only_its_own_store(world, stores, client):
    login(client, world.nurse_point_a)
    overview = client.get(reverse("pharmacy:stock")).context["overview"]
    assert [r.store.organisation for r in overview.stores] == [world.dosing_point_a]


def test_expiry_within_90_days_is_flagged(world, stores, client, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2028, 4, 2, 9, 0, tzinfo=clock.SHANGHAI))
    login(client, world.keeper_a)
    response = client.get(reverse("pharmacy:stock"))
    assert response.content.decode().count("Expires within 90 days") == 2


def test_stock_page_queries_do_not_grow_with_entries(world, stores, client, django_assert_num_queries):
    login(client, world.keeper_a)
    client.get(reverse("pharmacy:stock"))
    for _ in range(5):
        client.post(
            reverse("pharmacy:waste"),
            {
                "store": stores[world.clinic_a.pk].pk,
                "batch": StockBalance.objects.get(store=stores[world.clinic_a.pk]).batch_id,
                "quantity": "1",
                "reason": "洒落",
                "witness": world.nurse_a.pk,
                "witness_password": PASSWORD,
            },
        )
    # session, user, organisation, roles; the regional expiry-warning rule; stores, balances, ledger;
    # the session save (messages) → 11
    with django_assert_num_queries(11):
        response = client.get(reverse("pharmacy:stock"))
    assert len(response.context["overview"].entries) == 7


def receipt(world, store, **overrides):
    data = {
        "store": store.pk,
        "drug": store.balances.get().batch.drug_id,
        "batch_no": "MS2026-11",
        "expiry": "2028-12-31",
        "maker": "国药集团",
        "concentration": "1",
        "quantity": "1000",
        "voucher": "RK-0001",
        "supplier": "国药控股福建有限公司",
        "quality": "验收合格",
        "witness": world.nurse_a.pk,
        "witness_password": PASSWORD,
    }
    return {**data, **overrides}


def test_receipt_through_the_page(world, stores, client):
    store = stores[world.clinic_a.pk]
    login(client, world.keeper_a)
    response = client.post(reverse("pharmacy:receive"), receipt(world, store), follow=True)
    assert messages_of(response) == [
        "Received 1000.00 mL of batch MS2026-11 into 南安市美沙酮维持治疗门诊 · 发药柜."
    ]
    assert quantities(store) == {
        batch_of(world, world.clinic_a): Decimal("5000.00"),
        "MS2026-11": Decimal("1000.00"),
    }
    entry = LedgerEntry.objects.get(batch__batch_no="MS2026-11")
    assert (entry.recorded_by, entry.witness, entry.voucher, entry.detail) == (
        world.keeper_a,
        world.nurse_a,
        "RK-0001",
        {
            "supplier": "国药控股福建有限公司",
            "quality": "验收合格",
            "packages": "1000",
            "seal_card": f"闽麻精印{world.clinic_a.pk:06d}",
        },
    )


def test_the_witness_select_lists_colleagues_but_not_the_user(world, stores, client):
    login(client, world.keeper_a)
    form = client.get(reverse("pharmacy:receive")).context["form"]
    assert [label for _v, label in form.fields["witness"].widget.choices] == [
        "---------",
        "director_a",
        "doctor_a",
        "nurse_a",
    ]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"witness": "me"}, "witness", "The witness must be another person, not the one recording."),
        (
            {"expiry": "2026-11-01"},
            "expiry",
            "This batch has expired (2026-11-01); expired stock is not received.",
        ),
        ({"quantity": "0"}, "quantity", "Enter a quantity greater than zero."),
        ({"batch_no": ""}, "batch_no", "This field is required."),
        ({"supplier": ""}, "supplier", "This field is required."),
        ({"voucher": ""}, "voucher", "This field is required."),
        ({"quality": " "}, "quality", "This field is required."),
    ],
)
def test_bad_receipt_is_refused_beside_the_field(world, stores, client, overrides, field, message):
    store = stores[world.clinic_a.pk]
    login(client, world.keeper_a)
    if overrides.get("witness") == "me":
        overrides = {"witness": world.keeper_a.pk}
    before = LedgerEntry.objects.count()
    response = client.post(reverse("pharmacy:receive"), receipt(world, store, **overrides))
    assert response.status_code == 400
    assert response.context["form"].errors == {field: [message]}
    assert message in response.content.decode()
    assert LedgerEntry.objects.count() == before


def test_transfer_to_the_dosing_point(world, stores, client):
    clinic, point = stores[world.clinic_a.pk], stores[world.dosing_point_a.pk]
    batch = clinic.balances.get().batch
    login(client, world.keeper_a)
    data = {
        "source": clinic.pk,
        "target": point.pk,
        "batch": batch.pk,
        "quantity": "300",
        "witness": world.nurse_point_a.pk,
        "witness_password": PASSWORD,
    }
    response = client.post(reverse("pharmacy:transfer"), data, follow=True)
    assert messages_of(response) == [
        f"Transferred 300.00 mL of batch {batch.batch_no} from 南安市美沙酮维持治疗门诊 · 发药柜 "
        "to 溪美街道延伸服药点 · 发药柜."
    ]
    assert quantities(clinic) == {batch.batch_no: Decimal("4700.00")}
    assert quantities(point) == {
        batch.batch_no: Decimal("300.00"),
        batch_of(world, world.dosing_point_a): Decimal("5000.00"),
    }


def test_transfer_of_more_than_held_is_refused(world, stores, client):
    clinic, point = stores[world.clinic_a.pk], stores[world.dosing_point_a.pk]
    batch = clinic.balances.get().batch
    login(client, world.keeper_a)
    data = {
        "source": clinic.pk,
        "target": point.pk,
        "batch": batch.pk,
        "quantity": "6000",
        "witness": world.nurse_point_a.pk,
        "witness_password": PASSWORD,
    }
    response = client.post(reverse("pharmacy:transfer"), data)
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "quantity": [
            f"Not enough stock of batch {batch.batch_no} in 发药柜: 5000.00 mL left, 6000.00 needed."
        ]
    }
    assert quantities(clinic) == {batch.batch_no: Decimal("5000.00")}
    assert LedgerEntry.objects.filter(kind__in=["transfer_in", "transfer_out"]).count() == 0


def test_waste_through_the_page(world, stores, client):
    store = stores[world.clinic_a.pk]
    batch = store.balances.get().batch
    login(client, world.nurse_a)
    data = {
        "store": store.pk,
        "batch": batch.pk,
        "quantity": "2.5",
        "reason": "发药时洒落",
        "witness": world.keeper_a.pk,
        "witness_password": PASSWORD,
    }
    response = client.post(reverse("pharmacy:waste"), data, follow=True)
    assert messages_of(response) == [
        f"Recorded 2.50 mL of batch {batch.batch_no} as waste in 南安市美沙酮维持治疗门诊 · 发药柜."
    ]
    assert quantities(store) == {batch.batch_no: Decimal("4997.50")}
    response = client.post(
        reverse("pharmacy:waste"),
        {**data, "reason": "", "witness": world.nurse_a.pk, "witness_password": PASSWORD},
    )
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "witness": ["The witness must be another person, not the one recording."]
    }
    assert quantities(store) == {batch.batch_no: Decimal("4997.50")}


def test_day_close_count_is_blind_and_shows_the_variance(world, stores, client):
    store = stores[world.clinic_a.pk]
    batch = store.balances.get().batch
    login(client, world.keeper_a)
    response = client.get(reverse("pharmacy:dayclose"), {"store": store.pk})
    field = f"count_{batch.pk}"
    assert list(response.context["form"].fields) == [
        "kind",
        "day",
        field,
        "witness",
        "witness_password",
        "note",
    ]
    html = response.content.decode()
    count_input = html[html.index(f'name="{field}"') - 80 : html.index(f'name="{field}"') + 120]
    assert "value=" not in count_input and "5000" not in html
    data = {
        "store": store.pk,
        "kind": "day_close",
        "day": "2026-11-20",
        field: "4999.5",
        "witness": world.nurse_a.pk,
        "witness_password": PASSWORD,
        "note": "",
    }
    response = client.post(reverse("pharmacy:dayclose"), data, follow=True)
    assert messages_of(response) == [
        "The count differs from the book: an investigation is open and a shortfall has been reported."
    ]
    close = DayClose.objects.get()
    assert (close.store, close.day, close.has_variance, close.counted_by, close.witness) == (
        store,
        dt.date(2026, 11, 20),
        True,
        world.keeper_a,
        world.nurse_a,
    )
    assert list(DayCloseLine.objects.values_list("book_quantity", "counted_quantity", "variance")) == [
        (Decimal("5000.00"), Decimal("4999.50"), Decimal("0.50"))
    ]
    assert response.redirect_chain == [(reverse("pharmacy:dayclose_detail", args=[close.pk]), 302)]
    body = response.content.decode()
    assert f'<tr id="line-{batch.pk}" class="stock-variance">' in body and "Flagged" in body
    assert quantities(store) == {batch.batch_no: Decimal("5000.00")}  # recorded, never adjusted
    stock = client.get(reverse("pharmacy:stock")).content.decode()
    assert (
        "Last day close: 2026-11-20, counted by keeper_a and nurse_a." in stock and "Variance found" in stock
    )


def test_day_close_without_variance_and_closing_twice(world, stores, client):
    store = stores[world.dosing_point_a.pk]
    batch = store.balances.get().batch
    login(client, world.nurse_point_a)
    data = {
        "store": store.pk,
        "kind": "day_close",
        "day": "2026-11-20",
        f"count_{batch.pk}": "5000",
        "witness": "",
        "witness_password": "x" * 20,
    }
    response = client.post(reverse("pharmacy:dayclose"), data)
    assert response.status_code == 400 and response.context["form"].errors == {
        "witness": ["This field is required."]
    }
    colleague = User.objects.create_user(
        username="pharm_point", password="x" * 20, organisation=world.dosing_point_a
    )
    RoleAssignment.objects.create(user=colleague, role=Role.PHARMACIST)
    response = client.post(reverse("pharmacy:dayclose"), {**data, "witness": colleague.pk}, follow=True)
    assert messages_of(response) == ["The count matches the book."]
    response = client.post(reverse("pharmacy:dayclose"), {**data, "witness": colleague.pk})
    assert response.status_code == 400
    assert response.context["form"].errors == {"day": ["This store's day is already closed."]}
    assert DayClose.objects.count() == 1


def test_day_close_witness_cannot_be_the_user(world, stores, client):
    store = stores[world.clinic_a.pk]
    batch = store.balances.get().batch
    login(client, world.keeper_a)
    data = {
        "store": store.pk,
        "kind": "day_close",
        "day": "2026-11-20",
        f"count_{batch.pk}": "5000",
        "witness": world.keeper_a.pk,
        "witness_password": PASSWORD,
    }
    response = client.post(reverse("pharmacy:dayclose"), data)
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "witness": ["The witness must be another person, not the one recording."]
    }
    assert DayClose.objects.count() == 0


def test_a_store_of_another_clinic_cannot_be_chosen(world, stores, client):
    login(client, world.keeper_a)
    data = receipt(world, stores[world.clinic_b.pk])
    response = client.post(reverse("pharmacy:receive"), data)
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["store"]
    assert quantities(stores[world.clinic_b.pk]) == {batch_of(world, world.clinic_b): Decimal("5000.00")}


def test_a_doctor_views_stock_but_cannot_record_movements(world, stores, client):
    login(client, world.doctor_a)
    assert client.get(reverse("pharmacy:stock")).status_code == 200
    assert "Record waste" not in client.get(reverse("pharmacy:stock")).content.decode()
    assert client.get(reverse("pharmacy:waste")).status_code == 403
