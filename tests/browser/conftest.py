"""Browser tests: Playwright drives Debian's chromium against pytest-django's live server.

No browser is downloaded (``playwright install`` is never run): the tests use
``/usr/bin/chromium`` (``apt-get install chromium fonts-noto-cjk``). Without it they skip on a
laptop and fail in CI (``REQUIRE_SERVICES=1``), like the tests that need Redis.
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from crm.models import User
from tests.conftest import skip_or_fail

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Playwright's sync API runs an event loop in the test's thread, and Django then refuses the
# test's own (synchronous) database calls; nothing here is async, so the guard is lifted.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def chromium() -> Iterator:
    """A headless chromium for one test.

    Not shared across tests: while Playwright's sync API runs, Django's per-context connection
    state differs, and the serialized reference data would not be restored after the flush.
    """
    if not CHROMIUM.exists():
        skip_or_fail(f"{CHROMIUM} is missing (apt-get install chromium fonts-noto-cjk)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("the Python package playwright is not installed (requirements-dev.txt)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def open_as(chromium, live_server) -> Iterator:
    """``open_as(user, path)``: a 1440×900 page signed in as ``user`` showing ``path``."""
    contexts = []

    def open_page(user: User, path: str):
        client = Client()
        client.force_login(user)
        context = chromium.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
        contexts.append(context)
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )
        page = context.new_page()
        page.set_default_timeout(10_000)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.script_errors = errors
        page.goto(live_server.url + path)
        return page

    yield open_page
    for context in contexts:
        context.close()
