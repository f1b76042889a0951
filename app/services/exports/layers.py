"""Open exports: a published layer (filtered like the map) as a file, the indicators as a table,
and the passive fibre network as Open Fibre Data Standard JSON.

Rows come from the collection's SQL source (with the same filters as the OGC items); files are
written with pyogrio (GeoJSON, GeoPackage, Shapefile, KML, CSV) or openpyxl (XLSX) into a
temporary directory the router streams from and removes afterwards.

VN-2000: coordinates are computed with the official 7 parameters, and the GeoPackage and Shapefile
carry them in their CRS (gis.importers.crs.official_crs), so that a plain `ogr2ogr -t_srs EPSG:4326`
or QGIS puts every feature back where it is. The GeoJSON `crs` member can only name the EPSG code (GDAL
then applies PROJ's preferred "VN-2000 to WGS 84 (1)", 0.8 m away); CSV and XLSX name no CRS. Every
VN-2000 projection is offered (gis.crs.VN2000_PROJECTED): each province's TM-3 zone, UTM 48N/49N.
"""

import csv
import json
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Font
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.collections import Collection, get_collection
from app.errors import InvalidParameter
from app.services.clock import LOCAL_TZ
from app.services.coverage import dated_layers
from app.services.exports.labels import FIELD_LABELS, label_en, label_vi, sheet_name
from app.services.features import with_stored_location
from app.services.imports.bodies import bodies_on
from app.services.region import region_on
from app.services.scope import Scope
from app.services.sql import filter_clauses, scoped_source
from gis import ofds
from gis.crs import VN2000_PROJECTED, vn2000_label
from gis.importers.crs import official_crs
from gis.importers.crs import transform as crs_transform

__all__ = [
    "EXPORT_CRSS",
    "FORMATS",
    "ExportFile",
    "Format",
    "export_collection",
    "export_indicators",
    "export_ofds",
    "write_csv",
    "write_workbook",
    "parse_crs",
    "parse_format",
]

XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_MAX_CELL = 32_767  # characters in one Excel cell
XLSX_MAX_ROWS = 1_048_575


@dataclass(frozen=True)
class Format:
    driver: str | None  # OGR driver, None when written without GDAL
    extension: str
    media_type: str


FORMATS: dict[str, Format] = {
    "geojson": Format("GeoJSON", "geojson", "application/geo+json"),
    "gpkg": Format("GPKG", "gpkg", "application/geopackage+sqlite3"),
    "shp": Format("ESRI Shapefile", "shp.zip", "application/zip"),
    "kml": Format(
        "LIBKML" if "LIBKML" in pyogrio.list_drivers(write=True) else "KML",
        "kml",
        "application/vnd.google-earth.kml+xml",
    ),
    "csv": Format("CSV", "csv", "text/csv; charset=utf-8"),
    "xlsx": Format(None, "xlsx", XLSX_MEDIA),
}
TABLE_FORMATS = ("csv", "xlsx")

EXPORT_CRSS: dict[str, str] = {
    "EPSG:4326": "WGS 84 (lon/lat)",
    **{crs: vn2000_label(crs) for crs in VN2000_PROJECTED},
}


@dataclass(frozen=True)
class ExportFile:
    path: Path
    filename: str
    media_type: str


# --- parameters ------------------------------------------------------------------------------


def parse_format(raw: str | None, allowed: tuple[str, ...] = tuple(FORMATS)) -> str:
    value = (raw or allowed[0]).strip().lower()
    if value not in allowed:
        raise InvalidParameter(f"unsupported format '{raw}'; valid formats: {', '.join(allowed)}")
    return value


def parse_crs(raw: str | None) -> str:
    value = (raw or "EPSG:4326").strip().upper()
    if value.isdigit():
        value = f"EPSG:{value}"
    if value not in EXPORT_CRSS:
        raise InvalidParameter(f"unsupported crs '{raw}'; valid crs: {', '.join(EXPORT_CRSS)}")
    return value


def export_filename(stem: str, extension: str, today: date | None = None) -> str:
    day = today or datetime.now(LOCAL_TZ).date()
    return f"{stem}_{day.isoformat()}.{extension}"


# --- query -----------------------------------------------------------------------------------


def query_frame(
    session: Session, collection: Collection, bbox, filters: dict[str, str], scope: Scope
) -> gpd.GeoDataFrame:
    """Every matching feature `scope` may see (ordered by code) with typed columns, in EPSG:4326."""
    dated_layers.prepare(session, [collection], filters)  # coverage of a past day: its polygons
    # The kept commune and district codes while they hold (as items read them), else a lookup per row.
    collection, stored = with_stored_location(session, collection)
    clauses, params = filter_clauses(collection, filters)
    source, scope_params = scoped_source(collection, scope, located=not stored, filters=filters)
    params.update(scope_params)
    if bbox is not None:
        clauses.append(_bbox_clause(bbox))
        params.update(dict(zip(("minx", "miny", "maxx", "maxy"), getattr(bbox, "values", bbox), strict=True)))
    props = collection.all_properties
    columns = ", ".join(f'f."{name}"' for name in props)
    sql = (
        f"SELECT {columns}, ST_AsBinary(f.geom) AS wkb FROM ({source}) AS f "
        f'WHERE {" AND ".join(clauses) or "true"} ORDER BY f.fid COLLATE "C"'
    )
    rows = session.execute(text(sql), params).all()
    data = {name: _typed([r[i] for r in rows], kind) for i, (name, kind) in enumerate(props.items())}
    geometry = shapely.from_wkb([bytes(r[-1]) for r in rows]) if rows else []
    return gpd.GeoDataFrame(pd.DataFrame(data), geometry=list(geometry), crs="EPSG:4326")


def _bbox_clause(bbox) -> str:
    """The bbox (lon/lat corners, or a BBoxFilter carrying its own CRS) as a condition on f.geom."""
    srid = int(getattr(getattr(bbox, "crs", None), "srid", None) or 4326)
    env = f"ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, {srid})"
    if srid == 4326:
        return f"f.geom && {env} AND ST_Intersects(f.geom, {env})"
    return f"ST_Intersects(ST_Transform(f.geom, {srid}), {env})"


def _typed(values: list, kind: str) -> pd.Series:
    if kind == "integer":
        return pd.Series(values, dtype="Int64")
    if kind == "number":
        return pd.Series([np.nan if v is None else float(v) for v in values], dtype="float64")
    if kind == "boolean":
        return pd.Series(values, dtype="boolean")
    if kind == "date":
        return pd.Series([None if v is None else v.isoformat() for v in values], dtype="object")
    if kind == "date-time":
        return pd.to_datetime(pd.Series(values, dtype="object"), utc=True).dt.tz_convert(LOCAL_TZ)
    if kind == "object":
        return pd.Series(
            [None if v is None else json.dumps(v, ensure_ascii=False, sort_keys=True) for v in values],
            dtype="object",
        )
    return pd.Series(values, dtype="object")


# --- writers ---------------------------------------------------------------------------------


def export_collection(
    session: Session,
    collection: Collection,
    *,
    bbox,
    filters: dict[str, str],
    scope: Scope,
    fmt: str,
    crs: str,
    directory: Path,
) -> ExportFile:
    """Write the matching features of `collection` as `fmt` in `crs` under `directory`."""
    spec = FORMATS[fmt]
    if fmt == "kml" and crs != "EPSG:4326":
        raise InvalidParameter("KML is always in WGS 84; use crs=EPSG:4326 (or another format)")
    frame = query_frame(session, collection, bbox, filters, scope)
    if crs != "EPSG:4326":
        # Not GeoDataFrame.to_crs: PROJ's preferred VN-2000 operation is not the official one (0.8 m
        # apart); the importers' transformation is, and a file we export must import back in place.
        moved = crs_transform(frame.geometry.to_numpy(), "EPSG:4326", crs)
        frame = frame.set_geometry(gpd.GeoSeries(moved, index=frame.index, crs=crs), crs=crs)
    filename = export_filename(collection.id, spec.extension)
    path = directory / filename
    # A file's layer keeps the collection's id; a workbook's sheet is read by people: its title.
    _WRITERS[fmt](frame, path, collection.title_vi if fmt == "xlsx" else collection.id)
    return ExportFile(path, filename, spec.media_type)


def _write_geojson(frame: gpd.GeoDataFrame, path: Path, layer: str) -> None:
    # RFC 7946 when in WGS 84; otherwise GDAL names the CRS in a "crs" member (as QGIS expects).
    options = {"RFC7946": "YES", "COORDINATE_PRECISION": 7} if frame.crs.to_epsg() == 4326 else {}
    pyogrio.write_dataframe(frame, path, layer=layer, driver="GeoJSON", **options)


def _write_gpkg(frame: gpd.GeoDataFrame, path: Path, layer: str) -> None:
    # Not the VN-2000 EPSG code (readers would look the code up): WKT 1 with TOWGS84 in `definition`,
    # WKT 2 BOUNDCRS in `definition_12_063` (the CRS WKT extension).
    frame = frame.set_crs(official_crs(frame.crs.to_string()), allow_override=True)
    pyogrio.write_dataframe(
        frame, path, layer=layer, driver="GPKG", dataset_options={"CRS_WKT_EXTENSION": "YES"}
    )


def shapefile_names(columns: list[str]) -> dict[str, str]:
    """Unique DBF field names (at most 10 characters) for `columns`."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for name in columns:
        short = name[:10]
        n = 1
        while short in used:
            suffix = f"_{n}"
            short, n = name[: 10 - len(suffix)] + suffix, n + 1
        used.add(short)
        out[name] = short
    return out


def _write_shp(frame: gpd.GeoDataFrame, path: Path, layer: str) -> None:
    folder = path.parent / "shp"
    folder.mkdir()
    names = shapefile_names([c for c in frame.columns if c != "geometry"])
    stem = path.name.removesuffix(".shp.zip")
    pyogrio.write_dataframe(
        frame.rename(columns=names), folder / f"{stem}.shp", driver="ESRI Shapefile", encoding="UTF-8"
    )
    # ESRI's WKT has no TOWGS84: the .prj is OGC WKT 1, which GDAL (QGIS, ogr2ogr) reads with it.
    crs = official_crs(frame.crs.to_string())
    if crs.is_bound:
        (folder / f"{stem}.prj").write_text(crs.to_wkt("WKT1_GDAL"), encoding="ascii")
    # DBF names are cut to 10 characters: the full names and headers travel with the file.
    with open(folder / f"{stem}_fields.csv", "w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(["field", "name", "label_vi", "label_en"])
        for name, short in names.items():
            writer.writerow([short, name, label_vi(name), label_en(name)])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for member in sorted(folder.iterdir()):
            zf.write(member, member.name)


def _write_kml(frame: gpd.GeoDataFrame, path: Path, layer: str) -> None:
    # Every property goes into ExtendedData (LIBKML keeps their types in a Schema).
    frame = frame.assign(
        **{c: frame[c].astype("object") for c in frame.columns if str(frame[c].dtype) == "boolean"}
    )
    pyogrio.write_dataframe(frame, path, layer=layer, driver=FORMATS["kml"].driver)


def _with_xy(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if len(frame) == 0 or not (frame.geom_type == "Point").all():
        return frame
    xname, yname = ("lon", "lat") if frame.crs.is_geographic else ("x", "y")
    return frame.assign(**{xname: frame.geometry.x, yname: frame.geometry.y})


def _write_csv(frame: gpd.GeoDataFrame, path: Path, layer: str) -> None:
    pyogrio.write_dataframe(
        _with_xy(frame), path, driver="CSV", layer_options={"GEOMETRY": "AS_WKT", "WRITE_BOM": "YES"}
    )


def _wkt(geometry, geographic: bool) -> list[str | None]:
    # 7 decimals of a degree ≈ 1 cm; 3 decimals of a metre = 1 mm.
    return [
        None if g is None else shapely.to_wkt(g, rounding_precision=7 if geographic else 3) for g in geometry
    ]


def _excel_value(value):
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    return value


def write_workbook(
    path: Path, sheet: str, columns: list[str], rows, field_types: dict[str, str], labels=FIELD_LABELS
) -> None:
    """One header row of field names (Vietnamese label as a note) on sheet ``sheet`` (a title, made
    a valid sheet name) and a sheet of the headers."""

    def label(name: str) -> tuple[str, str]:
        return labels.get(name, (name, name))

    wb = Workbook(write_only=True)
    taken: set[str] = set()
    ws = wb.create_sheet(sheet_name(sheet, taken))
    ws.freeze_panes = "A2"
    header = []
    for name in columns:
        cell = WriteOnlyCell(ws, value=name)
        cell.font = Font(bold=True)
        cell.comment = Comment(" / ".join(label(name)), "hgtelecom")
        header.append(cell)
    ws.append(header)
    for row in rows:
        ws.append(row)
    fields = wb.create_sheet(sheet_name("Trường dữ liệu", taken))
    fields.append(["Trường / Field", "Tiếng Việt", "English", "Kiểu / Type"])
    for name in columns:
        fields.append([name, *label(name), field_types.get(name, "")])
    wb.save(path)


def _write_xlsx(frame: gpd.GeoDataFrame, path: Path, layer: str) -> None:
    if len(frame) > XLSX_MAX_ROWS:
        raise InvalidParameter(f"{len(frame)} features do not fit in one XLSX sheet; use gpkg or csv")
    frame = _with_xy(frame)
    wkt = _wkt(frame.geometry, frame.crs.is_geographic)
    longest = max((len(w) for w in wkt if w), default=0)
    if longest > XLSX_MAX_CELL:
        raise InvalidParameter(
            f"a geometry needs {longest} characters of WKT, more than an Excel cell holds "
            f"({XLSX_MAX_CELL}); use gpkg, shp or geojson for this layer"
        )
    columns = [c for c in frame.columns if c != "geometry"]
    values = frame[columns].astype("object").to_numpy()
    rows = ([_excel_value(v) for v in row] + [w] for row, w in zip(values, wkt, strict=True))
    types = {c: str(frame[c].dtype) for c in columns}
    write_workbook(path, layer, columns + ["wkt"], rows, types)


_WRITERS = {
    "geojson": _write_geojson,
    "gpkg": _write_gpkg,
    "shp": _write_shp,
    "kml": _write_kml,
    "csv": _write_csv,
    "xlsx": _write_xlsx,
}


def write_frame(
    frame: gpd.GeoDataFrame, fmt: str, directory: Path, stem: str, title: str | None = None
) -> ExportFile:
    """Any frame (in its own CRS) as a file of ``fmt``: the writers of the layer exports; a
    workbook's sheet is named ``title`` (default: the stem)."""
    spec = FORMATS[fmt]
    filename = f"{stem}.{spec.extension}"
    _WRITERS[fmt](frame, directory / filename, title if fmt == "xlsx" and title else stem)
    return ExportFile(directory / filename, filename, spec.media_type)


# --- indicators ------------------------------------------------------------------------------

INDICATOR_COLUMNS = (
    "unit_code",
    "unit_name",
    "level",
    "period",
    "indicator",
    "name_vi",
    "name_en",
    "unit",
    "method",
    "value",
    "target",
    "gap",
    "status",
    "numerator",
    "denominator",
)
_INDICATOR_LABELS = {
    "unit_code": "Mã đơn vị",
    "unit_name": "Đơn vị hành chính",
    "level": "Cấp",
    "period": "Kỳ",
    "indicator": "Mã chỉ tiêu",
    "name_vi": "Chỉ tiêu",
    "name_en": "Chỉ tiêu (tiếng Anh)",
    "unit": "Đơn vị tính",
    "method": "Cách tính",
    "value": "Giá trị",
    "target": "Mục tiêu",
    "gap": "Còn thiếu",
    "status": "Đánh giá",
    "numerator": "Tử số",
    "denominator": "Mẫu số",
}


def write_csv(path: Path, header, rows) -> None:
    """A CSV table with a BOM, so that Excel reads the Vietnamese text as UTF-8."""
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


def indicator_rows(report: dict) -> list[list]:
    """One row per (unit, indicator) of an indicators report."""
    rows = []
    for unit in report["units"]:
        for ind in unit["indicators"]:
            rows.append(
                [
                    unit["code"],
                    unit["name"],
                    unit["level"],
                    report["period"],
                    ind["id"],
                    ind["name_vi"],
                    ind["name_en"],
                    ind["unit"],
                    ind["method"],
                    ind["value"],
                    ind["target"],
                    ind["gap"],
                    ind["status"],
                    ind["numerator"],
                    ind["denominator"],
                ]
            )
    return rows


def export_indicators(
    session: Session,
    *,
    level: str,
    period: str | None,
    code: str | None,
    fmt: str,
    directory: Path,
    district_code: str | None,
    plan: str | None = None,
) -> ExportFile:
    from app.services.reports.indicators import indicators_report

    report = indicators_report(session, level, period, code, district_code=district_code, plan=plan)
    rows = indicator_rows(report)
    filename = export_filename(f"indicators_{level}_{report['period']}", fmt)
    path = directory / filename
    if fmt == "csv":
        write_csv(path, INDICATOR_COLUMNS, rows)
        return ExportFile(path, filename, FORMATS["csv"].media_type)
    labels = {k: (v, k) for k, v in _INDICATOR_LABELS.items()}
    write_workbook(path, "Chỉ tiêu", list(INDICATOR_COLUMNS), rows, {}, labels)
    return ExportFile(path, filename, XLSX_MEDIA)


# --- OFDS ------------------------------------------------------------------------------------

_OFDS_NODES = """
SELECT 'pole' AS kind, p.code, p.code AS name, o.short_name AS owner, t.operators, NULL AS status,
       NULL AS span, ST_X(p.geom) AS lon, ST_Y(p.geom) AS lat
FROM poles p JOIN operators o ON o.id = p.owner_id
LEFT JOIN LATERAL (SELECT array_agg(op.short_name ORDER BY op.short_name) AS operators
                   FROM pole_attachments a JOIN operators op ON op.id = a.operator_id
                   WHERE a.pole_id = p.id) t ON true
WHERE {poles}
UNION ALL
SELECT 'manhole', m.code, m.code, o.short_name, t.operators, NULL, r.code, ST_X(m.geom), ST_Y(m.geom)
FROM manholes m JOIN operators o ON o.id = m.owner_id LEFT JOIN duct_routes r ON r.id = m.duct_route_id
LEFT JOIN LATERAL (SELECT array_agg(op.short_name ORDER BY op.short_name) AS operators
                   FROM duct_occupancy d JOIN operators op ON op.id = d.operator_id
                   WHERE d.duct_route_id = m.duct_route_id) t ON true
WHERE {manholes}
UNION ALL
SELECT 'fibre_access_point', f.code, f.code, o.short_name, ARRAY[o.short_name], f.status, NULL,
       ST_X(f.geom), ST_Y(f.geom)
FROM fibre_access_points f JOIN operators o ON o.id = f.operator_id
WHERE {fibre_access_points}
ORDER BY 2
"""

_OFDS_SPANS = """
SELECT r.code, coalesce(r.name, r.code) AS name, o.short_name AS owner, t.operators, ST_AsBinary(r.geom) AS wkb
FROM duct_routes r JOIN operators o ON o.id = r.owner_id
LEFT JOIN LATERAL (SELECT array_agg(op.short_name ORDER BY op.short_name) AS operators
                   FROM duct_occupancy d JOIN operators op ON op.id = d.operator_id
                   WHERE d.duct_route_id = r.id) t ON true
WHERE {ducts}
ORDER BY r.code
"""


def _ofds_sql(template: str, scope: Scope, aliases: dict[str, str]) -> tuple[str, dict]:
    """The OFDS query with each layer's rows kept to `scope` (the layers' own scope rule)."""
    where, params = {}, {}
    for collection_id, alias in aliases.items():
        clauses, values = scope.clauses(get_collection(collection_id), alias)
        where[collection_id] = " AND ".join(clauses) or "true"
        params.update(values)
    return template.format(**where), params


def ofds_network(session: Session, scope: Scope) -> dict:
    """The passive network (poles, manholes, fibre access points, duct routes) `scope` may see, as OFDS JSON."""
    nodes_sql, nodes_params = _ofds_sql(
        _OFDS_NODES, scope, {"poles": "p", "manholes": "m", "fibre_access_points": "f"}
    )
    spans_sql, spans_params = _ofds_sql(_OFDS_SPANS, scope, {"ducts": "r"})
    organisations = {
        r.short_name: r.name for r in session.execute(text("SELECT short_name, name FROM operators"))
    }
    nodes = [
        ofds.NodeRecord(
            id=r.code,
            name=r.name,
            kind=r.kind,
            lon=r.lon,
            lat=r.lat,
            owner=r.owner,
            providers=tuple(r.operators or ()),
            status=r.status,
            span_id=r.span,
        )
        for r in session.execute(text(nodes_sql), nodes_params)
    ]
    spans = [
        ofds.SpanRecord(
            id=r.code,
            name=r.name,  # the owner's route name, else its code
            coords=tuple(shapely.get_coordinates(shapely.from_wkb(bytes(r.wkb))).tolist()),
            owner=r.owner,
            providers=tuple(r.operators or ()),
        )
        for r in session.execute(text(spans_sql), spans_params)
    ]
    published = datetime.now(LOCAL_TZ).date()
    region = region_on(session.connection(), published)
    issuer = bodies_on(session.connection(), published).issuer
    return ofds.build_network(
        nodes,
        spans,
        organisations=organisations,
        # Stable while the region is: derived from its codes, as the name and publisher from data.
        network_id=ofds.network_uuid("passive-infrastructure-" + "-".join(region.codes)),
        name=f"Hạ tầng viễn thông thụ động {region.display_vi}",
        publisher=issuer["name"] if issuer else "",
        publication_date=published,
    )


def export_ofds(session: Session, directory: Path, scope: Scope) -> ExportFile:
    filename = export_filename("ofds", "json")
    path = directory / filename
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(ofds_network(session, scope), fh, ensure_ascii=False)
    return ExportFile(path, filename, "application/json")
