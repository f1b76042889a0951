"""The served OpenAPI document is valid OpenAPI 3.0 (checked by openapi-spec-validator) and declares
the error answers each route can give, every one with the `{code, description, problems?}` body."""

import pytest
from fastapi.testclient import TestClient
from openapi_spec_validator import OpenAPIV30SpecValidator

from app.main import create_app

ERROR_REF = {"$ref": "#/components/schemas/Error"}


@pytest.fixture(scope="module")
def spec() -> dict:
    # The document needs no database: an app of its own, never started against one.
    r = TestClient(create_app()).get("/openapi.json")
    assert r.status_code == 200
    return r.json()


def test_the_document_is_valid_openapi_30(spec):
    assert spec["openapi"] == "3.0.3"
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
        for e in OpenAPIV30SpecValidator(spec).iter_errors()
    ]
    assert errors == []


def _codes(spec, method: str, path: str) -> list[str]:
    return sorted(c for c in spec["paths"][path][method]["responses"])


@pytest.mark.parametrize(
    ("method", "path", "codes"),
    [
        (
            "patch",
            "/api/sites/{code}",
            ["200", "202", "400", "401", "403", "404", "409", "413", "422", "428", "503"],
        ),
        ("delete", "/api/poles/{code}", ["204", "400", "401", "403", "404", "409", "428", "503"]),
        ("post", "/api/import", ["200", "400", "401", "403", "409", "413", "422", "503"]),
        ("post", "/api/auth/login", ["200", "400", "401", "413", "422", "429", "503"]),
        ("get", "/ogc/collections/{collection_id}/items", ["200", "400", "401", "403", "404", "409", "503"]),
        ("get", "/api/sites/{code}", ["200", "400", "401", "403", "404", "503"]),
        ("get", "/api/targets", ["200", "400", "404", "503"]),  # ?plan= names a plan
        ("get", "/health", ["200", "503"]),
    ],
)
def test_each_route_declares_the_answers_it_can_give(spec, method, path, codes):
    assert _codes(spec, method, path) == codes


def test_every_error_answer_has_the_error_body(spec):
    error = spec["components"]["schemas"]["Error"]
    assert error["required"] == ["code", "description"]
    assert set(error["properties"]) == {"code", "description", "problems"}
    wrong = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for code, answer in operation["responses"].items():
                if int(code) >= 400 and path != "/health":
                    if (
                        answer["content"] != {"application/json": {"schema": ERROR_REF}}
                        or not answer["description"]
                    ):
                        wrong.append(f"{method.upper()} {path} {code}")
    assert wrong == []
    # FastAPI's own 422 body is gone: validation errors are 400s with the Error body.
    assert "HTTPValidationError" not in spec["components"]["schemas"]


def test_logging_in_is_only_asked_where_a_role_is(spec):
    assert spec["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "an API token (POST /api/auth/tokens)",
    }
    assert spec["components"]["securitySchemes"]["basic"]["scheme"] == "basic"
    assert spec["paths"]["/api/sites/{code}"]["patch"]["security"] == [{"bearer": []}]  # Basic reads only
    assert spec["paths"]["/api/sites/{code}"]["get"]["security"] == [{"bearer": []}, {"basic": []}]
    everyone = [{}, {"bearer": []}, {"basic": []}]  # anonymous callers see less, not nothing
    assert spec["paths"]["/ogc/collections/{collection_id}/items"]["get"]["security"] == everyone
    assert spec["paths"]["/api/search"]["get"]["security"] == everyone  # a limited official's district only
    assert "security" not in spec["paths"]["/health"]["get"]
