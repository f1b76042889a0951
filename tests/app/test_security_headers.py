"""Security headers on every response (app.middleware.SecurityHeaders), the API documentation served
by the app, and cookies' Secure flag (COOKIE_SECURE). The pages working under the policy in a browser,
and a report's own policy (it needs a closed period, which the browser tests close): tests/browser/test_csp.py."""

import re

import pytest
from fastapi.testclient import TestClient

from app.middleware import content_security_policy, inline_hashes
from tests.conftest import TEST_PASSWORD

POLICY = (
    "default-src 'self'; script-src 'self' {scripts}; style-src 'self'; "
    "img-src 'self' data: https://tile.openstreetmap.org; connect-src 'self'; font-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def test_inline_code_is_hashed_as_csp_wants_it():
    html = '<script>alert(1)</script><script src="/a.js"></script><style>p{color:red}</style>'
    # The first is the example of the CSP specification and MDN.
    assert inline_hashes(html) == (
        ("'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='",),
        ("'sha256-p0bF+un5yUb9MBO6xRb8kPHlY2BdpHVtLiFkDrZPF64='",),
    )
    assert content_security_policy() == POLICY.format(scripts="").replace(" ;", ";")


@pytest.mark.parametrize(
    "method,path,status",
    [
        ("GET", "/", 200),
        ("GET", "/dashboard", 200),
        ("GET", "/upload", 200),
        ("GET", "/docs", 200),
        ("GET", "/src/main.js", 200),
        ("GET", "/ogc/collections", 200),
        ("GET", "/no/such/page", 404),
        ("DELETE", "/api/sites", 405),
        ("GET", "/ogc/collections/sites/items", 401),
    ],
)
def test_every_response_carries_the_headers(anon_client, method, path, status):
    r = anon_client.request(method, path)
    assert r.status_code == status
    # The only inline script of our pages: the import map naming Leaflet's module.
    assert r.headers["Content-Security-Policy"] == POLICY.format(
        scripts="'sha256-kgvXr49Jbl6JHz/SA1dqTuWP/k48PVXmN2Xv/Mt/jBA='"
    )
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_a_refused_oversized_body_carries_them_too(anon_client):
    r = anon_client.post("/api/auth/login", content=b"x" * (2 * 1024 * 1024))
    assert r.status_code == 413 and "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]


def test_the_api_documentation_comes_from_the_app(anon_client):
    page = anon_client.get("/docs").text
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert assets == [
        "data:,",
        "/docs/assets/swagger-ui.css",
        "/styles/docs.css",  # our contrast fixes over Swagger UI's greys (axe-core)
        "/docs/assets/swagger-ui-bundle.js",
        "/src/docs.js",
    ]
    for asset in assets[1:]:
        r = anon_client.get(asset)
        assert r.status_code == 200 and len(r.content) > 100, asset
    assert anon_client.get("/redoc").status_code == 404  # it loaded from a CDN: gone


def _cookies(app, base_url: str) -> list[str]:
    c = TestClient(app, base_url=base_url)
    r = c.post("/api/auth/login", json={"username": "official1", "password": TEST_PASSWORD})
    assert r.status_code == 200, r.text
    return [h for h in r.headers.get_list("set-cookie") if h.startswith(("hg_session=", "hg_csrf="))]


@pytest.mark.parametrize(
    "setting,base_url,secure",
    [
        (None, "http://testserver", False),
        (None, "https://testserver", True),  # unset: Secure when the request came over HTTPS
        ("true", "http://testserver", True),  # a TLS proxy the app is not told about (TRUSTED_PROXIES)
        ("false", "https://testserver", False),
    ],
)
def test_cookies_are_secure_as_cookie_secure_says(monkeypatch, tokens, setting, base_url, secure):
    from app.main import create_app
    from app.settings import get_settings

    if setting is not None:
        monkeypatch.setenv("COOKIE_SECURE", setting)
    get_settings.cache_clear()
    try:
        cookies = _cookies(create_app(), base_url)
    finally:
        monkeypatch.delenv("COOKIE_SECURE", raising=False)
        get_settings.cache_clear()
    assert len(cookies) == 2
    assert all(("; Secure" in c) == secure for c in cookies), cookies
