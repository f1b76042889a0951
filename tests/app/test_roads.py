"""The offline map's main roads (migration 0039): an OpenStreetMap extract as ogr2ogr writes it and
a VN-2000 survey file replace the stored roads whole; a bad file is refused with the reason and
changes nothing; the seed loads the sample's; GET /basemap/roads.json serves them to anyone."""

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import LineString, Point
from sqlalchemy import text

from app import cli
from app.db import new_engine
from app.services.imports import loader_layers
from app.services.imports.importer import ImportFailed
from app.services.roads import OSM_ATTRIBUTION, import_roads
from tests.app.test_region import api  # noqa: F401 (a fixture: the app without a coverage run, anonymous)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "roads"
SAMPLE = Path(__file__).resolve().parents[2] / "data" / "hamlets"
# gis/importers/crs.py's worked example: 105.47 E, 9.784 N is this point of VN-2000 / TM-3 105°
# (EPSG:5897) by the official parameters of Decision 05/2007/QĐ-BTNMT.
VN2000_XY = (551363.74, 1082003.15)
LONLAT = (105.47, 9.784)
DEG_PER_CM = 1e-7


@pytest.fixture
def roads_db(scratch_url):
    engine = new_engine(scratch_url)
    yield engine
    engine.dispose()


def _stored(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                text(
                    "SELECT ref, name, highway, attribution, GeometryType(geom), "
                    "ST_AsText(geom, 7) FROM roads ORDER BY id"
                )
            )
        ]


def test_an_osm_extract_keeps_the_main_roads_with_their_ref_from_other_tags(roads_db):
    done = import_roads(roads_db, FIXTURES / "osm_lines.geojson")
    # ogr2ogr's "lines" layer of tests/fixtures/roads/extract.osm: the trunk and the secondary are
    # kept; the residential street, the canal (no highway) and the trunk link are left out.
    assert (done.roads, done.skipped) == (2, 3)
    assert _stored(roads_db) == [
        (
            "QL61",
            "Quốc lộ 61",
            "trunk",
            OSM_ATTRIBUTION,
            "LINESTRING",
            "LINESTRING(105.47 9.784,105.515 9.81,105.56 9.848)",
        ),
        (
            "ĐT927",
            "Đường tỉnh 927",
            "secondary",
            OSM_ATTRIBUTION,
            "LINESTRING",
            "LINESTRING(105.56 9.8,105.7 9.83)",
        ),
    ]


def _vn2000_frame(**columns) -> gpd.GeoDataFrame:
    x, y = VN2000_XY
    lines = [LineString([(x, y), (x + 1000.0, y + 500.0)]), LineString([(x, y), (x - 800.0, y)])]
    return gpd.GeoDataFrame(columns, geometry=lines, crs="EPSG:5897")


def test_a_vn2000_geopackage_is_reprojected_with_the_official_parameters_and_replaces(roads_db, tmp_path):
    import_roads(roads_db, FIXTURES / "osm_lines.geojson")
    path = tmp_path / "duong_vn2000.gpkg"
    frame = _vn2000_frame(
        HIGHWAY=["primary", "tertiary"], Ref=["ĐT930", None], Name=["Đường tỉnh 930", "Đường 3/2"]
    )
    frame.to_file(path, layer="duong", driver="GPKG")
    done = import_roads(roads_db, path)
    assert (done.roads, done.skipped, done.crs) == (2, 0, "EPSG:5897")
    with roads_db.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT ref, name, highway, attribution, ST_X(ST_StartPoint(geom)), ST_Y(ST_StartPoint(geom)) FROM roads ORDER BY id"
            )
        ).all()
    # Replaced, not appended: the extract's two roads are gone.
    assert [r[:4] for r in rows] == [
        ("ĐT930", "Đường tỉnh 930", "primary", None),
        (None, "Đường 3/2", "tertiary", None),
    ]
    for r in rows:
        assert r[4] == pytest.approx(LONLAT[0], abs=DEG_PER_CM * 10)
        assert r[5] == pytest.approx(LONLAT[1], abs=DEG_PER_CM * 10)


def test_a_whole_extract_in_a_geopackage_is_read_from_its_lines_layer(roads_db, tmp_path):
    path = tmp_path / "extract.gpkg"  # ogr2ogr -f GPKG extract.gpkg extract.osm: points first, then lines
    gpd.GeoDataFrame({"highway": ["traffic_signals"]}, geometry=[Point(*LONLAT)], crs="EPSG:4326").to_file(
        path, layer="points"
    )
    gpd.read_file(FIXTURES / "osm_lines.geojson").to_file(path, layer="lines")
    assert import_roads(roads_db, path).roads == 2
    assert [r[:4] for r in _stored(roads_db)] == [
        ("QL61", "Quốc lộ 61", "trunk", OSM_ATTRIBUTION),
        ("ĐT927", "Đường tỉnh 927", "secondary", OSM_ATTRIBUTION),
    ]


def test_a_shapefile_beside_its_prj(roads_db, tmp_path):
    path = tmp_path / "duong.shp"
    _vn2000_frame(highway=["motorway", "trunk"], ref=["CT01", "QL1"], name=["Cao tốc", "Quốc lộ 1"]).to_file(
        path
    )
    assert import_roads(roads_db, path).roads == 2
    assert [r[:3] for r in _stored(roads_db)] == [
        ("CT01", "Cao tốc", "motorway"),
        ("QL1", "Quốc lộ 1", "trunk"),
    ]


def _points(path: Path) -> Path:
    gpd.GeoDataFrame({"highway": ["trunk"]}, geometry=[Point(*LONLAT)], crs="EPSG:4326").to_file(path)
    return path


def _no_geometry(path: Path) -> Path:
    pyogrio.write_dataframe(pd.DataFrame({"highway": ["trunk"], "ref": ["QL61"]}), path, driver="GPKG")
    return path


def _unknown_crs(path: Path) -> Path:
    doc = json.loads((FIXTURES / "osm_lines.geojson").read_text(encoding="utf-8"))
    doc["crs"] = {"type": "name", "properties": {"name": "EPSG:999999"}}
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _projected_without_crs(path: Path) -> Path:
    _vn2000_frame(highway=["trunk", "trunk"]).to_file(path)
    path.with_suffix(".prj").unlink()
    return path


def _no_class(path: Path) -> Path:
    gpd.GeoDataFrame(
        {"ten": ["Quốc lộ 61"]}, geometry=[LineString([LONLAT, (105.5, 9.8)])], crs="EPSG:4326"
    ).to_file(path)
    return path


def _only_minor(path: Path) -> Path:
    gpd.GeoDataFrame(
        {"highway": ["residential"]}, geometry=[LineString([LONLAT, (105.5, 9.8)])], crs="EPSG:4326"
    ).to_file(path)
    return path


BAD = [
    ("points", _points, "points.geojson", "roads.not_lines", "1 đối tượng không phải đường (Point"),
    ("no geometry column", _no_geometry, "bang.gpkg", "roads.no_geometry", "tệp không có cột hình học"),
    ("unknown CRS", _unknown_crs, "crs.geojson", "crs.unknown", "EPSG:999999"),
    ("projected, no CRS", _projected_without_crs, "duong.shp", "crs.missing", "không có hệ toạ độ"),
    ("no highway", _no_class, "ten.geojson", "roads.no_highway", "không có cột phân loại đường (highway"),
    ("no main road", _only_minor, "nho.geojson", "roads.none_main", "không có đường chính nào"),
]


@pytest.mark.parametrize(("_label", "make", "name", "code", "vietnamese"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_file_is_refused_and_changes_nothing(roads_db, tmp_path, _label, make, name, code, vietnamese):
    import_roads(roads_db, FIXTURES / "osm_lines.geojson")
    before = _stored(roads_db)
    with pytest.raises(ImportFailed) as refused:
        import_roads(roads_db, make(tmp_path / name))
    assert refused.value.status_code == 422
    assert [p.code for p in refused.value.details] == [code]
    assert vietnamese in refused.value.sentences("vi")[0]
    assert _stored(roads_db) == before


# ---------------------------------------------------------------- the command and the seed
@pytest.fixture
def sample_roads_back(engine):
    """The test database's roads replaced by a test: the sample's are put back afterwards."""
    yield
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE roads"))
        loader_layers.load_roads_file(conn, SAMPLE / "roads.geojson")


@pytest.fixture
def cli_run(database_url, capsys, sample_roads_back):
    """cli.main on the test database."""

    def call(*argv: str) -> tuple[int | None, str, str]:
        code = cli.main(list(argv))
        out = capsys.readouterr()
        return code, out.out, out.err

    return call


def test_the_command_replaces_the_roads_or_says_why_not(cli_run, engine, tmp_path):
    code, out, err = cli_run("import-roads", str(FIXTURES / "osm_lines.geojson"))
    assert (code, err) == (0, "")
    assert "2 main roads, 3 other features left out" in out
    assert [r[0] for r in _stored(engine)] == ["QL61", "ĐT927"]
    code, _, err = cli_run("import-roads", str(_points(tmp_path / "points.geojson")), "--lang", "en")
    assert code == 1
    assert "points.geojson refused, nothing written" in err
    assert "1 features are not lines (Point; the first: 1)" in err
    assert [r[0] for r in _stored(engine)] == ["QL61", "ĐT927"]


def test_the_seed_loads_the_generated_roads(engine):
    stored = _stored(engine)
    written = json.loads((SAMPLE / "roads.geojson").read_text(encoding="utf-8"))["features"]
    assert [r[:3] for r in stored] == [tuple(f["properties"].values()) for f in written]
    assert {r[3] for r in stored} == {None}  # generated: no one's data to name


# ---------------------------------------------------------------- GET /basemap/roads.json
def test_the_route_serves_the_roads_simplified_to_anyone(api):  # noqa: F811 (the fixture)
    response = api.get("/basemap/roads.json")
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    doc = response.json()
    written = json.loads((SAMPLE / "roads.geojson").read_text(encoding="utf-8"))["features"]
    # The provincial roads (primary) first, the national ones (trunk) drawn over them.
    refs = [f["properties"]["ref"] for f in doc["features"]]
    assert refs == [None, "ĐT925", "ĐT927", "ĐT928", "ĐT930", "QL61", "QL61C", "QL1", "QL61B"]
    ql61 = next(f for f in doc["features"] if f["properties"]["ref"] == "QL61")
    assert ql61["properties"] == {"ref": "QL61", "name": "Quốc lộ 61", "highway": "trunk"}
    assert ql61["geometry"]["coordinates"][0] == [105.715, 9.965]  # the ends are kept
    vertices = sum(len(f["geometry"]["coordinates"]) for f in doc["features"])
    assert vertices < sum(len(f["geometry"]["coordinates"]) for f in written) / 3
    assert doc["attribution"] is None
    etag = response.headers["etag"]
    again = api.get("/basemap/roads.json", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
