"""The map's stacking: every layer in its place whether drawn from vector tiles or GeoJSON.

Polygons under lines under points, labels over all: a tiled polygon layer must not cover the
GeoJSON points, nor a GeoJSON polygon the tiled points (sites used to lie in the tiles' pane under
the one GeoJSON canvas, so the fibre gaps covered them, and the hamlets' outlines over coverage).
"""

import pytest

from tests.browser.support import wait_idle

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
