"""Exports and tiles filtered by district or commune read the kept location codes (migrations 0030,
0034) while they hold, as items do: what they give equals the per-row point-in-polygon lookup."""

import mapbox_vector_tile
import pandas as pd
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.collections import COLLECTIONS, STORED_LOCATION_SOURCES
from app.services import tiles
from app.services.exports import layers as exports
from app.services.scope import EVERYTHING
from app.services.sql import with_location
from tests.app.test_tile_cache import _xy

LOCATED = [c.id for c in COLLECTIONS.values() if c.located]


def _place(engine, layer: str) -> tuple[str, str, float, float]:
    """(commune, district, lon, lat) of the commune holding the most features of `layer`."""
    looked_up = with_location(COLLECTIONS[layer].source)
    with engine.connect() as conn:
        return conn.execute(
            text(
                f"SELECT f.commune_code, f.district_code, ST_X(ST_PointOnSurface(ST_Collect(f.geom))), "
                f"ST_Y(ST_PointOnSurface(ST_Collect(f.geom))) FROM ({looked_up}) AS f "
                "WHERE f.commune_code IS NOT NULL GROUP BY 1, 2 ORDER BY count(*) DESC, 1 LIMIT 1"
            )
        ).one()


def _per_row(monkeypatch, module) -> None:
    monkeypatch.setattr(module, "with_stored_location", lambda session, collection: (collection, False))


def test_every_located_layer_keeps_its_codes():
    assert set(LOCATED) == set(STORED_LOCATION_SOURCES)


@pytest.mark.parametrize("layer", LOCATED)
def test_exports_filtered_or_not_are_the_per_row_ones(engine, monkeypatch, layer):
    commune, district, _, _ = _place(engine, layer)
    for filters in ({}, {"district": district}, {"commune": commune}):
        with Session(engine) as session:
            kept = exports.query_frame(session, COLLECTIONS[layer], None, filters, EVERYTHING)
            with monkeypatch.context() as m:
                _per_row(m, exports)
                looked_up = exports.query_frame(session, COLLECTIONS[layer], None, filters, EVERYTHING)
        assert len(kept) > 0, filters
        pd.testing.assert_frame_equal(kept.drop(columns="geometry"), looked_up.drop(columns="geometry"))
        assert list(kept.geometry.to_wkb()) == list(looked_up.geometry.to_wkb())


def _features(session, layer: str, z: int, x: int, y: int, filters: dict) -> list:
    tile = tiles.cached_tile(
        session, [COLLECTIONS[layer]], z, x, y, filters, EVERYTHING, tiles.WEB_MERCATOR_QUAD, None, 0
    )
    decoded = mapbox_vector_tile.decode(tile.data).get(layer, {}).get("features", [])
    return sorted(({**f["properties"], "_geom": f["geometry"]} for f in decoded), key=lambda f: f["code"])


@pytest.mark.parametrize("layer", LOCATED)
def test_tiles_filtered_by_place_are_the_per_row_ones(engine, monkeypatch, layer):
    commune, district, lon, lat = _place(engine, layer)
    with Session(engine) as session:
        for filters in ({"district": district}, {"commune": commune}):
            _, stored = tiles.with_stored_locations(session, [COLLECTIONS[layer]], filters)
            assert stored == {layer}, "the kept codes are read"
            for z in (8, 11, 14):
                x, y = _xy(lon, lat, z)
                kept = _features(session, layer, z, x, y, filters)
                with monkeypatch.context() as m:
                    _per_row(m, tiles)
                    looked_up = _features(session, layer, z, x, y, filters)
                assert kept == looked_up, (filters, z)
                assert kept or z == 14, (filters, z)
        _, stored = tiles.with_stored_locations(session, [COLLECTIONS[layer]], {})
        assert stored == set(), "an unfiltered tile needs no location"
