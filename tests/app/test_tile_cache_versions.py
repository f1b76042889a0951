"""The tile cache's copy of the data versions (app/services/tile_cache.py, VersionWatch): a cache hit
reads nothing from the database, and an edit still shows in the next tile — at once when this process
wrote it, as soon as its notification arrives when another process did."""

import time

import psycopg2
from sqlalchemy import event, text

from app.db import get_engine
from app.services import tile_cache
from tests.app.test_tile_cache import _xy

HAMLET_SQL = "SELECT code, ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) FROM admin_units "
HAMLET_SQL += "WHERE level = 'hamlet' ORDER BY code LIMIT 1"


def _listening(engine) -> tile_cache.VersionWatch:
    watch = tile_cache.version_watch(engine)
    for _ in range(100):
        if watch._listening:
            return watch
        time.sleep(0.1)
    raise AssertionError("the data_versions LISTEN did not start")


def _tile_url(engine) -> tuple[str, str]:
    with engine.connect() as conn:
        code, lon, lat = conn.execute(text(HAMLET_SQL)).one()
    x, y = _xy(lon, lat, 14)
    return code, f"/tiles/hamlets/14/{x}/{y}.mvt"


def _note(seen: list[str]):
    def note(_conn, _cursor, statement, *_args):
        seen.append(statement)

    return note


def test_a_hit_reads_nothing_from_the_database(anon_client, engine):
    app_engine = get_engine()
    _listening(app_engine)
    _, url = _tile_url(engine)
    anon_client.get(url)
    assert anon_client.get(url).headers["x-tile-cache"] == "hit"
    seen: list[str] = []
    note = _note(seen)
    event.listen(app_engine, "before_cursor_execute", note)
    try:
        again = anon_client.get(url)
    finally:
        event.remove(app_engine, "before_cursor_execute", note)
    assert again.headers["x-tile-cache"] == "hit" and seen == []


def _population_plus(conn_execute, code: str, delta: int) -> None:
    conn_execute("UPDATE admin_units SET population = population + %s WHERE code = %s", (delta, code))


def test_an_edit_by_this_process_shows_in_the_next_tile(anon_client, engine):
    _listening(get_engine())
    code, url = _tile_url(engine)
    before = anon_client.get(url)
    assert anon_client.get(url).headers["x-tile-cache"] == "hit"
    try:
        with engine.begin() as conn:
            _population_plus(conn.exec_driver_sql, code, 7)
        after = anon_client.get(url)  # no waiting: this process's commit dropped its copy
        assert after.headers["x-tile-cache"] == "miss" and after.headers["etag"] != before.headers["etag"]
    finally:
        with engine.begin() as conn:
            _population_plus(conn.exec_driver_sql, code, -7)


def test_an_edit_by_another_process_shows_once_notified(anon_client, engine):
    watch = _listening(get_engine())
    code, url = _tile_url(engine)
    before = anon_client.get(url)
    assert anon_client.get(url).headers["x-tile-cache"] == "hit"
    # A connection no engine of this process knows: only the notification tells the watch.
    dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    other = psycopg2.connect(dsn)
    try:
        with other, other.cursor() as cur:
            _population_plus(cur.execute, code, 5)
        for _ in range(100):  # the notification comes in milliseconds; this bounds a stuck one
            if watch._kept is None:
                break
            time.sleep(0.05)
        after = anon_client.get(url)
        assert after.headers["x-tile-cache"] == "miss" and after.headers["etag"] != before.headers["etag"]
    finally:
        with other, other.cursor() as cur:
            _population_plus(cur.execute, code, -5)
        other.close()
