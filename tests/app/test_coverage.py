"""Coverage results on the sample province, incremental recompute and what-if on a scratch copy."""

import time

import pytest
from sqlalchemy import text

from app.services.coverage import runs as coverage
from tests.conftest import TEST_PASSWORD, bearer, sample_database

CELL_KM2 = 0.05 * 0.05  # default 50 m grid
GAP = (105.690, 9.705)  # a gap centre of the sample (data/hamlets/README.md)
NEW_SITE = {
    "site": {"lon": GAP[0], "lat": GAP[1], "height_m": 40},
    "cells": [
        {
            "operator": "Viettel",
            "technology": "4G",
            "band_mhz": 1800,
            "azimuth_deg": az,
            "beamwidth_deg": 65,
            "antenna_height_m": 38,
            "eirp_dbm": 59.0,
        }
        for az in (0, 120, 240)
    ],
}


def _rows(engine, sql: str, **params) -> list:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).all()


def test_every_hamlet_cell_is_covered_or_dead(engine, coverage_run):
    rows = _rows(
        engine,
        "SELECT h.code, h.area_km2, sum(x.cells_total) t, sum(x.cells_mbb_any) m, sum(x.cells_legacy_only) l, "
        "sum(x.cells_no_signal) n, ST_Perimeter(h.geom::geography) / 1000 AS perim_km "
        "FROM admin_units h JOIN hamlet_cover_cells x ON x.hamlet_id = h.id GROUP BY h.id",
    )
    hamlets = _rows(engine, "SELECT count(*) FROM admin_units WHERE level = 'hamlet'")[0][0]
    assert len(rows) == hamlets
    for code, area, total, mbb, legacy, none, perim in rows:
        assert mbb + legacy + none == total, code  # covered + dead = hamlet, exactly, in cells
        # ... and the cells add up to the hamlet's area within the grid resolution (half a cell on the rim)
        assert abs(total * CELL_KM2 - area) <= perim * 0.025 + CELL_KM2, code


def test_sample_has_genuine_dead_zones_and_coverage(engine, coverage_run):
    kinds = dict(_rows(engine, "SELECT kind, count(*) FROM dead_zones GROUP BY kind"))
    assert kinds.get("no_signal", 0) + kinds.get("no_mbb", 0) > 0
    uncovered = _rows(engine, "SELECT count(*) FROM hamlet_coverage WHERE NOT mbb_covered")[0][0]
    assert 0 < uncovered < 200
    invalid = _rows(engine, "SELECT count(*) FROM coverage_parts WHERE NOT ST_IsValid(geom)")[0][0]
    assert invalid == 0


def test_dead_zone_area_matches_the_dead_cells(engine, coverage_run):
    rows = _rows(
        engine,
        "SELECT z.hamlet_id, z.area_km2, sum(x.cells_total - x.cells_mbb_any)::float * :c AS cells_km2, "
        "ST_Perimeter(z.geom::geography) / 1000 AS perim_km FROM dead_zones z "
        "JOIN hamlet_cover_cells x ON x.hamlet_id = z.hamlet_id "
        "WHERE z.kind IN ('no_signal', 'no_mbb') GROUP BY z.hamlet_id, z.kind, z.area_km2, z.geom",
        c=CELL_KM2,
    )
    assert rows
    by_hamlet: dict[int, list] = {}
    for hamlet_id, area, cells_km2, perim in rows:
        by_hamlet.setdefault(hamlet_id, [0.0, cells_km2, 0.0])
        by_hamlet[hamlet_id][0] += area
        by_hamlet[hamlet_id][2] += perim
    for hamlet_id, (area, cells_km2, perim) in by_hamlet.items():
        # polygons are simplified by half a cell: the difference is bounded by rim × half a cell
        assert abs(area - cells_km2) <= perim * 0.025 + CELL_KM2, hamlet_id


def test_dead_zones_dissolved_during_the_run_hold_every_part(engine, coverage_run):
    # The full run dissolves a hamlet's dead zones as soon as the last block touching it is
    # stored, batch by batch: one dissolved a block too early would lack that block's parts. The
    # same dissolution over all the parts at the end must give the very same rows.
    stored = "SELECT hamlet_id, kind, area_km2, population, ST_AsEWKB(geom) FROM dead_zones ORDER BY 1, 2"
    with engine.connect() as conn:
        blocks = conn.execute(text("SELECT count(*) FROM coverage_rasters")).scalar_one()
        assert blocks > coverage.STORE_BATCH_BLOCKS  # several batches: dissolved along the way
        during = conn.execute(text(stored)).all()
        coverage.refresh_dead_zones(conn)
        after = conn.execute(text(stored)).all()
        conn.rollback()
    assert during and during == after


def test_hamlets_layer_and_result_collections(client):
    body = client.get("/ogc/collections/hamlets/items", params={"limit": 1000}).json()
    shares = [f["properties"]["mbb_share"] for f in body["features"]]
    assert all(s is not None and 0 <= s <= 1 for s in shares)
    assert {f["properties"]["mbb_covered"] for f in body["features"]} == {True, False}
    for f in body["features"]:
        p = f["properties"]
        by_op = p["mbb_share_by_operator"] or {}
        # no operator covers more of a hamlet than all operators together, and some operator covers it
        assert all(0 <= v <= p["mbb_share"] + 1e-9 for v in by_op.values()), p["code"]
        assert p["mbb_share"] == 0 or max(by_op.values()) > 0, p["code"]
    for cid in ("coverage", "dead_zones", "ftth_gaps"):
        r = client.get(f"/ogc/collections/{cid}/items", params={"limit": 5})
        assert r.status_code == 200 and r.json()["numberMatched"] > 0, cid
    any_mbb = client.get(
        "/ogc/collections/coverage/items",
        params={"operator": "all", "tech_class": "mbb", "band": "weak", "limit": 1},
    ).json()
    assert any_mbb["numberMatched"] > 0


def test_model_card_and_hamlet_detail(client):
    card = client.get("/api/coverage/model-card").json()
    assert (
        card["card"]["parameters"]["cell_m"] == 50
        and card["run"]["kind"] == "full"
        and card["run"]["blocks"] > 0
    )
    code = client.get("/ogc/collections/hamlets/items", params={"mbb_covered": "false", "limit": 1}).json()[
        "features"
    ][0]["id"]
    detail = client.get(f"/api/hamlets/{code}/coverage").json()
    assert detail["mbb_covered"] is False and detail["dead_zone_population"] > 0
    assert {o["operator"] for o in detail["operators"]} >= {"Viettel", "VinaPhone", "MobiFone"}
    assert detail["nearest_sites"] and detail["nearest_sites"][0]["distance_m"] >= 0
    assert client.get("/api/hamlets/nope/coverage").status_code == 404


# --- incremental recompute and what-if, on a copy of the province of their own ---------------


@pytest.fixture(scope="module")
def computed_scratch():
    with sample_database("cov") as eng:
        coverage.run_full(eng, processes=2)
        yield eng


def _snapshot(engine) -> list:
    return _rows(
        engine,
        "SELECT block_key, hamlet_id, cells_total, cells_mbb_any, cells_legacy_only, "
        "cells_no_signal, cells_single_operator FROM hamlet_cover_cells ORDER BY 1, 2",
    )


def _add_site(engine) -> None:
    with engine.begin() as conn:
        site = conn.execute(
            text(
                "INSERT INTO sites (code, structure_type, height_m, owner_id, status, geom) "
                "SELECT 'HG-TEST-1', 'tower', 40, id, 'active', ST_SetSRID(ST_MakePoint(:x, :y), 4326) "
                "FROM operators WHERE short_name = 'Viettel' RETURNING id, owner_id"
            ),
            {"x": GAP[0], "y": GAP[1]},
        ).one()
        conn.execute(
            text("INSERT INTO site_tenancies (site_id, operator_id) VALUES (:s, :o)"),
            {"s": site.id, "o": site.owner_id},
        )
        for i, c in enumerate(NEW_SITE["cells"]):
            conn.execute(
                text(
                    "INSERT INTO cells (code, site_id, operator_id, technology, band_mhz, azimuth_deg, beamwidth_deg, "
                    "antenna_height_m, eirp_dbm) VALUES (:code, :s, :o, '4G', 1800, :az, 65, 38, 59)"
                ),
                {"code": f"HG-TEST-1-{i}", "s": site.id, "o": site.owner_id, "az": c["azimuth_deg"]},
            )


def _planner_token(eng) -> str:
    from sqlalchemy.orm import Session

    from app.services import accounts

    with Session(eng) as session:
        user = accounts.create_user(session, "whatif-planner", TEST_PASSWORD, "planner")
        token = accounts.issue_token(session, user, "api", None).token
        session.commit()
    return token


def test_what_if_then_edit_then_incremental_equals_full(computed_scratch, monkeypatch):
    from fastapi.testclient import TestClient

    from app.db import reset_engine
    from app.main import create_app
    from app.settings import get_settings

    eng = computed_scratch
    monkeypatch.setenv("DATABASE_URL", eng.url.render_as_string(hide_password=False))
    monkeypatch.setenv("COVERAGE_WORKER", "false")
    get_settings.cache_clear()
    reset_engine()
    token = _planner_token(eng)
    before = _snapshot(eng)
    dead_before = sum(r[2] - r[3] for r in before)
    try:
        with TestClient(create_app(), headers=bearer(token)) as c:
            r = c.post("/api/coverage/what-if", json=NEW_SITE)
            assert r.status_code == 200, r.text
            wi = r.json()
        assert _snapshot(eng) == before  # the what-if wrote nothing
        assert wi["newly_covered_area_km2"] > 1 and wi["hamlets_improved"]
        assert wi["population_newly_covered"] > 0

        _add_site(eng)
        assert _rows(eng, "SELECT count(*) FROM coverage_dirty")[0][0] >= 4
        summary = coverage.run_incremental(eng)
        assert summary is not None and 0 < summary.blocks < 40
        incremental = _snapshot(eng)
        dead_after = sum(r[2] - r[3] for r in incremental)
        # The new site's footprint inside the dead area is exactly what the what-if announced.
        assert (dead_before - dead_after) * CELL_KM2 == pytest.approx(wi["newly_covered_area_km2"], abs=1e-6)
        assert _rows(eng, "SELECT count(*) FROM coverage_dirty")[0][0] == 0
        coverage.run_full(eng, processes=2)
        assert _snapshot(eng) == incremental
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
        reset_engine()


@pytest.mark.parametrize(
    ("patch", "status", "words"),
    [
        ({"cells": [{**NEW_SITE["cells"][0], "operator": "Nope"}]}, 400, "not a mobile operator"),
        ({"cells": [{**NEW_SITE["cells"][0], "band_mhz": 3500}]}, 400, "not a 4G band"),
        ({"site": {"lon": 9.8, "lat": 105.6}}, 400, "longitude and latitude swapped"),
        ({"site": {"lon": 106.5, "lat": 10.8}}, 400, "outside the province"),
        ({"cells": []}, 400, "at least 1 items needed"),
        ({"cells": [{**NEW_SITE["cells"][0], "azimuth_deg": 400}]}, 400, "azimuth: must be less than 360"),
    ],
)
def test_what_if_bad_input(client, patch, status, words):
    r = client.post("/api/coverage/what-if", json={**NEW_SITE, **patch}, headers={"Accept-Language": "en"})
    assert r.status_code == status, r.text
    assert words in r.json()["description"]


def test_worker_applies_an_edit_within_seconds(live_server_url, engine):
    """The live server's background worker picks up a change made directly in the database."""
    import httpx

    code = "HG-WORKER-1"
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM sites WHERE code = :c"), {"c": code})
    run_before = httpx.get(f"{live_server_url}/api/coverage/model-card").json()["run"]["id"]
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO sites (code, structure_type, height_m, owner_id, status, geom) "
                "SELECT :c, 'tower', 30, id, 'proposed', ST_SetSRID(ST_MakePoint(105.5, 9.8), 4326) "
                "FROM operators WHERE short_name = 'MobiFone'"
            ),
            {"c": code},
        )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        run = httpx.get(f"{live_server_url}/api/coverage/model-card").json()["run"]
        if run["id"] != run_before:
            assert run["kind"] == "incremental"
            break
        time.sleep(0.5)
    else:
        raise AssertionError("no incremental run within 20 s of the edit")
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM sites WHERE code = :c"), {"c": code})
