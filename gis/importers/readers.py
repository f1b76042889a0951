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
    warnings: list[str] = field(default_factory=list)
    coordinate_columns: tuple[str, ...] = ()
    sheets: list = field(default_factory=list)  # a workbook's other sheets (gis.importers.workbook.Sheet)


def _problems(problems: list[str]) -> None:
    if problems:
        extra = len(problems) - MAX_PROBLEMS
        raise ImportRefused(problems[:MAX_PROBLEMS] + ([f"… and {extra} more problems"] if extra > 0 else []))


# ---------------------------------------------------------------- GeoJSON
def read_geojson(path: Path, data: bytes) -> RawTable:
    name = path.name
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ImportRefused(f"{name}: GeoJSON must be UTF-8 (byte {exc.start} is not)") from exc
    except ValueError as exc:
        raise ImportRefused(f"{name}: not valid JSON ({exc})") from exc
    if isinstance(doc, dict) and doc.get("type") == "Feature":
        doc = {"type": "FeatureCollection", "features": [doc]}
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise ImportRefused(f"{name}: expected a GeoJSON FeatureCollection")
    feats = doc.get("features")
    if not isinstance(feats, list) or not feats:
        raise ImportRefused(f"{name}: the FeatureCollection has no features")
    safety.check_feature_count(name, len(feats))
    crs, note = None, ""
    legacy = doc.get("crs")
    if legacy:  # GeoJSON 2008 "crs" member, still written by QGIS/ogr2ogr for projected data
        try:
            crs = legacy["properties"]["name"] if legacy.get("type") == "name" else None
        except (KeyError, TypeError):
            crs = None
        if crs is None:
            raise ImportRefused(f"{name}: unreadable legacy 'crs' member {json.dumps(legacy)[:80]}")
        note = f"legacy GeoJSON 'crs' member: {crs}"
    rows, problems = [], []
    for i, feat in enumerate(feats, start=1):
        try:
            geom = shape(feat["geometry"]) if feat.get("geometry") else None
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            problems.append(f"{name} feature {i}: unreadable geometry ({type(exc).__name__}: {exc})")
            continue
        if geom is None:
            problems.append(f"{name} feature {i}: no geometry")
            continue
        rows.append(RawRow(i, dict(feat.get("properties") or {}), geom))
    _problems(problems)
    return RawTable(name, "GeoJSON", "feature", rows, crs, note, default_lonlat=crs is None)


# ---------------------------------------------------------------- OGR (GeoPackage, Shapefile, KML)
def _read_ogr(path: Path, shown: str, fmt: str, *, layer=None, encoding=None, all_layers=False) -> RawTable:
    import pyogrio
    from pyogrio.errors import DataLayerError, DataSourceError

    try:
        layers = [row[0] for row in pyogrio.list_layers(path)]
    except (DataSourceError, DataLayerError, OSError) as exc:
        raise ImportRefused(f"{shown}: cannot open as {fmt} ({exc})") from exc
    if not layers:
        raise ImportRefused(f"{shown}: the {fmt} has no layers")
    if layer is not None and layer not in layers:
        raise ImportRefused(f"{shown}: no layer '{layer}' (layers: {', '.join(layers)})")
    chosen = [layer] if layer is not None else (layers if all_layers else layers[:1])
    rows: list[RawRow] = []
    warnings: list[str] = []
    crs = None
    if layer is None and len(layers) > 1 and not all_layers:
        warnings.append(
            f"{shown}: {len(layers)} layers, reading the first ('{layers[0]}'); choose with layer="
        )
    number = 0
    for lyr in chosen:
        try:
            info = pyogrio.read_info(path, layer=lyr)
            safety.check_feature_count(shown, number + int(info.get("features") or 0))
            meta, _fids, wkbs, values = pyogrio.raw.read(path, layer=lyr, encoding=encoding)
        except UnicodeDecodeError as exc:
            raise ImportRefused(
                f"{shown}: text is not {encoding_label(encoding or 'utf-8')} (byte 0x{exc.object[exc.start]:02x}); "
                "give its encoding (e.g. encoding=1258 for Windows-1258), add a .cpg file naming it, or save as UTF-8"
            ) from exc
        except (DataSourceError, DataLayerError, OSError, RuntimeError) as exc:
            raise ImportRefused(f"{shown}: cannot read layer '{lyr}' ({exc})") from exc
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
    _problems([f"{shown} feature {n}: no geometry or unreadable geometry" for n in bad])
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
            raise ImportRefused(f"{path.name}: not a GeoPackage (no SQLite header)")
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
            raise ImportRefused(f"{path.name}: no .shp (or .kml) inside the zip")
        if len(shps) > 1 and layer is None:
            raise ImportRefused(
                f"{path.name}: {len(shps)} shapefiles in the zip ({', '.join(s.name for s in shps)}); "
                "choose one with layer="
            )
        shp = next((s for s in shps if s.stem == layer), None) if layer else shps[0]
        if shp is None:
            raise ImportRefused(
                f"{path.name}: no shapefile '{layer}' in the zip ({', '.join(s.stem for s in shps)})"
            )
        shown = f"{path.name}/{shp.name}"
        for ext in (".dbf", ".shx"):
            if not any(f.suffix.lower() == ext and f.stem == shp.stem for f in files):
                raise ImportRefused(f"{shown}: the shapefile's {ext} is missing from the zip")
        cpg = next((f for f in files if f.suffix.lower() == ".cpg" and f.stem == shp.stem), None)
        prj = next((f for f in files if f.suffix.lower() == ".prj" and f.stem == shp.stem), None)
        declared = _cpg_encoding(cpg, shown) if cpg else None
        chosen = encoding or declared or "utf-8"
        warnings = []
        if encoding and declared and encoding != declared:
            warnings.append(
                f"{shown}: the .cpg says {encoding_label(declared)}; using the given {encoding_label(encoding)}"
            )
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
            table.warnings.append(f"{shown}: no .cpg; the attribute text was read as UTF-8")
        elif chosen != "utf-8":
            source = "given" if encoding else ".cpg"
            table.warnings.append(
                f"{shown}: attribute text converted from {encoding_label(chosen)} ({source})"
            )
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
        table.warnings.append(f"{table.name}: {sidecar.name} is not a field list (field,name); ignored")
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
        raise ImportRefused(
            f"{name}: {_UTF8_ONLY[fmt]} text is always UTF-8; the encoding option ({encoding_label(encoding)}) "
            "applies to CSV files and Shapefiles (.dbf) only"
        )


def _number(value, where: str, problems: list[str]) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        problems.append(f"{where}: missing coordinate")
        return None
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip().replace(" ", "")
    if re.fullmatch(r"-?\d+,\d+", text):  # Vietnamese decimal comma
        text = text.replace(",", ".")
    try:
        out = float(text)
    except ValueError:
        problems.append(f"{where}: '{value}' is not a number")
        return None
    if not np.isfinite(out):
        problems.append(f"{where}: '{value}' is not a finite number")
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
        raise ImportRefused(
            f"{name}: no coordinate columns: expected lat/lon (lat, latitude, vi_do … / lon, lng, "
            f"longitude, kinh_do …), x/y, or a WKT column; found {', '.join(h for h in header if h)}"
        )
    safety.check_feature_count(name, len(records))
    rows, problems = [], []
    for number, values in records:
        props = {h: _cell(v) for h, v in zip(header, values, strict=False) if h}
        where = f"{name} row {number}"
        if coord_kind == "wkt":
            text = props.get(wkt)
            try:
                geom = shapely.from_wkt(str(text)) if text else None
            except shapely.errors.GEOSException as exc:
                problems.append(f"{where}: unreadable WKT ({str(exc)[:80]})")
                continue
            if geom is None:
                problems.append(f"{where}: empty WKT column '{wkt}'")
                continue
        else:
            a = _number(props.get(cx), f"{where} column '{cx}'", problems)
            b = _number(props.get(cy), f"{where} column '{cy}'", problems)
            if a is None or b is None:
                continue
            geom = Point(a, b)
        rows.append(RawRow(number, props, geom))
        if len(problems) > MAX_PROBLEMS:
            break
    _problems(problems)
    if not rows:
        raise ImportRefused(f"{name}: a header but no data rows")
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
        raise ImportRefused(f"{path.name}: the file is empty")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = next(reader)
        records = [(reader.line_num, r) for r in reader if any(c.strip() for c in r)]
    except csv.Error as exc:
        raise ImportRefused(f"{path.name} row {reader.line_num}: malformed CSV ({exc})") from exc
    return header, records


def read_xlsx(path: Path) -> tuple[list[str], list[tuple[int, list]]]:
    """The workbook's sheet of sites when one is named so (see ``workbook``), else its first sheet."""
    sheet = workbook.sites_sheet(workbook.read_sheets(path))
    return sheet.header, sheet.records


def _read_workbook(path: Path) -> tuple[RawTable, bool]:
    sheets = workbook.read_sheets(path)
    main = workbook.sites_sheet(sheets)
    raw = rows_to_table(main.shown(path.name, len(sheets) > 1), "XLSX", main.header, main.records)
    raw.sheets = [s for s in sheets if s is not main]
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
    raise ImportRefused(
        f"{path.name}: unsupported file type '{ext or '?'}' (GeoJSON, GeoPackage, zipped Shapefile, "
        "KML/KMZ, CSV, XLSX)"
    )


def read_raw(path: Path, *, layer=None, encoding: str | None = None) -> tuple[RawTable, bool]:
    """Read any supported file; returns the raw table and whether it is an OpenCelliD export.

    ``encoding`` (any spelling parse_encoding knows) applies to CSV and Shapefile text.
    """
    safety.check_file(path)
    encoding = parse_encoding(encoding, path.name)
    with path.open("rb") as fh:
        head = fh.read(16)
    fmt = sniff_format(path, head)
    if fmt in _UTF8_ONLY:
        _utf8_only(fmt, encoding, path.name)
    if fmt in ("zip", "xlsx") and not head.startswith(b"PK"):
        raise ImportRefused(f"{path.name}: not a zip archive (the file does not start like one)")
    if fmt == "geojson":
        return read_geojson(path, path.read_bytes()), False
    if fmt == "gpkg":
        return read_gpkg(path, layer), False
    if fmt == "kml":
        return read_kml(path, path.read_bytes(), layer), False
    if fmt == "zip":
        return read_zip(path, layer, encoding), False
    if fmt == "xlsx":
        return _read_workbook(path)
    header, records = read_csv(path, path.read_bytes(), encoding)
    return rows_to_table(path.name, "CSV", header, records), is_opencellid(header)


def read_rows(path: Path) -> tuple[str, list[str], list[tuple[int, dict]]]:
    """A CSV or XLSX table without geometry: (format, header, numbered rows as header → value)."""
    safety.check_file(path)
    with path.open("rb") as fh:
        head = fh.read(16)
    fmt = sniff_format(path, head)
    if fmt not in ("csv", "xlsx"):
        raise ImportRefused(f"{path.name}: expected a CSV or XLSX table, got {fmt}")
    if fmt == "xlsx" and not head.startswith(b"PK"):
        raise ImportRefused(f"{path.name}: not a zip archive (the file does not start like one)")
    header, records = read_csv(path, path.read_bytes()) if fmt == "csv" else read_xlsx(path)
    header = [str(h).strip() if h is not None else "" for h in header]
    safety.check_feature_count(path.name, len(records))
    rows = [
        (number, {h: _cell(v) for h, v in zip(header, values, strict=False) if h})
        for number, values in records
    ]
    if not rows:
        raise ImportRefused(f"{path.name}: a header but no data rows")
    return ("CSV" if fmt == "csv" else "XLSX"), header, rows
