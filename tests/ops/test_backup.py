"""`make backup` / `make restore` (app.cli backup|restore): a pg_dump round trip of the sample province
restores every table row for row, the service's role can work in the restored database, and a restore
is all or nothing and never overwrites a database holding data unless asked."""

import os
import subprocess
import sys
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app import dbadmin
from app.db import new_engine
from tests.conftest import APP_LOGIN, BASE_URL, ROOT, _url_for, sample_database


def _cli(owner_url: str, *args: str) -> subprocess.CompletedProcess:
    app_url = _url_for(make_url(owner_url).database, APP_LOGIN)
    env = {**os.environ, "DATABASE_OWNER_URL": owner_url, "DATABASE_URL": app_url}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _fingerprint(url: str) -> dict[str, tuple[int, str]]:
    """Every table: its row count and the md5 of its rows in order."""
    engine = new_engine(url)
    try:
        with engine.connect() as conn:
            tables = conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            ).scalars()
            return {
                t: tuple(
                    conn.execute(
                        text(
                            f"SELECT count(*), md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) FROM {t} r"
                        )
                    ).one()
                )
                for t in tables
            }
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def dumped(tmp_path_factory):
    """The sample province, its fingerprint and its backup file."""
    with sample_database("backup") as engine:
        url = engine.url.render_as_string(hide_password=False)
        path = tmp_path_factory.mktemp("backup") / "hg.dump"
        made = _cli(url, "backup", str(path))
        assert made.returncode == 0, made.stderr
        yield _fingerprint(url), path


@pytest.fixture
def target():
    url = _url_for(f"{BASE_URL.database}_scratch_restore_{uuid.uuid4().hex[:6]}")
    yield url
    dbadmin.drop_database(url)


def test_a_backup_restores_every_table_row_for_row(dumped, target):
    before, path = dumped
    assert oct(path.stat().st_mode & 0o777) == "0o600"  # it holds the accounts' password hashes
    restored = _cli(target, "restore", str(path))
    assert restored.returncode == 0, restored.stderr
    after = _fingerprint(target)
    assert after == before
    assert before["sites"][0] > 1000 and before["audit_log"][0] > 0 and len(before) >= 30
    staging = make_url(target).set(database=make_url(target).database + "_restoring")
    assert dbadmin.table_count(staging.render_as_string(hide_password=False)) is None  # nothing left behind


def test_the_service_role_works_in_the_restored_database(dumped, target):
    assert _cli(target, "restore", str(dumped[1])).returncode == 0
    engine = new_engine(_url_for(make_url(target).database, APP_LOGIN))
    try:
        with engine.begin() as conn:
            assert conn.execute(text("SELECT current_user")).scalar_one() == APP_LOGIN.username
            conn.execute(
                text("UPDATE sites SET height_m = height_m + 1 WHERE id = (SELECT min(id) FROM sites)")
            )
            new_id = conn.execute(
                text(
                    "INSERT INTO operators (short_name, name, kind) VALUES ('Sau-khoi-phuc', 'Sau khôi phục', 'fixed') RETURNING id"
                )
            ).scalar_one()
            audited = conn.execute(
                text(
                    "SELECT count(*) FROM audit_log WHERE entity = 'operators' AND record_id = :id AND action = 'create'"
                ),
                {"id": str(new_id)},
            ).scalar_one()
        assert audited == 1
        with pytest.raises(Exception, match="permission denied for table audit_log"):
            with engine.begin() as conn:
                conn.execute(text("DELETE FROM audit_log"))
    finally:
        engine.dispose()


def test_a_restore_never_overwrites_data_unless_asked_and_is_all_or_nothing(dumped, target, tmp_path):
    before, path = dumped
    assert _cli(target, "restore", str(path)).returncode == 0
    engine = new_engine(target)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM speed_tests"))
    engine.dispose()
    edited = _fingerprint(target)

    refused = _cli(target, "restore", str(path))
    name = make_url(target).database
    assert refused.returncode == 1
    assert (
        f"restore: database {name} holds {len(before) - 1} tables: restoring replaces them all"
        in refused.stderr
    )
    assert _fingerprint(target) == edited

    broken = tmp_path / "broken.dump"
    broken.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    failed = _cli(target, "restore", str(broken), "--force")
    assert failed.returncode == 1 and f"not restored, {name} unchanged" in failed.stderr
    assert _fingerprint(target) == edited

    # A running service's pooled connection neither blocks the restore nor outlives it: it reconnects.
    service = new_engine(_url_for(name, APP_LOGIN), pool_pre_ping=True)
    with service.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM speed_tests")).scalar_one() == 0
    assert service.pool.checkedin() == 1
    replaced = _cli(target, "restore", str(path), "--force")
    assert replaced.returncode == 0, replaced.stderr
    assert _fingerprint(target) == before
    with service.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM speed_tests")).scalar_one() == before["speed_tests"][0]
    service.dispose()
    assert dbadmin.table_count(make_url(target).set(database=f"{name}_replaced").render_as_string()) is None
