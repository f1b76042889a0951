"""Vector tiles built by PostGIS: one query per tile, one MVT layer per collection."""

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.collections import Collection
from app.errors import TileOutOfRange, UnknownFilter
from app.services.sql import COMMON_PARAMS, filter_clauses, located_source, needs_location

EXTENT = 4096
BUFFER = 64
WEB_MERCATOR_HALF_M = 20037508.342789244


def check_tile(z: int, x: int, y: int, max_zoom: int) -> None:
    if not 0 <= z <= max_zoom:
        raise TileOutOfRange(f"zoom {z} is out of range 0–{max_zoom}")
    n = 1 << z
    if not (0 <= x < n and 0 <= y < n):
        raise TileOutOfRange(f"tile x={x}, y={y} is out of range 0–{n - 1} at zoom {z}")


def _pixel_m(z: int) -> float:
    return 2 * WEB_MERCATOR_HALF_M / (1 << z) / EXTENT


def _layer_sql(collection: Collection, index: int, filters: dict[str, str]) -> tuple[str, dict]:
    clauses, params = filter_clauses(collection, filters, prefix=f"l{index}f")
    source = located_source(collection) if needs_location(collection, filters) else collection.source
    geom = "ST_Transform(f.geom, 3857)"
    if collection.geometry_type != "Point":
        # Simplify to about one tile pixel at this zoom: invisible, and much smaller tiles.
        geom = f"ST_Simplify({geom}, :pixel_m, true)"
    columns = ", ".join(f"f.{name}" for name in collection.properties)
    where = " AND ".join(["f.geom && (SELECT env4326 FROM tile)", *clauses])
    sql = (
        f"(SELECT coalesce(ST_AsMVT(m, :name{index}, {EXTENT}, 'geom'), ''::bytea) FROM ("
        f"SELECT ST_AsMVTGeom({geom}, (SELECT env FROM tile), {EXTENT}, {BUFFER}, true) AS geom, "
        f"{columns} FROM ({source}) AS f WHERE {where}) AS m WHERE m.geom IS NOT NULL)"
    )
    params[f"name{index}"] = collection.id
    return sql, params


def render_tile(
    session: Session, collections: list[Collection], z: int, x: int, y: int, filters: dict[str, str]
) -> bytes:
    """Filters apply to every layer that knows them; a filter no layer knows is an error.
    A CQL2 `filter` applies to every layer (so it must name properties each of them has)."""
    parts: list[str] = []
    params: dict[str, object] = {"z": z, "x": x, "y": y, "pixel_m": _pixel_m(z)}
    for i, collection in enumerate(collections):
        own = {k: v for k, v in filters.items() if k in collection.filters or k in COMMON_PARAMS}
        sql, layer_params = _layer_sql(collection, i, own)
        parts.append(sql)
        params.update(layer_params)
    known = {k for c in collections for k in c.filters} | set(COMMON_PARAMS)
    unknown = sorted(set(filters) - known)
    if unknown:
        raise UnknownFilter(
            f"unknown filter '{unknown[0]}' for these layers; known filters: "
            + (", ".join(sorted(known)) or "none")
        )
    query = (
        "WITH tile AS (SELECT ST_TileEnvelope(:z, :x, :y) AS env, "
        f"ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => {BUFFER / EXTENT}), 4326) AS env4326) "
        "SELECT " + " || ".join(parts)
    )
    return bytes(session.execute(text(query), params).scalar_one())
