"""Coordinate reference systems in one place.

Data are stored in EPSG:4326 (lon/lat); distances and areas are measured in a metric CRS:
WGS 84 / UTM zone 48N (EPSG:32648) by default, or VN-2000 / TM-3 zone 482 (EPSG:5897, central
meridian 105°, k = 0.9999, FE 500 000 m), the national grid a province's cadastral maps use.
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
    "VN2000_CRS",
    "METRIC_CRSS",
    "metric_crs",
    "transformer",
    "to_metric",
    "to_lonlat",
    "geometry_to_metric",
    "geometry_to_lonlat",
]

GEOGRAPHIC_CRS = "EPSG:4326"
METRIC_CRS = "EPSG:32648"  # WGS 84 / UTM zone 48N
VN2000_CRS = "EPSG:5897"  # VN-2000 / TM-3 zone 482 (105°00′): Hậu Giang's provincial zone
METRIC_CRSS = (METRIC_CRS, VN2000_CRS)


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
