"""Tile cache hits answered in front of FastAPI (app/tile_fastpath.py): the same bytes and headers as
the tile route gives, 304 as it gives, an edit seen by the next request, every role and anonymous
given what the route gives them, and a token that ends no longer served.

The route's own answers come from the app's middleware stack without the fast path (`_route_only`);
STATS counts what the fast path answered, so each test knows which of the two answered."""

import subprocess
import sys
import time
from urllib.parse import quote

import mapbox_vector_tile
import psycopg2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from app import tile_fastpath
from app.db import get_engine
from app.tile_fastpath import STATS, TileFastPath
from tests.app.test_tile_cache import _xy
from tests.app.test_tile_cache_versions import _listening, _population_plus, _tile_url
from tests.conftest import ROOT, TEST_PASSWORD, bearer, new_account

GZIP = {"Accept-Encoding": "gzip"}
ROLES = ("planner1", "admin1", "official1", "official934", "viettel1", "vina1", "anonymous")


@pytest.fixture(scope="module")
def route_only(app_instance):
    """The app as it answers without the fast path: the same middleware and routes, in this process."""
    layer = app_instance.build_middleware_stack()
    while not isinstance(layer, TileFastPath):
        layer = layer.app
    inner = layer.app

    async def routes(scope, receive, send):
        # What Starlette's own __call__ adds before its middleware stack (routes read request.app).
        await inner({**scope, "app": app_instance}, receive, send)

    return routes


@pytest.fixture(scope="module")
def watch(app_instance):
    return _listening(get_engine())


def _answered() -> int:
    return STATS["answered"] + STATS["not_modified"]


def _get(client, url: str, **headers):
    """A GET through the app; (the response, whether the fast path answered it)."""
    before = _answered()
    r = client.get(url, headers=headers)
    return r, _answered() > before


def _taught(client, url: str, **headers):
    """GET until the fast path answers (a token's first use notes it in the database: that commit
    moves the generation, and what the route answered then is not kept)."""
    for _ in range(3):
        r, fast = _get(client, url, **headers)
        if fast:
            return r
    raise AssertionError(f"the fast path never answered {url}")


def _same(fast, route) -> None:
    assert fast.status_code == route.status_code
    assert fast.content == route.content
    assert fast.headers.multi_items() == route.headers.multi_items()


def _codes(r, layer: str = "sites") -> set[str]:
    return {
        f["properties"]["code"]
        for f in mapbox_vector_tile.decode(r.content).get(layer, {}).get("features", [])
    }


def _client(app, tokens, who: str) -> TestClient:
    return TestClient(app, headers={} if who == "anonymous" else bearer(tokens[who]))


@pytest.mark.parametrize("who", ["anonymous", "planner1"])
@pytest.mark.parametrize("headers", [GZIP, {"Accept-Encoding": "identity"}])
def test_a_hit_gets_the_routes_bytes_and_headers(
    app_instance, route_only, tokens, watch, engine, who, headers
):
    _, url = _tile_url(engine)  # hamlets: public
    url = url if who == "anonymous" else url.replace("/hamlets/", "/sites,poles,hamlets/")
    ours, route = _client(app_instance, tokens, who), _client(route_only, tokens, who)
    first, fast = _get(ours, url, **headers)
    assert first.status_code == 200 and not fast  # nothing known yet: the route answers, and teaches
    second = _taught(ours, url, **headers)
    assert second.headers["x-tile-cache"] == "hit"
    _same(second, route.get(url, headers=headers))
    assert ("gzip" in headers["Accept-Encoding"]) == (second.headers.get("content-encoding") == "gzip")
    assert second.headers["cache-control"].startswith("public" if who == "anonymous" else "private")


def test_an_ogc_api_tile_hit_is_the_routes_too(app_instance, route_only, tokens, watch, engine):
    _, url = _tile_url(engine)
    z, x, y = url.removesuffix(".mvt").split("/")[-3:]
    ogc = f"/ogc/collections/sites/tiles/WebMercatorQuad/{z}/{y}/{x}"  # tileMatrix/tileRow/tileCol
    ours, route = _client(app_instance, tokens, "vina1"), _client(route_only, tokens, "vina1")
    got = _taught(ours, ogc, **GZIP)
    assert got.status_code == 200 and got.headers["x-tile-cache"] == "hit"
    _same(got, route.get(ogc, headers=GZIP))


def test_an_etag_gets_304_as_the_route_gives_it(client, route_only, tokens, watch, engine):
    _, url = _tile_url(engine)
    url = url.replace("/hamlets/", "/sites,hamlets/")
    route = TestClient(route_only, headers=bearer(tokens["planner1"]))
    tag = _taught(client, url, **GZIP).headers["etag"]
    assert tag.endswith('-gz"')
    plain = tag.removesuffix('-gz"') + '"'  # the same tile unzipped: still current, as for the route
    for sent in (tag, f"W/{tag}", f'"other", {tag}', plain, "*"):
        got, fast = _get(client, url, **GZIP, **{"If-None-Match": sent})
        assert fast and got.status_code == 304 and got.content == b""
        _same(got, route.get(url, headers={**GZIP, "If-None-Match": sent}))
    got, fast = _get(client, url, **GZIP, **{"If-None-Match": '"other"'})
    assert fast and got.status_code == 200 and got.headers["etag"] == tag


@pytest.mark.parametrize("reread", [False, True])
def test_an_edit_here_shows_in_the_very_next_request(anon_client, route_only, watch, engine, reread):
    code, url = _tile_url(engine)
    anon_client.get(url)
    before, fast = _get(anon_client, url)
    assert fast
    try:
        with engine.begin() as conn:
            _population_plus(conn.exec_driver_sql, code, 11)
        if reread:  # the versions read again (by a request the fast path does not see) first
            _settled(watch)
            assert TestClient(route_only).get(url).headers["etag"] != before.headers["etag"]
        after, fast = _get(anon_client, url)  # no waiting: this process's commit moved the generation
        assert not fast and after.headers["x-tile-cache"] == ("hit" if reread else "miss")
        assert after.headers["etag"] != before.headers["etag"] and after.content != before.content
        # (its own notification moves it once more when it arrives, so the route may answer twice)
        again = _taught(anon_client, url)
        assert again.content == after.content and again.headers["etag"] == after.headers["etag"]
    finally:
        with engine.begin() as conn:
            _population_plus(conn.exec_driver_sql, code, -11)


def _moved(watch, generation: int) -> None:
    for _ in range(100):  # the notification comes in milliseconds; this bounds a lost one
        if watch.generation != generation:
            return
        time.sleep(0.05)


def _settled(watch) -> None:
    """Until no notification has moved the generation for 0.3 s."""
    generation = None
    while generation != watch.generation:
        generation = watch.generation
        time.sleep(0.3)


def test_an_edit_by_another_process_shows_once_notified(anon_client, watch, engine):
    code, url = _tile_url(engine)
    anon_client.get(url)
    before, fast = _get(anon_client, url)
    assert fast
    other = psycopg2.connect(engine.url.set(drivername="postgresql").render_as_string(hide_password=False))
    try:
        generation = watch.generation
        with other, other.cursor() as cur:  # no engine of this process: only the notification tells
            _population_plus(cur.execute, code, 13)
        _moved(watch, generation)
        after, fast = _get(anon_client, url)
        assert (
            not fast and after.headers["etag"] != before.headers["etag"] and after.content != before.content
        )
    finally:
        with other, other.cursor() as cur:
            _population_plus(cur.execute, code, -13)
        other.close()


@pytest.fixture
def viettel_draft(engine):
    """A proposed Viettel site made a draft (the operator's private work), with a site elsewhere."""
    with engine.begin() as conn:
        code, lon, lat = conn.execute(
            text(
                "SELECT s.code, ST_X(s.geom), ST_Y(s.geom) FROM sites s JOIN operators o ON o.id = s.owner_id "
                "WHERE s.status = 'proposed' AND o.short_name = 'Viettel' ORDER BY s.code LIMIT 1"
            )
        ).one()
        conn.execute(text("UPDATE sites SET status = 'draft' WHERE code = :c"), {"c": code})
    yield code, lon, lat
    with engine.begin() as conn:
        conn.execute(text("UPDATE sites SET status = 'proposed' WHERE code = :c"), {"c": code})


def _in_district(engine, district: str) -> set[str]:
    with engine.connect() as conn:
        return set(
            conn.execute(
                text(
                    "SELECT s.code FROM sites s JOIN admin_units d ON d.level = 'district' AND d.code = :d "
                    "AND ST_Intersects(d.geom, s.geom)"
                ),
                {"d": district},
            ).scalars()
        )


def test_every_role_gets_what_the_route_gives_it(
    app_instance, route_only, tokens, watch, engine, viettel_draft
):
    """The Department asks first and teaches the fast path its tile; each other caller, already known
    to it (a tile asked elsewhere), then asks the same tile: a fast path that keyed the answer by
    path only, or by role without company or district, would give them the Department's."""
    code, lon, lat = viettel_draft
    x, y = _xy(lon, lat, 8)  # the whole province: sites of every district
    url = f"/tiles/sites,cells/8/{x}/{y}.mvt"
    elsewhere = f"/tiles/sites/14/{_xy(lon, lat, 14)[0] + 3}/{_xy(lon, lat, 14)[1]}.mvt"
    ours = {who: _client(app_instance, tokens, who) for who in ROLES}
    for _ in range(2):  # a token's first use in minutes commits its note, which moves the generation
        for who in [w for w in ROLES if w != "anonymous"]:
            _taught(ours[who], elsewhere, **GZIP)
    for who in [w for w in ROLES if w != "anonymous"]:  # every token known from now on
        assert _get(ours[who], elsewhere, **GZIP)[1], who
    for who in ROLES:
        first, fast = _get(ours[who], url, **GZIP)
        assert not fast, who  # nobody else's answer, whoever asked before
        again, fast = _get(ours[who], url, **GZIP)
        route = _client(route_only, tokens, who).get(url, headers=GZIP)
        if who == "anonymous":  # sites are shown to logged-in users only
            assert again.status_code == route.status_code == 401 and not fast
            continue
        assert fast, who
        _same(again, route)
        sees_draft = who in ("planner1", "admin1", "viettel1")  # its company and the Department
        assert (code in _codes(again)) == sees_draft, who
    planner, limited = _codes(ours["planner1"].get(url, headers=GZIP)), _codes(ours["official934"].get(url))
    in_934 = _in_district(engine, "934")
    assert limited and limited <= in_934 and planner - in_934  # the tile holds sites of other districts


def _login_cookie(app, username: str) -> TestClient:
    c = TestClient(app)
    r = c.post("/api/auth/login", json={"username": username, "password": TEST_PASSWORD})
    assert r.status_code == 200, r.text
    return c


def test_a_logout_ends_the_session_at_once(app_instance, route_only, watch, engine):
    new_account(engine, "fast.logout", "planner")
    browser = _login_cookie(app_instance, "fast.logout")
    _, url = _tile_url(engine)
    url = url.replace("/hamlets/", "/sites/")
    assert _taught(browser, url).status_code == 200
    cookie = browser.cookies.get("hg_session")
    assert browser.post("/api/auth/logout").status_code == 200
    _settled(watch)  # the logout's own notification too
    assert TestClient(route_only).get(url.replace("/sites/", "/hamlets/")).status_code == 200  # versions read
    stale = TestClient(app_instance, cookies={"hg_session": cookie})
    r, fast = _get(stale, url)  # the ended session's cookie is an anonymous visitor's: no sites
    assert r.status_code == 401 and not fast


def test_a_user_disabled_by_another_process_is_refused_once_notified(
    app_instance, watch, engine, database_url
):
    token = new_account(engine, "fast.disabled", "official", district_code="934")
    c = TestClient(app_instance, headers=bearer(token))
    _, url = _tile_url(engine)
    url = url.replace("/hamlets/", "/sites/")
    assert _taught(c, url).status_code == 200
    generation = watch.generation
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "user", "disable", "fast.disabled"],
        cwd=ROOT,
        env={**__import__("os").environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    _moved(watch, generation)  # accounts are not tracked: only the account write's own notification
    r, fast = _get(c, url)
    assert r.status_code == 401 and not fast


def test_a_token_revoked_behind_the_services_back_ends_within_the_ttl(
    app_instance, watch, engine, monkeypatch
):
    token = new_account(engine, "fast.psql", "planner")
    c = TestClient(app_instance, headers=bearer(token))
    _, url = _tile_url(engine)
    url = url.replace("/hamlets/", "/sites/")
    monkeypatch.setattr(tile_fastpath, "LOGIN_TTL_S", 0.5)
    assert _taught(c, url).status_code == 200
    other = psycopg2.connect(engine.url.set(drivername="postgresql").render_as_string(hide_password=False))
    try:
        with other, other.cursor() as cur:  # no notification: only the TTL bounds it
            cur.execute(
                "UPDATE auth_tokens SET revoked_at = now() WHERE user_id = "
                "(SELECT id FROM users WHERE username = 'fast.psql')"
            )
    finally:
        other.close()
    time.sleep(0.6)
    r, fast = _get(c, url)
    assert r.status_code == 401 and not fast


def _covered(r) -> list[bool]:
    """Each hamlet's mbb_covered in a hamlets tile (0/1 or a boolean, as the MVT carries it)."""
    return [
        bool(f["properties"]["mbb_covered"])
        for f in mapbox_vector_tile.decode(r.content)["hamlets"]["features"]
    ]


@pytest.mark.parametrize("headers", [GZIP, {"Accept-Encoding": "identity"}])
def test_a_filtered_tile_is_answered_here_for_its_own_query_string_only(
    app_instance, route_only, watch, engine, headers
):
    """The web map's tile URLs carry the layer's filters: the second request of one is the fast
    path's, with the route's bytes; the other filter's first request is not answered from it."""
    _, url = _tile_url(engine)
    z, x, y = (int(v) for v in url.removesuffix(".mvt").split("/")[-3:])
    base = f"/tiles/hamlets/{z - 4}/{x >> 4}/{y >> 4}.mvt"  # a sixteenth of the province: both kinds
    ours, route = TestClient(app_instance), TestClient(route_only)
    covered = _taught(ours, f"{base}?mbb_covered=true", **headers)
    assert covered.headers["x-tile-cache"] == "hit"
    _same(covered, route.get(f"{base}?mbb_covered=true", headers=headers))
    assert _covered(covered) and all(_covered(covered))
    uncovered, fast = _get(ours, f"{base}?mbb_covered=false", **headers)
    assert uncovered.status_code == 200 and not fast
    assert _covered(uncovered) and not any(_covered(uncovered))
    assert uncovered.headers["etag"] != covered.headers["etag"]
    again = _taught(ours, f"{base}?mbb_covered=false", **headers)
    _same(again, route.get(f"{base}?mbb_covered=false", headers=headers))
    everything = _taught(ours, base, **headers)  # no filter: its own entry, not a filtered one
    assert len(_covered(everything)) == len(_covered(covered)) + len(_covered(again))


@pytest.mark.parametrize("query", ["colour=red", "mbb_covered=true&mbb_covered=false", "mbb_covered=maybe"])
def test_a_query_string_the_route_refuses_is_always_the_routes(
    app_instance, route_only, watch, engine, query
):
    _, url = _tile_url(engine)
    ours, route = TestClient(app_instance), TestClient(route_only)
    expected = route.get(f"{url}?{query}")
    assert 400 <= expected.status_code < 500
    for _ in range(3):
        got, fast = _get(ours, f"{url}?{query}")
        assert not fast and got.status_code == expected.status_code and got.json() == expected.json()


def test_a_query_string_too_long_to_keep_is_the_routes(app_instance, watch, engine):
    _, url = _tile_url(engine)
    cql = quote(" AND ".join(["mbb_covered = true"] * 12))
    long = f"{url}?filter-lang=cql2-text&filter={cql}"
    assert len(long.partition("?")[2]) > tile_fastpath.MAX_QUERY_BYTES
    client = TestClient(app_instance)
    for _ in range(3):
        got, fast = _get(client, long)
        assert not fast
    assert got.status_code == 200 and got.headers["x-tile-cache"] == "hit"
