"""Special prescriptions: the right to write them, the quantity one may give, dispensing once against the
ledger, the paper and its marking, and destruction after the keeping period on the head's approval."""

import datetime as dt
from decimal import Decimal

import pytest

from jiedu.core import clock
from jiedu.core.errors import FieldErrors
from jiedu.core.models import RegionalSetting
from jiedu.mmt.tests.conftest import register
from jiedu.pharmacy import prescribing, services
from jiedu.pharmacy.models import (
    Drug,
    EntryKind,
    LedgerEntry,
    PrescribingRight,
    Prescription,
    PrescriptionStatus,
    StockBalance,
    Store,
    StoreKeeper,
)
from jiedu.testing import build_clinic_stock

pytestmark = pytest.mark.django_db

NOV_20 = dt.datetime(2026, 11, 20, 9, 30, tzinfo=clock.SHANGHAI)


@pytest.fixture
def at(monkeypatch):
    def move(when):
        monkeypatch.setattr(clock, "now", lambda: when)

    move(NOV_20)
    return move


@pytest.fixture
def pharmacy(world, at):
    """Clinic A's dispensing store of the pharmacy, kept by keeper_a: morphine SR tablets in two batches (the
    earlier-expiring one holds 10), diazepam tablets, morphine injection."""
    build_clinic_stock(world, quantity="100")
    store = Store.objects.create(organisation=world.clinic_a, name="门诊药房麻精药品柜", kind="dispensing")
    StoreKeeper.objects.create(
        store=store, user=world.keeper_a, appointed_by=world.director_a, appointed_on=dt.date(2026, 1, 1)
    )
    for code, batch, expiry, quantity in (
        ("morphine-sulfate-sr-tablet", "MS-EARLY", dt.date(2027, 3, 31), "10"),
        ("morphine-sulfate-sr-tablet", "MS-LATE", dt.date(2028, 3, 31), "100"),
        ("diazepam-tablet", "DZ-1", dt.date(2028, 1, 31), "100"),
        ("morphine-hcl-injection", "MH-1", dt.date(2028, 1, 31), "20"),
    ):
        services.stock_receive(
            actor=world.keeper_a, witness=world.nurse_a, store=store,
            line=services.ReceiptLine(drug=Drug.objects.get(code=code), batch_no=batch, expiry=expiry,
                                      maker="东北制药", quantity=Decimal(quantity)),
            voucher="PS-1", supplier="国药控股福建有限公司", quality="合格",
        )  # fmt: skip
    return store


@pytest.fixture
def patient(world):
    return register(world)


@pytest.fixture
def rights(world, pharmacy):
    prescribing.right_grant(
        actor=world.director_a, user=world.doctor_a, scope="narcotic_psychotropic_1",
        training="2026年麻醉药品和精神药品合理使用培训考核合格", on=dt.date(2026, 3, 1),
    )  # fmt: skip
    prescribing.right_grant(
        actor=world.director_a,
        user=world.doctor_a,
        scope="psychotropic_2",
        training="同上",
        on=dt.date(2026, 3, 1),
    )


def write(world, patient, code, daily, days, **kw):
    return prescribing.prescription_write(
        actor=kw.pop("actor", world.doctor_a), person=patient, drug=Drug.objects.get(code=code),
        daily_quantity=Decimal(daily), days=days, diagnosis=kw.pop("diagnosis", "癌痛"),
        directions=kw.pop("directions", "每12小时一次，每次1片，口服"),
    )  # fmt: skip


def test_a_prescriber_with_the_right_writes_on_red_paper_kept_three_years(world, rights, patient):
    rx = write(world, patient, "morphine-sulfate-sr-tablet", "2", 7)
    assert (rx.number, rx.quantity, rx.control_class, rx.paper, rx.mark, rx.keep_until) == (
        "MJ20261120-0001",
        Decimal("14.00"),
        "narcotic",
        "red",
        "麻、精一",
        dt.date(2029, 11, 20),
    )
    second = write(world, patient, "diazepam-tablet", "1", 7)
    assert (second.number, second.paper, second.mark, second.keep_until) == (
        "J220261120-0001",
        "white",
        "精二",
        dt.date(2028, 11, 20),
    )


def test_without_the_right_or_beyond_the_limit_nothing_is_written(world, rights, patient):
    with pytest.raises(FieldErrors) as refused:
        write(world, patient, "morphine-sulfate-sr-tablet", "2", 7, actor=world.director_a)
    assert refused.value.fields == {
        "drug": [
            "You do not hold the right to prescribe Narcotics and class-I psychotropics (麻醉药品、第一类精神药品)."
        ]
    }
    with pytest.raises(FieldErrors) as refused:
        write(world, patient, "morphine-sulfate-sr-tablet", "2", 8)
    assert refused.value.fields == {
        "days": ["One prescription of 硫酸吗啡缓释片 30 mg may supply at most 7 day(s); this one asks for 8."]
    }
    with pytest.raises(FieldErrors) as refused:
        write(world, patient, "morphine-hcl-injection", "1", 2)
    assert refused.value.fields["days"] == [
        "One prescription of 盐酸吗啡注射液 10 mg/1 mL may supply at most 1 day(s); this one asks for 2."
    ]
    with pytest.raises(FieldErrors) as refused:
        write(world, patient, "morphine-sulfate-sr-tablet", "0", 3, diagnosis=" ")
    assert refused.value.fields == {
        "daily_quantity": ["Enter a quantity per day greater than zero."],
        "diagnosis": ["This field is required."],
    }
    assert not Prescription.objects.exists()


def test_a_withdrawn_right_no_longer_prescribes_and_a_province_may_allow_more_days(world, rights, patient):
    RegionalSetting.objects.create(region_id="350000", key="pharmacy.rx_max_days_other", value="5")
    assert write(world, patient, "buprenorphine-sublingual-tablet", "1", 5).quantity == Decimal("5.00")
    right = PrescribingRight.objects.get(user=world.doctor_a, scope="narcotic_psychotropic_1")
    prescribing.right_withdraw(actor=world.director_a, right=right, on=dt.date(2026, 11, 19))
    with pytest.raises(FieldErrors):
        write(world, patient, "buprenorphine-sublingual-tablet", "1", 3)


def test_a_patient_outside_the_institutions_care_is_refused(world, rights):
    elsewhere = register(world, actor="nurse_b", seq=81, name="外院患者")
    with pytest.raises(FieldErrors) as refused:
        write(world, elsewhere, "diazepam-tablet", "1", 3)
    assert refused.value.fields == {"person": ["This patient is not in the care of your institution."]}


def test_dispensing_draws_first_expiry_first_once_and_names_the_prescription(
    world, rights, patient, pharmacy
):
    rx = write(world, patient, "morphine-sulfate-sr-tablet", "2", 7)
    entries = prescribing.prescription_dispense(
        actor=world.keeper_a, witness=world.nurse_a, prescription=rx, store=pharmacy
    )
    assert [(e.batch.batch_no, e.kind, e.quantity, e.balance_after, e.voucher) for e in entries] == [
        ("MS-EARLY", EntryKind.DISPENSING, Decimal("-10.00"), Decimal("0.00"), rx.number),
        ("MS-LATE", EntryKind.DISPENSING, Decimal("-4.00"), Decimal("96.00"), rx.number),
    ]
    assert entries[0].detail == {"prescription": rx.number, "patient": "张三丰"}
    rx.refresh_from_db()
    assert (rx.status, rx.dispensed_by, rx.checked_by) == (
        PrescriptionStatus.DISPENSED,
        world.keeper_a,
        world.nurse_a,
    )
    with pytest.raises(FieldErrors) as refused:
        prescribing.prescription_dispense(
            actor=world.keeper_a, witness=world.nurse_a, prescription=rx, store=pharmacy
        )
    assert refused.value.fields == {"prescription": ["This prescription is Dispensed."]}
    assert LedgerEntry.objects.filter(kind=EntryKind.DISPENSING).count() == 2


def test_a_prescription_is_dispensed_the_day_it_is_written(world, rights, patient, pharmacy, at):
    rx = write(world, patient, "diazepam-tablet", "1", 7)
    at(NOV_20 + dt.timedelta(days=1))
    with pytest.raises(FieldErrors) as refused:
        prescribing.prescription_dispense(
            actor=world.keeper_a, witness=world.nurse_a, prescription=rx, store=pharmacy
        )
    assert refused.value.fields == {"prescription": ["This prescription was valid until 2026-11-20."]}
    assert StockBalance.objects.get(store=pharmacy, batch__batch_no="DZ-1").quantity == Decimal("100.00")


def test_not_enough_stock_dispenses_nothing(world, rights, patient, pharmacy):
    rx = write(world, patient, "morphine-hcl-injection", "30", 1)
    with pytest.raises(services.InsufficientStock):
        prescribing.prescription_dispense(
            actor=world.keeper_a, witness=world.nurse_a, prescription=rx, store=pharmacy
        )
    assert not LedgerEntry.objects.filter(kind=EntryKind.DISPENSING).exists()
    rx.refresh_from_db()
    assert rx.status == PrescriptionStatus.WRITTEN


def test_prescriptions_past_keeping_are_destroyed_on_the_heads_approval(world, rights, patient, at):
    old = write(world, patient, "diazepam-tablet", "1", 7)  # kept until 2028-11-20
    red = write(world, patient, "morphine-sulfate-sr-tablet", "2", 7)  # kept until 2029-11-20
    at(dt.datetime(2028, 12, 1, 10, 0, tzinfo=clock.SHANGHAI))
    assert [rx.number for rx in prescribing.due_for_destruction(organisation=world.clinic_a)] == [old.number]
    with pytest.raises(FieldErrors) as refused:
        prescribing.prescriptions_destroy(
            actor=world.keeper_a, approver=world.director_a, organisation=world.clinic_a,
            numbers=[old.number, red.number], method="碎纸机粉碎",
        )  # fmt: skip
    assert refused.value.fields == {"numbers": [f"Not to be destroyed: {red.number}."]}
    with pytest.raises(FieldErrors) as refused:
        prescribing.prescriptions_destroy(
            actor=world.keeper_a, approver=world.doctor_a, organisation=world.clinic_a, numbers=[old.number],
            method="碎纸机粉碎",
        )  # fmt: skip
    assert refused.value.fields == {"approver": ["The head of the institution approves the destruction."]}
    record = prescribing.prescriptions_destroy(
        actor=world.keeper_a, approver=world.director_a, organisation=world.clinic_a, numbers=[old.number],
        method="碎纸机粉碎",
    )  # fmt: skip
    assert (record.destroyed_on, record.approved_by, [rx.number for rx in record.prescriptions.all()]) == (
        dt.date(2028, 12, 1),
        world.director_a,
        [old.number],
    )
    assert list(prescribing.due_for_destruction(organisation=world.clinic_a)) == []


def test_only_the_head_grants_rights_to_the_institutions_doctors(world, pharmacy):
    with pytest.raises(FieldErrors) as refused:
        prescribing.right_grant(
            actor=world.doctor_a, user=world.doctor_a, scope="psychotropic_2", training="x"
        )
    assert refused.value.fields == {"user": ["Only the head of the institution grants prescribing rights."]}
    with pytest.raises(FieldErrors) as refused:
        prescribing.right_grant(
            actor=world.director_a, user=world.nurse_a, scope="psychotropic_2", training="x"
        )
    assert refused.value.fields == {"user": ["nurse_a is not a doctor of 南安市美沙酮维持治疗门诊."]}
    assert not PrescribingRight.objects.exists()
