"""Coordinate reference systems in one place.

Data are stored in EPSG:4326 (lon/lat); distances and areas are measured in a metric CRS:
WGS 84 / UTM zone 48N (EPSG:32648) by default, or one of VN-2000's projections (``VN2000_PROJECTED``):
each province's TM-3 zone (Circular 973/2001/TCĐC-CT; k = 0.9999, FE 500 000 m) and UTM 48N/49N.
Which TM-3 zone a deployment reads easting/northing in is data (the region's), never code.
Transformers are built once per CRS pair and always take and return (x, y) = (lon, lat) /
(easting, northing), whatever axis order the EPSG definition declares.

Example
-------
>>> x, y = to_metric(105.0, 0.0)
>>> round(x, 3), round(y, 3)
(500000.0, 0.0)
"""

from __future__ import annotations

from functools import cache

import numpy as np
import shapely
from pyproj import CRS, Transformer

__all__ = [
    "GEOGRAPHIC_CRS",
    "METRIC_CRS",
    "VN2000_PROJECTED",
    "vn2000_label",
    "vn2000_projected",
    "vn2000_own_srid",
    "metric_crs",
    "transformer",
    "to_metric",
    "to_lonlat",
    "geometry_to_metric",
    "geometry_to_lonlat",
]

GEOGRAPHIC_CRS = "EPSG:4326"
METRIC_CRS = "EPSG:32648"  # WGS 84 / UTM zone 48N
# Every projected VN-2000 CRS EPSG defines: the provinces' TM-3 zones west to east (central meridians
# 102°00′ … 108°30′), then UTM 48N and 49N. Projections, not places: a deployment's zone is its data.
VN2000_PROJECTED = tuple(
    f"EPSG:{code}"
    for code in (5896, 9205, 9206, 9207, 9208, 5897, 9209, 9210, 9211, 9212)
    + (9213, 9214, 9215, 9216, 5899, 5898, 9217, 9218, 3405, 3406)
)
_OWN_SRID_BASE = 920_000


def vn2000_projected(raw: str) -> str:
    """ "EPSG:9209" (also "epsg:9209", "9209") when it is one of VN-2000's projections; else ValueError."""
    code = raw.strip().upper().removeprefix("EPSG:")
    crs = f"EPSG:{code}"
    if crs not in VN2000_PROJECTED:
        raise ValueError(f"{raw!r} is not a VN-2000 projection; supported: {', '.join(VN2000_PROJECTED)}")
    return crs


@cache
def vn2000_label(crs: str) -> str:
    """A VN-2000 projection as surveyors name it: "VN-2000 TM-3 105°30′", "VN-2000 UTM 48N"."""
    parsed = CRS.from_user_input(vn2000_projected(crs))
    if parsed.utm_zone:
        return f"VN-2000 UTM {parsed.utm_zone}"
    params = {p.name: p.value for p in parsed.coordinate_operation.params}
    minutes = round(params["Longitude of natural origin"] * 60)
    return f"VN-2000 TM-3 {minutes // 60}°{minutes % 60:02d}′"


def vn2000_own_srid(crs: str) -> int:
    """Our PostGIS SRID for a VN-2000 projection with the official shift (migrations 0007, 0040):
    920 000 + the EPSG code, EPSG:9209 → 929209 (above EPSG's codes, clear of PostGIS's own)."""
    return _OWN_SRID_BASE + int(vn2000_projected(crs).removeprefix("EPSG:"))


@cache
def metric_crs(crs: str = METRIC_CRS) -> CRS:
    """The pyproj CRS for ``crs``; raises ValueError unless it is projected in metres."""
    parsed = CRS.from_user_input(crs)
    units = {axis.unit_name for axis in parsed.axis_info}
    if not parsed.is_projected or units != {"metre"}:
        raise ValueError(f"{crs} is not a projected CRS in metres; planar maths needs one")
    return parsed


@cache
def transformer(source: str, target: str) -> Transformer:
    """A cached always_xy Transformer from ``source`` to ``target``."""
    return Transformer.from_crs(source, target, always_xy=True)


def _transform(source: str, target: str, a, b):
    if np.ndim(a) == 0 and np.ndim(b) == 0:
        return transformer(source, target).transform(float(a), float(b))
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    return transformer(source, target).transform(a, b)


def to_metric(lon, lat, crs: str = METRIC_CRS):
    """Lon/lat (scalars or arrays, EPSG:4326) → (x, y) metres in ``crs``."""
    metric_crs(crs)
    return _transform(GEOGRAPHIC_CRS, crs, lon, lat)


def to_lonlat(x, y, crs: str = METRIC_CRS):
    """(x, y) metres in ``crs`` (scalars or arrays) → (lon, lat) in EPSG:4326."""
    metric_crs(crs)
    return _transform(crs, GEOGRAPHIC_CRS, x, y)


def _xy_transform(source: str, target: str):
    tr = transformer(source, target)

    def apply(coords: np.ndarray) -> np.ndarray:
        x, y = tr.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return apply


def geometry_to_metric(geom, crs: str = METRIC_CRS):
    """EPSG:4326 geometry (or array of geometries) → the same geometry in metres (``crs``)."""
    metric_crs(crs)
    return shapely.transform(geom, _xy_transform(GEOGRAPHIC_CRS, crs))


def geometry_to_lonlat(geom, crs: str = METRIC_CRS):
    """Metric geometry (or array of geometries) in ``crs`` → EPSG:4326 lon/lat."""
    metric_crs(crs)
    return shapely.transform(geom, _xy_transform(crs, GEOGRAPHIC_CRS))
