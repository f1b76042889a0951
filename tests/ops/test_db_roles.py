"""The service's database login: a plain role with hg_app's privileges that no statement can widen."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.conftest import APP_LOGIN, BASE_URL


@pytest.fixture
def service_conn(app_instance):
    """A connection of the engine the service uses."""
    from app.db import get_engine

    with get_engine().connect() as conn:
        yield conn


def _refused(conn, sql: str, message: str) -> None:
    with pytest.raises(DBAPIError, match=message):
        with conn.begin():
            conn.execute(text(sql))


def test_the_service_logs_in_as_a_plain_role_that_owns_nothing(service_conn):
    row = service_conn.execute(
        text(
            "SELECT session_user, current_user, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, "
            "pg_has_role(session_user, 'hg_app', 'USAGE') FROM pg_roles WHERE rolname = session_user"
        )
    ).one()
    assert tuple(row) == (APP_LOGIN.username, APP_LOGIN.username, False, False, False, False, True)
    owned = service_conn.execute(
        text(
            "SELECT count(*) FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = session_user)"
        )
    ).scalar_one()
    database_owner = service_conn.execute(
        text("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()")
    ).scalar_one()
    assert (owned, database_owner) == (0, BASE_URL.username)


def test_no_statement_turns_the_service_into_the_owner(service_conn):
    owner = BASE_URL.username
    _refused(service_conn, f"SET ROLE {owner}", f'permission denied to set role "{owner}"')
    _refused(
        service_conn, f"SET SESSION AUTHORIZATION {owner}", "permission denied to set session authorization"
    )
    _refused(
        service_conn, f"ALTER ROLE {APP_LOGIN.username} SUPERUSER", "permission denied|must be superuser"
    )
    with service_conn.begin():
        service_conn.execute(text("RESET ROLE"))
        service_conn.execute(text("RESET SESSION AUTHORIZATION"))
        who = service_conn.execute(
            text("SELECT current_user, usesuper FROM pg_user WHERE usename = current_user")
        )
        assert tuple(who.one()) == (APP_LOGIN.username, False)
    # Even after RESET ROLE the audit log answers "permission denied", not its owner's trigger.
    for sql in ("UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"):
        with service_conn.begin():
            service_conn.execute(text("RESET ROLE"))
        _refused(service_conn, sql, "permission denied for table audit_log")


def test_the_service_cannot_change_the_schema(service_conn):
    _refused(service_conn, "CREATE TABLE intruder (id int)", "permission denied for schema public")
    _refused(service_conn, "CREATE SCHEMA intruder", "permission denied for database")
    _refused(service_conn, "ALTER TABLE sites ADD COLUMN intruder int", "must be owner of table sites")
    _refused(service_conn, "DROP TABLE speed_tests", "must be owner of table speed_tests")
    _refused(service_conn, "CREATE ROLE intruder", "permission denied to create role")
    _refused(
        service_conn,
        "DROP TRIGGER audit_log_no_update ON audit_log",
        "must be owner of (relation|table) audit_log",
    )
