"""405 answers name every method the path answers to in `Allow` (RFC 9110 §15.5.6)."""

import re

import pytest

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@pytest.mark.parametrize(
    "method,path,allow",
    [
        ("DELETE", "/api/sites", "POST"),
        ("PUT", "/api/sites/HG-S0002", "GET, PATCH"),
        ("POST", "/api/sharing-requests", None),  # answers POST: no 405
        ("DELETE", "/api/sharing-requests", "GET, POST"),
        ("PUT", "/ogc", "GET"),
        ("POST", "/ogc/collections/sites/items", "GET, OPTIONS"),
        ("PUT", "/api/poles/P-1", "GET, PATCH, DELETE"),
        ("POST", "/src/main.js", "GET, HEAD"),
        ("DELETE", "/", "GET"),
        ("POST", "/api/reports/2024-Q4.html", "GET"),
    ],
)
def test_a_405_names_the_allowed_methods(anon_client, method, path, allow):
    r = anon_client.request(method, path)
    if allow is None:
        assert r.status_code != 405
        return
    assert r.status_code == 405, r.text
    assert r.headers["Allow"] == allow
    assert r.json() == {
        "code": "MethodNotAllowed",
        "description": f"{method} is not allowed on {path}; it answers {allow}",
    }


def test_every_api_path_answers_405_with_its_methods(anon_client):
    paths = anon_client.get("/openapi.json").json()["paths"]
    assert len(paths) > 40
    for template, operations in paths.items():
        declared = {m.upper() for m in operations if m.upper() in METHODS}
        other = next(m for m in METHODS if m not in declared)
        path = re.sub(r"\{[^}]+\}", "1", template)
        r = anon_client.request(other, path)
        assert r.status_code == 405, (other, path, r.status_code)
        allow = set(r.headers["Allow"].split(", "))
        # Another template may answer the same path (/api/sites/{code} and /api/sites/sharing-candidates).
        assert declared <= allow and other not in allow, (other, path, allow)
