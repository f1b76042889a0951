"""OGC API – Features items: GeoJSON assembled in PostGIS, in the requested CRS.

Paging is keyset on the feature id by default, and by offset when an `offset` or a `sortby` is
given (the sort keys are not unique; fid breaks ties so offsets stay stable). Filters: bbox (in
any served CRS), property filters and CQL2 (app.services.sql).
"""

from dataclasses import dataclass, field, replace

import orjson
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.collections import STORED_LOCATION_SOURCES, Collection
from app.errors import InvalidParameter, not_found
from app.services import tile_cache
from app.services.coverage import dated_layers, ftth
from app.services.crs_output import DEFAULT as CRS84
from app.services.crs_output import OutputCrs
from app.services.scope import Scope
from app.services.sql import filter_clauses, needs_location, scoped_source, with_location
from app.services.temporal import temporal_interval

BBox = tuple[float, float, float, float]


@dataclass(frozen=True)
class BBoxFilter:
    values: BBox  # x/y order of `crs` (lon/lat for both CRS84 and EPSG:4326 once parsed)
    crs: OutputCrs = CRS84


@dataclass(frozen=True)
class SortKey:
    name: str
    descending: bool = False


@dataclass
class ItemsQuery:
    scope: Scope  # what the caller may see (app/services/scope.py)
    bbox: BBoxFilter | None = None
    filters: dict[str, str] = field(default_factory=dict)
    sortby: list[SortKey] = field(default_factory=list)
    properties: list[str] | None = None  # None: all of them
    crs: OutputCrs = CRS84
    limit: int = 100
    after: str | None = None
    offset: int | None = None  # None: keyset paging by `after`


@dataclass
class ItemsPage:
    body: bytes  # the serialized GeoJSON Features, comma-separated
    number_returned: int
    number_matched: int | None  # None: not counted (a page after the first; OGC lets it out)
    next_after: str | None = None
    next_offset: int | None = None
    etag: str | None = None  # with a server-side cache: the page's key
    cache: str = "bypass"  # hit, miss or bypass (no cache)
    not_modified: bool = False  # the client's ETag still holds: no body


# jsonb_build_object takes at most 100 arguments: a longer list is built in parts and joined.
_PAIRS_PER_CALL = 40


def _properties_sql(names: list[str]) -> str:
    """The properties as one jsonb object, built from the named columns only: `to_jsonb(f) - 'geom'`
    serialised every feature's geometry to JSON and threw it away (~20 ms per 1,000 points). jsonb
    orders its keys itself, so the text is the same as that of the whole row's."""
    if not names:
        return "'{}'::jsonb"
    parts = [
        "jsonb_build_object(" + ", ".join(f"'{p}', f.\"{p}\"" for p in names[i : i + _PAIRS_PER_CALL]) + ")"
        for i in range(0, len(names), _PAIRS_PER_CALL)
    ]
    return " || ".join(parts)


def _feature_sql(crs: OutputCrs, collection: Collection, properties: list[str] | None) -> str:
    # None: all of them (the source's columns but fid and geom: tests/app/test_items_properties.py)
    props = _properties_sql(list(collection.all_properties) if properties is None else properties)
    # options 0: no "crs" member (the Content-Crs header says it)
    return (
        "json_build_object('type', 'Feature', 'id', f.fid, "
        f"'geometry', ST_AsGeoJSON({crs.geometry_sql('f.geom')}, {crs.decimals}, 0)::json, "
        f"'properties', {props})::text"
    )


def _bbox_clause(bbox: BBoxFilter) -> str:
    if bbox.crs.geographic:
        return (
            "f.geom && ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326) "
            "AND ST_Intersects(f.geom, ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326))"
        )
    # Exact test in the bbox's own CRS; the index-friendly prefilter uses its (densified) outline.
    env = f"ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, {bbox.crs.srid})"
    return (
        f"f.geom && ST_Expand(ST_Transform(ST_Segmentize({env}, greatest(:maxx - :minx, :maxy - :miny) / 32), "
        f"4326), 1e-4) AND ST_Intersects(ST_Transform(f.geom, {bbox.crs.srid}), {env})"
    )


def _where(collection: Collection, query: ItemsQuery) -> tuple[str, dict[str, object]]:
    clauses, params = filter_clauses(collection, query.filters)
    if query.bbox is not None:
        clauses.append(_bbox_clause(query.bbox))
        params.update(dict(zip(("minx", "miny", "maxx", "maxy"), query.bbox.values, strict=True)))
    return " AND ".join(clauses) or "true", params


def _order(sortby: list[SortKey]) -> str:
    keys = [f'f."{k.name}"' + (" DESC" if k.descending else "") for k in sortby]
    return ", ".join([*keys, 'f.fid COLLATE "C"'])


# The kept commune and district codes (side tables of migrations 0030 and 0034) hold for today and
# the admin units as they are, or the location is looked up per row.
_LOCATIONS_FRESH = text(
    "SELECT EXISTS (SELECT 1 FROM feature_locations_state s JOIN data_versions v "
    "ON v.table_name = 'admin_units' WHERE s.admin_version = v.version "
    "AND CURRENT_DATE >= s.valid_from AND CURRENT_DATE < s.valid_to)"
)
_RELOCATE_LOCK = 30_030  # pg advisory lock: one process rewrites the codes at a time


def _locations_fresh(session: Session) -> bool:
    if session.execute(_LOCATIONS_FRESH).scalar_one():
        return True
    # Stale (the admin units changed, or a unit came into or went out of force): rewrite the codes
    # once, in a transaction of its own, while other requests look locations up meanwhile.
    with session.get_bind().connect() as conn:
        if not conn.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": _RELOCATE_LOCK}).scalar_one():
            return False
        if not conn.execute(_LOCATIONS_FRESH).scalar_one():
            conn.execute(text("SELECT relocate_features()"))
        conn.commit()
    return bool(session.execute(_LOCATIONS_FRESH).scalar_one())


def with_stored_location(session: Session, collection: Collection) -> tuple[Collection, bool]:
    """The collection reading its features' commune and district from its side table when they are
    kept there and hold (then True: no per-row lookup), else as it is (False)."""
    stored = STORED_LOCATION_SOURCES.get(collection.id)
    if stored is None or not _locations_fresh(session):
        return collection, False
    return replace(collection, source=stored), True


def get_items(
    session: Session,
    collection: Collection,
    query: ItemsQuery,
    if_none_match: str | None = None,
    budget_bytes: int = 0,
) -> ItemsPage:
    """A page of features. With a server-side cache (`budget_bytes` > 0) the page is kept keyed as a
    tile is (app/services/tile_cache.py: its SQL, bound values — the caller's scope among them —, the
    day and the data versions of the tables it reads), so an edit changes the next answer; a client
    holding the key's ETag gets `not_modified` without the page being read."""
    dated_layers.prepare(session, [collection], query.filters)  # coverage of a past day: its polygons
    collection, stored = with_stored_location(session, collection)
    # Without stored codes, the location lookup costs a point-in-polygon per row: do it before
    # filtering only when a filter or the sort needs it, otherwise only for the rows of the page.
    early = not stored and needs_location(collection, query.filters, {k.name for k in query.sortby})
    where, params = _where(collection, query)
    source, scope_params = scoped_source(collection, query.scope, located=early, filters=query.filters)
    params.update(scope_params)
    matching = f"SELECT * FROM ({source}) AS f WHERE {where}"
    order = _order(query.sortby)
    keyset = not query.sortby and query.offset is None
    if query.after is not None and not keyset:
        raise InvalidParameter("'after' pages in id order only; with 'offset' or 'sortby', page by 'offset'")
    if query.after is not None and "\x00" in query.after:
        raise InvalidParameter("'after' holds a NUL character; take it from a `next` link")
    page_where = 'f.fid COLLATE "C" > :after' if keyset and query.after is not None else "true"
    page = (
        f"SELECT * FROM ({matching}) AS f WHERE {page_where} ORDER BY {order} "
        f"LIMIT :limit_plus_one OFFSET :offset"
    )
    if collection.located and not early and not stored:
        page = with_location(page)
    page_sql = f"SELECT f.fid, {_feature_sql(query.crs, collection, query.properties)} FROM ({page}) AS f ORDER BY {order}"
    count_sql = f"SELECT count(*) FROM ({matching}) AS f"
    page_params = {
        **params,
        "after": query.after,
        "limit_plus_one": query.limit + 1,
        "offset": query.offset or 0,
    }
    key = None
    if budget_bytes > 0:
        epoch, versions = tile_cache.data_versions(session)
        both = f"{page_sql};{count_sql}"
        key = tile_cache.tile_key(tile_cache.tables_read(session, both), epoch, both, page_params, versions)
    if key is not None:
        etag = f'"i-{key.digest}"'
        if tile_cache.etag_matches(if_none_match, etag):
            return ItemsPage(b"", 0, None, etag=etag, not_modified=True)
        lru = tile_cache.tile_lru(budget_bytes)
        kept = lru.get(f"i-{key.digest}") if lru is not None else None
        if kept is not None:
            return replace(_unpack(kept), etag=etag, cache="hit")
    rows = session.execute(text(page_sql), page_params).all()
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    # numberMatched: counted for a first page (and offset pages), given by the page itself when it
    # holds them all; a keyset page after the first leaves it out (OGC Features /req/core/fc-response).
    matched: int | None = None
    if not more and not query.offset and query.after is None:
        matched = len(rows)
    elif query.after is None:
        matched = session.execute(text(count_sql), params).scalar_one()
    page_out = ItemsPage(",".join(r[1] for r in rows).encode(), len(rows), matched)
    if more and rows:
        if keyset:
            page_out.next_after = rows[-1][0]
        else:
            page_out.next_offset = (query.offset or 0) + len(rows)
    if key is not None:
        page_out.etag, page_out.cache = f'"i-{key.digest}"', "miss"
        lru = tile_cache.tile_lru(budget_bytes)
        if lru is not None:
            lru.put(f"i-{key.digest}", _pack(page_out))
    return page_out


def _pack(page: ItemsPage) -> bytes:
    meta = [page.number_returned, page.number_matched, page.next_after, page.next_offset]
    return orjson.dumps(meta) + b"\n" + page.body


def _unpack(kept: bytes) -> ItemsPage:
    meta, body = kept.split(b"\n", 1)  # serialized JSON holds no raw newline
    returned, matched, next_after, next_offset = orjson.loads(meta)
    return ItemsPage(body, returned, matched, next_after, next_offset)


def get_item(
    session: Session,
    collection: Collection,
    feature_id: str,
    scope: Scope,
    crs: OutputCrs = CRS84,
    properties: list[str] | None = None,
) -> str:
    """One feature; NotFound as well when it lies outside the caller's scope (its existence is not told)."""
    if "\x00" in feature_id:  # no id holds one (and the database takes no NUL in text)
        raise not_found("notfound.feature", id=repr(str(feature_id))[1:-1], collection=collection.id)
    if ftth.reads_ftth(collection.source):  # the hamlets' and gaps' FTTH as of today
        ftth.ftth_for_today(session.get_bind())
    collection, stored = with_stored_location(session, collection)
    source, params = scoped_source(collection, scope, located=not stored)
    row = session.execute(
        text(f"SELECT {_feature_sql(crs, collection, properties)} FROM ({source}) AS f WHERE f.fid = :fid"),
        {**params, "fid": feature_id},
    ).first()
    if row is None:
        raise not_found("notfound.feature", id=repr(str(feature_id))[1:-1], collection=collection.id)
    return row[0]


def get_extent(session: Session, collection: Collection, scope: Scope) -> list[float] | None:
    """The bounding box of the features `scope` may see."""
    source, params = scoped_source(collection, scope)
    row = session.execute(
        text(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
            f"FROM (SELECT ST_Extent(f.geom) AS e FROM ({source}) AS f) AS x"
        ),
        params,
    ).first()
    if row is None or row[0] is None:
        return None
    return [round(v, 7) for v in row]


def get_time_extent(session: Session, collection: Collection, scope: Scope) -> list[str | None] | None:
    """The first and last time of the features `scope` may see (None: no time, or no times)."""
    if collection.temporal is None:
        return None
    source, params = scoped_source(collection, scope)
    first, last = session.execute(
        text(f'SELECT min(f."{collection.temporal}"), max(f."{collection.temporal}") FROM ({source}) AS f'),
        params,
    ).one()
    return None if first is None else temporal_interval(first, last)


def with_links(feature_json: str, links: list[dict]) -> bytes:
    """A pre-serialized feature with its `links` member, without parsing it again."""
    return feature_json.encode().rstrip()[:-1] + b',"links":' + orjson.dumps(links) + b"}"


def feature_collection_bytes(page: ItemsPage, links: list[dict], timestamp: str) -> bytes:
    """Wrap pre-serialized features without parsing them again."""
    counts = {} if page.number_matched is None else {"numberMatched": page.number_matched}
    head = orjson.dumps(
        {
            "type": "FeatureCollection",
            **counts,
            "numberReturned": page.number_returned,
            "timeStamp": timestamp,
            "links": links,
        }
    )
    return head[:-1] + b',"features":[' + page.body + b"]}"
