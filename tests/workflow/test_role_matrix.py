"""Every write endpoint, tried by every role and by an anonymous client.

Each request is built so that, when the role may make it, a later rule refuses it (a version
mismatch, a duplicate code, an empty file …): the matrix checks who passes the door, and nothing is
written. "allow" means neither 401 nor 403; a denied role gets 401 (anonymous) or 403.
A write endpoint missing from the matrix fails the test, so a new one cannot slip through.
"""

import io

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import text

from app.deps import if_match_version
from tests.app.test_challenges import report as challenge_report
from tests.app.test_challenges import spot as challenge_spot
from tests.conftest import TEST_PASSWORD

ROLES = ["anonymous", "admin1", "planner1", "official1", "official934", "viettel1", "vina1"]
WRITERS = {"admin1", "planner1", "viettel1", "vina1"}
LOGGED_IN = set(ROLES) - {"anonymous"}
STAFF = {"admin1", "planner1"}
PUBLIC_WRITES = {("POST", "/api/auth/login"), ("POST", "/api/auth/logout")}
# Viettel's proposed site is not even confirmed to exist to another operator: 404, not 403.
HIDDEN = {("PATCH", "/api/sites/MX-VT"): {"vina1"}, ("POST", "/api/sites/MX-VT/transitions"): {"vina1"}}
STALE = {"If-Match": '"999999"'}
CELL = {"technology": "4G", "band_mhz": 1800, "azimuth_deg": 0, "antenna_height_m": 30, "eirp_dbm": 58}


@pytest.fixture(scope="module")
def world(client_as, engine):
    """A proposed Viettel site, a Viettel pole and duct, and a declined request by VinaPhone."""
    vt = client_as("viettel1")
    r = vt.post(
        "/api/sites",
        json={
            "code": "MX-VT",
            "position": {"lon": 105.4300, "lat": 9.6950},
            "structure_type": "tower",
            "height_m": 35,
            "cells": [CELL],
        },
    )
    assert r.status_code == 201, r.text
    r = vt.post("/api/poles", json={"code": "MX-P", "position": {"lon": 105.4310, "lat": 9.6950}})
    assert r.status_code == 201, r.text
    with engine.connect() as conn:
        duct = conn.execute(
            text(
                "SELECT d.code FROM duct_routes d JOIN operators o ON o.id = d.owner_id "
                "WHERE o.short_name = 'Viettel' ORDER BY d.code LIMIT 1"
            )
        ).scalar_one()
        shareable = conn.execute(
            text(
                "SELECT s.code FROM sites s JOIN operators o ON o.id = s.owner_id WHERE o.short_name = 'Viettel' "
                "AND s.status = 'active' AND s.accepts_tenants AND NOT EXISTS (SELECT 1 FROM site_tenancies t "
                "JOIN operators x ON x.id = t.operator_id WHERE t.site_id = s.id AND x.short_name = 'VinaPhone') "
                "ORDER BY s.code LIMIT 1"
            )
        ).scalar_one()
    req = client_as("vina1").post("/api/sharing-requests", json={"asset": "site", "code": shareable})
    assert req.status_code == 201, req.text
    rid = req.json()["id"]
    assert (
        vt.post(
            f"/api/sharing-requests/{rid}/decision", json={"accept": False, "note": "hết chỗ"}
        ).status_code
        == 200
    )
    return {"duct": duct, "request": rid, "challenge": _open_challenge(vt, engine)}


def _open_challenge(client, engine) -> str:
    """A public report still open (filing takes no account: any client files it)."""
    r = client.post("/api/challenges", data=challenge_report(*challenge_spot(engine)[:2]))
    assert r.status_code == 201, r.text
    return r.json()["code"]


def _requests(world):
    """(method, route, path, kwargs, roles allowed)."""
    duct, rid = world["duct"], world["request"]
    site = {
        "code": "MX-VT",
        "position": {"lon": 105.4300, "lat": 9.6950},
        "structure_type": "tower",
        "height_m": 35,
        "cells": [CELL],
        "owner": "Viettel",
    }
    empty_csv = {"files": {"file": ("empty.csv", b"", "text/csv")}}
    empty_lineage = {"files": {"lineage": ("sap_xep.csv", b"", "text/csv")}}
    empty_geojson = {"files": {"file": ("duong.geojson", b"", "application/geo+json")}}
    line_out = {"type": "LineString", "coordinates": [[105.43, 9.69], [106.7, 10.78]]}
    return [
        (
            "POST",
            "/api/auth/password",
            "/api/auth/password",
            {"json": {"current_password": TEST_PASSWORD, "new_password": "short"}},
            LOGGED_IN,
        ),
        ("POST", "/api/auth/tokens", "/api/auth/tokens", {"json": {"name": "matrix"}}, LOGGED_IN),
        (
            "POST",
            "/api/users",
            "/api/users",
            {"json": {"username": "planner1", "password": TEST_PASSWORD, "role": "planner"}},
            {"admin1"},
        ),
        (
            "PUT",
            "/api/users/{username}/state",
            "/api/users/official1/state",
            {"json": {"active": True}},
            {"admin1"},
        ),
        ("POST", "/api/coverage/what-if", "/api/coverage/what-if", {"json": {}}, LOGGED_IN),
        (
            "POST",
            "/api/positions/resolve",
            "/api/positions/resolve",
            {"json": {"lon": 106.7, "lat": 10.78}},
            LOGGED_IN,
        ),
        ("POST", "/api/import", "/api/import?target=sites", empty_csv, WRITERS),
        ("POST", "/api/import", "/api/import?target=admin_units", empty_csv, STAFF),
        ("POST", "/api/import", "/api/import?target=organisations", empty_csv, STAFF),
        ("POST", "/api/import", "/api/import?target=bodies", empty_csv, STAFF),
        ("POST", "/api/import", "/api/import?target=plans", empty_csv, STAFF),
        ("POST", "/api/import", "/api/import?target=statistics_of_nothing", empty_csv, STAFF),
        # Owner Viettel: VinaPhone may not register records for another company.
        ("POST", "/api/sites", "/api/sites", {"json": site}, STAFF | {"viettel1"}),
        (
            "PATCH",
            "/api/sites/{code}",
            "/api/sites/MX-VT",
            {"json": {"height_m": 36}, "headers": STALE},
            STAFF | {"viettel1"},
        ),
        (
            "POST",
            "/api/sites/{code}/transitions",
            "/api/sites/MX-VT/transitions",
            {"json": {"to": "decommissioned", "reason": "x"}, "headers": STALE},
            STAFF | {"viettel1"},
        ),
        (
            "POST",
            "/api/sites/{code}/pending-change",
            "/api/sites/MX-VT/pending-change",
            {"json": {"approve": True}, "headers": STALE},
            STAFF,
        ),
        (
            "POST",
            "/api/poles",
            "/api/poles",
            {"json": {"code": "MX-P", "owner": "Viettel", "position": {"lon": 105.4310, "lat": 9.6950}}},
            STAFF | {"viettel1"},
        ),
        (
            "PATCH",
            "/api/poles/{code}",
            "/api/poles/MX-P",
            {"json": {"height_m": 9}, "headers": STALE},
            STAFF | {"viettel1"},
        ),
        ("DELETE", "/api/poles/{code}", "/api/poles/MX-P", {"headers": STALE}, STAFF | {"viettel1"}),
        (
            "POST",
            "/api/ducts",
            "/api/ducts",
            {"json": {"code": "MX-D", "owner": "Viettel", "geometry": line_out}},
            STAFF | {"viettel1"},
        ),
        (
            "PATCH",
            "/api/ducts/{code}",
            f"/api/ducts/{duct}",
            {"json": {"duct_count": 2}, "headers": STALE},
            STAFF | {"viettel1"},
        ),
        ("DELETE", "/api/ducts/{code}", f"/api/ducts/{duct}", {"headers": STALE}, STAFF | {"viettel1"}),
        (
            "POST",
            "/api/sharing-requests",
            "/api/sharing-requests",
            {"json": {"asset": "site", "code": "NO-SUCH"}},
            STAFF | {"viettel1", "vina1"},  # the Department for the operator it names (422 here: none)
        ),
        (
            "POST",
            "/api/sharing-requests/{request_id}/decision",
            f"/api/sharing-requests/{rid}/decision",
            {"json": {"accept": True}},
            STAFF | {"viettel1"},
        ),
        (
            "PUT",
            "/api/targets/{indicator_id}",
            "/api/targets/pole_sharing",
            {"json": {"target_value": 120}},
            STAFF,
        ),
        ("POST", "/api/periods/{period}/close", "/api/periods/2099-Q1/close", {}, STAFF),
        (
            "PUT",
            "/api/statistics",
            "/api/statistics",
            {"json": {"code": "934", "period": "2099-Q1", "figures": {"internet_users": -1}}},
            STAFF,
        ),
        ("POST", "/api/statistics/import", "/api/statistics/import", empty_csv, STAFF),
        (
            "POST",
            "/api/sharing-requests/{request_id}/withdrawal",
            f"/api/sharing-requests/{rid}/withdrawal",
            {},
            {"vina1"},
        ),
        # The vocabulary: a term of no known domain, an empty file, a term that does not exist.
        (
            "POST",
            "/api/vocabulary",
            "/api/vocabulary",
            {"json": [{"domain": "no_such_domain", "alias": "Cao độ cột", "canonical": "height_m"}]},
            STAFF,
        ),
        ("POST", "/api/vocabulary/file", "/api/vocabulary/file", empty_csv, STAFF),
        ("DELETE", "/api/vocabulary/{term_id}", "/api/vocabulary/999999", {}, STAFF),
        # Import profiles: a field no target has, a profile that does not exist; saving one with an
        # import is the Department's (an empty file is refused before anything is saved).
        (
            "PUT",
            "/api/import/profiles/{name}",
            "/api/import/profiles/matrix",
            {"json": {"target": "sites", "columns": {"Cao cột": "no_such_field"}}},
            STAFF,
        ),
        ("DELETE", "/api/import/profiles/{name}", "/api/import/profiles/no-such-profile", {}, STAFF),
        ("POST", "/api/import", "/api/import?target=sites&save_profile=matrix", empty_csv, STAFF),
        ("POST", "/api/import/reform", "/api/import/reform?effective=2025-07-01", empty_lineage, STAFF),
        # The offline map's main roads: the Department replaces them (an empty file is refused, the
        # sample's roads stay).
        ("POST", "/api/import/roads", "/api/import/roads", empty_geojson, STAFF),
        # Model truth: the sample's speed tests carry no RSRP, so nothing is proposed (404) nor in force.
        *[
            (method, route, path, kwargs, STAFF)
            for method, route, path, kwargs in (
                (
                    "POST",
                    "/api/coverage/calibrations",
                    "/api/coverage/calibrations",
                    {"json": {"operator": "Viettel", "tech_class": "mbb", "offset_db": -6}},
                ),
                (
                    "DELETE",
                    "/api/coverage/calibrations/{operator}/{tech_class}",
                    "/api/coverage/calibrations/Viettel/mbb",
                    {},
                ),
            )
        ],
        # Site proposals write nothing: every account asks (k = 0 is then refused, 422); an
        # operator for its own company only, a district's official within the district (tested
        # in tests/app/test_proposals.py); anonymous visitors 401.
        ("POST", "/api/proposals", "/api/proposals", {"json": {"k": 0}}, LOGGED_IN),
        ("POST", "/api/proposals.xlsx", "/api/proposals.xlsx", {"json": {"k": 0}}, LOGGED_IN),
        # A proposal kept as a draft registration: the writers (a pole is no new site: 422).
        ("POST", "/api/proposals/drafts", "/api/proposals/drafts", {"json": {"kind": "pole"}}, WRITERS),
        # Challenges: anyone files (a report without a spot is refused); the Department decides (a
        # rejection without a reason is refused); the operator answers (an open one is not theirs: 404).
        ("POST", "/api/challenges", "/api/challenges", {"data": {"kind": "no_signal"}}, set(ROLES)),
        (
            "POST",
            "/api/challenges/{code}/decision",
            f"/api/challenges/{world['challenge']}/decision",
            {"json": {"accept": False}},
            STAFF,
        ),
        (
            "POST",
            "/api/challenges/{code}/answer",
            f"/api/challenges/{world['challenge']}/answer",
            {"json": {"answer": "fixed"}},
            {"viettel1", "vina1"},
        ),
        (
            "POST",
            "/api/challenges/{code}/measured",
            f"/api/challenges/{world['challenge']}/measured",
            {"json": {}},
            STAFF,
        ),
        # An operator disputes with evidence (the open one is not theirs: 404); the Department
        # reviews a dispute (none to review: 409).
        (
            "POST",
            "/api/challenges/{code}/dispute",
            f"/api/challenges/{world['challenge']}/dispute",
            {"data": {"note": "Đo tại chỗ có sóng"}},
            {"viettel1", "vina1"},
        ),
        # Contact details: the reporter erases theirs by the private link (no token here: 404 for
        # everyone); the Department erases on request (an unknown challenge here: 404).
        ("DELETE", "/api/challenges/track/contact", "/api/challenges/track/contact", {}, set(ROLES)),
        ("DELETE", "/api/challenges/{code}/contact", "/api/challenges/KN-999999/contact", {}, STAFF),
        (
            "POST",
            "/api/challenges/{code}/review",
            f"/api/challenges/{world['challenge']}/review",
            {"json": {"outcome": "uphold", "reason": "Đủ bằng chứng"}},
            STAFF,
        ),
    ]


def api_routes(routes):
    """Every APIRoute of the app, those of included routers too."""
    for r in routes:
        if isinstance(r, APIRoute):
            yield r
        elif hasattr(r, "original_router"):
            yield from api_routes(r.original_router.routes)


def _write_routes(app) -> set[tuple[str, str]]:
    return {(m, r.path) for r in api_routes(app.routes) for m in r.methods - {"GET", "HEAD", "OPTIONS"}}


def test_the_matrix_covers_every_write_endpoint(app_instance, world):
    covered = {(method, route) for method, route, *_ in _requests(world)}
    assert _write_routes(app_instance) - PUBLIC_WRITES == covered


def test_every_write_endpoint_by_every_role(app_instance, client_as, anon_client, world, engine):
    with engine.connect() as conn:
        audit_before = conn.execute(text("SELECT max(id) FROM audit_log")).scalar_one()
    failures = []
    for method, _, path, kwargs, allowed in _requests(world):
        for role in ROLES:
            c = anon_client if role == "anonymous" else client_as(role)
            kw = dict(kwargs)
            if "files" in kw:  # a fresh upload body for every request
                kw["files"] = {k: (n, io.BytesIO(b), t) for k, (n, b, t) in kw["files"].items()}
            r = c.request(method, path, **kw)
            denied = r.status_code in (401, 403)
            expected_status = (
                None
                if role in allowed
                else 404
                if role in HIDDEN.get((method, path), ())
                else 401
                if role == "anonymous"
                else 403
            )
            if (
                (role in allowed and denied)
                or (expected_status and r.status_code != expected_status)
                or r.status_code >= 500
            ):
                failures.append(f"{method} {path} as {role}: {r.status_code} {r.text[:160]}")
    assert not failures, "\n".join(failures)
    with engine.connect() as conn:  # nothing but the API tokens the matrix asked for was written
        written = (
            conn.execute(text("SELECT DISTINCT entity FROM audit_log WHERE id > :m"), {"m": audit_before})
            .scalars()
            .all()
        )
    assert set(written) <= {"auth_tokens"}


def _needs_if_match(dependant) -> bool:
    return any(d.call is if_match_version or _needs_if_match(d) for d in dependant.dependencies)


def test_versioned_writes_check_the_caller_before_if_match(app_instance, client_as, anon_client, world):
    """Without If-Match: anonymous 401, a role or company that may not 403, and only the others 428."""
    versioned = [
        (m, route, path, kw, allowed) for m, route, path, kw, allowed in _requests(world) if "headers" in kw
    ]
    routes = {
        (m, r.path)
        for r in api_routes(app_instance.routes)
        for m in r.methods
        if _needs_if_match(r.dependant)
    }
    assert {(m, route) for m, route, *_ in versioned} == routes
    failures = []
    for method, _, path, kwargs, allowed in versioned:
        for role in ROLES:
            c = anon_client if role == "anonymous" else client_as(role)
            r = c.request(method, path, **{k: v for k, v in kwargs.items() if k != "headers"})
            expected = (
                428
                if role in allowed
                else 401
                if role == "anonymous"
                else 404
                if role in HIDDEN.get((method, path), ())
                else 403
            )
            if r.status_code != expected:
                failures.append(f"{method} {path} as {role}: {r.status_code}, not {expected}: {r.text[:160]}")
        # A malformed If-Match is a 400, but only for someone who may write at all.
        r = anon_client.request(method, path, **{**kwargs, "headers": {"If-Match": "soon"}})
        if r.status_code != 401:
            failures.append(f"{method} {path} anonymous with a malformed If-Match: {r.status_code}, not 401")
    assert not failures, "\n".join(failures)
