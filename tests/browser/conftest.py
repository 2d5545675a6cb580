"""Playwright on Debian's Chromium (never a downloaded browser build)."""

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, VIEWPORTS


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: run `make test` (it installs Debian's chromium)."
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(params=list(VIEWPORTS))
def page(request, browser: Browser) -> Iterator[Page]:  # type: ignore[no-untyped-def]
    context = browser.new_context(**VIEWPORTS[request.param])
    page = context.new_page()
    page.viewport_name = request.param  # type: ignore[attr-defined]
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture(autouse=True)
def _debug_from_environment(request, settings):  # type: ignore[no-untyped-def]
    """`IL2_BROWSER_DEBUG=1 pytest tests/browser` runs every browser test with ``DEBUG`` on,
    as `make run` serves the pages (issue 14 item 1)."""
    if os.environ.get("IL2_BROWSER_DEBUG") == "1":
        settings.DEBUG = True


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def debug(request, settings) -> bool:  # type: ignore[no-untyped-def]
    """Both ways the pages are served: tests (``DEBUG`` off) and `make run` (``DEBUG`` on)."""
    settings.DEBUG = request.param
    return bool(request.param)
