"""Mapbox vector tiles: OGC API – Tiles per collection and an XYZ alias for several layers."""

import hashlib

from fastapi import APIRouter, Request, Response

from app.collections import Collection, is_public
from app.deps import (
    CollectionDep,
    FiltersDep,
    ScopeDep,
    SessionDep,
    property_filters,
    scope_filters,
    visible_collection,
)
from app.errors import InvalidParameter
from app.security import OptionalPrincipal
from app.services import features, tiles
from app.services.scope import Scope
from app.settings import get_settings

router = APIRouter(tags=["Tiles"])

MVT = "application/vnd.mapbox-vector-tile"
_JSON_TYPES = {
    "string": "String",
    "date": "String",
    "date-time": "String",
    "integer": "Number",
    "number": "Number",
    "boolean": "Boolean",
    "object": "String",
}


def _collections(ids: str, principal) -> list[Collection]:
    names = [n for n in ids.split(",") if n]
    if not names:
        raise InvalidParameter("name at least one collection, e.g. /tiles/sites/{z}/{x}/{y}.mvt")
    if len(set(names)) != len(names):
        raise InvalidParameter(f"a layer is named twice in '{ids}'")
    return [visible_collection(n, principal) for n in names]


def _tile_response(
    request: Request, session, layers: list[Collection], z: int, x: int, y: int, filters: dict, scope: Scope
) -> Response:
    settings = get_settings()
    tiles.check_tile(z, x, y, settings.tile_max_zoom)
    data = tiles.render_tile(session, layers, z, x, y, filters, scope)
    etag = '"' + hashlib.blake2b(data, digest_size=16).hexdigest() + '"'
    # Shared caches may keep public layers only; the rest is per user.
    scope = "public" if all(is_public(c) for c in layers) else "private"
    headers = {"ETag": etag, "Cache-Control": f"{scope}, max-age={settings.tile_cache_seconds}", "Vary": "Cookie, Authorization"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(data, media_type=MVT, headers=headers)


@router.get(
    "/tiles/{collection_ids}/{z}/{x}/{y}.mvt",
    summary="XYZ vector tile with one layer per named collection (comma-separated)",
    response_class=Response,
    responses={200: {"content": {MVT: {}}}},
)
def xyz_tile(
    request: Request,
    collection_ids: str,
    z: int,
    x: int,
    y: int,
    session: SessionDep,
    principal: OptionalPrincipal,
    scope: ScopeDep,
) -> Response:
    layers = _collections(collection_ids, principal)
    filters = scope_filters(property_filters(request), scope)
    return _tile_response(request, session, layers, z, x, y, filters, scope)


@router.get("/tiles/{collection_ids}/tilejson.json", summary="TileJSON 3.0 for the XYZ tiles")
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
        else [-180, -85.0511, 180, 85.0511]
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
                "fields": {k: _JSON_TYPES[v] for k, v in c.properties.items()},
            }
            for c in layers
        ],
    }


@router.get("/ogc/collections/{collection_id}/tiles", summary="Vector tilesets of a collection")
def tilesets(request: Request, c: CollectionDep) -> dict:
    base = str(request.base_url).rstrip("/")
    url = f"{base}/ogc/collections/{c.id}/tiles/WebMercatorQuad"
    return {
        "tilesets": [
            {
                "title": c.title_vi,
                "dataType": "vector",
                "crs": "http://www.opengis.net/def/crs/EPSG/0/3857",
                "tileMatrixSetURI": "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad",
                "links": [
                    {"href": url, "rel": "self", "type": "application/json"},
                    {
                        "href": f"{url}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}",
                        "rel": "item",
                        "type": MVT,
                        "templated": True,
                    },
                ],
            }
        ]
    }


@router.get(
    "/ogc/collections/{collection_id}/tiles/WebMercatorQuad/{z}/{y}/{x}",
    summary="A vector tile (OGC API – Tiles, WebMercatorQuad: matrix/row/col)",
    response_class=Response,
    responses={200: {"content": {MVT: {}}}},
)
def ogc_tile(
    request: Request,
    c: CollectionDep,
    z: int,
    y: int,
    x: int,
    session: SessionDep,
    filters: FiltersDep,
    scope: ScopeDep,
) -> Response:
    return _tile_response(request, session, [c], z, x, y, filters, scope)
