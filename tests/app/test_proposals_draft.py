"""A proposal of a new site kept as a draft registration in one click (POST /api/proposals/drafts):
stored as a draft of its operator, seen by that operator and the Department's planners only (not
officials, other operators or anonymous visitors), counted nowhere
(coverage inputs, indicators, the Department's queue), edited in place and submitted as a
registration."""

import math

import mapbox_vector_tile
import pytest
from sqlalchemy import text

from app.services.coverage.inputs import load_inputs
from app.services.coverage.runs import coverage_params
from app.services.proposals_candidates import CANDIDATE_CELLS
from tests.app.test_proposals import commune  # noqa: F401 - the fixture
from tests.workflow.test_role_matrix import ROLES

NEW_KINDS = ("tall_structure", "office", "new")


@pytest.fixture(scope="module")
def proposal(client, commune) -> dict:  # noqa: F811 - the imported fixture
    """The first proposal needing a new structure, for Viettel, in the commune with the most
    grid cells no operator covers."""
    code = commune["code"]
    r = client.post("/api/proposals", json={"area": code, "operator": "Viettel", "k": 20})
    assert r.status_code == 200, r.text
    answer = r.json()
    row = next(p for p in answer["proposals"] if p["kind"] in NEW_KINDS)
    return {"row": row, "area": answer["area"]["name"]}


def _body(proposal: dict, **extra) -> dict:
    row = proposal["row"]
    return {
        "lon": row["lon"],
        "lat": row["lat"],
        "height_m": row["height_m"],
        "kind": row["kind"],
        "rank": row["rank"],
        "area": proposal["area"],
        **extra,
    }


def _counted(engine, client) -> tuple:
    with engine.connect() as conn:
        cells = len(load_inputs(conn, coverage_params()).cells)
    queue = sorted(r["code"] for r in client.get("/api/registrations").json()["registrations"])
    indicators = client.get("/api/indicators").json()
    return cells, queue, indicators


@pytest.fixture(scope="module")
def draft(client_as, client, engine, proposal):
    before = _counted(engine, client)
    r = client_as("viettel1").post("/api/proposals/drafts", json=_body(proposal))
    assert r.status_code == 201, r.text
    yield {"site": r.json(), "etag": r.headers["ETag"], "before": before}
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM sites WHERE code = :c"), {"c": r.json()["code"]})


def test_one_click_stores_a_draft_of_the_operator(draft, proposal):
    site, row = draft["site"], proposal["row"]
    assert site["status"] == "draft" and site["owner"] == "Viettel"
    assert site["code"].startswith("DX-") and site["name"] == f"Đề xuất số {row['rank']} – {proposal['area']}"
    assert (round(site["lon"], 6), round(site["lat"], 6)) == (row["lon"], row["lat"])
    assert site["height_m"] == row["height_m"]
    assert site["structure_type"] == ("rooftop" if row["kind"] == "tall_structure" else "tower")
    # The three sectors the proposal's gain was computed with, at its antenna height
    # (a tall structure's: its top less the mounting margin).
    got = sorted((c["azimuth_deg"], c["technology"], c["band_mhz"], c["eirp_dbm"]) for c in site["cells"])
    assert got == [(c["azimuth_deg"], "4G", 1800, c["eirp_dbm"]) for c in CANDIDATE_CELLS]
    assert {c["antenna_height_m"] for c in site["cells"]} == {
        row["antenna_height_m"]
    }  # a tall structure: its top less the margin


def _tile(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 1 << z
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def _seen(c, code: str, lon: float, lat: float) -> dict[str, bool]:
    """Where ``code`` shows for one client: the site, its cells, the map's tiles, the search, the
    exports and the point query."""
    x, y = _tile(lon, lat, 14)
    tile = c.get(f"/tiles/sites/14/{x}/{y}.mvt")
    in_tile = tile.status_code == 200 and code in str(mapbox_vector_tile.decode(tile.content))
    return {
        "site": c.get(f"/api/sites/{code}").status_code == 200,
        "item": c.get(f"/ogc/collections/sites/items/{code}").status_code == 200,
        "items": code in c.get("/ogc/collections/sites/items", params={"limit": 10000}).text,
        "cells": code
        in str(c.get("/ogc/collections/cells/items", params={"site": code}).json().get("features")),
        "tile": in_tile,
        "search": code in str(c.get("/api/search", params={"q": code}).json().get("results")),
        "csv": code in c.get("/api/export/sites", params={"format": "csv"}).text,
        "geojson": code in c.get("/api/export/cells", params={"format": "geojson"}).text,
        "point": code in c.get("/api/point", params={"lon": lon, "lat": lat}).text,
    }


def test_a_draft_is_seen_by_its_operator_and_the_department_only(draft, client_as, anon_client):
    """A draft is the operator's private work: the Department's planners (who make drafts for
    operators) see it, officials do not (unlike a proposed site), nor other operators or anonymous."""
    site = draft["site"]
    got = {
        r: _seen(anon_client if r == "anonymous" else client_as(r), site["code"], site["lon"], site["lat"])
        for r in ROLES
    }
    # Only active sites serve a point: the point query names no draft, even for its operator.
    seen = {"admin1", "planner1", "viettel1"}
    assert got == {r: {k: r in seen and k != "point" for k in got[r]} for r in ROLES}


def test_a_draft_is_counted_nowhere(draft, engine, client):
    cells, queue, indicators = _counted(engine, client)
    assert (cells, queue, indicators) == draft["before"]


def test_drafting_by_every_role(proposal, client_as, anon_client, engine):
    """Operators draft for their own company, the Department for the operator it names; officials
    and anonymous visitors do not."""
    got = {}
    for r in ROLES:
        c = anon_client if r == "anonymous" else client_as(r)
        body = _body(proposal, operator="VinaPhone" if r in ("admin1", "planner1", "vina1") else None)
        got[r] = c.post("/api/proposals/drafts", json={k: v for k, v in body.items() if v is not None})
    status = {r: x.status_code for r, x in got.items()}
    assert status == {
        "anonymous": 401,
        "admin1": 201,
        "planner1": 201,
        "official1": 403,
        "official934": 403,
        "viettel1": 201,
        "vina1": 201,
    }
    owners = {r: got[r].json()["owner"] for r in ("admin1", "planner1", "viettel1", "vina1")}
    assert owners == {
        "admin1": "VinaPhone",
        "planner1": "VinaPhone",
        "viettel1": "Viettel",
        "vina1": "VinaPhone",
    }
    other = client_as("vina1").post("/api/proposals/drafts", json=_body(proposal, operator="Viettel"))
    assert other.status_code == 403 and other.json()["problems"][0]["code"] == "owner.own_company_only"
    assert client_as("planner1").post("/api/proposals/drafts", json=_body(proposal)).status_code == 422
    with engine.begin() as conn:
        conn.execute(
            text("DELETE FROM sites WHERE code = ANY(:c)"),
            {"c": [got[r].json()["code"] for r in ("admin1", "planner1", "viettel1", "vina1")]},
        )


def test_the_draft_is_edited_in_place_then_submitted(draft, client_as, client):
    vt, code = client_as("viettel1"), draft["site"]["code"]
    mine = {r["code"]: r["status"] for r in vt.get("/api/registrations").json()["registrations"]}
    assert mine[code] == "draft"  # the operator's list offers it; the Department's queue does not
    assert code not in {r["code"] for r in client.get("/api/registrations").json()["registrations"]}
    r = vt.patch(f"/api/sites/{code}", json={"name": "Vị Thanh mới 7"}, headers={"If-Match": draft["etag"]})
    assert r.status_code == 200, r.text
    assert (
        r.json()["status"] == "draft"
        and r.json()["name"] == "Vị Thanh mới 7"
        and not r.json()["pending_change"]
    )
    etag = r.headers["ETag"]
    submit = vt.post(f"/api/sites/{code}/transitions", json={"to": "proposed"}, headers={"If-Match": etag})
    if submit.status_code == 422:  # a shareable structure stands near: the sharing-first rule asks why
        assert submit.json()["problems"][0]["field"] == "new_structure_reason"
        r = vt.patch(
            f"/api/sites/{code}",
            json={"new_structure_reason": "Cột dùng chung gần đó không đủ độ cao"},
            headers={"If-Match": etag},
        )
        etag = r.headers["ETag"]
        submit = vt.post(
            f"/api/sites/{code}/transitions", json={"to": "proposed"}, headers={"If-Match": etag}
        )
    assert submit.status_code == 200, submit.text
    assert submit.json()["status"] == "proposed" and submit.json()["proposed_on"]
    assert code in {r["code"] for r in client.get("/api/registrations").json()["registrations"]}
