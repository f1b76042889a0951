"""Import options on a scratch database: the text encoding (Windows-1258 CSV and .dbf, wrong ones
refused), the layer of a multi-layer GeoPackage or KML, and upsert versus the default refusal —
through the service, the API and the CLI."""

import json
import zipfile

import geopandas as gpd
import pytest
from fastapi.testclient import TestClient
from shapely.geometry import LineString, Point
from sqlalchemy import text

from app.services.imports.importer import ImportFailed, import_file
from tests.app.importing import HEADER, LAT, LON, cell_rows, count, placed, to_cp1258, write_csv

OFFICES = ["Mã", "Tên", "Mã xã", "Vĩ độ", "Kinh độ", "Ghi chú"]
NAME = "UBND xã Tân Phước Hưng — Ấp Lộc Ninh"  # every kind of Vietnamese mark


@pytest.fixture(scope="module")
def commune(db) -> str:
    with db.connect() as conn:
        return conn.execute(
            text("SELECT code FROM admin_units WHERE level = 'commune' ORDER BY code LIMIT 1")
        ).scalar()


@pytest.fixture(scope="module")
def client(db, tokens):
    """The upload API writing into this module's database, as a planner (accounts live in the test database)."""
    from app.main import create_app
    from app.routers import imports
    from tests.conftest import bearer

    original = imports.get_engine
    imports.get_engine = lambda: db
    yield TestClient(create_app(), headers=bearer(tokens["planner1"]))
    imports.get_engine = original


def _cp1258_csv(path, commune: str, code: str):
    lines = [",".join(OFFICES), f"{code},{NAME},{commune},{LAT},{LON},Đã kết nối"]
    path.write_bytes(to_cp1258("\r\n".join(lines) + "\r\n"))
    return path


def _office_name(db, code: str):
    with db.connect() as conn:
        return conn.execute(text("SELECT name FROM commune_offices WHERE code = :c"), {"c": code}).scalar()


# ---------------------------------------------------------------- encoding
def test_windows_1258_csv_needs_its_encoding(db, tmp_path, commune):
    path = _cp1258_csv(tmp_path / "ubnd.csv", commune, "ENC-1")
    with pytest.raises(ImportFailed) as err:
        import_file(db, path, "commune_offices")
    assert err.value.sentences("vi") == [
        "ubnd.csv: dòng 1 không phải UTF-8 (byte 0xde): lưu tệp dạng “CSV UTF-8” hoặc chọn bảng mã "
        "Windows-1258; không tự đoán Windows-1258 hay TCVN3"
    ]
    report = import_file(db, path, "commune_offices", encoding="windows-1258")
    assert report.counts == {"commune_offices": 1}
    unknown = [w for w in report.warnings if w.code == "columns.unrecognised"]
    assert [w.params for w in unknown] == [{"columns": ["Ghi chú"]}]  # the header was decoded too
    assert _office_name(db, "ENC-1") == NAME  # composed Unicode, as typed


@pytest.mark.parametrize(
    "name,data,encoding,message",
    [
        (
            "UTF-8 said to be 1258",
            lambda c: f"Mã,Tên,Mã xã,lat,lon\nE2,{NAME},{c},{LAT},{LON}\n".encode(),
            "1258",
            "u.csv: encoding Windows-1258 was given but the text is UTF-8 (line 1); import it without an encoding",
        ),
        (
            "bytes Windows-1258 has no letter for",
            lambda c: (
                b"code,name,commune_code,lat,lon\nE3,Tr\x8dm," + c.encode() + f",{LAT},{LON}\n".encode()
            ),
            "1258",
            "u.csv: line 2 is not Windows-1258 (byte 0x8d has no meaning in it)",
        ),
        (
            "TCVN3 named",
            lambda c: b"code,lat,lon\nE4,9.78,105.47\n",
            "TCVN3",
            "u.csv: unsupported text encoding 'TCVN3': use UTF-8 or Windows-1258 (1258) (TCVN3/ABC text must be "
            "converted to Unicode first",
        ),
        (
            "an unknown name",
            lambda c: b"code,lat,lon\nE5,9.78,105.47\n",
            "klingon",
            "u.csv: unsupported text encoding 'klingon'",
        ),
    ],
)
def test_a_wrong_encoding_is_a_clear_refusal(db, tmp_path, commune, name, data, encoding, message):
    path = tmp_path / "u.csv"
    path.write_bytes(data(commune))
    before = count(db, "commune_offices")
    with pytest.raises(ImportFailed) as err:
        import_file(db, path, "commune_offices", encoding=encoding)
    assert any(p.startswith(message) for p in err.value.problems), err.value.problems
    assert count(db, "commune_offices") == before


def test_an_encoding_for_a_utf8_only_format_is_refused(db, tmp_path):
    path = tmp_path / "a.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": []}), encoding="utf-8")
    with pytest.raises(ImportFailed, match="GeoJSON text is always UTF-8; the encoding option"):
        import_file(db, path, "poles", encoding="1258")


def test_an_old_dbf_without_cpg_with_the_encoding_given(db, tmp_path):
    folder = tmp_path / "shp"
    folder.mkdir()
    gdf = gpd.GeoDataFrame(
        {"ma_cot": ["ENC-P1"], "chu_so_huu": ["VNPT"], "ghi_chu": ["Cột gần chợ Lộc Ninh"]},
        geometry=[Point(LON, LAT)],
        crs="EPSG:4326",
    )
    gdf.to_file(folder / "cot.shp", encoding="UTF-8")
    dbf = (folder / "cot.dbf").read_bytes()
    utf8, cp = "Cột gần chợ Lộc Ninh".encode(), to_cp1258("Cột gần chợ Lộc Ninh")
    path = tmp_path / "cot.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for f in folder.iterdir():
            if f.suffix == ".dbf":
                zf.writestr(f.name, dbf.replace(utf8, cp.ljust(len(utf8))))
            elif f.suffix != ".cpg":  # old files have no .cpg
                zf.write(f, f.name)
    with pytest.raises(ImportFailed) as err:
        import_file(db, path, "poles")
    assert [p.code for p in err.value.details] == ["encoding.layer_text"]
    report = import_file(db, path, "poles", encoding="1258", dry_run=True)
    assert report.counts == {"poles": 1, "pole_attachments": 0}
    assert [(w.source, w.code, dict(w.params)) for w in report.warnings] == [
        ("cot.zip/cot.shp", "encoding.converted_given", {"encoding": "Windows-1258"}),
        ("cot.zip/cot.shp", "columns.unrecognised", {"columns": ["ghi_chu"]}),
    ]


def test_encoding_through_the_api_and_the_cli(db, tmp_path, commune, client, monkeypatch, capsys):
    from app import cli

    body = _cp1258_csv(tmp_path / "ubnd.csv", commune, "ENC-API").read_bytes()
    r = client.post("/api/import?target=commune_offices", files={"file": ("ubnd.csv", body, "text/csv")})
    assert r.status_code == 422 and r.json()["details"][0]["code"] == "file.not_utf8"
    assert r.json()["details"][0]["params"] == {"line": 1, "byte": "0xde"}
    r = client.post(
        "/api/import?target=commune_offices&encoding=1258", files={"file": ("ubnd.csv", body, "text/csv")}
    )
    assert r.status_code == 200, r.text
    assert _office_name(db, "ENC-API") == NAME

    monkeypatch.setattr("app.db.get_engine", lambda: db)
    path = _cp1258_csv(tmp_path / "ubnd2.csv", commune, "ENC-CLI")
    assert cli.main(["import", str(path), "--target", "commune_offices", "--encoding", "1258"]) == 0
    assert "wrote commune_offices 1" in capsys.readouterr().out
    assert _office_name(db, "ENC-CLI") == NAME


# ---------------------------------------------------------------- layers
def test_choosing_a_layer_of_a_geopackage(db, tmp_path):
    path = tmp_path / "ha_tang.gpkg"
    lines = gpd.GeoDataFrame(
        {"code": ["LAY-D1"], "owner": ["VNPT"]},
        geometry=[LineString([(LON, LAT), (LON + 0.01, LAT)])],
        crs="EPSG:4326",
    )
    points = gpd.GeoDataFrame(
        {"Mã cột": ["LAY-P1", "LAY-P2"], "Chủ sở hữu": ["VNPT", "PC Hậu Giang"]},
        geometry=[Point(LON, LAT), Point(LON + 0.001, LAT)],
        crs="EPSG:4326",
    )
    lines.to_file(path, layer="tuyen_cong", driver="GPKG")
    points.to_crs("EPSG:5897").to_file(path, layer="cot_treo_cap", driver="GPKG")

    # Without a layer the first one is read, and said; its lines are no poles.
    with pytest.raises(ImportFailed) as err:
        import_file(db, path, "poles")
    assert placed(err.value.details) == [("ha_tang.gpkg", 1, None, "geometry.wrong_type")]
    assert err.value.sentences("vi") == [
        "ha_tang.gpkg đối tượng 1: cần hình học kiểu Point, tệp có LineString"
    ]
    with pytest.raises(ImportFailed) as err:
        import_file(db, path, "poles", layer="cot")
    assert err.value.problems == ["ha_tang.gpkg: no layer 'cot' (layers: tuyen_cong, cot_treo_cap)"]
    assert err.value.details[0].params == {"layer": "cot", "layers": ["tuyen_cong", "cot_treo_cap"]}

    report = import_file(db, path, "poles", layer="cot_treo_cap")
    assert report.counts == {"poles": 2, "pole_attachments": 0} and report.crs == "EPSG:5897"
    with db.connect() as conn:
        d = conn.execute(
            text(
                "SELECT ST_Distance(geom::geography, ST_MakePoint(:x, :y)::geography) FROM poles "
                "WHERE code = 'LAY-P1'"
            ),
            {"x": LON, "y": LAT},
        ).scalar()
    # geopandas wrote through PROJ's default VN-2000 shift; the import uses the official 7 parameters
    assert d < 1.5
    assert import_file(db, path, "ducts", layer="tuyen_cong", dry_run=True).counts["duct_routes"] == 1


def test_choosing_a_folder_of_a_kml(db, tmp_path):
    def placemark(code, lon, extra=""):
        return (
            f'<Placemark><name>{code}</name><ExtendedData><Data name="Mã cột"><value>{code}</value></Data>'
            f'<Data name="Chủ sở hữu"><value>VNPT</value></Data>{extra}</ExtendedData>'
            f"<Point><coordinates>{lon},{LAT},0</coordinates></Point></Placemark>"
        )

    kml = (
        '<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
        f"<Folder><name>Trạm BTS</name><Placemark><name>T</name><Point><coordinates>{LON},{LAT},0</coordinates>"
        "</Point></Placemark></Folder>"
        f"<Folder><name>Cột treo cáp</name>{placemark('KML-P1', LON)}{placemark('KML-P2', LON + 0.001)}</Folder>"
        "</Document></kml>"
    )
    path = tmp_path / "google_earth.kml"
    path.write_text(kml, encoding="utf-8")
    with pytest.raises(ImportFailed) as err:  # every folder at once: the BTS placemark has no code
        import_file(db, path, "poles")
    assert ("google_earth.kml", 1, "code", "value.required") in placed(err.value.details)
    report = import_file(db, path, "poles", layer="Cột treo cáp")
    assert report.counts == {"poles": 2, "pole_attachments": 0}
    assert "columns.unrecognised" not in [w.code for w in report.warnings]  # "Mã cột" survives GDAL's KML
    assert count(db, "poles", "code IN ('KML-P1', 'KML-P2')") == 2


# ---------------------------------------------------------------- upsert
POLE_HEADER = ["Mã cột", "lat", "lon", "Chủ sở hữu", "Vật liệu", "Độ cao", "Treo cáp"]


def _pole(db, code):
    with db.connect() as conn:
        return conn.execute(
            text(
                "SELECT p.id, p.height_m, p.material::text, o.short_name AS owner, ST_X(p.geom) AS lon, "
                "(SELECT string_agg(op.short_name, ',' ORDER BY op.short_name) FROM pole_attachments a "
                " JOIN operators op ON op.id = a.operator_id WHERE a.pole_id = p.id) AS attached "
                "FROM poles p JOIN operators o ON o.id = p.owner_id WHERE p.code = :c"
            ),
            {"c": code},
        ).one()


def test_reimporting_poles_is_refused_unless_upsert(db, tmp_path, client):
    first = write_csv(
        tmp_path / "cot.csv",
        POLE_HEADER,
        [
            ["UPS-P1", LAT, LON, "VNPT", "concrete", 8.5, "Viettel;FPT Telecom"],
            ["UPS-P2", LAT, LON + 0.001, "VNPT", "steel", 10, ""],
        ],
    )
    assert import_file(db, first, "poles").counts == {"poles": 2, "pole_attachments": 2}
    p1 = _pole(db, "UPS-P1")

    # Fewer columns: a height survey. New height and position; material and cables stay as stored.
    survey = write_csv(
        tmp_path / "do_cao.csv",
        ["Mã cột", "lat", "lon", "Chủ sở hữu", "Độ cao"],
        [["UPS-P1", LAT, LON + 0.0002, "VNPT", 9.0], ["UPS-P3", LAT, LON + 0.002, "PC Hậu Giang", 7.5]],
    )
    with pytest.raises(ImportFailed) as err:
        import_file(db, survey, "poles")
    assert placed(err.value.details) == [("do_cao.csv", 2, "code", "code.exists")]
    assert err.value.details[0].params == {"code": "UPS-P1"}
    assert _pole(db, "UPS-P1") == p1 and count(db, "poles", "code = 'UPS-P3'") == 0

    report = import_file(db, survey, "poles", mode="upsert")
    assert report.mode == "upsert"
    assert report.counts == {"poles_inserted": 1, "poles_updated": 1, "pole_attachments": 0}
    after = _pole(db, "UPS-P1")
    assert (after.id, after.height_m, after.material, after.attached) == (
        p1.id,
        9.0,
        "concrete",
        "FPT Telecom,Viettel",
    )
    assert after.lon == pytest.approx(LON + 0.0002)
    assert _pole(db, "UPS-P3").owner == "PC Hậu Giang"

    # With the cables column, the file says who is on the pole: the stored list is replaced.
    cables = write_csv(
        tmp_path / "treo_cap.csv",
        ["Mã cột", "lat", "lon", "Chủ sở hữu", "Treo cáp"],
        [["UPS-P1", LAT, LON, "VNPT", "MobiFone"]],
    )
    r = client.post(
        "/api/import?target=poles&mode=upsert",
        files={"file": ("treo_cap.csv", cables.read_bytes(), "text/csv")},
    )
    assert r.status_code == 200, r.text
    assert r.json()["counts"] == {"poles_inserted": 0, "poles_updated": 1, "pole_attachments": 1}
    assert _pole(db, "UPS-P1").attached == "MobiFone"
    assert client.post(
        "/api/import?target=poles&mode=replace", files={"file": ("c.csv", cables.read_bytes(), "text/csv")}
    ).json()["problems"] == ["không có chế độ “replace” (một trong: insert, upsert)"]


def test_an_upsert_with_a_bad_row_changes_nothing(db, tmp_path):
    write_csv(tmp_path / "a.csv", POLE_HEADER, [["UPS-B1", LAT, LON, "VNPT", "concrete", 8, ""]])
    import_file(db, tmp_path / "a.csv", "poles")
    bad = write_csv(
        tmp_path / "b.csv",
        POLE_HEADER,
        [["UPS-B1", LAT, LON, "VNPT", "concrete", 12, ""], ["UPS-B2", LAT, LON, "VNPT", "concrete", 99, ""]],
    )  # 99 m: out of a pole's range
    with pytest.raises(ImportFailed) as err:
        import_file(db, bad, "poles", mode="upsert")
    assert err.value.problems == ["b.csv row 3: height: 99 is out of range (allowed: 0 < x ≤ 40 m)"]
    assert _pole(db, "UPS-B1").height_m == 8 and count(db, "poles", "code = 'UPS-B2'") == 0


def test_upserting_sites_updates_cells_and_adds_new_ones(db, tmp_path, monkeypatch, capsys):
    from app import cli

    rows = cell_rows(2, cells_per_site=2, prefix="UPS")
    first = write_csv(tmp_path / "tram.csv", HEADER, rows)
    assert import_file(db, first, "sites").counts == {"sites": 2, "cells": 4, "site_tenancies": 2}
    with db.connect() as conn:
        site_id = conn.execute(text("SELECT id FROM sites WHERE code = 'UPS-00000'")).scalar()
    changed = [r[:] for r in rows[:2]]
    for r in changed:
        r[9], r[12] = 40, "decommissioned"  # antenna 40 m; the site decommissioned
    changed.append(
        [
            "UPS-00000",
            "UPS-00000-9",
            LAT,
            LON,
            "Viettel",
            "MobiFone",
            "4G",
            2100,
            300,
            35,
            60,
            "tower",
            "decommissioned",
        ]
    )  # a MobiFone cell added on the Viettel site
    path = write_csv(tmp_path / "tram2.csv", HEADER, changed)
    monkeypatch.setattr("app.db.get_engine", lambda: db)
    assert cli.main(["import", str(path), "--target", "sites"]) == 1
    assert "tram2.csv dòng 3: Mã: “UPS-00000-1” đã có trong cơ sở dữ liệu" in capsys.readouterr().err
    assert cli.main(["import", str(path), "--target", "sites", "--upsert"]) == 0
    out = capsys.readouterr().out
    assert (
        "wrote sites_inserted 0, sites_updated 1, cells_inserted 1, cells_updated 2, site_tenancies 1"
        in out  # MobiFone joins
    )
    with db.connect() as conn:
        status, cells, heights, tenants = conn.execute(
            text(
                "SELECT s.status::text, count(c.id), array_agg(DISTINCT c.antenna_height_m ORDER BY c.antenna_height_m), "
                "(SELECT count(*) FROM site_tenancies t WHERE t.site_id = s.id) "
                "FROM sites s JOIN cells c ON c.site_id = s.id WHERE s.code = 'UPS-00000' GROUP BY s.id"
            )
        ).one()
        other = conn.execute(text("SELECT status::text FROM sites WHERE code = 'UPS-00001'")).scalar()
        same_id = conn.execute(text("SELECT id FROM sites WHERE code = 'UPS-00000'")).scalar() == site_id
    assert (status, cells, heights, tenants, other, same_id) == (
        "decommissioned",
        3,
        [35, 40],
        2,
        "active",
        True,
    )
