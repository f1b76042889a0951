"""HTTP Basic for desktop GIS (QGIS 3.22 has no header method): username and an API token, or the
password (throttled as a login). Reading only, and never asked for (no WWW-Authenticate challenge).
GDAL reading with GDAL_HTTP_AUTH=BASIC is in test_gdal_clients.py."""

import base64

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.services import accounts
from tests.conftest import TEST_PASSWORD, new_account

PROTECTED = "/ogc/collections/sites/items?limit=1"


def basic(username: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{secret}".encode()).decode()}


def _failures(engine, username: str) -> int:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT count(*) FROM login_failures WHERE username = :u"), {"u": username}
        ).scalar_one()


def test_basic_with_an_api_token_reads_protected_layers(anon_client, tokens):
    assert anon_client.get(PROTECTED).status_code == 401
    r = anon_client.get(PROTECTED, headers=basic("official1", tokens["official1"]))
    assert r.status_code == 200 and len(r.json()["features"]) == 1
    me = anon_client.get("/api/auth/me", headers=basic("Official1", tokens["official1"])).json()["user"]
    assert me["username"] == "official1"
    # The token is the user's own: another user's name with it is refused.
    assert anon_client.get(PROTECTED, headers=basic("planner1", tokens["official1"])).status_code == 401


def test_basic_with_the_password_reads_too(anon_client):
    r = anon_client.get(PROTECTED, headers=basic("official1", TEST_PASSWORD))
    assert r.status_code == 200 and len(r.json()["features"]) == 1


def test_wrong_basic_passwords_count_in_the_login_limit(app_instance, engine):
    new_account(engine, "basic.pw")
    c = TestClient(app_instance)
    for _ in range(5):
        r = c.get(PROTECTED, headers={**basic("basic.pw", "a wrong password"), "Accept-Language": "en"})
        assert r.status_code == 401 and r.json()["description"].startswith("Password: does not match")
        assert [p["code"] for p in r.json()["problems"]] == ["login.failed"]
    assert _failures(engine, "basic.pw") == 5
    assert c.get(PROTECTED, headers=basic("basic.pw", TEST_PASSWORD)).status_code == 429
    r = c.post("/api/auth/login", json={"username": "basic.pw", "password": TEST_PASSWORD})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0


def test_an_expired_token_is_refused_without_locking_the_user_out(app_instance, engine):
    token = new_account(engine, "basic.old")
    with Session(engine) as s:
        accounts.revoke(s, token)
        s.commit()
    c = TestClient(app_instance)
    for _ in range(8):  # a desktop GIS asks again and again
        assert c.get(PROTECTED, headers=basic("basic.old", token)).status_code == 401
    assert _failures(engine, "basic.old") == 0
    assert (
        c.post("/api/auth/login", json={"username": "basic.old", "password": TEST_PASSWORD}).status_code
        == 200
    )


def test_basic_is_for_reading_only(anon_client, tokens):
    r = anon_client.post(
        "/api/sharing-requests",
        json={"asset": "site", "code": "HG-S0002"},
        headers=basic("viettel1", tokens["viettel1"]),
    )
    assert r.status_code == 401
    assert (
        r.json()["description"]
        == "HTTP Basic is for reading only; to write, send 'Authorization: Bearer <token>'"
    )


@pytest.mark.parametrize(
    "header", ["Basic", "Basic not-base64!", "Basic " + base64.b64encode(b"no-colon").decode()]
)
def test_malformed_basic_is_a_401(anon_client, header):
    r = anon_client.get(PROTECTED, headers={"Authorization": header})
    assert r.status_code == 401


def test_no_basic_challenge_is_ever_sent(anon_client):
    """Browsers remember Basic credentials only after a challenge: without one, a page on another site
    cannot make a visitor's browser send them."""
    for headers in ({}, basic("official1", "wrong password!"), {"Authorization": "Bearer nope"}):
        r = anon_client.get(PROTECTED, headers=headers)
        assert r.status_code == 401 and "www-authenticate" not in r.headers
