"""app/tile_direct.py: a tile request answered by its route's function without the router; one
that function refuses, and every other request, sent on to the router untouched."""

import asyncio
from urllib.parse import urlencode

import mapbox_vector_tile
import pytest
from sqlalchemy import text

from app.tile_direct import TileRoute
from tests.app.test_tiles import _first_site, _tile_of

ROUTER = 599  # what the stand-in for the router answers: the request reached it


def _get(app_instance, path: str, query: str = "", method: str = "GET", token: str | None = None):
    """(status, headers, body, paths the router saw) of one request through TileRoute alone."""
    seen: list[str] = []

    async def router(scope, _receive, send) -> None:
        seen.append(scope["path"])
        await send({"type": "http.response.start", "status": ROUTER, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    headers = [(b"accept-encoding", b"identity")]
    if token:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("test", 80),
        "scheme": "http",
        "root_path": "",
        "http_version": "1.1",
        "app": app_instance,  # as Starlette puts it there: the test's session override is read from it
    }
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    asyncio.run(TileRoute(router)(scope, receive, send))
    start = sent[0]
    body = b"".join(m.get("body", b"") for m in sent[1:])
    return start["status"], dict(start["headers"]), body, seen


def test_a_tile_is_answered_without_the_router(app_instance, engine, tokens):
    code = _first_site(engine)
    x, y = _tile_of(engine, 13, code)
    status, headers, body, seen = _get(app_instance, f"/tiles/sites/13/{x}/{y}.mvt", token=tokens["planner1"])
    assert (status, seen) == (200, [])
    assert headers[b"content-type"] == b"application/vnd.mapbox-vector-tile"
    assert code in {f["properties"]["code"] for f in mapbox_vector_tile.decode(body)["sites"]["features"]}
    # The OGC path names row before column.
    status, _, ogc, seen = _get(
        app_instance, f"/ogc/collections/sites/tiles/WebMercatorQuad/13/{y}/{x}", token=tokens["planner1"]
    )
    assert (status, seen, ogc) == (200, [], body)


def test_a_tile_with_a_filter_is_answered_as_the_route_would(app_instance, engine, tokens):
    with engine.connect() as conn:
        code, status = conn.execute(text("SELECT code, status FROM sites ORDER BY code LIMIT 1")).one()
    x, y = _tile_of(engine, 12, code)
    path = f"/tiles/sites/12/{x}/{y}.mvt"
    _, _, body, seen = _get(app_instance, path, query=urlencode({"status": status}), token=tokens["planner1"])
    features = mapbox_vector_tile.decode(body)["sites"]["features"]
    assert seen == [] and code in {f["properties"]["code"] for f in features}
    assert {f["properties"]["status"] for f in features} == {status}


@pytest.mark.parametrize(
    ("path", "query", "method", "logged_in"),
    [
        ("/tiles/sites/23/0/0.mvt", "", "GET", True),  # refused by the function: the router answers
        ("/tiles/nope/3/0/0.mvt", "", "GET", True),
        ("/tiles/sites/3/0/0.mvt", "colour=red", "GET", True),
        ("/tiles/sites/3/0/0.mvt", "", "GET", False),  # not a public layer: 401 from the router
        ("/ogc/collections/sites/tiles/NoSuchMatrix/3/0/0", "", "GET", True),
        ("/tiles/sites/-1/0/0.mvt", "", "GET", True),  # not the route's digits: never tried
        ("/tiles/sites/tilejson.json", "", "GET", True),
        ("/tiles/sites/3/0/0.mvt", "", "POST", True),
        ("/tiles/sites/3/0/0.mvt", "", "HEAD", True),
    ],
)
def test_anything_else_goes_on_to_the_router(app_instance, tokens, path, query, method, logged_in):
    token = tokens["planner1"] if logged_in else None
    status, _, _, seen = _get(app_instance, path, query=query, method=method, token=token)
    assert (status, seen) == (ROUTER, [path])
