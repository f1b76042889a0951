"""GET /api/search with positions and site codes: decimal, DMS and VN-2000 X/Y land on the spot typed,
site codes by who may see the site, and wrong or outside positions refused with a clear problem."""

import pytest
from pyproj import Transformer
from sqlalchemy import text

from gis.importers.crs import official_crs


@pytest.fixture(scope="module")
def spot(engine):
    """A point inside a hamlet, with its commune's name."""
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT round(ST_X(p)::numeric, 5)::float AS lon, round(ST_Y(p)::numeric, 5)::float AS lat, "
                "c.name AS commune FROM (SELECT ST_PointOnSurface(h.geom) AS p, h.parent_id FROM admin_units h "
                "WHERE h.level = 'hamlet' AND h.valid_to IS NULL ORDER BY h.code LIMIT 1) x "
                "JOIN admin_units c ON c.id = x.parent_id"
            )
        ).first()


def _dms(value: float, positive: str, negative: str) -> str:
    hemi = positive if value >= 0 else negative
    value = abs(value)
    d, rest = int(value), (abs(value) - int(value)) * 60
    return f"{d}°{int(rest)}'{(rest - int(rest)) * 60:.2f}\"{hemi}"


def test_decimal_degrees_find_the_spot(client, spot):
    body = client.get("/api/search", params={"q": f"{spot.lat}, {spot.lon}"}).json()
    [found] = body["results"]
    assert found["level"] == "position" and (found["lon"], found["lat"]) == (spot.lon, spot.lat)
    assert found["parent_name"] == spot.commune and found["bbox"] == [spot.lon, spot.lat, spot.lon, spot.lat]


def test_dms_finds_the_spot(anon_client, spot):
    q = f"{_dms(spot.lat, 'N', 'S')} {_dms(spot.lon, 'E', 'W')}"
    [found] = anon_client.get("/api/search", params={"q": q}).json()["results"]
    assert found["lon"] == pytest.approx(spot.lon, abs=1e-5) and found["lat"] == pytest.approx(
        spot.lat, abs=1e-5
    )


def test_vn2000_xy_in_either_zone(client, spot):
    easting, northing = Transformer.from_crs(
        "EPSG:4326", official_crs("EPSG:5897"), always_xy=True
    ).transform(spot.lon, spot.lat)
    q = f"X: {northing:.1f} Y: {easting:.1f}"
    results = client.get("/api/search", params={"q": q}).json()["results"]
    tm3 = [r for r in results if r["crs"] == "EPSG:5897"]
    assert [r["level"] for r in results] == ["position"] * len(results) and len(tm3) == 1
    assert tm3[0]["lon"] == pytest.approx(spot.lon, abs=1e-5) and tm3[0]["lat"] == pytest.approx(
        spot.lat, abs=1e-5
    )
    assert tm3[0]["name"].startswith("VN-2000 TM-3 105°00′")  # the sample's zone (its province.geojson)
    [utm] = client.get("/api/search", params={"q": f"{q} UTM"}).json()["results"]
    assert utm["crs"] == "EPSG:3405" and utm["lat"] != tm3[0]["lat"]


@pytest.mark.parametrize(
    "q, code",
    [
        ("9.78, 205.47", "position.dms_out_of_range"),
        ("10.78, 106.70", "search.coordinates_outside"),  # Hồ Chí Minh City
        ("9°75'N 105°28'E", "position.dms_minutes"),
        ("45000 67000", "search.coordinates_unreadable"),
    ],
)
def test_wrong_positions_are_refused_with_a_reason(client, q, code):
    r = client.get("/api/search", params={"q": q})
    assert r.status_code == 422
    [problem] = r.json()["problems"]
    assert problem["code"] == code and problem["field"] == "q" and problem["message"]


def _site(engine, status: str, owner: str):
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT s.code, ST_X(s.geom) AS lon FROM sites s JOIN operators o ON o.id = s.owner_id "
                "WHERE s.status = :status AND o.short_name = :owner ORDER BY s.code LIMIT 1"
            ),
            {"status": status, "owner": owner},
        ).first()


def test_site_codes_by_who_may_see_them(client, client_as, anon_client, engine):
    active = _site(engine, "active", "VinaPhone")
    [found] = [
        r
        for r in client.get("/api/search", params={"q": active.code}).json()["results"]
        if r["level"] == "site"
    ][:1]
    assert found["code"] == active.code and found["lon"] == pytest.approx(active.lon, abs=1e-6)
    lower = client.get("/api/search", params={"q": active.code.lower()}).json()["results"]
    assert active.code in [r["code"] for r in lower if r["level"] == "site"]
    # sites are not on the public map
    assert all(
        r["level"] != "site"
        for r in anon_client.get("/api/search", params={"q": active.code}).json()["results"]
    )
    plan = _site(engine, "proposed", "Viettel")
    assert plan is not None

    def codes(who):
        return [
            r["code"] for r in client_as(who).get("/api/search", params={"q": plan.code}).json()["results"]
        ]

    assert plan.code in codes("viettel1")
    assert plan.code not in codes("vina1")


def test_a_limited_official_finds_the_sites_of_the_district_only(client_as, engine):
    with engine.connect() as conn:
        inside, outside = (
            conn.execute(
                text(
                    "SELECT s.code FROM sites s JOIN admin_units d ON d.level = 'district' AND d.valid_to IS NULL "
                    f"AND ST_Intersects(d.geom, s.geom) WHERE s.status = 'active' AND d.code {op} '934' "
                    "ORDER BY s.code LIMIT 1"
                )
            ).scalar_one()
            for op in ("=", "<>")
        )
    official = client_as("official934")

    def sites(code):
        return [
            r["code"]
            for r in official.get("/api/search", params={"q": code}).json()["results"]
            if r["level"] == "site"
        ]

    assert inside in sites(inside)
    assert outside not in sites(outside)
