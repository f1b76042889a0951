"""The map offline: the tile server is asked once a session, not after every zoom; the region's
water (built at setup from GSHHG, `make basemap`) and main roads (the database's, with their
numbers clear of the place names) drawn under the layers; and the palettes of gaps
(dead zones) and of choropleths never share a hue.

The test pages abort every request that does not go to the live server (support.py), so the
OpenStreetMap tiles fail as they do on a machine without the Internet."""

import colorsys
import io
from urllib.parse import urlsplit

import pytest
from PIL import Image
from playwright.sync_api import expect

from app.services.reports import svg_map
from tests.browser.support import set_view, view, wait_idle
from tests.browser.test_place_names import _labels, _overlapping

pytestmark = pytest.mark.browser

TILE_HOST = "tile.openstreetmap.org"


def _count_tile_requests(page) -> list[str]:
    asked: list[str] = []
    page.on(
        "request",
        lambda request: asked.append(request.url) if urlsplit(request.url).netloc == TILE_HOST else None,
    )
    return asked


def _count_console_errors(page) -> list[str]:
    """Every error line the browser's console shows, the failed tile requests' included."""
    lines: list[str] = []
    page.on(
        "console",
        lambda m: lines.append(f"{m.text} {m.location.get('url', '')}") if m.type == "error" else None,
    )
    return lines


def _statuses(page, path: str) -> list[int]:
    """The status of every response to ``path`` from now on."""
    served: list[int] = []
    page.on("response", lambda r: urlsplit(r.url).path == path and served.append(r.status))
    return served


def _z_indexes(page, *panes: str) -> list[int]:
    return page.evaluate(
        "(panes) => panes.map((p) => +window.__hgmap.map.getPane(p).style.zIndex)", list(panes)
    )


def _zoom_around(page, times: int = 4) -> None:
    here = view(page)
    for step in range(times):
        set_view(page, here["lat"], here["lon"], here["zoom"] + 1 + step % 3)


def test_tiles_that_failed_are_not_asked_again_until_retry(map_page):
    page = map_page.page
    asked = _count_tile_requests(page)
    console = _count_console_errors(page)
    map_page.open()
    _zoom_around(page)  # at once, as a person who does not wait for the notice
    expect(page.locator("body.basemap-offline")).to_be_attached()
    first_batch = len(asked)
    assert first_batch == 1  # the map did try the tile server once, with one tile
    _zoom_around(page)
    page.wait_for_timeout(300)
    assert len(asked) == first_batch, asked[first_batch:]

    # The next page of the session remembers: no tile is asked, the outlines are there at once.
    page.reload()
    wait_idle(page)
    _zoom_around(page)
    expect(page.locator("body.basemap-offline")).to_be_attached()
    assert len(asked) == first_batch, asked[first_batch:]
    assert page.evaluate("window.__hgmap.basemap") == {
        "choice": "osm",
        "offline": True,
        "reason": "tileerror",
    }

    # "Thử lại" asks once more — and fails once more, back offline.
    retry = page.locator(".hg-basemap-notice .hg-basemap-retry")
    expect(retry).to_have_text("Thử lại")
    retry.click()
    expect(page.locator("body.basemap-offline")).to_be_attached()
    wait_idle(page)
    retried = len(asked)
    assert retried > first_batch
    _zoom_around(page)
    assert len(asked) == retried
    assert map_page.errors == []
    # The whole session — two pages, a dozen zooms, one retry — logged one error per attempt:
    # a single probe tile each time, not a screenful of them.
    assert len(asked) == 2 and len(console) == 2, console


def test_tiles_that_load_are_drawn_after_the_first_one(map_page):
    page = map_page.page
    image = io.BytesIO()
    Image.new("RGB", (256, 256), "#e8e0d0").save(image, format="PNG")
    page.route(
        f"https://{TILE_HOST}/**",
        lambda route: route.fulfill(body=image.getvalue(), content_type="image/png"),
    )
    asked = _count_tile_requests(page)
    map_page.open()
    expect(page.locator(".leaflet-tile-pane img.leaflet-tile-loaded").first).to_be_attached()
    assert page.evaluate("window.__hgmap.basemap") == {"choice": "osm", "offline": False, "reason": None}
    expect(page.locator("body.basemap-offline")).to_have_count(0)
    assert len(asked) > 1  # the probe, then the screenful
    assert page.locator(".leaflet-hgWater-pane path").count() == 0
    assert page.locator(".leaflet-hgRoads-pane path, .hg-road-label").count() == 0
    assert map_page.errors == []


def test_offline_the_regions_water_is_drawn_under_the_layers(map_page):
    page = map_page.page
    served = _statuses(page, "/basemap/water.json")
    map_page.open()
    expect(page.locator("body.basemap-offline")).to_be_attached()
    pane = page.locator(".leaflet-hgWater-pane")
    # Sea and lakes filled, rivers and canals as lines — GSHHG has all four around the sample.
    expect(pane.locator("path.hg-water:not([fill='none'])").first).to_be_attached()
    assert pane.locator("path.hg-water:not([fill='none'])").count() >= 2
    assert pane.locator("path.hg-water[fill='none']").count() >= 2
    # Whole near the region, then fading out in nested pieces: no hard edge where it was cut.
    opacities = page.evaluate(
        """() => [...document.querySelectorAll('.leaflet-hgWater-pane path.hg-water')].map((p) =>
            +(p.getAttribute('fill') === 'none' ? p.getAttribute('stroke-opacity') : p.getAttribute('fill-opacity')))"""
    )
    assert max(opacities) == 1 and min(opacities) < 0.1 and len(set(opacities)) >= 5, opacities
    assert served == [200]
    expect(page.locator(".leaflet-control-attribution")).to_contain_text("GSHHG")  # LGPL: named
    z_index = _z_indexes(page, "hgOutline", "hgWater", "hgDistricts")
    assert z_index == sorted(z_index)  # over the land fill, under every outline and layer
    assert map_page.errors == []


SAMPLE_REFS = {
    "QL61",
    "QL61C",
    "QL1",
    "QL61B",
    "ĐT925",
    "ĐT927",
    "ĐT928",
    "ĐT930",
}  # data/hamlets/roads.geojson


def test_offline_the_main_roads_are_drawn_with_their_numbers_clear_of_the_place_names(map_page):
    page = map_page.page
    served = _statuses(page, "/basemap/roads.json")
    map_page.open()
    expect(page.locator("body.basemap-offline")).to_be_attached()
    pane = page.locator(".leaflet-hgRoads-pane")
    expect(pane.locator("path.hg-road").first).to_be_attached()
    assert pane.locator("path.hg-road").count() == 9  # the sample's nine roads, one path each
    # National roads wider than provincial ones; all thin.
    widths = page.evaluate(
        """() => [...document.querySelectorAll('.leaflet-hgRoads-pane path.hg-road')]
            .map((p) => +p.getAttribute('stroke-width'))"""
    )
    assert sorted(set(widths)) == [1.8, 2.2]
    z_index = _z_indexes(page, "hgWater", "hgRoads", "hgDistricts")
    assert z_index == sorted(z_index)  # over the water, under every layer
    assert served == [200]

    lon, lat = map_page.api("/api/region")["centre"]
    set_view(page, lat, lon, 9)  # too far out: no number
    assert _labels(page) and page.locator(".hg-road-label").count() == 0
    set_view(page, lat, lon, 11)
    names = _labels(page)  # once placed, the numbers have been placed around them
    expect(page.locator(".hg-road-label").first).to_be_visible()
    roads = _labels(page, ".hg-road-label")
    assert names and {r["text"] for r in roads} <= SAMPLE_REFS, roads
    assert _overlapping(roads + names) == []  # no number over a name, nor over another number
    assert map_page.errors == []


def test_no_basemap_by_choice_offers_no_retry(map_page):
    page = map_page.open("#12/9.78/105.47?basemap=none")
    expect(page.locator(".hg-basemap-notice")).to_be_visible()
    expect(page.locator(".hg-basemap-notice .hg-basemap-retry")).to_be_hidden()


def _hue(color: str) -> float | None:
    """Hue in degrees of "#rrggbb"; None for a grey (no hue to confuse)."""
    r, g, b = (int(color[i : i + 2], 16) / 255 for i in (1, 3, 5))
    h, _, s = colorsys.rgb_to_hls(r, g, b)
    return None if s < 0.15 else h * 360


def _hue_gap(a: float, b: float) -> float:
    return min(abs(a - b), 360 - abs(a - b))


def test_dead_zone_and_choropleth_palettes_share_no_hue(map_page):
    page = map_page.open()
    palettes = page.evaluate(
        """async () => {
            const s = await import('/src/styles.js');
            return {
                deadZones: Object.values(s.DEAD_ZONE_COLORS),
                ftthGaps: [s.ftthGapStyle().fillColor],
                shares: s.SHARE_CLASSES.map((c) => c.color),
                targets: [...s.MET_CLASSES, s.ON_TRACK_CLASS, ...s.BEHIND_CLASSES].map((c) => c.color),
                bands: Object.values(s.BAND_COLORS),
            };
        }"""
    )
    gaps = palettes["deadZones"] + palettes["ftthGaps"]
    choropleths = palettes["shares"] + palettes["targets"] + palettes["bands"]
    assert not set(gaps) & set(choropleths)
    # Not only other hex codes: other hues, at least 30° apart on the colour wheel.
    for gap in gaps:
        for colour in choropleths:
            if _hue(colour) is not None:
                assert _hue_gap(_hue(gap), _hue(colour)) >= 30, (gap, colour)
    # Reds and purples for dead zones; the hamlet shares a sequential blue-green, darker for more.
    assert all(_hue(c) >= 270 for c in palettes["deadZones"])
    assert all(120 <= _hue(c) <= 200 for c in palettes["shares"])
    lightness = [
        colorsys.rgb_to_hls(*(int(c[i : i + 2], 16) / 255 for i in (1, 3, 5)))[1] for c in palettes["shares"]
    ]
    assert lightness == sorted(lightness)
    # The report's map draws the same classes as the web map.
    assert [c for _, c in svg_map.SHARE_CLASSES] == palettes["shares"]
    assert {
        k: palettes["deadZones"][i] for i, k in enumerate(("no_signal", "no_mbb"))
    } == svg_map.DEAD_ZONE_COLORS
