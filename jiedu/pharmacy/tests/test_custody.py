"""五专: designated keepers, two keys, purchase seal cards, smallest packages, every kind of movement, losses
reported at once, first expiry first out, the verification of every ledger, regulated equipment."""

import contextlib
import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from jiedu.core import clock
from jiedu.core.errors import FieldErrors
from jiedu.pharmacy import services
from jiedu.pharmacy.models import (
    Drug,
    EntryKind,
    EquipmentCheck,
    LedgerEntry,
    SealCard,
    StockBalance,
    Store,
    StoreKeeper,
)
from jiedu.reports.models import Delivery, RecipientRule, Report
from jiedu.testing import build_clinic_stock

pytestmark = pytest.mark.django_db

PAPERS = {
    "voucher": "PS2026-0101",
    "supplier": "国药控股福建有限公司",
    "quality": "外包装完好，数量与随货单相符，合格",
}


@pytest.fixture
def stores(world):
    return build_clinic_stock(world, quantity="1000")


@pytest.fixture
def vault(world, stores):
    """Clinic A's strong room, kept by keeper_a alone; director_a and keeper_a hold its two keys."""
    store = Store.objects.create(organisation=world.clinic_a, name="麻醉药品专库", kind="strong_room")
    services.keeper_appoint(actor=world.director_a, store=store, user=world.keeper_a, on=dt.date(2026, 1, 5))
    services.key_holders_set(
        actor=world.director_a, store=store, first=world.director_a, second=world.keeper_a
    )
    return store


def drug(code):
    return Drug.objects.get(code=code)


def receive(
    world, store, code, quantity, *, batch="B1", expiry=dt.date(2028, 3, 31), actor=None, witness=None
):
    return services.stock_receive(
        actor=actor or world.keeper_a,
        witness=witness or world.nurse_a,
        store=store,
        line=services.ReceiptLine(
            drug=drug(code), batch_no=batch, expiry=expiry, maker="东北制药", quantity=Decimal(quantity)
        ),
        **PAPERS,
    )


@contextlib.contextmanager
def behind_the_applications_back():
    """Raw SQL past the application; on PostgreSQL, as a superuser who has switched the triggers off."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        try:
            yield cursor
        finally:
            if connection.vendor == "postgresql":
                cursor.execute("SET session_replication_role = origin")


def held(store):
    return {
        b.batch.batch_no: b.quantity for b in StockBalance.objects.filter(store=store).select_related("batch")
    }


# --- keepers and keys --------------------------------------------------------------------------------------


def test_only_a_designated_keeper_posts_to_a_store(world, vault):
    with pytest.raises(FieldErrors) as info:
        receive(world, vault, "morphine-hcl-injection", "50", actor=world.nurse_a, witness=world.keeper_a)
    assert info.value.fields == {
        "store": ["nurse_a is not a designated keeper of 南安市美沙酮维持治疗门诊 · 麻醉药品专库."]
    }
    receive(world, vault, "morphine-hcl-injection", "50")
    assert held(vault) == {"B1": Decimal("50.00")}
    services.keeper_end(actor=world.director_a, keeper=StoreKeeper.objects.get(store=vault))
    with pytest.raises(FieldErrors):
        receive(world, vault, "morphine-hcl-injection", "10", batch="B2")
    assert held(vault) == {"B1": Decimal("50.00")}
    assert list(StoreKeeper.objects.filter(store=vault).values_list("user__username", "ended_on")) == [
        ("keeper_a", clock.local_today())
    ]


def test_an_appointment_is_made_by_the_institution_and_kept_as_history(world, vault):
    with pytest.raises(FieldErrors) as info:
        services.keeper_appoint(actor=world.director_a, store=vault, user=world.keeper_a)
    assert info.value.fields == {"user": ["keeper_a already keeps this store."]}
    with pytest.raises(FieldErrors) as info:
        services.keeper_appoint(actor=world.director_a, store=vault, user=world.nurse_b)
    assert info.value.fields == {"store": ["nurse_b does not work at 南安市美沙酮维持治疗门诊."]}
    keeper = StoreKeeper.objects.get(store=vault)
    services.keeper_end(actor=world.director_a, keeper=keeper, on=dt.date(2026, 6, 30))
    again = services.keeper_appoint(
        actor=world.director_a, store=vault, user=world.keeper_a, on=dt.date(2026, 9, 1)
    )
    assert list(
        StoreKeeper.objects.filter(store=vault).order_by("pk").values_list("appointed_on", "ended_on")
    ) == [
        (dt.date(2026, 1, 5), dt.date(2026, 6, 30)),
        (dt.date(2026, 9, 1), None),
    ]
    assert again.appointed_by == world.director_a


def test_two_keys_are_held_by_two_different_people(world, vault):
    vault.refresh_from_db()
    assert (vault.key_holder_a, vault.key_holder_b) == (world.director_a, world.keeper_a)
    with pytest.raises(FieldErrors) as info:
        services.key_holders_set(
            actor=world.director_a, store=vault, first=world.keeper_a, second=world.keeper_a
        )
    assert info.value.fields == {"key_holder_b": ["The two keys are held by two different people."]}
    vault.refresh_from_db()
    assert (vault.key_holder_a, vault.key_holder_b) == (world.director_a, world.keeper_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Store.objects.filter(pk=vault.pk).update(key_holder_b=world.director_a)


# --- receipts: seal card, smallest package, papers ---------------------------------------------------------


def test_narcotics_are_received_only_on_a_valid_seal_card(world, vault, monkeypatch):
    card = SealCard.objects.get(organisation=world.clinic_a)
    SealCard.objects.filter(pk=card.pk).update(valid_to=dt.date(2026, 10, 31))
    with pytest.raises(FieldErrors) as info:
        receive(world, vault, "morphine-hcl-injection", "50")
    assert info.value.fields == {
        "seal_card": [
            "南安市美沙酮维持治疗门诊 has no valid purchase seal card: narcotics and class-I psychotropics are "
            "not received from a wholesaler without one."
        ]
    }
    # A class-II psychotropic needs no seal card.
    entry = receive(world, vault, "diazepam-injection", "20")
    assert "seal_card" not in entry.detail
    services.seal_card_register(
        actor=world.director_a,
        organisation=world.clinic_a,
        number="闽麻精印2026-0007",
        issuer="泉州市卫生健康委员会",
        valid_from=dt.date(2026, 11, 1),
        valid_to=dt.date(2029, 10, 31),
    )
    entry = receive(world, vault, "morphine-hcl-injection", "50", batch="B2")
    assert entry.detail == {
        "supplier": "国药控股福建有限公司",
        "quality": "外包装完好，数量与随货单相符，合格",
        "packages": "50",
        "seal_card": "闽麻精印2026-0007",
    }


def test_receipts_are_counted_down_to_the_smallest_package(world, vault):
    with pytest.raises(FieldErrors) as info:
        receive(world, vault, "morphine-sulfate-sr-tablet", "25")
    assert info.value.fields == {
        "quantity": ["Count down to the smallest package: 25.00 片 is not a whole number of 盒 (10 each)."]
    }
    entry = receive(world, vault, "morphine-sulfate-sr-tablet", "30")
    assert (entry.quantity, entry.detail["packages"]) == (Decimal("30.00"), "3")


def test_a_receipt_names_supplier_voucher_and_quality_conclusion(world, vault):
    line = services.ReceiptLine(
        drug=drug("pethidine-hcl-injection"),
        batch_no="P1",
        expiry=dt.date(2028, 1, 31),
        maker="青海制药",
        quantity=Decimal("10"),
    )
    with pytest.raises(FieldErrors) as info:
        services.stock_receive(actor=world.keeper_a, witness=world.nurse_a, store=vault, line=line)
    assert info.value.fields == {
        "supplier": ["Name the supplier."],
        "voucher": ["Enter the delivery voucher number."],
        "quality": ["Record the quality conclusion of the check on arrival."],
    }
    assert LedgerEntry.objects.filter(store=vault).count() == 0


# --- movements ---------------------------------------------------------------------------------------------


def test_issue_return_and_return_to_supplier(world, vault):
    receive(world, vault, "morphine-hcl-injection", "50")
    batch = StockBalance.objects.get(store=vault).batch
    with pytest.raises(FieldErrors) as info:
        services.stock_issue(
            actor=world.keeper_a, witness=world.doctor_a, store=vault, batch=batch, quantity=Decimal("5"),
            department=" ", voucher="",
        )  # fmt: skip
    assert info.value.fields == {
        "department": ["This field is required."],
        "voucher": ["This field is required."],
    }
    issue = services.stock_issue(
        actor=world.keeper_a, witness=world.doctor_a, store=vault, batch=batch, quantity=Decimal("5"),
        department="急诊科", voucher="LY-20261123-01",
    )  # fmt: skip
    back = services.stock_return(
        actor=world.keeper_a, witness=world.doctor_a, store=vault, batch=batch, quantity=Decimal("2"),
        department="急诊科", reason="患者转院，未使用",
    )  # fmt: skip
    recalled = services.stock_return_to_supplier(
        actor=world.keeper_a, witness=world.nurse_a, store=vault, batch=batch, quantity=Decimal("10"),
        supplier="国药控股福建有限公司", voucher="TH-0001", reason="厂家召回",
    )  # fmt: skip
    assert [(e.kind, e.quantity, e.balance_after) for e in (issue, back, recalled)] == [
        (EntryKind.ISSUE, Decimal("-5.00"), Decimal("45.00")),
        (EntryKind.RETURN_IN, Decimal("2.00"), Decimal("47.00")),
        (EntryKind.RETURN_OUT, Decimal("-10.00"), Decimal("37.00")),
    ]
    assert (issue.detail, back.detail, recalled.detail) == (
        {"department": "急诊科"},
        {"department": "急诊科"},
        {"supplier": "国药控股福建有限公司"},
    )


def test_destruction_is_supervised_by_someone_outside_the_stores_custody(world, vault):
    receive(world, vault, "pethidine-hcl-injection", "10")
    batch = StockBalance.objects.get(store=vault).batch
    StoreKeeper.objects.create(
        store=vault, user=world.nurse_a, appointed_by=world.director_a, appointed_on=dt.date(2026, 1, 5)
    )
    args = {
        "store": vault,
        "batch": batch,
        "quantity": Decimal("3"),
        "approval": "南卫药销〔2026〕12号",
        "method": "焚烧",
    }
    with pytest.raises(FieldErrors) as info:
        services.stock_destroy(actor=world.keeper_a, witness=world.nurse_a, **args)
    assert info.value.fields == {
        "witness": ["Destruction is supervised by someone who does not keep this store."]
    }
    assert held(vault) == {"B1": Decimal("10.00")}
    assert not LedgerEntry.objects.filter(kind=EntryKind.DESTRUCTION).exists()
    entry = services.stock_destroy(actor=world.keeper_a, witness=world.inspector, **args)
    assert (entry.kind, entry.quantity, entry.voucher, entry.reason, entry.witness) == (
        EntryKind.DESTRUCTION,
        Decimal("-3.00"),
        "南卫药销〔2026〕12号",
        "焚烧",
        world.inspector,
    )


def test_a_theft_is_booked_out_and_reported_at_once_to_police_regulator_and_health_authority(world, vault):
    from jiedu.registry.models import Organisation

    regulator = Organisation.objects.create(
        name="南安市市场监督管理局", type="drug_regulator", region=world.county
    )
    for recipient in (world.police, regulator, world.commission):
        RecipientRule.objects.create(region=world.county, recipient=recipient, kind="stock_loss")
    RecipientRule.objects.create(
        region=world.county, recipient=world.community, kind=""
    )  # person reports only
    receive(world, vault, "fentanyl-citrate-injection", "20")
    batch = StockBalance.objects.get(store=vault).batch
    entry = services.stock_loss(
        actor=world.keeper_a, witness=world.director_a, store=vault, batch=batch, quantity=Decimal("4"),
        kind=EntryKind.THEFT, account="夜间专库门锁被撬，监控已封存，已报警",
    )  # fmt: skip
    assert (entry.kind, entry.quantity, entry.balance_after) == (
        EntryKind.THEFT,
        Decimal("-4.00"),
        Decimal("16.00"),
    )
    report = Report.objects.get()
    assert (report.kind, report.person, report.source, report.dedupe_key) == (
        "stock_loss",
        None,
        world.clinic_a,
        f"stock_loss:{entry.pk}",
    )
    at = entry.at.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%d %H:%M")
    assert report.summary == (
        "Theft at 麻醉药品专库 (南安市美沙酮维持治疗门诊): 4.00 支 of 枸橼酸芬太尼注射液 0.1 mg/2 mL "
        "(Narcotic drug (麻醉药品)), batch B1. Recorded by keeper_a, witnessed by director_a, at "
        f"{at}. Account: 夜间专库门锁被撬，监控已封存，已报警"
    )
    assert sorted(Delivery.objects.values_list("recipient__name", flat=True)) == sorted(
        ["南安市公安局溪美派出所", "南安市市场监督管理局", "南安市卫生健康局"]
    )
    with pytest.raises(FieldErrors) as info:
        services.stock_loss(
            actor=world.keeper_a, witness=world.director_a, store=vault, batch=batch, quantity=Decimal("1"),
            kind=EntryKind.WASTE, account="x",
        )  # fmt: skip
    assert info.value.fields == {"kind": ["Choose loss or theft."]}


def test_first_expiry_first_out(world, vault, monkeypatch):
    receive(world, vault, "diazepam-injection", "10", batch="LATE", expiry=dt.date(2028, 12, 31))
    receive(world, vault, "diazepam-injection", "10", batch="SOON", expiry=dt.date(2027, 2, 28))
    receive(world, vault, "midazolam-injection", "10", batch="OTHER", expiry=dt.date(2026, 12, 31))
    suggested = services.fefo(store=vault, drug=drug("diazepam-injection"), today=dt.date(2026, 11, 23))
    assert [b.batch.batch_no for b in suggested] == ["SOON", "LATE"]
    assert [
        b.batch.batch_no
        for b in services.fefo(store=vault, drug=drug("diazepam-injection"), today=dt.date(2027, 3, 1))
    ] == ["LATE"]


# --- verification ------------------------------------------------------------------------------------------


def test_ledger_verify_names_the_first_broken_link(world, stores, vault):
    receive(world, vault, "morphine-hcl-injection", "50")
    batch = StockBalance.objects.get(store=vault).batch
    for n in range(3):
        services.stock_issue(
            actor=world.keeper_a, witness=world.doctor_a, store=vault, batch=batch, quantity=Decimal("1"),
            department="肿瘤科", voucher=f"LY-{n}",
        )  # fmt: skip
    out = StringIO()
    call_command("ledger_verify", stdout=out)
    assert out.getvalue().strip() == "All 4 ledgers intact."
    third = LedgerEntry.objects.get(store=vault, seq=3)
    if connection.vendor == "postgresql":
        pytest.skip("the append-only trigger refuses the edit itself; see test_database_refuses_edits")
    with connection.cursor() as cursor:  # behind the application's back
        cursor.execute(
            "UPDATE pharmacy_ledgerentry SET quantity = -2, balance_after = 47 WHERE id = %s", [third.pk]
        )
    with pytest.raises(CommandError) as info:
        call_command("ledger_verify", stderr=StringIO())
    assert str(info.value) == (
        "1 of 4 ledgers broken; the first: 南安市美沙酮维持治疗门诊 · 麻醉药品专库 · 盐酸吗啡注射液 B1: entry 3 was edited"
    )


@pytest.mark.parametrize(
    ("sql", "problem"),
    [
        (
            "DELETE FROM pharmacy_ledgerentry WHERE seq = 2 AND store_id = {store}",
            "entry 2 missing (found 3)",
        ),
        (
            "DELETE FROM pharmacy_ledgerentry WHERE seq = 3 AND store_id = {store}",
            "the balance row (entry 3, 48.00) does not match the ledger (entry 2, 49.00)",
        ),
        (
            "UPDATE pharmacy_stockbalance SET quantity = 60 WHERE store_id = {store}",
            "the balance row (entry 3, 60.00) does not match the ledger (entry 3, 48.00)",
        ),
    ],
)
def test_ledger_verify_catches_deletions_and_an_edited_balance(world, stores, vault, sql, problem):
    receive(world, vault, "morphine-hcl-injection", "50")
    batch = StockBalance.objects.get(store=vault).batch
    for n in range(2):
        services.stock_issue(
            actor=world.keeper_a, witness=world.doctor_a, store=vault, batch=batch, quantity=Decimal("1"),
            department="肿瘤科", voucher=f"LY-{n}",
        )  # fmt: skip
    with behind_the_applications_back() as cursor:
        cursor.execute(sql.format(store=vault.pk))
    checked, broken = services.ledgers_verify(stores=Store.objects.filter(pk=vault.pk))
    assert (checked, [b.problem for b in broken]) == (1, [problem])


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_database_refuses_edits_and_deletions_of_ledger_entries(world, stores):
    entry = LedgerEntry.objects.first()
    for sql in (
        "UPDATE pharmacy_ledgerentry SET quantity = 1 WHERE id = %s",
        "DELETE FROM pharmacy_ledgerentry WHERE id = %s",
    ):
        with (
            pytest.raises(Exception, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [entry.pk])
    assert LedgerEntry.objects.get(pk=entry.pk).quantity == entry.quantity


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE pharmacy_dayclose SET has_variance = false WHERE id = {close}",
        "DELETE FROM pharmacy_dayclose WHERE id = {close}",
        "UPDATE pharmacy_daycloseline SET counted_quantity = book_quantity, variance = 0 WHERE day_close_id = {close}",
        "DELETE FROM pharmacy_daycloseline WHERE day_close_id = {close}",
    ],
)
def test_database_refuses_to_rewrite_a_count(world, stores, sql):
    store = stores[world.clinic_a.pk]
    balance = StockBalance.objects.get(store=store)
    close = services.day_close(
        actor=world.keeper_a, witness=world.nurse_a, store=store, day=clock.local_today(),
        counts={balance.batch_id: balance.quantity - 1},
    )  # fmt: skip
    with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql.format(close=close.pk))
    close.refresh_from_db()
    assert close.has_variance is True
    assert [line.variance for line in close.lines.all()] == [Decimal("1.00")]


# --- seal card use, equipment ------------------------------------------------------------------------------


def test_the_seal_card_use_report_comes_from_the_ledgers(world, stores, vault):
    receive(world, vault, "morphine-hcl-injection", "50")
    batch = StockBalance.objects.get(store=vault).batch
    services.stock_issue(
        actor=world.keeper_a, witness=world.doctor_a, store=vault, batch=batch, quantity=Decimal("12"),
        department="肿瘤科", voucher="LY-1",
    )  # fmt: skip
    receive(world, vault, "diazepam-injection", "20", batch="D1")  # class II: not on the card
    use = services.seal_card_use(card=SealCard.objects.get(organisation=world.clinic_a))
    assert [(r["drug"].code, r["received"], r["used"], r["held"]) for r in use.rows] == [
        ("morphine-hcl-injection", Decimal("50.00"), Decimal("12.00"), Decimal("38.00")),
        ("methadone-oral-solution", Decimal("2000.00"), Decimal("0"), Decimal("2000.00")),
    ]


def test_regulated_equipment_register_and_checks(world):
    with pytest.raises(FieldErrors) as info:
        services.equipment_register(
            actor=world.director_a, organisation=world.clinic_a, kind="nmr_spectrometer", name="核磁共振波谱仪",
            serial_no="", location="", custodian=world.nurse_b,
        )  # fmt: skip
    assert info.value.fields == {
        "serial_no": ["This field is required."],
        "location": ["This field is required."],
    }
    item = services.equipment_register(
        actor=world.director_a, organisation=world.clinic_a, kind="nmr_spectrometer", name="核磁共振波谱仪",
        model="Bruker AVANCE NEO 400", serial_no="BR-400-1187", location="检验科二楼", custodian=world.keeper_a,
    )  # fmt: skip
    with pytest.raises(FieldErrors) as info:
        services.equipment_check(actor=world.keeper_a, equipment=item, status_found="idle", in_order=False)
    assert info.value.fields == {"note": ["Describe what was not in order."]}
    services.equipment_check(
        actor=world.keeper_a,
        equipment=item,
        status_found="sealed",
        in_order=False,
        note="封条破损，已重新加封",
    )
    item.refresh_from_db()
    assert item.status == "sealed"
    assert list(
        EquipmentCheck.objects.values_list("status_found", "in_order", "note", "checked_by__username")
    ) == [("sealed", False, "封条破损，已重新加封", "keeper_a")]


def test_only_the_head_appoints_keepers_even_through_the_service(world, stores, vault):
    with pytest.raises(FieldErrors) as refused:
        services.keeper_appoint(actor=world.keeper_a, store=vault, user=world.nurse_a)
    assert refused.value.fields == {"store": ["Only the head of the institution does this."]}
    assert list(StoreKeeper.objects.filter(store=vault).values_list("user__username", flat=True)) == [
        "keeper_a"
    ]
