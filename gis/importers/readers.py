"""One reader per format; each returns raw rows (source CRS, original column names) with numbers.

Readers only read: CRS choice, reprojection, geometry checks and column mapping happen in
``gis.importers.table`` so every format goes through the same steps.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import Point, shape

from gis.importers import safety, workbook
from gis.importers.columns import LAT_KEYS, LON_KEYS, WKT_KEYS, X_KEYS, Y_KEYS, column_key
from gis.importers.encoding import decode_text, encoding_label, parse_encoding, recode
from gis.importers.errors import ImportRefused
from gis.problems import Problem

__all__ = ["RawRow", "RawTable", "read_raw", "read_rows"]

MAX_PROBLEMS = 50
OPENCELLID_COLUMNS = (
    "radio",
    "mcc",
    "net",
    "area",
    "cell",
    "unit",
    "lon",
    "lat",
    "range",
    "samples",
    "changeable",
    "created",
    "updated",
    "averagesignal",
)
# Formats whose text encoding is fixed by their specification (XLSX is XML inside a zip).
_UTF8_ONLY = {"geojson": "GeoJSON", "gpkg": "GeoPackage", "kml": "KML/KMZ", "xlsx": "XLSX"}


@dataclass
class RawRow:
    number: int  # row (header = 1) or feature number, 1-based, as the user sees it
    properties: dict
    geometry: object | None  # shapely geometry in the source CRS


@dataclass
class RawTable:
    name: str
    format: str
    label: str  # "row" or "feature", for messages
    rows: list[RawRow]
    crs: object | None = None  # what the file says (EPSG code, WKT, pyproj CRS) or None
    crs_note: str = ""
    default_lonlat: bool = False  # a missing CRS means WGS 84 by the format's own rule (GeoJSON, KML)
    warnings: list[Problem] = field(default_factory=list)
    coordinate_columns: tuple[str, ...] = ()
    sheets: list = field(default_factory=list)  # a workbook's other sheets (gis.importers.workbook.Sheet)
    header_row: int | None = None  # a workbook's header row as Excel numbers it (title rows above)


def _problems(problems: list[Problem], source: str) -> None:
    if problems:
        extra = len(problems) - MAX_PROBLEMS
        more = [Problem("file.more_problems", source=source, params={"count": extra})] if extra > 0 else []
        raise ImportRefused(problems[:MAX_PROBLEMS] + more)


# ---------------------------------------------------------------- GeoJSON
def read_geojson(path: Path, data: bytes) -> RawTable:
    name = path.name
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ImportRefused(Problem("geojson.not_utf8", source=name, params={"byte": exc.start})) from exc
    except ValueError as exc:
        raise ImportRefused(Problem("geojson.not_json", source=name, params={"reason": str(exc)})) from exc
    if isinstance(doc, dict) and doc.get("type") == "Feature":
        doc = {"type": "FeatureCollection", "features": [doc]}
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise ImportRefused(Problem("geojson.not_a_collection", source=name))
    feats = doc.get("features")
    if not isinstance(feats, list) or not feats:
        raise ImportRefused(Problem("geojson.no_features", source=name))
    safety.check_feature_count(name, len(feats))
    crs, note = None, ""
    legacy = doc.get("crs")
    if legacy:  # GeoJSON 2008 "crs" member, still written by QGIS/ogr2ogr for projected data
        try:
            crs = legacy["properties"]["name"] if legacy.get("type") == "name" else None
        except (KeyError, TypeError):
            crs = None
        if crs is None:
            params = {"crs": json.dumps(legacy)[:80]}
            raise ImportRefused(Problem("geojson.bad_crs", source=name, params=params))
        note = f"legacy GeoJSON 'crs' member: {crs}"
    rows, problems = [], []
    for i, feat in enumerate(feats, start=1):
        try:
            geom = shape(feat["geometry"]) if feat.get("geometry") else None
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            params = {"reason": f"{type(exc).__name__}: {exc}"}
            problems.append(Problem("geometry.unreadable", None, i, params, name, "feature"))
            continue
        if geom is None:
            problems.append(Problem("geometry.none", row=i, source=name, label="feature"))
            continue
        rows.append(RawRow(i, dict(feat.get("properties") or {}), geom))
    _problems(problems, name)
    return RawTable(name, "GeoJSON", "feature", rows, crs, note, default_lonlat=crs is None)


# ---------------------------------------------------------------- OGR (GeoPackage, Shapefile, KML)
def _read_ogr(path: Path, shown: str, fmt: str, *, layer=None, encoding=None, all_layers=False) -> RawTable:
    import pyogrio
    from pyogrio.errors import DataLayerError, DataSourceError

    try:
        layers = [row[0] for row in pyogrio.list_layers(path)]
    except (DataSourceError, DataLayerError, OSError) as exc:
        params = {"format": fmt, "reason": str(exc)}
        raise ImportRefused(Problem("file.cannot_open", source=shown, params=params)) from exc
    if not layers:
        raise ImportRefused(Problem("file.no_layers", source=shown, params={"format": fmt}))
    if layer is not None and layer not in layers:
        params = {"layer": layer, "layers": layers}
        raise ImportRefused(Problem("file.no_such_layer", source=shown, params=params))
    chosen = [layer] if layer is not None else (layers if all_layers else layers[:1])
    rows: list[RawRow] = []
    warnings: list[Problem] = []
    crs = None
    if layer is None and len(layers) > 1 and not all_layers:
        params = {"count": len(layers), "first": layers[0]}
        warnings.append(Problem("layers.first_read", source=shown, params=params))
    number = 0
    for lyr in chosen:
        try:
            info = pyogrio.read_info(path, layer=lyr)
            safety.check_feature_count(shown, number + int(info.get("features") or 0))
            meta, _fids, wkbs, values = pyogrio.raw.read(path, layer=lyr, encoding=encoding)
        except UnicodeDecodeError as exc:
            params = {
                "encoding": encoding_label(encoding or "utf-8"),
                "byte": f"0x{exc.object[exc.start]:02x}",
            }
            raise ImportRefused(Problem("encoding.layer_text", source=shown, params=params)) from exc
        except (DataSourceError, DataLayerError, OSError, RuntimeError) as exc:
            params = {"layer": lyr, "reason": str(exc)}
            raise ImportRefused(Problem("file.cannot_read_layer", source=shown, params=params)) from exc
        crs = crs or meta.get("crs")
        names = list(meta["fields"])
        geoms = (
            shapely.from_wkb(np.asarray(wkbs, dtype=object), on_invalid="ignore") if wkbs is not None else []
        )
        for k, geom in enumerate(geoms):
            number += 1
            props = {n: _plain(values[j][k]) for j, n in enumerate(names)}
            if len(chosen) > 1:
                props.setdefault("layer", lyr)
            rows.append(RawRow(number, props, geom))
    bad = [r.number for r in rows if r.geometry is None]
    _problems(
        [Problem("geometry.none_or_unreadable", row=n, source=shown, label="feature") for n in bad], shown
    )
    return RawTable(shown, fmt, "feature", rows, crs, f"{fmt} CRS: {crs}" if crs else "", warnings=warnings)


def _plain(v):
    if isinstance(v, str):  # Windows-1258 text arrives decomposed (base letter + tone mark)
        return unicodedata.normalize("NFC", v)
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and np.isnan(v):
        return None
    return v


def read_gpkg(path: Path, layer=None) -> RawTable:
    with path.open("rb") as fh:
        if not fh.read(16).startswith(b"SQLite format 3"):
            raise ImportRefused(Problem("gpkg.no_header", source=path.name))
    return _read_ogr(path, path.name, "GeoPackage", layer=layer)


def _cpg_encoding(cpg: Path, shown: str) -> str:
    return parse_encoding(cpg.read_text(encoding="ascii", errors="replace"), f"{shown} (.cpg)")


def read_zip(path: Path, layer=None, encoding: str | None = None) -> RawTable:
    """A zipped Shapefile (or a KMZ) — extracted safely into a temporary folder first.

    ``encoding`` (a Python codec name) overrides the .cpg; without either the text must be UTF-8.
    """
    with tempfile.TemporaryDirectory(prefix="hg-import-") as tmp:
        files = safety.safe_extract(path, Path(tmp))
        shps = [f for f in files if f.suffix.lower() == ".shp"]
        kmls = [f for f in files if f.suffix.lower() == ".kml"]
        if kmls and not shps:
            _utf8_only("kml", encoding, path.name)
            return _read_kml_file(kmls[0], f"{path.name}/{kmls[0].name}", layer)
        if not shps:
            raise ImportRefused(Problem("zip.no_shapefile", source=path.name))
        if len(shps) > 1 and layer is None:
            params = {"count": len(shps), "files": [s.name for s in shps]}
            raise ImportRefused(Problem("zip.many_shapefiles", source=path.name, params=params))
        shp = next((s for s in shps if s.stem == layer), None) if layer else shps[0]
        if shp is None:
            params = {"layer": layer, "files": [s.stem for s in shps]}
            raise ImportRefused(Problem("zip.no_such_shapefile", source=path.name, params=params))
        shown = f"{path.name}/{shp.name}"
        for ext in (".dbf", ".shx"):
            if not any(f.suffix.lower() == ext and f.stem == shp.stem for f in files):
                raise ImportRefused(Problem("zip.part_missing", source=shown, params={"ext": ext}))
        cpg = next((f for f in files if f.suffix.lower() == ".cpg" and f.stem == shp.stem), None)
        prj = next((f for f in files if f.suffix.lower() == ".prj" and f.stem == shp.stem), None)
        declared = _cpg_encoding(cpg, shown) if cpg else None
        chosen = encoding or declared or "utf-8"
        warnings = []
        if encoding and declared and encoding != declared:
            params = {"declared": encoding_label(declared), "given": encoding_label(encoding)}
            warnings.append(Problem("encoding.cpg_overridden", source=shown, params=params))
        # Without a .cpg GDAL reads the dbf byte for byte as Latin-1; the bytes are then decoded
        # in Python (iconv's CP1258 is stateful and drops the last letter of every field).
        # UTF-8 is left to GDAL, which refuses bytes that are not UTF-8.
        if cpg is not None and chosen != "utf-8":
            cpg.unlink()
        table = _read_ogr(shp, shown, "Shapefile", encoding="utf-8" if chosen == "utf-8" else None)
        if chosen not in ("utf-8", "latin-1"):
            recode(table, chosen, shown)
        table.warnings[:0] = warnings
        if prj is None:
            table.crs = None
            table.crs_note = "no .prj"
        elif table.crs is None:
            table.crs = prj.read_text(errors="replace")
        _full_field_names(table, files, shp.stem)
        if cpg is None and encoding is None:
            table.warnings.append(Problem("encoding.no_cpg", source=shown))
        elif chosen != "utf-8":
            params = {"encoding": encoding_label(chosen)}
            if encoding:
                table.warnings.append(Problem("encoding.converted_given", source=shown, params=params))
            else:
                table.warnings.append(Problem("encoding.converted_cpg", source=shown, params=params))
        return table


def _full_field_names(table: RawTable, files: list[Path], stem: str) -> None:
    """Undo the dBase 10-character cut with the `<stem>_fields.csv` our exports put beside the .shp."""
    sidecar = next((f for f in files if f.name == f"{stem}_fields.csv"), None)
    if sidecar is None:
        return
    try:
        rows = list(csv.DictReader(io.StringIO(sidecar.read_text(encoding="utf-8-sig"))))
        names = {r["field"]: r["name"] for r in rows if r.get("field") and r.get("name")}
    except (UnicodeDecodeError, csv.Error, KeyError):
        table.warnings.append(
            Problem("fields.sidecar_ignored", source=table.name, params={"file": sidecar.name})
        )
        return
    for r in table.rows:
        r.properties = {names.get(k, k): v for k, v in r.properties.items()}


# ---------------------------------------------------------------- KML / KMZ
# Fields the KML drivers add to every placemark; dropped when no placemark fills them.
_KML_OWN_FIELDS = (
    "id",
    "description",
    "timestamp",
    "begin",
    "end",
    "altitudeMode",
    "tessellate",
    "extrude",
    "visibility",
    "drawOrder",
    "icon",
)


def _read_kml_file(kml: Path, shown: str, layer=None) -> RawTable:
    import pyogrio

    safety.check_xml(kml.read_bytes(), shown)
    # LIBKML otherwise turns <Data name="Mã cột"> into "M___c___t" (read-side only, so global).
    pyogrio.set_gdal_config_options({"LIBKML_LAUNDER_FIELD_NAMES": "NO"})
    table = _read_ogr(kml, shown, "KML", layer=layer, all_layers=True)
    empty = [k for k in _KML_OWN_FIELDS if all(r.properties.get(k) in (None, "", -1, 0) for r in table.rows)]
    for r in table.rows:
        for k in empty:
            r.properties.pop(k, None)
    table.crs, table.crs_note, table.default_lonlat = "EPSG:4326", "KML is always WGS 84", True
    return table


def read_kml(path: Path, data: bytes, layer=None) -> RawTable:
    safety.check_xml(data, path.name)
    return _read_kml_file(path, path.name, layer)


# ---------------------------------------------------------------- CSV / XLSX
def _utf8_only(fmt: str, encoding: str | None, name: str) -> None:
    if encoding not in (None, "utf-8"):
        params = {"format": _UTF8_ONLY[fmt], "encoding": encoding_label(encoding)}
        raise ImportRefused(Problem("encoding.utf8_only", source=name, params=params))


def _number(value, place: tuple[str, int, str], problems: list[Problem]) -> float | None:
    """The number in a coordinate column; ``place`` is (file, row, column)."""
    name, number, column = place
    if value is None or (isinstance(value, str) and not value.strip()):
        problems.append(Problem("coordinate.missing", None, number, {"column": column}, name))
        return None
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip().replace(" ", "")
    if re.fullmatch(r"-?\d+,\d+", text):  # Vietnamese decimal comma
        text = text.replace(",", ".")
    try:
        out = float(text)
    except ValueError:
        params = {"column": column, "value": value}
        problems.append(Problem("coordinate.not_a_number", None, number, params, name))
        return None
    if not np.isfinite(out):
        params = {"column": column, "value": value}
        problems.append(Problem("coordinate.not_finite", None, number, params, name))
        return None
    return out


def _pick(keys: dict[str, str], names: tuple[str, ...]) -> str | None:
    return next((keys[n] for n in names if n in keys), None)


def rows_to_table(name: str, fmt: str, header: list[str], records: list[tuple[int, list]]) -> RawTable:
    """Header + numbered value lists → points (lat/lon, x/y) or WKT geometries."""
    header = [str(h).strip() if h is not None else "" for h in header]
    keys = {column_key(h): h for h in header if h}
    for k, h in list(keys.items()):  # "X (m)", "Northing (m)": a unit after the name
        keys.setdefault(k.removesuffix("_m"), h)
    lat, lon = _pick(keys, LAT_KEYS), _pick(keys, LON_KEYS)
    x, y = _pick(keys, X_KEYS), _pick(keys, Y_KEYS)
    wkt = _pick(keys, WKT_KEYS)
    if lat and lon:
        cx, cy, coord_kind = lon, lat, "lon/lat"
    elif x and y:
        # Columns named easting/northing say their order; X/Y do not (VN-2000 surveys put the northing in X).
        named = {k for k, h in keys.items() if h in (x, y)} & {"easting", "northing", "e", "n"}
        cx, cy, coord_kind = x, y, "easting/northing" if named else "x/y"
    elif wkt:
        cx = cy = None
        coord_kind = "wkt"
    else:
        params = {"columns": [h for h in header if h]}
        raise ImportRefused(Problem("coordinate.no_columns", source=name, params=params))
    safety.check_feature_count(name, len(records))
    rows, problems = [], []
    for number, values in records:
        props = {h: _cell(v) for h, v in zip(header, values, strict=False) if h}
        if coord_kind == "wkt":
            text = props.get(wkt)
            try:
                geom = shapely.from_wkt(str(text)) if text else None
            except shapely.errors.GEOSException as exc:
                params = {"column": wkt, "reason": str(exc)[:80]}
                problems.append(Problem("wkt.unreadable", None, number, params, name))
                continue
            if geom is None:
                problems.append(Problem("wkt.empty", None, number, {"column": wkt}, name))
                continue
        else:
            a = _number(props.get(cx), (name, number, cx), problems)
            b = _number(props.get(cy), (name, number, cy), problems)
            if a is None or b is None:
                continue
            geom = Point(a, b)
        rows.append(RawRow(number, props, geom))
        if len(problems) > MAX_PROBLEMS:
            break
    _problems(problems, name)
    if not rows:
        raise ImportRefused(Problem("file.no_rows", source=name))
    used = tuple(c for c in (cx, cy, wkt if coord_kind == "wkt" else None) if c)
    return RawTable(name, fmt, "row", rows, None, f"{coord_kind} columns", coordinate_columns=used)


def _cell(v):
    if isinstance(v, str):
        v = unicodedata.normalize("NFC", v.strip())
        return v or None
    return v


def read_csv(
    path: Path, data: bytes, encoding: str | None = None
) -> tuple[list[str], list[tuple[int, list]]]:
    text = decode_text(data, path.name, encoding)
    if not text.strip():
        raise ImportRefused(Problem("file.empty", source=path.name))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = next(reader)
        records = [(reader.line_num, r) for r in reader if any(c.strip() for c in r)]
    except csv.Error as exc:
        problem = Problem("csv.malformed", None, reader.line_num, {"reason": str(exc)}, path.name)
        raise ImportRefused(problem) from exc
    return header, records


def read_xlsx(path: Path) -> tuple[list[str], list[tuple[int, list]]]:
    """The workbook's sheet of sites when one is named so (see ``workbook``), else its first sheet."""
    sheet = workbook.sites_sheet(workbook.read_sheets(path))
    return sheet.header, sheet.records


def _read_workbook(path: Path, vocabulary=None, target: str | None = None) -> tuple[RawTable, bool]:
    sheets = workbook.read_sheets(path, vocabulary)
    main = workbook.sites_sheet(sheets)
    shown = main.shown(path.name, len(sheets) > 1)
    if not main.header_matched:
        raise ImportRefused(workbook.header_problem(main, shown, vocabulary, target))
    raw = rows_to_table(shown, "XLSX", main.header, main.records)
    raw.sheets = [s for s in sheets if s is not main]
    raw.header_row = main.header_row
    return raw, is_opencellid(main.header)


def is_opencellid(header: list[str]) -> bool:
    keys = {column_key(h) for h in header if h}
    return {"radio", "mcc", "net", "area", "cell", "lon", "lat"} <= keys


# ---------------------------------------------------------------- dispatch
def sniff_format(path: Path, head: bytes) -> str:
    ext = path.suffix.lower()
    if ext in (".geojson", ".json"):
        return "geojson"
    if ext == ".gpkg":
        return "gpkg"
    if ext in (".kml",):
        return "kml"
    if ext in (".zip", ".kmz"):
        return "zip"
    if ext in (".csv", ".txt", ".tsv"):
        return "csv"
    if ext in (".xlsx", ".xlsm"):
        return "xlsx"
    if head.startswith(b"SQLite format 3"):
        return "gpkg"
    if head.startswith(b"PK"):
        return "zip"
    raise ImportRefused(Problem("file.unsupported_type", source=path.name, params={"ext": ext or "?"}))


def read_raw(
    path: Path, *, layer=None, encoding: str | None = None, vocabulary=None, target: str | None = None
) -> tuple[RawTable, bool]:
    """Read any supported file; returns the raw table and whether it is an OpenCelliD export.

    ``encoding`` (any spelling parse_encoding knows) applies to CSV and Shapefile text;
    ``vocabulary`` and ``target`` find a workbook's header row and name what was expected.
    """
    safety.check_file(path)
    encoding = parse_encoding(encoding, path.name)
    with path.open("rb") as fh:
        head = fh.read(16)
    fmt = sniff_format(path, head)
    if fmt in _UTF8_ONLY:
        _utf8_only(fmt, encoding, path.name)
    if fmt in ("zip", "xlsx") and not head.startswith(b"PK"):
        raise ImportRefused(Problem("zip.not_a_zip", source=path.name))
    if fmt == "geojson":
        return read_geojson(path, path.read_bytes()), False
    if fmt == "gpkg":
        return read_gpkg(path, layer), False
    if fmt == "kml":
        return read_kml(path, path.read_bytes(), layer), False
    if fmt == "zip":
        return read_zip(path, layer, encoding), False
    if fmt == "xlsx":
        return _read_workbook(path, vocabulary, target)
    header, records = read_csv(path, path.read_bytes(), encoding)
    return rows_to_table(path.name, "CSV", header, records), is_opencellid(header)


def read_rows(path: Path) -> tuple[str, list[str], list[tuple[int, dict]]]:
    """A CSV or XLSX table without geometry: (format, header, numbered rows as header → value)."""
    safety.check_file(path)
    with path.open("rb") as fh:
        head = fh.read(16)
    fmt = sniff_format(path, head)
    if fmt not in ("csv", "xlsx"):
        raise ImportRefused(Problem("file.not_a_table", source=path.name, params={"format": fmt}))
    if fmt == "xlsx" and not head.startswith(b"PK"):
        raise ImportRefused(Problem("zip.not_a_zip", source=path.name))
    header, records = read_csv(path, path.read_bytes()) if fmt == "csv" else read_xlsx(path)
    header = [str(h).strip() if h is not None else "" for h in header]
    safety.check_feature_count(path.name, len(records))
    rows = [
        (number, {h: _cell(v) for h, v in zip(header, values, strict=False) if h})
        for number, values in records
    ]
    if not rows:
        raise ImportRefused(Problem("file.no_rows", source=path.name))
    return ("CSV" if fmt == "csv" else "XLSX"), header, rows
