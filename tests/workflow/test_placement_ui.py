"""Placing a site by clicking the map: the click places the site whatever is drawn under it — a dead
zone is exactly where operators place new sites — and no popup covers the new marker."""

import pytest

from tests.browser.support import MapPage, click_at, set_view, wait_idle
from tests.workflow.spots import dead_zone_spots

pytestmark = pytest.mark.browser


def test_a_click_inside_a_dead_zone_places_the_site_and_opens_no_popup(
    chromium, live_server_url, tokens, engine, coverage_run
):
    ((lon, lat),) = dead_zone_spots(engine, kind="no_mbb")
    operator = MapPage(chromium, live_server_url, user="viettel1")
    try:
        page = operator.open()
        page.get_by_label("Vùng lõm sóng", exact=True).check()
        set_view(page, lat, lon, 15)
        assert page.evaluate("window.__hgmap.layers.dead_zones.count") > 0
        # Without placing, a click there opens the dead zone's popup (what it is for) …
        click_at(page, lat, lon)
        page.wait_for_selector(".leaflet-popup")
        page.keyboard.press("Escape")
        page.evaluate("() => { window.__hgmap.map.closePopup(); }")
        # The popup may have panned the map (an animation): put the view back, still, before clicking.
        set_view(page, lat, lon, 15)
        # … while placing, the same click places the site, and no popup opens over it.
        page.click("#hg-reg-place")
        click_at(page, lat, lon)
        wait_idle(page)
        assert float(page.input_value("#hg-reg-lat")) == pytest.approx(lat, abs=2e-5)
        assert float(page.input_value("#hg-reg-lon")) == pytest.approx(lon, abs=2e-5)
        page.wait_for_timeout(300)  # a popup opens within a frame or two of the click
        assert page.locator(".leaflet-popup").count() == 0
        # The next click (placing is over) is an ordinary click again.
        click_at(page, lat, lon)
        page.wait_for_selector(".leaflet-popup")
        assert not operator.errors, operator.errors
    finally:
        operator.context.close()
