"""scripts/pg.sh in a fresh clone of this repository inside a folder only its owner may enter (root's
home on Debian is one): the cluster lives where the postgres user can reach it, keyed by the checkout;
`make run`'s cluster is durable and wants a password over TCP; the test cluster is neither."""

import os
import socket
import subprocess

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from app.db import new_engine
from tests.conftest import ROOT


def _free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


@pytest.fixture
def clone(tmp_path):
    private = tmp_path / "home"
    private.mkdir(mode=0o700)
    checkout = private / "projects" / "hg"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(checkout)], check=True, timeout=120)
    run_port, test_port = _free_ports(2)
    env = {**os.environ, "PGPORT": str(run_port), "PGPORT_TEST": str(test_port)}

    def pg(*args, port_env=None):
        return subprocess.run(
            [str(checkout / "scripts" / "pg.sh"), *args],
            env={**env, **(port_env or {})},
            capture_output=True,
            text=True,
            timeout=180,
        )

    yield checkout, pg, run_port, test_port
    for kind in ("run", "test"):
        pg("destroy", kind)


def _scalar(url: str, sql: str):
    engine = new_engine(make_url(url).set(database="postgres"))
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql)).scalar_one()
    finally:
        engine.dispose()


def _refusal(url: str) -> str:
    with pytest.raises(OperationalError) as refused:
        _scalar(url, "SELECT 1")
    return str(refused.value)


def test_a_clone_in_a_private_folder_runs_its_own_durable_password_protected_cluster(clone):
    checkout, pg, run_port, test_port = clone
    started = pg("start")
    assert started.returncode == 0, started.stderr
    assert f"pg: run cluster running on 127.0.0.1:{run_port}" in started.stdout
    app, owner = pg("url", "app").stdout.strip(), pg("url", "owner").stdout.strip()
    folder = make_url(owner).query["host"].removesuffix("/socket")
    assert (
        not folder.startswith(str(checkout)) or os.getuid() != 0
    )  # root's clusters live outside the checkout
    assert make_url(app).query["passfile"] == f"{folder}/app.pgpass"
    assert oct(os.stat(f"{folder}/app.pgpass").st_mode & 0o777) == "0o600"

    # The owner through the socket (peer); durable; the service's role a plain one, with a password.
    assert (
        _scalar(owner, "SELECT current_setting('fsync') || current_setting('synchronous_commit')") == "onon"
    )
    assert (
        _scalar(app, "SELECT current_user || ' ' || usesuper FROM pg_user WHERE usename = current_user")
        == "hg_app false"
    )
    no_password = make_url(app).difference_update_query(["passfile"]).render_as_string()
    assert "no password supplied" in _refusal(no_password)
    assert 'pg_hba.conf rejects connection for host "127.0.0.1", user "postgres"' in _refusal(
        f"postgresql+psycopg2://postgres@127.0.0.1:{run_port}/postgres"
    )

    again = pg("start")  # make run twice
    assert again.returncode == 0 and again.stdout == "", again.stderr
    taken = pg("start", "test", port_env={"PGPORT_TEST": str(run_port)})
    assert taken.returncode == 1
    assert f"pg: port {run_port} is taken by the run cluster of {checkout}." in taken.stderr
    assert "PGPORT_TEST=" in taken.stderr

    # The test cluster: no durability, no passwords.
    assert pg("start", "test").returncode == 0
    test_app = pg("url", "app", "test").stdout.strip()
    assert test_app == f"postgresql+psycopg2://hg_app@127.0.0.1:{test_port}/hgtelecom"
    assert (
        _scalar(test_app, "SELECT current_setting('fsync') || current_setting('synchronous_commit')")
        == "offoff"
    )

    assert pg("stop").stdout == "pg: run cluster stopped\n"
    assert "no password supplied" not in _refusal(app)  # nothing listens any more
    for kind in ("run", "test"):
        assert pg("destroy", kind).returncode == 0
    assert not os.path.exists(folder)
