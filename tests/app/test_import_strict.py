"""Strict where it must be, through the service, the API and the CLI on a scratch database: swapped
axes and invalid polygons refused unless asked for (swap_axes, repair), values out of range named
per row and field in the reader's language, every problem at once, nothing written on refusal."""

import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.services.imports.importer import ImportFailed, import_file
from gis.importers.ranges import RANGES
from tests.app.importing import HEADER, ROOT, cell_rows, count, placed, write_csv

COMMUNE = "93404"  # Xã Tân Bình (Phụng Hiệp)


@pytest.fixture(scope="module")
def client(db, tokens):
    from app.main import create_app
    from app.routers import imports
    from tests.conftest import bearer

    original = imports.get_engine
    imports.get_engine = lambda: db
    yield TestClient(create_app(), headers=bearer(tokens["planner1"]))
    imports.get_engine = original


def _swapped(rows: list[list]) -> list[list]:
    """Latitude in the longitude column and back (HEADER: Vĩ độ, Kinh độ at 2 and 3)."""
    return [r[:2] + [r[3], r[2]] + r[4:] for r in rows]


def _sites(db, prefix: str) -> int:
    return count(db, "sites", f"code LIKE '{prefix}-%'")


# ---------------------------------------------------------------- swapped axes
def test_a_swap_and_a_missing_technology_are_reported_together(db, tmp_path):
    rows = _swapped(cell_rows(2, cells_per_site=1, prefix="SWP"))
    rows[1][6] = ""  # no technology on row 3
    path = write_csv(tmp_path / "dao.csv", HEADER, rows)
    before = count(db, "cells")
    with pytest.raises(ImportFailed) as err:
        import_file(db, path, "sites")
    assert placed(err.value.details) == [
        ("dao.csv", None, None, "coords.swapped"),
        ("dao.csv", 3, "technology", "value.required_one_of"),
    ]
    assert err.value.problems == [
        "dao.csv: Kinh độ and Vĩ độ are the wrong way round: these coordinates fall in Vietnam only when "
        "exchanged; to read them so, import again with --swap-axes (API: swap_axes=true)",
        "dao.csv row 3: Technology: a value is required (one of: 2G, 3G, 4G, 5G)",
    ]
    assert count(db, "cells") == before and _sites(db, "SWP") == 0


def test_swap_axes_reads_them_exchanged_and_says_so(db, tmp_path):
    path = write_csv(tmp_path / "dao.csv", HEADER, _swapped(cell_rows(2, cells_per_site=1, prefix="SWA")))
    report = import_file(db, path, "sites", swap_axes=True)
    assert report.counts["sites"] == 2
    assert report.as_dict("vi")["warning_details"][1:] == [  # after crs.assumed_wgs84
        {
            "code": "axis.asked",
            "field": None,
            "row": None,
            "source": "dao.csv",
            "label": "row",
            "params": {"first": "Kinh độ", "second": "Vĩ độ"},
            "message": "dao.csv: thứ tự trục: Kinh độ và Vĩ độ được đọc đổi chỗ cho nhau, theo yêu cầu (swap_axes)",
        }
    ]
    with db.connect() as conn:
        lon, lat = conn.execute(
            text("SELECT ST_X(geom), ST_Y(geom) FROM sites WHERE code = 'SWA-00000'")
        ).one()
    assert (round(lon, 6), round(lat, 6)) == (105.47, 9.784)


def test_swapped_axes_through_the_api_refused_then_written(db, tmp_path, client):
    rows = _swapped(cell_rows(1, cells_per_site=1, prefix="SWI"))
    data = write_csv(tmp_path / "dao.csv", HEADER, rows).read_bytes()
    files = {"file": ("dao.csv", data, "text/csv")}
    r = client.post("/api/import?target=sites", files=files, headers={"Accept-Language": "vi"})
    assert r.status_code == 422
    body = r.json()
    assert body["problems"] == [
        "dao.csv: Kinh độ và Vĩ độ bị đổi chỗ cho nhau: toạ độ chỉ nằm trong lãnh thổ Việt Nam khi đảo lại; "
        "nếu đúng vậy, hãy nhập lại với tuỳ chọn --swap-axes (API: swap_axes=true)"
    ]
    assert [(d["code"], d["row"], d["source"], d["params"]) for d in body["details"]] == [
        ("coords.swapped", None, "dao.csv", {"first": "Kinh độ", "second": "Vĩ độ"})
    ]
    assert body["details"][0]["message"] == body["problems"][0]
    assert _sites(db, "SWI") == 0
    r = client.post("/api/import?target=sites&swap_axes=true", files=files)
    assert r.status_code == 200, r.text
    assert _sites(db, "SWI") == 1


# ---------------------------------------------------------------- invalid polygons
def _bowtie_hamlet(db, tmp_path):
    with db.connect() as conn:
        x, y = conn.execute(
            text(
                "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p FROM admin_units "
                "WHERE level = 'commune' AND code = :c AND valid_to IS NULL) s"
            ),
            {"c": COMMUNE},
        ).one()
    d = 0.001
    ring = [[x - d, y - d], [x + d, y + d], [x + d, y - d], [x - d, y + d], [x - d, y - d]]
    feature = {
        "type": "Feature",
        "properties": {"Mã ấp": f"{COMMUNE}97", "Tên ấp": "Ấp Nơ", "Loại": "Ấp", "Mã xã": COMMUNE},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }
    path = tmp_path / "ap_no.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), encoding="utf-8")
    return path, (round(x, 6), round(y, 6))


def test_a_bowtie_is_refused_unless_repair_then_written_with_the_change(db, tmp_path, monkeypatch, capsys):
    from app import cli

    path, (x, y) = _bowtie_hamlet(db, tmp_path)
    before = count(db, "admin_units")
    with pytest.raises(ImportFailed) as err:
        import_file(db, path, "admin_units")
    (problem,) = err.value.details
    assert (problem.code, problem.row, problem.label) == ("geometry.invalid", 1, "feature")
    assert (problem.params["reason"], problem.params["lon"], problem.params["lat"]) == (
        "Self-intersection",
        x,
        y,
    )
    assert count(db, "admin_units") == before

    monkeypatch.setattr("app.db.get_engine", lambda: db)
    assert cli.main(["import", str(path), "--target", "admin_units"]) == 1
    said = capsys.readouterr().err
    assert (
        f"ap_no.geojson đối tượng 1: Polygon không hợp lệ (Self-intersection tại {x}, {y}); hãy sửa lại"
        in said
    )
    assert count(db, "admin_units") == before

    assert cli.main(["import", str(path), "--target", "admin_units", "--repair"]) == 0
    out = capsys.readouterr().out
    assert re.search(
        r"ap_no\.geojson đối tượng 1: đa giác không hợp lệ đã được sửa \(Self-intersection tại [\d.]+, [\d.]+\): "
        r"diện tích \d+ m² như đã vẽ, \d+ m² sau khi sửa",
        out,
    ), out
    assert count(db, "admin_units") == before + 1


# ---------------------------------------------------------------- ranges
def _out_of_range(tmp_path):
    rows = cell_rows(3, cells_per_site=1, prefix="RNG")
    rows[0][8] = 720  # Hướng (azimuth), row 2
    rows[1][9] = 1e308  # Độ cao anten, row 3
    rows[2][7] = 0  # Băng tần, row 4
    rows[2][4] = "Không Có"  # and an unknown owner on row 4: reported too
    return write_csv(tmp_path / "tram.csv", HEADER, rows)


def test_values_out_of_range_named_per_row_and_field_in_vietnamese_and_english(db, tmp_path, client):
    path = _out_of_range(tmp_path)
    files = {"file": ("tram.csv", path.read_bytes(), "text/csv")}
    vi = client.post("/api/import?target=sites", files=files, headers={"Accept-Language": "vi"}).json()
    assert vi["problems"] == [
        "tram.csv dòng 2: Góc phương vị: giá trị 720 nằm ngoài khoảng cho phép (0 ≤ x < 360°)",
        "tram.csv dòng 3: Độ cao anten: giá trị 1e+308 nằm ngoài khoảng cho phép (0 < x ≤ 200 m)",
        "tram.csv dòng 4: Băng tần: giá trị 0 nằm ngoài khoảng cho phép (400 ≤ x ≤ 6000 MHz)",
        "tram.csv dòng 4: Chủ sở hữu: không có doanh nghiệp “Không Có” trong danh mục",
    ]
    assert [
        (d["row"], d["field"], d["params"].get("value", d["params"].get("name"))) for d in vi["details"]
    ] == [
        (2, "azimuth_deg", 720),
        (3, "antenna_height_m", 1e308),
        (4, "band_mhz", 0),
        (4, "owner", "Không Có"),
    ]
    en = client.post("/api/import?target=sites", files=files, headers={"Accept-Language": "en"}).json()
    assert en["problems"][:3] == [
        "tram.csv row 2: azimuth: 720 is out of range (allowed: 0 ≤ x < 360°)",
        "tram.csv row 3: antenna height: 1e+308 is out of range (allowed: 0 < x ≤ 200 m)",
        "tram.csv row 4: band: 0 is out of range (allowed: 400 ≤ x ≤ 6000 MHz)",
    ]
    assert "constraint" not in json.dumps(vi) + json.dumps(en)
    assert _sites(db, "RNG") == 0


def test_the_cli_names_them_in_vietnamese_or_english_and_fails(db, tmp_path, monkeypatch, capsys):
    from app import cli

    path = _out_of_range(tmp_path)
    monkeypatch.setattr("app.db.get_engine", lambda: db)
    assert cli.main(["import", str(path), "--target", "sites"]) == 1
    assert (
        "  - tram.csv dòng 2: Góc phương vị: giá trị 720 nằm ngoài khoảng cho phép" in capsys.readouterr().err
    )
    assert cli.main(["import", str(path), "--target", "sites", "--lang", "en", "--dry-run"]) == 1
    assert (
        "  - tram.csv row 4: band: 0 is out of range (allowed: 400 ≤ x ≤ 6000 MHz)" in capsys.readouterr().err
    )
    assert _sites(db, "RNG") == 0


def test_a_row_without_geometry_does_not_hide_another_rows_value(db, tmp_path):
    point = {"type": "Point", "coordinates": [105.47, 9.784]}
    features = [
        {
            "type": "Feature",
            "properties": {"Mã cột": "GEO-1", "Chủ sở hữu": "VNPT"},
            "geometry": {"type": "Point", "coordinates": []},
        },
        {
            "type": "Feature",
            "properties": {"Mã cột": "GEO-2", "Chủ sở hữu": "VNPT", "Độ cao": 99},
            "geometry": point,
        },
    ]
    path = tmp_path / "cot.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    with pytest.raises(ImportFailed) as err:
        import_file(db, path, "poles")
    assert err.value.problems == [
        "cot.geojson feature 1: empty geometry",
        "cot.geojson feature 2: height: 99 is out of range (allowed: 0 < x ≤ 40 m)",
    ]
    assert placed(err.value.details) == [
        ("cot.geojson", 1, None, "geometry.empty"),
        ("cot.geojson", 2, "height_m", "value.out_of_range"),
    ]
    assert count(db, "poles", "code LIKE 'GEO-%'") == 0


def test_non_finite_numbers_are_not_numbers_never_a_crash(db, tmp_path):
    rows = cell_rows(2, cells_per_site=1, prefix="NAN")
    rows[0][7], rows[1][9] = "nan", "inf"  # Băng tần on row 2, Độ cao anten on row 3
    with pytest.raises(ImportFailed) as err:
        import_file(db, write_csv(tmp_path / "nan.csv", HEADER, rows), "sites")
    assert err.value.sentences("vi") == [
        "nan.csv dòng 2: Băng tần: “nan” không phải là số",
        "nan.csv dòng 3: Độ cao anten: “inf” không phải là số",
    ]
    assert _sites(db, "NAN") == 0


def test_both_catalogues_have_the_same_codes_and_placeholders():
    locales = ROOT / "frontend" / "src" / "locales"
    for vi_path in sorted((locales / "problems").glob("*.vi.json")):
        vi = json.loads(vi_path.read_text(encoding="utf-8"))
        en = json.loads(vi_path.with_name(vi_path.name.replace(".vi.", ".en.")).read_text(encoding="utf-8"))
        assert set(vi) == set(en), vi_path.name
        for code, template in vi.items():
            assert sorted(re.findall(r"\{(\w+)(?::\w+)?\}", template)) == sorted(
                re.findall(r"\{(\w+)(?::\w+)?\}", en[code])
            ), code
    ranged = {f for fields in RANGES.values() for f in fields}
    for lang in ("vi", "en"):
        labels = json.loads((locales / f"fields.{lang}.json").read_text(encoding="utf-8"))
        assert ranged <= set(labels), lang  # every field a range names has its label


# The column each range checks, in the table the target writes (sites: the cell columns in cells).
_TABLES = {
    "sites": ("sites", "cells"),
    "poles": ("poles",),
    "ducts": ("duct_routes",),
    "fibre_access_points": ("fibre_access_points",),
    "commune_offices": ("commune_offices",),
    "speed_tests": ("speed_tests",),
    "tall_structures": ("tall_structures",),
    "admin_units": ("admin_units",),
    "cells": ("cells",),
    "districts": ("admin_units",),
    "communes": ("admin_units",),
    "hamlets": ("admin_units",),
}
_BOUND = re.compile(r"\b(\w+) (>=|>|<=|<) \(?'?(-?[\d.]+)")


def test_the_databases_check_constraints_have_the_bounds_of_the_ranges(db):
    """Every bound a CHECK constraint puts on a ranged column is the range's (no looser, no tighter)."""
    with db.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT t.relname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
                "JOIN pg_class t ON t.oid = c.conrelid WHERE c.contype = 'c'"
            )
        ).all()
    bounds: dict[tuple[str, str], set] = {}
    for table, definition in rows:
        for column, op, number in _BOUND.findall(definition):
            bounds.setdefault((table, column), set()).add((op, float(number)))
    checked = 0
    for target, ranges in RANGES.items():
        for field, allowed in ranges.items():
            for table in _TABLES[target]:
                for op, number in bounds.get((table, field), ()):
                    checked += 1
                    if op in (">", ">="):
                        assert (number, op == ">") == (allowed.min, allowed.min_open), (table, field)
                    else:
                        assert (number, op == "<") == (allowed.max, allowed.max_open), (table, field)
    assert checked >= 20
