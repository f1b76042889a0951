"""GET /api/point on the sample province: the stored raster's level at the spot, the serving cell
computed with the engine's functions matching it, distances against PostGIS, speed tests nearby,
dead zones, the region check, who sees which details, and the day asked for."""

from statistics import median

import pytest
from sqlalchemy import text

from app.services import clock
from gis.block_analysis import decode_raster
from tests.workflow.spots import dead_zone_spots

QUANTUM_DB = 0.05  # the raster stores dBm × 10 as integers


def _one(engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(text(sql), params).first()


@pytest.fixture(scope="module")
def covered(engine, client):
    """A spot 400 m north-east of an active 4G site, and the answer there."""
    site = _one(
        engine,
        "SELECT s.code, ST_X(s.geom) AS lon, ST_Y(s.geom) AS lat FROM sites s WHERE s.status = 'active' "
        "AND EXISTS (SELECT 1 FROM cells c WHERE c.site_id = s.id AND c.technology = '4G') ORDER BY s.code LIMIT 1",
    )
    lon, lat = site.lon + 0.0026, site.lat + 0.0026
    r = client.get(f"/api/point?lon={lon}&lat={lat}")
    assert r.status_code == 200, r.text
    return r.json()


def _stored(engine, answer: dict):
    grid = answer["grid"]
    row = _one(
        engine,
        "SELECT operators, ny, nx, data FROM coverage_rasters WHERE block_key = :k",
        k=grid["block_key"],
    )
    raster = decode_raster(bytes(row.data), (len(row.operators), 2, row.ny, row.nx))
    return row.operators, raster[:, :, grid["row"], grid["col"]]


def test_levels_are_the_stored_raster_and_the_serving_cell_matches(engine, covered):
    operators, stored = _stored(engine, covered)
    assert covered["signal_source"] == "raster" and not covered["run"]["dated"]
    assert [o["operator"] for o in covered["operators"]] == operators
    served = 0
    for o, op in enumerate(covered["operators"]):
        for c, cls in enumerate(op["classes"]):
            value = float(stored[o, c])
            assert cls["level_dbm"] == (None if value <= -999 else pytest.approx(value, abs=1e-4))
            if cls["level_dbm"] is None:
                assert cls["serving"] is None and cls["band"] == "none" and cls["places"] == []
                continue
            served += 1
            # the engine's own functions at the grid cell's centre: the raster to its quantisation
            assert cls["serving"]["level_dbm"] == pytest.approx(cls["level_dbm"], abs=QUANTUM_DB + 0.01)
            assert max(cls["technologies"].values()) == pytest.approx(cls["level_dbm"], abs=QUANTUM_DB + 0.01)
            if cls["next_best"]:
                assert cls["next_best"]["level_dbm"] <= cls["serving"]["level_dbm"]
    assert served >= 2


def test_bands_and_words_follow_the_run_thresholds(covered):
    edges = covered["thresholds"]["bands_dbm"]
    assert edges == {"good": -85.0, "fair": -95.0, "weak": -105.0}
    words = {
        "good": ["trong nhà", "trên xe", "ngoài trời"],
        "fair": ["trên xe", "ngoài trời"],
        "weak": ["ngoài trời"],
    }
    for op in covered["operators"]:
        for cls in op["classes"]:
            level = cls["level_dbm"]
            band = "none" if level is None else next((b for b, e in edges.items() if level >= e), "none")
            assert cls["band"] == band
            assert cls["words"]["vi"] == words.get(band, [])


def test_serving_site_distance_and_bearing_against_postgis(engine, covered):
    servers = [c["serving"] for o in covered["operators"] for c in o["classes"] if c["serving"]]
    assert servers
    for s in servers:
        site = _one(
            engine,
            "SELECT ST_Distance(s.geom::geography, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography) AS d, "
            "degrees(ST_Azimuth(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography, s.geom::geography)) AS az, "
            "c.code AS cell FROM sites s JOIN cells c ON c.site_id = s.id WHERE s.code = :code AND c.code = :cell",
            lon=covered["lon"],
            lat=covered["lat"],
            code=s["site_code"],
            cell=s["cell_code"],
        )
        assert site is not None, s
        assert s["distance_m"] == pytest.approx(site.d, abs=1.0)
        assert s["bearing_deg"] == pytest.approx(site.az, abs=0.2)


@pytest.mark.parametrize("kind", ["no_mbb", "single_operator"])
def test_dead_zone_spots_say_so(client, engine, kind):
    [(lon, lat)] = dead_zone_spots(engine, kind=kind)
    answer = client.get(f"/api/point?lon={lon}&lat={lat}").json()
    assert answer["dead_zone"] == kind
    assert answer["place"]["hamlet_code"] and answer["place"]["commune_name"]
    covered = [o["operator"] for o in answer["operators"] if (o["classes"][0]["level_dbm"] or -999) >= -105]
    assert len(covered) == (0 if kind == "no_mbb" else 1)
    if kind == "no_mbb":  # some 2G/3G reaches the spot
        assert any((o["classes"][1]["level_dbm"] or -999) >= -105 for o in answer["operators"])


def test_speed_tests_nearby_with_dates_and_medians(client, engine):
    t = _one(
        engine,
        "SELECT ST_X(t.geom) AS lon, ST_Y(t.geom) AS lat, o.short_name AS operator FROM speed_tests t "
        "JOIN operators o ON o.id = t.operator_id WHERE t.technology = '4G' ORDER BY t.code LIMIT 1",
    )
    with engine.connect() as conn:
        near = conn.execute(
            text(
                "SELECT t.download_mbps, t.upload_mbps, t.measured_at FROM speed_tests t JOIN operators o "
                "ON o.id = t.operator_id WHERE o.short_name = :op AND t.technology IN ('2G', '3G', '4G', '5G') "
                "AND ST_DWithin(t.geom::geography, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography, 300)"
            ),
            {"op": t.operator, "lon": t.lon, "lat": t.lat},
        ).all()
    answer = client.get(f"/api/point?lon={t.lon}&lat={t.lat}&radius_m=300").json()
    [mine] = [o["samples"] for o in answer["operators"] if o["operator"] == t.operator]
    assert mine["count"] == len(near) >= 1
    assert mine["median_download_mbps"] == pytest.approx(median(r.download_mbps for r in near), abs=0.01)
    assert mine["median_upload_mbps"] == pytest.approx(median(r.upload_mbps for r in near), abs=0.01)
    assert mine["first"] == min(r.measured_at for r in near).date().isoformat()
    assert len(mine["items"]) == len(near) and all(i["distance_m"] <= 300 for i in mine["items"])
    assert answer["samples"]["radius_m"] == 300 and answer["samples"]["count"] >= len(near)


def test_anonymous_gets_the_public_map_details_only(anon_client, covered):
    answer = anon_client.get(f"/api/point?lon={covered['lon']}&lat={covered['lat']}").json()
    servers = [
        c[k] for o in answer["operators"] for c in o["classes"] for k in ("serving", "next_best") if c[k]
    ]
    assert servers
    assert all(set(s) == {"operator", "technology", "band_mhz", "level_dbm", "distance_m"} for s in servers)
    assert all("items" not in o["samples"] for o in answer["operators"])
    assert [c["level_dbm"] for o in answer["operators"] for c in o["classes"]] == [
        c["level_dbm"] for o in covered["operators"] for c in o["classes"]
    ]


def test_outside_the_region_is_a_clear_problem(client):
    r = client.get("/api/point?lon=106.70&lat=10.78")  # Hồ Chí Minh City
    assert r.status_code == 422
    [problem] = r.json()["problems"]
    assert problem["code"] == "point.outside_region" and problem["params"] == {"lon": 106.7, "lat": 10.78}


@pytest.mark.parametrize("query", ["lon=200&lat=9.8", "lon=105.5", "lon=105.5&lat=9.8&radius_m=100000"])
def test_bad_queries_are_refused(client, query):
    assert client.get(f"/api/point?{query}").status_code in (400, 422)


def test_a_limited_official_asks_inside_the_district(client_as, engine):
    def spot(inside: bool):
        return _one(
            engine,
            "SELECT ST_X(p) AS lon, ST_Y(p) AS lat FROM (SELECT ST_PointOnSurface(h.geom) AS p FROM admin_units h "
            "JOIN admin_units c ON c.id = h.parent_id JOIN admin_units d ON d.id = c.parent_id "
            f"WHERE h.level = 'hamlet' AND h.valid_to IS NULL AND d.code {'=' if inside else '<>'} '934' "
            "ORDER BY h.code LIMIT 1) x",
        )

    official = client_as("official934")
    inside, outside = spot(True), spot(False)
    answer = official.get(f"/api/point?lon={inside.lon}&lat={inside.lat}&radius_m=5000")
    assert answer.status_code == 200
    refused = official.get(f"/api/point?lon={outside.lon}&lat={outside.lat}")
    assert refused.status_code == 403
    codes = {
        c[k].get("site_code")
        for o in answer.json()["operators"]
        for c in o["classes"]
        for k in ("serving", "next_best")
        if c[k]
    } - {None}
    if codes:
        districts = {
            r[0]
            for r in engine.connect().execute(
                text(
                    "SELECT d.code FROM sites s JOIN admin_units d ON d.level = 'district' AND d.valid_to IS NULL "
                    "AND ST_Intersects(d.geom, s.geom) WHERE s.code = ANY(:c)"
                ),
                {"c": sorted(codes)},
            )
        }
        assert districts == {"934"}


def test_a_past_day_without_its_run_is_answered_from_the_live_run(client, covered):
    answer = client.get(f"/api/point?lon={covered['lon']}&lat={covered['lat']}&date=2024-01-15").json()
    assert answer["date"] == "2024-01-15"
    assert answer["run"]["live_instead"] is True and answer["run"]["dated"] is False
    assert answer["run"]["id"] == covered["run"]["id"]


def test_today_is_the_live_run(client, covered):
    answer = client.get(f"/api/point?lon={covered['lon']}&lat={covered['lat']}&date={clock.today()}").json()
    assert answer["run"]["live_instead"] is False
