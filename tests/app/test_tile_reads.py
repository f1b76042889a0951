"""Cold tiles (no server-side cache) read on a pooled connection's cursor without a Session
(app/routers/tiles.py, _read_only): the caller's token, role and company decide what a tile shows as
on the Session's path, and the connection goes back to the pool as it came, also after an error."""

import mapbox_vector_tile
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.db import get_engine, get_session
from app.services import tiles
from app.settings import get_settings
from tests.app.test_tiles import _tile_of
from tests.conftest import bearer

Z = 14
CELL = {"technology": "4G", "band_mhz": 900, "azimuth_deg": 10, "antenna_height_m": 30, "eirp_dbm": 58}


@pytest.fixture
def read_only(monkeypatch) -> list:
    """The cache off; the tiles the read-only path answered (None: it left the tile to the Session)."""
    monkeypatch.setattr(get_settings(), "tile_cache_bytes", 0)
    answered: list = []
    real = tiles.read_only_tile

    def noted(*args, **kwargs):
        answered.append(tile := real(*args, **kwargs))
        return tile

    monkeypatch.setattr(tiles, "read_only_tile", noted)
    return answered


@pytest.fixture(scope="module")
def proposal(client_as, engine):
    """A site Viettel proposes (not approved: its company's plan) and the z14 tile holding it."""
    with engine.connect() as conn:
        lon, lat = conn.execute(
            text(
                "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM admin_units "
                "WHERE level = 'hamlet' AND valid_to IS NULL ORDER BY code DESC LIMIT 1) x"
            )
        ).one()
    code = "RD-VT"
    r = client_as("viettel1").post(
        "/api/sites",
        json={
            "code": code,
            "position": {"lon": lon, "lat": lat},
            "structure_type": "tower",
            "height_m": 30,
            "cells": [CELL],
        },
    )
    assert r.status_code == 201, r.text
    return code, _tile_of(engine, Z, code)


def _codes(response) -> set[str]:
    assert response.status_code == 200, response.text
    layers = mapbox_vector_tile.decode(response.content)
    return {f["properties"]["code"] for f in layers.get("sites", {"features": []})["features"]}


def test_a_proposal_shows_to_its_company_and_staff_not_to_another_operator(
    app_instance, client_as, proposal, read_only
):
    code, (x, y) = proposal
    path = f"/tiles/sites/{Z}/{x}/{y}.mvt"
    plain = {"Accept-Encoding": "identity"}
    seen = {who: client_as(who).get(path, headers=plain) for who in ("viettel1", "planner1", "vina1")}
    # Each answered on the cursor (the first request of a token notes its use: the Session's path).
    again = {who: client_as(who).get(path, headers=plain) for who in seen}
    assert len([t for t in read_only if t is not None]) >= 3
    assert code in _codes(again["viettel1"]) and code in _codes(again["planner1"])
    assert code not in _codes(again["vina1"]) and _codes(again["vina1"]) < _codes(again["planner1"])
    assert all(again[w].content == seen[w].content for w in seen)
    # The Session's path (a test's session given to the app) answers the same bytes and headers.
    app_instance.dependency_overrides[get_session] = get_session
    try:
        by_session = {who: client_as(who).get(path, headers=plain) for who in seen}
    finally:
        app_instance.dependency_overrides.pop(get_session)
    for who, r in by_session.items():
        assert (r.status_code, r.content, r.headers) == (200, again[who].content, again[who].headers), who


def test_the_ogc_path_and_a_refusal_answer_as_the_session_path(anon_client, client_as, proposal, read_only):
    code, (x, y) = proposal
    ogc = client_as("viettel1").get(f"/ogc/collections/sites/tiles/WebMercatorQuad/{Z}/{y}/{x}")
    assert code in _codes(ogc)
    refused = anon_client.get(f"/tiles/sites/{Z}/{x}/{y}.mvt")  # sites are not public
    assert refused.status_code == 401 and refused.json()["code"] == "Unauthorized"


def test_the_connection_goes_back_to_the_pool_after_an_error(app_instance, tokens, monkeypatch, read_only):
    client = TestClient(app_instance, headers=bearer(tokens["planner1"]), raise_server_exceptions=False)
    path = "/tiles/sites/8/202/121.mvt"
    assert client.get(path).status_code == 200
    pool = get_engine().pool
    monkeypatch.setattr(tiles, "tile_query", lambda *_args: ("SELECT 1 / 0", {}))
    assert client.get(path).status_code == 500
    assert pool.checkedout() == 0
    # The server ends the connection during the tile: it is dropped, not handed out again.
    monkeypatch.setattr(
        tiles, "tile_query", lambda *_args: ("SELECT pg_terminate_backend(pg_backend_pid())", {})
    )
    assert client.get(path).status_code == 500
    assert pool.checkedout() == 0
    monkeypatch.undo()
    monkeypatch.setattr(get_settings(), "tile_cache_bytes", 0)
    for _ in range(pool.size() + 1):  # every pooled connection: in transactions again, alive
        assert client.get("/ogc/collections/sites/items?limit=1").status_code == 200
        assert client.get(path).status_code == 200
    held = [get_engine().raw_connection() for _ in range(pool.checkedin())]  # every idle one at once
    try:
        assert held and [f.dbapi_connection.autocommit for f in held] == [False] * len(held)
    finally:
        for fairy in held:
            fairy.close()
