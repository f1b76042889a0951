"""Vector tiles built by PostGIS: one query per tile, one MVT layer per collection, in any of the
tile matrix sets of app.services.tile_matrix_sets."""

import gzip
import hashlib
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from app.collections import Collection
from app.errors import UnknownFilter
from app.services import tile_cache
from app.services.audit import reads_only
from app.services.coverage import dated_layers
from app.services.features import with_stored_location
from app.services.scope import Scope
from app.services.sql import COMMON_PARAMS, filter_clauses, needs_location, scoped_source
from app.services.tile_matrix_sets import WEB_MERCATOR_QUAD, TileMatrixSet

EXTENT = 4096
BUFFER = 64


# How a property's value travels in a tile (PostGIS writes dates as text; a JSON object becomes
# one attribute per key: hamlets' mbb_share_by_operator gives one share per operator).
_MVT_TYPES = {
    "string": "String",
    "date": "String",
    "date-time": "String",
    "integer": "Number",
    "number": "Number",
    "boolean": "Boolean",
}
_JSONB_MVT_TYPES = {"string": "String", "number": "Number", "boolean": "Boolean"}


def tile_fields(session: Session, collection: Collection) -> dict[str, str]:
    """The attributes the collection's tiles carry (TileJSON's `fields`: name -> String, Number, Boolean)."""
    fields: dict[str, str] = {}
    for name, kind in collection.properties.items():
        if kind != "object":
            fields[name] = _MVT_TYPES[kind]
            continue
        rows = session.execute(
            text(
                f"SELECT DISTINCT e.key, jsonb_typeof(e.value) FROM ({collection.source}) AS f, "
                f'jsonb_each(f."{name}") AS e WHERE jsonb_typeof(f."{name}") = \'object\' ORDER BY 1'
            )
        ).all()
        fields.update({key: _JSONB_MVT_TYPES.get(kind_of_value, "String") for key, kind_of_value in rows})
    return fields


def _layer_sql(
    collection: Collection, index: int, filters: dict[str, str], scope: Scope, srid: int, stored: bool
) -> tuple[str, dict]:
    clauses, params = filter_clauses(collection, filters, prefix=f"l{index}f")
    located = not stored and needs_location(collection, filters)
    source, scope_params = scoped_source(
        collection, scope, located=located, filters=filters, prefix=f"l{index}s"
    )
    params.update(scope_params)
    geom = "f.geom" if srid == 4326 else f"ST_Transform(f.geom, {srid})"
    if collection.geometry_type != "Point":
        # Simplify to about one tile pixel at this zoom: invisible, and much smaller tiles.
        geom = f"ST_Simplify({geom}, :pixel, true)"
    columns = ", ".join(f"f.{name}" for name in collection.properties)
    where = " AND ".join(["f.geom && (SELECT env4326 FROM tile)", *clauses])
    # OFFSET 0 keeps `m` a subquery of its own: PostgreSQL would otherwise push `m.geom IS NOT NULL`
    # into the scan and build every feature's tile geometry twice (the filter, then the output).
    sql = (
        f"(SELECT coalesce(ST_AsMVT(m, :name{index}, {EXTENT}, 'geom'), ''::bytea) FROM ("
        f"SELECT ST_AsMVTGeom({geom}, (SELECT env FROM tile), {EXTENT}, {BUFFER}, true) AS geom, "
        f"{columns} FROM ({source}) AS f WHERE {where} OFFSET 0) AS m WHERE m.geom IS NOT NULL)"
    )
    params[f"name{index}"] = collection.id
    return sql, params


def tile_query(
    collections: list[Collection],
    z: int,
    x: int,
    y: int,
    filters: dict[str, str],
    scope: Scope,
    tms: TileMatrixSet = WEB_MERCATOR_QUAD,
    stored: frozenset[str] = frozenset(),
) -> tuple[str, dict[str, object]]:
    """The SQL and bound values of the tile at zoom z, column x, row y of `tms` (checked by the
    caller): everything but the data that decides its bytes. Filters apply to every layer that knows
    them; a filter no layer knows is an error. A CQL2 `filter` applies to every layer (so it must
    name properties each of them has). `stored`: the ids of the collections whose source reads
    their kept location codes (app/services/features.py, with_stored_location)."""
    size = tms.tile_size(z)
    minx, miny, maxx, maxy = tms.envelope(z, x, y)
    params: dict[str, object] = {
        "minx": minx,
        "miny": miny,
        "maxx": maxx,
        "maxy": maxy,
        "margin": size * BUFFER / EXTENT,
        "pixel": size / EXTENT,
    }
    parts: list[str] = []
    for i, collection in enumerate(collections):
        sql, layer_params = _layer_sql(
            collection, i, _own_filters(collection, filters), scope, tms.srid, collection.id in stored
        )
        parts.append(sql)
        params.update(layer_params)
    known = {k for c in collections for k in c.filters} | set(COMMON_PARAMS)
    unknown = sorted(set(filters) - known)
    if unknown:
        raise UnknownFilter(
            f"unknown filter '{unknown[0]}' for these layers; known filters: "
            + (", ".join(sorted(known)) or "none")
        )
    envelope = f"ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, {tms.srid})"
    with_margin = f"ST_Expand({envelope}, :margin)"
    if tms.srid != 4326:
        with_margin = f"ST_Transform({with_margin}, 4326)"
    query = f"WITH tile AS (SELECT {envelope} AS env, {with_margin} AS env4326) SELECT " + " || ".join(parts)
    return query, params


def _own_filters(collection: Collection, filters: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in filters.items() if k in collection.filters or k in COMMON_PARAMS}


def with_stored_locations(
    session: Session, collections: list[Collection], filters: dict[str, str]
) -> tuple[list[Collection], frozenset[str]]:
    """The layers whose filters need the commune and district reading them from their side tables
    while the kept codes hold (as items do), and the ids of those that do; the others as they are
    (no location, or a lookup per row)."""
    layers, stored = [], set()
    for collection in collections:
        if needs_location(collection, _own_filters(collection, filters)):
            collection, kept = with_stored_location(session, collection)
            if kept:
                stored.add(collection.id)
        layers.append(collection)
    return layers, frozenset(stored)


@lru_cache(maxsize=512)
def _driver_sql(query: str, dialect: Dialect) -> str:
    """`query` as the driver takes it (:name → %(name)s, a literal % doubled), compiled once."""
    return str(text(query).compile(dialect=dialect))


def build_tile(session: Session, query: str, params: dict[str, object]) -> bytes:
    """The tile's bytes from PostGIS. Sent as the driver's own string: executing a text() clause
    costs about four times the CPU (0.14 ms against 0.04 ms a statement here), a tenth of a small
    tile's server time."""
    conn = session.connection()
    return bytes(conn.exec_driver_sql(_driver_sql(query, conn.dialect), params).scalar_one())


# As the app's GZipMiddleware: smaller tiles travel as they are.
GZIP_MIN_BYTES = 1000
# A tile built for one response (no server-side cache) is compressed at the fastest level; a cached
# one, compressed once and served many times, at 6.
BYPASS_GZIP_LEVEL = 1
try:  # ISA-L's deflate: a 445 kB z8 tile in 1.3 ms against zlib's 5.4 ms at level 1, 4 % bigger
    from isal import igzip as _fast_gzip
except ImportError:  # a platform without its wheel: zlib, the same format
    _fast_gzip = None


def gzip_once(data: bytes) -> bytes:
    """A body compressed for one response (gzip, fastest): a tile built per request, a page of OGC
    items (app/routers/ogc.py). ISA-L when installed, else zlib."""
    if _fast_gzip is not None:
        return _fast_gzip.compress(data, 1)
    return gzip.compress(data, BYPASS_GZIP_LEVEL)


@dataclass(frozen=True)
class CachedTile:
    etag: str
    outcome: str  # hit, miss, bypass (not cacheable), not-modified (the client's ETag still holds)
    data: bytes | None  # None when not-modified
    gzipped: bool = False  # data is gzip-compressed (kept so in the cache: hits cost no compression)


def bypass_tile(data: bytes, if_none_match: str | None, gzip_ok: bool) -> CachedTile:
    """A tile built for this response alone (no server-side cache): its ETag the hash of its bytes."""
    digest = hashlib.blake2b(data, digest_size=16).hexdigest()
    packed = gzip_ok and len(data) >= GZIP_MIN_BYTES
    etag = f'"{digest}-gz"' if packed else f'"{digest}"'
    if tile_cache.etag_matches(if_none_match, etag):
        return CachedTile(etag, "not-modified", None)
    if packed:
        # Compressed once and sent once: the fastest level (the middleware's level 9 took ~25×
        # longer on a z8 tile than PostGIS took to build it).
        return CachedTile(etag, "bypass", gzip_once(data), True)
    return CachedTile(etag, "bypass", data)


def read_only_tile(
    cursor,
    dialect: Dialect,
    collections: list[Collection],
    z: int,
    x: int,
    y: int,
    filters: dict[str, str],
    scope: Scope,
    tms: TileMatrixSet,
    if_none_match: str | None,
    gzip_ok: bool,
) -> CachedTile | None:
    """cached_tile() without a server-side cache, on a DBAPI cursor in autocommit
    (app/db.py, autocommit_cursor): None when the tile needs more than its one read — a past day's coverage
    (dated_layers.prepare may build or queue it), the kept location codes (their freshness is read
    first), or a query naming a word that may write (audit.reads_only: its actor would be told)."""
    if not dated_layers.nothing_to_prepare(collections, filters) or any(
        needs_location(c, _own_filters(c, filters)) for c in collections
    ):
        return None
    query, params = tile_query(collections, z, x, y, filters, scope, tms)
    statement = _driver_sql(query, dialect)
    if not reads_only(statement):
        return None
    cursor.execute(statement, params)
    return bypass_tile(bytes(cursor.fetchone()[0]), if_none_match, gzip_ok)


def cached_tile(
    session: Session,
    collections: list[Collection],
    z: int,
    x: int,
    y: int,
    filters: dict[str, str],
    scope: Scope,
    tms: TileMatrixSet,
    if_none_match: str | None,
    budget_bytes: int,
    gzip_ok: bool = False,
) -> CachedTile:
    """The tile, from this process's cache when its key (SQL, bound values, day, data versions) was
    built before; a client holding its ETag gets `not-modified` without the tile being built. With
    `gzip_ok`, a tile worth compressing comes gzipped (its own ETag). With no cache (`budget_bytes`
    0) every tile is built, its ETag the hash of its bytes (no data versions read)."""
    dated_layers.prepare(session, collections, filters)  # coverage of a past day: its polygons
    collections, stored = with_stored_locations(session, collections, filters)
    query, params = tile_query(collections, z, x, y, filters, scope, tms, stored)
    key = None
    if budget_bytes > 0:  # without a server-side cache, no data versions to read: the bytes give the ETag
        epoch, versions = tile_cache.data_versions(session)
        key = tile_cache.tile_key(tile_cache.tables_read(session, query), epoch, query, params, versions)
    if key is None:
        return bypass_tile(build_tile(session, query, params), if_none_match, gzip_ok)
    for etag in (key.gzip_etag, key.etag) if gzip_ok else (key.etag,):
        if tile_cache.etag_matches(if_none_match, etag):
            return CachedTile(etag, "not-modified", None)
    lru = tile_cache.tile_lru(budget_bytes)
    if lru is not None and gzip_ok:
        packed = lru.get(key.gzip_digest)
        if packed is not None:
            return CachedTile(key.gzip_etag, "hit", packed, True)
    data = lru.get(key.digest) if lru is not None else None
    outcome = "hit" if data is not None else "miss"
    if data is None:
        data = build_tile(session, query, params)
        if lru is not None:
            lru.put(key.digest, data)
    if gzip_ok and len(data) >= GZIP_MIN_BYTES:
        packed = gzip.compress(data, 6)
        if lru is not None:
            lru.put(key.gzip_digest, packed)
        return CachedTile(key.gzip_etag, outcome, packed, True)
    return CachedTile(key.etag, outcome, data)
