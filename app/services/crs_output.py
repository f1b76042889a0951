"""Coordinate reference systems the OGC API serves (Features Part 2): parsing and SQL pieces.

Geometries are stored in EPSG:4326 with lon/lat order (i.e. CRS84); every other CRS is reached with
ST_Transform in PostGIS. EPSG:4326 as an OGC URI means lat/lon order, hence ST_FlipCoordinates.
VN-2000 goes through our own SRIDs, 920 000 + the EPSG code (925897, 929209 …; migrations 0007, 0040):
every VN-2000 projection (gis.crs.VN2000_PROJECTED) with the official 7-parameter shift of Decision
05/2007, which PostGIS's EPSG rows would not apply (PROJ picks another published transformation
there, 0.8 m away).
"""

from dataclasses import dataclass

import numpy as np

from app.errors import InvalidParameter
from gis.crs import VN2000_PROJECTED, to_lonlat, to_metric, vn2000_own_srid

__all__ = ["CRS84", "DEFAULT", "SUPPORTED", "OutputCrs", "on_earth", "parse_crs"]

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
_EPSG = "http://www.opengis.net/def/crs/EPSG/0/"


@dataclass(frozen=True)
class OutputCrs:
    uri: str
    srid: int  # what PostGIS transforms to (for VN-2000: the rows of migration 0007)
    lat_lon: bool = False  # axis order of the URI (EPSG:4326 is latitude first)

    @property
    def geographic(self) -> bool:
        return self.srid == 4326

    def geometry_sql(self, column: str = "f.geom") -> str:
        """`column` (EPSG:4326, lon/lat) expressed in this CRS."""
        if self.srid != 4326:
            return f"ST_Transform({column}, {self.srid})"
        return f"ST_FlipCoordinates({column})" if self.lat_lon else column

    @property
    def epsg(self) -> int:
        """The EPSG code of the URI (CRS84 is EPSG:4326 with the axes swapped)."""
        return 4326 if self.uri == CRS84 else int(self.uri.rsplit("/", 1)[1])

    @property
    def decimals(self) -> int:
        return 7 if self.geographic else 3  # about 1 cm in degrees; millimetres in metres

    @property
    def header(self) -> str:
        return f"<{self.uri}>"


SUPPORTED: dict[str, OutputCrs] = {
    c.uri: c
    for c in [
        OutputCrs(CRS84, 4326),
        OutputCrs(_EPSG + "4326", 4326, lat_lon=True),
        OutputCrs(_EPSG + "3857", 3857),
        *(OutputCrs(_EPSG + crs.removeprefix("EPSG:"), vn2000_own_srid(crs)) for crs in VN2000_PROJECTED),
    ]
}


def parse_crs(raw: str | None, name: str = "crs") -> OutputCrs:
    """An OGC CRS URI (also in the `[EPSG:9209]` safe-CURIE form) among SUPPORTED; default CRS84."""
    if raw is None:
        return SUPPORTED[CRS84]
    uri = raw.strip()
    if uri.startswith("[") and uri.endswith("]"):
        auth, _, code = uri[1:-1].partition(":")
        uri = CRS84 if (auth, code) == ("OGC", "CRS84") else f"{_EPSG}{code}" if auth == "EPSG" else uri
    if uri.startswith("https://"):
        uri = "http://" + uri[len("https://") :]
    try:
        return SUPPORTED[uri]
    except KeyError:
        known = ", ".join(SUPPORTED)
        raise InvalidParameter(f"unsupported {name} '{raw}'; supported: {known}") from None


DEFAULT = SUPPORTED[CRS84]


# A projected position must come back to itself through lon/lat (within a metre): outside a
# projection's domain PROJ answers with infinities or wrapped longitudes, and PostGIS with an error.
_ROUND_TRIP_M = 1.0


def on_earth(crs: OutputCrs, xy: np.ndarray) -> bool:
    """Whether positions (rows of x, y in `crs`'s axis order) lie where `crs` is defined."""
    if not np.isfinite(xy).all():
        return False
    if crs.geographic:
        lon, lat = (xy[:, 1], xy[:, 0]) if crs.lat_lon else (xy[:, 0], xy[:, 1])
    else:
        epsg = f"EPSG:{crs.epsg}"
        with np.errstate(all="ignore"):
            lon, lat = to_lonlat(xy[:, 0], xy[:, 1], epsg)
            back = np.column_stack(to_metric(lon, lat, epsg))
        if not np.isfinite(back).all() or (np.abs(back - xy) > _ROUND_TRIP_M).any():
            return False
    return bool(((np.abs(lon) <= 180) & (np.abs(lat) <= 90)).all())
