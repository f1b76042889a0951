"""`make bench`: the web map in headless Chromium with its dense layers from vector tiles and from
GeoJSON pages (`?tiles=off`): time to the first map, bytes fetched for the layers, frames while
the map is dragged. tests/browser/test_tiles_city.py measures the same at the city's size.

The service runs under uvicorn (bench.tiles' settings) on DATABASE_URL; the browser sends a
planner's API token as `Authorization: Bearer`, so tiles and items come in that account's scope.
"""

import os
import sys

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
# What the map fetched for its layers (tiles or GeoJSON pages), as sent (gzip).
LAYER_BYTES = """() => performance.getEntriesByType('resource')
  .filter((e) => e.name.includes('/tiles/') || e.name.includes('/ogc/collections/'))
  .reduce((sum, e) => ({ requests: sum.requests + 1, bytes: sum.bytes + e.transferSize }),
    { requests: 0, bytes: 0 })"""
IDLE = "window.__hgmap !== undefined && window.__hgmap.idle"
DRAWN = "(ids) => ids.every((id) => window.__hgmap.layers[id].count > 0)"


def measure_map(
    page, base_url: str, view: tuple[float, float, int], layers: tuple[str, ...], tiles: bool
) -> dict:
    """Open the map on `view` (lat, lon, zoom) with `layers`, from tiles or GeoJSON, wait until each
    layer has drawn features, then drag the map three widths and back. Returns first_map_ms,
    requests, kb (layers' bytes to the first map), pan_kb, fps and longest_frame_ms while dragging."""
    lat, lon, zoom = view
    query = "" if tiles else "?tiles=off"
    page.goto(f"{base_url}/{query}#{zoom}/{lat}/{lon}?layers={','.join(layers)}")
    page.wait_for_function(IDLE)
    page.wait_for_function(DRAWN, arg=list(layers))
    page.wait_for_function(IDLE)
    first_map_ms = page.evaluate("performance.now()")
    fetched = page.evaluate(LAYER_BYTES)

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
    page.wait_for_function(IDLE)
    after_pan = page.evaluate(LAYER_BYTES)
    return {
        "first_map_ms": first_map_ms,
        "requests": fetched["requests"],
        "kb": fetched["bytes"] / 1024,
        "pan_kb": (after_pan["bytes"] - fetched["bytes"]) / 1024,
        "fps": frames["count"] / elapsed_s,
        "longest_frame_ms": frames["longestMs"],
    }


def print_rows(rows: dict[str, dict]) -> None:
    print(
        f"{'':22} {'first map ms':>12} {'requests':>8} {'KB':>8} {'pan KB':>8} {'fps':>6} {'longest frame ms':>17}"
    )
    for name, r in rows.items():
        print(
            f"{name:22} {r['first_map_ms']:12.0f} {r['requests']:8d} {r['kb']:8.0f} {r['pan_kb']:8.0f} "
            f"{r['fps']:6.1f} {r['longest_frame_ms']:17.0f}"
        )


def _densest_poles() -> tuple[float, float]:
    """(lat, lon) where the data's poles are densest (their centre in the fullest ~2 km square): the
    map's heaviest view, wherever the region is."""
    from sqlalchemy import text

    from bench.run import read_today

    sql = text(
        "SELECT ST_Y(c), ST_X(c) FROM (SELECT ST_Centroid(ST_Collect(geom)) AS c, count(*) AS n "
        "FROM pole_features GROUP BY ST_SnapToGrid(geom, 0.02) ORDER BY n DESC LIMIT 1) AS densest"
    )
    lat, lon = read_today(lambda conn: conn.execute(sql).one())
    return round(lat, 4), round(lon, 4)


def main() -> int:
    from playwright.sync_api import sync_playwright

    from bench.run import _bench_token
    from bench.tiles import _start, _stop

    chromium = os.environ.get("HGMAP_CHROMIUM", "/usr/bin/chromium")
    token, _ = _bench_token()
    proc, base = _start([sys.executable, "-m", "uvicorn", "app.main:app"], {**os.environ}, "/health")
    layers = ("sites", "poles", "ducts", "cells")
    view = (*_densest_poles(), 14)
    rows = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium, args=["--no-sandbox"], headless=True
            )
            for tiles in (True, False):
                # Playwright's waits are eval'd in the page, which our Content-Security-Policy forbids.
                context = browser.new_context(
                    bypass_csp=True,
                    viewport={"width": 1280, "height": 800},
                    extra_http_headers={"Authorization": f"Bearer {token}"},
                )
                # Only this server answers (the OpenStreetMap basemap is not what is measured).
                context.route(
                    "**/*",
                    lambda route: route.continue_() if route.request.url.startswith(base) else route.abort(),
                )
                page = context.new_page()
                rows["vector tiles" if tiles else "GeoJSON (?tiles=off)"] = measure_map(
                    page, base, view, layers, tiles
                )
                context.close()
            browser.close()
    finally:
        _stop(proc)
    print(f"\n## Web map: {', '.join(layers)} at z{view[2]}, headless Chromium 1280×800")
    print_rows(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
