"""PostgreSQL text cannot hold the NUL character: a request that carries one, in a query, a path or a
JSON body, is a 400 naming it, never a 500 (schemathesis found `/api/search?q=%00`)."""

import pytest


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("GET", "/api/search?q=%C3%BB%00%21&limit=16", None),
        ("GET", "/api/sites/HG%00S0001", None),
        ("GET", "/ogc/collections/sites/items?operator=Viet%00tel", None),
        ("PUT", "/api/statistics", {"code": "93\u00004", "period": "2025-Q3", "figures": {}}),
    ],
)
def test_a_nul_character_is_a_400(client, method, url, body):
    r = client.request(method, url, json=body)
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["code"] == "InvalidParameter" and "NUL character" in body["description"], body
