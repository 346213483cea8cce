"""The morning queue in real headless Chromium: a nurse doses 20 patients with the keyboard alone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from jiedu.mmt.models import DoseDay, DosePart
from jiedu.mmt.tests.conftest import enrol, register
from jiedu.testing import PASSWORD, build_clinic_stock
from jiedu.web.tests.conftest import (  # noqa: F401 — the browser fixtures, shared with the web app's tests
    browser,
    chromium_path,
    live_world,
    new_page,
    screenshot_dir,
)

pytestmark = pytest.mark.browser

NAMES = (
    "张三丰 李四海 王五岳 赵六合 钱七星 孙八方 周九州 吴十全 郑一鸣 冯二胡 "
    "陈三元 褚四维 卫五常 蒋六顺 沈七巧 韩八斗 杨九思 朱十洲 秦一帆 尤二平"
).split()


def _sign_in(page, username: str) -> None:  # noqa: ANN001
    page.goto("/accounts/login/?next=/mmt/window/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form.stack button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/mmt/window/$"))


def test_nurse_doses_twenty_patients_with_the_keyboard_alone(live_world, new_page, screenshot_dir):  # noqa: F811
    build_clinic_stock(live_world)
    episodes = [
        enrol(live_world, register(live_world, seq=10 + i, name=name)) for i, name in enumerate(NAMES)
    ]

    page = new_page()
    _sign_in(page, "nurse_a")
    lookup = page.locator("#lookup")
    banner = page.locator("#banner .window-banner")
    expect(lookup).to_be_focused()
    expect(page.locator("#to-come-count")).to_have_text("20")
    expect(page.locator("#dosed-count")).to_have_text("0")

    for episode in episodes:
        name = episode.person.name
        # The scanner types the card number and Enter…
        page.keyboard.type(episode.card_number)
        page.keyboard.press("Enter")
        expect(page.locator("#card-name")).to_contain_text(name)
        expect(page.locator("#dose-button")).to_be_focused()
        if episode is episodes[0]:
            page.screenshot(path=str(screenshot_dir / "09-window-card.png"), full_page=True)
        # …and the nurse confirms with Enter: the banner names the patient, focus is back in the lookup.
        page.keyboard.press("Enter")
        expect(banner).to_contain_text(name)
        expect(banner).to_have_attribute("data-level", "ok")
        expect(lookup).to_be_focused()
        expect(lookup).to_have_value("")
        expect(page.locator("#card")).to_be_empty()

    expect(page.locator("#dosed-count")).to_have_text("20")
    expect(page.locator("#dosed-today tbody tr")).to_have_count(20)
    expect(page.locator("#to-come-count")).to_have_text("0")
    expect(page.locator("#to-come-empty")).to_be_visible()
    assert DoseDay.objects.filter(site=live_world.clinic_a).count() == 20
    assert DosePart.objects.filter(given_by=live_world.nurse_a).count() == 20

    path = screenshot_dir / "10-window-after-20.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
