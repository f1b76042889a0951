"""Database lifecycle, as the owner: create the database and PostGIS, run Alembic migrations, let the
service's login role in, back up and restore."""

import os
import shutil
import subprocess
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from app.db import new_engine

ROOT = Path(__file__).resolve().parent.parent
APP_ROLE = "hg_app"  # the service's privileges, granted by the migrations (0005)


class DatabaseAdminError(Exception):
    """A lifecycle step refused or failed; the message says why and what to do."""


def _maintenance(url):
    """The server's maintenance database, for statements about whole databases."""
    return new_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")


def ensure_database(database_url: str) -> bool:
    """Create the database named in the URL when missing. Returns True when it was created."""
    url = make_url(database_url)
    probe = new_engine(url)
    try:
        with probe.connect():
            return False  # already there: no need for the maintenance database
    except OperationalError:
        pass
    finally:
        probe.dispose()
    admin = _maintenance(url)
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
    admin = _maintenance(url)
    try:
        with admin.connect() as conn:
            name = admin.dialect.identifier_preparer.quote(url.database)
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    finally:
        admin.dispose()


# Alembic is imported when migrating only: every other command starts without it.
def alembic_config(database_url: str) -> "Config":  # noqa: F821 - alembic.config.Config
    from alembic.config import Config

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.attributes["database_url"] = database_url
    cfg.attributes["configure_logger"] = False
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(database_url), revision)


def ensure_app_login(owner_url: str, app_url: str) -> None:
    """Let the service's login role (DATABASE_URL's user) in: it may log in and holds hg_app's privileges,
    and it is refused when it could do more (superuser, CREATEROLE, CREATEDB, BYPASSRLS)."""
    owner, app = make_url(owner_url), make_url(app_url)
    admin = _maintenance(owner)
    quote = admin.dialect.identifier_preparer.quote
    try:
        with admin.connect() as conn:
            for role in dict.fromkeys((APP_ROLE, app.username)):
                if not conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}):
                    conn.execute(text(f"CREATE ROLE {quote(role)}"))
            if app.username == owner.username:
                return  # one login for everything (DATABASE_OWNER_URL unset): nothing to grant
            mighty = conn.scalar(
                text(
                    "SELECT rolsuper OR rolcreaterole OR rolcreatedb OR rolbypassrls FROM pg_roles WHERE rolname = :r"
                ),
                {"r": app.username},
            )
            if mighty:
                raise DatabaseAdminError(
                    f"the service's login role {app.username} (DATABASE_URL) is a superuser or may create roles "
                    "or databases: give the service a plain role"
                )
            # psycopg2 binds the password client-side, so it may stand in a utility statement.
            password = " PASSWORD :password" if app.password else ""
            conn.execute(
                text(f"ALTER ROLE {quote(app.username)} LOGIN{password}"), {"password": app.password}
            )
            if app.username != APP_ROLE:
                conn.execute(text(f"GRANT {APP_ROLE} TO {quote(app.username)}"))
    finally:
        admin.dispose()


def _client(program: str, url, *args: str) -> subprocess.CompletedProcess:
    """Run a PostgreSQL client program on the database of url (the password through the environment,
    never the command line)."""
    exe = shutil.which(program)
    if exe is None:
        raise DatabaseAdminError(
            f"{program} not found: install the PostgreSQL client (apt-get install postgresql-client)"
        )
    env = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
    dsn = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return subprocess.run([exe, *args, "--dbname", dsn], env=env, capture_output=True, text=True)


def backup(owner_url: str, path: Path) -> Path:
    """The whole database in pg_dump's custom format, readable by its owner only (it holds the
    accounts' password hashes)."""
    url = make_url(owner_url)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    partial.touch(mode=0o600)
    done = _client("pg_dump", url, "--format=custom", "--file", str(partial))
    if done.returncode:
        partial.unlink(missing_ok=True)
        raise DatabaseAdminError(f"pg_dump failed: {done.stderr.strip()}")
    partial.replace(path)
    return path


def table_count(database_url: str) -> int | None:
    """Tables in the database besides PostGIS's own; None when the database does not exist."""
    engine = new_engine(database_url)
    try:
        with engine.connect() as conn:
            return conn.scalar(
                text(
                    "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') "
                    "AND tablename <> 'spatial_ref_sys'"
                )
            )
    except OperationalError:
        return None
    finally:
        engine.dispose()


def restore(owner_url: str, app_url: str, path: Path, replace: bool = False) -> None:
    """Restore a backup() file as the database of owner_url, all or nothing: into a database of its
    own, in one transaction, which then takes the target's place. A database holding tables is
    replaced only when asked (replace)."""
    url = make_url(owner_url)
    if not path.is_file():
        raise DatabaseAdminError(f"{path}: no such file")
    tables = table_count(owner_url)
    if tables and not replace:
        raise DatabaseAdminError(
            f"database {url.database} holds {tables} tables: restoring replaces them all; ask for it with "
            "--force (make restore FILE=… FORCE=1), or back it up first (make backup)"
        )
    staging = url.set(database=f"{url.database}_restoring")
    staging_url = staging.render_as_string(hide_password=False)
    drop_database(staging_url)  # a leftover of an interrupted restore
    ensure_database(staging_url)
    ensure_app_login(owner_url, app_url)  # the dump's grants name hg_app
    done = _client("pg_restore", staging, "--single-transaction", "--exit-on-error", "--no-owner", str(path))
    if done.returncode:
        drop_database(staging_url)
        raise DatabaseAdminError(f"{path} not restored, {url.database} unchanged: {done.stderr.strip()}")
    _swap_in(staging, url)


def _swap_in(staging, url) -> None:
    """The restored database takes the target's name: the old one is set aside first and dropped last,
    so the name is missing for an instant only (a running service reconnects by itself)."""
    replaced = url.set(database=f"{url.database}_replaced")
    drop_database(replaced.render_as_string(hide_password=False))
    admin = _maintenance(url)
    quote = admin.dialect.identifier_preparer.quote
    try:
        with admin.connect() as conn:
            if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": url.database}):
                conn.execute(text(f"ALTER DATABASE {quote(url.database)} ALLOW_CONNECTIONS false"))
                conn.execute(
                    text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                    {"n": url.database},
                )
                conn.execute(
                    text(f"ALTER DATABASE {quote(url.database)} RENAME TO {quote(replaced.database)}")
                )
            conn.execute(text(f"ALTER DATABASE {quote(staging.database)} RENAME TO {quote(url.database)}"))
    finally:
        admin.dispose()
    drop_database(replaced.render_as_string(hide_password=False))
