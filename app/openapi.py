"""Serve the API definition as OpenAPI 3.0 (what OGC API – Features' oas30 class and GDAL expect),
with the error answers of every route derived from what it depends on.

FastAPI writes OpenAPI 3.1 (JSON Schema 2020-12); `_to_30` rewrites the constructs our models
produce: a nullable `anyOf: [X, {type: null}]`, numeric `exclusiveMinimum`/`exclusiveMaximum`,
`const`, `examples` lists and the `contentMediaType` of an upload.

Error answers (app/errors.py) follow from a route's dependencies: any parameter → 400; a principal
→ 401; a role check, a write by a logged-in user or a district scope → 403; a path parameter or a
query parameter naming a record (`code` …) → 404; a write by a role → 409; a body → 413 and 422;
If-Match → 428; the database → 503. A route adds what only it can answer (429 of the login) in its
decorator's `responses`; this module gives every error answer the one body schema, `Error`.

Examples of places (a bbox, a position typed into search, a site's DMS position) are the deployment's
region's, read from its data when the document is first served: the code names no province.
"""

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from sqlalchemy.exc import SQLAlchemyError

from app.db import get_engine, get_session
from app.deps import collection_param, if_match_version, official_district, scoped_filters
from app.errors import NotFound
from app.security import SAFE_METHODS, optional_principal, require
from app.services.region import Region, region_on
from gis.coordinates import format_dms

ERROR = {
    "type": "object",
    "required": ["code", "description"],
    "properties": {
        "code": {"type": "string", "description": "the kind of error, e.g. NotFound", "example": "NotFound"},
        "description": {"type": "string", "description": "what is wrong, for a person to read"},
        "problems": {
            "type": "array",
            "description": "every problem found: a field and its message, or a file's row and what is wrong",
            "items": {
                "oneOf": [
                    {"type": "string"},
                    {
                        "type": "object",
                        "description": "a problem as data (gis/problems.py): its catalogue code and parameters, "
                        "where it is, and its sentence in the reader's language",
                        "required": ["message"],
                        "properties": {
                            "code": {"type": "string", "example": "request.at_most"},
                            "field": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                            "row": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
                            "source": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                            "label": {
                                "type": "string",
                                "description": "how the source counts: row, feature, item",
                            },
                            "params": {"type": "object"},
                            "message": {"type": "string"},
                        },
                    },
                ]
            },
        },
    },
    "additionalProperties": True,  # more of the answer: the current record of a 409, a suggested fix …
}
MEANINGS = {
    400: "A parameter, header or body that cannot be read (named in the description)",
    401: "Not logged in, or an unknown, expired or revoked token",
    403: "This role, company or district may not do this (or the CSRF token is missing)",
    404: "No such record, collection or unit",
    409: "A conflict: a duplicate, a concurrent edit (the current record is included) or a state that forbids it; "
    "on a layer read, a past day's coverage not computed yet (queued: ask again after Retry-After)",
    413: "The body is too large",
    422: "Refused by a rule; every problem is named",
    428: "If-Match is missing: send the record's ETag from GET",
    429: "Too many attempts; wait (Retry-After)",
    503: "The database cannot be reached",
}
# Query parameters that name a record or a unit by its code: 404 when there is none.
_NAMING = frozenset({"code", "parent", "indicator", "scope", "plan"})
_REQUIRE = require().dependency.__code__  # every role check is a closure of this one function
_SECURITY = {
    "bearer": {"type": "http", "scheme": "bearer", "description": "an API token (POST /api/auth/tokens)"},
    "basic": {
        "type": "http",
        "scheme": "basic",
        "description": "reads only: username and an API token (or the password), for desktop GIS (app/security.py)",
    },
}


def _to_30(node: Any) -> Any:
    if isinstance(node, list):
        return [_to_30(n) for n in node]
    if not isinstance(node, dict):
        return node
    node = {k: _to_30(v) for k, v in node.items()}
    any_of = node.get("anyOf")
    if isinstance(any_of, list) and {"type": "null"} in any_of:
        rest = [s for s in any_of if s != {"type": "null"}]
        node.pop("anyOf")
        if len(rest) == 1:
            node = {**rest[0], **node}
        else:
            node["anyOf"] = rest
        node["nullable"] = True
    for bound, inclusive in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if not isinstance(node.get(bound), bool) and isinstance(node.get(bound), int | float):
            node[inclusive], node[bound] = node[bound], True  # 3.0: the bound, flagged exclusive
    if "const" in node:
        node["enum"] = [node.pop("const")]
    if node.get("contentMediaType") == "application/octet-stream":
        node.pop("contentMediaType")
        node["format"] = "binary"  # 3.0's way to say "an uploaded file"
    if isinstance(node.get("examples"), list):  # a schema's; 3.0 takes a single example there
        examples = node.pop("examples")
        if examples:
            node["example"] = examples[0]
    return node


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _dependants(sub)


def _needs_login(calls: set) -> bool:
    return any(getattr(c, "__code__", None) is _REQUIRE for c in calls)


def _error_codes(route: APIRoute, method: str) -> set[int]:
    parts = list(_dependants(route.dependant))
    calls = {d.call for d in parts}
    has = lambda kind: any(getattr(d, kind) for d in parts)  # noqa: E731
    principal, roles, write = optional_principal in calls, _needs_login(calls), method not in SAFE_METHODS
    body = has("body_params")
    codes = set()
    if body or has("path_params") or has("query_params") or has("header_params") or has("cookie_params"):
        codes.add(400)
    if principal:
        codes.add(401)
    if roles or (principal and write) or calls & {official_district, scoped_filters}:
        codes.add(403)
    naming = any(p.alias in _NAMING for d in parts for p in d.query_params)
    if has("path_params") or naming or collection_param in calls:
        codes.add(404)
    if (roles and write) or scoped_filters in calls:  # a collection's past day not computed yet
        codes.add(409)
    if body:
        codes |= {413, 422}
    if if_match_version in calls:
        codes.add(428)
    if get_session in calls:
        codes.add(503)
    return codes


def _routes(routes) -> Iterator[APIRoute]:
    for r in routes:
        if isinstance(r, APIRoute):
            yield r
        elif hasattr(r, "original_router"):
            yield from _routes(r.original_router.routes)


def _declare_errors(schema: dict, routes) -> None:
    ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for route in _routes(routes):
        if not route.include_in_schema:
            continue
        for method in route.methods:
            operation = schema["paths"].get(route.path_format, {}).get(method.lower())
            if operation is None:
                continue
            responses = operation["responses"]
            if responses.get("422", {}).get("description") == "Validation Error":
                del responses["422"]  # FastAPI's default; our validation errors are 400s (app/errors.py)
            for code in sorted(_error_codes(route, method)):
                responses.setdefault(str(code), {})
            for code, answer in responses.items():
                if code.isdigit() and int(code) >= 400:
                    answer.setdefault("description", MEANINGS.get(int(code), "Error"))
                    answer.setdefault("content", ref)
            calls = {d.call for d in _dependants(route.dependant)}
            if optional_principal in calls:
                # Without a role check, anonymous callers are welcome too (they see the public layers).
                schemes = [{"bearer": []}] + ([{"basic": []}] if method in SAFE_METHODS else [])
                operation["security"] = schemes if _needs_login(calls) else [{}, *schemes]
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    schemas["Error"] = ERROR
    components["securitySchemes"] = _SECURITY


def _region() -> Region | None:
    """The region in force today, or None when there is none to read (no database, nothing loaded)."""
    try:
        with get_engine().connect() as conn:
            return region_on(conn)
    except (NotFound, SQLAlchemyError):
        return None


def _add_region_examples(schema: dict, region: Region) -> None:
    """The examples of places, in the region: the bbox parameters its extent, the search box and a
    site's DMS position a point inside it (`centre`)."""
    lon, lat = region.centre
    by_parameter = {
        "bbox": ",".join(f"{v:.3f}" for v in region.bbox),
        "q": f"{lat:.4f}, {lon:.4f}",
    }
    for operations in schema["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query" and parameter["name"] in by_parameter:
                    if parameter["name"] == "q" and "position" not in parameter.get("description", ""):
                        continue  # another endpoint's `q`: not a place
                    parameter["schema"]["example"] = by_parameter[parameter["name"]]
    dms = schema.get("components", {}).get("schemas", {}).get("Position", {}).get("properties", {}).get("dms")
    if dms is not None:
        dms["example"] = format_dms(lon, lat)


def install_openapi_30(app: FastAPI) -> None:
    built: list[dict] = []  # the document without the region's examples: built once

    def custom() -> dict:
        if app.openapi_schema is not None:
            return app.openapi_schema
        if not built:
            schema = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            _declare_errors(schema, app.routes)
            schema = _to_30(schema)
            schema["openapi"] = "3.0.3"
            built.append(schema)
        region = _region()
        if region is None:
            return built[0]  # no examples of places; the region is looked for again next time
        _add_region_examples(built[0], region)
        app.openapi_schema = built[0]
        return app.openapi_schema

    app.openapi = custom  # type: ignore[method-assign]
