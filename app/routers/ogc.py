"""OGC API – Features (and the Tiles entry points per collection) under /ogc."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.collections import COLLECTIONS, Collection
from app.deps import BBoxDep, CollectionDep, FiltersDep, FormatDep, SessionDep
from app.services import features

router = APIRouter(prefix="/ogc", tags=["OGC API"])

GEOJSON = "application/geo+json"
OPENAPI_JSON = "application/vnd.oai.openapi+json;version=3.0"
ITEMS_DEFAULT_LIMIT = 100
ITEMS_MAX_LIMIT = 10_000

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
]
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


def _link(href: str, rel: str, type_: str, title: str | None = None) -> dict:
    link = {"href": href, "rel": rel, "type": type_}
    if title:
        link["title"] = title
    return link


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@router.get("", summary="Landing page")
def landing(request: Request, _: FormatDep) -> dict:
    base = _base(request)
    return {
        "title": "Hạ tầng viễn thông tỉnh Hậu Giang",
        "description": "Telecom infrastructure of Hậu Giang province: admin units, BTS sites, "
        "cells, poles, ducts, fibre access points, commune offices and speed tests.",
        "links": [
            _link(f"{base}/ogc", "self", "application/json", "this document"),
            _link(f"{base}/openapi.json", "service-desc", OPENAPI_JSON, "the API definition"),
            _link(f"{base}/docs", "service-doc", "text/html", "the API documentation"),
            _link(f"{base}/ogc/conformance", "conformance", "application/json"),
            _link(f"{base}/ogc/collections", "data", "application/json", "the collections"),
        ],
    }


@router.get("/conformance", summary="Conformance classes")
def conformance(_: FormatDep) -> dict:
    return {"conformsTo": CONFORMANCE}


def _collection_doc(request: Request, collection: Collection, extent: list[float] | None) -> dict:
    base = _base(request)
    url = f"{base}/ogc/collections/{collection.id}"
    doc = {
        "id": collection.id,
        "title": collection.title_vi,
        "description": collection.title_en,
        "itemType": "feature",
        "crs": [CRS84],
        "storageCrs": CRS84,
        "geometryType": collection.geometry_type,
        "links": [
            _link(url, "self", "application/json"),
            _link(f"{url}/items", "items", GEOJSON, "features"),
            _link(
                f"{url}/tiles",
                "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector",
                "application/json",
                "vector tiles",
            ),
        ],
    }
    if extent:
        doc["extent"] = {"spatial": {"bbox": [extent], "crs": CRS84}}
    return doc


@router.get("/collections", summary="Collections")
def collections(request: Request, session: SessionDep, _: FormatDep) -> dict:
    base = _base(request)
    return {
        "links": [_link(f"{base}/ogc/collections", "self", "application/json")],
        "collections": [
            _collection_doc(request, c, features.get_extent(session, c)) for c in COLLECTIONS.values()
        ],
    }


@router.get("/collections/{collection_id}", summary="A collection")
def collection(request: Request, c: CollectionDep, session: SessionDep, _: FormatDep) -> dict:
    return _collection_doc(request, c, features.get_extent(session, c))


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
    bbox: BBoxDep,
    filters: FiltersDep,
    _: FormatDep,
    limit: Annotated[
        int, Query(ge=1, le=ITEMS_MAX_LIMIT, description="page size (default 100, maximum 10000)")
    ] = ITEMS_DEFAULT_LIMIT,
    after: Annotated[str | None, Query(description="paging cursor from a `next` link")] = None,
) -> Response:
    page = features.get_items(session, c, bbox=bbox, filters=filters, limit=limit, after=after)
    self_url = str(request.url)
    links = [
        _link(self_url, "self", GEOJSON),
        _link(f"{_base(request)}/ogc/collections/{c.id}", "collection", "application/json"),
    ]
    if page.next_after is not None:
        links.append(_link(str(request.url.include_query_params(after=page.next_after)), "next", GEOJSON))
    stamp = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return Response(features.feature_collection_bytes(page, links, stamp), media_type=GEOJSON)


@router.options("/collections/{collection_id}/items", include_in_schema=False)
def items_options(c: CollectionDep) -> Response:
    return Response(status_code=204, headers={"Allow": "GET, HEAD, OPTIONS"})


@router.get(
    "/collections/{collection_id}/items/{feature_id}",
    summary="One feature",
    response_class=Response,
    responses={200: {"content": {GEOJSON: {}}}},
)
def item(c: CollectionDep, feature_id: str, session: SessionDep, _: FormatDep) -> Response:
    return Response(features.get_item(session, c, feature_id), media_type=GEOJSON)
