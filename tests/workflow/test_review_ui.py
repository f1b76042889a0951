"""The planner's approval queue: filtered by operator, state, place and age; each registration
next to what the operator saw (sharing candidates, what-if) and its place on the map; nothing
irreversible without a confirmation."""

import httpx
import pytest

from tests.browser.support import MapPage, answer_next_dialog, wait_idle
from tests.conftest import bearer
from tests.workflow.spots import dead_zone_spots

pytestmark = pytest.mark.browser

CELL = {"technology": "4G", "band_mhz": 1800, "azimuth_deg": 0, "antenna_height_m": 38, "eirp_dbm": 60}


@pytest.fixture(scope="module")
def queued(live_server_url, tokens, engine, coverage_run):
    """Two proposals, of Viettel and VinaPhone, in the queue."""
    made = {}
    with httpx.Client(base_url=live_server_url, timeout=30) as api:
        for (lon, lat), (code, who) in zip(
            dead_zone_spots(engine, 3, free_m=1000)[1:],
            [("UI-Q-VT", "viettel1"), ("UI-Q-VN", "vina1")],
            strict=True,
        ):
            body = {
                "code": code,
                "position": {"lon": lon, "lat": lat},
                "structure_type": "tower",
                "height_m": 40,
                "cells": [CELL, {**CELL, "azimuth_deg": 120}, {**CELL, "azimuth_deg": 240}],
            }
            r = api.post("/api/sites", json=body, headers=bearer(tokens[who]))
            assert r.status_code == 201, r.text
            made[code] = (lon, lat)
    return made


def test_the_queue_filters_by_operator_and_shows_place_and_evidence(chromium, live_server_url, queued):
    planner = MapPage(chromium, live_server_url, user="planner1")
    try:
        page = planner.open()
        rows = page.locator("#hg-review-list li[data-code]")
        total = rows.count()
        assert total >= 2
        page.select_option("#hg-review-owner", "Viettel")
        codes = rows.evaluate_all("(items) => items.map((li) => li.dataset.code)")
        assert "UI-Q-VT" in codes and "UI-Q-VN" not in codes
        assert len(codes) < total
        assert page.locator("#hg-review-shown").inner_text() == f"Hiển thị {len(codes)}/{total} hồ sơ"
        # Waiting more than 90 days: none of today's proposals.
        page.select_option("#hg-review-age", "90")
        assert "UI-Q-VT" not in rows.evaluate_all("(items) => items.map((li) => li.dataset.code)")
        page.select_option("#hg-review-age", "")
        row = page.locator("#hg-review-list li[data-code='UI-Q-VT']")
        assert "Xã" in row.inner_text() or "Phường" in row.inner_text() or "Thị trấn" in row.inner_text()
        page.click("#hg-evidence-UI-Q-VT summary")
        evidence = page.locator("#hg-evidence-UI-Q-VT")
        evidence.locator(".hg-whatif").wait_for()
        assert "Nếu xây" in evidence.inner_text()
        assert "trạm nào cho thuê dùng chung" in evidence.inner_text()  # none within the radius
        # On the map: centred on the site, its popup open.
        page.click("#hg-onmap-UI-Q-VT")
        page.wait_for_selector(".leaflet-popup")
        wait_idle(page)
        assert "UI-Q-VT" in page.locator(".leaflet-popup").inner_text()
        lon, lat = queued["UI-Q-VT"]
        view = page.evaluate("window.__hgmap.view")
        assert view["zoom"] >= 16
        # Centred, then panned as the popup needs (it is moved into view when its size settles, ~100 px
        # at z16): the site stays in view.
        assert page.evaluate(
            "([lat, lon]) => window.__hgmap.map.getBounds().contains([lat, lon])", [lat, lon]
        )
        assert view["lat"] == pytest.approx(lat, abs=5e-3) and view["lon"] == pytest.approx(lon, abs=5e-3)
        assert not planner.errors, planner.errors
    finally:
        planner.context.close()


def test_approval_asks_first_and_a_no_changes_nothing(chromium, live_server_url, queued):
    planner = MapPage(chromium, live_server_url, user="planner1")
    try:
        page = planner.open()
        asked = answer_next_dialog(page, accept=False)
        page.click("#hg-approve-UI-Q-VN")
        page.wait_for_timeout(300)
        assert asked == ["Phê duyệt trạm UI-Q-VN của VinaPhone? Doanh nghiệp sẽ được phép xây dựng."]
        assert planner.api("/api/sites/UI-Q-VN")["status"] == "proposed"
        assert (
            page.locator("#hg-review-list li[data-code='UI-Q-VN']").get_attribute("data-status") == "proposed"
        )
        answer_next_dialog(page, accept=True)
        page.click("#hg-approve-UI-Q-VN")
        page.wait_for_selector("#hg-review-list li[data-code='UI-Q-VN'][data-status='approved']")
        assert planner.api("/api/sites/UI-Q-VN")["status"] == "approved"
        assert not planner.errors, planner.errors
    finally:
        planner.context.close()
