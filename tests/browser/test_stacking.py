"""The map's stacking: every layer in its place whether drawn from vector tiles or GeoJSON.

Polygons under lines under points, labels over all: a tiled polygon layer must not cover the
GeoJSON points, nor a GeoJSON polygon the tiled points (sites used to lie in the tiles' pane under
the one GeoJSON canvas, so the fibre gaps covered them, and the hamlets' outlines over coverage).
"""

import pytest
from playwright.sync_api import expect
from shapely.geometry import shape

from tests.browser.support import click_at, wait_idle

pytestmark = pytest.mark.browser

# Bottom first, as the brief for the map asks (tiled: hamlets, coverage, dead zones, ducts, sites;
# GeoJSON: fibre gaps, challenges).
BOTTOM_FIRST = ["hamlets", "coverage", "ftth_gaps", "dead_zones", "ducts", "challenges", "sites"]

# Where an element is painted among the map's panes: (pane z-index, its own z-index in the pane,
# its place in the pane). Tuples compare as the browser stacks them (positioned, same context).
STACK_KEY_JS = """(ids) => ids.map((id) => {
    const element = window.__hgmap.element(id);
    if (!element) return [id, null];
    const mapPane = document.querySelector('.leaflet-map-pane');
    let pane = element;
    while (pane.parentElement !== mapPane) pane = pane.parentElement;
    const z = (el) => parseInt(getComputedStyle(el).zIndex, 10) || 0;
    const own = pane === element ? [0, -1] : [z(element), [...pane.children].indexOf(element)];
    return [id, [z(pane), ...own]];
})"""


def _stack(page, ids):
    return dict(page.evaluate(STACK_KEY_JS, ids))


def test_every_layer_is_stacked_by_what_it_draws_tiles_or_geojson(map_page):
    page = map_page.open(f"#13/9.78400/105.47000?layers={','.join(BOTTOM_FIRST)}")
    wait_idle(page)
    keys = _stack(page, BOTTOM_FIRST)
    assert all(keys.values()), f"a layer draws nothing: {keys}"
    order = sorted(BOTTOM_FIRST, key=lambda id: keys[id])
    assert order == BOTTOM_FIRST, keys
    # The place names are written over everything, and take no click.
    names = page.evaluate("+getComputedStyle(document.querySelector('.leaflet-hgPlaceNames-pane')).zIndex")
    assert names > keys["sites"][0]


def test_geojson_points_go_over_tiled_polygons_and_under_tiled_sites(map_page):
    """Without the GeoJSON areas: its canvas is placed among the points' tiles (challenges over poles)."""
    page = map_page.open("#13/9.78400/105.47000?layers=dead_zones,poles,challenges,sites")
    wait_idle(page)
    keys = _stack(page, ["dead_zones", "poles", "challenges", "sites"])
    assert keys["dead_zones"] < keys["poles"] < keys["challenges"] < keys["sites"], keys


def test_a_geojson_area_under_the_points_canvas_still_opens_its_popup(map_page):
    """The fibre gaps' canvas lies under the points' one, which receives the click: the map hands
    the click down (map.js enableFeaturePicking) instead of the point query's popup."""
    gaps = map_page.api("/ogc/collections/ftth_gaps/items?limit=50")["features"]
    assert gaps, "the sample has no fibre gap"
    gap = max(gaps, key=lambda f: shape(f["geometry"]).area)
    inside = shape(gap["geometry"]).representative_point()
    page = map_page.open(f"#15/{inside.y:.6f}/{inside.x:.6f}?layers=ftth_gaps,challenges")
    wait_idle(page)
    keys = _stack(page, ["ftth_gaps", "challenges"])
    assert keys["ftth_gaps"] < keys["challenges"]
    click_at(page, inside.y, inside.x)
    popup = page.locator(".leaflet-popup")
    expect(popup).to_be_visible()
    expect(page.locator(".hg-point-popup")).to_have_count(0)  # not "at this point": the gap's own
    expect(popup).to_contain_text(gap["properties"]["hamlet_name"])
