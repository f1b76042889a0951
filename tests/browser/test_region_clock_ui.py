"""The pages show times on the region's clock (the setting TIMEZONE, served by GET /api/region), not
on one written in the frontend: a server set to a zone whose day is not Vietnam's now shows that day."""

import os
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.support import MapPage
from tests.conftest import _serve

pytestmark = pytest.mark.browser

# 2025-01-01T00:00:00Z as format.js formatDateTime shows it in each zone (Vietnam's: 01/01/2025 07:00).
_NEW_YEAR_UTC = {"Etc/GMT+12": "31/12/2024 12:00", "Etc/GMT-14": "01/01/2025 14:00"}


def _zone_off_vietnam_day() -> str:
    """UTC−12 (Etc/GMT+12) or UTC+14: whichever is on another day than Vietnam (UTC+7) right now."""
    now = datetime.now(UTC)
    vietnam = (now + timedelta(hours=7)).date()
    return "Etc/GMT+12" if (now - timedelta(hours=12)).date() != vietnam else "Etc/GMT-14"


@pytest.fixture(scope="module")
def zoned_server(app_database_url, coverage_run, tokens):
    """The real app with TIMEZONE set to a zone off Vietnam's day (only in the server's environment)."""
    zone = _zone_off_vietnam_day()
    server = _serve(app_database_url, worker=False)
    os.environ["TIMEZONE"] = zone
    try:
        url = next(server)
    finally:
        del os.environ["TIMEZONE"]
    yield url, zone
    server.close()


def test_a_non_default_timezone_changes_the_days_and_times_the_page_shows(chromium, zoned_server):
    url, zone = zoned_server
    probe = MapPage(chromium, url, user="planner1")
    try:
        page = probe.open()
        assert probe.api("/api/region")["timezone"] == zone
        day = datetime.now(ZoneInfo(zone)).date().isoformat()
        assert day != datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date().isoformat()
        # The Department's audit export runs to today: the region's today, not Vietnam's.
        expect(page.locator("#hg-audit-to")).to_have_value(day)
        shown = page.evaluate(
            "import('/src/format.js').then((f) => f.formatDateTime('2025-01-01T00:00:00Z'))"
        )
        assert shown == _NEW_YEAR_UTC[zone]
        assert probe.errors == []
    finally:
        probe.context.close()
