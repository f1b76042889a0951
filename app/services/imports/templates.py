"""Bulk-registration templates, one per layer and format, each with an example row that the
importer accepts as is (a test imports every one of them, dry run)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
from shapely import LineString, Point
from sqlalchemy import Connection, text

from app.collections import get_collection
from app.errors import InvalidParameter, NotFound
from app.layer_types import IN_FORCE_ON
from app.services.clock import today
from app.services.exports.layers import ExportFile, write_frame
from app.services.region import in_region_sql
from gis.problems import Problem

FORMATS = ("csv", "xlsx", "geojson", "kml")

# A duct's example runs this far (degrees, ~500 m) north-east of the example's point.
_DUCT_STEP = (0.004, 0.002)
# Where the example stands: a hamlet in force inside the region, with the duct's far end in it too, as
# far from any site as the hamlets allow (the spacing and sharing checks pass), first by code on ties.
_POSITION = f"""
SELECT ST_X(c.p), ST_Y(c.p) FROM (
  SELECT ST_PointOnSurface(h.geom) AS p, h.code FROM admin_units h
  WHERE h.level = 'hamlet' AND {IN_FORCE_ON.format(a="h", day=":day")}
    AND {in_region_sql("h.geom")}
    AND ST_Covers(h.geom, ST_Translate(ST_PointOnSurface(h.geom), {_DUCT_STEP[0]}, {_DUCT_STEP[1]}))
) c LEFT JOIN LATERAL (SELECT c.p <-> s.geom AS d FROM sites s ORDER BY s.geom <-> c.p LIMIT 1) n ON true
ORDER BY n.d DESC NULLS FIRST, c.code LIMIT 1
"""


def example_position(conn: Connection) -> tuple[float, float]:
    """(lon, lat) of the templates' example row, from the region's data: the region is data, not code."""
    day = today()
    found = conn.execute(text(_POSITION), {"day": day}).first()
    if found is None:  # no hamlet in force: as the region's own answer says (app/services/region.py)
        raise NotFound(reasons=[Problem("region.none_in_force", "date", params={"date": day.isoformat()})])
    return found[0], found[1]


_SITE = {
    "site_code": "MAU-0001",
    "structure_type": "tower",
    "height_m": 42.0,
    "accepts_tenants": True,
    "rent_vnd_month": 8_000_000,
    "new_structure_reason": "Ví dụ: không có trạm nào dùng chung được trong 500 m",
    "technology": "4G",
    "band_mhz": 1800,
    "beamwidth_deg": 65.0,
    "antenna_height_m": 40.0,
    "eirp_dbm": 59.0,
}


def _frame(target: str, owner: str, at: tuple[float, float]) -> gpd.GeoDataFrame:
    lon, lat = at
    if target == "sites":
        rows = [
            {
                **_SITE,
                "code": f"MAU-0001-4G-{k + 1}",
                "owner": owner,
                "operator": owner,
                "azimuth_deg": float(az),
            }
            for k, az in enumerate((0, 120, 240))
        ]
        geoms = [Point(lon, lat)] * len(rows)
    elif target == "poles":
        # attachments: the cables on the pole, "operator:number of cables" separated by ";"
        rows = [
            {
                "code": "MAU-C0001",
                "owner": owner,
                "material": "concrete",
                "height_m": 8.5,
                "attachments": f"{owner}:1",
            }
        ]
        geoms = [Point(lon, lat)]
    elif target == "ducts":
        rows = [
            {
                "code": "MAU-CB0001",
                "name": "Ví dụ: tuyến cống đường 3 tháng 2",
                "owner": owner,
                "duct_count": 4,
                "free_duct_count": 2,
                "subduct_count": 8,
                "stated_length_m": 490.0,
            }
        ]
        geoms = [LineString([(lon, lat), (lon + _DUCT_STEP[0], lat + _DUCT_STEP[1])])]
    elif target == "fibre_access_points":
        rows = [
            {
                "code": "MAU-F0001",
                "operator": owner,
                "kind": "splitter",
                "ports_total": 16,
                "ports_used": 0,
                "service_radius_m": 500.0,
                "status": "planned",
            }
        ]
        geoms = [Point(lon, lat)]
    else:
        raise InvalidParameter(f"no template for '{target}' (sites, poles, ducts, fibre_access_points)")
    return gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:4326")


def template_file(target: str, fmt: str, owner: str, at: tuple[float, float], directory: Path) -> ExportFile:
    if fmt not in FORMATS:
        raise InvalidParameter(f"templates come as {', '.join(FORMATS)}, not '{fmt}'")
    frame = _frame(target, owner, at)
    # The sheet is named as the map names the layer ("Trạm BTS" is also a sheet of sites to the importer).
    return write_frame(frame, fmt, directory, f"mau_{target}", get_collection(target).title_vi)
