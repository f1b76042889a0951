"""An official limited to a district keeps that area after a reform abolished districts: on the
reformed sample (``reformed_url``) the map's layers, a new commune's drill-down and hamlets, and a
point's sharing candidates answer inside the former district and refuse outside it, as before.

Expected sets come from the database itself (a point of the record in the former district's last
boundary), so the test holds whatever the sample's size."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.conftest import APP_LOGIN, REFORMED_DB, _url_for, bearer, issue_tokens

DISTRICT = "934"  # a district of the former province, abolished on the reform's day
OFFICIAL = {"off934r": ("official", None, DISTRICT), "staff_r": ("planner", None, None)}

# A point of the record (alias x) in the former district's last boundary.
_IN_FORMER = (
    "ST_Intersects((SELECT d.geom FROM admin_units d WHERE d.level = 'district' AND d.code = :d "
    "ORDER BY d.valid_from DESC LIMIT 1), ST_PointOnSurface(x.geom))"
)


@pytest.fixture(scope="module")
def clients(reformed_url):
    """name → a client of the app on the reformed database with that account's token."""
    from app.db import reset_engine
    from app.main import create_app
    from app.settings import get_settings

    tokens = issue_tokens(reformed_url, OFFICIAL)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DATABASE_URL", _url_for(REFORMED_DB, APP_LOGIN))
        get_settings.cache_clear()
        reset_engine()
        try:
            app = create_app()
            with TestClient(app) as anonymous:
                yield {name: TestClient(app, headers=bearer(t)) for name, t in tokens.items()} | {
                    "anonymous": anonymous
                }
        finally:
            mp.undo()
            get_settings.cache_clear()
            reset_engine()


def _codes(engine, sql: str, **params) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(text(sql), params).scalars())


def _items(client, collection: str) -> set[str]:
    answer = client.get(f"/ogc/collections/{collection}/items?limit=10000")
    assert answer.status_code == 200, answer.text
    return {f["properties"]["code"] for f in answer.json()["features"]}


def test_the_district_is_abolished_in_the_reformed_sample(reformed):
    assert (
        _codes(reformed, "SELECT code FROM admin_units WHERE level = 'district' AND valid_to IS NULL")
        == set()
    )
    assert DISTRICT in _codes(reformed, "SELECT code FROM admin_units WHERE level = 'district'")


@pytest.mark.parametrize("collection, table", [("sites", "sites"), ("poles", "poles")])
def test_the_official_sees_the_records_of_the_former_district_only(reformed, clients, collection, table):
    inside = _codes(reformed, f"SELECT x.code FROM {table} x WHERE {_IN_FORMER}", d=DISTRICT)
    everyone = _codes(reformed, f"SELECT x.code FROM {table} x")
    assert inside and everyone - inside  # the former district holds some, not all
    seen = _items(clients["off934r"], collection)
    assert seen and seen <= inside
    # Sites not shown are those a caller of the whole region does not see either (closed ones).
    assert inside - seen <= everyone - _items(clients["staff_r"], collection)


def test_the_official_sees_the_new_communes_and_hamlets_of_the_former_district(reformed, clients):
    for level, collection in (("commune", "communes"), ("hamlet", "hamlets")):
        inside = _codes(
            reformed,
            f"SELECT x.code FROM admin_units x WHERE x.level = '{level}' AND x.valid_to IS NULL AND {_IN_FORMER}",
            d=DISTRICT,
        )
        assert inside
        assert _items(clients["off934r"], collection) == inside


def test_a_new_commune_inside_opens_and_one_outside_is_refused(reformed, clients):
    communes = "SELECT x.code FROM admin_units x WHERE x.level = 'commune' AND x.valid_to IS NULL AND {} {}"
    inside = sorted(_codes(reformed, communes.format("", _IN_FORMER), d=DISTRICT))[0]
    outside = sorted(_codes(reformed, communes.format("NOT", _IN_FORMER), d=DISTRICT))[0]
    official = clients["off934r"]
    answer = official.get(f"/api/drilldown/{inside}")
    assert answer.status_code == 200, answer.text
    hamlet = sorted(h["code"] for h in answer.json()["hamlets"])
    if hamlet:
        assert official.get(f"/api/hamlets/{hamlet[0]}/coverage").status_code == 200
    refused = official.get(f"/api/drilldown/{outside}")
    assert refused.status_code == 403
    assert refused.json()["problems"][0]["code"] == "scope.outside_district"
    assert clients["staff_r"].get(f"/api/drilldown/{outside}").status_code == 200


def test_a_point_of_the_former_district_has_candidates_and_one_outside_is_refused(reformed, clients):
    with reformed.connect() as conn:
        inside, outside = (
            conn.execute(
                text(
                    "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM admin_units "
                    "WHERE level = 'district' AND code " + op + " :d AND valid_to IS NOT NULL "
                    "ORDER BY code LIMIT 1) x"
                ),
                {"d": DISTRICT},
            ).one()
            for op in ("=", "<>")
        )
    official = clients["off934r"]
    answer = official.get("/api/sites/sharing-candidates", params={"lon": inside[0], "lat": inside[1]})
    assert answer.status_code == 200, answer.text
    refused = official.get("/api/sites/sharing-candidates", params={"lon": outside[0], "lat": outside[1]})
    assert refused.status_code == 403
    assert refused.json()["problems"][0]["code"] == "scope.point_outside_district"
    assert (
        clients["anonymous"]
        .get("/api/sites/sharing-candidates", params={"lon": 105.6, "lat": 9.8})
        .status_code
        == 401
    )


def test_the_plan_of_the_former_province_still_lists_the_officials_communes(clients):
    answer = clients["off934r"].get("/api/indicators", params={"level": "commune", "plan": "HG-2023-2025"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["units"] and {u["parent_code"] for u in body["units"]} == {DISTRICT}


def test_a_former_districts_name_finds_it_with_its_last_day(reformed, clients):
    with reformed.connect() as conn:
        name, last = conn.execute(
            text(
                "SELECT name, valid_to - 1 FROM admin_units WHERE level = 'district' AND code = :d "
                "ORDER BY valid_from DESC LIMIT 1"
            ),
            {"d": DISTRICT},
        ).one()
    for who in ("staff_r", "off934r"):
        found = clients[who].get("/api/search", params={"q": name}).json()["results"]
        district = [r for r in found if r["level"] == "district"]
        assert [(r["code"], r["until"]) for r in district] == [(DISTRICT, last.isoformat())], found
    # The day before the reform it is a district in force, found with no end.
    before = clients["staff_r"].get("/api/search", params={"q": name, "on": last.isoformat()}).json()
    assert [(r["code"], r.get("until")) for r in before["results"] if r["level"] == "district"] == [
        (DISTRICT, None)
    ]


NEW_PLAN = "CT-MOI-THU"  # a plan judged on each day's units: after the reform, the new communes


@pytest.fixture
def new_plan(reformed):
    """A plan of the new city on the shared reformed database, removed afterwards."""
    with reformed.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO plans (code, title, period_from, period_to) VALUES "
                "(:c, 'Kế hoạch hạ tầng số thành phố Cần Thơ (thử)', '2025-07-01', '2030-12-31')"
            ),
            {"c": NEW_PLAN},
        )
        conn.execute(
            text(
                "INSERT INTO plan_targets (plan_code, indicator_id, target_value, target_year, position) "
                "VALUES (:c, 'bts_site_sharing', 40, 2030, 1)"
            ),
            {"c": NEW_PLAN},
        )
    yield NEW_PLAN
    with reformed.begin() as conn:
        conn.execute(text("DELETE FROM plan_targets WHERE plan_code = :c"), {"c": NEW_PLAN})
        conn.execute(text("DELETE FROM plans WHERE code = :c"), {"c": NEW_PLAN})


def test_the_new_geographys_communes_are_listed_for_the_former_district_and_the_province_refused(
    reformed, clients, new_plan
):
    """On the new geography (a plan judged on today's units: the new communes, directly under the
    city) an official of the former district lists the new communes with a point in it; the
    province-wide list stays refused; a planner and an anonymous visitor list every commune."""
    inside = _codes(
        reformed,
        f"SELECT x.code FROM admin_units x WHERE x.level = 'commune' AND x.valid_to IS NULL AND {_IN_FORMER}",
        d=DISTRICT,
    )
    every = _codes(reformed, "SELECT code FROM admin_units WHERE level = 'commune' AND valid_to IS NULL")
    assert inside and every - inside

    def listed(client, **params) -> tuple[int, set[str]]:
        answer = client.get("/api/indicators", params={"plan": new_plan, **params})
        return answer.status_code, {u["code"] for u in answer.json().get("units", [])}

    official = clients["off934r"]
    assert listed(official, level="commune") == (200, inside)
    assert listed(official, level="province")[0] == 403
    for name in ("staff_r", "anonymous"):
        assert listed(clients[name], level="commune") == (200, every)
