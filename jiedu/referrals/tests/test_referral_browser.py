"""A referral from community rehab accepted by an MMT clinic, in real headless Chromium: the community worker
refers a man with his written consent; the clinic sees only what the referral needs until its doctor accepts;
then the man is in the clinic's care and the register shows both disclosures."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from jiedu.core import clock
from jiedu.mmt.tests.conftest import register
from jiedu.referrals.models import Referral
from jiedu.reports.models import Disclosure
from jiedu.testing import PASSWORD
from jiedu.web.tests.conftest import (  # noqa: F401 — the browser fixtures, shared with the web app's tests
    browser,
    chromium_path,
    live_world,
    new_page,
    screenshot_dir,
)

pytestmark = pytest.mark.browser


def sign_in(page, username, then):
    page.goto(f"/accounts/login/?next={then}")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form.stack button[type=submit]").click()
    expect(page).to_have_url(re.compile(re.escape(then) + "$"))


def test_community_refers_and_the_clinic_accepts(live_world, new_page, screenshot_dir):  # noqa: F811
    world = live_world
    person = register(world, actor="community", seq=51, name="林阿明", birth=dt.date(1984, 6, 2))

    worker = new_page()
    sign_in(worker, "community", f"/persons/{person.pk}/")
    worker.locator("#refer").click()
    worker.locator("#id_kind").select_option("community_to_mmt")
    worker.locator("#id_to_org").select_option(str(world.clinic_a.pk))
    worker.locator("#id_reason").fill("社区戒毒期间本人申请美沙酮维持治疗")
    worker.locator("#id_basis").select_option("written_consent")
    # Without the date of consent the referral is refused beside the field, and nothing is written.
    worker.locator("#id_consent_on").fill("")
    worker.locator("form.stack button[type=submit]").click()
    expect(worker.locator('[data-field="consent_on"] .errorlist')).to_contain_text("同意")
    assert Referral.objects.count() == 0
    worker.locator("#id_consent_on").fill(clock.local_today().isoformat())
    worker.screenshot(path=str(screenshot_dir / "30-referral-made.png"), full_page=True)
    worker.locator("form.stack button[type=submit]").click()
    expect(worker.locator("#referral-status")).to_contain_text("已申请")
    referral = Referral.objects.get()
    assert (referral.from_org, referral.to_org, referral.status) == (
        world.community,
        world.clinic_a,
        "requested",
    )

    doctor = new_page()
    sign_in(doctor, "doctor_a", "/referrals/")
    expect(doctor.locator(f"#referral-{referral.pk}")).to_contain_text("林阿明")
    doctor.locator(f"#referral-{referral.pk} a").click()
    facts = doctor.locator("#referral-facts")
    expect(facts).to_contain_text("社区戒毒期间本人申请美沙酮维持治疗")
    expect(facts).to_contain_text(person.id_number_masked)
    # Not yet in the clinic's care: the name is not a link to the record.
    expect(facts.locator("a")).to_have_count(0)
    doctor.locator("#accept").click()
    expect(doctor.locator("#referral-status")).to_contain_text("已接收")
    doctor.screenshot(path=str(screenshot_dir / "31-referral-accepted.png"), full_page=True)
    facts.locator("a").click()
    expect(doctor).to_have_url(re.compile(rf"/persons/{person.pk}/$"))
    expect(doctor.locator("#disclosures tbody tr")).to_have_count(2)

    referral.refresh_from_db()
    assert (referral.status, referral.decided_by) == ("accepted", world.doctor_a)
    assert Disclosure.objects.filter(person=person, recipient=world.clinic_a).count() == 2
