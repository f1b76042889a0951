"""Every route declares its answer (issue 11): a JSON route its response model, so /openapi.json
documents the answer and the answer carries nothing undeclared; a route answering a file, a page, a
tile, an SVG or a stream its response class. A new route that declares neither fails here."""

from typing import Any, get_origin

import orjson
import pytest
from fastapi import FastAPI
from fastapi.datastructures import DefaultPlaceholder
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import TypeAdapter
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.db import get_session
from app.i18n import catalogue
from app.main import create_app
from app.schemas import WhatIfRequest
from app.services import assets, features, registration, statistics
from app.services.coverage import read as coverage_read
from app.services.coverage import whatif
from app.services.reports import drilldown, periods, snapshots, targets, trends
from app.services.search import search_admin_units
from tests.app.test_coverage import NEW_SITE
from tests.conftest import bearer, issue_tokens


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


def test_no_route_answers_a_bare_dict():
    """A bare `dict` (a `-> dict` annotation without a model) is documented as "any object" and its
    answer unchecked: every JSON route declares a model of its own."""
    bare = {_name(r) for r in ROUTES if dict in (r.response_model, get_origin(r.response_model))}
    assert bare == set(), "declare a response model instead of `-> dict`"


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


def _as_json(record):
    """The JSON a bare-dict route answered for ``record``: FastAPI's encoding of it, nothing dropped."""
    return TypeAdapter(Any).dump_python(record, mode="json")


def _service_answers(session: Session, hamlet: str) -> dict[str, tuple[str, str, dict, object]]:
    """Route → (method, path, query or body, what its service returns) on the sample province."""
    trends_params = {"level": "district", "code": "934"}
    stats_params = {"code": "934", "period": "2025-Q3"}
    return {
        "model card": ("GET", "/api/coverage/model-card", {}, coverage_read.model_card(session)),
        "hamlet": (
            "GET",
            f"/api/hamlets/{hamlet}/coverage",
            {},
            coverage_read.hamlet_coverage(session, hamlet),
        ),
        "drilldown": ("GET", "/api/drilldown/934", {}, drilldown.hamlet_gaps(session, "934")),
        "trends": (
            "GET",
            "/api/indicators/trends",
            trends_params,
            trends.unit_trends(session, "district", "934"),
        ),
        "periods": ("GET", "/api/periods", {}, {"periods": periods.list_periods(session)}),
        "search": (
            "GET",
            "/api/search",
            {"q": "phung"},
            {"query": "phung", "results": search_admin_units(session, "phung", 10)},
        ),
        "statistics": (
            "GET",
            "/api/statistics",
            stats_params,
            statistics.get_figures(session, "934", "2025-Q3"),
        ),
        # An empty form writes nothing and answers the unit's figures.
        "statistics form": ("PUT", "/api/statistics", {**stats_params, "figures": {}}, None),
        "target history": (
            "GET",
            "/api/targets/internet_users/history",
            {},
            {"id": "internet_users", "changes": targets.target_history(session, "internet_users")},
        ),
    }


def test_the_dashboard_answers_are_what_their_services_return(client, anon_client, engine):
    """A model that drops, renames or retypes a key of a dashboard or coverage answer fails here."""
    with Session(engine) as session:
        hamlet = session.execute(
            text(
                "SELECT code FROM admin_units WHERE level = 'hamlet' AND valid_to IS NULL ORDER BY code LIMIT 1"
            )
        ).scalar_one()
        expected = _service_answers(session, hamlet)
        expected["statistics form"] = (*expected["statistics form"][:3], expected["statistics"][3])
    for name, (method, path, params, record) in expected.items():
        if method == "GET":
            r = client.get(path, params=params)
        else:
            r = client.request(method, path, json=params)
        assert r.status_code == 200, (name, r.text)
        assert r.json() == _as_json(record), name
    # Anonymous visitors learn the nearest sites' operators and distances, not their codes: the key is absent.
    method, path, _, record = expected["hamlet"]
    for site in record["nearest_sites"]:
        del site["site_code"]
    assert anon_client.get(path).json() == _as_json(record)


def test_the_what_if_answers_what_its_service_returns(client, engine):
    with Session(engine) as session:
        wanted = whatif.what_if(session, WhatIfRequest.model_validate(NEW_SITE))
    got = client.post("/api/coverage/what-if", json=NEW_SITE).json()
    assert got.pop("elapsed_ms") >= 0 and wanted.pop("elapsed_ms") >= 0  # the one value that varies
    assert got == _as_json(wanted)


def test_the_statistics_import_answers_what_its_service_returns(client, engine, tmp_path):
    path = tmp_path / "noted.csv"
    path.write_text("admin_code,period,metric,value,ghi_chu\n934,2025-Q3,internet_users,1,x\n")
    with path.open("rb") as upload:
        r = client.post(
            "/api/statistics/import?dry_run=true", files={"file": upload}, headers={"Accept-Language": "en"}
        )
    with Session(engine) as session:
        report = statistics.import_statistics(session, path, dry_run=True)
    # The router says each warning in the reader's language besides its structured form.
    said = catalogue("en")
    report["warnings"] = [{**w.as_dict(), "message": said.render(w)} for w in report["warnings"]]
    assert r.status_code == 200 and report["warnings"] and r.json() == _as_json(report)


@pytest.fixture
def tiny_client(tiny):
    """A planner's TestClient on the tiny province of test_indicators (a database of its own, so closing
    a quarter there leaves the sample's alone)."""
    app = create_app()

    def session():
        with Session(tiny) as s:
            yield s

    app.dependency_overrides[get_session] = session
    url = tiny.url.render_as_string(hide_password=False)
    token = issue_tokens(url, {"planner_tiny": ("planner", None, None)})["planner_tiny"]
    with TestClient(app, headers=bearer(token)) as c:
        yield c


def test_closing_a_quarter_answers_what_is_frozen(tiny_client, tiny):
    r = tiny_client.post("/api/periods/2025-Q3/close", json={"closed_by": "Sở TT&TT"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body["counts"]) == {"indicator_records", "hamlets", "offices", "maps"}
    with Session(tiny) as session:
        closed = snapshots.closed_period(session, "2025-Q3").as_dict()
        frozen = drilldown.hamlet_gaps(session, "930", "2025-Q3")
        trend = trends.unit_trends(session, "district", "930")
    assert {k: v for k, v in body.items() if k != "counts"} == _as_json(closed)
    assert body["closed_by"] == "Sở TT&TT (planner_tiny)"
    # The closed quarter's drill-down and trends are read from the snapshot, through the same models.
    assert frozen["closed"] and tiny_client.get("/api/drilldown/930?period=2025-Q3").json() == _as_json(
        frozen
    )
    assert any(p["closed"] for p in trend["periods"])
    got = tiny_client.get("/api/indicators/trends", params={"level": "district", "code": "930"}).json()
    assert got == _as_json(trend)


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
