"""OGC API – Features (and the Tiles entry points per collection) under /ogc."""

from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, Depends, Query, Request, Response

from app.collections import Collection, is_public, shown_to
from app.deps import (
    BBoxDep,
    CollectionDep,
    CrsDep,
    FiltersDep,
    FormatDep,
    PropertiesDep,
    ScopeDep,
    SessionDep,
    SortDep,
)
from app.errors import NotFound
from app.schemas_ogc import OMITTED_STAY_ABSENT, CollectionInfo, Collections, Conformance, LandingPage
from app.security import OptionalPrincipal
from app.services import features
from app.services.cql2 import LANGS, queryable_types
from app.services.crs_output import CRS84, SUPPORTED
from app.services.exports.layers import FORMATS as EXPORT_FORMATS
from app.services.region import region_on
from app.services.scope import Scope
from app.services.tiles import GZIP_MIN_BYTES, gzip_once
from app.settings import get_settings

router = APIRouter(prefix="/ogc", tags=["OGC API"])

GEOJSON = "application/geo+json"
OPENAPI_JSON = "application/vnd.oai.openapi+json;version=3.0"
ITEMS_DEFAULT_LIMIT = 100
ITEMS_MAX_LIMIT = 10_000
ITEMS_MAX_OFFSET = 1_000_000_000  # far beyond any collection, and a database integer

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison",
    "http://www.opengis.net/spec/cql2/1.0/conf/property-property",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
    "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
]
QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
SCHEMA_JSON = "application/schema+json"
_JSON_SCHEMA_TYPES = {
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
    "date-time": {"type": "string", "format": "date-time"},
}


def _link(href: str, rel: str, type_: str, title: str | None = None) -> dict:
    link = {"href": href, "rel": rel, "type": type_}
    if title:
        link["title"] = title
    return link


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@router.get("", summary="Landing page", response_model=LandingPage, **OMITTED_STAY_ABSENT)
def landing(request: Request, session: SessionDep, _: FormatDep) -> dict:
    base = _base(request)
    try:
        region = region_on(session.connection())
        title, where = f"Hạ tầng viễn thông {region.display_vi}", f" of {region.display_en}"
    except NotFound:  # nothing loaded yet: the service still describes itself
        title, where = "Hạ tầng viễn thông", ""
    return {
        "title": title,
        "description": f"Telecom infrastructure{where}: admin units, BTS sites, "
        "cells, poles, ducts, fibre access points, commune offices and speed tests.",
        "links": [
            _link(f"{base}/ogc", "self", "application/json", "this document"),
            _link(f"{base}/openapi.json", "service-desc", OPENAPI_JSON, "the API definition"),
            _link(f"{base}/docs", "service-doc", "text/html", "the API documentation"),
            _link(f"{base}/ogc/conformance", "conformance", "application/json"),
            _link(f"{base}/ogc/collections", "data", "application/json", "the collections"),
            _link(
                f"{base}/ogc/tileMatrixSets",
                "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes",
                "application/json",
                "the tile matrix sets of the vector tiles",
            ),
        ],
    }


@router.get("/conformance", summary="Conformance classes", response_model=Conformance)
def conformance(_: FormatDep) -> dict:
    return {"conformsTo": CONFORMANCE}


GREGORIAN = "http://www.opengis.net/def/uri/ISO-8601/0/Gregorian"


def _collection_doc(request: Request, session, collection: Collection, scope: Scope) -> dict:
    base = _base(request)
    url = f"{base}/ogc/collections/{collection.id}"
    doc = {
        "id": collection.id,
        "title": collection.title_vi,
        "description": collection.description,
        "itemType": "feature",
        "crs": list(SUPPORTED),
        "storageCrs": CRS84,
        "geometryType": collection.geometry_type,
        "links": [
            _link(url, "self", "application/json"),
            _link(f"{url}/items", "items", GEOJSON, "features"),
            _link(f"{url}/queryables", QUERYABLES_REL, SCHEMA_JSON, "properties a filter may use"),
            _link(
                f"{url}/tiles",
                "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector",
                "application/json",
                "vector tiles",
            ),
        ],
    }
    extent = features.get_extent(session, collection, scope)
    if extent:
        doc["extent"] = {"spatial": {"bbox": [extent], "crs": CRS84}}
    interval = features.get_time_extent(session, collection, scope)
    if interval:
        doc.setdefault("extent", {})["temporal"] = {"interval": [interval], "trs": GREGORIAN}
    return doc


@router.get(
    "/collections",
    summary="Collections (anonymous visitors: the public ones)",
    response_model=Collections,
    **OMITTED_STAY_ABSENT,
)
def collections(
    request: Request, session: SessionDep, principal: OptionalPrincipal, scope: ScopeDep, _: FormatDep
) -> dict:
    base = _base(request)
    shown = shown_to(principal is not None)
    return {
        "links": [_link(f"{base}/ogc/collections", "self", "application/json")],
        "collections": [_collection_doc(request, session, c, scope) for c in shown],
    }


@router.get(
    "/collections/{collection_id}",
    summary="A collection",
    response_model=CollectionInfo,
    **OMITTED_STAY_ABSENT,
)
def collection(
    request: Request, c: CollectionDep, session: SessionDep, scope: ScopeDep, _: FormatDep
) -> dict:
    return _collection_doc(request, session, c, scope)


@router.get(
    "/collections/{collection_id}/queryables",
    summary="Properties a CQL2 filter may name (JSON Schema)",
    response_class=Response,
    responses={200: {"content": {SCHEMA_JSON: {}}}},
)
def queryables(request: Request, c: CollectionDep, _: FormatDep) -> Response:
    url = f"{_base(request)}/ogc/collections/{c.id}/queryables"
    props: dict[str, dict] = {
        "geometry": {
            "title": "geometry",
            "format": f"geometry-{c.geometry_type.lower()}",
            "x-ogc-role": "primary-geometry",
        }
    }
    for name, kind in queryable_types(c).items():
        props[name] = {"title": name, **_JSON_SCHEMA_TYPES[kind]}
    if c.temporal:  # Features Part 5's role: what `datetime` selects on
        props[c.temporal]["x-ogc-role"] = "primary-instant"
    doc = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": url,
        "type": "object",
        "title": c.title_vi,
        "description": c.title_en,
        "properties": props,
        "additionalProperties": False,
    }
    return Response(orjson.dumps(doc), media_type=SCHEMA_JSON)


def items_limit(
    limit: Annotated[
        int,
        Query(
            ge=1,
            description="page size (default 100, maximum 10000; a larger one is served as 10000)",
            json_schema_extra={"maximum": ITEMS_MAX_LIMIT},
        ),
    ] = ITEMS_DEFAULT_LIMIT,
) -> int:
    # Features Part 1 (/req/core/fc-limit-response-1): above the maximum is not an error.
    return min(limit, ITEMS_MAX_LIMIT)


@router.get(
    "/collections/{collection_id}/items",
    summary="Features of a collection",
    response_class=Response,
    responses={200: {"content": {GEOJSON: {}}}},
)
def items(
    request: Request,
    c: CollectionDep,
    session: SessionDep,
    scope: ScopeDep,
    bbox: BBoxDep,
    filters: FiltersDep,
    crs: CrsDep,
    sortby: SortDep,
    properties: PropertiesDep,
    _: FormatDep,
    limit: Annotated[int, Depends(items_limit)],
    after: Annotated[str | None, Query(description="paging cursor from a `next` link")] = None,
    offset: Annotated[
        int | None,
        Query(
            ge=0,
            le=ITEMS_MAX_OFFSET,
            description="features to skip (in `sortby` order, else by id); `next` links carry it",
        ),
    ] = None,
    # Declared for the API definition; their values travel with the property filters.
    filter_: Annotated[
        str | None,
        Query(
            alias="filter",
            description="CQL2 filter on the queryables",
            examples=["height_m > 40 AND owner = 'Viettel'"],
        ),
    ] = None,
    filter_lang: Annotated[
        str | None,
        Query(
            alias="filter-lang",
            description="cql2-text (default) or cql2-json",
            json_schema_extra={"enum": list(LANGS)},
        ),
    ] = None,
    filter_crs: Annotated[
        str | None,
        Query(alias="filter-crs", description="CRS of the filter's geometry literals (default CRS84)"),
    ] = None,
    datetime_: Annotated[
        str | None,
        Query(
            alias="datetime",
            description="an instant or an interval (RFC 3339 dates or date-times, `..` for an open end) "
            "on the collection's time (queryables: x-ogc-role primary-instant); ignored by collections "
            "without one. Admin units (districts, communes, hamlets): the one day whose units in force "
            "are shown (default today; an interval is refused)",
            examples=["2025-01-01/2025-03-31", "../2024-12-31", "2025-03-31T08:00:00Z"],
        ),
    ] = None,
) -> Response:
    query = features.ItemsQuery(
        scope=scope,
        bbox=bbox,
        filters=filters,
        sortby=sortby,
        properties=properties,
        crs=crs,
        limit=limit,
        after=after,
        offset=offset,
    )
    page = features.get_items(
        session, c, query, request.headers.get("if-none-match"), get_settings().tile_cache_bytes
    )
    # An edit shows at once: a client keeps a page but asks again (its ETag answered 304 while the
    # data it was read from stands); shared caches only for what every caller gets alike.
    shared = is_public(c) and not scope.clauses(c, "f")[0]
    headers = {
        "Content-Crs": crs.header,
        "Cache-Control": f"{'public' if shared else 'private'}, no-cache",
        "Vary": "Accept-Encoding, Cookie, Authorization",
        "X-Items-Cache": page.cache,
    }
    if page.etag is not None:
        headers["ETag"] = page.etag
    if page.not_modified:
        return Response(status_code=304, headers=headers)
    self_url = str(request.url)
    links = [
        _link(self_url, "self", GEOJSON),
        _link(f"{_base(request)}/ogc/collections/{c.id}", "collection", "application/json"),
    ]
    if page.next_after is not None:
        links.append(_link(str(request.url.include_query_params(after=page.next_after)), "next", GEOJSON))
    if page.next_offset is not None:
        links.append(_link(str(request.url.include_query_params(offset=page.next_offset)), "next", GEOJSON))
    stamp = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    data = features.feature_collection_bytes(page, links, stamp)
    if "gzip" in request.headers.get("accept-encoding", "") and len(data) >= GZIP_MIN_BYTES:
        # Compressed for this one response as a tile built per request is: the fastest level (the
        # middleware's 9 costs ~10× more on a page of 1,000 poles); the middleware leaves it as it is.
        data = gzip_once(data)
        headers["Content-Encoding"] = "gzip"
    return Response(data, media_type=GEOJSON, headers=headers)


@router.options("/collections/{collection_id}/items", include_in_schema=False, response_class=Response)
def items_options(c: CollectionDep) -> Response:
    return Response(status_code=204, headers={"Allow": "GET, OPTIONS"})


@router.get(
    "/collections/{collection_id}/items/{feature_id}",
    summary="One feature",
    response_class=Response,
    responses={200: {"content": {GEOJSON: {}}}},
)
def item(
    request: Request,
    c: CollectionDep,
    feature_id: str,
    session: SessionDep,
    scope: ScopeDep,
    crs: CrsDep,
    properties: PropertiesDep,
    _: FormatDep,
) -> Response:
    feature = features.get_item(session, c, feature_id, scope, crs=crs, properties=properties)
    base = _base(request)
    links = [
        _link(str(request.url), "self", GEOJSON, "this feature"),
        *_alternates(base, c, feature_id),
        _link(f"{base}/ogc/collections/{c.id}", "collection", "application/json", c.title_vi),
    ]
    return Response(
        features.with_links(feature, links), media_type=GEOJSON, headers={"Content-Crs": crs.header}
    )


def _alternates(base: str, c: Collection, feature_id: str) -> list[dict]:
    """The feature in the other encodings we serve: the layer's export filtered to its code."""
    only = orjson.dumps({"op": "=", "args": [{"property": "code"}, feature_id]}).decode()
    return [
        _link(
            f"{base}/api/export/{c.id}?"
            + urlencode({"format": name, "filter": only, "filter-lang": "cql2-json"}),
            "alternate",
            spec.media_type,
            f"this feature as {spec.extension}",
        )
        for name, spec in EXPORT_FORMATS.items()
        if spec.media_type != GEOJSON
    ]
