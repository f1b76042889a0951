"""Serve the API definition as OpenAPI 3.0 (what OGC API – Features' oas30 class and GDAL expect).

FastAPI writes OpenAPI 3.1; the only 3.1 construct our routes produce is a nullable type
written as `anyOf: [X, {type: null}]`, which 3.0 spells `X` + `nullable: true`.
"""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi


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
    if "examples" in node and isinstance(node["examples"], list) and "type" in node:
        node["example"] = node.pop("examples")[0]  # 3.0 schemas take a single example
    return node


def install_openapi_30(app: FastAPI) -> None:
    def custom() -> dict:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            schema = _to_30(schema)
            schema["openapi"] = "3.0.3"
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = custom  # type: ignore[method-assign]
