"""The dense layers at the city's size (the reformed sample: three former provinces, `seed --reform`):
drawn from vector tiles, and measured against the GeoJSON pages they replace (`?tiles=off`).

Printed per way of loading (run with `-s` to see it): time to the first map (navigation to every
visible layer drawn), bytes the map fetched for its layers (tiles or GeoJSON pages, as sent: gzip),
and the frames drawn while the map is dragged. Only correctness is asserted — features drawn, as
the API reports, and no console error —: timings depend on the machine."""

import pytest
from sqlalchemy import create_engine, text

from tests.browser.support import MapPage, layer_state, wait_idle
from tests.conftest import APP_LOGIN, REFORMED_DB, _serve, _url_for, issue_tokens

pytestmark = pytest.mark.browser

# The reformed sample is loaded without a coverage run: the model card answers 404 (see test_reformed_ui).
NO_RUN = "/api/coverage/model-card"
DENSE = ("sites", "poles", "ducts", "cells")
ZOOM = 14  # every dense layer is drawn from here (the poles from 12, the cells from 13)

# Counted in the page: frames while the map is dragged across, the longest gap between two.
COUNT_FRAMES = """() => {
  window.__frames = { count: 0, longestMs: 0, last: performance.now(), on: true };
  const tick = (now) => {
    const f = window.__frames;
    if (!f.on) return;
    f.count += 1;
    f.longestMs = Math.max(f.longestMs, now - f.last);
    f.last = now;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""
LAYER_BYTES = """() => performance.getEntriesByType('resource')
  .filter((e) => e.name.includes('/tiles/') || e.name.includes('/ogc/collections/'))
  .reduce((sum, e) => ({ requests: sum.requests + 1, bytes: sum.bytes + e.transferSize }),
    { requests: 0, bytes: 0 })"""


@pytest.fixture(scope="module")
def city_server(reformed_url):
    issue_tokens(reformed_url, {"planner_city": ("planner", None, None)})
    yield from _serve(_url_for(REFORMED_DB, APP_LOGIN), worker=False)


@pytest.fixture(scope="module")
def densest(reformed_url) -> dict:
    """The centre of the 0.02° cell holding most poles, and the city's counts."""
    engine = create_engine(reformed_url)
    with engine.connect() as conn:
        lon, lat = conn.execute(
            text(
                "SELECT round(ST_X(geom) / 0.02) * 0.02, round(ST_Y(geom) / 0.02) * 0.02 FROM poles "
                "GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT 1"
            )
        ).one()
        tables = {"sites": "sites", "poles": "poles", "ducts": "duct_routes", "cells": "cells"}
        counts = {
            name: conn.execute(text(f"SELECT count(*) FROM {tables[name]}")).scalar_one() for name in DENSE
        }
    engine.dispose()
    return {"lon": float(lon), "lat": float(lat), "counts": counts}


def _measure(chromium, server: str, densest: dict, tiles: bool) -> tuple[dict, MapPage]:
    probe = MapPage(chromium, server, user="planner_city")
    page = probe.page
    query = "" if tiles else "?tiles=off"
    fragment = f"#{ZOOM}/{densest['lat']}/{densest['lon']}?layers={','.join(DENSE)}"
    page.goto(f"{server}/{query}{fragment}")
    wait_idle(page)
    page.wait_for_function("window.__hgmap.layers.poles.count > 0")
    first_map_ms = page.evaluate("performance.now()")
    fetched = page.evaluate(LAYER_BYTES)

    # Drag the map across three times its width and back, as a person pans, frames counted.
    page.evaluate(COUNT_FRAMES)
    box = page.locator("#map").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    started = page.evaluate("performance.now()")
    for direction in (-1, 1):
        for _ in range(3):
            page.mouse.move(x, y)
            page.mouse.down()
            for step in range(1, 21):
                page.mouse.move(x + direction * step * box["width"] * 0.03, y + direction * step * 8)
            page.mouse.up()
    frames = page.evaluate("(() => { window.__frames.on = false; return window.__frames; })()")
    elapsed_s = (page.evaluate("performance.now()") - started) / 1000
    wait_idle(page)
    after_pan = page.evaluate(LAYER_BYTES)
    result = {
        "first_map_ms": first_map_ms,
        "requests": fetched["requests"],
        "kb": fetched["bytes"] / 1024,
        "pan_kb": (after_pan["bytes"] - fetched["bytes"]) / 1024,
        "fps": frames["count"] / elapsed_s,
        "longest_frame_ms": frames["longestMs"],
    }
    return result, probe


def test_dense_layers_from_tiles_at_the_city_size(chromium, city_server, densest):
    assert densest["counts"]["poles"] > 10_000, densest["counts"]  # the city's size, not the province's
    rows = {}
    for tiles in (True, False):
        result, probe = _measure(chromium, city_server, densest, tiles)
        try:
            page = probe.page
            for name in DENSE:
                state = layer_state(page, name)
                assert state["error"] is None and state["count"] > 0, (name, state)
            if tiles:
                # Every feature drawn is one the API has, and those around the centre are drawn.
                codes = set(page.evaluate("window.__hgmap.codes('poles')"))
                near = probe.api(
                    "/ogc/collections/poles/items?limit=1000&bbox="
                    f"{densest['lon'] - 0.002},{densest['lat'] - 0.002},{densest['lon'] + 0.002},{densest['lat'] + 0.002}"
                )
                assert {f["properties"]["code"] for f in near["features"]} <= codes
                assert not page.evaluate(
                    "performance.getEntriesByType('resource').some((e) => e.name.includes('/ogc/collections/poles/items'))"
                ), "the poles were fetched as GeoJSON"
            assert [e for e in probe.errors if NO_RUN not in e] == []
        finally:
            probe.context.close()
        rows["vector tiles" if tiles else "GeoJSON (?tiles=off)"] = result
    print(f"\ncity: {densest['counts']}; view z{ZOOM} at {densest['lat']:.3f}, {densest['lon']:.3f}")
    print(
        f"{'':22} {'first map ms':>12} {'requests':>8} {'KB':>8} {'pan KB':>8} {'fps':>6} {'longest frame ms':>17}"
    )
    for name, r in rows.items():
        print(
            f"{name:22} {r['first_map_ms']:12.0f} {r['requests']:8d} {r['kb']:8.0f} {r['pan_kb']:8.0f} "
            f"{r['fps']:6.1f} {r['longest_frame_ms']:17.0f}"
        )
