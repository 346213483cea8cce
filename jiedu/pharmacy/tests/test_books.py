"""The witness signs with their own password; issue, loss, count and investigation through the pages; the books
(statement, register, alerts) read by the institution and by the county's inspector."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from jiedu.accounts.models import User
from jiedu.core import clock
from jiedu.core.models import AuditEntry
from jiedu.pharmacy import alerts, services
from jiedu.pharmacy.models import (
    CountKind,
    DayClose,
    Drug,
    EntryKind,
    LedgerEntry,
    SealCard,
    StockBalance,
    StockVariance,
    Store,
    StoreKeeper,
)
from jiedu.reports.models import Report
from jiedu.testing import PASSWORD, build_clinic_stock

pytestmark = pytest.mark.django_db

NOV_20 = dt.datetime(2026, 11, 20, 10, 0, tzinfo=clock.SHANGHAI)


@pytest.fixture
def stores(world, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOV_20)
    return build_clinic_stock(world, quantity="1000")


@pytest.fixture
def vault(world, stores):
    """Clinic A's strong room, kept by keeper_a, holding 100 tablets of morphine (batch MS2611)."""
    store = Store.objects.create(organisation=world.clinic_a, name="麻醉药品专库", kind="strong_room")
    StoreKeeper.objects.create(
        store=store, user=world.keeper_a, appointed_by=world.director_a, appointed_on=dt.date(2026, 1, 1)
    )
    services.stock_receive(
        actor=world.keeper_a,
        witness=world.nurse_a,
        store=store,
        line=services.ReceiptLine(
            drug=Drug.objects.get(code="morphine-sulfate-sr-tablet"),
            batch_no="MS2611",
            expiry=dt.date(2027, 1, 31),
            maker="萌蒂制药",
            quantity=Decimal("100"),
        ),
        voucher="PS-1120",
        supplier="国药控股福建有限公司",
        quality="合格",
    )
    return store


def login(client, user):
    client.force_login(user)
    client.cookies["django_language"] = "en"


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def issue_data(world, vault, **overrides):
    return {
        "store": vault.pk,
        "batch": StockBalance.objects.get(store=vault).batch_id,
        "quantity": "20",
        "department": "肿瘤科病房",
        "voucher": "LY-20261120-1",
        "witness": world.nurse_a.pk,
        "witness_password": PASSWORD,
        **overrides,
    }


def test_a_witness_who_does_not_sign_leaves_nothing_written(world, vault, client):
    login(client, world.keeper_a)
    before = LedgerEntry.objects.count()
    response = client.post(reverse("pharmacy:issue"), issue_data(world, vault, witness_password="guess"))
    assert response.status_code == 400
    assert response.context["form"].errors == {"witness_password": ["This is not nurse_a's password."]}
    response = client.post(reverse("pharmacy:issue"), issue_data(world, vault, witness_password=""))
    assert response.context["form"].errors == {
        "witness_password": ["The witness signs by entering their own password."]
    }
    assert LedgerEntry.objects.count() == before
    assert User.objects.get(pk=world.nurse_a.pk).failed_login_count == 1  # counts towards the witness's lock
    assert list(
        AuditEntry.objects.filter(action="auth.countersign").values_list("actor_username", "outcome")
    ) == [("nurse_a", "failure")]


def test_an_issue_to_a_department_signed_by_its_receiver(world, vault, client):
    login(client, world.keeper_a)
    response = client.post(reverse("pharmacy:issue"), issue_data(world, vault), follow=True)
    assert messages_of(response) == ["Issued 20.00 片 of 硫酸吗啡缓释片, batch MS2611, to 肿瘤科病房."]
    entry = LedgerEntry.objects.get(kind=EntryKind.ISSUE)
    assert (
        entry.quantity,
        entry.balance_after,
        entry.recorded_by,
        entry.witness,
        entry.voucher,
        entry.detail,
    ) == (
        Decimal("-20.00"),
        Decimal("80.00"),
        world.keeper_a,
        world.nurse_a,
        "LY-20261120-1",
        {"department": "肿瘤科病房"},
    )
    assert (
        AuditEntry.objects.filter(
            action="auth.countersign", outcome="success", actor_username="nurse_a"
        ).count()
        == 1
    )


def test_a_theft_through_the_page_is_reported(world, vault, client):
    login(client, world.keeper_a)
    data = {
        "store": vault.pk,
        "batch": StockBalance.objects.get(store=vault).batch_id,
        "quantity": "10",
        "kind": "theft",
        "account": "专库门锁被撬，已报警并封存现场",
        "witness": world.director_a.pk,
        "witness_password": PASSWORD,
    }
    response = client.post(reverse("pharmacy:loss"), data, follow=True)
    assert messages_of(response) == [
        "Booked out and reported to the police, the drug regulator and the health authority."
    ]
    assert StockBalance.objects.get(store=vault).quantity == Decimal("90.00")
    assert Report.objects.get().kind == "stock_loss"


def test_a_monthly_count_through_the_page_and_its_investigation(world, vault, client):
    login(client, world.keeper_a)
    batch = StockBalance.objects.get(store=vault).batch
    data = {
        "store": vault.pk,
        "kind": "monthly",
        "day": "2026-11-20",
        f"count_{batch.pk}": "97",
        "witness": world.director_a.pk,
        "witness_password": PASSWORD,
        "note": "",
    }
    response = client.post(reverse("pharmacy:dayclose"), data, follow=True)
    assert messages_of(response) == [
        "The count differs from the book: an investigation is open and a shortfall has been reported."
    ]
    close = DayClose.objects.get(store=vault)
    assert (close.kind, close.has_variance) == (CountKind.MONTHLY, True)
    variance = close.variance_record
    page = client.get(reverse("pharmacy:variance_detail", args=[variance.pk]))
    assert "Close the investigation" in page.content.decode()
    response = client.post(
        reverse("pharmacy:variance_detail", args=[variance.pk]),
        {
            "finding": "loss",
            "account": "经调查为破损丢弃未登记，按丢失处理",
            "witness": world.director_a.pk,
            "witness_password": PASSWORD,
        },
        follow=True,
    )
    assert messages_of(response) == ["The investigation is closed."]
    assert '<dd id="variance-finding">Loss</dd>' in response.content.decode()
    assert StockBalance.objects.get(store=vault).quantity == Decimal("97.00")
    assert StockVariance.objects.get().status == "closed"
    # Closed: the form is gone and a second close is refused as a denial, not a write.
    response = client.post(
        reverse("pharmacy:variance_detail", args=[variance.pk]),
        {"finding": "theft", "account": "x", "witness": world.director_a.pk, "witness_password": PASSWORD},
    )
    assert response.status_code == 403
    assert LedgerEntry.objects.filter(kind=EntryKind.LOSS).count() == 1


def test_the_county_inspector_reads_and_downloads_the_monthly_statement(world, vault, client):
    login(client, world.inspector)
    page = client.get(reverse("pharmacy:statement"), {"institution": world.clinic_a.pk, "month": "2026-11"})
    assert [i.name for i in page.context["institutions"]] == sorted(
        [world.clinic_a.name, world.clinic_b.name]
    )  # the county's institutions, not the other county's
    rows = {r.drug.code: (r.opening, r.received, r.closing) for r in page.context["statement"].rows}
    assert rows == {
        "methadone-oral-solution": (Decimal("0"), Decimal("2000.00"), Decimal("2000.00")),
        "morphine-sulfate-sr-tablet": (Decimal("0"), Decimal("100.00"), Decimal("100.00")),
    }
    assert reverse("pharmacy:receive") not in page.content.decode()  # no stock actions for an inspector
    xlsx = client.get(
        reverse("pharmacy:statement"),
        {"institution": world.clinic_a.pk, "month": "2026-11", "format": "xlsx"},
    )
    assert xlsx["Content-Disposition"] == f'attachment; filename="statement-{world.clinic_a.pk}-2026-11.xlsx"'
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet["A2"].value == f"{world.clinic_a.name} · 2026-11"
    pdf = client.get(
        reverse("pharmacy:statement"), {"institution": world.clinic_a.pk, "month": "2026-11", "format": "pdf"}
    )
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    assert list(
        AuditEntry.objects.filter(action="stock.statement.export")
        .order_by("seq")
        .values_list("actor_username", "detail__format")
    ) == [("inspector", "xlsx"), ("inspector", "pdf")]


def test_an_institution_outside_the_scope_is_not_shown(world, vault, client):
    login(client, world.keeper_b)
    page = client.get(reverse("pharmacy:statement"), {"institution": world.clinic_a.pk})
    assert page.context["institution"] == world.clinic_b  # clinic A is not among the choices
    page = client.get(reverse("pharmacy:register"), {"store": vault.pk})
    assert page.context["store"] != vault


def test_the_register_in_the_layout_of_the_paper_book(world, vault, client, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOV_20 + dt.timedelta(hours=2))
    services.stock_issue(
        actor=world.keeper_a, witness=world.nurse_a, store=vault, batch=StockBalance.objects.get(store=vault).batch,
        quantity=Decimal("30"), department="肿瘤科病房", voucher="LY-1",
    )  # fmt: skip
    login(client, world.director_a)
    drug = Drug.objects.get(code="morphine-sulfate-sr-tablet")
    page = client.get(reverse("pharmacy:register"), {"store": vault.pk, "drug": drug.pk, "month": "2026-11"})
    book = page.context["book"]
    assert [(line.summary, line.received, line.issued, line.balance) for line in book.lines] == [
        ("Receipt · 国药控股福建有限公司", Decimal("100.00"), None, Decimal("100.00")),
        ("Issue to a department · 肿瘤科病房", None, Decimal("30.00"), Decimal("70.00")),
    ]
    assert (book.opening, book.received, book.issued, book.closing) == (0, 100, 30, 70)
    pdf = client.get(
        reverse("pharmacy:register"),
        {"store": vault.pk, "drug": drug.pk, "month": "2026-11", "format": "pdf"},
    )
    assert pdf.content.startswith(b"%PDF-")


def test_alerts_name_what_needs_doing(world, vault, monkeypatch):
    """On 20 November: morphine expires in 72 days (within 90), the dosing store has used 200 mL a day for 30
    days against 1000 left (5 days, below 7), the card of clinic A expires in 41 days, no store was counted in
    October, and no dispensing store closed yesterday."""
    card = SealCard.objects.get(organisation=world.clinic_a)
    SealCard.objects.filter(pk=card.pk).update(valid_to=dt.date(2026, 12, 31))
    dosing = Store.objects.get(organisation=world.clinic_a, dispenses_doses=True)
    batch = StockBalance.objects.get(store=dosing).batch
    services.stock_receive(
        actor=world.keeper_a, witness=world.nurse_a, store=dosing,
        line=services.ReceiptLine(drug=batch.drug, batch_no=batch.batch_no, expiry=batch.expiry, maker=batch.maker,
                                  quantity=Decimal("6000"), concentration_mg_per_ml=batch.concentration_mg_per_ml),
        voucher="PS-2", supplier="国药", quality="合格",
    )  # fmt: skip
    services.stock_issue(
        actor=world.keeper_a, witness=world.nurse_a, store=dosing, batch=batch, quantity=Decimal("6000"),
        department="门诊", voucher="LY-2",
    )  # fmt: skip
    stores = list(
        Store.objects.filter(organisation__in=[world.clinic_a, world.dosing_point_a]).order_by("pk")
    )
    found = alerts.alerts_for(stores=stores, today=dt.date(2026, 11, 20), region_code=world.county.code)
    assert [(b.store.name, b.batch.batch_no) for b in found.expiring] == [("麻醉药品专库", "MS2611")]
    assert found.expired == []
    assert [(low.store.name, low.quantity, low.daily_use, low.days_left) for low in found.low] == [
        ("发药柜", Decimal("1000.00"), Decimal("200.00"), Decimal("5.0"))
    ]
    assert [(c.organisation, c.card.number, c.days_left) for c in found.seal_cards] == [
        (world.clinic_a, card.number, 41)
    ]
    assert sorted((o.store.pk, o.kind, o.due) for o in found.overdue_counts) == sorted(
        [(s.pk, "monthly", dt.date(2026, 11, 5)) for s in stores]
        + [(s.pk, "day_close", dt.date(2026, 11, 19)) for s in stores if s.kind == "dispensing"]
    )
    assert found.variances == []


def test_a_renewed_card_or_a_counted_store_is_no_longer_an_alert(world, vault):
    card = SealCard.objects.get(organisation=world.clinic_a)
    SealCard.objects.filter(pk=card.pk).update(valid_to=dt.date(2026, 12, 31))
    SealCard.objects.create(
        organisation=world.clinic_a, number="闽麻精印新", issuer="泉州市卫生健康委员会",
        valid_from=dt.date(2027, 1, 1), valid_to=dt.date(2029, 12, 31), registered_by=world.director_a,
        registered_at=NOV_20,
    )  # fmt: skip
    services.stock_count(
        actor=world.keeper_a, witness=world.director_a, store=vault, day=dt.date(2026, 10, 31),
        counts={StockBalance.objects.get(store=vault).batch_id: Decimal("0")}, kind=CountKind.MONTHLY,
    )  # fmt: skip
    found = alerts.alerts_for(stores=[vault], today=dt.date(2026, 11, 20), region_code=world.county.code)
    assert found.seal_cards == []
    assert found.overdue_counts == []


def test_the_keepers_home_page_counts_what_needs_attention(world, vault, client):
    """Clinic A on 20 November: morphine expiring within 90 days, three stores never stock-taken for October,
    two dispensing stores not closed yesterday."""
    login(client, world.keeper_a)
    page = client.get(reverse("web:home"))
    assert (page.context["stock_alerts"], page.context["stock_variances"]) == (6, 0)
    assert "6 things need attention." in page.content.decode()
    login(client, world.doctor_a)
    assert "stock_alerts" not in client.get(reverse("web:home")).context
