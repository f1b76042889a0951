"""The web map in headless Chromium against the live app (`live_server_url`, from tests/conftest.py).

Every request that does not go to the live server is aborted, so the OpenStreetMap tiles fail
and the offline basemap fallback is what these tests see. `window.__hgmap` (frontend/src/debug.js)
reports what the map has drawn; counts are checked against the API itself. The browser and page
fixtures are in conftest.py, the helpers in support.py.
"""

import math
import re

import httpx
import pytest
from playwright.sync_api import expect
from shapely.geometry import shape

from tests.browser.support import (
    MapPage,
    click_at,
    format_vi,
    layer_state,
    painted_pixels,
    set_view,
    tiles_bbox,
    view,
    view_bbox,
    wait_idle,
)
from tests.conftest import bearer

pytestmark = pytest.mark.browser

TITLE_VI = "Bản đồ hạ tầng viễn thông tỉnh Hậu Giang"


def test_page_loads_in_vietnamese_without_console_errors(map_page):
    page = map_page.open()
    expect(page).to_have_title(TITLE_VI)
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.locator("h1")).to_have_text(TITLE_VI)
    expect(page.locator("#hg-lang-toggle")).to_have_text("EN")
    for label in ("Huyện/thị/thành phố", "Xã/phường/thị trấn", "Trạm BTS", "Cột treo cáp", "Tuyến cống bể"):
        expect(page.locator(".hg-layer-name", has_text=label)).to_be_visible()
    expect(page.locator(".hg-legend")).to_contain_text("Chú giải")
    expect(page.locator(".leaflet-control-scale-line")).to_be_visible()
    # Let the basemap fallback and any late request settle before judging the console.
    expect(page.locator("body.basemap-offline")).to_be_attached()
    wait_idle(page)
    assert map_page.errors == []


def test_districts_and_sites_are_drawn_as_the_api_reports(map_page):
    page = map_page.open()
    districts = map_page.api("/ogc/collections/districts/items?limit=1")
    sites = map_page.api("/ogc/collections/sites/items?limit=1")
    assert districts["numberMatched"] == 8

    expect(page.locator("path.hg-district")).to_have_count(8)
    assert layer_state(page, "districts")["count"] == 8
    state = layer_state(page, "sites")
    assert state["visible"] and state["error"] is None
    assert state["count"] == sites["numberMatched"] > 0

    painted = painted_pixels(page, "hgPoints")
    assert painted > 100, "the sites' canvas is empty"


def test_basemap_falls_back_to_own_outlines_when_tiles_fail(map_page):
    page = map_page.open()
    expect(page.locator("body.basemap-offline")).to_be_attached()
    expect(page.locator("#map.basemap-offline")).to_be_attached()
    expect(page.locator(".hg-basemap-notice")).to_be_visible()
    expect(page.locator(".hg-basemap-notice")).to_contain_text("OpenStreetMap")
    expect(page.locator("path.hg-outline")).to_have_count(8)
    assert page.evaluate("window.__hgmap.basemap.offline") is True

    # Choosing "Không nền" is the same picture, by choice, and goes into the permalink.
    page.get_by_label("Không nền").check()
    expect(page.locator(".hg-basemap-notice")).to_contain_text("Không dùng nền bản đồ")
    expect(page).to_have_url(re.compile(r"basemap=none"))


def test_search_ignores_diacritics_and_moves_the_map(map_page):
    page = map_page.open()
    before = view(page)
    search = page.get_by_role("combobox", name="Tìm ấp, xã, huyện")
    lon, lat = map_page.api("/api/region")["centre"]
    # The example position is the region's own (/api/region), none written in the code.
    expect(search).to_have_attribute("placeholder", re.compile(rf"ap tan loi, {lat:.2f}, {lon:.2f}\)$"))
    search.fill("ap tan loi")
    option = page.get_by_role("option").filter(has_text="Ấp Tân Lợi").first
    expect(option).to_be_visible()
    expect(search).to_have_attribute("aria-expanded", "true")

    # Keyboard: move to the first "Ấp Tân Lợi" and choose it.
    options = page.get_by_role("option")
    index = next(i for i in range(options.count()) if "Ấp Tân Lợi" in options.nth(i).inner_text())
    for _ in range(index + 1):
        search.press("ArrowDown")
    expect(options.nth(index)).to_have_attribute("aria-selected", "true")
    search.press("Enter")

    expect(page.get_by_role("listbox")).to_be_hidden()
    page.wait_for_function("window.__hgmap.highlight && window.__hgmap.highlight.found")
    expect(page.locator("path.hg-highlight")).to_have_count(1)
    after = view(page)
    assert after["zoom"] > before["zoom"]
    assert (after["lat"], after["lon"]) != (before["lat"], before["lon"])
    assert page.evaluate("window.__hgmap.highlight.level") == "hamlet"


def test_english_toggle_switches_labels_and_is_remembered(map_page):
    page = map_page.open()
    page.get_by_role("button", name="Chuyển sang tiếng Anh").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_title("Telecom infrastructure map of Hậu Giang province")
    expect(page.locator("#hg-lang-toggle")).to_have_text("VI")
    expect(page.locator(".hg-layer-name", has_text="BTS sites")).to_be_visible()
    expect(page.locator(".hg-layer-name", has_text="Districts")).to_be_visible()
    expect(page.get_by_label("Operator", exact=True)).to_be_visible()
    expect(page.locator(".hg-legend")).to_contain_text("Legend")
    expect(page.get_by_role("combobox", name="Search hamlets, communes, districts")).to_be_visible()
    expect(page).to_have_url(re.compile(r"lang=en"))

    page.reload()
    wait_idle(page)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".hg-layer-name", has_text="BTS sites")).to_be_visible()
    assert map_page.errors == []


def test_popup_labels_are_vietnamese_and_values_formatted(map_page):
    page = map_page.open()
    site = map_page.api("/ogc/collections/sites/items?limit=1")["features"][0]
    lon, lat = site["geometry"]["coordinates"]
    page.evaluate(
        "([lat, lon]) => { window.__hgmap.map.setView([lat, lon], 16, {animate: false}); }", [lat, lon]
    )
    wait_idle(page)
    point = page.evaluate("([lat, lon]) => window.__hgmap.map.latLngToContainerPoint([lat, lon])", [lat, lon])
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    popup = page.locator(".leaflet-popup .hg-popup")
    expect(popup).to_be_visible()
    expect(popup.locator(".hg-popup-layer")).to_have_text("Trạm BTS")
    expect(popup.locator(".hg-popup-title")).to_have_text(site["properties"]["code"])
    expect(popup.locator("th", has_text="Chủ sở hữu")).to_be_visible()
    expect(popup.locator("tr[data-field='shared'] td")).to_have_text(
        "Có" if site["properties"]["shared"] else "Không"
    )


def test_duct_popup_shows_the_route_name_free_ducts_and_stated_length(map_page):
    page = map_page.open()
    page.get_by_label("Trạm BTS").uncheck()
    page.get_by_label("Tuyến cống bể").check()
    # Routes without a free duct are dashed, and the legend says so.
    expect(page.locator(".hg-legend-section[data-layer='ducts']")).to_contain_text("Hết ống trống")
    duct = map_page.api("/ogc/collections/ducts/items?limit=1&filter=free_duct_count > 0")["features"][0]
    props = duct["properties"]
    on_line = shape(duct["geometry"]).interpolate(0.5, normalized=True)
    set_view(page, on_line.y, on_line.x, 17)
    click_at(page, on_line.y, on_line.x)
    popup = page.locator(".leaflet-popup .hg-popup")
    expect(popup.locator(".hg-popup-layer")).to_have_text("Tuyến cống bể")
    expect(popup.locator(".hg-popup-title")).to_have_text(props["code"])
    expect(popup.locator("tr[data-field='name'] th")).to_have_text("Tên tuyến")
    expect(popup.locator("tr[data-field='name'] td")).to_have_text(props["name"])
    expect(popup.locator("tr[data-field='free_duct_count'] th")).to_have_text("Số ống trống")
    expect(popup.locator("tr[data-field='free_duct_count'] td")).to_have_text(str(props["free_duct_count"]))
    expect(popup.locator("tr[data-field='used_duct_count'] td")).to_have_text(str(props["used_duct_count"]))
    expect(popup.locator("tr[data-field='stated_length_m'] th")).to_have_text("Chiều dài khai báo")
    expect(popup.locator("tr[data-field='stated_length_m'] td")).to_have_text(
        f"{format_vi(props['stated_length_m'], 1)} m"
    )


def test_district_popup_opens_through_the_canvas(map_page):
    page = map_page.open()
    page.get_by_label("Trạm BTS").uncheck()
    page.get_by_label("Xã/phường/thị trấn").uncheck()
    district = map_page.api("/ogc/collections/districts/items?limit=10")["features"][0]
    inside = shape(district["geometry"]).representative_point()
    point = page.evaluate(
        "([lat, lon]) => window.__hgmap.map.latLngToContainerPoint([lat, lon])", [inside.y, inside.x]
    )
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    popup = page.locator(".leaflet-popup .hg-popup")
    expect(popup.locator(".hg-popup-title")).to_have_text(district["properties"]["name"])
    expect(popup.locator("th", has_text="Dân số")).to_be_visible()


def test_filters_go_to_the_api_and_the_map_redraws(map_page):
    page = map_page.open()
    viettel = map_page.api("/ogc/collections/sites/items?limit=10000&operator=Viettel")["features"]
    # The sites come as vector tiles, asked with the filter the items endpoint takes.
    with page.expect_request(
        lambda request: "/tiles/sites/" in request.url and "operator=Viettel" in request.url
    ):
        page.get_by_label("Nhà mạng").select_option("Viettel")
    wait_idle(page)
    # The whole province is in view: every Viettel site is drawn, and no other.
    assert layer_state(page, "sites")["count"] == len(viettel)
    assert set(page.evaluate("window.__hgmap.codes('sites')")) == {f["properties"]["code"] for f in viettel}
    expect(page).to_have_url(re.compile(r"operator=Viettel"))


def test_heavy_layers_load_tiles_in_view_from_their_minimum_zoom(map_page):
    page = map_page.open()
    page.get_by_label("Cột treo cáp").check()
    wait_idle(page)
    assert layer_state(page, "poles")["belowMinZoom"] is True
    assert page.evaluate("window.__hgmap.codes('poles')") == []

    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    with page.expect_request(lambda request: "/tiles/poles/" in request.url):
        page.evaluate("() => { window.__hgmap.map.setView([9.784, 105.470], 14, {animate: false}); }")
    wait_idle(page)
    state = layer_state(page, "poles")
    assert state["error"] is None and not state["belowMinZoom"]
    # Every pole in view is drawn; every pole drawn is one the tiles asked for may hold.
    drawn = set(page.evaluate("window.__hgmap.codes('poles')"))
    assert state["count"] == len(drawn) > 0
    in_view = map_page.api(f"/ogc/collections/poles/items?limit=10000&bbox={view_bbox(page)}")["features"]
    tiles = [url for url in requested if "/tiles/poles/" in url]
    in_tiles = map_page.api(f"/ogc/collections/poles/items?limit=10000&bbox={tiles_bbox(tiles)}")["features"]
    assert {f["properties"]["code"] for f in in_view} <= drawn <= {f["properties"]["code"] for f in in_tiles}
    assert not any("/ogc/collections/poles/items" in url for url in requested)  # no GeoJSON page


def test_permalink_follows_the_map_and_restores_it(map_page):
    page = map_page.open()
    start = view(page)
    page.locator(".leaflet-control-zoom-in").click()
    expect(page).to_have_url(re.compile(rf"#{start['zoom'] + 1}/"))
    # Pan through Leaflet itself: a mouse drag started during the zoom animation is
    # sometimes swallowed on a loaded machine, and dragging is Leaflet's business, not ours.
    page.wait_for_function("() => !window.__hgmap.map._animatingZoom")
    page.evaluate("() => { window.__hgmap.map.panBy([120, 70], {animate: false}); }")
    page.get_by_label("UBND cấp xã").check()
    page.get_by_label("Công nghệ", exact=True).select_option("4G")
    wait_idle(page)
    expect(page).to_have_url(re.compile(r"commune_offices"))
    expect(page).to_have_url(re.compile(r"technology=4G"))
    # The hash is written shortly after each change (and after any drag inertia): wait for it.
    page.wait_for_function(
        """() => {
            const v = window.__hgmap.view;
            return location.hash.startsWith(`#${v.zoom}/${v.lat.toFixed(5)}/${v.lon.toFixed(5)}?`);
        }"""
    )
    moved = view(page)
    assert (round(moved["lat"], 4), round(moved["lon"], 4)) != (
        round(start["lat"], 4),
        round(start["lon"], 4),
    )
    permalink = page.url

    fresh = map_page.new_page()
    fresh.goto(permalink)
    wait_idle(fresh)
    restored = view(fresh)
    assert restored["zoom"] == moved["zoom"]
    assert abs(restored["lat"] - moved["lat"]) < 1e-4
    assert abs(restored["lon"] - moved["lon"]) < 1e-4
    expect(fresh.get_by_label("UBND cấp xã")).to_be_checked()
    expect(fresh.get_by_label("Trạm BTS")).to_be_checked()
    expect(fresh.get_by_label("Công nghệ", exact=True)).to_have_value("4G")
    assert layer_state(fresh, "commune_offices")["count"] > 0
    assert map_page.errors == []


def test_zoom_to_district_fits_the_district(map_page):
    page = map_page.open()
    start = view(page)
    features = map_page.api("/ogc/collections/districts/items?limit=10")["features"]
    district = next(f for f in features if f["properties"]["code"] == "934")
    west, south, east, north = shape(district["geometry"]).bounds
    page.get_by_label("Chọn huyện/thị/thành phố").select_option("934")
    # The map now frames the district: all of it in view, its middle near the map's centre.
    page.wait_for_function(
        """([west, south, east, north]) => {
            const map = window.__hgmap.map;
            const centre = map.getCenter();
            return map.getBounds().contains([[south, west], [north, east]])
                && Math.abs(centre.lat - (south + north) / 2) < (north - south) / 4
                && Math.abs(centre.lng - (west + east) / 2) < (east - west) / 4;
        }""",
        arg=[west, south, east, north],
    )
    assert view(page) != start


def test_editing_the_hash_updates_the_map(map_page):
    page = map_page.open()
    page.evaluate("() => { location.hash = '#13/9.78400/105.47000?layers=districts,sites&lang=en'; }")
    page.wait_for_function("window.__hgmap.view.zoom === 13")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_label("Communes and wards")).not_to_be_checked()
    expect(page.get_by_label("BTS sites")).to_be_checked()
    here = view(page)
    assert abs(here["lat"] - 9.784) < 1e-4 and abs(here["lon"] - 105.47) < 1e-4


def test_tiles_come_in_the_callers_scope(chromium, live_server_url, tokens):
    """The session cookie rides on every tile request: an official limited to district 934 is drawn
    that district's sites only, as the API lists them for that account — and the planner all."""
    official = MapPage(chromium, live_server_url, user="official934")
    try:
        page = official.open()
        wait_idle(page)
        drawn = set(page.evaluate("window.__hgmap.codes('sites')"))
        theirs = {
            f["properties"]["code"]
            for f in official.api("/ogc/collections/sites/items?limit=10000")["features"]
        }
        in_934 = official.api("/ogc/collections/sites/items?limit=1&district=934")["numberMatched"]
        planner = httpx.get(
            f"{live_server_url}/ogc/collections/sites/items?limit=1", headers=bearer(tokens["planner1"])
        )
        assert drawn and drawn == theirs and len(theirs) == in_934 < planner.json()["numberMatched"]
        assert official.errors == []
    finally:
        official.context.close()


def test_a_cell_popup_opens_from_inside_its_wedge(map_page):
    """A cell is drawn as its sector from the tiles, and a click inside the wedge, away from the site,
    opens a popup of a cell of that site, fetched by its id."""
    cells = map_page.api("/ogc/collections/cells/items?limit=200")["features"]
    cell = next(
        c
        for c in cells
        if c["properties"]["azimuth_deg"] is not None and c["properties"]["technology"] == "4G"
    )
    lon, lat = cell["geometry"]["coordinates"]
    # 150 m from the site along the azimuth: inside a 4G wedge (220 m), outside the site's dot.
    azimuth = math.radians(cell["properties"]["azimuth_deg"])
    inside = (
        lat + 150 * math.cos(azimuth) / 111_320,
        lon + 150 * math.sin(azimuth) / (111_320 * math.cos(math.radians(lat))),
    )
    page = map_page.open(f"#17/{lat}/{lon}?layers=cells")
    wait_idle(page)
    assert cell["properties"]["code"] in page.evaluate("window.__hgmap.codes('cells')")
    click_at(page, *inside)
    popup = page.locator(".leaflet-popup .hg-popup")
    expect(popup.locator(".hg-popup-layer")).to_have_text("Ô/cell")
    same_site = map_page.api(
        f"/ogc/collections/cells/items?limit=100&bbox={lon - 1e-6},{lat - 1e-6},{lon + 1e-6},{lat + 1e-6}"
    )
    expect(popup.locator(".hg-popup-title")).to_have_text(
        re.compile("^(" + "|".join(re.escape(f["properties"]["code"]) for f in same_site["features"]) + ")$")
    )
    expect(popup.locator("tr[data-field='site_code'] td")).to_have_text(cell["properties"]["site_code"])
    assert map_page.errors == []
