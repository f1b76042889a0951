"""Coordinate helpers for the generator, on top of gis.crs.

Work is done in WGS 84 / UTM zone 48N (metres, gis.crs.METRIC_CRS); output is EPSG:4326 rounded
to 7 decimals. Rounding is exact and per coordinate, so a vertex shared by two polygons rounds
identically on both sides and a coverage stays a coverage.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely

from gis.crs import METRIC_CRS, geometry_to_metric
from gis.crs import to_lonlat as _to_lonlat
from gis.crs import to_metric as _to_metric

__all__ = [
    "METRIC_EPSG",
    "lonlat_to_utm",
    "utm_to_lonlat",
    "latlon_points_utm",
    "round7",
    "to_output",
    "to_metric",
]

METRIC_EPSG = 32648  # WGS 84 / UTM zone 48N (= gis.crs.METRIC_CRS)


def lonlat_to_utm(coords: np.ndarray) -> np.ndarray:
    """(n, 2) lon/lat → (n, 2) UTM 48N metres."""
    coords = np.asarray(coords, dtype=float).reshape(-1, 2)
    return np.column_stack(_to_metric(coords[:, 0], coords[:, 1], METRIC_CRS))


def utm_to_lonlat(coords: np.ndarray) -> np.ndarray:
    """(n, 2) UTM 48N metres → (n, 2) lon/lat."""
    coords = np.asarray(coords, dtype=float).reshape(-1, 2)
    return np.column_stack(_to_lonlat(coords[:, 0], coords[:, 1], METRIC_CRS))


def latlon_points_utm(points: Sequence[tuple[float, float]]) -> np.ndarray:
    """Facts are written (lat, lon); return them as (n, 2) UTM metres."""
    arr = np.asarray(points, dtype=float).reshape(-1, 2)
    return lonlat_to_utm(arr[:, ::-1])


def round7(values: np.ndarray) -> np.ndarray:
    """Round to 7 decimals exactly as the decimal text will read (correctly rounded)."""
    flat = np.asarray(values, dtype=float).ravel()
    out = np.fromiter((float(f"{v:.7f}") for v in flat), dtype=float, count=flat.size)
    return out.reshape(np.shape(values))


def to_output(geoms):
    """UTM geometries → EPSG:4326 with coordinates rounded to 7 decimals."""
    return shapely.transform(geoms, lambda xy: round7(utm_to_lonlat(xy)))


def to_metric(geoms):
    """EPSG:4326 geometries → UTM 48N metres (for measuring output geometries)."""
    return geometry_to_metric(geoms, METRIC_CRS)
