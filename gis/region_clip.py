"""The area an offline basemap layer is cut to: the region's outline widened by a distance.

A rectangle around the region shows its straight edges as soon as the map is zoomed out; the
outline buffered by some kilometres follows the region's shape with round corners, and still
covers what a user sees around its border.

Distances are in kilometres on a local equirectangular plane centred on the region (lon scaled by
cos(latitude)): over a province's extent (~1°) that is exact to well under 1 %.

Example: ``clip_area([province_polygon], buffer_km=25)`` → a polygon in degrees.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from shapely import affinity, unary_union
from shapely.geometry.base import BaseGeometry

__all__ = ["KM_PER_DEG_LAT", "KM_PER_DEG_LON_EQUATOR", "region_outline", "clip_area"]

KM_PER_DEG_LAT = 110.574
KM_PER_DEG_LON_EQUATOR = 111.320
# Detail below this is lost in a buffer of kilometres anyway; simplifying first keeps it fast.
OUTLINE_TOLERANCE_KM = 0.2


def region_outline(geometries: Iterable[BaseGeometry]) -> BaseGeometry:
    """The union of the region's polygons (e.g. every province of a city after a merger)."""
    outline = unary_union([g for g in geometries if not g.is_empty])
    if outline.is_empty:
        raise ValueError("region_outline: no polygon")
    return outline


def clip_area(geometries: Iterable[BaseGeometry], buffer_km: float) -> BaseGeometry:
    """The union of ``geometries`` (degrees) widened by ``buffer_km``, in degrees."""
    if buffer_km < 0:
        raise ValueError("clip_area: buffer_km must not be negative")
    outline = region_outline(geometries)
    lat0 = outline.centroid.y
    x_km = KM_PER_DEG_LON_EQUATOR * math.cos(math.radians(lat0))
    plane = affinity.scale(outline, xfact=x_km, yfact=KM_PER_DEG_LAT, origin=(0, 0))
    widened = plane.simplify(OUTLINE_TOLERANCE_KM).buffer(buffer_km, quad_segs=16)
    return affinity.scale(widened, xfact=1 / x_km, yfact=1 / KM_PER_DEG_LAT, origin=(0, 0))
