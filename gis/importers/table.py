"""`read_table`: any supported file → features in EPSG:4326 with project attribute names.

Steps, the same for every format: read (``readers``) → choose the CRS → settle the axis order →
reproject → check geometries → map columns → refuse legacy TCVN3 text. Every problem names the
file and the row/feature number; all problems found are reported together.

Strict where it must be: coordinates that land in Vietnam only with X and Y exchanged are refused
(``coords.swapped``) unless ``swap_axes`` — except X/Y columns in a projected VN-2000 CRS, where
X = northing is the survey convention, read as such and said; invalid polygons are refused
(``geometry.invalid``) unless ``repair``, which reports each change of area.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from gis import crs as metric
from gis.importers import crs as crs_mod
from gis.importers import opencellid as opencellid_mod
from gis.importers import workbook
from gis.importers.columns import canonical, default_vocabulary, unrecognised
from gis.importers.errors import ImportRefused
from gis.importers.readers import MAX_PROBLEMS, RawRow, RawTable, read_raw
from gis.problems import Problem
from gis.vocabulary import Vocabulary, fold_key

__all__ = ["ImportedFeature", "ImportedTable", "read_table", "outside_problems"]

# Bytes of TCVN3 (ABC) Vietnamese read as Latin-1/UTF-8 give these; real Vietnamese Unicode never does.
_TCVN3_MARKS = set("¸µ¶·¹¨©ª«¬®¯°±²³´½¾¼¦¢¡£¤¥§¿º»ÆÇËÎÏÐÑÖ×ØÛÜÞßåæçëîïñö÷øûüþÿ")


@dataclass
class ImportedFeature:
    number: int
    geometry: BaseGeometry  # EPSG:4326 (None in a table of cells: gis.importers.workbook)
    properties: dict  # project attribute names (see gis.importers.columns)
    raw: dict = field(default_factory=dict)  # the file's own columns, untouched


@dataclass
class ImportedTable:
    name: str
    format: str
    label: str  # "row" or "feature"
    features: list[ImportedFeature]
    crs: str  # the CRS the coordinates were read in
    warnings: list[Problem] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # file column → project attribute
    unrecognised: list[str] = field(default_factory=list)
    opencellid: bool = False
    cells: ImportedTable | None = None  # a workbook's sheet of cells (features without geometry)
    # Only with read_table(collect=True): what refuses the file.
    problems: list[Problem] = field(default_factory=list)
    axis_order: str = ""  # how X and Y were read when not as declared: "X = northing, Y = easting"
    # What the file's words mean: its column names were read with it; builders resolve coded values.
    vocabulary: Vocabulary = field(default_factory=default_vocabulary, repr=False)
    headers: list[str] = field(default_factory=list)  # every column of the file, in file order
    coordinates: dict[str, str] = field(default_factory=dict)  # coordinate column → "lon", "x (northing)" …
    ignored: list[str] = field(default_factory=list)  # columns a correction said to leave out
    header_row: int | None = None  # a workbook's header row as Excel numbers it (title rows above it)

    def where(self, number: int) -> str:
        return f"{self.name} {self.label} {number}"

    def place(self, problem: Problem, number: int | None = None) -> Problem:
        """``problem`` placed in this file, at row or feature ``number`` when given."""
        return problem.at(row=number, source=self.name, label=self.label)


def _choose_crs(raw: RawTable, given, coords: np.ndarray, warnings: list[Problem]):
    if given is not None:
        chosen = crs_mod.parse_crs(given, raw.name)
        if raw.crs is not None and not raw.default_lonlat:
            declared = crs_mod.parse_crs(raw.crs, raw.name)
            if not declared.equals(chosen, ignore_axis_order=True):
                params = {"declared": declared.name, "given": chosen.name}
                warnings.append(Problem("crs.overridden", source=raw.name, params=params))
        return chosen
    if raw.crs is not None:
        return crs_mod.parse_crs(raw.crs, raw.name)
    if (
        raw.crs_note == "lon/lat columns"
        or crs_mod.looks_like_lonlat(coords[:, 0], coords[:, 1])
        or crs_mod.looks_like_lonlat(coords[:, 1], coords[:, 0])
    ):
        if not raw.default_lonlat:
            warnings.append(Problem("crs.assumed_wgs84", source=raw.name))
        return crs_mod.parse_crs("EPSG:4326", raw.name)
    x0, y0 = coords[0]
    params = {"x": round(float(x0), 3), "y": round(float(y0), 3), "note": raw.crs_note or "-"}
    raise ImportRefused(Problem("crs.missing", source=raw.name, params=params))


def _check_geometry(geom: BaseGeometry, place: dict, warnings: list[Problem], problems: list, repair: bool):
    if geom.is_empty:
        problems.append(Problem("geometry.empty", **place))
        return None
    if not np.all(np.isfinite(shapely.get_coordinates(geom))):
        problems.append(Problem("geometry.not_finite", **place))
        return None
    if geom.is_valid:
        return geom
    reason, at = _validity(geom)
    invalid = Problem("geometry.invalid", params={"kind": geom.geom_type, "reason": reason, **at}, **place)
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        problems.append(invalid)
        return None
    repaired = shapely.make_valid(geom)
    polys = [g for g in getattr(repaired, "geoms", [repaired]) if g.geom_type in ("Polygon", "MultiPolygon")]
    fixed = shapely.union_all(polys) if polys else None
    if fixed is None or fixed.is_empty or fixed.area == 0:
        problems.append(Problem("geometry.unrepairable", params=invalid.params, **place))
        return None
    if not repair:
        problems.append(invalid)
        return fixed  # only for the checks that follow: nothing is written once a problem is known
    before, after = metric.geometry_to_metric(geom).area, metric.geometry_to_metric(fixed).area
    params = {"reason": reason, **at, "before": round(before), "after": round(after)}
    warnings.append(Problem("geometry.repaired", params=params, **place))
    return fixed


def _validity(geom: BaseGeometry) -> tuple[str, dict]:
    """explain_validity's "Self-intersection[106.5 10.5]" → ("Self-intersection", {lon, lat})."""
    text = explain_validity(geom)
    reason, _, place = text.partition("[")
    try:
        lon, lat = (float(v) for v in place.rstrip("]").split()[:2])
    except ValueError:
        lon, lat = geom.representative_point().x, geom.representative_point().y
    return reason.strip(), {"lon": round(lon, 6), "lat": round(lat, 6)}


@dataclass
class _Axes:
    swap: object  # one bool, or one per geometry: read X and Y exchanged
    problems: list[Problem]  # coords.swapped, coords.nowhere
    notes: list[Problem] = field(default_factory=list)
    order: str = ""  # the axis order, when not as declared
    lost: np.ndarray | None = None  # rows in Vietnam in neither order: left out of the table


def _axis_order(raw: RawTable, source, geoms: list, swap_axes: bool) -> _Axes:
    """Which geometries to read with X and Y exchanged, the problems, the notes and the axis order."""
    as_read, swapped = crs_mod.axis_fit(geoms, source)
    first, second = raw.coordinate_columns[:2] if len(raw.coordinate_columns) >= 2 else ("X", "Y")
    if swap_axes:
        wrong = [r.number for r, ok in zip(raw.rows, swapped, strict=True) if not ok]
        if wrong:
            params = {"numbers": wrong[:10]}
            raise ImportRefused(Problem("axis.swap_wrong", source=raw.name, label=raw.label, params=params))
        note = Problem("axis.asked", source=raw.name, params={"first": first, "second": second})
        return _Axes(True, [], [note], f"{first} ↔ {second} (swap_axes)")
    lost = ~as_read & ~swapped
    if lost.all():
        crs_mod.reproject(geoms, source, raw.name)  # raises: no axis order lands in Vietnam
    problems: list = [_nowhere(raw, r, source) for r, out in zip(raw.rows, lost, strict=True) if out]
    flip = ~as_read & ~lost
    landed = flip[~lost]
    if not landed.any():
        return _Axes(False, problems, lost=lost)
    survey = raw.crs_note == "x/y columns" and source.is_projected and crs_mod.is_vn2000(source)
    if survey and landed.all():
        order = f"{first} = northing, {second} = easting"
        note = Problem("axis.survey", source=raw.name, params={"x": first, "y": second})
        return _Axes(flip, problems, [note], order, lost)
    params = {"first": first, "second": second}
    if landed.all() and not problems:
        return _Axes(True, [Problem("coords.swapped", params=params, source=raw.name, label=raw.label)])
    rows = [r.number for r, f in zip(raw.rows, flip, strict=True) if f]
    problems += [Problem("coords.swapped", None, n, params, raw.name, raw.label) for n in rows]
    return _Axes(flip, problems, lost=lost)


def _nowhere(raw: RawTable, row: RawRow, source) -> Problem:
    x, y = shapely.get_coordinates(row.geometry)[0]
    params = {"crs": source.name, "x": round(float(x), 3), "y": round(float(y), 3)}
    return Problem("coords.nowhere", None, row.number, params, raw.name, raw.label)


def _headers(raw: RawTable) -> list[str]:
    # Every row's columns: GeoJSON features and KML folders need not all have the same ones.
    return list(dict.fromkeys(k for r in raw.rows for k in r.properties))


def _map_columns(
    raw: RawTable, vocabulary: Vocabulary, target: str | None, corrections: dict[str, str] | None = None
) -> tuple[dict[str, str], list[tuple[str, str | None]], list[str]]:
    """(file column → attribute, unrecognised columns (with the column first read as the same
    attribute, if any), columns left out by a correction).
    ``corrections`` (file column → attribute, "" to leave out; headers matched by fold_key) win
    over the vocabulary."""
    corrected = {fold_key(k): v for k, v in (corrections or {}).items()}
    mapping, unknown, ignored = {}, [], []
    for h in _headers(raw):
        if h in raw.coordinate_columns:
            continue
        name = corrected.get(fold_key(h)) if fold_key(h) in corrected else canonical(h, vocabulary, target)
        if name == "":
            ignored.append(h)
            continue
        if name and name not in mapping.values():
            mapping[h] = name
        elif name:
            unknown.append((h, next(k for k, v in mapping.items() if v == name)))
        else:
            unknown.append((h, None))
    return mapping, unknown, ignored


def _coordinate_meanings(raw: RawTable, order: str, swap_axes: bool) -> dict[str, str]:
    """What each coordinate column was read as: "lon", "lat", "x (northing)", "geometry" …"""
    cols = raw.coordinate_columns
    if len(cols) == 1:
        return {cols[0]: "geometry"}
    if len(cols) < 2:
        return {}
    kind = raw.crs_note.removesuffix(" columns")
    if kind == "lon/lat":
        meant = ("lat", "lon") if swap_axes else ("lon", "lat")
    elif kind == "easting/northing":
        meant = ("y (northing)", "x (easting)") if swap_axes else ("x (easting)", "y (northing)")
    elif swap_axes or "northing" in order:
        meant = ("x (northing)", "y (easting)")
    else:
        meant = ("x", "y")
    return dict(zip(cols[:2], meant, strict=True))


def _tcvn3(raw: RawTable) -> list[Problem]:
    problems = []
    for r in raw.rows:
        for h, v in r.properties.items():
            if isinstance(v, str) and sum(ch in _TCVN3_MARKS for ch in v) >= 2:
                params = {"column": h, "text": v[:30]}
                problems.append(Problem("encoding.looks_tcvn3", None, r.number, params, raw.name, raw.label))
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
    gnb_id_bits: int = opencellid_mod.GNB_ID_BITS,
    swap_axes: bool = False,
    repair: bool = False,
    collect: bool = False,
    vocabulary: Vocabulary | None = None,
    target: str | None = None,
    columns: dict[str, str] | None = None,
) -> ImportedTable:
    """Read a GeoJSON, GeoPackage, zipped Shapefile, KML/KMZ, CSV, XLSX or OpenCelliD file.

    Parameters
    ----------
    path : the file.
    crs : overrides the file's CRS (EPSG code, "EPSG:9209", WKT…); required for projected
        coordinates the file does not describe.
    layer : layer (GeoPackage, KML) or shapefile name inside a zip.
    encoding : the text encoding of a CSV or a Shapefile's .dbf ("1258", "windows-1258",
        "utf-8" …) when it is not UTF-8; overrides a .cpg. Other formats are always UTF-8.
    gnb_id_bits : OpenCelliD NR cells: the gNB id length in the 36-bit NCI (22..32, default 24).
    swap_axes : read every coordinate with X and Y exchanged (a file whose latitude is in the
        longitude column); without it such a file is refused with ``coords.swapped``.
    repair : repair invalid polygons (``make_valid``, polygons kept) and report each change of
        area; without it they are refused with ``geometry.invalid``.
    collect : return the problems of rows (swapped axes, invalid or empty geometries) in
        ``table.problems`` instead of raising, so that a caller can check the rest too.
    target : the layer the file is for, when a header means something of its own there
        (vocabulary domain ``column.<target>``).
    vocabulary : what column names and coded values mean (default: ``default_vocabulary()``,
        the files in data/vocabulary/); carried by the returned table for the row builders.
    columns : corrections of the column mapping (file column → attribute, "" to leave the column
        out), over the vocabulary's reading; headers are matched without case or diacritics.

    Returns
    -------
    ImportedTable with EPSG:4326 geometries; raises ImportRefused listing every problem.
    """
    path = Path(path)
    vocabulary = vocabulary if vocabulary is not None else default_vocabulary()
    raw, opencellid = read_raw(path, layer=layer, encoding=encoding, vocabulary=vocabulary, target=target)
    if opencellid:
        raw = opencellid_mod.keep_vietnam(raw)
    warnings = list(raw.warnings)
    problems = _tcvn3(raw)
    if problems:
        raise ImportRefused(problems)
    geoms = [r.geometry for r in raw.rows]
    coords = shapely.get_coordinates(np.asarray(geoms, dtype=object))
    if not len(coords):
        raise ImportRefused(Problem("coordinate.none", source=raw.name))
    source = _choose_crs(raw, crs, coords, warnings)
    axes = _axis_order(raw, source, geoms, swap_axes)
    warnings.extend(axes.notes)
    found = axes.problems
    moved = crs_mod.reproject(geoms, source, raw.name, swap=axes.swap)
    features = []
    mapping, found_unknown, ignored = _map_columns(raw, vocabulary, target, columns)
    unknown, notes = unrecognised(raw.name, found_unknown)
    if not opencellid:
        warnings.extend(notes)
    for i, (r, geom) in enumerate(zip(raw.rows, moved.geometries, strict=True)):
        if axes.lost is not None and axes.lost[i]:
            continue
        place = {"row": r.number, "source": raw.name, "label": raw.label}
        checked = _check_geometry(geom, place, warnings, problems, repair)
        if checked is not None:
            props = {mapping[h]: v for h, v in r.properties.items() if h in mapping}
            features.append(ImportedFeature(r.number, checked, props, r.properties))
        if len(problems) > MAX_PROBLEMS:
            break
    found += problems[:MAX_PROBLEMS]
    if found and not collect:
        raise ImportRefused(found)
    srs = source.to_string()
    table = ImportedTable(
        raw.name, raw.format, raw.label, features, srs, warnings, mapping, unknown, vocabulary=vocabulary
    )
    if opencellid:
        table = opencellid_mod.to_cells(table, gnb_id_bits=gnb_id_bits)
    table.cells = _cell_sheet(raw, vocabulary, columns)
    if table.cells is not None:
        table.warnings.extend(table.cells.warnings)
    table.problems, table.axis_order = found, axes.order
    table.headers, table.ignored = _headers(raw), ignored
    table.header_row = raw.header_row
    table.coordinates = _coordinate_meanings(raw, axes.order, swap_axes)
    return table


def _cell_sheet(
    raw: RawTable, vocabulary: Vocabulary, columns: dict[str, str] | None
) -> ImportedTable | None:
    """A workbook's sheet of cells beside its sheet of sites (see gis.importers.workbook)."""
    sheet = workbook.cells_sheet(raw.sheets) if raw.sheets else None
    if sheet is None:
        return None
    shown = sheet.shown(raw.name.split(" › ")[0], True)
    return workbook.plain_table(shown, "XLSX", sheet.header, sheet.records, vocabulary, columns)


def outside_problems(table: ImportedTable, area: BaseGeometry, tolerance_deg: float = 0.01) -> list[Problem]:
    """Features that do not touch ``area`` (e.g. the province, ~1 km tolerance), one problem each."""
    zone = area.buffer(tolerance_deg)
    shapely.prepare(zone)
    geoms = np.asarray([f.geometry for f in table.features], dtype=object)
    inside = shapely.intersects(zone, geoms) if len(geoms) else np.array([], dtype=bool)
    out = []
    for f, ok in zip(table.features, inside, strict=True):
        if not ok:
            c = f.geometry.representative_point()
            params = {"lon": round(c.x, 5), "lat": round(c.y, 5)}
            out.append(table.place(Problem("geometry.outside_province", params=params), f.number))
    return out
