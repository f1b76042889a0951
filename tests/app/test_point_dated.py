"""GET /api/point for a past day with its dated run stored (a scratch copy of the sample): a block whose
inputs are the live block's is read from the live raster; one that did is computed at the spot with
the engine's functions for that day's network — the engine's own value for the block (gis.coverage)."""

from datetime import date

import numpy as np
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.services import clock
from app.services import point as service
from app.services.coverage import dated, runs
from app.services.coverage.inputs import load_inputs
from app.services.scope import EVERYTHING
from gis.block_analysis import analyse_block
from gis.coverage import NO_SIGNAL, Grid
from gis.crs import to_lonlat
from tests.conftest import sample_database

DAY = date(2025, 1, 1)  # before the sample's 2025 sites were commissioned


@pytest.fixture(scope="module")
def world():
    with sample_database("ptd") as engine:
        runs.run_full(engine, processes=2)
        dated.run_dated(engine, DAY, processes=2)
        yield engine


@pytest.fixture(scope="module")
def quiet_day(world) -> date:
    """A past day after the last commissioning and decommissioning: that day's network is today's."""
    with world.connect() as conn:
        day = conn.execute(
            text("SELECT greatest(max(commissioned_on), max(decommissioned_on)) + 1 FROM sites")
        ).scalar_one()
    if day >= clock.today():
        pytest.skip("the sample's network changed too recently")
    dated.run_dated(world, day, processes=2)
    return day


def _ask(engine, lon, lat, day=DAY) -> dict:
    with Session(engine) as session:
        return service.point(session, EVERYTHING, lon, lat, day)


def _levels(answer) -> np.ndarray:
    return np.array(
        [
            [NO_SIGNAL if c["level_dbm"] is None else c["level_dbm"] for c in o["classes"]]
            for o in answer["operators"]
        ]
    )


def test_a_changed_block_is_computed_for_that_day(world):
    with world.connect() as conn:
        site = conn.execute(
            text(
                "SELECT s.code, ST_X(s.geom) + 0.002 AS lon, ST_Y(s.geom) + 0.002 AS lat FROM sites s "
                "WHERE s.status = 'active' AND s.commissioned_on > :day AND EXISTS (SELECT 1 FROM cells c "
                "WHERE c.site_id = s.id) ORDER BY s.code LIMIT 1"
            ),
            {"day": DAY},
        ).one()
    answer = _ask(world, site.lon, site.lat)
    assert answer["run"]["dated"] and answer["run"]["as_of"] == DAY and not answer["run"]["live_instead"]
    assert answer["signal_source"] == "computed"
    servers = {
        c[k]["site_code"]
        for o in answer["operators"]
        for c in o["classes"]
        for k in ("serving", "next_best")
        if c[k]
    }
    assert site.code not in servers  # not on the air yet that day
    live = _ask(world, site.lon, site.lat, None)
    assert site.code in {
        c["serving"]["site_code"] for o in live["operators"] for c in o["classes"] if c["serving"]
    }
    # the engine on that day's network, for the whole block: the same levels at the spot's grid cell
    params = runs.coverage_params()
    with world.connect() as conn:
        inputs = load_inputs(conn, params, DAY)
    block = Grid.for_params(params).block(answer["grid"]["block_key"])
    result = analyse_block(
        block, inputs.cells, inputs.hamlets.hamlets_for(block), params, len(inputs.operators), False
    )
    expected = result.raster[:, :, answer["grid"]["row"], answer["grid"]["col"]]
    assert [o["operator"] for o in answer["operators"]] == inputs.operators
    assert _levels(answer) == pytest.approx(
        np.where(expected > NO_SIGNAL, np.round(expected, 1), NO_SIGNAL), abs=0.051
    )


def test_an_unchanged_block_is_read_from_the_live_raster(world, quiet_day):
    params = runs.coverage_params()
    grid = Grid.for_params(params)
    with world.connect() as conn:
        keys = (
            conn.execute(
                text(
                    "SELECT b.block_key FROM coverage_run_blocks b JOIN coverage_rasters r ON r.block_key = b.block_key "
                    "AND r.input_hash = b.input_hash JOIN coverage_runs x ON x.id = b.run_id AND x.as_of = :day "
                    "ORDER BY b.block_key"
                ),
                {"day": quiet_day},
            )
            .scalars()
            .all()
        )
        assert keys, "the blocks of that day are the live ones"
        for key in keys:
            x0, y0, x1, y1 = grid.block(key).bounds_m
            lon, lat = to_lonlat((x0 + x1) / 2, (y0 + y1) / 2, params.crs)
            inside = conn.execute(
                text(
                    "SELECT EXISTS (SELECT 1 FROM admin_units WHERE level = 'commune' AND valid_to IS NULL "
                    "AND ST_Intersects(geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)))"
                ),
                {"lon": lon, "lat": lat},
            ).scalar_one()
            if inside:
                break
        else:
            pytest.fail("no unchanged block has its centre inside a commune")
    answer = _ask(world, lon, lat, quiet_day)
    assert (
        answer["run"]["dated"] and answer["run"]["as_of"] == quiet_day and answer["signal_source"] == "raster"
    )
    assert _levels(answer).tolist() == _levels(_ask(world, lon, lat, None)).tolist()
