"""Browser fixtures: one headless Chromium per module and a fresh map page per test."""

import pytest
from playwright.sync_api import sync_playwright

from tests.browser.support import CHROMIUM, CHROMIUM_ARGS, MapPage


@pytest.fixture(scope="module")
def chromium():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def map_page(chromium, live_server_url, tokens):
    """The map as a planner sees it (every layer)."""
    probe = MapPage(chromium, live_server_url, user="planner1")
    yield probe
    probe.context.close()


@pytest.fixture
def anon_page(chromium, live_server_url):
    """The map as an anonymous visitor sees it."""
    probe = MapPage(chromium, live_server_url)
    yield probe
    probe.context.close()
