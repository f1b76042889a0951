"""Engine and sessions. The engine is built on first use from the settings."""

import logging
import select
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from app.services.audit import name_before_write
from app.settings import get_settings

log = logging.getLogger(__name__)

DB_POOL_OVERFLOW = 10  # connections the service's pool opens beyond db_pool_size at a peak


def new_engine(
    url: str | URL, *, server_options: str = "", connect_args: dict | None = None, **kwargs
) -> Engine:
    """An engine whose sessions count days on the region's clock (the setting TIMEZONE, as
    app/services/clock.py does): CURRENT_DATE, timestamptz::date and the triggers' days are the
    region's today, not the server's (UTC on our clusters, a day behind from 00:00 to 07:00 in
    Vietnam). The project's engines are made here: the service's and its worker's, the owner's
    (migrations, app/dbadmin.py) and the test fixtures'; none hands out a connection the server
    has ended (drop_if_ended_by_server). ``server_options``: more `-c name=value` settings."""
    url = make_url(url)
    # libpq's options: the URL's own first, then ours (the last -c of a name wins).
    own = url.query.get("options", "")
    options = [
        *([own] if isinstance(own, str) else own),
        server_options,
        f"-c TimeZone={get_settings().timezone}",
    ]
    args = {**(connect_args or {}), "options": " ".join(o for o in options if o)}
    engine = create_engine(url.difference_update_query(["options"]), connect_args=args, **kwargs)
    event.listen(engine, "checkout", drop_if_ended_by_server)
    return engine


@lru_cache
def get_engine() -> Engine:
    settings = get_settings()
    # A bad query must not hang a worker forever. The login is the service's own role (DATABASE_URL):
    # it may read the audit log but never change it, and owns nothing (migration 0005, app/dbadmin.py).
    engine = new_engine(
        settings.database_url,
        server_options="-c statement_timeout=30000",
        connect_args={"connect_timeout": 5},
        pool_size=settings.db_pool_size,
        max_overflow=DB_POOL_OVERFLOW,
    )
    event.listen(engine, "first_connect", _warn_if_privileged)
    return engine


def drop_if_ended_by_server(dbapi_connection, _record, _proxy) -> None:
    """A pooled connection the server has ended (a restart, pg_terminate_backend, an idle timeout)
    is not handed out: the pool opens a fresh one in its place. Checked without a round trip
    (pool_pre_ping's `SELECT 1` was one of a tile's six): the server says goodbye before it closes
    (FATAL 57P01), so an idle connection with something to read, or at the end of its stream, is a
    dead one; a healthy idle one has nothing pending (we LISTEN to nothing)."""
    if dbapi_connection.closed:
        raise DisconnectionError("the pooled connection is closed")
    poller = select.poll()
    poller.register(dbapi_connection.fileno(), select.POLLIN | select.POLLERR | select.POLLHUP)
    if poller.poll(0):
        raise DisconnectionError("the server ended this pooled connection")


def _warn_if_privileged(dbapi_connection, _record) -> None:
    with dbapi_connection.cursor() as cur:
        cur.execute(
            "SELECT rolsuper OR rolcreaterole OR rolcreatedb FROM pg_roles WHERE rolname = current_user"
        )
        privileged = cur.fetchone()[0]
    dbapi_connection.rollback()
    if privileged:
        log.warning(
            "DATABASE_URL logs the service in as a superuser or a role that may create roles or "
            "databases: give it a plain login with hg_app's privileges (README, 'Settings')"
        )


@lru_cache
def _session_factory() -> sessionmaker[Session]:
    factory = sessionmaker(bind=get_engine(), expire_on_commit=False)
    # Each transaction of a request tells the audit triggers who acts (session.info["actor"]).
    event.listen(factory, "after_begin", _tell_audit_who_acts)
    return factory


def _tell_audit_who_acts(session: Session, _transaction, connection) -> None:
    actor = session.info.get("actor")
    if actor is not None:
        name_before_write(connection, actor)


def get_session() -> Iterator[Session]:
    with _session_factory()() as session:
        yield session


@contextmanager
def autocommit_cursor() -> Iterator:
    """A DBAPI cursor of a pooled connection in autocommit, for a request that only reads (a cold
    tile, app/routers/tiles.py): no Session nor Connection to open and close around it, no
    isolation level set on checkout and reset on return (together a sixth of a small tile's Python
    time). The connection goes back to the pool as it came (autocommit off), or, when the server
    ended it meanwhile, is dropped from it."""
    fairy = get_engine().raw_connection()
    dbapi = fairy.dbapi_connection
    try:
        dbapi.autocommit = True
        with dbapi.cursor() as cursor:
            yield cursor
    finally:
        if dbapi.closed:
            fairy.invalidate()
        else:
            dbapi.autocommit = False
        fairy.close()


def reset_engine() -> None:
    """Forget the cached engine (tests switch databases)."""
    if get_engine.cache_info().currsize:
        get_engine().dispose()
    get_engine.cache_clear()
    _session_factory.cache_clear()
