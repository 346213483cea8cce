"""In real headless Chromium: the county's health officer assesses the compulsory centre, adjusts a dimension with
a reason, confirms, and finds the centre ranked in the roll-up."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from jiedu.capability.models import Assessment
from jiedu.capability.tests.data import build_centre, centre_of
from jiedu.testing import PASSWORD
from jiedu.web.tests.conftest import (  # noqa: F401 — the browser fixtures, shared with the web app's tests
    browser,
    chromium_path,
    live_world,
    new_page,
    screenshot_dir,
)

pytestmark = pytest.mark.browser


def test_the_officer_assesses_the_centre(live_world, new_page, screenshot_dir, at):  # noqa: F811
    world = live_world
    unit, head = centre_of(world)
    build_centre(world, unit, head, at=at)

    page = new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"/accounts/login/?next=/capability/{unit.pk}/assess/")
    page.locator("input[name=username]").fill("officer")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form.stack button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/capability/{unit.pk}/assess/$"))
    expect(page.locator("#id_on")).to_have_value("2026-05-20")
    page.locator("#assess-form button[type=submit]").click()
    made = Assessment.objects.get()
    expect(page).to_have_url(re.compile(rf"/capability/assessments/{made.pk}/$"))
    expect(page.locator("#assessment-score strong")).to_have_text("46.7")
    expect(page.locator("#result-staff_total td.num").first).to_have_text("6")

    page.locator("#form-adjust summary").click()
    page.locator("#id_adjust-dimension").select_option("staff")
    page.locator("#id_adjust-score").fill("60")
    page.locator("#id_adjust-reason").fill("外聘精神科医师已到岗，证书换发中")
    page.locator("#form-adjust button[type=submit]").click()
    expect(page.locator("#assessment-score strong")).to_have_text("50.0")
    expect(page.locator("#assessment-steps")).to_contain_text("外聘精神科医师已到岗，证书换发中")
    page.locator("#form-confirm summary").click()
    page.locator("#id_confirm-confirm").check()
    page.locator("#form-confirm button[type=submit]").click()
    expect(page.locator("#form-confirm")).to_have_count(0)
    page.screenshot(path=str(screenshot_dir / "70-capability-assessment.png"), full_page=True)

    page.goto("/capability/rollup/")
    expect(page.locator(f"#rank-{unit.pk} td").first).to_have_text("1")
    page.screenshot(path=str(screenshot_dir / "71-capability-rollup.png"), full_page=True)
    page.goto(f"/capability/{unit.pk}/")
    expect(page.locator("#register-equipment tbody tr")).to_have_count(6)
    page.screenshot(path=str(screenshot_dir / "72-capability-registers.png"), full_page=True)
    assert errors == []
