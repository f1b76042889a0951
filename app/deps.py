"""Request dependencies that return parsed domain values (or raise domain errors)."""

from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy.orm import Session

from app.collections import Collection, get_collection
from app.db import get_session
from app.errors import InvalidBBox, InvalidParameter
from app.services.features import BBox

SessionDep = Annotated[Session, Depends(get_session)]

# Query parameters with a meaning of their own; every other one is a property filter.
RESERVED_PARAMS = frozenset({"bbox", "limit", "after", "f"})


def parse_bbox(raw: str | None) -> BBox | None:
    """`minLon,minLat,maxLon,maxLat` in CRS84 (a 6-number 3D box keeps its 2D part)."""
    if raw is None:
        return None
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


def bbox_param(
    bbox: Annotated[
        str | None,
        Query(description="minLon,minLat,maxLon,maxLat in CRS84", examples=["105.4,9.7,105.6,9.9"]),
    ] = None,
) -> BBox | None:
    return parse_bbox(bbox)


def collection_param(collection_id: str) -> Collection:
    return get_collection(collection_id)


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


def output_format(f: Annotated[str | None, Query(description="json or geojson")] = None) -> None:
    if f is not None and f.lower() not in ("json", "geojson"):
        raise InvalidParameter(f"unsupported format f='{f}'; this endpoint serves json/geojson")


BBoxDep = Annotated[BBox | None, Depends(bbox_param)]
CollectionDep = Annotated[Collection, Depends(collection_param)]
FiltersDep = Annotated[dict[str, str], Depends(property_filters)]
FormatDep = Annotated[None, Depends(output_format)]
