"""A receipt of morphine signed by two users in real headless Chromium: the keeper records it, the colleague
beside them signs with their own password; a wrong password writes nothing. Then the monthly statement shows it
and its PDF downloads."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from jiedu.pharmacy.models import Drug, LedgerEntry, Store, StoreKeeper
from jiedu.testing import PASSWORD, build_clinic_stock
from jiedu.web.tests.conftest import (  # noqa: F401 — the browser fixtures, shared with the web app's tests
    browser,
    chromium_path,
    live_world,
    new_page,
    screenshot_dir,
)

pytestmark = pytest.mark.browser


def test_a_receipt_signed_by_two_users(live_world, new_page, screenshot_dir):  # noqa: F811
    build_clinic_stock(live_world)
    vault = Store.objects.create(organisation=live_world.clinic_a, name="麻醉药品专库", kind="strong_room")
    StoreKeeper.objects.create(
        store=vault,
        user=live_world.keeper_a,
        appointed_by=live_world.director_a,
        appointed_on=dt.date(2026, 1, 1),
    )
    morphine = Drug.objects.get(code="morphine-hcl-injection")
    before = LedgerEntry.objects.count()

    page = new_page()
    page.goto("/accounts/login/?next=/stock/receive/")
    page.locator("input[name=username]").fill("keeper_a")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form.stack button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/stock/receive/$"))

    page.locator("#id_store").select_option(str(vault.pk))
    page.locator("#id_drug").select_option(str(morphine.pk))
    page.locator("#id_batch_no").fill("MH261101")
    page.locator("#id_expiry").fill("2028-10-31")
    page.locator("#id_maker").fill("东北制药集团沈阳第一制药有限公司")
    page.locator("#id_quantity").fill("50")
    page.locator("#id_voucher").fill("PS20261123-01")
    page.locator("#id_supplier").fill("国药控股福建有限公司")
    page.locator("#id_quality").fill("外包装完好，数量、批号与随货同行单相符，合格")
    page.locator("#id_witness").select_option(str(live_world.nurse_a.pk))
    # The colleague types a wrong password: refused beside the field, nothing written.
    page.locator("#id_witness_password").fill("not-her-password")
    page.locator("form.stack button[type=submit]").click()
    expect(page.locator("form.stack")).to_contain_text("这不是nurse_a的密码。")
    assert LedgerEntry.objects.count() == before
    expect(page.locator("#id_witness_password")).to_have_value("")  # never sent back to the page
    # She signs with her own password.
    page.locator("#id_witness_password").fill(PASSWORD)
    page.screenshot(path=str(screenshot_dir / "20-receipt-two-signatures.png"), full_page=True)
    page.locator("form.stack button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/stock/$"))
    expect(page.locator(".messages")).to_contain_text("MH261101")

    entry = LedgerEntry.objects.get(batch__batch_no="MH261101")
    assert (entry.kind, entry.quantity, entry.recorded_by, entry.witness, entry.voucher) == (
        "receipt",
        Decimal("50.00"),
        live_world.keeper_a,
        live_world.nurse_a,
        "PS20261123-01",
    )
    assert entry.detail["seal_card"].startswith("闽麻精印")

    # The statement of this month shows the morphine received, and its PDF downloads.
    page.goto(f"/stock/statement/?institution={live_world.clinic_a.pk}")
    row = page.locator("#drug-morphine-hcl-injection")
    expect(row).to_contain_text("50.00")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载PDF").click()
    assert download.value.suggested_filename.endswith(".pdf")
    assert open(download.value.path(), "rb").read(5) == b"%PDF-"
    page.screenshot(path=str(screenshot_dir / "21-monthly-statement.png"), full_page=True)
