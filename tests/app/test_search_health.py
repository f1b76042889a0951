"""Diacritics-insensitive search and the health check."""

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize("query", ["ap tan loi", "Ấp Tân Lợi", "AP  TAN LOI", "tân lợi"])
def test_search_ignores_diacritics(client, query):
    results = client.get("/api/search", params={"q": query}).json()["results"]
    names = [r["name"] for r in results]
    assert "Ấp Tân Lợi" in names
    hit = results[names.index("Ấp Tân Lợi")]
    assert hit["level"] == "hamlet" and hit["parent_name"] and hit["district_name"]
    minx, miny, maxx, maxy = hit["bbox"]
    assert 105.2 < minx < maxx < 106 and 9.5 < miny < maxy < 10.2


def test_search_finds_a_district_by_folded_name(client):
    results = client.get("/api/search", params={"q": "phung hiep"}).json()["results"]
    assert results[0]["name"] == "Huyện Phụng Hiệp" and results[0]["level"] == "district"


def test_search_treats_wildcards_literally_and_can_find_nothing(client):
    assert client.get("/api/search", params={"q": "%"}).json()["results"] == []
    assert client.get("/api/search", params={"q": "zzzz qqq"}).json()["results"] == []


def test_search_rejects_empty_query(client):
    r = client.get("/api/search", params={"q": ""})
    assert r.status_code == 400 and "q" in r.json()["description"]


def test_health_ok(client):
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["postgis"].startswith("3.")


def test_health_503_when_database_is_down(monkeypatch, database_url):
    from app.db import reset_engine
    from app.main import create_app
    from app.settings import get_settings

    # A port where nothing listens: a real refused connection, not a mock.
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1:9/nothing")
    get_settings.cache_clear()
    reset_engine()
    try:
        with TestClient(create_app()) as c:
            r = c.get("/health")
            assert r.status_code == 503 and r.json()["database"] == "unreachable"
            r = c.get("/ogc/collections/districts/items")
            assert r.status_code == 503 and "database" in r.json()["description"]
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
        reset_engine()
