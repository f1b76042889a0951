"""Strict where it must be: axis order, invalid polygons and value ranges, on tiny exact files."""

import json

import pytest
from pyproj import Geod
from shapely.geometry import Point, Polygon

from gis.importers import ImportedFeature, ImportedTable, ImportRefused, read_table
from gis.importers.crs import transform
from gis.importers.ranges import RANGES, check
from gis.problems import Problem

LON, LAT = 105.47, 9.784  # Vị Thanh
GEOD = Geod(ellps="WGS84")


def _metres(p: Point, lon: float, lat: float) -> float:
    return GEOD.inv(p.x, p.y, lon, lat)[2]


def _vn2000(lon: float, lat: float) -> tuple[float, float]:
    """(easting, northing) in VN-2000 / TM-3 105° (EPSG:5897), the official 7 parameters."""
    p = transform([Point(lon, lat)], "EPSG:4326", "EPSG:5897")[0]
    return p.x, p.y


def _geojson(path, geometry, properties=None):
    feature = {"type": "Feature", "properties": properties or {"code": "A"}, "geometry": geometry}
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), encoding="utf-8")
    return path


# ---------------------------------------------------------------- axis order
@pytest.mark.parametrize("x, y", [("X (m)", "Y (m)"), ("X", "Y"), ("Toạ độ X", "Toạ độ Y")])
def test_survey_x_northing_is_a_good_file_read_as_such(tmp_path, x, y):
    e, n = _vn2000(LON, LAT)
    path = tmp_path / "khao_sat.csv"
    path.write_text(f"code,{x},{y}\nA,{n:.4f},{e:.4f}\n", encoding="utf-8")
    table = read_table(path, crs="EPSG:5897")
    assert _metres(table.features[0].geometry, LON, LAT) < 0.001
    assert table.warnings == [Problem("axis.survey", params={"x": x, "y": y}, source="khao_sat.csv")]
    assert table.problems == []
    assert table.axis_order == f"{x} = northing, {y} = easting"


def test_easting_northing_named_columns_the_wrong_way_round_are_refused(tmp_path):
    e, n = _vn2000(LON, LAT)
    path = tmp_path / "en.csv"
    path.write_text(f"code,Easting,Northing\nA,{n:.4f},{e:.4f}\n", encoding="utf-8")
    with pytest.raises(ImportRefused) as err:
        read_table(path, crs="EPSG:5897")
    params = {"first": "Easting", "second": "Northing"}
    assert err.value.problems == [Problem("coords.swapped", params=params, source="en.csv")]


def test_lat_lon_swapped_in_every_row_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "dao.csv"
    path.write_text(f"code,Vĩ độ,Kinh độ\nA,{LON},{LAT}\nB,{LON + 0.01},{LAT}\n", encoding="utf-8")
    with pytest.raises(ImportRefused) as err:
        read_table(path)
    params = {"first": "Kinh độ", "second": "Vĩ độ"}
    assert err.value.problems == [Problem("coords.swapped", params=params, source="dao.csv")]

    table = read_table(path, swap_axes=True)
    assert _metres(table.features[0].geometry, LON, LAT) == 0
    params = {"first": "Kinh độ", "second": "Vĩ độ"}
    assert Problem("axis.asked", params=params, source="dao.csv") in table.warnings
    assert table.axis_order == "Kinh độ ↔ Vĩ độ (swap_axes)"


def test_one_swapped_row_is_named_and_collected_with_the_rest(tmp_path):
    path = tmp_path / "mot.csv"
    path.write_text(f"code,lat,lon\nA,{LAT},{LON}\nB,{LON},{LAT}\nC,{LAT},{LON}\n", encoding="utf-8")
    table = read_table(path, collect=True)  # the caller checks the other columns too
    assert table.problems == [
        Problem("coords.swapped", None, 3, {"first": "lon", "second": "lat"}, "mot.csv")
    ]
    assert [round(f.geometry.x, 6) for f in table.features] == [LON, LON, LON]  # read where it belongs


def test_a_row_in_vietnam_in_neither_order_is_named_with_the_rest(tmp_path):
    path = tmp_path / "xa.csv"
    path.write_text(f"code,lat,lon\nA,{LAT},{LON}\nB,48.85,2.35\nC,{LON},{LAT}\n", encoding="utf-8")
    table = read_table(path, collect=True)
    assert table.problems == [
        Problem("coords.nowhere", None, 3, {"crs": "WGS 84", "x": 2.35, "y": 48.85}, "xa.csv"),
        Problem("coords.swapped", None, 4, {"first": "lon", "second": "lat"}, "xa.csv"),
    ]
    assert [f.number for f in table.features] == [2, 4]


def test_a_gis_layer_that_lands_only_swapped_is_refused(tmp_path):
    path = _geojson(tmp_path / "lop.geojson", {"type": "Point", "coordinates": [LAT, LON]})
    with pytest.raises(ImportRefused) as err:
        read_table(path)
    assert [(p.code, p.row, p.source, p.label) for p in err.value.problems] == [
        ("coords.swapped", None, "lop.geojson", "feature")
    ]
    assert read_table(path, swap_axes=True).features[0].geometry.equals(Point(LON, LAT))


def test_swap_axes_on_a_good_file_is_refused(tmp_path):
    path = tmp_path / "dung.csv"
    path.write_text(f"code,lat,lon\nA,{LAT},{LON}\n", encoding="utf-8")
    with pytest.raises(ImportRefused) as err:
        read_table(path, swap_axes=True)
    assert err.value.problems == [Problem("axis.swap_wrong", params={"numbers": [2]}, source="dung.csv")]


# ---------------------------------------------------------------- invalid polygons
BOWTIE = Polygon([(LON, LAT), (LON + 0.01, LAT + 0.01), (LON + 0.01, LAT), (LON, LAT + 0.01)])


def test_a_bowtie_is_refused_naming_the_feature_the_reason_and_the_place(tmp_path):
    path = _geojson(tmp_path / "no.geojson", BOWTIE.__geo_interface__)
    with pytest.raises(ImportRefused) as err:
        read_table(path)
    params = {"kind": "Polygon", "reason": "Self-intersection", "lon": 105.475, "lat": 9.789}
    assert err.value.problems == [Problem("geometry.invalid", None, 1, params, "no.geojson", "feature")]


def test_repair_repairs_and_reports_the_area(tmp_path):
    path = _geojson(tmp_path / "no.geojson", BOWTIE.__geo_interface__)
    table = read_table(path, repair=True)
    fixed = table.features[0].geometry
    assert fixed.is_valid and fixed.geom_type == "MultiPolygon"
    assert fixed.area == pytest.approx(2 * 0.5 * 0.01 * 0.005, rel=1e-9)  # both triangles kept
    (note,) = [w for w in table.warnings if w.code == "geometry.repaired"]
    assert (note.source, note.row, note.label) == ("no.geojson", 1, "feature")
    assert {k: note.params[k] for k in ("reason", "lon", "lat")} == {
        "reason": "Self-intersection",
        "lon": 105.475,
        "lat": 9.789,
    }
    assert note.params["after"] > note.params["before"]  # the bowtie's two triangles cancel as drawn


# ---------------------------------------------------------------- ranges
def _table(*rows: dict) -> ImportedTable:
    features = [ImportedFeature(n, Point(LON, LAT), props) for n, props in enumerate(rows, start=2)]
    return ImportedTable("tram.csv", "CSV", "row", features, "EPSG:4326")


def test_out_of_range_values_are_named_per_row_and_field():
    table = _table(
        {"azimuth_deg": "720", "height_m": 1e308, "band_mhz": 0},
        {"height_m": "-1", "tilt_mech_deg": "nan", "eirp_dbm": "abc", "beamwidth_deg": "65"},
        {"azimuth_deg": "359,5", "band_mhz": 1800, "height_m": 200},
    )
    found = [
        (p.code, p.row, p.field, p.params.get("value"), p.params.get("allowed"))
        for p in check(table, "sites")
    ]
    assert found == [
        ("value.out_of_range", 2, "height_m", 1e308, "0 < x ≤ 200 m"),
        ("value.out_of_range", 2, "band_mhz", 0, "400 ≤ x ≤ 6000 MHz"),
        ("value.out_of_range", 2, "azimuth_deg", 720, "0 ≤ x < 360°"),
        ("value.out_of_range", 3, "height_m", -1, "0 < x ≤ 200 m"),
        ("value.not_a_number", 3, "tilt_mech_deg", "nan", None),
        ("value.not_a_number", 3, "eirp_dbm", "abc", None),
    ]
    first = check(table, "sites")[0]
    assert (first.source, first.label, dict(first.params)) == (
        "tram.csv",
        "row",
        {"value": 1e308, "min": 0, "max": 200, "unit": "m", "allowed": "0 < x ≤ 200 m"},
    )


def test_ports_used_are_capped_by_the_rows_ports_total():
    table = _table({"ports_total": 8, "ports_used": 9}, {"ports_total": 8, "ports_used": 8})
    assert [(p.row, p.field, p.params["max"]) for p in check(table, "fibre_access_points")] == [
        (2, "ports_used", 8)
    ]


def test_every_target_has_ranges_with_a_min_below_the_max():
    assert set(RANGES) == {
        "sites",
        "poles",
        "ducts",
        "fibre_access_points",
        "commune_offices",
        "speed_tests",
        "tall_structures",
        "admin_units",
        "cells",
        "districts",
        "communes",
        "hamlets",
    }
    assert all(r.min < r.max for fields in RANGES.values() for r in fields.values())
