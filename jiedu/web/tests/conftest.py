"""Fixtures for the browser tests: Debian's Chromium driven by Playwright against pytest-django's live server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections

from jiedu.testing import World, build_world

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_MISSING = "Debian's chromium is required: apt-get install chromium"
# Without these, headless Chromium keeps trying to reach Google services and floods refused connections.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT_DIR = Path(settings.BASE_DIR) / "var" / "test-output" / "browser"


def require_chromium(path: Path = CHROMIUM) -> Path:
    """The system Chromium; never a downloaded one. In CI its absence is a failure, locally a skip."""
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(CHROMIUM_MISSING, pytrace=False)
        pytest.skip(CHROMIUM_MISSING)
    return path


@pytest.fixture
def chromium_path() -> Path:
    return require_chromium()


@pytest.fixture
def live_world(transactional_db, monkeypatch) -> World:  # noqa: ANN001
    """The persona world, committed so the live server's thread sees it.

    Playwright's sync API runs an event loop in this thread, so Django would refuse ORM calls from the test
    (SynchronousOnlyOperation); the test thread only reads and writes between page actions, so allow it.

    A flush after an earlier transactional test removes the audit chain head; ``audit.record`` re-seeds it
    on an empty chain.
    """
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    return build_world()


@pytest.fixture
def screenshot_dir() -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOT_DIR


@pytest.fixture
def browser(chromium_path: Path, monkeypatch) -> Iterator:  # noqa: ANN001
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
            # Inside Playwright's context the test's ORM calls open a connection of their own (the context
            # holding Django's connections is not the one outside); close it here, where it can be reached, or
            # it stays open until the test database cannot be dropped.
            connections.close_all()


@pytest.fixture
def new_page(browser, live_server):  # noqa: ANN001, ANN201
    """Factory: a page in a fresh context (zh-CN, as a clinic's browser) with the live server as base URL."""
    contexts = []

    def make(**context_options):  # noqa: ANN003, ANN202
        options = {"locale": "zh-CN", "timezone_id": "Asia/Shanghai", "base_url": live_server.url}
        options.update(context_options)
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
