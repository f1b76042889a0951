"""OpenCelliD exports → one feature per cell of Vietnamese networks (MCC 452), grouped into sites.

LTE cells of one eNodeB share a site: eNB = cell >> 8 (the 28-bit ECI is eNB·256 + local cell id).
Other radios have no such rule; each (net, area, cell) stands alone. The site position is the mean
of its cells' positions (OpenCelliD positions are estimates, not surveyed).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from shapely.geometry import Point

from gis.importers.errors import ImportRefused

__all__ = ["VIETNAM_MCC", "RADIO_TECHNOLOGY", "keep_vietnam", "to_cells"]

VIETNAM_MCC = 452
RADIO_TECHNOLOGY = {"GSM": "2G", "UMTS": "3G", "CDMA": "3G", "LTE": "4G", "NR": "5G"}


def _int(v, where: str, column: str) -> int:
    try:
        return int(float(v))
    except (TypeError, ValueError) as exc:
        raise ImportRefused(f"{where}: column '{column}' is not an integer ('{v}')") from exc


def keep_vietnam(raw):
    """Drop rows of other countries before any CRS check (OpenCelliD is always WGS 84)."""
    keep = []
    for r in raw.rows:
        low = {k.strip().lower(): v for k, v in r.properties.items()}
        if _int(low.get("mcc"), f"{raw.name} row {r.number}", "mcc") == VIETNAM_MCC:
            keep.append(r)
    skipped = len(raw.rows) - len(keep)
    if skipped:
        raw.warnings.append(f"{raw.name}: {skipped} rows of other countries (MCC ≠ 452) skipped")
    if not keep:
        raise ImportRefused(f"{raw.name}: no Vietnamese (MCC 452) cells in this OpenCelliD file")
    raw.rows, raw.crs, raw.default_lonlat = keep, "EPSG:4326", True
    return raw


def to_cells(table):
    """Rewrite an ImportedTable of OpenCelliD rows into cell features with site codes."""
    from gis.importers.table import ImportedFeature

    cells = []
    for f in table.features:
        raw = {k.strip().lower(): v for k, v in f.raw.items()}
        where = table.where(f.number)
        radio = str(raw.get("radio") or "").upper()
        if radio not in RADIO_TECHNOLOGY:
            raise ImportRefused(f"{where}: unknown radio '{radio}' (GSM, UMTS, CDMA, LTE, NR)")
        net = _int(raw.get("net"), where, "net")
        area = _int(raw.get("area"), where, "area")
        cell = _int(raw.get("cell"), where, "cell")
        if radio == "LTE":
            site = f"OCID-452{net:02d}-E{cell >> 8}"
        else:
            site = f"OCID-452{net:02d}-{radio[0]}{area}-{cell}"
        props = dict(
            code=f"OCID-452{net:02d}-{radio[0]}{area}-{cell}",
            site_code=site,
            mcc=str(VIETNAM_MCC),
            mnc=f"{net:02d}",
            technology=RADIO_TECHNOLOGY[radio],
            range_m=raw.get("range"),
            samples=raw.get("samples"),
        )
        cells.append(ImportedFeature(f.number, f.geometry, props, f.raw))
    positions = defaultdict(list)
    for c in cells:
        positions[c.properties["site_code"]].append((c.geometry.x, c.geometry.y))
    for c in cells:
        lon, lat = np.mean(positions[c.properties["site_code"]], axis=0)
        c.properties["site_position"] = Point(float(lon), float(lat))
    table.features = cells
    table.opencellid = True
    table.unrecognised = []
    return table
