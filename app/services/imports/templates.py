"""Bulk-registration templates, one per layer and format, each with an example row that the
importer accepts as is (a test imports every one of them, dry run)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
from shapely import LineString, Point

from app.collections import get_collection
from app.errors import InvalidParameter
from app.services.exports.layers import ExportFile, write_frame

FORMATS = ("csv", "xlsx", "geojson", "kml")

# Inside the province, kilometres from any sample site: the example registers as it stands.
_LON, _LAT = 105.4826, 9.9091
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


def _frame(target: str, owner: str) -> gpd.GeoDataFrame:
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
        geoms = [Point(_LON, _LAT)] * len(rows)
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
        geoms = [Point(_LON, _LAT)]
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
        geoms = [LineString([(_LON, _LAT), (_LON + 0.004, _LAT + 0.002)])]
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
        geoms = [Point(_LON, _LAT)]
    else:
        raise InvalidParameter(f"no template for '{target}' (sites, poles, ducts, fibre_access_points)")
    return gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:4326")


def template_file(target: str, fmt: str, owner: str, directory: Path) -> ExportFile:
    if fmt not in FORMATS:
        raise InvalidParameter(f"templates come as {', '.join(FORMATS)}, not '{fmt}'")
    frame = _frame(target, owner)
    # The sheet is named as the map names the layer ("Trạm BTS" is also a sheet of sites to the importer).
    return write_frame(frame, fmt, directory, f"mau_{target}", get_collection(target).title_vi)
