"""A joint inspection on a tablet (768 × 1024) in real headless Chromium: the inspector starts it, scores items as
the team goes (htmx saves each and updates the totals), uploads a photo, sees a live fact beside its item and
submits; the clinic's head answers a finding with a photo; the inspector verifies the answer."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connections
from playwright.sync_api import expect

from jiedu.core import clock
from jiedu.inspections import services
from jiedu.inspections.models import Inspection, Rectification
from jiedu.inspections.tests.data import attach, ensure_checklists, full_marks, items, joint_team, plan
from jiedu.pharmacy.models import StockBalance
from jiedu.pharmacy.services import day_close
from jiedu.testing import PASSWORD, build_clinic_stock, jpeg_bytes
from jiedu.web.tests.conftest import (  # noqa: F401 — the browser fixtures, shared with the web app's tests
    browser,
    chromium_path,
    live_world,
    new_page,
    screenshot_dir,
)

pytestmark = pytest.mark.browser
TABLET = {"width": 768, "height": 1024}
#: Scored on the tablet in the test; the team's other members have scored the rest.
ON_THE_TABLET = ("1.1", "1.2", "6.2")


def sign_in(page, username: str, next_url: str) -> None:
    page.goto(f"/accounts/login/?next={next_url}")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form.stack button[type=submit]").click()


@pytest.fixture
def close_connections():
    """The test's own queries run between Playwright's calls, in a context of their own: close its connection
    when the test ends, so that PostgreSQL can drop the test database."""
    yield
    connections.close_all()


def english(page, live_server) -> None:  # noqa: ANN001
    """The page in English (the cookie of the language switcher): the assertions read English text."""
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])


def test_an_inspector_conducts_an_inspection_and_verifies_the_answer(
    live_server,
    live_world,  # noqa: F811
    new_page,  # noqa: F811
    screenshot_dir,  # noqa: F811
    close_connections,
):
    world = live_world
    ensure_checklists()
    yesterday = clock.local_today() - dt.timedelta(days=1)
    store = build_clinic_stock(world)[world.clinic_a.pk]
    balance = StockBalance.objects.get(store=store)
    day_close(
        actor=world.keeper_a,
        witness=world.nurse_a,
        store=store,
        day=yesterday,
        counts={balance.batch_id: Decimal("4995")},
    )
    joint_team(world)
    inspection = plan(world)
    by_number = items(inspection)

    page = new_page(viewport=TABLET, has_touch=True)
    english(page, live_server)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, "inspector", "/inspections/mine/")
    expect(page).to_have_url(re.compile(r"/inspections/mine/$"))
    page.locator(f"#inspection-{inspection.pk} a").click()
    expect(page).to_have_url(re.compile(rf"/inspections/{inspection.pk}/conduct/$"))
    page.locator("#conduct-start button").click()
    expect(page.locator(f"#item-{by_number['1.1'].pk} form.insp-score-form")).to_be_visible()

    # The team's other members score the rest meanwhile (and photograph three of the four items that need it).
    for number, item in by_number.items():
        if number not in ON_THE_TABLET:
            services.response_record(
                actor=world.users["cdc"], inspection=inspection, item=item, **full_marks(item)
            )
    attach(inspection, world.users["cdc"], ["3.1", "4.1", "5.1"])
    page.reload()
    expect(page.locator("#overall-total")).to_contain_text("86 / 100")

    # A live fact beside its item: the open variance investigation of yesterday's day close, as a warning.
    fact = page.locator(f'#item-{by_number["4.2"].pk} aside[data-fact="stock_variances"]')
    expect(fact).to_have_class("fact warn")
    expect(fact.locator(".fact-value")).to_have_text("1 open")
    expect(fact).to_contain_text(f"of {yesterday:%Y-%m-%d}")

    # Pass / fail with big touch targets, then a graded item below its maximum with a note: a finding.
    first = page.locator(f"#item-{by_number['1.1'].pk}")
    first.locator("label.insp-choice").first.tap()
    first.locator("form.insp-score-form button[type=submit]").tap()
    expect(page.locator("#overall-total")).to_contain_text("91 / 100")
    graded = page.locator(f"#item-{by_number['1.2'].pk}")
    graded.locator("input[inputmode=decimal]").fill("6")
    graded.locator("form.insp-score-form button[type=submit]").tap()
    expect(graded.locator(".errorlist")).to_have_text(
        "1.2 门诊负责人明确，岗位职责和工作流程上墙公示: enter a score from 0 to 5 (at most one decimal place)."
    )
    graded.locator("input[inputmode=decimal]").fill("3")
    graded.locator("textarea").fill("岗位职责未上墙公示")
    graded.locator("form.insp-score-form button[type=submit]").tap()
    expect(graded).to_have_class(re.compile(r"is-finding"))
    expect(page.locator("#overall-total")).to_contain_text("94 / 100")
    take_away = page.locator(f"#item-{by_number['6.2'].pk}")
    take_away.locator("input[inputmode=numeric]").fill("0")
    take_away.locator("form.insp-score-form button[type=submit]").tap()
    expect(page.locator("#overall-total")).to_contain_text("98 / 100 (98%)")
    expect(page.locator(f"#section-total-{by_number['1.2'].section_id}")).to_contain_text("13 / 15")

    # A photo of the licence for the item that requires one.
    first = page.locator(f"#item-{by_number['1.1'].pk}")
    first.locator("input[type=file]").set_input_files(
        files=[{"name": "许可证.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}]
    )
    first.locator("form.insp-upload button[type=submit]").tap()
    expect(first.locator(".insp-evidence img")).to_have_count(1)
    page.screenshot(path=str(screenshot_dir / "inspections-10-conduct-tablet.png"), full_page=False)

    # Review and submit: one finding, rectified by the clinic within 30 days.
    page.locator(".insp-sticky a.button").tap()
    expect(page).to_have_url(re.compile(rf"/inspections/{inspection.pk}/submit/$"))
    expect(page.locator("#submit-problems")).to_have_count(0)
    expect(page.locator(f"#terms-{by_number['1.2'].pk}")).to_be_visible()
    page.locator("#submit-form button[type=submit]").tap()
    expect(page).to_have_url(re.compile(rf"/inspections/{inspection.pk}/$"))
    expect(page.locator("#inspection-score")).to_have_text("98%")
    finding = Rectification.objects.get()
    assert (finding.owner_id, finding.status) == (world.clinic_a.pk, "open")
    assert Inspection.objects.get().status == "submitted"

    # The clinic's head answers the finding with a photo.
    head = new_page(viewport=TABLET, has_touch=True)
    english(head, live_server)
    head.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(head, "director_a", "/inspections/findings/")
    head.locator(f"#finding-{finding.pk} a").click()
    head.locator("#finding-respond textarea").fill("已将岗位职责和工作流程上墙公示")
    head.locator("#respond-files").set_input_files(
        files=[{"name": "公示.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes(color="#aabbcc")}]
    )
    head.locator("#finding-respond button[type=submit]").tap()
    expect(head.locator("#finding-status")).to_contain_text(re.compile(r"\S"))
    expect(head.locator('#finding-history li[data-kind="responded"] img')).to_have_count(1)
    expect(head.locator("#finding-verify")).to_have_count(0)
    head.screenshot(path=str(screenshot_dir / "inspections-20-answer.png"), full_page=True)

    # The inspector verifies it.
    page.goto(f"/inspections/findings/{finding.pk}/")
    page.locator("#finding-verify form").first.locator("textarea").fill("现场复核属实")
    page.locator("#finding-verify form").first.locator("button[type=submit]").tap()
    expect(page.locator('#finding-history li[data-kind="verified"]')).to_have_count(1)
    expect(page.locator("#finding-close")).to_be_visible()
    finding.refresh_from_db()
    assert finding.status == "verified"
    assert errors == []
