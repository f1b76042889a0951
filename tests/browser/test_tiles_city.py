"""The dense layers at the city's size (the reformed sample: three former provinces, `seed --reform`):
drawn from vector tiles, and measured against the GeoJSON pages they replace (`?tiles=off`).

Printed per way of loading (run with `-s` to see it): time to the first map (navigation to every
visible layer drawn), bytes the map fetched for its layers (tiles or GeoJSON pages, as sent: gzip),
and the frames drawn while the map is dragged. Only correctness is asserted — features drawn, as
the API reports, and no console error —: timings depend on the machine."""

import pytest
from sqlalchemy import create_engine, text

from bench.web_map import measure_map, print_rows
from tests.browser.support import MapPage, layer_state
from tests.conftest import APP_LOGIN, REFORMED_DB, _serve, _url_for, issue_tokens

pytestmark = pytest.mark.browser

# The reformed sample is loaded without a coverage run: the model card answers 404 (see test_reformed_ui).
NO_RUN = "/api/coverage/model-card"
DENSE = ("sites", "poles", "ducts", "cells")
ZOOM = 14  # every dense layer is drawn from here (the poles from 12, the cells from 13)


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


def test_dense_layers_from_tiles_at_the_city_size(chromium, city_server, densest):
    # The city's size, not the province's: more cells alone than one GeoJSON page (10,000) holds.
    assert densest["counts"]["cells"] > 10_000, densest["counts"]
    view = (densest["lat"], densest["lon"], ZOOM)
    rows = {}
    for tiles in (True, False):
        probe = MapPage(chromium, city_server, user="planner_city")
        try:
            page = probe.page
            rows["vector tiles" if tiles else "GeoJSON (?tiles=off)"] = measure_map(
                page, city_server, view, DENSE, tiles
            )
            for name in DENSE:
                state = layer_state(page, name)
                assert state["error"] is None and state["count"] > 0, (name, state)
            if tiles:
                # Every pole around the centre is drawn, and none came as GeoJSON.
                codes = set(page.evaluate("window.__hgmap.codes('poles')"))
                lon, lat = densest["lon"], densest["lat"]
                near = probe.api(
                    f"/ogc/collections/poles/items?limit=1000&bbox={lon - 0.002},{lat - 0.002},{lon + 0.002},{lat + 0.002}"
                )
                assert near["features"] and {f["properties"]["code"] for f in near["features"]} <= codes
                assert not page.evaluate(
                    "performance.getEntriesByType('resource').some((e) => e.name.includes('/ogc/collections/poles/items'))"
                ), "the poles were fetched as GeoJSON"
            assert [e for e in probe.errors if NO_RUN not in e] == []
        finally:
            probe.context.close()
    print(f"\ncity: {densest['counts']}; view z{ZOOM} at {densest['lat']:.3f}, {densest['lon']:.3f}")
    print_rows(rows)
