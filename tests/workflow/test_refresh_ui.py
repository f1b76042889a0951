"""Every write refreshes what it changed: the open popup of a site the planner commissions shows
its new state at once, not the old one until a reload."""

import pytest

from tests.browser.support import MapPage, answer_next_dialog, click_at, set_view, wait_idle
from tests.conftest import bearer
from tests.workflow.spots import dead_zone_spots

pytestmark = pytest.mark.browser

CELL = {"technology": "4G", "band_mhz": 1800, "azimuth_deg": 0, "antenna_height_m": 38, "eirp_dbm": 60}


def test_commissioning_a_site_updates_its_open_popup(chromium, live_server_url, tokens, engine, coverage_run):
    import httpx

    ((lon, lat),) = dead_zone_spots(engine, free_m=1000)
    body = {
        "code": "UI-REFRESH-1",
        "position": {"lon": lon, "lat": lat},
        "structure_type": "tower",
        "height_m": 40,
        "cells": [CELL, {**CELL, "azimuth_deg": 120}, {**CELL, "azimuth_deg": 240}],
    }
    with httpx.Client(base_url=live_server_url, timeout=30) as api:
        r = api.post("/api/sites", json=body, headers=bearer(tokens["viettel1"]))
        assert r.status_code == 201, r.text
        r = api.post(
            "/api/sites/UI-REFRESH-1/transitions",
            json={"to": "approved"},
            headers={**bearer(tokens["planner1"]), "If-Match": r.headers["ETag"]},
        )
        assert r.status_code == 200, r.text
    planner = MapPage(chromium, live_server_url, user="planner1")
    try:
        page = planner.open()
        set_view(page, lat, lon, 16)
        page.wait_for_function("window.__hgmap.codes('sites').includes('UI-REFRESH-1')")
        click_at(page, lat, lon)
        popup = page.locator(".leaflet-popup")
        popup.wait_for()
        assert "UI-REFRESH-1" in popup.inner_text() and "Đã phê duyệt" in popup.inner_text()
        asked = answer_next_dialog(page)
        page.click("#hg-activate-UI-REFRESH-1")
        page.wait_for_function("!document.querySelector(\"#hg-review-list li[data-code='UI-REFRESH-1']\")")
        wait_idle(page)
        page.wait_for_function(
            "(document.querySelector('.leaflet-popup')?.innerText ?? '').includes('Đang hoạt động')"
        )
        assert asked == [
            "Đưa trạm UI-REFRESH-1 của Viettel vào hoạt động? Trạm sẽ được tính vào vùng phủ sóng và các chỉ tiêu."
        ]
        text_ = page.locator(".leaflet-popup").inner_text()
        assert "UI-REFRESH-1" in text_ and "Đã phê duyệt" not in text_
        assert not planner.errors, planner.errors
    finally:
        planner.context.close()
