"""The password policy (length, zxcvbn's common passwords and strength, the same for the API, the CLI
and a change of password) and what a change does: the other sessions and API tokens end, the one
that changed it stays logged in, and the same password again is refused."""

import subprocess
import sys

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.services import accounts
from tests.conftest import ROOT, TEST_PASSWORD, TEST_USERS, bearer, new_account

GOOD = "sông Hậu mùa nước nổi"
TOO_EASY = "Password: too easy to guess (strength {} of 4, 3 needed); a phrase of several unrelated words is easier to remember and harder to guess"


def _weak(score: int) -> tuple[str, dict]:
    return "password.weak", {"score": score, "needed": 3}


def test_the_test_accounts_password_passes_the_policy():
    for username in TEST_USERS:
        accounts.check_password_policy(TEST_PASSWORD, username)


@pytest.mark.parametrize(
    "password,full_name,code,params",
    [
        ("1234567890", "", "password.common", {}),
        ("qwertyuiop", "", "password.common", {}),
        ("Password123", "", "password.common", {}),  # case does not help
        ("matkhau123456", "", *_weak(1)),  # "password" in Vietnamese, then digits
        ("mật khẩu 123456", "", *_weak(1)),  # the same with diacritics and a space
        ("Nguyen Van Binh 1990", "Nguyễn Văn Bình", *_weak(1)),  # one's own name and a year
        ("abcabcabcabc", "", *_weak(0)),
        ("short", "", "password.too_short", {"min": 10}),
        ("pw-of-binh.nv-2025", "", "password.contains_username", {}),
    ],
)
def test_admins_cannot_give_weak_passwords(client_as, password, full_name, code, params):
    body = {"username": "binh.nv", "password": password, "role": "official", "full_name": full_name}
    r = client_as("admin1").post("/api/users", json=body)
    assert (r.status_code, r.json()["code"]) == (400, "InvalidParameter")
    [problem] = r.json()["problems"]
    assert (problem["code"], problem["field"], problem["params"]) == (code, "password", params)


def test_a_refused_password_is_said_in_vietnamese_unless_english_is_asked(client_as):
    body = {"username": "binh.nv", "password": "short", "role": "official"}
    admin = client_as("admin1")
    said = admin.post("/api/users", json=body).json()
    assert said["description"] == said["problems"][0]["message"] == "Mật khẩu: phải có ít nhất 10 ký tự"
    english = admin.post("/api/users", json=body, headers={"Accept-Language": "en"}).json()
    assert english["description"] == "Password: at least 10 characters"


def test_a_passphrase_is_accepted(client_as):
    body = {"username": "lan.tt", "password": GOOD, "role": "official", "full_name": "Trần Thị Lan"}
    assert client_as("admin1").post("/api/users", json=body).status_code == 201


def test_the_cli_applies_the_same_policy(scratch_url):
    env = {"DATABASE_URL": scratch_url, "PATH": "/usr/bin:/bin", "HOME": "/root"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "app.cli",
            "user",
            "create",
            "an.pv",
            "--role",
            "official",
            "--password-stdin",
        ],
        cwd=ROOT,
        env=env,
        input="matkhau123456\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1 and TOO_EASY.format(1) in done.stderr


def _login(app, username: str, password: str) -> tuple[TestClient, str]:
    c = TestClient(app)
    r = c.post("/api/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return c, r.json()["csrf_token"]


def _me(c: TestClient, **headers) -> str | None:
    r = c.get("/api/auth/me", headers=headers)
    return (r.json()["user"] or {}).get("username") if r.status_code == 200 else f"HTTP {r.status_code}"


def test_changing_the_password_ends_the_other_sessions_and_tokens(app_instance, engine):
    token = new_account(engine, "doi.mk", "planner")
    here, csrf = _login(app_instance, "doi.mk", TEST_PASSWORD)
    elsewhere, _ = _login(app_instance, "doi.mk", TEST_PASSWORD)
    api = TestClient(app_instance, headers=bearer(token))
    assert [_me(here), _me(elsewhere), _me(api)] == ["doi.mk"] * 3

    # The same password again is refused, and changes nothing.
    same = {"current_password": TEST_PASSWORD, "new_password": TEST_PASSWORD}
    r = here.post("/api/auth/password", json=same, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 400
    assert r.json()["description"] == "Mật khẩu mới: phải khác mật khẩu hiện tại"
    assert [(p["code"], p["field"]) for p in r.json()["problems"]] == [("password.same", "new_password")]
    weak = {"current_password": TEST_PASSWORD, "new_password": "1234567890"}
    r = here.post("/api/auth/password", json=weak, headers={"X-CSRF-Token": csrf})
    assert [(p["code"], p["field"]) for p in r.json()["problems"]] == [("password.common", "new_password")]
    # A wrong current password is still 401, said in the reader's language.
    wrong = {"current_password": "not it at all", "new_password": GOOD}
    r = here.post("/api/auth/password", json=wrong, headers={"X-CSRF-Token": csrf, "Accept-Language": "en"})
    assert (r.status_code, r.json()["code"], r.json()["description"]) == (
        401,
        "Unauthorized",
        "Current password: incorrect",
    )
    assert r.json()["problems"][0]["code"] == "password.current_wrong"
    assert [_me(here), _me(elsewhere), _me(api)] == ["doi.mk"] * 3

    changed = {"current_password": TEST_PASSWORD, "new_password": GOOD}
    r = here.post("/api/auth/password", json=changed, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200, r.text
    # The session that changed it stays; the other session is anonymous now; the token is refused.
    assert [_me(here), _me(elsewhere), _me(api)] == ["doi.mk", None, "HTTP 401"]
    assert (
        TestClient(app_instance)
        .post("/api/auth/login", json={"username": "doi.mk", "password": TEST_PASSWORD})
        .status_code
        == 401
    )
    _login(app_instance, "doi.mk", GOOD)


def test_a_token_that_changes_the_password_stays_valid(app_instance, engine):
    first = new_account(engine, "doi.mk2")
    with Session(engine) as s:
        second = accounts.issue_token(s, accounts.get_user(s, "doi.mk2"), "api", None).token
        s.commit()
    c = TestClient(app_instance, headers=bearer(first))
    r = c.post("/api/auth/password", json={"current_password": TEST_PASSWORD, "new_password": GOOD})
    assert r.status_code == 200, r.text
    assert _me(c) == "doi.mk2"
    assert _me(TestClient(app_instance, headers=bearer(second))) == "HTTP 401"
