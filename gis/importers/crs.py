"""Source CRS → EPSG:4326 for imported files, VN-2000 done with the official 7 parameters.

VN-2000 (EPSG:4756 and its projections, e.g. EPSG:5897 TM-3 105°, EPSG:3405 UTM 48N)
is converted with the Helmert shift of Decision 05/2007/QĐ-BTNMT, which the EPSG dataset records
as "VN-2000 to WGS 84 (2)" (EPSG:6960, coordinate-frame convention). We build that pipeline
ourselves instead of letting PROJ choose between it and the older EPSG:5194 (≈1 m apart).
Axis swaps (Vietnamese files often put the northing in X) are detected by where the points land.
The files we write in VN-2000 carry the same 7 parameters in their CRS (``official_crs``), so that
any tool reprojecting them to WGS 84 uses them too.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import cache

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.crs import BoundCRS, GeographicCRS, ProjectedCRS
from pyproj.crs.coordinate_operation import ToWGS84Transformation
from pyproj.crs.datum import CustomDatum
from pyproj.exceptions import CRSError

from gis.importers.errors import ImportRefused
from gis.problems import Problem

__all__ = [
    "VN2000_HELMERT",
    "VIETNAM_LONLAT_BOUNDS",
    "official_crs",
    "parse_crs",
    "to_wgs84_transformer",
    "reproject",
    "axis_fit",
    "looks_like_lonlat",
    "transform",
]

# Decision 05/2007/QĐ-BTNMT: translations (m), rotations (arc-seconds, coordinate frame), scale (ppm).
VN2000_HELMERT = dict(
    x=-191.90441429,
    y=-39.30318279,
    z=-111.45032835,
    rx=-0.00928836,
    ry=0.01975479,
    rz=-0.00427372,
    s=0.252906278,
)
VIETNAM_LONLAT_BOUNDS = (102.0, 8.0, 110.0, 24.0)  # mainland + coastal waters, generous
# GDAL's readers drop a TOWGS84 whose datum they know, by code or by name, for PROJ's preferred
# "VN-2000 to WGS 84 (1)" (0.8 m away): the datum of the CRS we write is named after the decision.
OFFICIAL_DATUM = "VN-2000 (QD 05/2007/QD-BTNMT)"
_VN2000_DATUMS = {"vietnam 2000", "d_vietnam_2000", "vn-2000", "vn_2000", "vn2000"}
_WGS84_DATUMS = {"world geodetic system 1984", "wgs_1984", "d_wgs_1984", "wgs 84", "wgs84"}


def parse_crs(value: object, where: str) -> CRS:
    """Any user or file CRS spelling (EPSG code, WKT, PROJ, URN) → pyproj CRS, or a clear refusal."""
    if isinstance(value, CRS):
        return value
    text = str(value).strip()
    if text.isdigit():
        text = f"EPSG:{text}"
    try:
        return CRS.from_user_input(text)
    except CRSError as exc:
        raise ImportRefused(Problem("crs.unknown", source=where, params={"crs": text[:80]})) from exc


def _datum_name(crs: CRS) -> str:
    geodetic = crs.geodetic_crs
    return (geodetic.datum.name if geodetic and geodetic.datum else "").strip().lower()


def is_vn2000(crs: CRS) -> bool:
    return _datum_name(crs) in _VN2000_DATUMS or "vietnam_2000" in _datum_name(crs)


def _vn2000_pipeline(crs: CRS) -> Transformer:
    h = VN2000_HELMERT
    if crs.is_projected:
        with warnings.catch_warnings():  # a TM projection on the WGS 84 ellipsoid survives PROJ.4 form
            warnings.simplefilter("ignore", UserWarning)
            proj4 = crs.to_proj4()
        proj = " ".join(p for p in proj4.split() if not p.startswith(("+no_defs", "+type=", "+towgs84")))
        first = f"+step +inv {proj}"
    else:
        first = "+step +proj=unitconvert +xy_in=deg +xy_out=rad"
    pipeline = (
        f"+proj=pipeline {first} +step +proj=push +v_3 +step +proj=cart +ellps=WGS84 "
        f"+step +proj=helmert +x={h['x']} +y={h['y']} +z={h['z']} +rx={h['rx']} +ry={h['ry']} "
        f"+rz={h['rz']} +s={h['s']} +convention=coordinate_frame "
        "+step +inv +proj=cart +ellps=WGS84 +step +proj=pop +v_3 "
        "+step +proj=unitconvert +xy_in=rad +xy_out=deg"
    )
    return Transformer.from_pipeline(pipeline)


@cache
def _transformer(wkt: str) -> Transformer:
    crs = CRS.from_wkt(wkt)
    if is_vn2000(crs) and not crs.is_bound:
        return _vn2000_pipeline(crs)
    t = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    if "ballpark" in (t.description or "").lower() and _datum_name(crs) not in _WGS84_DATUMS:
        raise ImportRefused(Problem("crs.no_transformation", params={"crs": crs.name}))
    return t


def to_wgs84_transformer(crs: CRS) -> Transformer:
    """(x, y) = (easting, northing) or (lon, lat) in ``crs`` → (lon, lat) WGS 84."""
    return _transformer(crs.to_wkt())


@cache
def official_crs(code: str) -> CRS:
    """A VN-2000 CRS (``EPSG:5897``, ``EPSG:3405``, ``EPSG:4756``…) bound to WGS 84 by the official
    7 parameters, as the files we write carry it (WKT 1 TOWGS84, WKT 2 BOUNDCRS); any other as it is.

    Example
    -------
    >>> official_crs("EPSG:5897").to_wkt("WKT1_GDAL").count("TOWGS84[-191.90441429,")
    1
    """
    crs = parse_crs(code, "export")
    if not is_vn2000(crs) or crs.is_bound:
        return crs
    h = VN2000_HELMERT
    datum = CustomDatum(name=OFFICIAL_DATUM, ellipsoid=crs.ellipsoid)
    geographic = GeographicCRS(name=crs.geodetic_crs.name, datum=datum)
    source = (
        ProjectedCRS(conversion=crs.coordinate_operation, name=crs.name, geodetic_crs=geographic)
        if crs.is_projected
        else geographic
    )
    # TOWGS84 is position-vector: the decision's coordinate-frame rotations change sign.
    shift = ToWGS84Transformation(
        source.geodetic_crs, h["x"], h["y"], h["z"], -h["rx"], -h["ry"], -h["rz"], h["s"]
    )
    return BoundCRS(source_crs=source, target_crs="EPSG:4326", transformation=shift)


def looks_like_lonlat(xs: np.ndarray, ys: np.ndarray) -> bool:
    w, s, e, n = VIETNAM_LONLAT_BOUNDS
    return bool(len(xs)) and bool(np.all((xs >= w) & (xs <= e) & (ys >= s) & (ys <= n)))


@dataclass
class Reprojected:
    geometries: list
    swapped: bool


def _apply(tr: Transformer, geoms: np.ndarray, swap) -> np.ndarray:
    """``swap``: one bool for all, or one per geometry (X and Y exchanged before transforming)."""
    if np.ndim(swap) == 0:
        swap = np.full(len(geoms), bool(swap))
    out = np.asarray(geoms, dtype=object).copy()
    for flag in (False, True):
        chosen = np.asarray(swap, dtype=bool) == flag
        if not chosen.any():
            continue

        def fn(coords: np.ndarray, flag=flag) -> np.ndarray:
            a, b = (coords[:, 1], coords[:, 0]) if flag else (coords[:, 0], coords[:, 1])
            lon, lat = tr.transform(a, b)
            return np.column_stack([lon, lat])

        out[chosen] = shapely.transform(out[chosen], fn)
    return out


def axis_fit(geoms: list, crs: CRS) -> tuple[np.ndarray, np.ndarray]:
    """Per geometry: does it land in Vietnam read as declared, and read with X and Y exchanged?

    Example
    -------
    >>> as_read, swapped = axis_fit([shapely.Point(10.5, 106.5)], CRS("EPSG:4326"))
    >>> bool(as_read[0]), bool(swapped[0])
    (False, True)
    """
    arr = np.asarray(geoms, dtype=object)
    coords, index = shapely.get_coordinates(arr, return_index=True)
    tr = to_wgs84_transformer(crs)
    fits = []
    for swap in (False, True):
        a, b = (coords[:, 1], coords[:, 0]) if swap else (coords[:, 0], coords[:, 1])
        with np.errstate(all="ignore"):
            lon, lat = (np.asarray(v) for v in tr.transform(a, b))
        w, s, e, n = VIETNAM_LONLAT_BOUNDS
        ok = np.isfinite(lon) & np.isfinite(lat) & (lon >= w) & (lon <= e) & (lat >= s) & (lat <= n)
        fits.append(np.bincount(index[~ok], minlength=len(arr)) == 0)
    return fits[0], fits[1]


def reproject(geoms: list, crs: CRS, where: str, swap=None) -> Reprojected:
    """Geometries in ``crs`` → EPSG:4326. ``swap``: exchange X and Y (one bool, or one per
    geometry); None reads them as declared, or swapped when only that lands in Vietnam."""
    arr = np.asarray(geoms, dtype=object)
    if not len(shapely.get_coordinates(arr)):
        return Reprojected(list(arr), False)
    tr = to_wgs84_transformer(crs)
    if swap is not None:
        return Reprojected(list(_apply(tr, arr, swap)), bool(np.any(swap)))
    as_read, swapped = axis_fit(geoms, crs)
    for flag, fits in ((False, as_read), (True, swapped)):
        if fits.all():
            return Reprojected(list(_apply(tr, arr, flag)), flag)
    x0, y0 = shapely.get_coordinates(arr)[0]
    params = {"crs": crs.name, "x": round(float(x0), 3), "y": round(float(y0), 3)}
    raise ImportRefused(Problem("crs.not_in_vietnam", source=where, params=params))


def _is_wgs84(crs: CRS) -> bool:
    return crs.to_epsg() == 4326


def transform(geoms, source, target="EPSG:4326") -> np.ndarray:
    """Geometries (x = easting or longitude) from ``source`` to ``target`` through WGS 84, with the
    transformations imports use — for VN-2000 the official 7 parameters — so that what we export
    in VN-2000 is read back where it came from.

    Example
    -------
    >>> p = transform([shapely.Point(105.5, 10.0)], "EPSG:4326", "EPSG:5897")[0]
    >>> round(p.x, 2), round(p.y, 2)
    (554619.03, 1105897.45)
    """
    arr = np.asarray(geoms, dtype=object)
    source_crs, target_crs = parse_crs(source, "transform"), parse_crs(target, "transform")
    if source_crs.equals(target_crs):
        return arr
    if not _is_wgs84(source_crs):
        arr = _apply(to_wgs84_transformer(source_crs), arr, False)
    if not _is_wgs84(target_crs):
        inverse = to_wgs84_transformer(target_crs)

        def fn(coords: np.ndarray) -> np.ndarray:
            x, y = inverse.transform(coords[:, 0], coords[:, 1], direction="INVERSE")
            return np.column_stack([x, y])

        arr = shapely.transform(arr, fn)
    return arr
