"""An unknown collection is a 404 naming the collections the caller may see, and no others."""

import pytest

from app.collections import COLLECTIONS, PUBLIC

URLS = [
    "/ogc/collections/nope",
    "/ogc/collections/nope/items",
    "/ogc/collections/nope/items/1",
    "/ogc/collections/nope/queryables",
    "/ogc/collections/nope/tiles/WebMercatorQuad/3/3/6",
    "/tiles/nope/3/6/3.mvt",
    "/tiles/districts,nope/tilejson.json",
    "/api/export/nope",
]


@pytest.mark.parametrize("url", URLS)
def test_an_anonymous_visitor_is_told_only_the_public_collections(anon_client, url):
    r = anon_client.get(url, headers={"Accept-Language": "en"})
    assert r.status_code == 404, r.text
    public = [c for c in COLLECTIONS if c in PUBLIC]
    body = r.json()
    assert body["code"] == "NotFound"
    assert body["description"] == f"unknown collection 'nope'; known: {', '.join(public)}"
    assert [p["code"] for p in body["problems"]] == ["notfound.collection"]
    assert "sites" not in r.text and "poles" not in r.text
    vi = anon_client.get(url).json()["description"]
    assert vi == f"không có lớp dữ liệu “nope”; có: {', '.join(public)}"


@pytest.mark.parametrize("url", URLS[:2])
def test_a_logged_in_user_is_told_every_collection(client, url):
    r = client.get(url, headers={"Accept-Language": "en"})
    assert r.status_code == 404, r.text
    assert r.json()["description"] == f"unknown collection 'nope'; known: {', '.join(COLLECTIONS)}"


def test_a_path_no_route_serves_is_a_structured_404_in_the_readers_language(anon_client):
    r = anon_client.get("/api/dashboard")
    assert r.status_code == 404
    (problem,) = r.json()["problems"]
    assert problem["code"] == "request.no_route" and problem["params"] == {"path": "/api/dashboard"}
    assert r.json()["description"] == "không có trang hay dịch vụ nào ở địa chỉ /api/dashboard"
    en = anon_client.get("/api/dashboard", headers={"Accept-Language": "en"})
    assert en.json()["description"] == "nothing is served at /api/dashboard"
