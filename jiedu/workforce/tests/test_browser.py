"""In real headless Chromium: the head of clinic A registers a nurse, corrects the record (the form comes back
filled, dates included) and records her leaving; the register shows her only when those who left are asked for."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from jiedu.testing import PASSWORD
from jiedu.web.tests.conftest import (  # noqa: F401 — the browser fixtures, shared with the web app's tests
    browser,
    chromium_path,
    live_world,
    new_page,
    screenshot_dir,
)
from jiedu.workforce.models import StaffMember, StaffVersion
from jiedu.workforce.tests.data import register

pytestmark = pytest.mark.browser


def test_the_head_keeps_the_register(live_world, new_page, screenshot_dir, today):  # noqa: F811
    world = live_world
    register(world.director_a, world.clinic_a, "陈建华", "psychiatrist")
    page = new_page()
    page.goto(f"/accounts/login/?next=/workforce/organisations/{world.clinic_a.pk}/register/")
    page.locator("input[name=username]").fill("director_a")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form.stack button[type=submit]").click()
    page.locator("#id_name").fill("黄丽娟")
    page.locator("#id_sex").select_option("F")
    page.locator("#id_profession").select_option("nurse")
    page.locator("#id_certificate_type").select_option("nurse")
    page.locator("#id_certificate_number").fill("202035001234")
    page.locator("#id_certificate_valid_from").fill("2020-07-01")
    page.locator("#id_start_date").fill("2022-04-01")
    page.locator("#staff-form button[type=submit]").click()
    nurse = StaffMember.objects.get(name="黄丽娟")
    expect(page).to_have_url(re.compile(rf"/workforce/{nurse.pk}/$"))

    page.goto(f"/workforce/{nurse.pk}/correct/")
    expect(page.locator("#id_start_date")).to_have_value("2022-04-01")
    expect(page.locator("#id_certificate_valid_from")).to_have_value("2020-07-01")
    page.locator("#id_title").select_option("intermediate")
    page.locator("#id_reason").fill("取得中级职称")
    page.locator("#staff-form button[type=submit]").click()
    expect(page.locator("#version-2")).to_contain_text("取得中级职称")

    page.goto(f"/workforce/{nurse.pk}/leave/")
    page.locator("#id_leave_date").fill("2026-05-15")
    page.locator("#id_leave_reason").select_option("resigned")
    page.locator("#leave-form button[type=submit]").click()
    expect(page.locator("#version-3")).to_be_visible()
    assert list(
        StaffVersion.objects.filter(staff=nurse).order_by("version").values_list("kind", flat=True)
    ) == [
        "registered",
        "corrected",
        "left",
    ]
    page.goto("/workforce/")
    expect(page.locator(f"#staff-{nurse.pk}")).to_have_count(0)
    page.goto("/workforce/?left=1")
    expect(page.locator(f"#staff-{nurse.pk}")).to_have_count(1)
    page.screenshot(path=str(screenshot_dir / "73-workforce-register.png"), full_page=True)
