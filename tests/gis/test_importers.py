"""gis.importers: every format from tiny files written here, VN-2000 at a control point, attacks."""

import json
import math
import unicodedata
import zipfile

import geopandas as gpd
import numpy as np
import openpyxl
import pytest
from pyproj import Transformer
from shapely.geometry import Point, Polygon, box

from gis.importers import ImportRefused, outside_problems, read_table
from gis.importers.columns import canonical
from gis.importers.crs import VN2000_HELMERT

# A known point in Vị Thanh (WGS 84) used across tests.
LON, LAT = 105.4700, 9.7840
TM3 = Transformer.from_crs("EPSG:4326", "EPSG:5897", always_xy=True)  # projection only matters here


def _wgs84_to_vn2000_tm3(lon, lat):
    """Independent inverse: WGS 84 → VN-2000 geographic by the inverse Helmert, then TM-3 105°."""
    x, y, z = _geodetic_to_ecef(lon, lat)
    xv, yv, zv = _helmert_inverse(np.array([x, y, z]))
    lon_v, lat_v = _ecef_to_geodetic(xv, yv, zv)
    tm = Transformer.from_pipeline(
        "+proj=tmerc +lat_0=0 +lon_0=105 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84"
    )
    return tm.transform(lon_v, lat_v)


A, F = 6378137.0, 1 / 298.257223563
E2 = F * (2 - F)


def _geodetic_to_ecef(lon, lat, h=0.0):
    lo, la = math.radians(lon), math.radians(lat)
    n = A / math.sqrt(1 - E2 * math.sin(la) ** 2)
    return (
        (n + h) * math.cos(la) * math.cos(lo),
        (n + h) * math.cos(la) * math.sin(lo),
        (n * (1 - E2) + h) * math.sin(la),
    )


def _ecef_to_geodetic(x, y, z):
    lon = math.atan2(y, x)
    p = math.hypot(x, y)
    lat = math.atan2(z, p * (1 - E2))
    for _ in range(10):
        n = A / math.sqrt(1 - E2 * math.sin(lat) ** 2)
        h = p / math.cos(lat) - n
        lat = math.atan2(z, p * (1 - E2 * n / (n + h)))
    return math.degrees(lon), math.degrees(lat)


def _helmert_matrix():
    """Coordinate-frame Helmert (Decision 05/2007/QĐ-BTNMT), VN-2000 → WGS 84: X' = T + (1+s)·R·X."""
    sec = math.pi / 180 / 3600
    rx, ry, rz = (VN2000_HELMERT_PUBLISHED[k] * sec for k in ("rx", "ry", "rz"))
    r = np.array([[1, rz, -ry], [-rz, 1, rx], [ry, -rx, 1]])
    t = np.array([VN2000_HELMERT_PUBLISHED[k] for k in ("x", "y", "z")])
    return t, (1 + VN2000_HELMERT_PUBLISHED["s"] * 1e-6) * r


# The published numbers, typed again here so the test does not trust the module's copy.
VN2000_HELMERT_PUBLISHED = dict(
    x=-191.90441429,
    y=-39.30318279,
    z=-111.45032835,
    rx=-0.00928836,
    ry=0.01975479,
    rz=-0.00427372,
    s=0.252906278,
)


def _helmert_forward(xyz):
    t, m = _helmert_matrix()
    return t + m @ xyz


def _helmert_inverse(xyz):
    t, m = _helmert_matrix()
    return np.linalg.solve(m, xyz - t)


def _metres(lon1, lat1, lon2, lat2):
    return math.hypot((lon1 - lon2) * 111_320 * math.cos(math.radians(lat1)), (lat1 - lat2) * 110_574)


def test_module_parameters_are_the_published_ones():
    assert VN2000_HELMERT == VN2000_HELMERT_PUBLISHED


def test_vn2000_control_point_matches_an_independent_helmert(tmp_path):
    # Control point given in VN-2000 / TM-3 105° (as surveyed); expected WGS 84 by our own Helmert.
    e, n = 552_000.000, 1_082_000.000
    tm = Transformer.from_pipeline(
        "+proj=tmerc +lat_0=0 +lon_0=105 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84"
    )
    lon_v, lat_v = tm.transform(e, n, direction="INVERSE")
    lon_w, lat_w = _ecef_to_geodetic(*_helmert_forward(np.array(_geodetic_to_ecef(lon_v, lat_v))))
    path = tmp_path / "control.csv"
    path.write_text(f"code,x,y\nCP1,{e},{n}\n", encoding="utf-8")
    table = read_table(path, crs="EPSG:5897")
    p = table.features[0].geometry
    assert _metres(p.x, p.y, lon_w, lat_w) < 0.5
    # the datum shift itself is ~225 m here: a reader that skipped it would be far off
    assert 200 < _metres(lon_v, lat_v, lon_w, lat_w) < 250


def test_northing_in_x_is_read_as_the_survey_convention(tmp_path):
    e, n = _wgs84_to_vn2000_tm3(LON, LAT)
    path = tmp_path / "survey.csv"
    path.write_text(f"code,x,y\nA,{n},{e}\n", encoding="utf-8")  # northing in X, as VN-2000 surveys do
    table = read_table(path, crs="EPSG:5897")
    p = table.features[0].geometry
    assert _metres(p.x, p.y, LON, LAT) < 0.5
    assert [(w.code, w.source, dict(w.params)) for w in table.warnings] == [
        ("axis.survey", "survey.csv", {"x": "x", "y": "y"})
    ]


def test_projected_without_crs_is_refused(tmp_path):
    e, n = _wgs84_to_vn2000_tm3(LON, LAT)
    path = tmp_path / "nocrs.csv"
    path.write_text(f"code,x,y\nA,{e},{n}\n", encoding="utf-8")
    with pytest.raises(ImportRefused, match="crs.missing"):
        read_table(path)


def test_wrong_crs_is_refused(tmp_path):
    path = tmp_path / "wrong.csv"
    path.write_text("code,x,y\nA,552000,1082000\n", encoding="utf-8")
    with pytest.raises(ImportRefused, match="crs.not_in_vietnam"):
        read_table(path, crs="EPSG:2154")  # Lambert-93 (France)


def test_csv_lonlat_taken_as_wgs84_and_said(tmp_path):
    path = tmp_path / "sites.csv"
    path.write_text(
        f"Mã trạm;Vĩ độ;Kinh độ;Độ cao;Nhà mạng;Ghi chú\nS1;{LAT};{LON};30;Viettel;x\n", encoding="utf-8"
    )
    table = read_table(path)
    f = table.features[0]
    assert (f.geometry.x, f.geometry.y) == (LON, LAT)
    assert f.properties == {"code": "S1", "height_m": "30", "operator": "Viettel"}
    assert [w.code for w in table.warnings] == ["crs.assumed_wgs84", "columns.unrecognised"]
    assert table.unrecognised == ["Ghi chú"]


def test_csv_wkt_column(tmp_path):
    path = tmp_path / "ducts.csv"
    path.write_text(f'code,wkt\nD1,"LINESTRING ({LON} {LAT}, {LON + 0.01} {LAT})"\n', encoding="utf-8")
    assert read_table(path).features[0].geometry.geom_type == "LineString"


@pytest.mark.parametrize(
    "header,expected",
    [
        ("Tên ấp", "hamlet_name"),
        ("ten_ap", "hamlet_name"),
        ("Tên", "name"),
        ("name", "name"),
        ("Mã xã", "commune_code"),
        ("ma_xa", "commune_code"),
        ("Nhà mạng", "operator"),
        ("operator", "operator"),
        ("Độ cao", "height_m"),
        ("height_m", "height_m"),
        ("Công nghệ", "technology"),
        ("Băng tần", "band_mhz"),
        ("Hướng", "azimuth_deg"),
        ("azimuth_deg", "azimuth_deg"),
        ("Ghi chú", None),
    ],
)
def test_column_names_vi_and_en(header, expected):
    assert canonical(header) == expected


def test_xlsx_first_sheet_header_row(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([])
    ws.append(["Mã trạm", "Latitude", "Longitude", "Công nghệ"])
    ws.append(["S1", LAT, LON, "4G"])
    path = tmp_path / "sites.xlsx"
    wb.save(path)
    table = read_table(path)
    assert table.features[0].number == 3
    assert table.features[0].properties == {"code": "S1", "technology": "4G"}


def test_geojson_with_legacy_crs_member(tmp_path):
    e, n = _wgs84_to_vn2000_tm3(LON, LAT)
    doc = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::5897"}},
        "features": [
            {
                "type": "Feature",
                "properties": {"code": "A"},
                "geometry": {"type": "Point", "coordinates": [e, n]},
            }
        ],
    }
    path = tmp_path / "legacy.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    p = read_table(path).features[0].geometry
    assert _metres(p.x, p.y, LON, LAT) < 0.5


def _gdf(crs="EPSG:4326", name="Ấp Tân Lợi"):
    geom = box(LON, LAT, LON + 0.01, LAT + 0.01)
    gdf = gpd.GeoDataFrame({"ten_ap": [name], "ma_ap": ["9300101"]}, geometry=[geom], crs="EPSG:4326")
    return gdf.to_crs(crs)


def test_geopackage_srs_is_used(tmp_path):
    path = tmp_path / "hamlets.gpkg"
    _gdf("EPSG:5897").to_file(path, driver="GPKG")
    f = read_table(path).features[0]
    assert f.properties["hamlet_name"] == "Ấp Tân Lợi"
    assert _metres(f.geometry.bounds[0], f.geometry.bounds[1], LON, LAT) < 1.0


def _zip_shapefile(tmp_path, gdf, encoding="UTF-8", cpg: str | None = "UTF-8", prj=True):
    folder = tmp_path / "shp"
    folder.mkdir(exist_ok=True)
    gdf.to_file(folder / "hamlets.shp", encoding=encoding)
    out = tmp_path / "hamlets.zip"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in folder.iterdir():
            if f.suffix == ".cpg" or (f.suffix == ".prj" and not prj):
                continue
            zf.write(f, f.name)
        if cpg:
            zf.writestr("hamlets.cpg", cpg)
    return out


def test_zipped_shapefile_utf8_with_prj(tmp_path):
    table = read_table(_zip_shapefile(tmp_path, _gdf("EPSG:3405")))
    f = table.features[0]
    assert f.properties["hamlet_name"] == "Ấp Tân Lợi"
    assert _metres(f.geometry.bounds[0], f.geometry.bounds[1], LON, LAT) < 1.0


def test_zipped_shapefile_windows_1258(tmp_path):
    name = "Ấp Tân Lợi"
    path = _zip_shapefile(tmp_path, _gdf(name=name), cpg="1258")
    # Re-encode the dbf text as Windows-1258 does it: base letters + combining tone marks.
    cp1258 = unicodedata.normalize("NFD", name).replace("a\u0302", "â").replace("A\u0302", "Â")
    cp1258 = cp1258.replace("o\u031b", "ơ").encode("cp1258")
    utf8 = name.encode("utf-8")
    with zipfile.ZipFile(path) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    members["hamlets.dbf"] = members["hamlets.dbf"].replace(utf8, cp1258.ljust(len(utf8)))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, data in members.items():
            zf.writestr(n, data)
    table = read_table(path)
    assert table.features[0].properties["hamlet_name"] == name
    assert "encoding.converted_cpg" in [w.code for w in table.warnings]


def test_shapefile_without_prj_in_metres_is_refused(tmp_path):
    with pytest.raises(ImportRefused, match="crs.missing"):
        read_table(_zip_shapefile(tmp_path, _gdf("EPSG:5897"), prj=False))


def test_shapefile_wrong_encoding_is_refused(tmp_path):
    gdf = _gdf(name="Ấp Tân Lợi")
    with pytest.raises(ImportRefused, match="encoding.layer_text"):
        read_table(_zip_shapefile(tmp_path, gdf, encoding="cp1258", cpg=None))


def test_tcvn3_text_is_refused(tmp_path):
    path = tmp_path / "tcvn3.csv"
    # "Ấp Tân Lợi" typed in a TCVN3 (ABC) font, then saved as Unicode: what old files look like
    path.write_text(f"name,lat,lon\n¢p T©n Lîi,{LAT},{LON}\n", encoding="utf-8")
    with pytest.raises(ImportRefused, match="row 2: encoding.looks_tcvn3"):
        read_table(path)


KML = f"""<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>Trạm A</name>
<Point><coordinates>{LON},{LAT},0</coordinates></Point></Placemark></Document></kml>"""


def test_kml_and_kmz(tmp_path):
    kml = tmp_path / "a.kml"
    kml.write_text(KML, encoding="utf-8")
    assert read_table(kml).features[0].properties["name"] == "Trạm A"
    kmz = tmp_path / "a.kmz"
    with zipfile.ZipFile(kmz, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("doc.kml", KML)
    assert read_table(kmz).features[0].geometry.equals(Point(LON, LAT))


def test_kml_xxe_is_refused(tmp_path):
    kml = tmp_path / "xxe.kml"
    kml.write_text(
        '<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        "<kml><Document><name>&x;</name></Document></kml>",
        encoding="utf-8",
    )
    with pytest.raises(ImportRefused, match="xml.entities"):
        read_table(kml)


def test_zip_path_traversal_is_refused(tmp_path):
    path = tmp_path / "evil.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("../../etc/evil.shp", b"x")
    with pytest.raises(ImportRefused, match="zip.unsafe_path"):
        read_table(path)


def test_zip_bomb_is_refused(tmp_path):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.shp", b"\0" * 20_000_000)
    with pytest.raises(ImportRefused, match="zip.bomb_ratio"):
        read_table(path)


def test_truncated_zip_is_refused(tmp_path):
    good = _zip_shapefile(tmp_path, _gdf())
    path = tmp_path / "cut.zip"
    path.write_bytes(good.read_bytes()[:200])
    with pytest.raises(ImportRefused, match="zip.damaged|zip.member_damaged"):
        read_table(path)


def test_empty_and_huge_files_are_refused(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(ImportRefused, match="file.empty"):
        read_table(empty)
    huge = tmp_path / "huge.csv"
    with huge.open("wb") as fh:
        fh.truncate(51 * 1024 * 1024)
    with pytest.raises(ImportRefused, match="file.too_large"):
        read_table(huge)


def test_garbage_geometry_names_the_feature(tmp_path):
    doc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [LON, LAT]}},
            {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": "garbage"}},
        ],
    }
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ImportRefused, match="feature 2: geometry.unreadable"):
        read_table(path)


def test_bowtie_polygon_repaired_when_asked(tmp_path):
    d = 0.01
    bowtie = Polygon([(LON, LAT), (LON + d, LAT + d), (LON + d, LAT), (LON, LAT + d)])
    doc = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {"code": "H"}, "geometry": bowtie.__geo_interface__}],
    }
    path = tmp_path / "bowtie.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    table = read_table(path, repair=True)
    assert table.features[0].geometry.is_valid
    (repaired,) = table.warnings
    assert (repaired.code, repaired.row, repaired.params["reason"]) == (
        "geometry.repaired",
        1,
        "Self-intersection",
    )


def test_outside_the_province(tmp_path):
    path = tmp_path / "pts.csv"
    path.write_text(f"code,lat,lon\nIN,{LAT},{LON}\nOUT,21.03,105.85\n", encoding="utf-8")
    table = read_table(path)
    problems = outside_problems(table, box(105.2, 9.5, 106.0, 10.1))
    assert [p.as_dict() for p in problems] == [
        {
            "code": "geometry.outside_province",
            "field": None,
            "row": 3,
            "source": "pts.csv",
            "label": "row",
            "params": {"lon": 105.85, "lat": 21.03},
        }
    ]


def test_opencellid_groups_lte_cells_by_enb(tmp_path):
    head = "radio,mcc,net,area,cell,unit,lon,lat,range,samples,changeable,created,updated,averageSignal\n"
    rows = [f"LTE,452,4,1001,{256 * 77 + k},0,{LON + k * 1e-4},{LAT},500,3,1,1,1,0" for k in (1, 2, 3)]
    rows += [f"GSM,452,1,20,555,0,{LON},{LAT + 0.01},800,2,1,1,1,0", "LTE,310,4,1,1,0,-100,40,1,1,1,1,1,0"]
    path = tmp_path / "452.csv"
    path.write_text(head + "\n".join(rows) + "\n", encoding="utf-8")
    table = read_table(path)
    assert table.opencellid
    sites = {f.properties["site_code"] for f in table.features}
    assert sites == {"OCID-45204-E77", "OCID-45201-G20-555"}
    assert [(w.code, dict(w.params)) for w in table.warnings] == [
        ("opencellid.other_countries", {"count": 1})
    ]
    lte = [f for f in table.features if f.properties["site_code"] == "OCID-45204-E77"]
    assert {f.properties["technology"] for f in lte} == {"4G"}
    assert lte[0].properties["site_position"].x == pytest.approx(LON + 2e-4)


def test_non_utf8_csv_is_refused(tmp_path):
    path = tmp_path / "cp.csv"
    path.write_bytes(f"name,lat,lon\nT\xe2n,{LAT},{LON}\n".encode("latin-1"))
    with pytest.raises(ImportRefused, match="file.not_utf8 \\(line=2"):
        read_table(path)
