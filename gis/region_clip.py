"""The area an offline basemap layer is cut to: the region's outline widened by a distance, and the
bands of that area in which the layer fades out towards its edge.

A rectangle around the region shows its straight edges as soon as the map is zoomed out; the
outline buffered by some kilometres follows the region's shape, and still covers what a user sees
around its border. Cut there at full strength, its round edge still read as an artefact (a sea
ending in an arc): ``fade_bands`` keeps the layer whole near the region and lets it fade out over
the outer kilometres, so the edge is never a line.

Distances are in kilometres on a local equirectangular plane centred on the region (lon scaled by
cos(latitude)): over a province's extent (~1°) that is exact to well under 1 %.

Example: ``clip_area([province_polygon], buffer_km=25)`` → a polygon in degrees;
``fade_bands([province_polygon], buffer_km=25, solid_km=5, steps=8)`` → [(1.0, inner), (0.67, band), …].
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from shapely import affinity, unary_union
from shapely.geometry.base import BaseGeometry

__all__ = ["KM_PER_DEG_LAT", "KM_PER_DEG_LON_EQUATOR", "region_outline", "clip_area", "fade_bands"]

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


def _widener(geometries: Iterable[BaseGeometry]):
    """A function of a distance in km giving the region's outline widened by it, in degrees."""
    outline = region_outline(geometries)
    x_km = KM_PER_DEG_LON_EQUATOR * math.cos(math.radians(outline.centroid.y))
    plane = affinity.scale(outline, xfact=x_km, yfact=KM_PER_DEG_LAT, origin=(0, 0))
    plane = plane.simplify(OUTLINE_TOLERANCE_KM)

    def widened(buffer_km: float) -> BaseGeometry:
        if buffer_km == 0:
            return outline
        area = plane.buffer(buffer_km, quad_segs=16)
        return affinity.scale(area, xfact=1 / x_km, yfact=1 / KM_PER_DEG_LAT, origin=(0, 0))

    return widened


def clip_area(geometries: Iterable[BaseGeometry], buffer_km: float) -> BaseGeometry:
    """The union of ``geometries`` (degrees) widened by ``buffer_km``, in degrees."""
    if buffer_km < 0:
        raise ValueError("clip_area: buffer_km must not be negative")
    return _widener(geometries)(buffer_km)


def fade_bands(
    geometries: Iterable[BaseGeometry], buffer_km: float, solid_km: float, steps: int
) -> list[tuple[float, BaseGeometry]]:
    """``clip_area(geometries, buffer_km)`` as (opacity, polygon) layers drawn over each other so the
    sum fades: the outline widened by ``solid_km`` at opacity 1, then ``steps`` nested bands from
    ``solid_km / 2`` (under the first, so no seam shows at its edge) out to ``solid_km`` + i × the
    ring width. Band i's opacity is chosen so that ring i (between the i-th and the (i+1)-th edge)
    shows, all bands over it together, 1 − (i − ½)/steps: its middle on a line from 1 at
    ``solid_km`` to 0 at ``buffer_km``. Rings are not cut edge to edge because two anti-aliased
    edges that meet leave a light seam between them; nested, each edge blends into the band under it."""
    if not 0 <= solid_km <= buffer_km or steps < 1:
        raise ValueError("fade_bands: need 0 ≤ solid_km ≤ buffer_km and steps ≥ 1")
    widened = _widener(geometries)
    under = widened(solid_km / 2)
    width_km = (buffer_km - solid_km) / steps
    bands = [(1.0, widened(solid_km))]
    for i in range(1, steps + 1):
        # below ring i are bands i…steps: Π (1 − opacity) over them = (i − ½)/steps
        left = (i - 0.5) / (i + 0.5) if i < steps else (steps - 0.5) / steps
        bands.append((1 - left, widened(solid_km + i * width_km).difference(under)))
    return bands
