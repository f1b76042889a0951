"""The full run's fast paths store exactly what the engine computes: polygons written by COPY as
the engine's WGS 84 geometries bit for bit, rasters and counts as analyse_block gives them, and
blocks computed in worker processes equal to blocks computed in one."""

import dataclasses

import pytest
import shapely
from sqlalchemy import text

from app.services.coverage import runs as coverage
from app.services.coverage.bulk import copy_rows
from app.services.coverage.inputs import load_inputs
from gis.block_analysis import analyse_block, encode_raster


@pytest.fixture(scope="module")
def inputs_and_blocks(engine, coverage_run):
    params = coverage.coverage_params()
    with engine.connect() as conn:
        inputs = load_inputs(conn, params)
        # the blocks with the most stored polygons: dead zones and several bands in each
        keys = conn.execute(
            text("SELECT block_key FROM dead_zone_parts GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 3")
        ).scalars()
        keys = set(keys)
    blocks = [b for b in coverage.province_blocks(inputs.hamlets, params) if b.key in keys]
    assert len(blocks) == 3
    return params, inputs, blocks


def test_stored_rows_are_the_engines_results(engine, inputs_and_blocks):
    params, inputs, blocks = inputs_and_blocks
    op_ids = inputs.operator_ids
    for block in blocks:
        r = analyse_block(
            block, inputs.cells, inputs.hamlets.hamlets_for(block), params, len(inputs.operators)
        )
        parts = [(o, c, b, coverage.lonlat(g, params)) for o, c, b, g in r.coverage]
        expected_parts = sorted(
            (-1 if o is None else op_ids[o], c, b, shapely.to_wkb(g))
            for o, c, b, g in parts
            if not g.is_empty
        )
        dead = [(h, k, coverage.lonlat(g, params)) for h, k, g in r.dead]
        expected_dead = sorted((h, k, shapely.to_wkb(g)) for h, k, g in dead if not g.is_empty)
        with engine.connect() as conn:
            stored_parts = sorted(
                (-1 if o is None else o, c, b, bytes(g))
                for o, c, b, g in conn.execute(
                    text(
                        "SELECT operator_id, tech_class, band, ST_AsBinary(geom) FROM coverage_parts "
                        "WHERE block_key = :k"
                    ),
                    {"k": block.key},
                )
            )
            stored_dead = sorted(
                (h, k, bytes(g))
                for h, k, g in conn.execute(
                    text(
                        "SELECT hamlet_id, kind, ST_AsBinary(geom) FROM dead_zone_parts WHERE block_key = :k"
                    ),
                    {"k": block.key},
                )
            )
            srids = set(
                conn.execute(
                    text("SELECT DISTINCT ST_SRID(geom) FROM dead_zone_parts WHERE block_key = :k"),
                    {"k": block.key},
                ).scalars()
            )
            raster = conn.execute(
                text("SELECT data, ny, nx FROM coverage_rasters WHERE block_key = :k"), {"k": block.key}
            ).one()
            counts = {
                row[0]: tuple(row[1:])
                for row in conn.execute(
                    text(
                        "SELECT hamlet_id, cells_total, cells_mbb_any, cells_legacy_only, cells_no_signal, "
                        "cells_single_operator FROM hamlet_cover_cells WHERE block_key = :k"
                    ),
                    {"k": block.key},
                )
            }
        assert stored_dead and stored_parts
        assert stored_parts == expected_parts and stored_dead == expected_dead and srids == {4326}
        assert bytes(raster.data) == encode_raster(r.raster) and (raster.ny, raster.nx) == r.raster.shape[2:]
        assert counts == r.counts


def test_workers_give_the_same_blocks_as_one_process(inputs_and_blocks):
    params, inputs, blocks = inputs_and_blocks
    with coverage.block_stream(inputs, blocks, params, processes=1, stored=True) as one:
        serial = [dataclasses.asdict(b) for b in one]
    seen = []
    with coverage.block_stream(
        inputs, blocks, params, processes=2, progress=lambda d, t: seen.append((d, t)), stored=True
    ) as two:
        parallel = [dataclasses.asdict(b) for b in two]
    assert parallel == serial and [b["key"] for b in serial] == [b.key for b in blocks]
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_copy_refuses_a_field_it_would_have_to_escape(engine):
    with engine.connect() as conn, pytest.raises(ValueError, match="needs escaping"):
        copy_rows(conn, "dead_zone_parts", ("block_key",), [("a\tb",)])
