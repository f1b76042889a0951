"""The ftth_gaps layer reads each gap's area as the run stored it (migration 0036) instead of
computing it per request: its tiles (z8, z11, z14) and items are those the per-request area gave."""

import math
from dataclasses import replace

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.collections import COLLECTIONS
from app.services.features import ItemsQuery, get_items
from app.services.scope import Scope
from app.services.tiles import tile_query

EVERYTHING = Scope(every_company=True)
# The layer's source before: the area computed per request, per feature, twice.
PER_REQUEST_FTTH_GAPS = (
    "SELECT h.code AS fid, h.code, h.code AS hamlet_code, h.name AS hamlet_name, d.code AS district_code, "
    "round(f.share::numeric, 4)::float8 AS ftth_share, round((ST_Area(f.geom::geography) / 1e6)::numeric, 4)::float8 "
    "AS area_km2, round(coalesce(h.population, 0) * least(ST_Area(f.geom::geography) / 1e6 "
    "/ nullif(h.area_km2, 0), 1))::int AS population, f.geom FROM hamlet_ftth f "
    "JOIN admin_units h ON h.id = f.hamlet_id JOIN admin_units c ON c.id = h.parent_id "
    "JOIN admin_units d ON d.id = c.parent_id WHERE f.geom IS NOT NULL"
)


def _tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2**z
    y = (1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2 * n
    return z, int((lon + 180) / 360 * n), int(y)


def _tiles(conn) -> list[tuple[int, int, int]]:
    """Tiles over the gaps: those holding a point of every 20th gap, at z8, z11 and z14."""
    points = conn.execute(
        text(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p, hamlet_id FROM hamlet_ftth "
            "WHERE geom IS NOT NULL) g ORDER BY hamlet_id"
        )
    ).all()
    return sorted({_tile_of(lon, lat, z) for z in (8, 11, 14) for lon, lat in points[::20]})


def _tile_bytes(conn, collection, tiles, filters) -> list[bytes]:
    out = []
    for z, x, y in tiles:
        sql, params = tile_query([collection], z, x, y, filters, EVERYTHING)
        out.append(bytes(conn.execute(text(sql), params).scalar_one()))
    return out


@pytest.mark.parametrize("filters", [{}, {"district": "first"}])
def test_ftth_gap_tiles_are_those_the_per_request_area_gave(engine, coverage_run, filters):
    stored = COLLECTIONS["ftth_gaps"]
    before = replace(stored, source=PER_REQUEST_FTTH_GAPS)
    with engine.connect() as conn:
        tiles = _tiles(conn)
        assert {z for z, _, _ in tiles} == {8, 11, 14}
        if filters:
            filters = {
                "district": conn.execute(text(f"SELECT min(district_code) FROM ({stored.source}) f")).scalar()
            }
        now = _tile_bytes(conn, stored, tiles, filters)
        assert sum(len(t) for t in now) > 1000, "the tiles hold gaps"
        assert now == _tile_bytes(conn, before, tiles, filters)


def test_ftth_gap_items_are_those_the_per_request_area_gave(engine, coverage_run):
    stored = COLLECTIONS["ftth_gaps"]
    with Session(engine) as session:
        now = get_items(session, stored, ItemsQuery(scope=EVERYTHING, limit=10_000))
        before = get_items(
            session, replace(stored, source=PER_REQUEST_FTTH_GAPS), ItemsQuery(scope=EVERYTHING, limit=10_000)
        )
    assert now.number_returned > 0
    assert now.body == before.body
