"""What a read costs the database: no audit actor told (only a write needs one), no ping per
checkout, yet a connection the server ended is never handed to a request."""

import gzip
import time

import mapbox_vector_tile
import pytest
from sqlalchemy import Engine, NullPool, event, text

from app.db import new_engine
from app.services import tiles
from app.services.audit import Actor, bind_actor, reads_only


def _statements_of(call) -> list[str]:
    """The SQL every engine sent while `call` ran (what the app's own code executes)."""
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", note)
    try:
        call()
    finally:
        event.remove(Engine, "before_cursor_execute", note)
    return seen


@pytest.mark.parametrize(
    ("statement", "reads"),
    [
        ("SELECT code FROM sites WHERE id = %(id)s", True),
        ("  (SELECT 1) UNION (SELECT 2)", True),
        ("SELECT updated_at FROM sites", True),  # a word inside a name is no write
        ("SELECT relocate_features()", False),
        ("WITH x AS (SELECT 1) SELECT * FROM x", True),  # a tile's query
        ("WITH x AS (INSERT INTO sites (code) VALUES ('A') RETURNING id) SELECT * FROM x", False),
        ("with x as (delete from sites returning id) select count(*) from x", False),
        ("WITH x AS (SELECT relocate_features()) SELECT 1", False),
        ("SELECT 1 FROM sites FOR UPDATE", False),
        ("UPDATE auth_tokens SET last_used_at = now() WHERE id = %(id)s", False),
        ("insert into sites (code) values ('A')", False),
        ("DELETE FROM sites", False),
        ("CREATE TEMP TABLE t (x int)", False),
        ("SAVEPOINT sa_savepoint_1", True),
        ("ROLLBACK TO SAVEPOINT sa_savepoint_1", True),
    ],
)
def test_only_a_plain_select_counts_as_a_read(statement, reads):
    assert reads_only(statement) is reads


def test_a_tile_read_tells_the_database_no_actor(client_as, monkeypatch):
    from app.services import audit

    told = []  # the actor goes on the DBAPI cursor, which the engine's statement events do not see
    tell = audit._tell_actor
    monkeypatch.setattr(audit, "_tell_actor", lambda cursor, actor: told.append(actor) or tell(cursor, actor))
    op = client_as("vina1")
    op.get("/tiles/sites/8/202/121.mvt")  # the token's last use noted (a write): its actor told
    told.clear()
    answers = []
    sent = _statements_of(lambda: answers.append(op.get("/ogc/collections/sites/items?limit=2")))
    # A tile no other request asks for (its filter): built, not taken from the tile cache.
    sent += _statements_of(lambda: answers.append(op.get("/tiles/sites/8/202/121.mvt?status=planned")))
    assert [r.status_code for r in answers] == [200, 200]
    assert any(s.lstrip().startswith("WITH tile") for s in sent)
    assert sent and not [s for s in sent if "hg.actor" in s] and told == []


def test_an_actor_is_told_before_the_first_write_and_after_a_savepoint_rollback(app_instance):
    from app.db import get_session

    def actor_seen(session) -> str | None:
        return session.execute(text("SELECT nullif(current_setting('hg.actor', true), '')")).scalar_one()

    session = next(get_session())
    try:
        bind_actor(session, Actor(None, "vina1", "operator", "10.0.0.9"))
        assert actor_seen(session) is None  # reads only so far: not told
        session.execute(text("UPDATE sites SET code = code WHERE false"))
        assert actor_seen(session) == "vina1"
        session.rollback()
        # A new transaction, the actor told at its first write again; a savepoint rolled back takes
        # the set_config made inside it back, so the next write tells it once more.
        assert actor_seen(session) is None
        nested = session.begin_nested()
        session.execute(text("UPDATE sites SET code = code WHERE false"))
        assert actor_seen(session) == "vina1"
        nested.rollback()
        assert actor_seen(session) is None
        session.execute(text("UPDATE sites SET code = code WHERE false"))
        assert actor_seen(session) == "vina1"
    finally:
        session.rollback()
        session.close()


def test_requests_after_the_server_ended_the_pooled_connections_answer(client_as, database_url):
    """pg_terminate_backend of every connection the app holds (as a restart does): the next tile and
    items requests are answered from fresh connections, not a 500 (no pool_pre_ping any more)."""
    from app.db import get_engine

    client = client_as("vina1")
    paths = ("/tiles/sites/8/202/121.mvt", "/ogc/collections/sites/items?limit=3")
    for _ in range(3):  # the pool holds connections that served both routes
        assert [client.get(p).status_code for p in paths] == [200, 200]
    assert get_engine().pool.checkedin() > 0
    other = new_engine(database_url, poolclass=NullPool)
    with other.connect() as conn:
        ended = conn.execute(
            text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
            )
        ).scalars()
        ended = list(ended)
        conn.execute(
            text("SELECT pg_terminate_backend(pid) FROM unnest(CAST(:p AS int[])) pid"), {"p": ended}
        )
        for _ in range(100):  # terminating is asynchronous: wait until they are gone
            conn.commit()  # pg_stat_activity is read once per transaction
            left = conn.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:p)"), {"p": ended}
            ).scalar_one()
            if not left:
                break
            time.sleep(0.05)
    other.dispose()
    assert ended and not left
    for _ in range(3):
        assert [client.get(p).status_code for p in paths] == [200, 200]


@pytest.mark.parametrize("isal", [True, False])
def test_a_tile_gzipped_once_decompresses_to_the_same_mvt(client, engine, monkeypatch, isal):
    if not isal:
        monkeypatch.setattr(tiles, "_fast_gzip", None)  # the zlib fallback
    else:  # pyproject.toml requires isal: without it this machine would serve tiles at zlib's cost
        assert tiles._fast_gzip is not None, "isal (a declared dependency) is not importable"
    raw = client.get("/tiles/poles,sites/8/202/121.mvt", headers={"Accept-Encoding": "identity"}).content
    assert len(raw) > tiles.GZIP_MIN_BYTES and mapbox_vector_tile.decode(raw)
    packed = tiles.gzip_once(raw)
    assert packed[:2] == b"\x1f\x8b" and len(packed) < len(raw) and gzip.decompress(packed) == raw


def test_a_tile_is_read_in_autocommit_with_the_regions_time_zone(client_as):
    """No BEGIN nor ROLLBACK around a tile's reads: psycopg2 sends neither in autocommit."""
    from app.settings import get_settings

    seen: list[tuple[str, bool, str]] = []

    def note(conn, _cursor, statement, *_args) -> None:
        dbapi = conn.connection.dbapi_connection
        with dbapi.cursor() as cur:  # the session's time zone, as the tile's SQL sees it
            cur.execute("SHOW TimeZone")
            seen.append((statement, dbapi.autocommit, cur.fetchone()[0]))

    op = client_as("vina1")
    event.listen(Engine, "before_cursor_execute", note)
    try:
        r = op.get("/tiles/sites/10/811/484.mvt")  # a tile no other test asks (none cached)
    finally:
        event.remove(Engine, "before_cursor_execute", note)
    assert r.status_code == 200
    tile = [s for s in seen if "ST_AsMVT" in s[0]]
    assert len(tile) == 1 and tile[0][1:] == (True, get_settings().timezone)
