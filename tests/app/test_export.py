"""Open exports read back with a real reader (pyogrio/GDAL) and compared with the database."""

import csv
import io
import json
import math
import sqlite3
import subprocess
import zipfile
from datetime import date, datetime
from itertools import pairwise

import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from pyproj import CRS, Geod
from pyproj.transformer import TransformerGroup
from sqlalchemy import text

from app.collections import COLLECTIONS
from app.services.sql import filter_clauses, located_source
from gis.importers.crs import official_crs
from gis.importers.crs import transform as crs_transform

FORMATS = ("geojson", "gpkg", "shp", "kml", "csv", "xlsx")
EXTENSIONS = {
    "geojson": "geojson",
    "gpkg": "gpkg",
    "shp": "shp.zip",
    "kml": "kml",
    "csv": "csv",
    "xlsx": "xlsx",
}
MEDIA = {
    "geojson": "application/geo+json",
    "gpkg": "application/geopackage+sqlite3",
    "shp": "application/zip",
    "kml": "application/vnd.google-earth.kml+xml",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
LAYERS = ("sites", "hamlets", "ducts")  # points, polygons, lines
CASES = [
    (layer, fmt, crs)
    for layer in LAYERS
    for fmt in FORMATS
    for crs in ("EPSG:4326", "EPSG:5897")
    if not (fmt == "kml" and crs != "EPSG:4326")
]
TOLERANCE_M = 0.01
# Columns a format adds of its own (KML's placemark fields, coordinates as columns).
EXTRA = {
    "lon",
    "lat",
    "x",
    "y",
    "wkt",
    "WKT",
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
}


def _to(geoms, source: str, target: str = "EPSG:5897"):
    """2D geometries from `source` to `target` (by default VN-2000 / TM-3 metres), all at once, with
    the official VN-2000 transformation (the importers'; checked against PROJ's below)."""
    return crs_transform(shapely.force_2d(np.asarray(geoms, dtype=object)), source, target)


def _norm(v):
    """One comparable value whatever the format made of it (types differ, values must not)."""
    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, dict):
        return json.dumps(v, ensure_ascii=False, sort_keys=True)
    if isinstance(v, bool | np.bool_):
        return float(v)
    if isinstance(v, datetime | pd.Timestamp):
        return v.date().isoformat() if (v.hour, v.minute, v.second) == (0, 0, 0) else v.isoformat()
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, int | float | np.number):
        return round(float(v), 6)
    s = str(v)
    if s == "":
        return None
    if s in ("True", "False", "true", "false"):
        return float(s.lower() == "true")
    try:
        return round(float(s), 6)
    except ValueError:
        return s


def _database(engine, layer: str, filters: dict[str, str] | None = None):
    """{code: (properties, geometry)} straight from the collection's SQL source."""
    collection = COLLECTIONS[layer]
    clauses, params = filter_clauses(collection, filters or {})
    sql = (
        f"SELECT (to_jsonb(f) - 'geom' - 'fid')::text, ST_AsBinary(f.geom) FROM ({located_source(collection)}) AS f "
        f"WHERE {' AND '.join(clauses) or 'true'}"
    )
    with engine.connect() as conn:
        rows = conn.execute(text(sql), params).all()
    out = {}
    for props, wkb in rows:
        props = json.loads(props)
        out[props["code"]] = (props, shapely.from_wkb(bytes(wkb)))
    return out


def _read(content: bytes, fmt: str, tmp_path):
    """The exported file read back with pyogrio: (frame of properties, geometries)."""
    path = tmp_path / f"export.{EXTENSIONS[fmt]}"
    path.write_bytes(content)
    if fmt == "xlsx":
        frame = pyogrio.read_dataframe(path, layer=0, read_geometry=False)
        return frame, shapely.from_wkt(frame["wkt"].to_numpy())
    frame = pyogrio.read_dataframe(path)
    if fmt == "shp":
        with zipfile.ZipFile(path) as zf:
            assert {n.rsplit(".", 1)[-1] for n in zf.namelist()} >= {"shp", "shx", "dbf", "prj", "cpg"}
            fields = next(n for n in zf.namelist() if n.endswith("_fields.csv"))
            cpg = next(n for n in zf.namelist() if n.endswith(".cpg"))
            assert zf.read(cpg).decode().strip().upper() in ("UTF-8", "UTF8")
            names = {
                r["field"]: r["name"]
                for r in csv.DictReader(io.StringIO(zf.read(fields).decode("utf-8-sig")))
            }
        frame = frame.rename(columns=names)
    if fmt == "kml":
        frame = frame.rename(columns={"Name": "name"})
    return frame, frame.geometry.to_numpy()


@pytest.fixture(scope="module")
def reference(engine, client):
    return {layer: _database(engine, layer) for layer in LAYERS}


@pytest.mark.parametrize(("layer", "fmt", "crs"), CASES)
def test_export_reads_back_like_the_database(client, reference, tmp_path, layer, fmt, crs):
    r = client.get(f"/api/export/{layer}", params={"format": fmt, "crs": crs})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == MEDIA[fmt]
    disposition = r.headers["content-disposition"]
    assert disposition.startswith("attachment;") and f"{layer}_" in disposition
    assert disposition.rstrip('"').endswith(f".{EXTENSIONS[fmt]}")

    frame, geoms = _read(r.content, fmt, tmp_path)
    expected = reference[layer]
    assert len(frame) == len(expected)
    assert sorted(frame["code"]) == sorted(expected)

    props = COLLECTIONS[layer].all_properties
    missing = set(props) - set(frame.columns)
    assert not missing, missing
    for record in frame.to_dict("records"):
        want = expected[record["code"]][0]
        got = {k: _norm(record[k]) for k in props}
        assert got == {k: _norm(want.get(k)) for k in props}, record["code"]
    # geometry: within 1 cm of the database's, measured in metres (VN-2000 / TM-3)
    codes = list(frame["code"])
    gaps = shapely.hausdorff_distance(_to(geoms, crs), _to([expected[c][1] for c in codes], "EPSG:4326"))
    assert gaps.max() < TOLERANCE_M, codes[int(np.argmax(gaps))]


@pytest.mark.parametrize("layer", LAYERS)
def test_vn2000_coordinates_are_tm3_and_transform_back_within_1cm(client, reference, tmp_path, layer):
    r = client.get(f"/api/export/{layer}", params={"format": "gpkg", "crs": "EPSG:5897"})
    assert r.status_code == 200
    path = tmp_path / "vn2000.gpkg"
    path.write_bytes(r.content)
    read = CRS(pyogrio.read_info(path)["crs"])  # VN-2000 / TM-3 105°, bound by the official shift
    projection = [(p.name, p.value) for p in read.source_crs.coordinate_operation.params]
    assert read.name == "VN-2000 / TM-3 zone 482"
    assert projection == [(p.name, p.value) for p in CRS("EPSG:5897").coordinate_operation.params]
    assert _towgs84(read) == pytest.approx(_towgs84(official_crs("EPSG:5897")), abs=1e-8)
    frame = pyogrio.read_dataframe(path)
    xy = shapely.get_coordinates(frame.geometry.to_numpy())
    assert (500_000 < xy[:, 0]).all() and (xy[:, 0] < 620_000).all()  # X ≈ 5xx,xxx m
    assert (1_050_000 < xy[:, 1]).all() and (xy[:, 1] < 1_120_000).all()  # Y ≈ 1,07x,xxx m
    codes = list(frame["code"])
    lonlat = _to(frame.geometry.to_numpy(), "EPSG:5897", "EPSG:4326")
    want = [reference[layer][c][1] for c in codes]
    gaps = shapely.hausdorff_distance(
        _to(lonlat, "EPSG:4326", "EPSG:32648"), _to(want, "EPSG:4326", "EPSG:32648")
    )
    assert gaps.max() < TOLERANCE_M, codes[int(np.argmax(gaps))]


def test_vn2000_exports_use_the_official_transformation(client, reference, tmp_path):
    # Decision 05/2007/QĐ-BTNMT's 7 parameters are EPSG's "VN-2000 to WGS 84 (2)"; PROJ prefers
    # "(1)" when asked by code alone, 0.8 m away in Hậu Giang. The export must be "(2)".
    r = client.get("/api/export/sites", params={"format": "gpkg", "crs": "EPSG:5897"})
    path = tmp_path / "vn2000.gpkg"
    path.write_bytes(r.content)
    frame = pyogrio.read_dataframe(path)
    code, got = frame["code"][0], frame.geometry[0]
    lon, lat = reference["sites"][code][1].coords[0]
    operations = {
        t.description: t for t in TransformerGroup("EPSG:4326", "EPSG:5897", always_xy=True).transformers
    }
    official = next(t for d, t in operations.items() if "VN-2000 to WGS 84 (2)" in d)
    other = next(t for d, t in operations.items() if "VN-2000 to WGS 84 (1)" in d)
    assert got.distance(shapely.Point(official.transform(lon, lat))) < TOLERANCE_M
    assert 0.5 < got.distance(shapely.Point(other.transform(lon, lat))) < 1.5


def test_vn2000_utm_zone_48n_is_offered(client, reference, tmp_path):
    r = client.get("/api/export/sites", params={"format": "gpkg", "crs": "EPSG:3405"})
    assert r.status_code == 200
    path = tmp_path / "utm.gpkg"
    path.write_bytes(r.content)
    frame = pyogrio.read_dataframe(path)
    got = _to(frame.geometry.to_numpy(), "EPSG:3405")
    want = _to([reference["sites"][c][1] for c in frame["code"]], "EPSG:4326")
    assert (shapely.distance(got, want) < TOLERANCE_M).all()


# --- VN-2000 files in standard tools --------------------------------------------------------------

OFFICIAL_TOWGS84 = (
    "TOWGS84[-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372,0.252906278]"
)


def _towgs84(crs: CRS) -> list[float]:
    wkt = crs.to_wkt("WKT1_GDAL")
    return [float(v) for v in wkt.split("TOWGS84[", 1)[1].split("]", 1)[0].split(",")]


def _ogr2ogr_to_wgs84(content: bytes, fmt: str, folder) -> dict:
    """The exported file through plain `ogr2ogr -t_srs EPSG:4326`: {code: its coordinates}."""
    source = folder / f"vn2000.{EXTENSIONS[fmt]}"
    source.write_bytes(content)
    target = folder / "wgs84.gpkg"
    reader = f"/vsizip/{source}" if fmt == "shp" else str(source)
    subprocess.run(["ogr2ogr", "-t_srs", "EPSG:4326", str(target), reader], check=True, capture_output=True)
    return _coordinates(pyogrio.read_dataframe(target))


def _coordinates(frame) -> dict:
    return {c: shapely.get_coordinates(g) for c, g in zip(frame["code"], frame.geometry, strict=True)}


@pytest.fixture(scope="module")
def wgs84_exports(client, tmp_path_factory) -> dict[str, dict]:
    """{layer: {code: coordinates}} of the layers' EPSG:4326 GeoPackage exports."""
    folder = tmp_path_factory.mktemp("wgs84")
    out = {}
    for layer in ("poles", "sites", "ducts"):
        r = client.get(f"/api/export/{layer}", params={"format": "gpkg", "crs": "EPSG:4326"})
        (folder / f"{layer}.gpkg").write_bytes(r.content)
        out[layer] = _coordinates(pyogrio.read_dataframe(folder / f"{layer}.gpkg"))
    return out


def _gaps_m(got: dict, want: dict) -> np.ndarray:
    """Geodesic distance (m) between the same vertices of the same features."""
    assert sorted(got) == sorted(want) and want
    a = np.concatenate([got[c] for c in want])
    b = np.concatenate([want[c] for c in want])
    return Geod(ellps="WGS84").inv(a[:, 0], a[:, 1], b[:, 0], b[:, 1])[2]


@pytest.mark.parametrize("crs", ["EPSG:5897", "EPSG:3405"])
@pytest.mark.parametrize("fmt", ["gpkg", "shp"])
@pytest.mark.parametrize("layer", ["poles", "sites", "ducts"])
def test_plain_ogr2ogr_puts_a_vn2000_export_on_the_wgs84_export(
    client, wgs84_exports, tmp_path, layer, fmt, crs
):
    r = client.get(f"/api/export/{layer}", params={"format": fmt, "crs": crs})
    assert r.status_code == 200
    gaps = _gaps_m(_ogr2ogr_to_wgs84(r.content, fmt, tmp_path), wgs84_exports[layer])
    assert gaps.max() <= 0.05  # PROJ's own choice for EPSG:5897 ("(1)") would be 0.8 m off


def test_vn2000_files_carry_the_official_parameters_not_an_epsg_code(client, tmp_path):
    r = client.get("/api/export/poles", params={"format": "gpkg", "crs": "EPSG:5897"})
    (tmp_path / "p.gpkg").write_bytes(r.content)
    with sqlite3.connect(tmp_path / "p.gpkg") as db:
        org, definition, wkt2 = db.execute(
            "SELECT organization, definition, definition_12_063 FROM gpkg_spatial_ref_sys s "
            "JOIN gpkg_geometry_columns g ON g.srs_id = s.srs_id"
        ).fetchone()
    assert org.upper() != "EPSG"  # readers would look EPSG:5897 up and use PROJ's preferred shift
    assert definition.startswith('PROJCS["VN-2000 / TM-3 zone 482"') and OFFICIAL_TOWGS84 in definition
    assert wkt2.startswith("BOUNDCRS[") and "-191.90441429" in wkt2
    r = client.get("/api/export/poles", params={"format": "shp", "crs": "EPSG:3405"})
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        prj = zf.read(next(n for n in zf.namelist() if n.endswith(".prj"))).decode("ascii")
    assert prj.startswith('PROJCS["VN-2000 / UTM zone 48N"') and OFFICIAL_TOWGS84 in prj


def test_a_vn2000_geojson_can_only_name_epsg_5897(client, wgs84_exports, tmp_path):
    # What standard tools do with it (README): the legacy `crs` member names EPSG:5897, so GDAL
    # applies PROJ's preferred "VN-2000 to WGS 84 (1)" and lands 0.8 m from the official position.
    r = client.get("/api/export/poles", params={"format": "geojson", "crs": "EPSG:5897"})
    assert r.json()["crs"] == {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::5897"}}
    gaps = _gaps_m(_ogr2ogr_to_wgs84(r.content, "geojson", tmp_path), wgs84_exports["poles"])
    assert 0.5 < gaps.min() and gaps.max() < 1.5


@pytest.mark.parametrize("fmt", ["gpkg", "csv"])
def test_filters_and_bbox_are_respected(client, engine, tmp_path, fmt):
    r = client.get("/api/export/sites", params={"format": fmt, "operator": "Viettel"})
    assert r.status_code == 200
    frame, _ = _read(r.content, fmt, tmp_path)
    expected = _database(engine, "sites", {"operator": "Viettel"})
    assert 0 < len(frame) < len(_database(engine, "sites"))
    assert sorted(frame["code"]) == sorted(expected)

    bbox = (105.4, 9.7, 105.6, 9.9)
    r = client.get(
        "/api/export/sites",
        params={"format": fmt, "operator": "Viettel", "bbox": ",".join(map(str, bbox))},
    )
    frame, geoms = _read(r.content, fmt, tmp_path)
    inside = {c for c, (_, g) in expected.items() if shapely.intersects(g, shapely.box(*bbox))}
    assert 0 < len(frame) and set(frame["code"]) == inside


def test_district_filter_on_a_located_layer(client, engine, tmp_path):
    r = client.get("/api/export/ducts", params={"format": "geojson", "district": "930"})
    frame, _ = _read(r.content, "geojson", tmp_path)
    assert sorted(frame["code"]) == sorted(_database(engine, "ducts", {"district": "930"}))


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"format": "dxf"}, "geojson, gpkg, shp, kml, csv, xlsx"),
        ({"crs": "EPSG:3857"}, "EPSG:4326, EPSG:5896, EPSG:9205"),
        ({"format": "kml", "crs": "EPSG:5897"}, "WGS 84"),
        ({"colour": "red"}, "known filters"),
    ],
)
def test_bad_parameters_are_400_with_the_valid_values(client, params, expected):
    r = client.get("/api/export/sites", params=params)
    assert r.status_code == 400
    assert r.json()["code"] == "InvalidParameter" or r.json()["code"] == "UnknownFilter"
    assert expected in r.json()["description"]


def test_unknown_collection_is_404(client):
    assert client.get("/api/export/nothing").status_code == 404


@pytest.mark.parametrize("layer", [c for c in COLLECTIONS if c not in LAYERS])
def test_every_other_collection_exports_as_geopackage(client, engine, tmp_path, layer):
    r = client.get(f"/api/export/{layer}", params={"format": "gpkg"})
    assert r.status_code == 200, r.text
    path = tmp_path / "x.gpkg"
    path.write_bytes(r.content)
    frame = pyogrio.read_dataframe(path, read_geometry=False)
    with engine.connect() as conn:
        n = conn.execute(text(f"SELECT count(*) FROM ({COLLECTIONS[layer].source}) AS f")).scalar_one()
    assert len(frame) == n > 0
    assert set(COLLECTIONS[layer].all_properties) <= set(frame.columns)


# --- indicators --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_indicators_export_has_one_row_per_unit_and_indicator(client, tmp_path, fmt):
    report = client.get("/api/indicators", params={"level": "district", "period": "2025-Q3"}).json()
    r = client.get("/api/export/indicators", params={"level": "district", "period": "2025-Q3", "format": fmt})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == MEDIA[fmt]
    assert "indicators_district_2025-Q3_" in r.headers["content-disposition"]
    path = tmp_path / f"ind.{fmt}"
    path.write_bytes(r.content)
    frame = pyogrio.read_dataframe(path, layer=0, read_geometry=False)
    expected = [
        (u["code"], i["id"], i["value"], i["status"]) for u in report["units"] for i in u["indicators"]
    ]
    assert len(frame) == len(expected)
    got = [
        (str(c), i, _norm(v), s)
        for c, i, v, s in zip(
            frame["unit_code"], frame["indicator"], frame["value"], frame["status"], strict=True
        )
    ]
    assert got == [(c, i, _norm(v), s) for c, i, v, s in expected]


def test_indicators_export_rejects_a_map_format(client):
    r = client.get("/api/export/indicators", params={"level": "district", "format": "gpkg"})
    assert r.status_code == 400 and "csv, xlsx" in r.json()["description"]


# --- OFDS ----------------------------------------------------------------------------------------


def _route_sections(spans: list[dict]) -> dict[str, list[dict]]:
    """{duct route code: its spans in order}: a route is one span, or `<code>/1`, `<code>/2`…"""
    out: dict[str, list[dict]] = {}
    for s in spans:
        out.setdefault(s["id"].split("/")[0], []).append(s)
    return out


def test_ofds_network_matches_the_database(client, engine):
    r = client.get("/api/export/ofds")
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    assert "ofds_" in r.headers["content-disposition"]
    (network,) = r.json()["networks"]
    with engine.connect() as conn:
        count = {
            t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in ("poles", "manholes", "fibre_access_points", "duct_routes")
        }
        # route ends with no manhole of the route within 1 m get a node of their own
        bare_ends = conn.execute(
            text(
                "SELECT count(*) FROM duct_routes r, LATERAL (VALUES (ST_StartPoint(r.geom)), (ST_EndPoint(r.geom))) e(p) "
                "WHERE NOT EXISTS (SELECT 1 FROM manholes m WHERE m.duct_route_id = r.id "
                "AND ST_DWithin(m.geom::geography, e.p::geography, 1.0))"
            )
        ).scalar_one()
        # {route: (its manholes in order along it, its geometry)}
        routes = {
            code: (manholes, shapely.from_wkb(bytes(wkb)))
            for code, manholes, wkb in conn.execute(
                text(
                    "SELECT r.code, array_agg(m.code ORDER BY ST_LineLocatePoint(r.geom, m.geom)), "
                    "ST_AsBinary(r.geom) FROM duct_routes r JOIN manholes m ON m.duct_route_id = r.id "
                    "AND ST_DWithin(m.geom::geography, r.geom::geography, 1.0) GROUP BY r.id"
                )
            )
        }
    nodes, spans = network["nodes"], network["spans"]
    assert len(nodes) == count["poles"] + count["manholes"] + count["fibre_access_points"] + bare_ends
    ids = {n["id"] for n in nodes}
    assert len(ids) == len(nodes)
    for s in spans:
        assert s["start"] in ids and s["end"] in ids and s["deployment"] == ["belowGround"]
        assert s["route"]["type"] == "LineString"
        assert s["physicalInfrastructureProvider"]["id"]
    # every route is cut at its manholes: a chain of spans through all of them, along the route
    sections = _route_sections(spans)
    assert len(sections) == count["duct_routes"] and len(spans) == sum(len(v) for v in sections.values())
    for code, (manholes, line) in routes.items():
        chain = sections[code]
        stops = [chain[0]["start"]] + [s["end"] for s in chain]
        assert [stop for stop in stops if stop in manholes] == manholes, code
        assert all(a["end"] == b["start"] for a, b in pairwise(chain)), code
        joined = shapely.line_merge(shapely.MultiLineString([s["route"]["coordinates"] for s in chain]))
        assert _to([joined], "EPSG:4326")[0].hausdorff_distance(_to([line], "EPSG:4326")[0]) < 0.02, code
    orgs = {o["id"] for o in network["organisations"]}
    for item in nodes + spans:
        assert item["physicalInfrastructureProvider"]["id"] in orgs
        assert {p["id"] for p in item.get("networkProviders", [])} <= orgs


def test_ofds_export_is_valid_against_the_official_schema(client):
    from tests.ofds_schema import ofds_errors

    package = client.get("/api/export/ofds").json()
    assert package["networks"][0]["nodes"] and package["networks"][0]["spans"]
    assert ofds_errors(package) == []


def test_ofds_shared_ducts_have_two_network_providers(client, engine):
    (network,) = client.get("/api/export/ofds").json()["networks"]
    with engine.connect() as conn:
        shared = conn.execute(
            text(
                "SELECT count(*) FROM (SELECT duct_route_id FROM duct_occupancy GROUP BY 1 HAVING count(*) >= 2) x"
            )
        ).scalar_one()
    providers = {
        code: {tuple(p["id"] for p in s.get("networkProviders", [])) for s in chain}
        for code, chain in _route_sections(network["spans"]).items()
    }
    assert all(len(v) == 1 for v in providers.values())  # every section of a route: the same
    assert sum(len(next(iter(v))) >= 2 for v in providers.values()) == shared


def test_ofds_export_passes_libcoveofds_checks(client, engine):
    """What libcoveofds (CoVE, `libcoveofds pv`/`af`/`jsv`) reports on the real export."""
    from tests.ofds_schema import ofds_additional_fields, ofds_checks, ofds_errors

    package = client.get("/api/export/ofds").json()
    (network,) = package["networks"]
    names = {o["id"]: o["name"] for o in network["organisations"]}
    refs = [i["physicalInfrastructureProvider"] for i in network["nodes"] + network["spans"]]
    refs += [p for i in network["nodes"] + network["spans"] for p in i.get("networkProviders", [])]
    assert len(refs) > 20_000 and all(ref["name"] == names[ref["id"]] for ref in refs)
    assert ofds_errors(package) == [] and ofds_additional_fields(package) == {}
    checks = ofds_checks(package)
    assert {c["type"] for c in checks} <= {"node_not_used_in_any_spans"}, checks[:3]
    # Only the poles and access points are on no span: the register has no cable routes to them.
    with engine.connect() as conn:
        unlinked = conn.execute(
            text("SELECT code FROM poles UNION ALL SELECT code FROM fibre_access_points")
        ).scalars()
        assert sorted(c["node_id"] for c in checks) == sorted(unlinked)
