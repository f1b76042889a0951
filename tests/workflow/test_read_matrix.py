"""Every read endpoint, by every role and by an anonymous client, and what the scoped ones return.

The matrix lists each GET route with what each role gets: 200, or 401 (anonymous), 403 (not for this
role, or an area outside a limited official's district) or 404 (a record outside the caller's scope,
answered as an unknown one). A GET route missing from the matrix fails the test.

Then the bodies (app/services/scope.py): official934 never receives a record of another district,
and vina1 never receives another company's site awaiting approval (proposed or rejected), its cells
or a pending change — in items, single items, tiles, every export format, OFDS, search, drill-down,
history, reports, candidates, or any other read.
"""

import io
import json
import math
import re
import zipfile
from datetime import timedelta

import mapbox_vector_tile
import pyogrio
import pytest
import shapely
from openpyxl import load_workbook
from sqlalchemy import text

from app.collections import COLLECTIONS
from app.services.clock import today
from tests.app.test_challenges import SPEED_CSV as CHALLENGE_CSV
from tests.app.test_challenges import report as challenge_report
from tests.browser.support import MapPage, click_at, set_view
from tests.workflow.test_role_matrix import CELL, LOGGED_IN, ROLES, STAFF, WRITERS, api_routes

EVERYONE = set(ROLES)
OFFICIALS = {"official1", "official934"}
PLANS_OF_VIETTEL = STAFF | OFFICIALS | {"viettel1"}  # who sees Viettel's unapproved sites
PERIOD = "2024-Q4"  # closed by the fixture, for the reports
SECRET_PERMIT = "KH-MAT-0002"  # Viettel's pending change
NOT_934 = "930"
DAY_BEFORE = (today() - timedelta(days=1)).isoformat()  # a past day: the drill-down as of it


def _expect(ok: set, hidden: frozenset | set = frozenset()) -> dict[str, int]:
    """role → status: 200 for `ok`, 404 for `hidden`, else 401 anonymous and 403 logged in."""
    return {r: 200 if r in ok else 404 if r in hidden else 401 if r == "anonymous" else 403 for r in ROLES}


def _scalar(engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


_IN = (
    "JOIN admin_units d ON d.level = 'district' AND d.valid_to IS NULL "
    "AND ST_Intersects(d.geom, ST_PointOnSurface({a}.geom))"
)


@pytest.fixture(scope="module")
def world(client_as, engine):
    """Viettel's new proposal (district 934) and a pending change of one of its active sites there,
    the records of another district, and a closed quarter for the reports."""
    lon, lat = _scalar(
        engine,
        (
            "SELECT ARRAY[ST_X(p), ST_Y(p)] FROM (SELECT ST_PointOnSurface(h.geom) AS p FROM admin_units h "
            "JOIN admin_units c ON c.id = h.parent_id JOIN admin_units d ON d.id = c.parent_id "
            "WHERE h.level = 'hamlet' AND d.code = '934' AND h.valid_to IS NULL) x "
            "ORDER BY (SELECT min(ST_Distance(s.geom::geography, x.p::geography)) FROM sites s) DESC, 1 LIMIT 1"
        ),
    )
    vt = client_as("viettel1")
    r = vt.post(
        "/api/sites",
        json={
            "code": "RM-VT",
            "position": {"lon": lon, "lat": lat},
            "structure_type": "tower",
            "height_m": 42,
            "permit_no": "KH-MAT-0001",
            "cells": [CELL],
        },
    )
    assert r.status_code == 201, r.text
    pending = _scalar(
        engine,
        (
            "SELECT s.code FROM sites s JOIN operators o ON o.id = s.owner_id "
            + _IN.format(a="s")
            + " WHERE o.short_name = 'Viettel' AND s.status = 'active' AND d.code = '934' ORDER BY s.code LIMIT 1"
        ),
    )
    got = vt.get(f"/api/sites/{pending}")
    r = vt.patch(
        f"/api/sites/{pending}", json={"permit_no": SECRET_PERMIT}, headers={"If-Match": got.headers["ETag"]}
    )
    assert r.status_code == 202, r.text
    profile = {"target": "sites", "columns": {"Cao cột": "height_m"}}
    saved = client_as("planner1").put("/api/import/profiles/matrix-profile", json=profile)
    assert saved.status_code == 200, saved.text
    closed = client_as("planner1").post(f"/api/periods/{PERIOD}/close")
    assert closed.status_code in (200, 409), closed.text

    def outside(table: str, where: str = "true") -> str:
        return _scalar(
            engine,
            f"SELECT x.code FROM {table} x "
            + _IN.format(a="x")
            + f" WHERE d.code = '{NOT_934}' AND {where} ORDER BY x.code LIMIT 1",
        )

    def hamlet(district: str) -> str:
        return _scalar(
            engine,
            (
                "SELECT h.code FROM admin_units h JOIN admin_units c ON c.id = h.parent_id JOIN admin_units d "
                "ON d.id = c.parent_id WHERE h.level = 'hamlet' AND h.valid_to IS NULL AND d.code = :d "
                "ORDER BY h.code LIMIT 1"
            ),
            d=district,
        )

    return {
        "lon": lon,
        "lat": lat,
        "pending": pending,
        "site_out": outside("sites", "x.status = 'active'"),
        "pole_out": outside("poles"),
        "duct_out": outside("duct_routes"),
        "hamlet": hamlet("934"),
        "hamlet_out": hamlet(NOT_934),
        "challenge": _challenge_with_attachment(vt, lon, lat),
    }


def _challenge_with_attachment(client, lon: float, lat: float) -> str:
    """An open public report with a speed-test file (filing takes no account: any client files it)."""
    files = {"file": ("speedtest.csv", CHALLENGE_CSV, "text/csv")}
    r = client.post("/api/challenges", data=challenge_report(lon, lat), files=files)
    assert r.status_code == 201, r.text
    return r.json()["code"]


def _matrix(w) -> list[tuple[str, str, dict[str, int]]]:
    """(route, path, role → status)."""
    lon, lat = w["lon"], w["lat"]
    everyone, logged_in = _expect(EVERYONE), _expect(LOGGED_IN)
    not_934 = _expect(EVERYONE - {"official934"})  # an area outside the district: 403
    logged_not_934 = _expect(LOGGED_IN - {"official934"})
    record_out = _expect(LOGGED_IN - {"official934"}, {"official934"})  # a record outside: 404
    plan = _expect(PLANS_OF_VIETTEL, {"vina1"})
    tile = "/tiles/{collection_ids}/{z}/{x}/{y}.mvt"
    ogc_tile = "/ogc/collections/{collection_id}/tiles/{tms_id}/{z}/{y}/{x}"
    tileset = "/ogc/collections/{collection_id}/tiles/{tms_id}"
    return [
        ("/health", "/health", everyone),
        ("/", "/", everyone),
        ("/dashboard", "/dashboard", everyone),
        ("/upload", "/upload", everyone),
        ("/docs", "/docs", everyone),
        ("/api/auth/me", "/api/auth/me", everyone),
        ("/api/users", "/api/users", _expect({"admin1"})),
        ("/ogc", "/ogc", everyone),
        ("/ogc/conformance", "/ogc/conformance", everyone),
        ("/ogc/collections", "/ogc/collections", everyone),
        ("/ogc/collections/{collection_id}", "/ogc/collections/hamlets", everyone),
        ("/ogc/collections/{collection_id}", "/ogc/collections/sites", logged_in),
        ("/ogc/collections/{collection_id}/queryables", "/ogc/collections/sites/queryables", logged_in),
        ("/ogc/collections/{collection_id}/items", "/ogc/collections/sites/items?limit=1", logged_in),
        (
            "/ogc/collections/{collection_id}/items",
            f"/ogc/collections/sites/items?district={NOT_934}",
            not_934 | {"anonymous": 401},
        ),
        ("/ogc/collections/{collection_id}/items/{feature_id}", "/ogc/collections/sites/items/RM-VT", plan),
        (
            "/ogc/collections/{collection_id}/items/{feature_id}",
            "/ogc/collections/cells/items/RM-VT-4G-1",
            plan,
        ),
        (
            "/ogc/collections/{collection_id}/items/{feature_id}",
            f"/ogc/collections/sites/items/{w['site_out']}",
            record_out,
        ),
        (
            "/ogc/collections/{collection_id}/items/{feature_id}",
            f"/ogc/collections/hamlets/items/{w['hamlet_out']}",
            _expect(EVERYONE - {"official934"}, {"official934"}),
        ),
        ("/ogc/collections/{collection_id}/tiles", "/ogc/collections/sites/tiles", logged_in),
        (ogc_tile, "/ogc/collections/sites/tiles/WebMercatorQuad/9/241/405", logged_in),
        (ogc_tile, "/ogc/collections/hamlets/tiles/WorldCRS84Quad/8/114/406", everyone),
        (tileset, "/ogc/collections/sites/tiles/WebMercatorQuad", logged_in),
        (tileset, "/ogc/collections/hamlets/tiles/WorldCRS84Quad", everyone),
        ("/ogc/tileMatrixSets", "/ogc/tileMatrixSets", everyone),
        ("/ogc/tileMatrixSets/{tms_id}", "/ogc/tileMatrixSets/WebMercatorQuad", everyone),
        (tile, "/tiles/districts/9/405/241.mvt", everyone),
        (tile, "/tiles/districts,sites/9/405/241.mvt", logged_in),
        ("/tiles/{collection_ids}/tilejson.json", "/tiles/sites/tilejson.json", logged_in),
        ("/api/search", "/api/search?q=tan", everyone),
        ("/api/region", "/api/region", everyone),
        ("/basemap/roads.json", "/basemap/roads.json", everyone),  # the offline background, as its water
        ("/api/indicators", "/api/indicators?level=district", everyone),
        ("/api/indicators", "/api/indicators?level=province", not_934),
        ("/api/indicators/trends", "/api/indicators/trends?level=district&code=934", everyone),
        ("/api/indicators/trends", f"/api/indicators/trends?level=district&code={NOT_934}", not_934),
        (
            "/api/indicators/trend.svg",
            "/api/indicators/trend.svg?level=district&code=934&indicator=pole_sharing",
            everyone,
        ),
        ("/api/targets", "/api/targets", everyone),
        ("/api/plans", "/api/plans", everyone),
        ("/api/plans/{code}", "/api/plans/HG-2023-2025", everyone),
        ("/api/targets/{indicator_id}/history", "/api/targets/pole_sharing/history", everyone),
        ("/api/periods", "/api/periods", everyone),
        ("/api/statistics", "/api/statistics?code=934&period=2025-Q3", logged_in),
        ("/api/statistics", f"/api/statistics?code={NOT_934}&period=2025-Q3", logged_not_934),
        ("/api/statistics/template", "/api/statistics/template?period=2025-Q3", logged_in),
        ("/api/drilldown/{code}", "/api/drilldown/934", logged_in),
        ("/api/drilldown/{code}", f"/api/drilldown/{NOT_934}", logged_not_934),
        ("/api/drilldown/{code}/export", "/api/drilldown/934/export?format=csv", logged_in),
        ("/api/drilldown/{code}", f"/api/drilldown/934?date={DAY_BEFORE}", logged_in),
        ("/api/drilldown/{code}", f"/api/drilldown/{NOT_934}?date={DAY_BEFORE}", logged_not_934),
        (
            "/api/drilldown/{code}/export",
            f"/api/drilldown/934/export?format=csv&date={DAY_BEFORE}",
            logged_in,
        ),
        ("/api/reports/{period}.xlsx", f"/api/reports/{PERIOD}.xlsx?scope=934", logged_in),
        ("/api/reports/{period}.xlsx", f"/api/reports/{PERIOD}.xlsx", logged_not_934),
        ("/api/reports/{period}.html", f"/api/reports/{PERIOD}.html?scope=934", logged_in),
        ("/api/reports/{period}.html", f"/api/reports/{PERIOD}.html?scope={NOT_934}", logged_not_934),
        ("/api/coverage/model-card", "/api/coverage/model-card", everyone),
        ("/api/hamlets/{code}/coverage", f"/api/hamlets/{w['hamlet']}/coverage", everyone),
        ("/api/hamlets/{code}/coverage", f"/api/hamlets/{w['hamlet_out']}/coverage", not_934),
        ("/api/export/ofds", "/api/export/ofds", logged_in),
        ("/api/export/indicators", "/api/export/indicators?level=district&format=csv", everyone),
        ("/api/export/indicators", "/api/export/indicators?level=province&format=csv", not_934),
        ("/api/export/{collection_id}", "/api/export/sites?format=csv", logged_in),
        ("/api/export/{collection_id}", "/api/export/districts?format=csv", everyone),
        ("/api/operators", "/api/operators", logged_in),
        ("/api/registrations", "/api/registrations", _expect(WRITERS)),
        ("/api/sites/sharing-candidates", f"/api/sites/sharing-candidates?lon={lon}&lat={lat}", logged_in),
        (
            "/api/sites/sharing-candidates",
            "/api/sites/sharing-candidates?lon=105.4968&lat=9.8623",
            logged_not_934,
        ),
        ("/api/sites/{code}", "/api/sites/RM-VT", plan),
        ("/api/sites/{code}", f"/api/sites/{w['site_out']}", record_out),
        ("/api/history/{kind}/{code}", "/api/history/site/RM-VT", plan),
        ("/api/history/{kind}/{code}", f"/api/history/site/{w['site_out']}", record_out),
        ("/api/history/{kind}/{code}", f"/api/history/pole/{w['pole_out']}", record_out),
        ("/api/audit/export", "/api/audit/export?from=2025-01-01&to=2025-01-02", _expect(STAFF)),
        ("/api/poles/{code}", f"/api/poles/{w['pole_out']}", record_out),
        ("/api/ducts/{code}", f"/api/ducts/{w['duct_out']}", record_out),
        ("/api/sharing-requests", "/api/sharing-requests", _expect(WRITERS)),
        ("/api/templates/{target}.{fmt}", "/api/templates/sites.csv", logged_in),
        ("/api/vocabulary", "/api/vocabulary?domain=column", logged_in),
        ("/api/import/profiles", "/api/import/profiles", logged_in),
        ("/api/import/profiles/{name}", "/api/import/profiles/matrix-profile", logged_in),
        # What serves this spot: everyone (anonymous with the public map's details), a limited official
        # in the district only (app/services/point.py)
        ("/api/point", f"/api/point?lon={lon}&lat={lat}&radius_m=5000", everyone),
        ("/api/point", "/api/point?lon=105.4968&lat=9.8623", not_934),
        # Challenges: the private link answers its token only (none here: 404 for everyone); the queue
        # is the Department's and the operators'; an open report is not yet any operator's (404).
        ("/challenge", "/challenge", everyone),
        ("/api/challenges/track", "/api/challenges/track", {r: 404 for r in ROLES}),
        ("/api/challenges/summary", "/api/challenges/summary", everyone),
        ("/api/challenges/form", "/api/challenges/form", everyone),
        ("/api/challenges", "/api/challenges", _expect(WRITERS)),
        (
            "/api/challenges/{code}",
            f"/api/challenges/{w['challenge']}",
            _expect(STAFF, {"viettel1", "vina1"}),
        ),
        (
            "/api/challenges/{code}/attachment",
            f"/api/challenges/{w['challenge']}/attachment",
            _expect(STAFF, {"viettel1", "vina1"}),
        ),
        # A dispute's file: the Department and the disputing operator (none here: 404 for them).
        (
            "/api/challenges/{code}/dispute-file/{operator}",
            f"/api/challenges/{w['challenge']}/dispute-file/Viettel",
            _expect(set(), STAFF | {"viettel1", "vina1"}),
        ),
    ]


def _client(role, client_as, anon_client):
    return anon_client if role == "anonymous" else client_as(role)


def test_the_matrix_covers_every_read_endpoint(app_instance, world):
    gets = {r.path for r in api_routes(app_instance.routes) if "GET" in r.methods}
    assert gets == {route for route, *_ in _matrix(world)}


def test_every_read_endpoint_by_every_role(client_as, anon_client, world):
    failures = []
    for _, path, expected in _matrix(world):
        for role in ROLES:
            r = _client(role, client_as, anon_client).get(path)
            if r.status_code != expected[role]:
                failures.append(
                    f"GET {path} as {role}: {r.status_code} (expected {expected[role]}) {r.text[:160]}"
                )
    assert not failures, "\n".join(failures)


# --- what the bodies hold ---------------------------------------------------------------------


def _tiles_over(client, z: int) -> list[tuple[int, int]]:
    """The (x, y) tiles at zoom z over the province."""
    lon0, lat0, lon1, lat1 = client.get("/ogc/collections/districts").json()["extent"]["spatial"]["bbox"][0]
    n = 1 << z

    def xy(lon, lat):
        y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
        return int((lon + 180) / 360 * n), int(y)

    (x0, y0), (x1, y1) = xy(lon0, lat1), xy(lon1, lat0)
    return [(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def _tile_codes(client, layers: list[str], z: int = 9) -> dict[str, set]:
    found: dict[str, set] = {c: set() for c in layers}
    for x, y in _tiles_over(client, z):
        r = client.get(f"/tiles/{','.join(layers)}/{z}/{x}/{y}.mvt")
        assert r.status_code == 200, r.text
        for layer, data in mapbox_vector_tile.decode(r.content).items():
            found[layer] |= {f["properties"]["code"] for f in data["features"]}
    return found


def _items(client, collection: str) -> list[dict]:
    r = client.get(f"/ogc/collections/{collection}/items?limit=10000")
    assert r.status_code == 200, r.text
    assert r.json()["numberMatched"] == len(r.json()["features"])
    return r.json()["features"]


def _district_934(client):
    return shapely.geometry.shape(client.get("/ogc/collections/districts/items/934").json()["geometry"])


def _in_934(collection: str, feature: dict, district) -> bool:
    if collection == "districts":
        return feature["id"] == "934"
    if collection == "coverage":
        return shapely.geometry.shape(feature["geometry"]).intersects(district)
    return feature["properties"]["district_code"] == "934"


def test_official934_never_receives_a_record_of_another_district(client_as, world, tmp_path):
    limited, everyone = client_as("official934"), client_as("official1")
    district = _district_934(everyone)
    mine: dict[str, set] = {}
    for cid in COLLECTIONS:
        features = _items(limited, cid)
        assert features, cid
        assert all(_in_934(cid, f, district) for f in features), cid
        mine[cid] = {f["id"] for f in features}
        # A feature of another district, by its id: unknown.
        other = next(f["id"] for f in _items(everyone, cid) if not _in_934(cid, f, district))
        r = limited.get(f"/ogc/collections/{cid}/items/{other}")
        assert (
            r.status_code == 404
            and r.json()["description"] == f"không có đối tượng “{other}” trong lớp {cid}"
        )
    # Tiles: every layer at once, features of the district only (and others' are there for official1).
    layers = [c for c in COLLECTIONS if c != "coverage"]
    tiles, all_tiles = _tile_codes(limited, layers), _tile_codes(everyone, ["sites", "districts"])
    for cid in layers:
        assert tiles[cid] and tiles[cid] <= {str(c) for c in mine[cid]}, cid
    assert tiles["sites"] < all_tiles["sites"] and tiles["districts"] == {"934"} < all_tiles["districts"]
    coverage = _tile_codes(limited, ["coverage"], z=8)["coverage"]
    assert coverage and coverage <= mine["coverage"]
    # Exports, each format: the district's sites only.
    for fmt in ("geojson", "csv", "kml", "gpkg", "shp", "xlsx"):
        r = limited.get(f"/api/export/sites?format={fmt}")
        assert r.status_code == 200, (fmt, r.text)
        assert set(_codes_in_file(r.content, fmt, tmp_path)) == mine["sites"], fmt
    # OFDS: the district's poles, manholes, access points and ducts only.
    network = json.loads(limited.get("/api/export/ofds").content)["networks"][0]
    nodes = {n["id"] for n in network["nodes"] if "/" not in n["id"]}  # "/": an end the export made up
    assert nodes and nodes <= mine["poles"] | mine["manholes"] | mine["fibre_access_points"]
    # Routes are cut into spans at their manholes: "<route>/<n>" (gis/ofds.py)
    assert {s["id"].split("/")[0] for s in network["spans"]} == mine["ducts"]
    every = json.loads(everyone.get("/api/export/ofds").content)["networks"][0]
    assert len(every["spans"]) > len(network["spans"])
    # The collection's extent is the district's.
    x0, y0, x1, y1 = limited.get("/ogc/collections/sites").json()["extent"]["spatial"]["bbox"][0]
    assert shapely.box(x0, y0, x1, y1).within(shapely.box(*district.bounds).buffer(1e-6))


def test_official934_searches_and_drills_down_in_the_district_only(client_as, world, engine):
    limited, everyone = client_as("official934"), client_as("official1")
    found = limited.get("/api/search?q=ap&limit=50").json()["results"]
    assert found and all(u["code"].startswith("934") for u in found)
    assert not all(
        u["code"].startswith("934") for u in everyone.get("/api/search?q=ap&limit=50").json()["results"]
    )
    sites_934 = {f["id"] for f in _items(limited, "sites")}
    # Drill-down, its export, the report of a closed quarter: nearest sites of another district keep
    # their operator and distance, not their code.
    nearest = [s for h in limited.get("/api/drilldown/934").json()["hamlets"] for s in h["nearest_sites"]]
    codes = {s["site_code"] for s in nearest}
    assert None in codes and codes - {None} <= sites_934
    seen_by_all = {
        s["site_code"]
        for h in everyone.get("/api/drilldown/934").json()["hamlets"]
        for s in h["nearest_sites"]
    }
    assert seen_by_all - sites_934, "the sample has hamlets of 934 whose nearest site is in another district"
    assert [s["distance_m"] for s in nearest] == [
        s["distance_m"]
        for h in everyone.get("/api/drilldown/934").json()["hamlets"]
        for s in h["nearest_sites"]
    ]
    pattern = re.compile(r"HG-S\d+")
    export = limited.get("/api/drilldown/934/export?format=csv").content.decode("utf-8-sig")
    assert set(pattern.findall(export)) <= sites_934
    report = _xlsx_text(limited.get(f"/api/reports/{PERIOD}.xlsx?scope=934").content)
    assert set(pattern.findall(report)) and set(pattern.findall(report)) <= sites_934
    assert (
        set(pattern.findall(_xlsx_text(everyone.get(f"/api/reports/{PERIOD}.xlsx?scope=934").content)))
        - sites_934
    )
    hamlet = limited.get(f"/api/hamlets/{world['hamlet']}/coverage").json()
    assert {s["site_code"] for s in hamlet["nearest_sites"]} - {None} <= sites_934
    # Sharing candidates near the district's edge: its own sites only.
    lon, lat = _scalar(
        engine,
        (
            "SELECT ARRAY[ST_X(s.geom), ST_Y(s.geom)] FROM sites s "
            + _IN.format(a="s")
            + " WHERE d.code = '934' "
            "ORDER BY ST_Distance(s.geom, ST_Boundary(d.geom)), s.code LIMIT 1"
        ),
    )
    url = f"/api/sites/sharing-candidates?lon={lon}&lat={lat}&radius_m=5000"
    mine = {c["code"] for c in limited.get(url).json()["candidates"]}
    theirs = {c["code"] for c in everyone.get(url).json()["candidates"]}
    assert mine and mine <= sites_934 and theirs - sites_934
    # Indicators, as a table or a file: the district's.
    assert [u["code"] for u in limited.get("/api/indicators?level=district").json()["units"]] == ["934"]
    rows = (
        limited.get("/api/export/indicators?level=district&format=csv")
        .content.decode("utf-8-sig")
        .splitlines()[1:]
    )
    assert rows and {row.split(",")[0] for row in rows} == {"934"}


def _codes_in_file(content: bytes, fmt: str, folder) -> list[str]:
    """The `code` column of an exported file, read back with GDAL (openpyxl for XLSX)."""
    if fmt == "xlsx":
        rows = list(load_workbook(io.BytesIO(content), read_only=True).worksheets[0].values)
        return [row[rows[0].index("code")] for row in rows[1:]]
    path = folder / f"export.{fmt}" if fmt != "shp" else folder / "export.shp.zip"
    path.write_bytes(content)
    return [str(v) for v in pyogrio.read_dataframe(f"/vsizip/{path}" if fmt == "shp" else path)["code"]]


def _xlsx_text(content: bytes) -> str:
    book = load_workbook(io.BytesIO(content), read_only=True)
    return "\n".join(str(v) for ws in book.worksheets for row in ws.values for v in row if v is not None)


# --- another company's plans --------------------------------------------------------------------


def _plans(engine, company: str) -> tuple[set[str], re.Pattern]:
    """Codes of every site awaiting approval (or rejected) of companies other than ``company``, with
    their cells, and a pattern finding any of them (or the secret of the pending change) in a text."""
    with engine.connect() as conn:
        sites = set(
            conn.execute(
                text(
                    "SELECT s.code FROM sites s JOIN operators o ON o.id = s.owner_id "
                    "WHERE s.status IN ('proposed', 'rejected') AND o.short_name <> :me"
                ),
                {"me": company},
            ).scalars()
        )
    words = sorted(sites, key=len, reverse=True) + [SECRET_PERMIT]
    return sites, re.compile("(" + "|".join(re.escape(w) for w in words) + r")(?!\d)")


def _text_of(r) -> str:
    """A response as text: zip members, workbooks and vector tiles opened."""
    kind = r.headers.get("content-type", "")
    if "mapbox-vector-tile" in kind:
        return json.dumps(mapbox_vector_tile.decode(r.content), default=str, ensure_ascii=False)
    if r.content[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(r.content)) as z:
            return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    return r.content.decode("utf-8", "replace")


def test_vina1_never_receives_another_companys_plans(client_as, anon_client, engine, world):
    sites, secret = _plans(engine, "VinaPhone")
    assert "RM-VT" in sites and len(sites) > 20
    vina, viettel = client_as("vina1"), client_as("viettel1")
    lon, lat = world["lon"], world["lat"]
    paths = [path for _, path, _ in _matrix(world)] + [
        "/ogc/collections/sites/items?limit=10000",
        "/ogc/collections/cells/items?limit=10000",
        "/ogc/collections/sites/items?status=proposed",
        "/ogc/collections/sites/items?filter=status%3D'rejected'",
        f"/api/sites/{world['pending']}",
        f"/api/history/site/{world['pending']}",
        f"/api/sites/sharing-candidates?lon={lon}&lat={lat}&radius_m=5000",
        "/api/drilldown/934",
        *(
            f"/api/export/{c}?format={f}"
            for c in ("sites", "cells")
            for f in ("geojson", "csv", "kml", "gpkg", "shp", "xlsx")
        ),
        *(
            f"/tiles/sites,cells/{z}/{x}/{y}.mvt"
            for z in (9, 14)
            for x, y in _tiles_over(vina, z)
            if z == 9 or _near(x, y, z, lon, lat)
        ),
        *(f"/ogc/collections/sites/items/{code}" for code in sorted(sites)),
        *(f"/api/sites/{code}" for code in sorted(sites)),
        *(f"/api/history/site/{code}" for code in sorted(sites)),
    ]
    leaks = []
    for path in paths:
        for role, c in (("vina1", vina), ("anonymous", anon_client)):
            r = c.get(path)
            if r.status_code == 200 and (found := secret.search(_text_of(r))):
                leaks.append(f"GET {path} as {role}: {found.group(0)}")
    what_if = vina.post(
        "/api/coverage/what-if",
        json={
            "site": {"lon": lon, "lat": lat},
            "cells": [
                {
                    "operator": "VinaPhone",
                    "technology": "4G",
                    "band_mhz": 1800,
                    "antenna_height_m": 30,
                    "eirp_dbm": 58,
                }
            ],
        },
    )
    assert what_if.status_code == 200 and not secret.search(what_if.text)
    assert not leaks, "\n".join(leaks[:40])
    # Their own company sees them (and so the search above could fail).
    assert secret.search(_text_of(viettel.get("/ogc/collections/sites/items?limit=10000")))
    assert viettel.get(f"/api/sites/{world['pending']}").json()["pending_change"] == {
        "permit_no": SECRET_PERMIT
    }
    assert SECRET_PERMIT in client_as("official934").get(f"/api/history/site/{world['pending']}").text
    # An unknown code and another company's plan read the same.
    for path in ("/api/sites/{}", "/api/history/site/{}", "/ogc/collections/sites/items/{}"):
        hidden, unknown = vina.get(path.format("RM-VT")), vina.get(path.format("RM-NONE"))
        assert hidden.status_code == unknown.status_code == 404
        assert hidden.json()["description"].replace("RM-VT", "X") == unknown.json()["description"].replace(
            "RM-NONE", "X"
        )
    # The public site with a pending change: its current state, not the change.
    shown = vina.get(f"/api/sites/{world['pending']}").json()
    assert (
        shown["pending_change"] is None
        and shown["pending_by"] is None
        and shown["permit_no"] != SECRET_PERMIT
    )
    history = vina.get(f"/api/history/site/{world['pending']}").json()["entries"]
    assert history and all(
        "pending_change" not in (e["after"] or {}) for e in history if e["entity"] == "sites"
    )


def _near(x: int, y: int, z: int, lon: float, lat: float) -> bool:
    n = 1 << z
    tx = int((lon + 180) / 360 * n)
    ty = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return (x, y) == (tx, ty)


def test_a_place_beside_another_companys_plan_is_refused_without_naming_it(client_as, world):
    body = {
        "code": "RM-VN",
        "position": {"lon": world["lon"] + 0.0001, "lat": world["lat"]},  # ≈ 11 m
        "structure_type": "tower",
        "height_m": 40,
        "new_structure_reason": "x",
        "cells": [{**CELL, "operator": "VinaPhone"}],
    }
    r = client_as("vina1").post("/api/sites", json=body)
    assert r.status_code == 409
    (unseen,) = r.json()["problems"]
    assert set(r.json()) == {"code", "description", "problems"}
    assert (unseen["code"], unseen["params"]) == ("site.too_close_unseen", {"spacing": 30})
    assert r.json()["description"] == (
        "Vị trí: một trạm đang chờ duyệt của doanh nghiệp khác nằm trong phạm vi 30 m: "
        "hai trạm không được gần nhau dưới 30 m"
    )
    # The Department is told which one.
    r = client_as("planner1").post("/api/sites", json={**body, "owner": "VinaPhone"})
    assert r.status_code == 409 and "RM-VT (Viettel, Đề xuất)" in r.json()["description"]
    (seen,) = r.json()["problems"]
    assert {k: seen["params"][k] for k in ("code", "owner", "status")} == {
        "code": "RM-VT",
        "owner": "Viettel",
        "status": "proposed",
    }
    assert r.json()["site"]["code"] == "RM-VT"
    # Nor does a sharing request tell it exists.
    asked, unknown = (
        client_as("vina1").post("/api/sharing-requests", json={"asset": "site", "code": c})
        for c in ("RM-VT", "RM-NONE")
    )
    assert (asked.status_code, asked.json()["description"]) == (404, "không có trạm “RM-VT”")
    assert unknown.status_code == 404
    # Nor an edit or a transition tried on it (an unknown site answers the same).
    stale = {"If-Match": '"1"'}
    for code in ("RM-VT", "RM-NONE"):
        vina = client_as("vina1")
        r = vina.patch(f"/api/sites/{code}", json={"height_m": 41}, headers=stale)
        assert (r.status_code, r.json()["description"]) == (404, f"không có trạm “{code}”")
        r = vina.post(f"/api/sites/{code}/transitions", json={"to": "rejected", "reason": "x"}, headers=stale)
        assert (r.status_code, r.json()["description"]) == (404, f"không có trạm “{code}”")


@pytest.mark.browser
def test_the_refusal_beside_a_plan_reads_in_vietnamese_on_the_map(chromium, live_server_url, tokens, world):
    lon, lat = world["lon"] + 0.0001, world["lat"]  # ≈ 11 m from Viettel's proposal
    operator = MapPage(chromium, live_server_url, user="vina1")
    try:
        page = operator.open()
        page.fill("#hg-reg-code", "UI-VN-PLAN")
        set_view(page, lat, lon, 17)
        page.click("#hg-reg-place")
        click_at(page, lat, lon)
        page.click("#hg-reg-submit")
        page.wait_for_function("document.querySelector('#hg-reg-message').innerText.includes('30 m')")
        said = page.locator("#hg-reg-message").inner_text()
        assert "một trạm đang chờ duyệt của doanh nghiệp khác nằm trong phạm vi 30 m" in said, said
        assert "RM-VT" not in said and "Viettel" not in said
    finally:
        operator.context.close()


def test_cold_tiles_on_the_read_only_path_keep_each_reader_to_their_rows(
    client_as, anon_client, engine, world, monkeypatch
):
    """With the server's tile cache off a tile is read on a pooled cursor without a Session
    (app/routers/tiles.py, _read_only; a district-limited official's district is a location filter,
    so the Session's path answers them): each reader gets the rows that reader may see, whichever path
    answers — the district's rows, no other company's plans, a 401."""
    from app.services import tiles
    from app.settings import get_settings

    monkeypatch.setattr(get_settings(), "tile_cache_bytes", 0)
    answered: list = []
    real = tiles.read_only_tile
    monkeypatch.setattr(tiles, "read_only_tile", lambda *a, **k: answered.append(t := real(*a, **k)) or t)
    limited, everyone, vina = client_as("official934"), client_as("official1"), client_as("vina1")
    mine = {cid: {str(f["id"]) for f in _items(limited, cid)} for cid in ("sites", "districts")}
    for _ in range(2):  # a token's first read may note its use (the Session's path); the second not
        tiles_limited = _tile_codes(limited, ["sites", "districts"])
        tiles_everyone = _tile_codes(everyone, ["sites", "districts"])
    assert tiles_limited["sites"] and tiles_limited["sites"] <= mine["sites"]
    assert tiles_limited["districts"] == {"934"} < tiles_everyone["districts"]
    assert tiles_limited["sites"] < tiles_everyone["sites"]
    _, secret = _plans(engine, "VinaPhone")
    leaks = []
    for _ in range(2):
        for x, y in _tiles_over(vina, 9):
            r = vina.get(f"/tiles/sites,cells/9/{x}/{y}.mvt")
            assert r.status_code == 200, r.text
            if found := secret.search(_text_of(r)):
                leaks.append(found.group(0))
    assert not leaks
    assert anon_client.get("/tiles/sites/9/405/241.mvt").status_code == 401
    assert anon_client.get("/tiles/districts/9/405/241.mvt").status_code == 200
    assert any(t is not None for t in answered)  # the read-only path did answer
