"""Stock-takes, variance investigations and the monthly statement (账物相符) with its Excel and PDF."""

import datetime as dt
import io
import shutil
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from jiedu.core import clock
from jiedu.core.errors import FieldErrors
from jiedu.core.models import RegionalSetting
from jiedu.pharmacy import exports, services, statements
from jiedu.pharmacy.models import (
    CountKind,
    DayClose,
    Drug,
    EntryKind,
    LedgerEntry,
    StockBalance,
    StockVariance,
    Store,
    VarianceFinding,
    VarianceStatus,
)
from jiedu.registry.models import Organisation
from jiedu.reports.models import RecipientRule, Report
from jiedu.testing import build_clinic_stock, poppler

pytestmark = pytest.mark.django_db

PAPERS = {"voucher": "PS2026-1001", "supplier": "国药控股福建有限公司", "quality": "合格"}
OCT_3 = dt.datetime(2026, 10, 3, 9, 0, tzinfo=clock.SHANGHAI)


@pytest.fixture
def at(monkeypatch):
    """Move the clock: ``at(datetime)``."""

    def move(when):
        monkeypatch.setattr(clock, "now", lambda: when)

    move(OCT_3)
    return move


@pytest.fixture
def vault(world, at):
    """Clinic A's strong room (kept by keeper_a) holding 100 tablets of morphine and 100 of diazepam; clinic A's
    dosing store holding 1000 mL methadone; loss reports go to the police, the regulator and the commission."""
    at(dt.datetime(2026, 9, 20, 10, 0, tzinfo=clock.SHANGHAI))
    build_clinic_stock(world, quantity="1000")
    store = Store.objects.create(organisation=world.clinic_a, name="麻醉药品专库", kind="strong_room")
    services.keeper_appoint(actor=world.director_a, store=store, user=world.keeper_a, on=dt.date(2026, 1, 5))
    for code, quantity in (("morphine-sulfate-sr-tablet", "100"), ("diazepam-tablet", "100")):
        receive(world, store, code, quantity)
    regulator = Organisation.objects.create(
        name="南安市市场监督管理局", type="drug_regulator", region=world.county
    )
    for recipient in (world.police, regulator, world.commission):
        RecipientRule.objects.create(region=world.county, recipient=recipient, kind="stock_loss")
    at(OCT_3)
    return store


def receive(world, store, code, quantity, batch=None):
    drug = Drug.objects.get(code=code)
    return services.stock_receive(
        actor=world.keeper_a,
        witness=world.nurse_a,
        store=store,
        line=services.ReceiptLine(
            drug=drug,
            batch_no=batch or f"{code[:4].upper()}2609",
            expiry=dt.date(2029, 6, 30),
            maker="东北制药",
            quantity=Decimal(quantity),
        ),
        **PAPERS,
    )


def batch_of(store, code):
    return StockBalance.objects.get(store=store, batch__drug__code=code).batch


def count(world, store, day, **counted):
    """A full stock-take of ``store`` with counts by drug code (every batch held must be counted)."""
    counts = {batch_of(store, code.replace("_", "-")).pk: Decimal(q) for code, q in counted.items()}
    return services.stock_count(
        actor=world.keeper_a, witness=world.director_a, store=store, day=day, counts=counts
    )


def test_a_stock_take_that_matches_the_book_opens_nothing(world, vault):
    close = count(world, vault, dt.date(2026, 10, 3), morphine_sulfate_sr_tablet="100", diazepam_tablet="100")
    assert (close.kind, close.has_variance) == (CountKind.MONTHLY, False)
    assert not StockVariance.objects.exists()
    assert not Report.objects.exists()


def test_a_shortfall_opens_an_investigation_and_is_reported_at_once(world, vault):
    close = count(world, vault, dt.date(2026, 10, 3), morphine_sulfate_sr_tablet="96", diazepam_tablet="100")
    variance = close.variance_record
    assert (variance.status, variance.shortfall, variance.surplus) == (VarianceStatus.OPEN, True, False)
    report = variance.report
    assert report.kind == "stock_loss"
    assert report.summary == (
        "Count shortfall at 麻醉药品专库 (南安市美沙酮维持治疗门诊), Monthly full stock-take of 2026-10-03 by keeper_a and "
        "director_a: 硫酸吗啡缓释片 30 mg batch MORP2609: book 100.00, counted 96.00 片. Under investigation; "
        "control measures taken."
    )
    assert sorted(report.deliveries.values_list("recipient__name", flat=True)) == sorted(
        [world.police.name, "南安市市场监督管理局", world.commission.name]
    )
    # The count books nothing: the ledger still says 100.
    assert (
        StockBalance.objects.get(store=vault, batch=batch_of(vault, "morphine-sulfate-sr-tablet")).quantity
        == 100
    )


def test_a_loss_finding_books_the_shortfall_out_and_reports_the_conclusion(world, vault, at):
    close = count(world, vault, dt.date(2026, 10, 3), morphine_sulfate_sr_tablet="96", diazepam_tablet="99")
    at(dt.datetime(2026, 10, 5, 16, 0, tzinfo=clock.SHANGHAI))
    variance = services.variance_close(
        actor=world.keeper_a,
        witness=world.director_a,
        variance=close.variance_record,
        finding=VarianceFinding.DIVERSION,
        account="监控显示10月2日夜班人员违规取药，已移交公安",
    )
    assert (variance.status, variance.finding, variance.closed_by) == (
        VarianceStatus.CLOSED,
        VarianceFinding.DIVERSION,
        world.keeper_a,
    )
    booked = list(
        LedgerEntry.objects.filter(detail__variance=variance.pk)
        .order_by("batch__drug__code")
        .values_list("batch__drug__code", "kind", "quantity", "balance_after")
    )
    assert booked == [
        ("diazepam-tablet", EntryKind.LOSS, Decimal("-1.00"), Decimal("99.00")),
        ("morphine-sulfate-sr-tablet", EntryKind.LOSS, Decimal("-4.00"), Decimal("96.00")),
    ]
    reports = list(Report.objects.order_by("created_at").values_list("dedupe_key", "event_on"))
    assert reports == [
        (f"stock_variance:{variance.pk}", dt.date(2026, 10, 3)),
        (f"stock_variance:{variance.pk}:closed", dt.date(2026, 10, 5)),
    ]
    assert Report.objects.get(dedupe_key__endswith=":closed").summary == (
        "Investigation of the count of 2026-10-03 at 麻醉药品专库 (南安市美沙酮维持治疗门诊) closed: Suspected diversion. "
        "监控显示10月2日夜班人员违规取药，已移交公安"
    )
    with pytest.raises(FieldErrors) as refused:
        services.variance_close(
            actor=world.keeper_a, witness=world.director_a, variance=variance, finding="loss", account="再次"
        )
    assert refused.value.fields == {"variance": ["This investigation is already closed."]}
    assert LedgerEntry.objects.filter(detail__variance=variance.pk).count() == 2


def test_an_explained_counting_error_books_nothing_but_tells_the_authorities(world, vault):
    close = count(world, vault, dt.date(2026, 10, 3), morphine_sulfate_sr_tablet="90", diazepam_tablet="100")
    entries_before = LedgerEntry.objects.count()
    services.variance_close(
        actor=world.nurse_a,
        witness=world.director_a,
        variance=close.variance_record,
        finding=VarianceFinding.COUNTING_ERROR,
        account="复盘：一盒10片未开封药品漏点，复点数量与账面一致",
    )
    assert LedgerEntry.objects.count() == entries_before
    assert Report.objects.filter(dedupe_key__startswith="stock_variance:").count() == 2


def test_only_a_keeper_books_a_loss_and_a_finding_needs_an_account(world, vault):
    close = count(world, vault, dt.date(2026, 10, 3), morphine_sulfate_sr_tablet="99", diazepam_tablet="100")
    with pytest.raises(FieldErrors) as refused:
        services.variance_close(
            actor=world.nurse_a, witness=world.director_a, variance=close.variance_record, finding="loss",
            account="丢失",
        )  # fmt: skip
    assert refused.value.fields == {
        "store": ["nurse_a is not a designated keeper of 南安市美沙酮维持治疗门诊 · 麻醉药品专库."]
    }
    with pytest.raises(FieldErrors) as refused:
        services.variance_close(
            actor=world.keeper_a, witness=world.director_a, variance=close.variance_record, finding="loss",
            account="  ",
        )  # fmt: skip
    assert refused.value.fields == {"account": ["This field is required."]}
    assert StockVariance.objects.get().status == VarianceStatus.OPEN


def test_a_surplus_is_investigated_but_not_reported_and_never_booked_in(world, vault):
    close = count(world, vault, dt.date(2026, 10, 3), morphine_sulfate_sr_tablet="101", diazepam_tablet="100")
    variance = close.variance_record
    assert (variance.shortfall, variance.surplus, variance.report) == (False, True, None)
    with pytest.raises(FieldErrors) as refused:
        services.variance_close(
            actor=world.keeper_a, witness=world.director_a, variance=variance, finding="theft", account="x"
        )
    assert refused.value.fields == {"finding": ["Nothing is missing: the count found more than the book."]}
    services.variance_close(
        actor=world.keeper_a, witness=world.director_a, variance=variance, finding="counting_error",
        account="多点一片",
    )  # fmt: skip
    assert not Report.objects.exists()


def test_a_shortfall_within_the_provinces_tolerance_is_investigated_without_a_report(world, vault):
    RegionalSetting.objects.create(
        region_id=world.county.code[:2] + "0000", key="pharmacy.count_shortfall_tolerance", value="1"
    )
    close = count(world, vault, dt.date(2026, 10, 3), morphine_sulfate_sr_tablet="99", diazepam_tablet="100")
    assert (close.variance_record.shortfall, close.variance_record.report) == (True, None)
    close = count(world, vault, dt.date(2026, 10, 2), morphine_sulfate_sr_tablet="98", diazepam_tablet="100")
    assert close.variance_record.report is not None


def test_a_store_is_stock_taken_once_a_day_and_every_batch_is_counted(world, vault):
    count(world, vault, dt.date(2026, 10, 3), morphine_sulfate_sr_tablet="100", diazepam_tablet="100")
    with pytest.raises(FieldErrors) as refused:
        count(world, vault, dt.date(2026, 10, 3), morphine_sulfate_sr_tablet="100", diazepam_tablet="100")
    assert refused.value.fields == {"day": ["This store was already stock-taken on that day."]}
    with pytest.raises(FieldErrors) as refused:
        count(world, vault, dt.date(2026, 10, 2), morphine_sulfate_sr_tablet="100")
    assert refused.value.fields == {"counts": ["Count every batch held: DIAZ2609."]}
    with pytest.raises(FieldErrors) as refused:
        count(world, vault, dt.date(2026, 10, 2), morphine_sulfate_sr_tablet="-1", diazepam_tablet="100")
    assert refused.value.fields == {"counts": ["A count is zero or more."]}
    assert DayClose.objects.filter(store=vault).count() == 1


# --- the monthly statement -----------------------------------------------------------------------------------


@pytest.fixture
def october(world, vault, at):
    """A month of movements in clinic A's strong room and dosing store, and stock-takes on 31 October."""
    morphine = batch_of(vault, "morphine-sulfate-sr-tablet")
    dosing = Store.objects.get(organisation=world.clinic_a, dispenses_doses=True)
    methadone = StockBalance.objects.get(store=dosing).batch
    at(dt.datetime(2026, 10, 8, 9, 0, tzinfo=clock.SHANGHAI))
    wrong = receive(world, vault, "morphine-sulfate-sr-tablet", "40", batch="MORP2610")
    services.stock_reverse(actor=world.keeper_a, witness=world.director_a, entry=wrong, reason="批号录错")
    receive(world, vault, "morphine-sulfate-sr-tablet", "40", batch="MORP2611")
    services.stock_issue(
        actor=world.keeper_a, witness=world.nurse_a, store=vault, batch=morphine, quantity=Decimal("30"),
        department="外科病房", voucher="LY-1008",
    )  # fmt: skip
    services.stock_return(
        actor=world.keeper_a, witness=world.nurse_a, store=vault, batch=morphine, quantity=Decimal("5"),
        department="外科病房", reason="医嘱停用",
    )  # fmt: skip
    services.stock_destroy(
        actor=world.keeper_a, witness=world.director_a,
        store=vault, batch=morphine, quantity=Decimal("2"), approval="南卫药销〔2026〕9号", method="焚烧",
    )  # fmt: skip
    services.stock_transfer(
        actor=world.keeper_a, witness=world.nurse_point_a, source=dosing,
        target=Store.objects.get(organisation=world.dosing_point_a), batch=methadone, quantity=Decimal("200"),
    )  # fmt: skip
    services.stock_waste(
        actor=world.keeper_a, witness=world.nurse_a, store=dosing, batch=methadone, quantity=Decimal("1.5"),
        reason="窗口洒落",
    )  # fmt: skip
    at(dt.datetime(2026, 10, 31, 17, 0, tzinfo=clock.SHANGHAI))
    services.stock_count(
        actor=world.keeper_a, witness=world.director_a, store=vault, day=dt.date(2026, 10, 31),
        counts={morphine.pk: Decimal("72"), batch_of(vault, "diazepam-tablet").pk: Decimal("100"),
                StockBalance.objects.get(store=vault, batch__batch_no="MORP2611").batch_id: Decimal("40")},
    )  # fmt: skip
    at(dt.datetime(2026, 11, 2, 9, 0, tzinfo=clock.SHANGHAI))
    receive(world, vault, "morphine-sulfate-sr-tablet", "10", batch="MORP2612")  # November: not in October
    return {"vault": vault, "dosing": dosing}


def test_the_monthly_statement_adds_up_per_drug(world, october):
    stores = list(statements.institution_stores(world.clinic_a.pk))
    statement = statements.monthly_statement(stores=stores, month=dt.date(2026, 10, 1), title="Clinic A")
    got = {
        r.drug.code: (r.opening, r.received, r.returned, r.transfers, r.used, r.wasted, r.lost, r.closing,
                      r.counted, r.variance)
        for r in statement.rows
    }  # fmt: skip
    d = Decimal
    assert got == {
        # 100 + 40 (the reversed 40 cancels out) − 30 issued + 5 returned − 2 destroyed = 113; counted 112
        "morphine-sulfate-sr-tablet": (d("100"), d("40"), d("0"), d("0"), d("25"), d("2"), d("0"), d("113"),
                                    d("112"), d("1")),
        "diazepam-tablet": (d("100"), d("0"), d("0"), d("0"), d("0"), d("0"), d("0"), d("100"), d("100"), d("0")),
        # The transfer to the dosing point stays inside the institution; no dosing store was stock-taken.
        "methadone-oral-solution": (d("2000"), d("0"), d("0"), d("0"), d("0"), d("1.5"), d("0"), d("1998.5"),
                                    None, None),
    }  # fmt: skip
    assert all(r.balances for r in statement.rows)
    assert [s.name for s in statement.uncounted] == ["发药柜", "发药柜"]


def test_a_single_stores_statement_shows_its_transfers(world, october):
    statement = statements.monthly_statement(
        stores=[october["dosing"]], month=dt.date(2026, 10, 1), title="发药柜"
    )
    (row,) = statement.rows
    assert (row.opening, row.transfers, row.wasted, row.closing, row.counted) == (
        Decimal("1000"),
        Decimal("-200"),
        Decimal("1.5"),
        Decimal("798.5"),
        None,
    )


def test_the_statement_as_a_workbook(world, october):
    stores = list(statements.institution_stores(world.clinic_a.pk))
    statement = statements.monthly_statement(stores=stores, month=dt.date(2026, 10, 1), title="Clinic A")
    sheet = load_workbook(io.BytesIO(exports.statement_xlsx(statement))).active
    assert sheet.title == "2026-10"
    assert sheet["A2"].value == "Clinic A · 2026-10"
    assert [c.value for c in sheet[4]][:4] == ["Drug", "Class", "Unit", "Opening"]
    morphine = next(
        row for row in sheet.iter_rows(min_row=5, values_only=True) if row[0].startswith("硫酸吗啡缓释片")
    )
    assert morphine[3:] == (100, 40, 0, 0, 25, 2, 0, 113, 112, 1)
    assert sheet["D5"].number_format == "#,##0.00"


needs_poppler = pytest.mark.skipif(
    not shutil.which("pdftoppm"), reason="poppler-utils is installed by .ci/run"
)


@needs_poppler
def test_the_statement_as_a_pdf_with_chinese_text(world, october, tmp_path):
    stores = list(statements.institution_stores(world.clinic_a.pk))
    statement = statements.monthly_statement(
        stores=stores, month=dt.date(2026, 10, 1), title="南安市美沙酮门诊"
    )
    pdf = tmp_path / "statement.pdf"
    pdf.write_bytes(exports.statement_pdf(statement))
    text = poppler("pdftotext", "-layout", str(pdf), "-")
    assert "南安市美沙酮门诊 · 2026-10" in text
    assert "硫酸吗啡缓释片 30 mg" in text and "麻醉药品专库" in text
    fonts = poppler("pdffonts", str(pdf))
    cjk = [line for line in fonts.splitlines() if "CJK" in line]
    assert cjk and all(" yes yes yes " in line for line in cjk), (
        fonts
    )  # embedded, subset, with a ToUnicode map
    poppler("pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page"))
    assert (tmp_path / "page-1.png").stat().st_size > 10_000


@needs_poppler
def test_chinese_glyphs_are_drawn_not_boxes(tmp_path):
    """Missing glyphs are drawn as identical boxes (tofu); real glyphs of different characters differ."""
    from PIL import Image, ImageChops

    from jiedu.core.pdf import CJK_FONTS

    def rendered(text):
        import weasyprint

        html = f'<html style="font-family: {CJK_FONTS}; font-size: 40pt"><body>{text}</body></html>'
        path = tmp_path / f"{ord(text[0])}.pdf"
        path.write_bytes(weasyprint.HTML(string=html).write_pdf())
        poppler("pdftoppm", "-r", "40", "-png", "-singlefile", str(path), str(path))
        return Image.open(f"{path}.png").convert("L")

    first, second = rendered("麻醉"), rendered("精神")
    assert ImageChops.difference(first, second).getbbox() is not None
    assert first.getextrema()[0] < 100  # something dark was drawn
