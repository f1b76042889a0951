"""The challenge loop, further: a measured dead zone in the dead-zones layer, a challenge sent to
several operators, the review of a dispute, and the reporter's contact details erased."""

import math

import mapbox_vector_tile
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.collections_results import MEASURED_ZONE_RADIUS_M
from tests.app.test_challenges import file, spot

PRIVATE_WORDS = ("Nguyễn Thị Lan", "0912", "lan.nguyen", "Trong nhà không gọi được", "203.0.113")


@pytest.fixture(scope="module")
def public(app_instance):
    """Anonymous visitors, each from an address of its own (the filing limit is per address)."""
    made = []

    def make() -> TestClient:
        made.append(TestClient(app_instance, client=(f"203.0.113.{len(made) + 1}", 50000)))
        return made[-1]

    return make


def _tile(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 1 << z
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def _accepted(
    public, client_as, engine, offset: int, operators=None, **fields
) -> tuple[str, str, float, float]:
    """A report filed at the ``offset``-th hamlet's spot and accepted (code, token, lon, lat)."""
    lon, lat, *_ = spot(engine, offset)
    r = file(public(), lon, lat, **fields)
    assert r.status_code == 201, r.text
    code, token = r.json()["code"], r.json()["token"]
    body = {"accept": True, **({"operators": operators} if operators else {})}
    r = client_as("planner1").post(f"/api/challenges/{code}/decision", json=body)
    assert r.status_code == 200, r.text
    return code, token, lon, lat


def test_a_measured_challenge_is_a_measured_dead_zone_for_everyone(public, client_as, anon_client, engine):
    code, _, lon, lat = _accepted(public, client_as, engine, 40)
    items = "/ogc/collections/dead_zones/items"
    assert code not in {f["id"] for f in anon_client.get(items, params={"limit": 1000}).json()["features"]}
    r = client_as("planner1").post(
        f"/api/challenges/{code}/measured", json={"note": "Đo 3 lần, không có sóng"}
    )
    assert r.status_code == 200, r.text
    r = anon_client.get(items, params={"source": "measured", "limit": 1000})
    assert r.status_code == 200, r.text
    (zone,) = [f for f in r.json()["features"] if f["id"] == code]
    props = zone["properties"]
    assert props["source"] == "measured" and props["kind"] == "no_signal"
    assert set(props) == {
        "code",
        "source",
        "hamlet_code",
        "hamlet_name",
        "commune_code",
        "district_code",
        "kind",
        "area_km2",
        "population",
    }
    # A disc of the radius around the spot: π r² within the polygon's 32 segments (≈ 0.6 % less).
    disc_km2 = math.pi * MEASURED_ZONE_RADIUS_M**2 / 1e6
    assert 0.98 * disc_km2 <= props["area_km2"] <= disc_km2
    assert not any(w in r.text for w in PRIVATE_WORDS)
    # The modelled ones say so, and each source filters apart.
    modelled = anon_client.get(items, params={"source": "modelled", "limit": 5}).json()["features"]
    assert modelled and {f["properties"]["source"] for f in modelled} == {"modelled"}
    # In the tiles as well, with its source.
    x, y = _tile(lon, lat, 14)
    tile = mapbox_vector_tile.decode(anon_client.get(f"/tiles/dead_zones/14/{x}/{y}.mvt").content)
    measured = [
        f["properties"] for f in tile["dead_zones"]["features"] if f["properties"].get("code") == code
    ]
    assert measured and measured[0]["source"] == "measured"
    assert not any(w in str(tile) for w in PRIVATE_WORDS)
    # Fixed by the operator: no longer a dead zone (and the next tile is not the cached one).
    r = client_as("viettel1").post(f"/api/challenges/{code}/answer", json={"answer": "fixed"})
    assert r.status_code == 200, r.text
    assert code not in {
        f["id"]
        for f in anon_client.get(items, params={"source": "measured", "limit": 1000}).json()["features"]
    }
    tile = mapbox_vector_tile.decode(anon_client.get(f"/tiles/dead_zones/14/{x}/{y}.mvt").content)
    assert code not in {f["properties"].get("code") for f in tile.get("dead_zones", {}).get("features", [])}
    with engine.connect() as conn:
        assert conn.execute(text("SELECT measured FROM challenges WHERE code = :c"), {"c": code}).scalar_one()
