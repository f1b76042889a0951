"""`read_table`: any supported file → features in EPSG:4326 with project attribute names.

Steps, the same for every format: read (``readers``) → choose the CRS → reproject (with axis-swap
detection) → check geometries → map columns → refuse legacy TCVN3 text. Every problem names the
file and the row/feature number; all problems found are reported together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from gis.importers import crs as crs_mod
from gis.importers.columns import canonical, default_vocabulary
from gis.importers.errors import ImportRefused
from gis.importers.readers import MAX_PROBLEMS, RawTable, read_raw
from gis.vocabulary import Vocabulary

__all__ = ["ImportedFeature", "ImportedTable", "read_table", "outside_problems"]

MAX_REPAIR_AREA_CHANGE = 0.01  # a repair that loses more than 1 % of the area is not "safe"
# Bytes of TCVN3 (ABC) Vietnamese read as Latin-1/UTF-8 give these; real Vietnamese Unicode never does.
_TCVN3_MARKS = set("¸µ¶·¹¨©ª«¬®¯°±²³´½¾¼¦¢¡£¤¥§¿º»ÆÇËÎÏÐÑÖ×ØÛÜÞßåæçëîïñö÷øûüþÿ")


@dataclass
class ImportedFeature:
    number: int
    geometry: BaseGeometry  # EPSG:4326
    properties: dict  # project attribute names (see gis.importers.columns)
    raw: dict = field(default_factory=dict)  # the file's own columns, untouched


@dataclass
class ImportedTable:
    name: str
    format: str
    label: str  # "row" or "feature"
    features: list[ImportedFeature]
    crs: str  # the CRS the coordinates were read in
    warnings: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # file column → project attribute
    unrecognised: list[str] = field(default_factory=list)
    opencellid: bool = False
    # What the file's words mean: its column names were read with it; builders resolve coded values.
    vocabulary: Vocabulary = field(default_factory=default_vocabulary, repr=False)

    def where(self, number: int) -> str:
        return f"{self.name} {self.label} {number}"


def _choose_crs(raw: RawTable, given, coords: np.ndarray, warnings: list[str]):
    if given is not None:
        chosen = crs_mod.parse_crs(given, raw.name)
        if raw.crs is not None and not raw.default_lonlat:
            declared = crs_mod.parse_crs(raw.crs, raw.name)
            if not declared.equals(chosen, ignore_axis_order=True):
                warnings.append(f"{raw.name}: the file says {declared.name}; using the given {chosen.name}")
        return chosen
    if raw.crs is not None:
        return crs_mod.parse_crs(raw.crs, raw.name)
    if (
        raw.crs_note == "lon/lat columns"
        or crs_mod.looks_like_lonlat(coords[:, 0], coords[:, 1])
        or crs_mod.looks_like_lonlat(coords[:, 1], coords[:, 0])
    ):
        if not raw.default_lonlat:
            warnings.append(
                f"{raw.name}: no CRS given; the coordinates are lon/lat numbers inside Vietnam, "
                "taken as WGS 84 (EPSG:4326)"
            )
        return crs_mod.parse_crs("EPSG:4326", raw.name)
    x0, y0 = coords[0]
    raise ImportRefused(
        f"{raw.name}: projected coordinates (first point X={x0:.3f}, Y={y0:.3f}) and no CRS "
        f"({raw.crs_note or 'none in the file'}); give one, e.g. --crs EPSG:5897 (VN-2000 / TM-3 105°, "
        "Hậu Giang) or EPSG:3405 (VN-2000 / UTM 48N)"
    )


def _check_geometry(geom: BaseGeometry, where: str, warnings: list[str], problems: list[str]):
    if geom.is_empty:
        problems.append(f"{where}: empty geometry")
        return None
    if not np.all(np.isfinite(shapely.get_coordinates(geom))):
        problems.append(f"{where}: geometry with non-finite coordinates")
        return None
    if geom.is_valid:
        return geom
    reason = explain_validity(geom)
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        problems.append(f"{where}: invalid {geom.geom_type} ({reason})")
        return None
    repaired = shapely.make_valid(geom)
    polys = [g for g in getattr(repaired, "geoms", [repaired]) if g.geom_type in ("Polygon", "MultiPolygon")]
    fixed = shapely.union_all(polys) if polys else None
    # buffer(0) keeps only part of a bow-tie; a repair that loses area against it is not safe
    area = geom.buffer(0).area
    if fixed is None or fixed.is_empty or fixed.area == 0 or fixed.area < (1 - MAX_REPAIR_AREA_CHANGE) * area:
        problems.append(f"{where}: invalid polygon ({reason}) that cannot be repaired safely")
        return None
    warnings.append(f"{where}: invalid polygon repaired ({reason})")
    return fixed


def _map_columns(raw: RawTable, vocabulary: Vocabulary) -> tuple[dict[str, str], list[str]]:
    # Every row's columns: GeoJSON features and KML folders need not all have the same ones.
    headers = dict.fromkeys(k for r in raw.rows for k in r.properties)
    mapping, unknown = {}, []
    for h in headers:
        if h in raw.coordinate_columns:
            continue
        name = canonical(h, vocabulary)
        if name and name not in mapping.values():
            mapping[h] = name
        elif name:
            first = next(k for k, v in mapping.items() if v == name)
            unknown.append(f"{h} (same meaning as {first})")
        else:
            unknown.append(h)
    return mapping, unknown


def _tcvn3(raw: RawTable) -> list[str]:
    problems = []
    for r in raw.rows:
        for h, v in r.properties.items():
            if isinstance(v, str) and sum(ch in _TCVN3_MARKS for ch in v) >= 2:
                problems.append(
                    f"{raw.name} {raw.label} {r.number} column '{h}': text looks like TCVN3 (ABC) legacy "
                    f"encoding ('{v[:30]}'); convert it to Unicode (e.g. Unikey's converter) first"
                )
                break
        if len(problems) >= 5:
            break
    return problems


def read_table(
    path: str | Path,
    *,
    crs=None,
    layer: str | None = None,
    encoding: str | None = None,
    vocabulary: Vocabulary | None = None,
) -> ImportedTable:
    """Read a GeoJSON, GeoPackage, zipped Shapefile, KML/KMZ, CSV, XLSX or OpenCelliD file.

    Parameters
    ----------
    path : the file.
    crs : overrides the file's CRS (EPSG code, "EPSG:5897", WKT…); required for projected
        coordinates the file does not describe.
    layer : layer (GeoPackage, KML) or shapefile name inside a zip.
    encoding : the text encoding of a CSV or a Shapefile's .dbf ("1258", "windows-1258",
        "utf-8" …) when it is not UTF-8; overrides a .cpg. Other formats are always UTF-8.
    vocabulary : what column names and coded values mean (default: ``default_vocabulary()``,
        the files in data/vocabulary/); carried by the returned table for the row builders.

    Returns
    -------
    ImportedTable with EPSG:4326 geometries; raises ImportRefused listing every problem.
    """
    path = Path(path)
    vocabulary = vocabulary if vocabulary is not None else default_vocabulary()
    raw, opencellid = read_raw(path, layer=layer, encoding=encoding)
    if opencellid:
        from gis.importers.opencellid import keep_vietnam

        raw = keep_vietnam(raw)
    warnings = list(raw.warnings)
    problems = _tcvn3(raw)
    if problems:
        raise ImportRefused(problems)
    geoms = [r.geometry for r in raw.rows]
    coords = shapely.get_coordinates(np.asarray(geoms, dtype=object))
    if not len(coords):
        raise ImportRefused(f"{raw.name}: no coordinates in any feature")
    source = _choose_crs(raw, crs, coords, warnings)
    moved = crs_mod.reproject(geoms, source, raw.name)
    if moved.swapped:
        warnings.append(
            f"{raw.name}: X and Y were swapped (X held the northing / latitude, as many Vietnamese "
            "files do); read them the other way round"
        )
    features = []
    mapping, unknown = _map_columns(raw, vocabulary)
    if unknown and not opencellid:
        warnings.append(f"{raw.name}: unrecognised columns ignored: {', '.join(unknown)}")
    for r, geom in zip(raw.rows, moved.geometries, strict=True):
        where = f"{raw.name} {raw.label} {r.number}"
        checked = _check_geometry(geom, where, warnings, problems)
        if checked is not None:
            props = {mapping[h]: v for h, v in r.properties.items() if h in mapping}
            features.append(ImportedFeature(r.number, checked, props, r.properties))
        if len(problems) > MAX_PROBLEMS:
            break
    if problems:
        raise ImportRefused(problems[:MAX_PROBLEMS])
    srs = source.to_string()
    table = ImportedTable(
        raw.name, raw.format, raw.label, features, srs, warnings, mapping, unknown, vocabulary=vocabulary
    )
    if opencellid:
        from gis.importers.opencellid import to_cells

        table = to_cells(table)
    return table


def outside_problems(table: ImportedTable, area: BaseGeometry, tolerance_deg: float = 0.01) -> list[str]:
    """Features that do not touch ``area`` (e.g. the province, ~1 km tolerance), one message each."""
    zone = area.buffer(tolerance_deg)
    shapely.prepare(zone)
    geoms = np.asarray([f.geometry for f in table.features], dtype=object)
    inside = shapely.intersects(zone, geoms) if len(geoms) else np.array([], dtype=bool)
    out = []
    for f, ok in zip(table.features, inside, strict=True):
        if not ok:
            c = f.geometry.representative_point()
            out.append(f"{table.where(f.number)}: outside the province (at {c.x:.5f}, {c.y:.5f})")
    return out
