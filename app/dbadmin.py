"""Database lifecycle: create the database and PostGIS, run Alembic migrations."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

ROOT = Path(__file__).resolve().parent.parent


def ensure_database(database_url: str) -> bool:
    """Create the database named in the URL when missing. Returns True when it was created."""
    url = make_url(database_url)
    probe = create_engine(url)
    try:
        with probe.connect():
            return False  # already there: no need for the maintenance database
    except OperationalError:
        pass
    finally:
        probe.dispose()
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": url.database})
            if not exists:
                # Identifier quoting by the dialect; the name comes from our own settings.
                name = admin.dialect.identifier_preparer.quote(url.database)
                conn.execute(text(f"CREATE DATABASE {name} ENCODING 'UTF8' TEMPLATE template0"))
            return not exists
    finally:
        admin.dispose()


def drop_database(database_url: str) -> None:
    url = make_url(database_url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            name = admin.dialect.identifier_preparer.quote(url.database)
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    finally:
        admin.dispose()


def alembic_config(database_url: str) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.attributes["database_url"] = database_url
    cfg.attributes["configure_logger"] = False
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)
