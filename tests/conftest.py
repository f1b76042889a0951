"""Shared fixtures: a real PostGIS test database (migrated and loaded once), a TestClient and a
live uvicorn server for the browser tests. DATABASE_OWNER_URL (or, without it, DATABASE_URL) names the
server and a login that may create databases; tests use their own databases on it (`<name>_test`, and
throw-away `<name>_scratch_*`). The app logs in as the service does: as DATABASE_URL's role when an
owner URL is given, else as hg_app without a password (a test cluster)."""

import os
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from app import dbadmin
from app.db import new_engine, reset_engine
from app.settings import get_settings

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
_settings = get_settings()
BASE_URL = make_url(_settings.owner_url)
APP_LOGIN = (
    make_url(_settings.database_url)
    if _settings.database_owner_url
    else BASE_URL.set(username=dbadmin.APP_ROLE, password=None)
)
TEST_DB = f"{BASE_URL.database}_test"
REFORMED_DB = f"{BASE_URL.database}_reformed"
# In-process apps must not recompute behind a test's back; the live server below runs the worker.
os.environ["COVERAGE_WORKER"] = "false"


def _url_for(name: str, login=BASE_URL) -> str:
    return login.set(database=name).render_as_string(hide_password=False)


@contextmanager
def sample_database(tag: str):
    """A throw-away migrated database with the sample province loaded: its engine, then dropped."""
    from app.services.imports import loader

    url = _url_for(f"{BASE_URL.database}_scratch_{tag}_{uuid.uuid4().hex[:6]}")
    dbadmin.ensure_database(url)
    dbadmin.upgrade(url)
    engine = new_engine(url)
    try:
        loader.load_sample(engine, ROOT / "data" / "hamlets")
        yield engine
    finally:
        engine.dispose()
        dbadmin.drop_database(url)


@pytest.fixture(scope="session")
def database_url() -> str:
    """A fresh, migrated test database with the sample province loaded."""
    url, app_url = _url_for(TEST_DB), _url_for(TEST_DB, APP_LOGIN)
    dbadmin.drop_database(url)
    dbadmin.ensure_database(url)
    dbadmin.upgrade(url)
    dbadmin.ensure_app_login(url, app_url)
    os.environ["DATABASE_URL"] = app_url
    os.environ["DATABASE_OWNER_URL"] = url
    get_settings.cache_clear()
    reset_engine()
    from app.services.imports import loader

    engine = new_engine(url)
    loader.load_sample(engine, ROOT / "data" / "hamlets")
    from tests.app.test_challenges import seed_challenges  # public reports: the challenges layer has features

    with engine.begin() as conn:
        seed_challenges(conn)
    engine.dispose()
    yield url
    reset_engine()


@pytest.fixture(scope="session")
def reformed_url() -> str:
    """A second test database (`<name>_reformed`, the owner's URL): the sample province and two more
    former provinces, merged by the synthetic 2025 reform into one city (data/hamlets/city/), loaded as
    `python -m app.cli seed --reform` does. The service's login for it: ``_url_for(REFORMED_DB, APP_LOGIN)``."""
    from datetime import date

    from app.services.imports import loader
    from gis.synthetic.facts import REFORM

    url = _url_for(REFORMED_DB)
    dbadmin.drop_database(url)
    dbadmin.ensure_database(url)
    dbadmin.upgrade(url)
    dbadmin.ensure_app_login(url, _url_for(REFORMED_DB, APP_LOGIN))
    engine = new_engine(url)
    try:
        reform = loader.SampleReform(date.fromisoformat(REFORM.effective), REFORM.act, REFORM.folder)
        loader.load_sample(engine, ROOT / "data" / "hamlets", reform)
    finally:
        engine.dispose()
    yield url
    dbadmin.drop_database(url)


@pytest.fixture(scope="session")
def app_database_url(database_url) -> str:
    """The test database as the service logs in to it (the role hg_app, not the owner)."""
    return _url_for(TEST_DB, APP_LOGIN)


@pytest.fixture(scope="session")
def coverage_run(database_url):
    """One full coverage run over the sample province in the test database."""
    from app.db import get_engine
    from app.services.coverage import runs as coverage

    return coverage.run_full(get_engine(), processes=2)


@pytest.fixture(scope="session")
def engine(database_url):
    eng = new_engine(database_url)
    yield eng
    eng.dispose()


# Test accounts (username -> role, operator company, district); all share TEST_PASSWORD.
TEST_PASSWORD = "Thử-nghiệm-2025!"
TEST_USERS = {
    "admin1": ("admin", None, None),
    "planner1": ("planner", None, None),
    "official1": ("official", None, None),
    "official934": ("official", None, "934"),
    "viettel1": ("operator", "Viettel", None),
    "vina1": ("operator", "VinaPhone", None),
}


def issue_tokens(url: str, users: dict[str, tuple]) -> dict[str, str]:
    """Create ``users`` (name -> role, operator, district) in the database at ``url``: a bearer token each."""
    from sqlalchemy.orm import Session

    from app.services import accounts

    engine = new_engine(url)
    out = {}
    with Session(engine) as session:
        for name, (role, operator, district) in users.items():
            user = accounts.create_user(
                session, name, TEST_PASSWORD, role, operator=operator, district_code=district
            )
            out[name] = accounts.issue_token(session, user, "api", "127.0.0.1", name="tests").token
        session.commit()
    engine.dispose()
    return out


@pytest.fixture(scope="session")
def tokens(database_url) -> dict[str, str]:
    """An API bearer token for each test account (created once in the test database)."""
    return issue_tokens(database_url, TEST_USERS)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def new_account(engine, username: str, role: str = "official", **options) -> str:
    """A new account with TEST_PASSWORD (options as accounts.create_user's); returns an API token of it."""
    from sqlalchemy.orm import Session

    from app.services import accounts

    with Session(engine) as session:
        user = accounts.create_user(session, username, TEST_PASSWORD, role, **options)
        token = accounts.issue_token(session, user, "api", None).token
        session.commit()
    return token


@pytest.fixture(scope="session")
def app_instance(database_url, coverage_run):
    from app.main import create_app

    return create_app()


@pytest.fixture(scope="session")
def client(app_instance, tokens):
    """A TestClient logged in as a planner (who sees and edits everything)."""
    from fastapi.testclient import TestClient

    with TestClient(app_instance, headers=bearer(tokens["planner1"])) as c:
        yield c


@pytest.fixture(scope="session")
def anon_client(app_instance):
    from fastapi.testclient import TestClient

    return TestClient(app_instance)


@pytest.fixture(scope="session")
def client_as(app_instance, tokens):
    """client_as("viettel1") -> a TestClient with that account's bearer token."""
    from fastapi.testclient import TestClient

    made = {}

    def get(username: str):
        if username not in made:
            made[username] = TestClient(app_instance, headers=bearer(tokens[username]))
        return made[username]

    return get


@pytest.fixture
def scratch_url():
    """An empty, migrated database of its own, dropped afterwards."""
    url = _url_for(f"{BASE_URL.database}_scratch_{uuid.uuid4().hex[:8]}")
    dbadmin.ensure_database(url)
    dbadmin.upgrade(url)
    yield url
    dbadmin.drop_database(url)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(database_url: str, worker: bool):
    """The real app under uvicorn on a free loopback port; yields its URL, stops it afterwards."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "COVERAGE_WORKER": "true" if worker else "false",
        "COVERAGE_POLL_SECONDS": "1",
        # Every browser test files its reports from the loopback address: the limit per address
        # (tested in tests/app) would refuse the sixth of the session.
        "CHALLENGE_MAX_PER_IP": "100",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "app.main:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-proxy-headers",
        ],  # as `make run`: X-Forwarded-For is the app's business (TRUSTED_PROXIES)
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None:
                raise RuntimeError(proc.stderr.read().decode())
            time.sleep(0.2)
        else:
            raise RuntimeError("the live server did not start in 20 s")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def live_server_url(app_database_url, coverage_run):
    """The real app, coverage worker included, against the test database."""
    yield from _serve(app_database_url, worker=True)


@pytest.fixture(scope="module")
def api_server_url(app_database_url, coverage_run):
    """The real app without the coverage worker (tests that must not start recomputes)."""
    yield from _serve(app_database_url, worker=False)
