"""Accounts: Argon2 hashes, sessions with CSRF, bearer tokens, throttling, disabling, the first
admin, and what anonymous visitors and district-limited officials may see."""

import subprocess
import sys

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.conftest import ROOT, TEST_PASSWORD, bearer


def _login(c: TestClient, username: str, password: str = TEST_PASSWORD):
    return c.post("/api/auth/login", json={"username": username, "password": password})


def test_passwords_are_stored_as_argon2id_hashes(engine, tokens):
    with engine.connect() as conn:
        hashes = (
            conn.execute(
                text("SELECT password_hash FROM users WHERE username = ANY(:u)"), {"u": list(tokens)}
            )
            .scalars()
            .all()
        )
    assert len(hashes) == len(tokens)
    assert all(h.startswith("$argon2id$") and TEST_PASSWORD not in h for h in hashes)


def test_login_sets_a_secure_session_and_writes_need_the_csrf_token(app_instance, tokens):
    c = TestClient(app_instance)
    r = _login(c, "vina1")
    assert r.status_code == 200, r.text
    cookie = r.headers.get_list("set-cookie")
    session_cookie = next(h for h in cookie if h.startswith("hg_session="))
    assert "HttpOnly" in session_cookie and "samesite=lax" in session_cookie.lower()
    csrf = r.json()["csrf_token"]
    assert c.get("/api/auth/me").json()["user"] == {
        "username": "vina1",
        "role": "operator",
        "operator": "VinaPhone",
        "district_code": None,
        "must_change_password": False,
    }
    body = {"asset": "site", "code": "NO-SUCH-SITE"}
    r = c.post("/api/sharing-requests", json=body)
    assert r.status_code == 403 and "X-CSRF-Token" in r.json()["description"]
    r = c.post("/api/sharing-requests", json=body, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 404  # past the CSRF check: the site does not exist
    assert c.post("/api/auth/logout").status_code == 200
    assert c.get("/api/auth/me").json()["user"] is None
    # The session is over on the server too: the old cookie no longer works.
    c.cookies.set("hg_session", session_cookie.split(";")[0].split("=", 1)[1])
    assert c.get("/api/auth/me").json()["user"] is None


def test_wrong_passwords_are_throttled(app_instance, engine):
    from sqlalchemy.orm import Session

    from app.services import accounts

    with Session(engine) as s:
        accounts.create_user(s, "throttled", TEST_PASSWORD, "official")
        s.commit()
    c = TestClient(app_instance)
    for _ in range(5):
        r = _login(c, "throttled", "wrong password!")
        assert r.status_code == 401 and r.json()["code"] == "Unauthorized"
        assert r.json()["description"] == (
            "Mật khẩu: không đúng với tên đăng nhập, hoặc tài khoản không tồn tại hay đã bị khoá"
        )
    r = _login(c, "throttled")  # even the right password, for a while
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert _login(c, "nobody-at-all", "x").status_code == 401  # same answer as a wrong password


def test_bearer_tokens_and_bad_authorization_headers(app_instance, tokens):
    c = TestClient(app_instance)
    assert c.get("/api/auth/me", headers=bearer(tokens["official1"])).json()["user"]["role"] == "official"
    r = c.get("/api/auth/me", headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 401
    r = c.get("/api/auth/me", headers={"Authorization": "Digest dXNlcjpwYXNz"})
    assert r.status_code == 401 and "Bearer" in r.json()["description"]


def test_a_disabled_account_loses_its_tokens_at_once(app_instance, client_as, engine):
    from sqlalchemy.orm import Session

    from app.services import accounts

    with Session(engine) as s:
        user = accounts.create_user(s, "leaving", TEST_PASSWORD, "planner")
        token = accounts.issue_token(s, user, "api", None).token
        s.commit()
    c = TestClient(app_instance, headers=bearer(token))
    assert c.get("/api/registrations").status_code == 200
    admin = client_as("admin1")
    r = admin.put("/api/users/leaving/state", json={"active": False})
    assert r.status_code == 200 and r.json()["active"] is False
    assert c.get("/api/registrations").status_code == 401
    assert _login(TestClient(app_instance), "leaving").status_code == 401
    # Only an admin manages accounts.
    assert client_as("planner1").put("/api/users/leaving/state", json={"active": True}).status_code == 403


def test_admin_creates_accounts_with_checked_fields(client_as):
    admin = client_as("admin1")
    good = {
        "username": "Nguyen.Van.A",
        "password": "bún bò Huế ngon lắm",
        "role": "operator",
        "operator": "mobifone",
    }
    r = admin.post("/api/users", json=good)
    assert r.status_code == 201 and r.json() == {
        "username": "nguyen.van.a",
        "role": "operator",
        "operator": "MobiFone",
    }
    assert admin.post("/api/users", json=good).status_code == 409
    for bad, words in [
        ({**good, "username": "x y"}, "username"),
        ({**good, "username": "short-pw", "password": "123"}, "ít nhất 10"),
        ({**good, "username": "no-company", "operator": None}, "operator"),
        ({**good, "username": "ghost-co", "operator": "Ghost Telecom"}, "unknown company"),
        (
            {**good, "username": "plan-dist", "role": "planner", "operator": None, "district_code": "934"},
            "official",
        ),
    ]:
        r = admin.post("/api/users", json=bad)
        assert r.status_code == 400 and words in r.json()["description"], (bad, r.text)
    names = {u["username"] for u in admin.get("/api/users").json()["users"]}
    assert "nguyen.van.a" in names and "x y" not in names


def test_the_first_admin_gets_a_one_time_password_that_must_be_changed(scratch_url):
    env = {"DATABASE_URL": scratch_url, "PATH": "/usr/bin:/bin", "HOME": "/root", "ADMIN_USERNAME": "chief"}

    def run():
        return subprocess.run(
            [sys.executable, "-m", "app.cli", "ensure-admin"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    first = run()
    assert first.returncode == 0, first.stderr
    password = next(line.strip() for line in first.stdout.splitlines() if line.startswith("    "))
    second = run()
    assert "exists" in second.stdout and password not in second.stdout  # printed once only

    from sqlalchemy.orm import Session

    from app.db import new_engine
    from app.services import accounts

    eng = new_engine(scratch_url)
    with Session(eng) as s:
        user = accounts.get_user(s, "chief")
        assert user.role == "admin" and user.must_change_password
        assert accounts.verify_password(user, password)
    eng.dispose()


def test_cli_creates_lists_and_disables_users(scratch_url):
    env = {"DATABASE_URL": scratch_url, "PATH": "/usr/bin:/bin", "HOME": "/root"}

    def cli(*args, stdin=None):
        return subprocess.run(
            [sys.executable, "-m", "app.cli", "user", *args],
            cwd=ROOT,
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
        )

    made = cli("create", "ks.hau", "--role", "official", "--password-stdin", stdin="một mật khẩu dài\n")
    assert made.returncode == 0, made.stderr
    assert "ks.hau" in cli("list").stdout and "active" in cli("list").stdout
    assert cli("disable", "ks.hau").returncode == 0
    assert "disabled" in cli("list").stdout
    bad = cli("create", "x", "--role", "official", "--password-stdin", stdin="short\n")
    assert bad.returncode == 1 and "username" in bad.stderr


def test_anonymous_visitors_see_public_layers_only(anon_client):
    from app.collections import PUBLIC

    listed = {c["id"] for c in anon_client.get("/ogc/collections").json()["collections"]}
    assert listed == set(PUBLIC)
    assert anon_client.get("/ogc/collections/hamlets/items?limit=1").status_code == 200
    for path in (
        "/ogc/collections/sites/items",
        "/ogc/collections/sites",
        "/tiles/sites/10/812/483.mvt",
        "/tiles/districts,poles/10/812/483.mvt",
        "/api/export/sites?format=csv",
        "/api/export/ofds",
        "/api/sites/HG-S0002",
        "/api/registrations",
    ):
        r = anon_client.get(path)
        assert r.status_code == 401, (path, r.status_code)
    assert anon_client.post("/api/coverage/what-if", json={}).status_code in (400, 401)
    # A public tile may be cached by anyone; a tile with infrastructure only privately.
    assert anon_client.get("/tiles/districts/10/812/483.mvt").headers["Cache-Control"].startswith("public")


def test_anonymous_hamlet_coverage_names_no_site(anon_client, client):
    code = client.get("/ogc/collections/hamlets/items?limit=1").json()["features"][0]["properties"]["code"]
    anon = anon_client.get(f"/api/hamlets/{code}/coverage").json()["nearest_sites"]
    staff = client.get(f"/api/hamlets/{code}/coverage").json()["nearest_sites"]
    assert anon and all("site_code" not in s for s in anon)
    assert all(s["site_code"] for s in staff)
    assert [s["distance_m"] for s in anon] == [s["distance_m"] for s in staff]


def test_an_official_limited_to_a_district_sees_that_district_only(client_as, client):
    limited = client_as("official934")
    mine = limited.get("/ogc/collections/sites/items?limit=10000").json()
    assert (
        mine["numberMatched"]
        == client.get("/ogc/collections/sites/items?district=934&limit=1").json()["numberMatched"]
    )
    assert {f["properties"]["district_code"] for f in mine["features"]} == {"934"}
    r = limited.get("/ogc/collections/sites/items?district=930")
    assert r.status_code == 403 and "934" in r.json()["description"]
    # Read-only: an official writes nothing.
    assert (
        limited.post("/api/sharing-requests", json={"asset": "site", "code": "HG-S0002"}).status_code == 403
    )


@pytest.mark.parametrize("path", ["/api/auth/me", "/ogc/collections"])
def test_a_stale_cookie_on_a_read_is_just_an_anonymous_visit(app_instance, path):
    c = TestClient(app_instance, cookies={"hg_session": "expired-or-forged"})
    assert c.get(path).status_code == 200


def test_a_limited_official_gets_the_dashboard_of_their_district_only(client_as, anon_client):
    limited = client_as("official934")
    units = limited.get("/api/indicators?level=district").json()["units"]
    assert [u["code"] for u in units] == ["934"]
    assert limited.get("/api/indicators?level=province").status_code == 403
    assert limited.get("/api/drilldown/930").status_code == 403
    assert limited.get("/api/drilldown/934").status_code == 200
    # Everyone else sees the province; anonymous visitors the aggregated indicators too.
    assert len(client_as("official1").get("/api/indicators?level=district").json()["units"]) == 8
    assert len(anon_client.get("/api/indicators?level=district").json()["units"]) == 8
    assert anon_client.get("/api/drilldown/934").status_code == 401


def test_a_one_time_password_must_be_changed_before_any_write(app_instance, engine):
    from sqlalchemy.orm import Session

    from app.services import accounts

    with Session(engine) as s:
        user = accounts.create_user(
            s, "first.login", "vào nhà ra ngõ 2025", "operator", operator="Viettel", must_change_password=True
        )
        token = accounts.issue_token(s, user, "api", None).token
        s.commit()
    c = TestClient(app_instance, headers=bearer(token))
    assert c.get("/api/auth/me").json()["user"]["must_change_password"] is True
    r = c.post("/api/sharing-requests", json={"asset": "site", "code": "NO-SUCH"})
    assert r.status_code == 403 and "one-time password" in r.json()["description"]
    assert c.get("/api/registrations").status_code == 200  # reading is fine
    bad = c.post(
        "/api/auth/password", json={"current_password": "wrong", "new_password": "a new long password"}
    )
    assert bad.status_code == 401
    ok = c.post(
        "/api/auth/password",
        json={"current_password": "vào nhà ra ngõ 2025", "new_password": "a new long password"},
    )
    assert ok.status_code == 200
    assert c.post("/api/sharing-requests", json={"asset": "site", "code": "NO-SUCH"}).status_code == 404
    assert _login(TestClient(app_instance), "first.login", "a new long password").status_code == 200


def test_a_limited_official_opens_records_of_their_district_only(client_as, engine):
    with engine.connect() as conn:
        inside, outside = (
            conn.execute(
                text(
                    "SELECT s.code FROM sites s JOIN admin_units d ON d.level = 'district' AND ST_Intersects(d.geom, s.geom) "
                    f"WHERE d.code {op} '934' ORDER BY s.code LIMIT 1"
                )
            ).scalar_one()
            for op in ("=", "<>")
        )
        hamlet_out = conn.execute(
            text(
                "SELECT h.code FROM admin_units h JOIN admin_units c ON c.id = h.parent_id JOIN admin_units d "
                "ON d.id = c.parent_id WHERE h.level = 'hamlet' AND d.code <> '934' ORDER BY h.code LIMIT 1"
            )
        ).scalar_one()
    limited, everyone = client_as("official934"), client_as("official1")
    assert limited.get(f"/api/sites/{inside}").status_code == 200
    assert limited.get(f"/api/history/site/{inside}").status_code == 200
    # A record outside the district is answered as an unknown one; an area outside it is refused.
    for path, status, said in (
        (f"/api/sites/{outside}", 404, f"không có trạm “{outside}”"),
        (f"/api/history/site/{outside}", 404, f"không có trạm “{outside}” trong nhật ký thay đổi"),
        (f"/api/hamlets/{hamlet_out}/coverage", 403, "934"),
    ):
        r = limited.get(path)
        assert r.status_code == status and said in r.json()["description"], path
        assert everyone.get(path).status_code == 200, path
    # The refusal is data, said in the reader's language (Vietnamese unless asked otherwise).
    r = limited.get(f"/api/hamlets/{hamlet_out}/coverage")
    assert [(p["code"], p["params"]) for p in r.json()["problems"]] == [
        ("scope.outside_district", {"district": "934", "asked": hamlet_out})
    ]
    assert (
        r.json()["description"] == f"tài khoản này chỉ xem được huyện 934; “{hamlet_out}” nằm ngoài huyện đó"
    )
    r = limited.get("/api/indicators?level=province", headers={"Accept-Language": "en"})
    assert r.status_code == 403 and [p["code"] for p in r.json()["problems"]] == [
        "scope.province_outside_district"
    ]
    assert r.json()["description"] == "this account sees district 934 only, not the province as a whole"
    assert limited.get("/api/sites/NO-SUCH").json()["description"] == "không có trạm “NO-SUCH”"
    assert (
        limited.get("/api/history/site/NO-SUCH", headers={"Accept-Language": "en"}).json()["description"]
        == "no site 'NO-SUCH' in the audit trail"
    )
