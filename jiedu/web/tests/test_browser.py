"""End to end in real headless Chromium: sign in, register a person, search by pinyin initials, unmask."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from jiedu.core.models import AuditEntry
from jiedu.patients import services
from jiedu.patients.identity import mask
from jiedu.testing import PASSWORD, jpeg_bytes, make_id_number

pytestmark = pytest.mark.browser


def _shot(page, directory, name: str) -> None:  # noqa: ANN001
    path = directory / name
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")


def _sign_in(page, username: str) -> None:  # noqa: ANN001
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form.stack button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator(".who")).to_contain_text(username)


def test_nurse_registers_searches_by_pinyin_and_unmasks(live_world, new_page, screenshot_dir, tmp_path):
    nurse = live_world.nurse_a
    # Someone else already in clinic A's care: the pinyin search must leave them out.
    services.person_register(
        actor=nurse,
        name="李四",
        sex="F",
        birth_date=dt.date(1985, 7, 19),
        id_number=make_id_number(sex="F", birth=dt.date(1985, 7, 19)),
    )
    id_number = make_id_number(sex="M", birth=dt.date(1979, 3, 8))
    masked = f"{id_number[:4]}{'*' * 10}{id_number[-4:]}"
    assert masked == mask(id_number)
    photo = tmp_path / "zsf.jpg"
    photo.write_bytes(jpeg_bytes())

    page = new_page()

    # 1. Anonymous → login page → signed in.
    _sign_in(page, "nurse_a")

    # 2. Register 张三丰 with a photo → his record, identity number masked.
    page.goto("/persons/register/")
    page.locator("#id_id_number").fill(id_number)
    page.locator("#id_name").fill("张三丰")
    page.locator("#id_sex").select_option("M")
    page.locator("#id_birth_date").fill("1979-03-08")
    page.locator("#id_phone").fill("13905951234")
    page.locator("#id_current_address").fill("福建省南安市溪美街道成功街8号")
    page.locator("#id_photo").set_input_files(str(photo))
    page.locator("form.stack button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/persons/\d+/$"))
    expect(page.locator("h1")).to_contain_text("张三丰")
    expect(page.locator("#id-number")).to_have_text(masked)
    expect(page.locator("body")).not_to_contain_text(id_number)
    expect(page.locator(".messages")).to_contain_text("张三丰")
    photo_img = page.locator("img.photo")
    expect(photo_img).to_be_visible()
    # Visible is not loaded: wait for the bytes to arrive and decode (a photo that never loads times out here).
    page.wait_for_function(
        "() => { const img = document.querySelector('img.photo'); return img.complete && img.naturalWidth > 0; }",
        timeout=10_000,
    )
    detail_url = page.url
    _shot(page, screenshot_dir, "01-registered.png")

    # 3. Persons list: typing "zsf" swaps the results in through htmx, no full reload.
    page.goto("/persons/")
    expect(page.locator("#person-results")).to_contain_text("李四")  # most recently registered
    page.evaluate("window.__noReload = true")
    with page.expect_response(
        lambda r: "/persons/?q=zsf" in r.url and r.request.headers.get("hx-request") == "true"
    ) as search:
        page.locator("#q").fill("zsf")
    assert search.value.ok
    rows = page.locator("#person-results tbody tr")
    expect(rows.filter(has_text="张三丰")).to_have_count(1)
    expect(rows).to_have_count(1)  # 李四 (l s) does not match "zsf"
    expect(page.locator("#results")).to_contain_text("zsf")
    expect(rows.first).to_contain_text(masked)
    assert page.evaluate("window.__noReload") is True, "the search reloaded the whole page"
    expect(page).to_have_url(re.compile(r"/persons/\?q=zsf$"))  # hx-push-url
    _shot(page, screenshot_dir, "02-search-zsf.png")

    # 4. Open the record from the results and show the full number (an htmx POST, audited).
    rows.first.get_by_role("link", name="张三丰").click()
    expect(page).to_have_url(detail_url)
    unmask_button = page.locator("button[hx-post$='/unmask/']")
    with page.expect_response(lambda r: r.url.endswith("/unmask/") and r.request.method == "POST") as unmask:
        unmask_button.click()
    assert unmask.value.ok
    expect(page.locator("#id-number")).to_have_text(id_number)
    expect(page.locator("#id-number")).to_have_attribute("data-unmasked", "true")
    _shot(page, screenshot_dir, "03-unmasked.png")

    # 5. The audit log recorded every step, for nurse_a.
    entries = AuditEntry.objects.filter(actor=nurse)
    for action in ("auth.login", "person.register", "person.search", "person.unmask_id"):
        assert entries.filter(action=action).exists(), f"no {action} audit entry for nurse_a"
    search_entry = entries.filter(action="person.search", detail__kind="pinyin").get()
    assert search_entry.detail == {"query": "zsf", "kind": "pinyin", "results": 1}
    person_id = detail_url.rstrip("/").rsplit("/", 1)[1]
    assert entries.filter(action="person.register", object_id=person_id).exists()
    assert entries.filter(action="person.unmask_id", object_id=person_id).exists()
    assert not AuditEntry.objects.filter(detail__icontains=id_number).exists(), "full number in the audit log"


def test_small_screen_layout(live_world, new_page, screenshot_dir):
    page = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)

    page.goto("/accounts/login/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, (
        "horizontal scrollbar on the login page"
    )
    _shot(page, screenshot_dir, "04-mobile-login.png")

    page.locator("input[name=username]").fill("nurse_a")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form.stack button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/$"))

    # The nav collapses behind the menu button and opens on a tap.
    menu_button = page.locator("label.menu-button")
    nav_link = page.locator("nav.nav a[href='/persons/']")
    expect(menu_button).to_be_visible()
    expect(nav_link).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, (
        "horizontal scrollbar on the home page"
    )
    _shot(page, screenshot_dir, "05-mobile-home.png")
    menu_button.click()
    expect(nav_link).to_be_visible()
    _shot(page, screenshot_dir, "06-mobile-menu-open.png")


def test_interface_is_chinese_by_default(live_world, new_page, screenshot_dir):
    """LANGUAGE_CODE is zh-hans: a browser in China gets the project's own strings in Chinese, not English."""
    page = new_page()  # Accept-Language: zh-CN
    page.goto("/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    _shot(page, screenshot_dir, "07-login-zh.png")
    han = re.compile(r"[\u4e00-\u9fff]")
    latin = re.compile(r"[A-Za-z]")
    texts = {
        "heading": page.locator("h1").inner_text(),
        "username label": page.locator("label[for=id_username]").inner_text(),
        "submit button": page.locator("form.stack button[type=submit]").inner_text(),
        "session help": page.locator("form.stack p.help").inner_text(),
    }
    untranslated = {k: v for k, v in texts.items() if not han.search(v) or latin.search(v)}
    assert not untranslated, f"shown in English, not Chinese: {untranslated}"
