"""What issue 14's other browser tests left unchecked: an official limited to a district opens the map
on it; the way to the upload page is shown only to those who may import (never to read-only roles);
the dashboard's choropleth is fitted to the district drilled into, its labels never overlapping; the planner's queue filters by
place and by state, not only by operator."""

import httpx
import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from tests.browser.support import MapPage, wait_idle
from tests.conftest import bearer

pytestmark = pytest.mark.browser

CELL = {"technology": "4G", "band_mhz": 1800, "azimuth_deg": 0, "antenna_height_m": 38, "eirp_dbm": 60}


def _extent(engine, code: str) -> tuple[float, float, float, float]:
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(geom) AS e "
                "FROM admin_units WHERE level = 'district' AND code = :code AND valid_to IS NULL) x"
            ),
            {"code": code},
        ).one()


def _fits(view: list[float], extent) -> None:
    """The whole unit is in view, and the view is not a wide one with the unit a speck in it."""
    west, south, east, north = extent
    assert view[0] <= west and view[1] <= south and view[2] >= east and view[3] >= north, (view, extent)
    assert (view[2] - view[0]) < 3 * (east - west), (view, extent)


def test_an_official_limited_to_a_district_opens_the_map_on_it(chromium, live_server_url, tokens, engine):
    official = MapPage(chromium, live_server_url, user="official934")
    try:
        page = official.open()
        bounds = page.evaluate(
            "(() => { const b = window.__hgmap.map.getBounds();"
            " return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; })()"
        )
        _fits(bounds, _extent(engine, "934"))
        # Its district alone among the districts, and the zoom list offers no other.
        assert page.evaluate("window.__hgmap.layers.districts.count") == 1
        offered = page.locator("#hg-district-select option").evaluate_all("(os) => os.map((o) => o.value)")
        assert [v for v in offered if v and "," not in v and v.isdigit() and len(v) == 3] == ["934"], offered
        assert official.errors == []  # nothing asked that it may not see (a refusal is logged)
    finally:
        official.context.close()


@pytest.mark.parametrize(
    ("user", "shown"),
    [
        (None, False),
        ("official1", False),
        ("official934", False),
        ("viettel1", True),
        ("planner1", True),
        ("admin1", True),
    ],
)
def test_the_import_link_is_shown_only_to_those_who_may_import(
    chromium, live_server_url, tokens, user, shown
):
    visit = MapPage(chromium, live_server_url, user=user)
    try:
        page = visit.open()
        link = page.locator("#hg-upload-link")
        expect(link).to_be_visible() if shown else expect(link).to_be_hidden()
        assert page.get_by_role("link", name="Nhập dữ liệu").count() == (1 if shown else 0)
    finally:
        visit.context.close()


def test_drilling_into_a_district_fits_the_dashboard_map_to_it(map_page, engine):
    page = map_page.page
    page.goto(f"{map_page.base_url}/dashboard")
    page.wait_for_function(
        "window.__hgdash !== undefined && window.__hgdash.idle && window.__hgdash.state.rows.length"
    )
    whole = page.evaluate(
        "(() => { const b = window.__hgdash.map.getBounds(); return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; })()"
    )
    extent = _extent(engine, "934")
    assert whole[2] - whole[0] > 1.5 * (extent[2] - extent[0])  # the province first: wider than 934
    page.click('tr[data-code="934"] .hg-dash-drill')
    page.wait_for_function("window.__hgdash.idle && window.__hgdash.state.map.level === 'commune'")
    page.wait_for_timeout(400)  # fitBounds animates
    drilled = page.evaluate(
        "(() => { const b = window.__hgdash.map.getBounds(); return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; })()"
    )
    _fits(drilled, extent)
    # Fitted, not merely in view: it fills the map's width or its height (whole zoom levels left it
    # a third of the width and half the height).
    span = max(
        (extent[2] - extent[0]) / (drilled[2] - drilled[0]),
        (extent[3] - extent[1]) / (drilled[3] - drilled[1]),
    )
    assert span > 0.75, (span, drilled, extent)
    # The communes' labels: several shown, none over another (the others wait for a closer zoom).
    page.wait_for_timeout(100)  # they are sorted out in the next frame
    boxes = page.evaluate(
        """() => [...document.querySelectorAll('#dash-map .hg-indicator-label')]
            .filter((el) => getComputedStyle(el).visibility !== 'hidden')
            .map((el) => { const b = el.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; })"""
    )
    assert len(boxes) >= 3, boxes
    overlaps = [
        (a, b)
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
    ]
    assert overlaps == [], overlaps
    # The legend lies under the map, never over the units.
    assert page.locator("#dash-map .hg-legend").count() == 0
    legend, chart = (page.locator(s).bounding_box() for s in (".hg-dash-legend .hg-legend", "#dash-map"))
    assert legend["y"] >= chart["y"] + chart["height"]
    assert map_page.errors == []


@pytest.fixture(scope="module")
def two_places(live_server_url, tokens, engine, coverage_run):
    """Two proposals in dead zones of two different districts (Viettel's, VinaPhone's); VinaPhone's
    approved. Removed afterwards."""
    with engine.connect() as conn:
        spots = conn.execute(
            text(
                "SELECT DISTINCT ON (d.code) ST_X(z.p), ST_Y(z.p), d.code FROM (SELECT ST_PointOnSurface(geom) AS p, "
                "area_km2 FROM dead_zones) z JOIN admin_units d ON d.level = 'district' AND d.valid_to IS NULL "
                "AND ST_Contains(d.geom, z.p) WHERE NOT EXISTS (SELECT 1 FROM sites s "
                "WHERE ST_DWithin(s.geom::geography, z.p::geography, 1000)) ORDER BY d.code, z.area_km2 DESC LIMIT 2"
            )
        ).all()
    assert len(spots) == 2, "the sample has dead zones free of sites in two districts"
    made = {}
    with httpx.Client(base_url=live_server_url, timeout=30) as api:
        for (lon, lat, district), (code, who) in zip(
            spots, [("UI-F-VT", "viettel1"), ("UI-F-VN", "vina1")], strict=True
        ):
            body = {
                "code": code,
                "position": {"lon": lon, "lat": lat},
                "structure_type": "tower",
                "height_m": 40,
                "cells": [CELL, {**CELL, "azimuth_deg": 180}],
            }
            r = api.post("/api/sites", json=body, headers=bearer(tokens[who]))
            assert r.status_code == 201, r.text
            made[code] = district
        r = api.post(
            "/api/sites/UI-F-VN/transitions",
            json={"to": "approved"},
            headers={**bearer(tokens["planner1"]), "If-Match": r.headers["ETag"]},
        )
        assert r.status_code == 200, r.text
    yield made
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM sites WHERE code IN ('UI-F-VT', 'UI-F-VN')"))


def test_the_queue_filters_by_place_and_by_state(chromium, live_server_url, two_places):
    planner = MapPage(chromium, live_server_url, user="planner1")
    try:
        page = planner.open()
        rows = page.locator("#hg-review-list li[data-code]")
        rows.first.wait_for()
        shown = lambda: rows.evaluate_all("(items) => items.map((li) => li.dataset.code)")  # noqa: E731
        assert {"UI-F-VT", "UI-F-VN"} <= set(shown())
        # By place: the first's district and commune, as the row says it.
        place = page.locator("#hg-review-place option").evaluate_all("(os) => os.map((o) => o.value)")
        row_text = page.locator("#hg-review-list li[data-code='UI-F-VT']").inner_text()
        (mine,) = [p for p in place if p and p in row_text]
        page.select_option("#hg-review-place", mine)
        assert "UI-F-VT" in shown() and "UI-F-VN" not in shown()
        assert all(mine in li for li in rows.evaluate_all("(items) => items.map((li) => li.innerText)"))
        page.select_option("#hg-review-place", "")
        # By state: the approved one alone, then the proposed ones without it.
        page.select_option("#hg-review-status", "approved")
        assert "UI-F-VN" in shown() and "UI-F-VT" not in shown()
        assert set(rows.evaluate_all("(items) => items.map((li) => li.dataset.status)")) == {"approved"}
        page.select_option("#hg-review-status", "proposed")
        assert "UI-F-VT" in shown() and "UI-F-VN" not in shown()
        # The filters' labels are in Vietnamese, and the count says what is shown.
        total = len(page.locator("#hg-review-list li[data-code]").all())
        assert page.locator("#hg-review-shown").inner_text().startswith(f"Hiển thị {total}/")
        wait_idle(page)
        assert planner.errors == []
    finally:
        planner.context.close()


def test_the_registration_forms_refusals_name_the_field_in_vietnamese(chromium, live_server_url, tokens):
    """Nothing typed, then a longitude out of range, then no code: each refusal in Vietnamese, by the
    field's label — never a model's words ("Value error", "geom: Point") or a pattern."""
    operator = MapPage(chromium, live_server_url, user="viettel1")
    try:
        page = operator.open()
        message = page.locator("#hg-reg-message")
        said = []
        for fill, button in (
            ({}, "#hg-reg-check"),
            ({"#hg-reg-lat": "9.8", "#hg-reg-lon": "200"}, "#hg-reg-check"),
        ):
            for selector, value in fill.items():
                page.fill(selector, value)
            page.click(button)
            expect(message).not_to_be_empty()
            said.append(message.inner_text())
            page.evaluate("document.querySelector('#hg-reg-message').replaceChildren()")
        assert said[1] == "Vị trí: (200, 9.8) không phải là cặp kinh độ, vĩ độ"
        page.fill("#hg-reg-lon", "105.6")
        page.click("#hg-reg-submit")
        expect(message).to_have_text("Mã: bắt buộc phải có")  # not: “” breaks ^[A-Za-z0-9]…$
        said.append(message.inner_text())
        for text_ in said:
            for raw in ("Value error", "geom", "Point", "^[", "owner_id", "position", "code"):
                assert raw not in text_, (raw, text_)
        operator.errors.clear()  # the browser logs each refusal (422): expected here
    finally:
        operator.context.close()
