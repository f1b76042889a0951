"""Engine and sessions. The engine is built on first use from the settings."""

import logging
from collections.abc import Iterator
from functools import lru_cache

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from app.settings import get_settings

log = logging.getLogger(__name__)


@lru_cache
def get_engine() -> Engine:
    settings = get_settings()
    # A bad query must not hang a worker forever. The login is the service's own role (DATABASE_URL):
    # it may read the audit log but never change it, and owns nothing (migration 0005, app/dbadmin.py).
    engine = create_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=10,
        pool_pre_ping=True,
        connect_args={"connect_timeout": 5, "options": "-c statement_timeout=30000"},
    )
    event.listen(engine, "first_connect", _warn_if_privileged)
    return engine


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
        actor.apply(connection)


def get_session() -> Iterator[Session]:
    with _session_factory()() as session:
        yield session


def reset_engine() -> None:
    """Forget the cached engine (tests switch databases)."""
    if get_engine.cache_info().currsize:
        get_engine().dispose()
    get_engine.cache_clear()
    _session_factory.cache_clear()
