"""OpenCelliD exports → one feature per cell of Vietnamese networks (MCC 452), grouped into sites.

LTE cells of one eNodeB share a site: eNB = cell >> 8 (the 28-bit ECI is eNB·256 + local cell id).
NR cells of one gNodeB likewise: the 36-bit NCI is the gNB id (22 to 32 bits, chosen by the
operator; 24 by default here) followed by the local cell id, so gNB = cell >> (36 − gnb_id_bits).
Other radios have no such rule; each (net, area, cell) stands alone. The site position is the mean
of its cells' positions (OpenCelliD positions are estimates, not surveyed).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from shapely.geometry import Point

from gis.importers.errors import ImportRefused
from gis.problems import Problem

__all__ = ["VIETNAM_MCC", "RADIO_TECHNOLOGY", "GNB_ID_BITS", "enb_id", "gnb_id", "keep_vietnam", "to_cells"]

VIETNAM_MCC = 452
NCI_BITS = 36
GNB_ID_BITS = 24  # 3GPP TS 38.413 allows 22..32; 24 is the common choice
RADIO_TECHNOLOGY = {"GSM": "2G", "UMTS": "3G", "CDMA": "3G", "LTE": "4G", "NR": "5G"}


def _int(v, where: tuple[str, int], column: str) -> int:
    """The whole number in ``column`` of row ``where`` (file, row number)."""
    try:
        return int(float(v))
    except (TypeError, ValueError) as exc:
        params = {"column": column, "value": v}
        raise ImportRefused(Problem("opencellid.not_an_integer", None, where[1], params, where[0])) from exc


def enb_id(eci: int) -> int:
    """The eNodeB of an LTE cell: its 28-bit ECI without the 8-bit local cell id.

    >>> enb_id(0x1234A01), enb_id(256 * 7 + 3)
    (74570, 7)
    """
    return eci >> 8


def gnb_id(nci: int, gnb_id_bits: int = GNB_ID_BITS) -> int:
    """The gNodeB of an NR cell: the first ``gnb_id_bits`` (22..32) of its 36-bit NCI.

    >>> gnb_id(4096 * 5 + 1), gnb_id(1024 * 5 + 1, gnb_id_bits=26)
    (5, 5)
    """
    if not 22 <= gnb_id_bits <= 32:
        raise ValueError(f"gnb_id_bits must be 22..32, got {gnb_id_bits}")
    return nci >> (NCI_BITS - gnb_id_bits)


def keep_vietnam(raw):
    """Drop rows of other countries before any CRS check (OpenCelliD is always WGS 84)."""
    keep = []
    for r in raw.rows:
        low = {k.strip().lower(): v for k, v in r.properties.items()}
        if _int(low.get("mcc"), (raw.name, r.number), "mcc") == VIETNAM_MCC:
            keep.append(r)
    skipped = len(raw.rows) - len(keep)
    if skipped:
        raw.warnings.append(Problem("opencellid.other_countries", source=raw.name, params={"count": skipped}))
    if not keep:
        raise ImportRefused(Problem("opencellid.none_in_vietnam", source=raw.name))
    raw.rows, raw.crs, raw.default_lonlat = keep, "EPSG:4326", True
    return raw


def to_cells(table, gnb_id_bits: int = GNB_ID_BITS):
    """Rewrite an ImportedTable of OpenCelliD rows into cell features with site codes: LTE cells
    grouped by eNB, NR cells by gNB (``gnb_id_bits`` long, 22..32)."""
    from gis.importers.table import ImportedFeature

    if not 22 <= gnb_id_bits <= 32:
        raise ImportRefused(
            Problem("opencellid.gnb_id_bits", source=table.name, params={"value": gnb_id_bits})
        )

    cells = []
    for f in table.features:
        raw = {k.strip().lower(): v for k, v in f.raw.items()}
        where = (table.name, f.number)
        radio = str(raw.get("radio") or "").upper()
        if radio not in RADIO_TECHNOLOGY:
            unknown = Problem(
                "opencellid.unknown_radio", params={"radio": radio, "known": list(RADIO_TECHNOLOGY)}
            )
            raise ImportRefused(table.place(unknown, f.number))
        net = _int(raw.get("net"), where, "net")
        area = _int(raw.get("area"), where, "area")
        cell = _int(raw.get("cell"), where, "cell")
        if radio == "LTE":
            site = f"OCID-452{net:02d}-E{enb_id(cell)}"
        elif radio == "NR":
            site = f"OCID-452{net:02d}-N{gnb_id(cell, gnb_id_bits)}"  # N: G is GSM's
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
