"""A sharing request filed by the Department for the operator it names (POST /api/sharing-requests
with ``operator``), as a planner turns a site proposal into one: every role and anonymous on the
route with the new field, the checks applied to the named operator, who sees the request, who
withdraws it, and the owner deciding it as before."""

import pytest
from sqlalchemy import text

from tests.conftest import new_account

ROUTE = "/api/sharing-requests"
# The stored request: who asks (the operator), who filed it (the account), its state.
STORED = text(
    "SELECT o.short_name, r.requested_by, r.status FROM sharing_requests r "
    "JOIN operators o ON o.id = r.requester_id WHERE r.id = :id"
)


@pytest.fixture(scope="module")
def site(engine) -> str:
    """An active Viettel site that takes tenants, VinaPhone neither a tenant nor asking for it (the
    last such by code: the role matrix and the registration workflow take the first ones)."""
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT s.code FROM sites s JOIN operators o ON o.id = s.owner_id WHERE o.short_name = 'Viettel' "
                "AND s.status = 'active' AND s.accepts_tenants AND NOT EXISTS (SELECT 1 FROM site_tenancies t "
                "JOIN operators x ON x.id = t.operator_id WHERE t.site_id = s.id AND x.short_name = 'VinaPhone') "
                "AND NOT EXISTS (SELECT 1 FROM sharing_requests r WHERE r.site_id = s.id) "
                "ORDER BY s.code DESC LIMIT 1"
            )
        ).scalar_one()


@pytest.fixture
def cleanup(engine, site):
    """Leave the shared test database as it was: this site's requests and VinaPhone's tenancy on it."""
    yield
    with engine.begin() as conn:
        conn.execute(
            text("DELETE FROM sharing_requests WHERE site_id = (SELECT id FROM sites WHERE code = :c)"),
            {"c": site},
        )
        conn.execute(
            text(
                "DELETE FROM site_tenancies WHERE site_id = (SELECT id FROM sites WHERE code = :c) "
                "AND operator_id = (SELECT id FROM operators WHERE short_name = 'VinaPhone')"
            ),
            {"c": site},
        )


def _codes(r) -> dict:
    return {p["field"]: p["code"] for p in r.json().get("problems", [])}


def _body(site: str, **extra) -> dict:
    return {"asset": "site", "code": site, "note": "Đề xuất vị trí trạm số 1 (thử)", **extra}


def test_every_role_and_anonymous_with_the_operator_field(client_as, anon_client, site, cleanup):
    # Anonymous and officials (read-only, of the province or of a district) file none.
    assert anon_client.post(ROUTE, json=_body(site, operator="VinaPhone")).status_code == 401
    for official in ("official1", "official934"):
        assert client_as(official).post(ROUTE, json=_body(site, operator="VinaPhone")).status_code == 403
    # The Department must name the requesting operator, one the catalogue knows.
    r = client_as("planner1").post(ROUTE, json=_body(site))
    assert r.status_code == 422 and _codes(r) == {"operator": "sharing.operator_required"}
    assert "khi Sở gửi yêu cầu" in r.json()["problems"][0]["message"]
    r = client_as("admin1").post(ROUTE, json=_body(site, operator="Không Có Mạng"))
    assert r.status_code == 422 and _codes(r)["operator"].startswith("organisation.unknown"), r.text
    assert "Không Có Mạng" in r.json()["problems"][0]["message"]
    # An operator company files for itself only.
    r = client_as("viettel1").post(ROUTE, json=_body(site, operator="VinaPhone"))
    assert r.status_code == 403 and _codes(r) == {"operator": "sharing.own_company_only"}
    assert (
        "Viettel" in r.json()["problems"][0]["message"] and "VinaPhone" in r.json()["problems"][0]["message"]
    )
    # The checks apply to the named operator: the owner cannot ask for its own site.
    assert client_as("planner1").post(ROUTE, json=_body(site, operator="Viettel")).status_code == 409
    # Nothing was written by any refusal.
    assert [r for r in client_as("planner1").get(ROUTE).json()["requests"] if r["code"] == site] == []
    # Naming itself is what not naming anyone means.
    r = client_as("vina1").post(ROUTE, json=_body(site, operator="VinaPhone"))
    assert r.status_code == 201, r.text
    assert (r.json()["requester"], r.json()["requested_by"], r.json()["status"]) == (
        "VinaPhone",
        "vina1",
        "pending",
    )


def test_a_planner_files_for_the_named_operator_and_the_owner_decides(client_as, engine, site, cleanup):
    r = client_as("planner1").post(ROUTE, json=_body(site, operator="VinaPhone"))
    assert r.status_code == 201, r.text
    filed = r.json()
    assert (filed["requester"], filed["requested_by"], filed["owner"]) == ("VinaPhone", "planner1", "Viettel")
    with engine.connect() as conn:
        stored = conn.execute(STORED, {"id": filed["id"]}).one()
    assert tuple(stored) == ("VinaPhone", "planner1", "pending")
    # The pending duplicate is VinaPhone's, whoever asks again.
    assert client_as("vina1").post(ROUTE, json=_body(site)).status_code == 409
    assert client_as("admin1").post(ROUTE, json=_body(site, operator="VinaPhone")).status_code == 409
    # The named operator, the owner and the Department see it.
    for who in ("vina1", "viettel1", "planner1", "admin1"):
        listed = [x["id"] for x in client_as(who).get(ROUTE).json()["requests"]]
        assert filed["id"] in listed, who
    # The requester cannot decide it; the owner does, and the tenancy is VinaPhone's.
    assert (
        client_as("vina1").post(f"{ROUTE}/{filed['id']}/decision", json={"accept": True}).status_code == 403
    )
    r = client_as("viettel1").post(f"{ROUTE}/{filed['id']}/decision", json={"accept": True, "note": "đồng ý"})
    assert r.status_code == 200 and r.json()["status"] == "accepted" and r.json()["decided_by"] == "viettel1"
    site_now = client_as("planner1").get(f"/api/sites/{site}").json()
    assert "VinaPhone" in site_now["tenants"]
    # Already a tenant now: the Department's next request for VinaPhone is refused.
    assert client_as("planner1").post(ROUTE, json=_body(site, operator="VinaPhone")).status_code == 409


def test_another_operator_does_not_see_a_request_filed_for_vinaphone(
    client_as, app_instance, engine, site, cleanup
):
    from fastapi.testclient import TestClient

    from tests.conftest import bearer

    filed = client_as("planner1").post(ROUTE, json=_body(site, operator="VinaPhone")).json()
    name = "mobi.share"
    token = new_account(engine, name, "operator", operator="MobiFone")
    try:
        with TestClient(app_instance, headers=bearer(token)) as mobi:
            listed = [x["id"] for x in mobi.get(ROUTE).json()["requests"]]
            assert filed["id"] not in listed
            assert mobi.post(f"{ROUTE}/{filed['id']}/withdrawal").status_code == 403
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM users WHERE username = :u"), {"u": name})


def test_who_withdraws(client_as, site, cleanup):
    # A request the Department filed: the named operator or the Department withdraws it, not the owner.
    mine = client_as("planner1").post(ROUTE, json=_body(site, operator="VinaPhone")).json()
    # The list says so (by_department), so that the Department's requests list offers to withdraw it.
    for who in ("planner1", "vina1", "viettel1"):
        listed = {x["id"]: x for x in client_as(who).get(ROUTE).json()["requests"]}
        assert listed[mine["id"]]["by_department"] is True, who
    assert client_as("viettel1").post(f"{ROUTE}/{mine['id']}/withdrawal").status_code == 403
    r = client_as("admin1").post(f"{ROUTE}/{mine['id']}/withdrawal")
    assert r.status_code == 200 and (r.json()["status"], r.json()["decided_by"]) == ("withdrawn", "admin1")
    again = client_as("planner1").post(ROUTE, json=_body(site, operator="VinaPhone")).json()
    r = client_as("vina1").post(f"{ROUTE}/{again['id']}/withdrawal")
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    # One the operator filed itself is its own to withdraw (the Department declines it instead).
    own = client_as("vina1").post(ROUTE, json=_body(site)).json()
    assert own["by_department"] is False
    assert client_as("planner1").post(f"{ROUTE}/{own['id']}/withdrawal").status_code == 403
    assert client_as("vina1").post(f"{ROUTE}/{own['id']}/withdrawal").status_code == 200
