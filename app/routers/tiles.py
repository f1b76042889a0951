"""Mapbox vector tiles: OGC API – Tiles per collection and an XYZ alias for several layers."""

from contextlib import contextmanager
from functools import lru_cache
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from app.collections import Collection, is_public
from app.db import autocommit_cursor, get_engine, get_session
from app.deps import (
    CollectionDep,
    ScopeDep,
    SessionDep,
    property_filters,
    scope_filters,
    visible_collection,
)
from app.errors import InvalidParameter
from app.schemas_ogc import (
    OMITTED_STAY_ABSENT,
    TileJson,
    TileMatrixSetDefinition,
    TileMatrixSets,
    Tileset,
    Tilesets,
)
from app.security import UNDECIDED, OptionalPrincipal, optional_principal, read_only_principal
from app.services import features, tiles
from app.services.crs_output import CRS84
from app.services.scope import Scope
from app.services.tile_matrix_sets import (
    TILE_MATRIX_SETS,
    WEB_MERCATOR_QUAD,
    TileMatrixSet,
    get_tile_matrix_set,
)
from app.settings import get_settings

router = APIRouter(tags=["Tiles"])

MVT = "application/vnd.mapbox-vector-tile"


def _collections(ids: str, principal) -> list[Collection]:
    names = [n for n in ids.split(",") if n]
    if not names:
        raise InvalidParameter("name at least one collection, e.g. /tiles/sites/{z}/{x}/{y}.mvt")
    if len(set(names)) != len(names):
        raise InvalidParameter(f"a layer is named twice in '{ids}'")
    return [visible_collection(n, principal) for n in names]


def _tile_response(
    request: Request,
    session,
    layers: list[Collection],
    z: int,
    x: int,
    y: int,
    filters: dict,
    scope: Scope,
    tms: TileMatrixSet = WEB_MERCATOR_QUAD,
) -> Response:
    settings = get_settings()
    tms.check(z, x, y, settings.tile_max_zoom)
    return _answer(
        tiles.cached_tile(
            session,
            layers,
            z,
            x,
            y,
            filters,
            scope,
            tms,
            request.headers.get("if-none-match"),
            settings.tile_cache_bytes,
            gzip_ok="gzip" in request.headers.get("accept-encoding", ""),
        ),
        layers,
        scope,
    )


def _answer(tile: tiles.CachedTile, layers: list[Collection], scope: Scope) -> Response:
    # Shared caches may keep a tile only when every caller gets the same bytes: public layers and
    # a scope that restricts none of them (not a district official's, nor an operator's view).
    shared = all(is_public(c) and not scope.clauses(c, "f")[0] for c in layers)
    headers = {
        "ETag": tile.etag,
        "Cache-Control": f"{'public' if shared else 'private'}, max-age={get_settings().tile_cache_seconds}",
        "Vary": "Accept-Encoding, Cookie, Authorization",
        "X-Tile-Cache": tile.outcome,
    }
    if tile.gzipped:
        headers["Content-Encoding"] = "gzip"  # the GZip middleware leaves it as it is
    if tile.data is None:
        return Response(status_code=304, headers=headers)
    return Response(tile.data, media_type=MVT, headers=headers)


@router.get(
    "/tiles/{collection_ids}/{z}/{x}/{y}.mvt",
    summary="XYZ vector tile with one layer per named collection (comma-separated)",
    response_class=Response,
    responses={200: {"content": {MVT: {}}}},
)
async def xyz_tile(request: Request, collection_ids: str, z: int, x: int, y: int) -> Response:
    # The map's densest route does its work in one worker thread: the session, the caller, the
    # scope and the tile, the same functions the dependencies would call, without their four
    # thread hops and dependency solving (with build_tile's driver SQL: a z14 tile's server CPU
    # 2.4 → 1.7 ms, bench/tiles.py --cpu). app/tile_direct.py calls xyz_tile_of before the router
    # does: this route answers what it sends on (a request xyz_tile_of refused), and the API's docs.
    return await run_in_threadpool(xyz_tile_of, request, collection_ids, z, x, y)


def xyz_tile_of(request: Request, collection_ids: str, z: int, x: int, y: int) -> Response:
    tile = _read_only(
        request, lambda principal: (_collections(collection_ids, principal), WEB_MERCATOR_QUAD), z, x, y
    )
    if tile is not None:
        return tile
    with _session(request) as session:
        principal = optional_principal(request, session)
        scope = Scope.of(principal)
        layers = _collections(collection_ids, principal)
        filters = scope_filters(property_filters(request), scope)
        return _tile_response(request, session, layers, z, x, y, filters, scope)


def _read_only(request: Request, layers_of, z: int, x: int, y: int) -> Response | None:
    """The tile without a server-side cache, when all it takes is reads: on a pooled connection's
    cursor in autocommit (app/db.py, autocommit_cursor), no Session, the same statements, caller,
    scope and layers as the Session's path; None when that path must answer (the cache on, a test's
    session, a caller or a layer that needs more, see read_only_principal and read_only_tile).
    `layers_of(principal)`: the route's layers and tile matrix set for the caller, or its error."""
    settings = get_settings()
    if settings.tile_cache_bytes or get_session in request.app.dependency_overrides:
        return None
    with autocommit_cursor() as cursor:
        principal = read_only_principal(request, cursor)
        if principal is UNDECIDED:
            return None
        scope = Scope.of(principal)
        layers, tms = layers_of(principal)
        filters = scope_filters(property_filters(request), scope)
        tms.check(z, x, y, settings.tile_max_zoom)
        tile = tiles.read_only_tile(
            cursor,
            get_engine().dialect,
            layers,
            z,
            x,
            y,
            filters,
            scope,
            tms,
            request.headers.get("if-none-match"),
            "gzip" in request.headers.get("accept-encoding", ""),
        )
    return None if tile is None else _answer(tile, layers, scope)


@contextmanager
def _session(request: Request):
    """The request's session as SessionDep would give it (a test's override included), reading in
    autocommit: a tile's statements are reads, each its own snapshot, so no BEGIN and ROLLBACK
    round trips around them (the connection's TimeZone is its login option, kept)."""
    with contextmanager(request.app.dependency_overrides.get(get_session, get_session))() as session:
        if isinstance(session.bind, Engine) and not session.in_transaction():
            # The session's every connection, also after the token lookup's commit.
            session.bind = _autocommit(session.bind)
        yield session


@lru_cache(maxsize=8)
def _autocommit(engine: Engine) -> Engine:
    """``engine`` (its pool) handing out autocommit connections."""
    return engine.execution_options(isolation_level="AUTOCOMMIT")


@router.get(
    "/tiles/{collection_ids}/tilejson.json", summary="TileJSON 3.0 for the XYZ tiles", response_model=TileJson
)
def tilejson(
    request: Request, collection_ids: str, session: SessionDep, principal: OptionalPrincipal, scope: ScopeDep
) -> dict:
    layers = _collections(collection_ids, principal)
    base = str(request.base_url).rstrip("/")
    query = f"?{request.url.query}" if request.url.query else ""
    extents = [e for e in (features.get_extent(session, c, scope) for c in layers) if e]
    bounds = (
        [
            min(e[0] for e in extents),
            min(e[1] for e in extents),
            max(e[2] for e in extents),
            max(e[3] for e in extents),
        ]
        if extents
        else [-180.0, -85.0511, 180.0, 85.0511]
    )
    max_zoom = get_settings().tile_max_zoom
    return {
        "tilejson": "3.0.0",
        "name": collection_ids,
        "scheme": "xyz",
        "tiles": [f"{base}/tiles/{collection_ids}/{{z}}/{{x}}/{{y}}.mvt{query}"],
        "minzoom": 0,
        "maxzoom": max_zoom,
        "bounds": bounds,
        "center": [(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, 10],
        "vector_layers": [
            {
                "id": c.id,
                "description": c.title_en,
                "minzoom": 0,
                "maxzoom": max_zoom,
                "fields": tiles.tile_fields(session, c),
            }
            for c in layers
        ],
    }


TILING_SCHEME = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"
_GEOMETRY_DIMENSION = {"Point": 0, "LineString": 1, "MultiPolygon": 2}
TmsDep = Annotated[TileMatrixSet, Depends(get_tile_matrix_set)]


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _link(href: str, rel: str, type_: str, title: str) -> dict:
    return {"href": href, "rel": rel, "type": type_, "title": title}


@router.get(
    "/ogc/tileMatrixSets",
    summary="The tile matrix sets of the vector tiles",
    response_model=TileMatrixSets,
    **OMITTED_STAY_ABSENT,
)
def tile_matrix_sets(request: Request) -> dict:
    base = f"{_base(request)}/ogc/tileMatrixSets"
    return {
        "links": [_link(base, "self", "application/json", "tile matrix sets")],
        "tileMatrixSets": [
            {
                "id": t.id,
                "title": t.title,
                "uri": t.uri,
                "crs": t.crs,
                "links": [_link(f"{base}/{t.id}", "self", "application/json", t.title)],
            }
            for t in TILE_MATRIX_SETS.values()
        ],
    }


@router.get(
    "/ogc/tileMatrixSets/{tms_id}",
    summary="A tile matrix set (OGC 2D Tile Matrix Set 2.0)",
    response_model=TileMatrixSetDefinition,
)
def tile_matrix_set(tms: TmsDep) -> dict:
    return tms.definition(get_settings().tile_max_zoom)


def _tileset_links(request: Request, c: Collection, tms: TileMatrixSet) -> list[dict]:
    url = f"{_base(request)}/ogc/collections/{c.id}/tiles/{tms.id}"
    return [
        _link(url, "self", "application/json", f"{c.title_vi} ({tms.id})"),
        _link(f"{_base(request)}/ogc/tileMatrixSets/{tms.id}", TILING_SCHEME, "application/json", tms.title),
        {**_link(f"{url}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}", "item", MVT, "a tile"), "templated": True},
    ]


@router.get(
    "/ogc/collections/{collection_id}/tiles",
    summary="Vector tilesets of a collection",
    response_model=Tilesets,
    **OMITTED_STAY_ABSENT,
)
def tilesets(request: Request, c: CollectionDep) -> dict:
    url = f"{_base(request)}/ogc/collections/{c.id}/tiles"
    return {
        "links": [_link(url, "self", "application/json", f"{c.title_vi}: vector tilesets")],
        "tilesets": [
            {
                "title": f"{c.title_vi} ({t.id})",
                "dataType": "vector",
                "crs": t.crs,
                "tileMatrixSetURI": t.uri,
                "links": _tileset_links(request, c, t),
            }
            for t in TILE_MATRIX_SETS.values()
        ],
    }


@router.get(
    "/ogc/collections/{collection_id}/tiles/{tms_id}",
    summary="A vector tileset of a collection: tile matrix set, layer and fields, tile URL template",
    response_model=Tileset,
    **OMITTED_STAY_ABSENT,
)
def tileset(request: Request, c: CollectionDep, tms: TmsDep, session: SessionDep, scope: ScopeDep) -> dict:
    max_zoom = get_settings().tile_max_zoom
    doc = {
        "title": f"{c.title_vi} ({tms.id})",
        "description": c.title_en,
        "dataType": "vector",
        "crs": tms.crs,
        "tileMatrixSetURI": tms.uri,
        "layers": [
            {
                "id": c.id,
                "title": c.title_en,
                "dataType": "vector",
                "geometryDimension": _GEOMETRY_DIMENSION[c.geometry_type],
                "minTileMatrix": "0",
                "maxTileMatrix": str(max_zoom),
                "propertiesSchema": {
                    "type": "object",
                    "properties": {k: {"type": v.lower()} for k, v in tiles.tile_fields(session, c).items()},
                },
            }
        ],
        "links": [
            *_tileset_links(request, c, tms),
            _link(
                f"{_base(request)}/ogc/collections/{c.id}",
                "http://www.opengis.net/def/rel/ogc/1.0/geodata",
                "application/json",
                c.title_vi,
            ),
        ],
    }
    extent = features.get_extent(session, c, scope)
    if extent:
        doc["boundingBox"] = {"lowerLeft": extent[:2], "upperRight": extent[2:], "crs": CRS84}
    return doc


@router.get(
    "/ogc/collections/{collection_id}/tiles/{tms_id}/{z}/{y}/{x}",
    summary="A vector tile (OGC API – Tiles: tileMatrix/tileRow/tileCol)",
    response_class=Response,
    responses={200: {"content": {MVT: {}}}},
)
async def ogc_tile(request: Request, collection_id: str, tms_id: str, z: int, y: int, x: int) -> Response:
    return await run_in_threadpool(ogc_tile_of, request, collection_id, tms_id, z, y, x)  # as xyz_tile


def ogc_tile_of(request: Request, collection_id: str, tms_id: str, z: int, y: int, x: int) -> Response:
    def layers_of(principal) -> tuple[list[Collection], TileMatrixSet]:
        return [visible_collection(collection_id, principal)], get_tile_matrix_set(tms_id)

    tile = _read_only(request, layers_of, z, x, y)
    if tile is not None:
        return tile
    with _session(request) as session:
        principal = optional_principal(request, session)
        scope = Scope.of(principal)
        c = visible_collection(collection_id, principal)
        tms = get_tile_matrix_set(tms_id)
        filters = scope_filters(property_filters(request), scope)
        return _tile_response(request, session, [c], z, x, y, filters, scope, tms)
