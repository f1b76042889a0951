"""Request dependencies that return parsed domain values (or raise domain errors)."""

from typing import Annotated

import numpy as np
from fastapi import Depends, Header, Query, Request, Response
from sqlalchemy.orm import Session

from app.collections import Collection, get_collection, is_public
from app.db import get_session
from app.errors import InvalidBBox, InvalidParameter, Unauthorized
from app.security import OptionalPrincipal
from app.services.accounts import Principal
from app.services.crs_output import OutputCrs, on_earth, parse_crs
from app.services.features import BBox, BBoxFilter, SortKey
from app.services.scope import Scope, outside_district

SessionDep = Annotated[Session, Depends(get_session)]

# Query parameters with a meaning of their own; every other one is a property filter (CQL2's
# `filter`, `filter-lang` and `filter-crs` ride along with them: see app.services.sql).
RESERVED_PARAMS = frozenset(
    {"bbox", "bbox-crs", "crs", "limit", "after", "offset", "sortby", "properties", "f"}
)


def visible_collection(collection_id: str, principal: Principal | None) -> Collection:
    """The collection, if this principal may see it: anonymous visitors see the public layers only."""
    collection = get_collection(collection_id, logged_in=principal is not None)
    if principal is None and not is_public(collection):
        raise Unauthorized(f"the layer '{collection_id}' is shown to logged-in users only; log in first")
    return collection


async def collection_param(collection_id: str, principal: OptionalPrincipal) -> Collection:
    return visible_collection(collection_id, principal)


async def principal_scope(principal: OptionalPrincipal) -> Scope:
    """What the caller may see (app/services/scope.py), derived once per request."""
    return Scope.of(principal)


ScopeDep = Annotated[Scope, Depends(principal_scope)]


def scope_filters(filters: dict[str, str], scope: Scope) -> dict[str, str]:
    """The filters, once checked against the scope: a limited official asking for another district
    is refused (the scope itself keeps every layer to the official's district)."""
    code = scope.district_code
    given = filters.get("district")
    if code is not None and given is not None and given != code:
        raise outside_district(code, given)
    return filters


def parse_bbox(raw: str | None, crs: OutputCrs | None = None) -> BBox | None:
    """`minLon,minLat,maxLon,maxLat` in CRS84 (a 6-number 3D box keeps its 2D part), or the
    corners in `crs` in its own axis order (EPSG:4326: minLat,minLon,maxLat,maxLon), returned x/y."""
    if raw is None:
        return None
    if crs is not None and not crs.geographic:
        return _projected_bbox(raw, crs)
    if crs is not None and crs.lat_lon:
        lat_lon = _numbers(raw)
        raw = ",".join(str(v) for v in (lat_lon[1], lat_lon[0], lat_lon[3], lat_lon[2]))
    parts = raw.split(",")
    if len(parts) not in (4, 6):
        raise InvalidBBox(f"bbox needs 4 numbers minLon,minLat,maxLon,maxLat; got {len(parts)}: '{raw}'")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise InvalidBBox(f"bbox must be numbers, got '{raw}'") from None
    if len(values) == 6:
        values = [values[0], values[1], values[3], values[4]]
    minx, miny, maxx, maxy = values
    if any(v != v or v in (float("inf"), float("-inf")) for v in values):
        raise InvalidBBox(f"bbox must be finite numbers, got '{raw}'")
    if not (-180 <= minx <= 180 and -180 <= maxx <= 180):
        raise InvalidBBox(f"bbox longitudes must lie in −180..180, got {minx} and {maxx}")
    if not (-90 <= miny <= 90 and -90 <= maxy <= 90):
        raise InvalidBBox(f"bbox latitudes must lie in −90..90, got {miny} and {maxy}")
    if minx > maxx or miny > maxy:
        raise InvalidBBox("bbox minimum is greater than its maximum (expected minLon,minLat,maxLon,maxLat)")
    return (minx, miny, maxx, maxy)


def _numbers(raw: str) -> list[float]:
    parts = raw.split(",")
    if len(parts) not in (4, 6):
        raise InvalidBBox(f"bbox needs 4 numbers; got {len(parts)}: '{raw}'")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise InvalidBBox(f"bbox must be numbers, got '{raw}'") from None
    if any(v != v or v in (float("inf"), float("-inf")) for v in values):
        raise InvalidBBox(f"bbox must be finite numbers, got '{raw}'")
    return values if len(values) == 4 else [values[0], values[1], values[3], values[4]]


def _projected_bbox(raw: str, crs: OutputCrs) -> BBox:
    minx, miny, maxx, maxy = _numbers(raw)
    if minx > maxx or miny > maxy:
        raise InvalidBBox("bbox minimum is greater than its maximum (expected minX,minY,maxX,maxY)")
    if not on_earth(crs, np.array([[minx, miny], [maxx, maxy]])):
        raise InvalidBBox(f"bbox corners lie outside the range of {crs.uri}")
    return (minx, miny, maxx, maxy)


async def bbox_param(
    bbox: Annotated[
        str | None,
        Query(
            # Its example is the region's extent, filled in from the data (app/openapi.py).
            description="minLon,minLat,maxLon,maxLat in CRS84, or the corners in `bbox-crs`",
        ),
    ] = None,
    bbox_crs: Annotated[
        str | None,
        Query(
            alias="bbox-crs", description="CRS of `bbox` (an OGC CRS URI listed in the collection's `crs`)"
        ),
    ] = None,
) -> BBoxFilter | None:
    crs = parse_crs(bbox_crs, "bbox-crs")
    values = parse_bbox(bbox, crs)
    return None if values is None else BBoxFilter(values, crs)


async def crs_param(
    crs: Annotated[
        str | None,
        Query(
            description="output CRS, an OGC CRS URI listed in the collection's `crs` (default CRS84)",
            examples=["http://www.opengis.net/def/crs/EPSG/0/3857"],
        ),
    ] = None,
) -> OutputCrs:
    return parse_crs(crs)


def _names(raw: str, what: str, collection: Collection) -> list[str]:
    names = [n.strip() for n in raw.split(",") if n.strip()]
    known = collection.all_properties
    for name in names:
        bare = name.lstrip("+-") if what == "sortby" else name
        if bare not in known:
            raise InvalidParameter(
                f"{what}: unknown property '{bare}' for collection '{collection.id}'; "
                f"known: {', '.join(known)}"
            )
    return names


async def sortby_param(
    c: Annotated[Collection, Depends(collection_param)],
    sortby: Annotated[
        str | None,
        Query(
            description="comma-separated properties, `-` for descending, e.g. `-height_m,code`; "
            "pages by `offset` then",
            examples=["-height_m,code"],
        ),
    ] = None,
) -> list[SortKey]:
    if sortby is None:
        return []
    keys = [SortKey(n.lstrip("+-"), n.startswith("-")) for n in _names(sortby, "sortby", c)]
    if not keys:
        raise InvalidParameter("sortby is empty")
    if any(c.all_properties[k.name] == "object" for k in keys):
        raise InvalidParameter("sortby cannot use a JSON object property")
    return keys


async def properties_param(
    c: Annotated[Collection, Depends(collection_param)],
    properties: Annotated[
        str | None,
        Query(
            description="comma-separated properties to return (others are left out)", examples=["code,owner"]
        ),
    ] = None,
) -> list[str] | None:
    return None if properties is None else list(dict.fromkeys(_names(properties, "properties", c)))


def property_filters(request: Request) -> dict[str, str]:
    filters: dict[str, str] = {}
    for key in request.query_params:
        if key in RESERVED_PARAMS:
            continue
        values = request.query_params.getlist(key)
        if len(values) > 1:
            raise InvalidParameter(f"filter '{key}' is given {len(values)} times; give it once")
        filters[key] = values[0]
    return filters


async def scoped_filters(request: Request, scope: ScopeDep) -> dict[str, str]:
    return scope_filters(property_filters(request), scope)


async def output_format(f: Annotated[str | None, Query(description="json or geojson")] = None) -> None:
    if f is not None and f.lower() not in ("json", "geojson"):
        raise InvalidParameter(f"unsupported format f='{f}'; this endpoint serves json/geojson")


BBoxDep = Annotated[BBoxFilter | None, Depends(bbox_param)]
CrsDep = Annotated[OutputCrs, Depends(crs_param)]
SortDep = Annotated[list[SortKey], Depends(sortby_param)]
PropertiesDep = Annotated[list[str] | None, Depends(properties_param)]
CollectionDep = Annotated[Collection, Depends(collection_param)]
FiltersDep = Annotated[dict[str, str], Depends(scoped_filters)]
FormatDep = Annotated[None, Depends(output_format)]


async def if_match_version(
    if_match: Annotated[
        str | None,
        Header(alias="If-Match", description='the record\'s ETag, e.g. "3" (its version), from GET'),
    ] = None,
) -> int | None:
    """The version a write is based on (optimistic locking), from If-Match. None when absent: the
    service answers 428 only once it knows the caller may make this write (401/403 come first)."""
    if if_match is None:
        return None
    raw = if_match.strip().removeprefix("W/").strip('"')
    if not raw.isdigit():
        raise InvalidParameter(f'If-Match must be an ETag like "3", got {if_match}')
    return int(raw)


def versioned(response: Response, record: dict, status_code: int | None = None) -> dict:
    """``record`` as the answer, its version as the ETag the next write sends back in If-Match."""
    response.headers["ETag"] = f'"{record["version"]}"'
    if status_code is not None:
        response.status_code = status_code
    return record


IfMatchDep = Annotated[int | None, Depends(if_match_version)]


async def official_district(scope: ScopeDep) -> str | None:
    """The district a limited official may see; None for the whole province (everyone else).
    Every dashboard service enforces it."""
    return scope.district_code


DistrictScopeDep = Annotated[str | None, Depends(official_district)]
