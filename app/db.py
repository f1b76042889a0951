"""Engine and sessions. The engine is built on first use from the settings."""

from collections.abc import Iterator
from functools import lru_cache

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from app.settings import get_settings


@lru_cache
def get_engine() -> Engine:
    settings = get_settings()
    # A bad query must not hang a worker forever; and the service acts as its own role, which
    # may read the audit log but never change it (migration 0005).
    options = "-c statement_timeout=30000" + (f" -c role={settings.db_role}" if settings.db_role else "")
    return create_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=10,
        pool_pre_ping=True,
        connect_args={"connect_timeout": 5, "options": options},
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
