"""The map's date field drives the coverage and dead-zone layers (headless Chromium, live app): their
vector tiles are asked with the day (`datetime`), a day whose network is today's draws what the API
lists for it, and a past day not computed yet says so on the layer instead of drawing today's."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.services.clock import today
from tests.app.test_coverage_dated_layers import PAST, not_computed
from tests.browser.support import layer_state, wait_idle

pytestmark = pytest.mark.browser


def _carries(layer: str, day: str):
    return lambda request: f"/tiles/{layer}/" in request.url and f"datetime={day}" in request.url


def test_the_date_field_reaches_the_coverage_tiles(map_page, engine):
    yesterday = (today() - timedelta(days=1)).isoformat()
    page = map_page.open("#?layers=districts,communes,coverage,dead_zones")
    wait_idle(page)
    today_count = layer_state(page, "dead_zones")["count"]
    with (
        page.expect_request(_carries("coverage", yesterday)),
        page.expect_request(_carries("dead_zones", yesterday)),
    ):
        page.get_by_label("Ngày hiệu lực").fill(yesterday)
    wait_idle(page)
    listed = map_page.api(f"/ogc/collections/dead_zones/items?limit=10000&datetime={yesterday}")
    assert layer_state(page, "dead_zones")["error"] is None
    assert layer_state(page, "dead_zones")["count"] == listed["numberMatched"]
    if listed["numberMatched"] == map_page.api("/ogc/collections/dead_zones/items?limit=1")["numberMatched"]:
        assert layer_state(page, "dead_zones")["count"] == today_count
    expect(page).to_have_url(re.compile(rf"coverage\.as_of={yesterday}"))
    assert map_page.errors == []

    with not_computed(engine, PAST):
        with page.expect_response(_carries("coverage", PAST)) as answer:
            page.get_by_label("Ngày hiệu lực").fill(PAST)
        assert answer.value.status == 409
        wait_idle(page)
        for layer in ("coverage", "dead_zones"):
            assert layer_state(page, layer)["error"]
            row = page.locator(f".hg-layer-row.has-error[data-layer='{layer}']")
            expect(row).to_have_count(1)
            # Said in the page's language (Vietnamese), whatever the browser's Accept-Language.
            expect(row.locator(".hg-layer-state")).to_have_attribute("title", re.compile("chưa được tính"))
