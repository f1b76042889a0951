"""The deployment's region is data (issue 12): the top-level units in force on a day, their names,
extent and outline; the admin collections as in force on the day `datetime` names; nothing in the
code names one province."""

import re
from datetime import date, timedelta

import mapbox_vector_tile
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.services import site_checks
from app.services.exports.layers import ofds_network
from app.services.region import region_on
from app.services.reports.periods import today
from app.services.scope import EVERYTHING
from gis.coordinates import parse_dms
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def api(database_url):
    """The app on the sample database, without the coverage run the shared clients wait for."""
    from app.main import create_app

    with TestClient(create_app()) as c:
        yield c


def test_the_region_of_the_sample_province(api):
    r = api.get("/api/region")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["date"] == today().isoformat()
    assert body["codes"] == ["93"]
    assert body["units"] == [{"code": "93", "name": "Tỉnh Hậu Giang", "kind": "Tỉnh"}]
    assert body["name"] == "Tỉnh Hậu Giang"
    assert body["display_vi"] == "tỉnh Hậu Giang"
    assert body["display_en"] == "Hậu Giang province"
    # data/hamlets/province.geojson spans 105.409–105.872 E, 9.603–10.0 N
    assert body["bbox"] == pytest.approx([105.409, 9.603, 105.872, 10.0], abs=1e-6)
    lon, lat = body["centre"]
    assert 105.409 < lon < 105.872 and 9.603 < lat < 10.0
    assert body["outline"] is None
    outlined = api.get("/api/region?outline=true&date=2024-12-31").json()
    assert outlined["date"] == "2024-12-31" and outlined["outline"]["type"] in ("Polygon", "MultiPolygon")


def _parameter_example(spec: dict, path: str, name: str):
    (parameter,) = [p for p in spec["paths"][path]["get"]["parameters"] if p["name"] == name]
    return parameter["schema"].get("example")


def test_the_api_documents_places_in_the_region(api):
    """OpenAPI's examples of places are the region's, read from its data (issue 14): the bbox its
    extent (data/hamlets/province.geojson: 105.409–105.872 E, 9.603–10.0 N), the search box's position
    and a site's DMS position its inner point, which parse back to it."""
    spec = api.get("/openapi.json").json()
    assert _parameter_example(spec, "/ogc/collections/{collection_id}/items", "bbox") == (
        "105.409,9.603,105.872,10.000"
    )
    lon, lat = api.get("/api/region").json()["centre"]
    q = _parameter_example(spec, "/api/search", "q")
    assert [float(v) for v in q.split(",")] == pytest.approx([lat, lon], abs=1e-4)
    dms = spec["components"]["schemas"]["Position"]["properties"]["dms"]["example"]
    assert parse_dms(dms) == pytest.approx((lon, lat), abs=1 / 3600)


def test_without_a_region_the_api_is_documented_without_places(api, monkeypatch):
    from app import openapi
    from app.main import create_app

    monkeypatch.setattr(openapi, "_region", lambda: None)
    spec = TestClient(create_app()).get("/openapi.json").json()
    assert _parameter_example(spec, "/ogc/collections/{collection_id}/items", "bbox") is None
    assert "example" not in spec["components"]["schemas"]["Position"]["properties"]["dms"]


def test_a_day_before_any_unit_is_a_structured_404(api):
    r = api.get("/api/region?date=2019-12-31", headers={"Accept-Language": "vi"})
    assert r.status_code == 404
    (problem,) = r.json()["problems"]
    assert problem["code"] == "region.none_in_force" and problem["params"] == {"date": "2019-12-31"}
    assert "2019-12-31" in problem["message"]
    assert api.get("/api/region?date=31/12/2024").status_code == 400


def test_the_region_serves_its_clock_and_no_zone_is_written_in_the_frontend(api, monkeypatch):
    from app.settings import get_settings

    assert api.get("/api/region").json()["timezone"] == "Asia/Ho_Chi_Minh"  # the default TIMEZONE
    monkeypatch.setenv("TIMEZONE", "Etc/GMT+12")
    get_settings.cache_clear()
    try:
        assert api.get("/api/region").json()["timezone"] == "Etc/GMT+12"
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    # The pages format times in the zone the region serves (format.js setTimeZone), none of their own.
    zones = re.compile(r"['\"](Asia|Etc|Europe|America|Africa|Australia|Pacific)/[A-Za-z_+-]+['\"]")
    written = [
        f"{path.relative_to(ROOT)}: {line.strip()}"
        for path in sorted((ROOT / "frontend" / "src").rglob("*.js"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if zones.search(line)
    ]
    assert written == []


def test_titles_come_from_the_region(api):
    assert api.get("/openapi.json").json()["info"]["title"] == "Hạ tầng viễn thông — API"
    landing = api.get("/ogc").json()
    assert landing["title"] == "Hạ tầng viễn thông tỉnh Hậu Giang"
    assert landing["description"].startswith("Telecom infrastructure of Hậu Giang province:")


def test_the_fibre_network_is_published_by_the_issuer_in_force(engine):
    with Session(engine) as session:
        (network,) = ofds_network(session, EVERYTHING)["networks"]
    assert network["name"] == "Hạ tầng viễn thông thụ động tỉnh Hậu Giang"
    # data/hamlets/bodies.csv: the city's Department since 1 July 2025
    assert network["publisher"]["name"] == "Sở Khoa học và Công nghệ thành phố Cần Thơ"


def _square(lon: float, lat: float, size: float = 0.1) -> str:
    return (
        f"SRID=4326;MULTIPOLYGON((({lon} {lat},{lon + size} {lat},{lon + size} {lat + size},"
        f"{lon} {lat + size},{lon} {lat})))"
    )


def _province(conn, code: str, name: str, kind: str, geom: str, valid_from: str, valid_to: str | None):
    conn.execute(
        text(
            "INSERT INTO admin_units (level, code, name, name_folded, kind, geom, valid_from, valid_to) "
            "VALUES ('province', :code, :name, lower(:name), :kind, ST_GeomFromEWKT(:geom), :f, :t)"
        ),
        {"code": code, "name": name, "kind": kind, "geom": geom, "f": valid_from, "t": valid_to},
    )


def test_the_region_follows_the_reform_by_date(engine):
    """A second province in force until the merger, then one city: names, codes and extent by day;
    a point in the second province is in the region while it is in force (rolled back)."""
    with engine.connect() as conn, conn.begin() as trans:
        conn.execute(
            text("UPDATE admin_units SET valid_to = '2025-07-01' WHERE level = 'province' AND code = '93'")
        )
        _province(conn, "94", "Tỉnh Sóc Trăng", "Tỉnh", _square(105.9, 9.3), "2020-01-01", "2025-07-01")
        city = (
            "SRID=4326;"
            + conn.execute(
                text("SELECT ST_AsText(ST_Multi(ST_Union(geom))) FROM admin_units WHERE level = 'province'")
            ).scalar_one()
        )
        _province(conn, "92", "Thành phố Cần Thơ", "Thành phố", city, "2025-07-01", None)

        before = region_on(conn, date(2025, 6, 30))
        assert before.codes == ["93", "94"]
        assert before.name == "Tỉnh Hậu Giang và Tỉnh Sóc Trăng"
        assert before.display_vi == "tỉnh Hậu Giang và tỉnh Sóc Trăng"
        assert before.display_en == "Hậu Giang province and Sóc Trăng province"
        assert before.bbox == pytest.approx((105.409, 9.3, 106.0, 10.0), abs=1e-6)

        after = region_on(conn, date(2025, 7, 1))
        assert (after.codes, after.name, after.display_vi, after.display_en) == (
            ["92"],
            "Thành phố Cần Thơ",
            "thành phố Cần Thơ",
            "Cần Thơ city",
        )
        assert after.bbox == before.bbox

        in_soc_trang = (105.95, 9.35)
        assert site_checks.in_region(conn, *in_soc_trang, date(2025, 6, 30))
        assert not site_checks.in_region(conn, *in_soc_trang, date(2019, 12, 31))
        conn.execute(text("UPDATE admin_units SET valid_to = '2026-01-01' WHERE code = '92'"))
        assert not site_checks.in_region(conn, *in_soc_trang, today())
        trans.rollback()


def test_a_position_is_checked_against_the_region_of_its_day(engine):
    """The province closed at the end of yesterday and nothing after it: a point of a commune is
    outside the region today, inside it as of yesterday (rolled back)."""
    from app.errors import Unprocessable
    from app.schemas_registry import Position

    yesterday = today() - timedelta(days=1)
    with engine.connect() as conn, conn.begin() as trans:
        lon, lat = conn.execute(
            text(
                "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM admin_units "
                "WHERE level = 'commune' AND valid_to IS NULL ORDER BY code LIMIT 1) x"
            )
        ).one()
        conn.execute(text("UPDATE admin_units SET valid_to = CURRENT_DATE WHERE level = 'province'"))
        position = Position(lon=lon, lat=lat)
        assert site_checks.resolve_position(conn, position, day=yesterday)[2]["commune_code"]
        with pytest.raises(Unprocessable) as refused:
            site_checks.resolve_position(conn, position)
        assert [p.code for p in refused.value.reasons] == ["position.outside_province"]
        trans.rollback()


@pytest.fixture
def closed_commune(engine):
    """A commune of district 930 whose last day in force was yesterday (removed afterwards)."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO admin_units (level, code, name, name_folded, kind, parent_id, geom, "
                "valid_from, valid_to) SELECT 'commune', '93099', 'Xã Thử Nghiệm', 'xa thu nghiem', 'Xã', d.id, "
                "ST_Multi(ST_Buffer(ST_PointOnSurface(d.geom), 0.004)), '2020-01-01', CURRENT_DATE "
                "FROM admin_units d WHERE d.level = 'district' AND d.code = '930' AND d.valid_to IS NULL"
            )
        )
        lon, lat = conn.execute(
            text(
                "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Centroid(geom) AS p FROM admin_units WHERE code = '93099') x"
            )
        ).one()
    yield lon, lat
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM admin_units WHERE code = '93099'"))


def _codes(api, query: str) -> list[str]:
    r = api.get(f"/ogc/collections/communes/items?filter=code='93099'{query}")
    assert r.status_code == 200, r.text
    return [f["properties"]["code"] for f in r.json()["features"]]


def test_admin_collections_as_in_force_on_a_day(api, closed_commune):
    yesterday = (today() - timedelta(days=1)).isoformat()
    assert _codes(api, "") == []
    assert _codes(api, f"&datetime={today().isoformat()}") == []
    assert _codes(api, f"&datetime={yesterday}") == ["93099"]
    # a date-time names its day in Vietnam: 20:00 UTC yesterday is already today there
    assert _codes(api, f"&datetime={yesterday}T16:59:59Z") == ["93099"]
    assert _codes(api, f"&datetime={yesterday}T17:00:00Z") == []
    refused = api.get(f"/ogc/collections/communes/items?datetime=2025-01-01/{yesterday}")
    assert refused.status_code == 400 and "interval" in refused.json()["description"]
    # the districts of that day: all eight of the sample
    districts = api.get(f"/ogc/collections/districts/items?datetime={yesterday}").json()
    assert districts["numberMatched"] == 8
    doc = api.get("/ogc/collections/communes").json()
    assert "`datetime`" in doc["description"] and "interval is refused" in doc["description"]


def _tile_codes(api, lon: float, lat: float, query: str) -> set[str]:
    z = 14
    x, y = _tile_of(lon, lat, z)
    r = api.get(f"/tiles/communes/{z}/{x}/{y}.mvt{query}")
    assert r.status_code == 200, r.text
    layer = mapbox_vector_tile.decode(r.content).get("communes", {"features": []})
    return {f["properties"]["code"] for f in layer["features"]}


def _tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    import math

    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def test_vector_tiles_of_admin_units_as_of_a_day(api, closed_commune):
    lon, lat = closed_commune
    yesterday = (today() - timedelta(days=1)).isoformat()
    assert "93099" not in _tile_codes(api, lon, lat, "")
    assert "93099" in _tile_codes(api, lon, lat, f"?datetime={yesterday}")


# Where the region is spoken of in code (issues 12 and 14): no province's name or code, no place's
# coordinates and no province's CRS zone as a default may be written there; examples of places come
# from the region's data at run time (app/openapi.py, frontend/src/region.js, bench/run.py).
_CODE_DIRS = ("app", "gis", "frontend/src", "scripts", "bench")
_SUFFIXES = {".py", ".js", ".html", ".css", ".sql", ".sh", ".json"}
_LEFT_OUT = {
    "gis/synthetic": "the sample's generator: its facts are the sample's data (data/hamlets is built from it)",
}
_LAT, _LON = r"(?:[89]|1\d|2[0-4])\.\d", r"(?:10[2-9]|110)\.\d"  # Vietnam: 8–24 °N, 102–110 °E
_NUMBER_GAP = r"[^\d.]{1,3}"
_FORBIDDEN = {
    "a province's or its towns' name": re.compile(
        r"H[aậ]u Giang|hau-giang|C[aầ]n Th[oơ]|S[oó]c Tr[aă]ng|V[iị] Thanh|V[iị] Th[uủ]y|Ng[aã] B[aả]y|"
        r"Long M[yỹ]|Ph[uụ]ng Hi[eệ]p",
        re.IGNORECASE,
    ),
    "a province's code or a district's": re.compile(r"['\"]9[234]\d?['\"]"),
    # A place: both numbers to two decimals or more (one round number reads as an illustration).
    "a position in Vietnam": re.compile(
        rf"(?<![\d.])(?:{_LAT}\d+{_NUMBER_GAP}{_LON}\d+|{_LON}\d+{_NUMBER_GAP}{_LAT}\d+)(?![\d.])"
    ),
    "a box in Vietnam": re.compile(
        rf"(?<![\d.]){_LON}*{_NUMBER_GAP}{_LAT}*{_NUMBER_GAP}{_LON}*{_NUMBER_GAP}{_LAT}*(?![\d.])"
    ),
    "a DMS position in Vietnam": re.compile(r"(?<!\d)(?:[89]|1\d|2[0-4])°[^°]{1,20}(?:10[2-9]|110)°"),
    "a province's CRS zone as a default": re.compile(r"(?:default=|_CRS\s*=\s*)[\"']EPSG:5897"),
}
# (file, a piece of the line): why it stays.
_ALLOWED = {
    ("gis/importers/crs.py", "VIETNAM_LONLAT_BOUNDS = (102.0, 8.0, 110.0, 24.0)"): "the country's extent",
}


def _region_facts_in_code() -> tuple[list[str], set[tuple[str, str]]]:
    found, allowed_seen = [], set()
    for folder in _CODE_DIRS:
        for path in sorted((ROOT / folder).rglob("*")):
            where = path.relative_to(ROOT).as_posix()
            if path.suffix not in _SUFFIXES or "node_modules" in path.parts:
                continue
            if any(where.startswith(left_out + "/") for left_out in _LEFT_OUT):
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                allowed = {key for key in _ALLOWED if key[0] == where and key[1] in line}
                allowed_seen |= allowed
                found += [
                    f"{where}:{number}: {what}: {line.strip()}"
                    for what, pattern in _FORBIDDEN.items()
                    if not allowed and pattern.search(line)
                ]
    return found, allowed_seen


def test_no_province_is_written_in_the_code():
    found, allowed_seen = _region_facts_in_code()
    assert found == []
    assert allowed_seen == set(_ALLOWED)  # an allowance whose line is gone goes too


@pytest.mark.parametrize(
    "line",
    [
        'examples=["105.4,9.7,105.6,9.9"]',
        'description="… or a position: 9.78, 105.47 · "',
        'dms: placeholder: "9°47\'30\\"N 105°38\'24\\"E"',
        "# the next day in Cần Thơ",
        'scopes = ["province", "930", "934"]',
        'crs: str = Field(default="EPSG:5897")',
        "view = (9.784, 105.470, 14)",
    ],
)
def test_the_scan_finds_what_issue_12_found(line):
    assert any(pattern.search(line) for pattern in _FORBIDDEN.values())


@pytest.mark.parametrize(
    "line",
    [
        "geodesic_length_m(LineString([(105.0, 10.0), (105.0, 10.001)]))",
        "to_metric(105.0, 0.0)",
        "-105.0 dBm",
    ],
)
def test_the_scan_leaves_illustrations_and_other_numbers(line):
    assert not any(pattern.search(line) for pattern in _FORBIDDEN.values())


def test_a_duct_route_may_cross_between_the_units_of_the_region(engine):
    """A route from the province into a second top-level unit in force today is inside the region
    (the union of its units), and outside it while that unit is not there (rolled back)."""
    from app.errors import Unprocessable
    from app.schemas_registry import LineGeometry
    from app.services.assets import _line_in_region

    route = LineGeometry(type="LineString", coordinates=[[105.6, 9.8], [106.05, 9.85]])
    with engine.connect() as conn, conn.begin() as trans:
        session = Session(bind=conn)
        with pytest.raises(Unprocessable) as refused:
            _line_in_region(session, route)
        assert [p.code for p in refused.value.reasons] == ["route.outside_province"]
        _province(conn, "94", "Tỉnh Sóc Trăng", "Tỉnh", _square(105.8, 9.7, 0.3), "2020-01-01", None)
        assert '"LineString"' in _line_in_region(session, route)
        trans.rollback()
