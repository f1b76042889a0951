"""Request bodies are limited before anything reads them (app.middleware.BodyLimit): 413 with
{code, description} by Content-Length at once, or as soon as a chunked body passes the limit;
uploads (the routes that take a file) have their own, larger limit. Nothing is written."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.conftest import TEST_PASSWORD, bearer

MiB = 1024 * 1024


def _refusal(code: str, limit: str, sentence: str) -> dict:
    """The 413 answer: its problem as data and its sentence (Vietnamese unless asked otherwise)."""
    problem = {"code": code, "field": None, "row": None, "source": None, "label": "row"}
    return {
        "code": "PayloadTooLarge",
        "description": sentence,
        "problems": [{**problem, "params": {"limit": limit}, "message": sentence}],
    }


JSON_LIMIT = _refusal("request.too_large", "1 MiB", "yêu cầu quá lớn: tối đa 1 MiB (trừ khi tải tệp lên)")
UPLOAD_LIMIT = _refusal("request.upload_too_large", "50 MiB", "Tệp quá lớn: mỗi lần tải lên tối đa 50 MiB")


def _json_of(n_bytes: int) -> bytes:
    """A well-formed JSON object of exactly n_bytes."""
    head, tail = b'{"username": "x", "password": "', b'"}'
    return head + b"a" * (n_bytes - len(head) - len(tail)) + tail


def _sites(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM sites")).scalar_one()


def _chunks(data: bytes, size: int = 64 * 1024):
    """A body sent chunked: the generator leaves Content-Length out."""
    for i in range(0, len(data), size):
        yield data[i : i + size]


def test_an_anonymous_oversized_json_body_is_refused_by_its_length(anon_client):
    r = anon_client.post(
        "/api/auth/login", content=_json_of(MiB + 1), headers={"Content-Type": "application/json"}
    )
    assert (r.status_code, r.json()) == (413, JSON_LIMIT)
    assert r.headers["Connection"] == "close"
    # At the limit it is read and judged as usual.
    r = anon_client.post(
        "/api/auth/login", content=_json_of(MiB), headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 400
    assert [(p["code"], p["field"]) for p in r.json()["problems"]] == [("request.text_too_long", "password")]


def test_a_logged_in_oversized_json_body_is_refused_and_writes_nothing(client, engine):
    before = _sites(engine)
    body = b'{"code": "BIG-1", "note": "' + b"x" * (2 * MiB) + b'"}'
    r = client.post("/api/sites", content=body, headers={"Content-Type": "application/json"})
    assert (r.status_code, r.json()) == (413, JSON_LIMIT)
    assert _sites(engine) == before


def test_a_chunked_body_without_length_is_cut_at_the_limit(app_instance, anon_client, client):
    r = anon_client.post(
        "/api/auth/login", content=_chunks(_json_of(MiB + 1)), headers={"Content-Type": "application/json"}
    )
    assert "content-length" not in r.request.headers
    assert (r.status_code, r.json()) == (413, JSON_LIMIT)
    r = client.post(
        "/api/sites",
        content=_chunks(b"[" + b"1," * MiB + b"1]"),
        headers={"Content-Type": "application/json"},
    )
    assert (r.status_code, r.json()) == (413, JSON_LIMIT)
    # A chunked body under the limit goes through (a client of its own keeps the session cookie).
    login = f'{{"username": "official1", "password": "{TEST_PASSWORD}"}}'.encode()
    r = TestClient(app_instance).post(
        "/api/auth/login", content=_chunks(login, 7), headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(
    "path", ["/api/import?target=sites&dry_run=true", "/api/statistics/import?dry_run=true"]
)
def test_uploads_over_their_limit_are_refused_alike_logged_in_or_not(anon_client, client, engine, path):
    before = _sites(engine)
    big = b"code,lat,lon\n" + b"x" * (50 * MiB)
    for c in (anon_client, client):
        r = c.post(path, files={"file": ("tram.csv", big, "text/csv")})
        assert (r.status_code, r.json()) == (413, UPLOAD_LIMIT)
    assert _sites(engine) == before


@pytest.fixture
def small_limits(monkeypatch, database_url, tokens):
    """The app with a 1 KiB request limit and 64 KiB uploads, as a planner."""
    from app.main import create_app
    from app.settings import get_settings

    monkeypatch.setenv("MAX_JSON_BYTES", "1024")
    monkeypatch.setenv("MAX_UPLOAD_BYTES", str(64 * 1024))
    get_settings.cache_clear()
    try:
        yield TestClient(create_app(), headers=bearer(tokens["planner1"]))
    finally:
        monkeypatch.delenv("MAX_JSON_BYTES")
        monkeypatch.delenv("MAX_UPLOAD_BYTES")
        get_settings.cache_clear()


def test_the_limits_are_settings_and_uploads_have_their_own(small_limits):
    csv = "code,period,metric,value\n" + "934,2025-Q3,population,1\n" * 1000  # 27 KB: an upload, not JSON
    r = small_limits.post(
        "/api/statistics/import?dry_run=true", files={"file": ("s.csv", csv.encode(), "text/csv")}
    )
    assert r.status_code != 413, r.text
    r = small_limits.post(
        "/api/statistics/import?dry_run=true", files={"file": ("s.csv", csv.encode() * 3, "text/csv")}
    )
    assert r.status_code == 413
    assert r.json()["description"] == "Tệp quá lớn: mỗi lần tải lên tối đa 64 KiB"
    r = small_limits.post(
        "/api/auth/login",
        content=_chunks(_json_of(1025), 100),
        headers={"Content-Type": "application/json", "Accept-Language": "en"},
    )
    assert r.status_code == 413
    assert r.json()["description"].startswith("the request body is larger than 1 KiB, the limit of a request")
