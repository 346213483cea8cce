"""The county dashboard in real headless Chromium: the charts are drawn by the locally served ECharts and the map
on the shipped boundaries, with the clinics as points; the officer drills down from the league to a clinic."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from jiedu.indicators import services
from jiedu.indicators.tests.conftest import Records
from jiedu.testing import PASSWORD
from jiedu.web.tests.conftest import (  # noqa: F401 — the browser fixtures, shared with the web app's tests
    browser,
    chromium_path,
    live_world,
    new_page,
    screenshot_dir,
)

pytestmark = pytest.mark.browser
D = dt.date


def test_the_county_officer_reads_the_dashboard(live_world, new_page, screenshot_dir):  # noqa: F811
    world = live_world
    records = Records(world)
    for clinic, people in ((world.clinic_a, 6), (world.clinic_b, 5)):
        clinic.latitude, clinic.longitude = Decimal("24.96"), Decimal("118.38")
        clinic.save()
        for _ in range(people):
            e = records.episode(records.person(), clinic=clinic, start=D(2025, 6, 1))
            records.doses(e, D(2025, 6, 1), D(2025, 9, 30))
    services.rollup_rebuild(as_of=D(2025, 9, 30))

    page = new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("requestfailed", lambda request: errors.append(request.url))
    page.goto("/accounts/login/?next=/indicators/")
    page.locator("input[name=username]").fill("officer")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form.stack button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/indicators/$"))
    expect(page.locator("h1")).to_have_text("南安市 · 2025年第3季度")
    expect(page.locator("#trend-chart")).to_have_attribute("data-drawn", "trend")
    expect(page.locator("#trend-chart canvas")).to_have_count(1)
    expect(page.locator("#map-chart")).to_have_attribute("data-drawn", "map")
    expect(page.locator("#map-chart")).to_have_attribute("data-sites", "2")
    expect(page.locator("#league tbody tr")).to_have_count(2)
    page.screenshot(path=str(screenshot_dir / "40-county-dashboard.png"), full_page=True)
    # Both clinics do equally well on every league indicator: tied first, in the order of their names.
    expect(page.locator("#league tbody tr td:first-child")).to_have_text(["1", "1"])
    page.locator(f'#league tr[data-key="{world.clinic_a.pk}"] a').click()
    expect(page).to_have_url(re.compile(rf"\?clinic={world.clinic_a.pk}&period=2025-Q3$"))
    expect(page.locator("h1")).to_have_text("南安市美沙酮维持治疗门诊 · 2025年第3季度")
    expect(page.locator('#headline tr[data-code="in_treatment"] td').nth(1)).to_have_text("6")
    assert errors == []
