"""app.services.imports.importer on a scratch database: sites+cells from CSV/XLSX, all-or-nothing, dry run,
a corpus of bad files each refused with its own message, and VN-2000 round trips of real districts."""

import io
import json
import zipfile
from pathlib import Path

import geopandas as gpd
import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.services.imports import importer
from app.services.imports.importer import ImportFailed, import_file
from tests.app.importing import HEADER, LAT, LON, REAL, placed
from tests.app.importing import cell_rows as _cell_rows
from tests.app.importing import count as _count
from tests.app.importing import write_csv as _csv
from tests.conftest import bearer


def test_sites_and_cells_from_csv(db, tmp_path):
    path = _csv(tmp_path / "tram.csv", HEADER, _cell_rows(4, prefix="CSV"))
    report = import_file(db, path, "sites")
    assert report.counts == {"sites": 4, "cells": 12, "site_tenancies": 4}
    assert _count(db, "cells", "code LIKE 'CSV-%'") == 12
    with db.connect() as conn:
        x, y = conn.execute(text("SELECT ST_X(geom), ST_Y(geom) FROM sites WHERE code = 'CSV-00000'")).one()
    assert (x, y) == pytest.approx((LON, LAT))


def test_sites_and_cells_from_xlsx(db, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    for row in _cell_rows(2, prefix="XLS"):
        ws.append(row)
    wb.save(tmp_path / "tram.xlsx")
    report = import_file(db, tmp_path / "tram.xlsx", "sites")
    assert report.counts["cells"] == 6 and report.format == "XLSX"


def test_a_bad_row_writes_nothing(db, tmp_path):
    rows = _cell_rows(3, prefix="BAD")
    rows[4][5] = "NoSuchTelecom"  # row 6 of the file (header = row 1)
    with pytest.raises(ImportFailed) as err:
        import_file(db, _csv(tmp_path / "bad.csv", HEADER, rows), "sites")
    assert placed(err.value.details) == [("bad.csv", 6, "operator", "organisation.unknown")]
    assert err.value.sentences("vi") == [
        "bad.csv dòng 6: Nhà mạng: không có doanh nghiệp “NoSuchTelecom” trong danh mục"
    ]
    assert _count(db, "sites", "code LIKE 'BAD-%'") == 0


def test_a_value_out_of_range_names_the_row_and_field_and_writes_nothing(db, tmp_path):
    rows = _cell_rows(2, prefix="CHK")
    rows[3][7] = 99  # band 99 MHz: named before the database's cells_band could refuse it
    with pytest.raises(ImportFailed) as err:
        import_file(db, _csv(tmp_path / "chk.csv", HEADER, rows), "sites")
    assert err.value.problems == ["chk.csv row 5: band: 99 is out of range (allowed: 400 ≤ x ≤ 6000 MHz)"]
    assert _count(db, "sites", "code LIKE 'CHK-%'") == 0


def test_dry_run_writes_nothing(db, tmp_path):
    report = import_file(
        db, _csv(tmp_path / "dry.csv", HEADER, _cell_rows(2, prefix="DRY")), "sites", dry_run=True
    )
    assert report.dry_run and report.counts["sites"] == 2
    assert _count(db, "sites", "code LIKE 'DRY-%'") == 0


def test_reimporting_the_same_codes_is_refused(db, tmp_path):
    path = _csv(tmp_path / "twice.csv", HEADER, _cell_rows(1, prefix="TWICE"))
    import_file(db, path, "sites")
    with pytest.raises(ImportFailed) as err:
        import_file(db, path, "sites")
    assert placed(err.value.details) == [
        ("twice.csv", n, "code", "code.exists") for n in (2, 2, 3, 4)
    ]  # the site, its 3 cells


def test_poles_speed_tests_and_offices(db, tmp_path):
    poles = _csv(
        tmp_path / "cot.csv",
        ["Mã cột", "lat", "lon", "Chủ sở hữu", "Vật liệu", "Treo cáp"],
        [["IMP-P1", LAT, LON, "VNPT", "concrete", "Viettel;FPT Telecom"]],
    )
    assert import_file(db, poles, "poles").counts == {"poles": 1, "pole_attachments": 2}
    tests = _csv(
        tmp_path / "do.csv",
        ["code", "lat", "lon", "measured_at", "operator", "technology", "download_mbps", "upload_mbps"],
        [["IMP-T1", LAT, LON, "2025-05-01T10:00:00+07:00", "Viettel", "4G", 55.1, 12.0]],
    )
    assert import_file(db, tests, "speed_tests").counts == {"speed_tests": 1}
    with db.connect() as conn:
        commune = conn.execute(text("SELECT code FROM admin_units WHERE level = 'commune' LIMIT 1")).scalar()
    offices = _csv(
        tmp_path / "ubnd.csv",
        ["code", "Tên", "Mã xã", "lat", "lon"],
        [["IMP-U1", "UBND thử", commune, LAT, LON]],
    )
    assert import_file(db, offices, "commune_offices").counts == {"commune_offices": 1}


def test_ducts_from_geojson(db, tmp_path):
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": "IMP-D1", "owner": "VNPT", "so_ong": 2, "occupants": ["Viettel"]},
                "geometry": {"type": "LineString", "coordinates": [[LON, LAT], [LON + 0.01, LAT]]},
            }
        ],
    }
    (tmp_path / "ong.geojson").write_text(json.dumps(doc), encoding="utf-8")
    assert import_file(db, tmp_path / "ong.geojson", "ducts").counts == {
        "duct_routes": 1,
        "duct_occupancy": 1,
    }


def test_opencellid_sites(db, tmp_path):
    head = [
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
        "averageSignal",
    ]
    rows = [["LTE", 452, 4, 1001, 256 * 9001 + k, 0, LON + k * 1e-4, LAT, 500, 3, 1, 0, 0, 0] for k in (1, 2)]
    rows.append(["LTE", 234, 10, 1, 1, 0, -0.1, 51.5, 1, 1, 1, 0, 0, 0])
    report = import_file(db, _csv(tmp_path / "ocid.csv", head, rows), "sites")
    assert report.counts["sites"] == 1 and report.counts["cells"] == 2
    assert _count(db, "sites", "code = 'OCID-45204-E9001'") == 1
    assert report.as_dict("vi")["warnings"] == [
        "ocid.csv: bỏ qua 1 dòng của nước khác (MCC ≠ 452)",
        "giá trị mặc định được dùng khi tệp không có: antenna_height_m=30, "
        "band_mhz=2G:900 3G:2100 4G:1800 5G:3500, eirp_dbm=58, status=active, structure_type=tower",
    ]


def test_outside_the_province_is_refused_with_the_other_problems(db, tmp_path):
    rows = _cell_rows(1, cells_per_site=1, prefix="OUT") + _cell_rows(
        1, cells_per_site=1, prefix="OUT", start=1
    )
    rows[1][2], rows[1][3] = 21.03, 105.85  # row 3: Hà Nội
    rows[0][5] = "NoSuchTelecom"  # row 2
    with pytest.raises(ImportFailed) as err:
        import_file(db, _csv(tmp_path / "out.csv", HEADER, rows), "sites")
    assert placed(err.value.details) == [
        ("out.csv", 2, "operator", "organisation.unknown"),
        ("out.csv", 3, None, "geometry.outside_province"),
    ]
    assert err.value.details[1].params == {"lon": 105.85, "lat": 21.03}


def _vn2000_csv(tmp_path, swap=False):
    from pyproj import CRS, Transformer

    from gis.importers.crs import to_wgs84_transformer

    inv = to_wgs84_transformer(CRS("EPSG:5897"))
    # invert our forward transform numerically good enough: start from the TM-3 projection and correct
    tm = Transformer.from_crs("EPSG:4326", "EPSG:5897", always_xy=True)
    e, n = tm.transform(LON, LAT)
    lon2, lat2 = inv.transform(e, n)
    e, n = tm.transform(2 * LON - lon2, 2 * LAT - lat2)
    header = ["site_code", "code", "X", "Y"] + HEADER[4:]
    x, y = (n, e) if swap else (e, n)
    return _csv(tmp_path / "vn2000.csv", header, [["VN-1", "VN-1-0", x, y] + _cell_rows(1)[0][4:]])


@pytest.mark.parametrize(
    "name,make,crs,code",
    [
        ("truncated zip", lambda p: _truncated_zip(p), None, "zip.damaged"),
        ("wrong CRS", lambda p: _vn2000_csv(p), "EPSG:2154", "crs.not_in_vietnam"),
        ("no CRS for projected", lambda p: _vn2000_csv(p), None, "crs.missing"),
        (
            "bad encoding",
            lambda p: _write(p / "cp.csv", "site_code,lat,lon\nTr\xe2m,9.78,105.47\n".encode("latin-1")),
            None,
            "file.not_utf8",
        ),
        ("empty file", lambda p: _write(p / "empty.geojson", b""), None, "file.empty"),
        ("huge file", lambda p: _huge(p), None, "file.too_large"),
        (
            "geometry garbage",
            lambda p: _write(
                p / "g.geojson",
                json.dumps(
                    {
                        "type": "FeatureCollection",
                        "features": [
                            {
                                "type": "Feature",
                                "properties": {},
                                "geometry": {"type": "Point", "coordinates": ["a"]},
                            }
                        ],
                    }
                ).encode(),
            ),
            None,
            "geometry.unreadable",
        ),
        ("zip bomb", lambda p: _zip(p / "bomb.zip", {"a.shp": b"\0" * 30_000_000}), None, "zip.bomb_ratio"),
        ("path traversal", lambda p: _zip(p / "trav.zip", {"../../x.shp": b"x"}), None, "zip.unsafe_path"),
        ("absolute path", lambda p: _zip(p / "abs.zip", {"/etc/x.shp": b"x"}), None, "zip.unsafe_path"),
        (
            "XXE KML",
            lambda p: _write(
                p / "x.kml",
                b'<?xml version="1.0"?><!DOCTYPE k [<!ENTITY e SYSTEM "file:///etc/passwd">]><kml>&e;</kml>',
            ),
            None,
            "xml.entities",
        ),
        (
            "billion laughs",
            lambda p: _write(
                p / "b.kml",
                b'<?xml version="1.0"?><!DOCTYPE k [<!ENTITY a "aaaa">'
                b'<!ENTITY b "&a;&a;&a;">]><kml>&b;</kml>',
            ),
            None,
            "xml.entities",
        ),
        ("unknown format", lambda p: _write(p / "a.dwg", b"AC1018"), None, "file.unsupported_type"),
    ],
)
def test_bad_files_are_refused_with_their_own_message(db, tmp_path, name, make, crs, code):
    before = _count(db, "sites")
    with pytest.raises(ImportFailed) as err:
        import_file(db, make(tmp_path), "sites", crs=crs)
    assert [p.code for p in err.value.details] == [code], err.value.problems
    assert _count(db, "sites") == before


def test_vn2000_survey_axis_order_is_read_and_said(db, tmp_path):
    report = import_file(db, _vn2000_csv(tmp_path, swap=True), "sites", crs="EPSG:5897")
    assert placed(report.warnings) == [("vn2000.csv", None, None, "axis.survey")]
    assert report.as_dict("vi")["warnings"] == [
        "vn2000.csv: thứ tự trục: X là toạ độ Bắc (northing), Y là toạ độ Đông (easting), theo quy ước đo đạc VN-2000"
    ]
    assert report.axis_order == "X = northing, Y = easting"
    with db.connect() as conn:
        d = conn.execute(
            text(
                "SELECT ST_Distance(geom::geography, ST_MakePoint(:x, :y)::geography) "
                "FROM sites WHERE code = 'VN-1'"
            ),
            {"x": LON, "y": LAT},
        ).scalar()
    assert d < 0.5


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _zip(path: Path, members: dict) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, data in members.items():
            zf.writestr(n, data)
    return path


def _truncated_zip(p: Path) -> Path:
    good = _zip(p / "full.zip", {"a.shp": bytes(range(256)) * 100, "a.dbf": b"x" * 1000})
    return _write(p / "cut.zip", good.read_bytes()[:300])


def _huge(p: Path) -> Path:
    path = p / "huge.csv"
    with path.open("wb") as fh:
        fh.truncate(51 * 1024 * 1024)
    return path


def test_api_upload_dry_run_and_refusal(db, tmp_path, monkeypatch, tokens):
    from app.main import create_app
    from app.routers import imports

    monkeypatch.setattr(imports, "get_engine", lambda: db)
    client = TestClient(create_app(), headers=bearer(tokens["planner1"]))
    body = io.BytesIO()
    body.write(_csv(tmp_path / "api.csv", HEADER, _cell_rows(2, prefix="API")).read_bytes())
    r = client.post(
        "/api/import?target=sites&dry_run=true", files={"file": ("tram.csv", body.getvalue(), "text/csv")}
    )
    assert r.status_code == 200, r.text
    assert r.json()["counts"]["cells"] == 6 and _count(db, "sites", "code LIKE 'API-%'") == 0
    r = client.post(
        "/api/import?target=sites",
        files={
            "file": (
                "../../evil.zip",
                _zip(tmp_path / "t.zip", {"../x.shp": b"x"}).read_bytes(),
                "application/zip",
            )
        },
    )
    assert r.status_code == 422 and [d["code"] for d in r.json()["details"]] == ["zip.unsafe_path"]
    r = client.post("/api/import?target=nope", files={"file": ("a.csv", b"a,b\n", "text/csv")})
    assert r.status_code == 422
    ((detail,),) = [r.json()["details"]]
    assert (detail["code"], detail["params"]["target"]) == ("import.unknown_target", "nope")
    assert r.json()["problems"] == [detail["message"]]
    assert detail["message"].startswith("không có lớp dữ liệu “nope” (một trong: admin_units, ")


def test_cli_import(db, tmp_path, monkeypatch, capsys):
    from app import cli

    monkeypatch.setattr("app.db.get_engine", lambda: db)
    path = _csv(tmp_path / "cli.csv", HEADER, _cell_rows(1, prefix="CLI"))
    assert cli.main(["import", str(path), "--target", "sites", "--dry-run"]) == 0
    assert "would write sites 1, cells 3" in capsys.readouterr().out
    bad = _write(tmp_path / "e.csv", b"")
    assert cli.main(["import", str(bad), "--target", "sites"]) == 1
    assert capsys.readouterr().err.endswith("\n  - e.csv: tệp rỗng\n")  # Vietnamese unless --lang en
    assert cli.main(["import", str(bad), "--target", "sites", "--lang", "en"]) == 1
    assert capsys.readouterr().err.endswith("\n  - e.csv: the file is empty\n")


def test_1500_sites_5000_cells_from_csv(db, tmp_path):
    # A province's worth in one file (its time is measured by `make bench`, bench/imports.py).
    rows = _cell_rows(500, 4, prefix="PERF") + _cell_rows(1000, 3, prefix="PERF", start=500)
    report = import_file(db, _csv(tmp_path / "perf.csv", HEADER, rows), "sites")
    assert (report.counts["sites"], report.counts["cells"]) == (1500, 5000)
    assert _count(db, "cells", "code LIKE 'PERF-%'") == 5000


@pytest.mark.skipif(not (REAL / "haugiang_districts.geojson").exists(), reason="no ../shared/data/real")
def test_real_districts_through_vn2000_land_within_1_m(db, tmp_path):
    real = gpd.read_file(REAL / "haugiang_districts.geojson")
    real = real.rename(
        columns={"district_code": "ma_huyen", "district_name": "ten_huyen", "district_type": "loai"}
    )
    path = tmp_path / "huyen_vn2000.gpkg"
    # Reproject with our own pinned VN-2000 pipeline, inverted: the datum shift must round-trip.
    import shapely
    from pyproj import CRS

    from gis.importers.crs import to_wgs84_transformer

    inv = to_wgs84_transformer(CRS("EPSG:5897"))

    def to_vn2000(coords):
        x, y = inv.transform(coords[:, 0], coords[:, 1], direction="INVERSE")
        return __import__("numpy").column_stack([x, y])

    vn = real.copy()
    vn["geometry"] = shapely.transform(real.geometry.values, to_vn2000)
    vn = vn.set_crs("EPSG:5897", allow_override=True)
    vn.to_file(path, driver="GPKG")
    report = import_file(db, path, "admin_units")
    assert report.counts["district_updated"] + report.counts["district_inserted"] == len(real)
    with db.connect() as conn:
        for _, row in real.iterrows():
            d = conn.execute(
                text(
                    "SELECT ST_HausdorffDistance(ST_Transform(geom, 32648), ST_Transform(ST_GeomFromText(:w, 4326), 32648)) "
                    "FROM admin_units WHERE level = 'district' AND code = :c AND valid_to IS NULL"
                ),
                {"w": row.geometry.wkt, "c": row["ma_huyen"]},
            ).scalar()
            assert d < 1.0, (row["ma_huyen"], d)


def test_every_target_has_a_writer_and_the_cli_names_it(capsys):
    from app import cli

    assert set(importer.TARGETS) == set(importer._WRITERS) | set(importer._WHOLE_FILE_IMPORTS)
    with pytest.raises(SystemExit):
        cli.main(["import", "--help"])
    said = " ".join(capsys.readouterr().out.split())
    assert all(target in said for target in importer.TARGETS), said
