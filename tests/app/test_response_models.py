"""Every route declares its answer (issue 11): a JSON route its response model, so /openapi.json
documents the answer and the answer carries nothing undeclared; a route answering a file, a page, a
tile, an SVG or a stream its response class. A new route that declares neither fails here."""

from typing import get_origin

import orjson
import pytest
from fastapi import FastAPI
from fastapi.datastructures import DefaultPlaceholder
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.main import create_app
from app.services import assets, features, registration
from tests.conftest import bearer


def api_routes(routes):
    """Every APIRoute of the app, those of included routers too (as tests/workflow/test_role_matrix.py)."""
    for r in routes:
        if isinstance(r, APIRoute):
            yield r
        elif hasattr(r, "original_router"):
            yield from api_routes(r.original_router.routes)


ROUTES = sorted(api_routes(create_app().routes), key=lambda r: (r.path, sorted(r.methods)))


def _name(route: APIRoute) -> str:
    return f"{'/'.join(sorted(route.methods))} {route.path}"


def _answers_json(route: APIRoute) -> bool:
    """Whether the route answers with FastAPI's JSON encoding: it declares no other response class."""
    declared = route.response_class
    return isinstance(declared, DefaultPlaceholder) or issubclass(declared, JSONResponse)


@pytest.mark.parametrize("route", ROUTES, ids=_name)
def test_every_route_declares_its_answer(route):
    if _answers_json(route):
        assert route.response_model is not None, (
            f"{_name(route)} answers JSON without a response_model: declare one (app/schemas*.py)"
        )


def test_the_walk_reaches_the_included_routers():
    names = {_name(r) for r in ROUTES}
    assert {"GET /api/sites/{code}", "DELETE /api/poles/{code}", "POST /api/import", "GET /"} <= names


@pytest.mark.parametrize("path", ["/", "/dashboard", "/upload", "/docs"])
def test_the_pages_are_files_outside_the_api_definition(path):
    (page,) = [r for r in ROUTES if r.path == path]
    assert not _answers_json(page) and not page.include_in_schema


# Routes whose model is still a bare `dict` (their return annotation): documented as "any object",
# their answers unchecked. The list only shrinks: a new route declares a model of its own.
BARE_DICT = {
    "GET /api/coverage/model-card",
    "POST /api/coverage/what-if",
    "GET /api/drilldown/{code}",
    "GET /api/hamlets/{code}/coverage",
    "GET /api/indicators/trends",
    "GET /api/periods",
    "POST /api/periods/{period}/close",
    "GET /api/search",
    "GET /api/statistics",
    "PUT /api/statistics",
    "POST /api/statistics/import",
    "GET /api/targets/{indicator_id}/history",
}


def test_no_new_route_answers_a_bare_dict():
    bare = {_name(r) for r in ROUTES if dict in (r.response_model, get_origin(r.response_model))}
    assert bare - BARE_DICT == set(), "declare a response model instead of `-> dict`"
    assert BARE_DICT - bare == set(), "these now declare a model: take them off BARE_DICT"


@pytest.mark.parametrize("kind", ["site", "pole", "duct"])
def test_the_answers_are_what_the_services_return_but_row_ids(client, engine, kind):
    """The models change no answer a client reads: a site is registration.get_site's record, a pole
    or duct assets.get_asset's without the row ids (id, owner_id) the routers never meant to send."""
    table = {"site": "sites", "pole": "poles", "duct": "duct_routes"}[kind]
    with Session(engine) as session:
        code = session.execute(text(f"SELECT code FROM {table} ORDER BY code LIMIT 1")).scalar_one()
        if kind == "site":
            record = registration.get_site(session, code)
        else:
            record = {
                k: v for k, v in assets.get_asset(session, kind, code).items() if k not in ("id", "owner_id")
            }
    r = client.get(f"/api/{kind}s/{code}")
    assert r.status_code == 200 and r.headers["ETag"] == f'"{record["version"]}"'
    assert r.json() == orjson.loads(orjson.dumps(record))


# The OGC API and TileJSON documents (GDAL, QGIS and web maps read them) and sample paths of each.
OGC_DOCUMENTS = {
    "GET /ogc": ["/ogc"],
    "GET /ogc/conformance": ["/ogc/conformance"],
    "GET /ogc/collections": ["/ogc/collections"],
    "GET /ogc/collections/{collection_id}": ["/ogc/collections/sites", "/ogc/collections/ducts"],
    "GET /ogc/collections/{collection_id}/tiles": ["/ogc/collections/sites/tiles"],
    "GET /ogc/collections/{collection_id}/tiles/{tms_id}": [
        "/ogc/collections/hamlets/tiles/WebMercatorQuad",
        "/ogc/collections/cells/tiles/WorldCRS84Quad",
    ],
    "GET /ogc/tileMatrixSets": ["/ogc/tileMatrixSets"],
    "GET /ogc/tileMatrixSets/{tms_id}": [
        "/ogc/tileMatrixSets/WebMercatorQuad",
        "/ogc/tileMatrixSets/WorldCRS84Quad",
    ],
    "GET /tiles/{collection_ids}/tilejson.json": ["/tiles/sites,hamlets/tilejson.json?operator=Viettel"],
}


@pytest.fixture(scope="module")
def unmodelled(tokens):
    """The same routes without their models: answering what their functions build, as before them."""
    bare = FastAPI()
    for route in ROUTES:
        if _name(route) in OGC_DOCUMENTS:
            bare.add_api_route(route.path, route.endpoint, methods=list(route.methods), response_model=None)
    return TestClient(bare, headers=bearer(tokens["planner1"]))


@pytest.mark.parametrize("featureless", [False, True], ids=["features", "featureless"])
@pytest.mark.parametrize("path", [p for paths in OGC_DOCUMENTS.values() for p in paths])
def test_the_ogc_documents_are_what_the_routes_build(client, unmodelled, monkeypatch, path, featureless):
    """Member for member: a model that drops, renames or nulls a member fails here. Featureless
    collections (no extent, no times) leave their optional members out."""
    if featureless:
        monkeypatch.setattr(features, "get_extent", lambda *_: None)
        monkeypatch.setattr(features, "get_time_extent", lambda *_: None)
    r, built = client.get(path), unmodelled.get(path)
    assert r.status_code == built.status_code == 200
    assert r.json() == built.json()
    if featureless:
        assert "extent" not in r.text and "boundingBox" not in r.text and "null" not in r.text
