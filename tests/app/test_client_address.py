"""Who the client is: the socket peer, unless the peer is a proxy named in TRUSTED_PROXIES; then the
nearest untrusted address of its X-Forwarded-For (and its X-Forwarded-Proto for cookies' Secure)."""

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.middleware import parse_networks
from tests.conftest import TEST_PASSWORD

PROXY = "127.0.0.1"
CLIENT = "203.0.113.9"  # documentation addresses (RFC 5737): never contacted
OUTSIDER = "198.51.100.20"


def _failures(engine, ip: str) -> list[str]:
    with engine.connect() as conn:
        return (
            conn.execute(
                text("SELECT username FROM login_failures WHERE client_ip = :ip ORDER BY id"), {"ip": ip}
            )
            .scalars()
            .all()
        )


def _forget(engine, *ips: str) -> None:
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM login_failures WHERE client_ip = ANY(:ips)"), {"ips": list(ips)})


def test_a_spoofed_forwarded_for_cannot_dodge_the_per_address_login_limit(api_server_url, engine):
    """The live server as `make run` starts it: 20 failures from one address, each claiming another."""
    _forget(engine, PROXY)
    try:
        with httpx.Client(base_url=api_server_url, timeout=30) as c:
            for i in range(20):
                r = c.post(
                    "/api/auth/login",
                    json={"username": f"spoof{i}", "password": "not the password"},
                    headers={"X-Forwarded-For": f"192.0.2.{i + 1}"},
                )
                assert r.status_code == 401, (i, r.text)
            r = c.post(
                "/api/auth/login",
                json={"username": "spoof-last", "password": "not the password"},
                headers={"X-Forwarded-For": "192.0.2.200"},
            )
            assert r.status_code == 429, r.text
        assert _failures(engine, PROXY) == [f"spoof{i}" for i in range(20)]
    finally:
        _forget(engine, PROXY)


@pytest.fixture
def behind_proxy(monkeypatch, database_url):
    """An app that trusts the proxy on 127.0.0.1 (and a documentation IPv6 network)."""
    from app.main import create_app
    from app.settings import get_settings

    monkeypatch.setenv("TRUSTED_PROXIES", f"{PROXY}, 2001:db8::/32")
    get_settings.cache_clear()
    try:
        yield create_app()
    finally:
        monkeypatch.delenv("TRUSTED_PROXIES")
        get_settings.cache_clear()


def _fail_login(app, peer: str, username: str, **headers):
    c = TestClient(app, client=(peer, 40000))
    return c.post(
        "/api/auth/login", json={"username": username, "password": "not the password"}, headers=headers
    )


def test_a_trusted_proxy_names_the_client(behind_proxy, engine):
    _forget(engine, CLIENT, PROXY, OUTSIDER)
    try:
        # The client may write anything on the left; the proxy appends what it saw.
        _fail_login(behind_proxy, PROXY, "via-proxy", **{"X-Forwarded-For": f"192.0.2.77, {CLIENT}"})
        # A chain of trusted proxies is walked back to the first address none of them is.
        _fail_login(behind_proxy, PROXY, "via-two", **{"X-Forwarded-For": f"{CLIENT}, 2001:db8::1"})
        # Not from a trusted proxy: the header is the client's own claim, ignored.
        _fail_login(behind_proxy, OUTSIDER, "spoofer", **{"X-Forwarded-For": CLIENT})
        # Garbage in the header: the last address that could be believed (the proxy's peer).
        _fail_login(behind_proxy, PROXY, "garbage", **{"X-Forwarded-For": "not-an-address"})
        assert _failures(engine, CLIENT) == ["via-proxy", "via-two"]
        assert _failures(engine, OUTSIDER) == ["spoofer"]
        assert _failures(engine, PROXY) == ["garbage"]
    finally:
        _forget(engine, CLIENT, PROXY, OUTSIDER)


def test_cookies_are_secure_when_a_trusted_proxy_says_https(behind_proxy, tokens):
    def session_cookie(peer: str, proto: str) -> str:
        c = TestClient(behind_proxy, client=(peer, 40000))
        r = c.post(
            "/api/auth/login",
            json={"username": "official1", "password": TEST_PASSWORD},
            headers={"X-Forwarded-Proto": proto},
        )
        assert r.status_code == 200, r.text
        return next(h for h in r.headers.get_list("set-cookie") if h.startswith("hg_session="))

    assert "; Secure" in session_cookie(PROXY, "https")
    assert "Secure" not in session_cookie(PROXY, "http")
    assert "Secure" not in session_cookie(OUTSIDER, "https")  # anyone can send the header


def test_trusted_proxies_are_addresses_or_networks():
    assert [str(n) for n in parse_networks(" 10.0.0.1, 192.168.0.0/24,,::1 ")] == [
        "10.0.0.1/32",
        "192.168.0.0/24",
        "::1/128",
    ]
    assert parse_networks("") == ()
    with pytest.raises(ValueError, match="TRUSTED_PROXIES: 'proxy.local' is not an IP address"):
        parse_networks("10.0.0.1, proxy.local")
