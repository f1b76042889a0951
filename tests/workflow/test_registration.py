"""Site registration through the API: positions in three notations, every validation rule,
sharing first, the lifecycle, pending edits of active sites, optimistic locking, sharing requests."""

import json

import pytest
from pyproj.transformer import TransformerGroup
from sqlalchemy import text

# Far from every sample site (kilometres), in the sample province's gap areas.
GAP = [(105.4968, 9.8623), (105.4738, 9.8936), (105.4448, 9.6889), (105.4908, 9.8516), (105.4600, 9.8800)]
CELL = {"technology": "4G", "band_mhz": 1800, "azimuth_deg": 0, "antenna_height_m": 38, "eirp_dbm": 60}


def site_body(code, lon, lat, **extra):
    return {
        "code": code,
        "position": {"lon": lon, "lat": lat},
        "structure_type": "tower",
        "height_m": 40,
        "cells": [CELL, {**CELL, "azimuth_deg": 120}, {**CELL, "azimuth_deg": 240}],
        **extra,
    }


def problems(r):
    return {p["field"]: p["message"] for p in r.json().get("problems", [])}


def codes(r):
    return {p["field"]: p["code"] for p in r.json().get("problems", [])}


def etag(r):
    return {"If-Match": r.headers["ETag"]}


def test_an_operator_registers_a_site_with_cells(client_as, engine):
    op = client_as("viettel1")
    r = op.post(
        "/api/sites", json=site_body("REG-VT-001", *GAP[0], accepts_tenants=True, rent_vnd_month=6_000_000)
    )
    assert r.status_code == 201, r.text
    site = r.json()
    assert site["status"] == "proposed" and site["owner"] == "Viettel" and site["created_by"] == "viettel1"
    assert r.headers["ETag"] == '"1"' and site["version"] == 1
    assert [c["code"] for c in site["cells"]] == ["REG-VT-001-4G-1", "REG-VT-001-4G-2", "REG-VT-001-4G-3"]
    assert site["tenants"] == ["Viettel"] and site["place"]["district_code"]
    with engine.connect() as conn:
        actions = conn.execute(
            text(
                "SELECT entity, action, actor, actor_role FROM audit_log WHERE record_code LIKE 'REG-VT-001%' ORDER BY id"
            )
        ).all()
    assert ("sites", "create", "viettel1", "operator") in actions
    assert sum(1 for a in actions if a[0] == "cells") == 3


def test_the_three_ways_to_type_a_position_give_the_same_place(client_as):
    op = client_as("vina1")
    lon, lat = GAP[1]
    d = lambda v: (int(v), int(v * 60 % 60), v * 3600 % 60)  # noqa: E731
    (la, lm, ls), (oa, om, os_) = d(lat), d(lon)
    dms = f"{la}°{lm}'{ls:.4f}\"N {oa}°{om}'{os_:.4f}\"E"
    official = next(
        t
        for t in TransformerGroup("EPSG:4326", "EPSG:5897", always_xy=True).transformers
        if "VN-2000 to WGS 84 (2)" in t.description
    )  # Decision 05/2007
    x, y = official.transform(lon, lat)
    sites = []
    for i, position in enumerate([{"dms": dms}, {"easting": x, "northing": y}]):
        body = site_body(f"REG-VN-00{i}", 0, 0, new_structure_reason="thử nghiệm")
        body["position"] = position
        r = op.post("/api/sites", json=body)
        # The first lands; the second is the same place, so the spacing rule names the first.
        sites.append(r)
    assert sites[0].status_code == 201, sites[0].text
    assert sites[0].json()["lon"] == pytest.approx(lon, abs=1e-6) and sites[0].json()["lat"] == pytest.approx(
        lat, abs=1e-6
    )
    assert sites[1].status_code == 409 and "REG-VN-000" in sites[1].json()["description"]
    assert sites[1].json()["site"]["distance_m"] < 0.05  # the same place, to a few centimetres


def test_swapped_latitude_and_longitude_are_refused_with_the_swap_offered(client_as):
    lon, lat = GAP[2]
    r = client_as("viettel1").post("/api/sites", json=site_body("REG-SWAP", lat, lon))
    assert r.status_code == 422
    (swapped,) = r.json()["problems"]
    assert (swapped["code"], swapped["field"]) == ("position.swapped", "position")
    assert swapped["params"] == {"lon": lat, "lat": lon, "swapped_lon": lon, "swapped_lat": lat}
    assert swapped["message"].startswith(f"Vị trí: vĩ độ {lon} và kinh độ {lat} có vẻ bị đảo")
    assert r.json()["suggestion"] == {"lon": lon, "lat": lat}


def test_a_refusal_is_said_in_the_readers_language_from_its_code(client_as):
    """The sentence of a refusal comes from its code and params, in Vietnamese unless English is asked for."""
    body = {**site_body("REG-LANG", *GAP[3]), "cells": [{**CELL, "band_mhz": 3500}]}
    op = client_as("viettel1")
    said = {}
    for lang in ("vi", "en"):
        r = op.post("/api/sites", json=body, headers={"Accept-Language": lang})
        assert r.status_code == 422, r.text
        (band,) = [p for p in r.json()["problems"] if p["code"] == "band.invalid"]
        assert band["field"] == "cells[0].band_mhz"
        assert band["params"] == {
            "band": 3500,
            "technology": "4G",
            "valid": [700, 850, 900, 1800, 2100, 2300, 2600],
        }
        said[lang] = band["message"]
        assert band["message"] in r.json()["description"]
    assert said["vi"].endswith(
        "Băng tần 3500 MHz không dùng cho 4G (băng tần hợp lệ: 700, 850, 900, 1800, 2100, 2300, 2600)"
    )
    assert said["en"].endswith("3500 MHz is not a 4G band (valid: 700, 850, 900, 1800, 2100, 2300, 2600)")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"position": {"lon": 106.7, "lat": 10.78}}, "position"),  # Hồ Chí Minh City
        ({"height_m": 250}, "height_m"),
        ({"structure_type": "pyramid"}, None),  # a wrong type: 400 from the schema
        ({"cells": [{**CELL, "technology": "2G", "band_mhz": 2600}]}, "cells[0].band_mhz"),
        ({"cells": [{**CELL, "antenna_height_m": 75}]}, "cells[0].antenna_height_m"),
        ({"cells": [{**CELL, "eirp_dbm": 95}]}, "cells[0].eirp_dbm"),
        ({"cells": [{**CELL, "azimuth_deg": 400}]}, "cells[0].azimuth_deg"),
        ({"cells": [{**CELL, "operator": "MobiFone"}]}, "cells[0].operator"),
        ({"cells": [{**CELL, "operator": "Không Tồn Tại"}]}, "cells[0].operator"),
        ({"cells": [{**CELL, "operator": "PC Hậu Giang"}]}, "cells[0].operator"),  # not a mobile operator
        ({"cells": []}, None),
        ({"position": {"lon": float("nan"), "lat": 9.8}}, None),
    ],
)
def test_each_invalid_field_is_named_and_nothing_is_written(client_as, engine, change, field):
    body = {**site_body("REG-BAD", *GAP[3]), **change}
    r = client_as("viettel1").post(
        "/api/sites", content=_json(body), headers={"Content-Type": "application/json"}
    )
    if field is None:
        assert r.status_code == 400, r.text
    else:
        assert r.status_code == 422 and field in problems(r), r.text
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM sites WHERE code = 'REG-BAD'")).scalar_one() == 0


def test_a_value_out_of_range_is_the_imports_own_problem(client_as, engine):
    """The form and the API name a value out of range as an import does (gis/importers/ranges.py)."""
    body = {**site_body("REG-RANGE", *GAP[3]), "height_m": 250, "cells": [{**CELL, "eirp_dbm": 95}]}
    r = client_as("viettel1").post("/api/sites", json=body)
    assert r.status_code == 422, r.text
    ranged = {p["field"]: (p["code"], p["params"]["allowed"]) for p in r.json()["problems"] if "code" in p}
    assert ranged == {
        "height_m": ("value.out_of_range", "0 < x ≤ 200 m"),
        "cells[0].eirp_dbm": ("value.out_of_range", "0 ≤ x ≤ 75 dBm"),
    }
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM sites WHERE code = 'REG-RANGE'")).scalar_one() == 0


def _json(body) -> str:

    return json.dumps(body, allow_nan=True)


def test_an_operator_registers_for_its_own_company_only(client_as):
    r = client_as("viettel1").post("/api/sites", json=site_body("REG-OTHER", *GAP[3], owner="MobiFone"))
    assert r.status_code == 403 and "Viettel" in r.json()["description"]
    (refusal,) = r.json()["problems"]
    assert (refusal["code"], refusal["params"]) == (
        "owner.own_company_only",
        {"own": "Viettel", "other": "MobiFone"},
    )


def test_duplicate_code_and_a_site_within_30_m_are_409s(client_as, engine):
    with engine.connect() as conn:
        code, lon, lat = conn.execute(
            text(
                "SELECT code, ST_X(geom), ST_Y(geom) FROM sites WHERE status = 'active' ORDER BY code LIMIT 1"
            )
        ).one()
    op = client_as("viettel1")
    r = op.post("/api/sites", json=site_body(code, *GAP[3]))
    assert r.status_code == 409 and code in r.json()["description"]
    assert [(p["code"], p["params"]["code"]) for p in r.json()["problems"]] == [("record.code_exists", code)]
    r = op.post(
        "/api/sites", json=site_body("REG-CLOSE", lon + 0.0001, lat, new_structure_reason="x")
    )  # ≈ 11 m
    assert r.status_code == 409 and code in r.json()["description"] and "30 m" in r.json()["description"]
    (close,) = r.json()["problems"]
    assert close["code"] == "site.too_close" and close["params"]["code"] == code
    assert close["params"]["spacing"] == 30 and close["params"]["distance"] == r.json()["site"]["distance_m"]


def _shareable(engine, urban: bool, dlat: float = 0.0):
    """An active, shareable, unshared site of someone other than VinaPhone, in a rural / urban commune
    that also holds the point ``dlat`` degrees north of it."""
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT s.code, ST_X(s.geom), ST_Y(s.geom), o.short_name FROM sites s JOIN operators o ON o.id = s.owner_id "
                "JOIN admin_units c ON c.level = 'commune' AND ST_Intersects(c.geom, s.geom) "
                "AND ST_Intersects(c.geom, ST_Translate(s.geom, 0, :dlat)) "
                "WHERE s.status = 'active' AND s.accepts_tenants AND o.short_name <> 'VinaPhone' AND c.urban = :u "
                "AND (SELECT count(*) FROM site_tenancies t WHERE t.site_id = s.id) = 1 "
                "AND NOT EXISTS (SELECT 1 FROM sites x WHERE x.id <> s.id AND x.status IN ('proposed','approved','active') "
                "  AND ST_DWithin(x.geom::geography, s.geom::geography, 600)) ORDER BY s.code LIMIT 1"
            ),
            {"u": urban, "dlat": dlat},
        ).one()


def test_sharing_first(client_as, engine):
    code, lon, lat, owner = _shareable(engine, urban=False)
    op = client_as("vina1")
    near = site_body("REG-NEAR", lon, lat + 0.0025)  # ≈ 280 m north: inside the 500 m rural radius
    r = op.get(f"/api/sites/sharing-candidates?lon={lon}&lat={lat + 0.0025}")
    assert r.status_code == 200 and r.json()["radius_m"] == 500
    assert [c["code"] for c in r.json()["candidates"]] == [code]
    r = op.post("/api/sites", json=near)
    assert r.status_code == 422 and codes(r) == {"new_structure_reason": "site.sharing_first"}
    assert (
        r.json()["sharing_candidates"][0]["code"] == code
        and r.json()["sharing_candidates"][0]["owner"] == owner
    )
    reason = "Cột của đối tác không đủ tải trọng cho anten 5G"
    r = op.post("/api/sites", json={**near, "new_structure_reason": reason})
    assert r.status_code == 201, r.text
    listed = {s["code"]: s for s in client_as("planner1").get("/api/registrations").json()["registrations"]}
    assert listed["REG-NEAR"]["new_structure_reason"] == reason


def test_town_wards_use_the_200_m_radius(client_as, engine):
    code, lon, lat, _ = _shareable(engine, urban=True, dlat=0.0027)
    r = client_as("vina1").get(f"/api/sites/sharing-candidates?lon={lon}&lat={lat + 0.0027}")  # ≈ 300 m
    assert r.json()["radius_m"] == 200 and r.json()["candidates"] == []
    r = client_as("vina1").get(f"/api/sites/sharing-candidates?lon={lon}&lat={lat + 0.0012}")  # ≈ 130 m
    assert [c["code"] for c in r.json()["candidates"]] == [code]


# How many changes were ever queued for the coverage engine: its id sequence, which only grows (the
# background worker deletes the rows it has done, so counting rows races it).
QUEUED = "SELECT coalesce(pg_sequence_last_value(pg_get_serial_sequence('coverage_dirty', 'id')), 0)"


def test_lifecycle_with_roles_and_reasons(client_as, engine):
    op, planner = client_as("viettel1"), client_as("planner1")
    r = op.post("/api/sites", json=site_body("REG-LIFE", *GAP[4]))
    assert r.status_code == 201
    refused = op.post("/api/sites/REG-LIFE/transitions", json={"to": "approved"}, headers=etag(r))
    assert refused.status_code == 403 and codes(refused) == {None: "transition.staff_only"}
    refused = planner.post("/api/sites/REG-LIFE/transitions", json={"to": "active"}, headers=etag(r))
    assert refused.status_code == 409 and codes(refused) == {None: "transition.not_allowed"}
    assert refused.json()["problems"][0]["params"] == {
        "current": "proposed",
        "target": "active",
        "allowed": ["approved", "rejected", "decommissioned"],
    }
    r2 = planner.post("/api/sites/REG-LIFE/transitions", json={"to": "rejected"}, headers=etag(r))
    assert r2.status_code == 422 and codes(r2) == {"reason": "reason.required"}
    assert problems(r2)["reason"] == "Lý do: cần ghi lý do"
    assert planner.post("/api/sites/REG-LIFE/transitions", json={"to": "approved"}).status_code == 428
    r = planner.post("/api/sites/REG-LIFE/transitions", json={"to": "approved"}, headers=etag(r))
    assert r.status_code == 200 and r.json()["status"] == "approved" and r.json()["approved_on"]
    with engine.connect() as conn:
        dirty_before = conn.execute(text(QUEUED)).scalar_one()
    r = op.post("/api/sites/REG-LIFE/transitions", json={"to": "active"}, headers=etag(r))
    assert r.status_code == 200 and r.json()["status"] == "active" and r.json()["version"] == 3
    with engine.connect() as conn:  # the new transmitters are queued for the coverage engine
        assert conn.execute(text(QUEUED)).scalar_one() > dirty_before
    history = op.get("/api/history/site/REG-LIFE").json()["entries"]
    statuses = [(e["actor"], e["after"]["status"]) for e in history if e["entity"] == "sites"]
    assert statuses == [("viettel1", "proposed"), ("planner1", "approved"), ("viettel1", "active")]
    assert history[-1]["changed"] == ["commissioned_on", "status", "version"]


def test_the_department_rejects_a_registration_with_a_reason_and_the_operator_sees_it(client_as, engine):
    op, planner = client_as("viettel1"), client_as("planner1")
    r = op.post("/api/sites", json=site_body("REG-REJ", *GAP[2], new_structure_reason="thử nghiệm"))
    assert r.status_code == 201, r.text
    r = planner.post(
        "/api/sites/REG-REJ/transitions",
        json={"to": "rejected", "reason": "Trùng quy hoạch cột"},
        headers=etag(r),
    )
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["status_reason"], r.json()["version"]) == (
        "rejected",
        "Trùng quy hoạch cột",
        2,
    )
    assert r.json()["approved_on"] is None and r.json()["commissioned_on"] is None
    mine = {x["code"]: x for x in op.get("/api/registrations").json()["registrations"]}
    assert (mine["REG-REJ"]["status"], mine["REG-REJ"]["status_reason"]) == (
        "rejected",
        "Trùng quy hoạch cột",
    )
    assert "REG-REJ" not in {x["code"] for x in planner.get("/api/registrations").json()["registrations"]}
    with engine.connect() as conn:
        trail = conn.execute(
            text(
                "SELECT actor, after->>'status', after->>'status_reason' FROM audit_log "
                "WHERE entity = 'sites' AND record_code = 'REG-REJ' ORDER BY id"
            )
        ).all()
    assert [tuple(t) for t in trail] == [
        ("viettel1", "proposed", None),
        ("planner1", "rejected", "Trùng quy hoạch cột"),
    ]
    # The owner resubmits it: proposed again, before the Department once more.
    r = op.post("/api/sites/REG-REJ/transitions", json={"to": "proposed"}, headers=etag(r))
    assert r.status_code == 200 and r.json()["status"] == "proposed", r.text


def test_edits_in_place_pending_approval_and_lost_updates(client_as):
    op, planner, other = client_as("viettel1"), client_as("planner1"), client_as("vina1")
    r = op.get("/api/sites/REG-VT-001")
    assert r.status_code == 200
    r = op.patch("/api/sites/REG-VT-001", json={"height_m": 45}, headers=etag(r))  # proposed: in place
    assert r.status_code == 200 and r.json()["height_m"] == 45 and r.json()["version"] == 2
    stale = {"If-Match": '"1"'}
    r409 = op.patch("/api/sites/REG-VT-001", json={"height_m": 50}, headers=stale)
    assert r409.status_code == 409 and r409.json()["current"]["height_m"] == 45
    # Another company's proposal is not even confirmed to exist (it is, once approved: then 403).
    assert other.patch("/api/sites/REG-VT-001", json={"height_m": 50}, headers=etag(r)).status_code == 404
    r = planner.post("/api/sites/REG-VT-001/transitions", json={"to": "approved"}, headers=etag(r))
    r = op.post("/api/sites/REG-VT-001/transitions", json={"to": "active"}, headers=etag(r))
    assert r.json()["status"] == "active"
    # An operator's edit of an active site waits for the Department.
    r = op.patch("/api/sites/REG-VT-001", json={"height_m": 48, "cells": [CELL]}, headers=etag(r))
    assert r.status_code == 202 and r.json()["height_m"] == 45 and len(r.json()["cells"]) == 3
    assert r.json()["pending_change"] == {
        "height_m": 48.0,
        "cells": [{**CELL, "azimuth_deg": 0.0, "antenna_height_m": 38.0, "eirp_dbm": 60.0}],
    }
    assert (
        op.post("/api/sites/REG-VT-001/pending-change", json={"approve": True}, headers=etag(r)).status_code
        == 403
    )
    r = planner.post("/api/sites/REG-VT-001/pending-change", json={"approve": True}, headers=etag(r))
    assert r.status_code == 200 and r.json()["height_m"] == 48 and len(r.json()["cells"]) == 1
    assert r.json()["pending_change"] is None


def test_tenancy_request_accepted_makes_the_site_shared_and_moves_the_ratio(client_as, client, engine):
    code, *_, owner = _shareable(engine, urban=True)
    requester = "vina1"
    before = _ratio(client, "bts_site_sharing")
    r = client_as(requester).post(
        "/api/sharing-requests", json={"asset": "site", "code": code, "note": "xin thuê"}
    )
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    assert (
        client_as(requester).post("/api/sharing-requests", json={"asset": "site", "code": code}).status_code
        == 409
    )
    assert (
        client_as(requester).post(f"/api/sharing-requests/{rid}/decision", json={"accept": True}).status_code
        == 403
    )
    decider = client_as("planner1")
    r = decider.post(f"/api/sharing-requests/{rid}/decision", json={"accept": True, "note": "đồng ý"})
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    site = client.get(f"/api/sites/{code}").json()
    assert site["shared"] and "VinaPhone" in site["tenants"]
    after = _ratio(client, "bts_site_sharing")
    assert after["numerator"] == before["numerator"] + 1 and after["denominator"] == before["denominator"]


def _ratio(client, indicator):
    report = client.get("/api/indicators?level=province").json()
    return next(i for i in report["units"][0]["indicators"] if i["id"] == indicator)


def test_poles_and_ducts_have_the_same_ownership_locking_and_sharing(client_as):
    op, other = client_as("viettel1"), client_as("vina1")
    lon, lat = GAP[0]
    r = op.post(
        "/api/poles", json={"code": "REG-P-1", "position": {"lon": lon + 0.001, "lat": lat}, "height_m": 9}
    )
    assert r.status_code == 201 and r.json()["owner"] == "Viettel", r.text
    bad = op.post(
        "/api/poles", json={"code": "REG-P-2", "position": {"lon": lon, "lat": lat}, "height_m": 55}
    )
    assert bad.status_code == 422 and "height_m" in problems(bad)
    refused = other.patch("/api/poles/REG-P-1", json={"height_m": 10}, headers=etag(r))
    assert refused.status_code == 403 and codes(refused) == {None: "record.not_yours"}
    assert (
        refused.json()["description"] == "cột “REG-P-1” thuộc Viettel: chỉ chủ sở hữu hoặc Sở được thay đổi"
    )
    r = op.patch("/api/poles/REG-P-1", json={"height_m": 10}, headers=etag(r))
    assert r.status_code == 200 and r.json()["version"] == 2
    stale = op.patch("/api/poles/REG-P-1", json={"height_m": 11}, headers={"If-Match": '"1"'})
    assert stale.status_code == 409 and codes(stale) == {None: "record.changed"}
    assert stale.json()["problems"][0]["params"] == {
        "kind": "pole",
        "code": "REG-P-1",
        "version": 1,
        "current": 2,
    }
    req = other.post("/api/sharing-requests", json={"asset": "pole", "code": "REG-P-1"}).json()
    assert op.post(f"/api/sharing-requests/{req['id']}/decision", json={"accept": True}).status_code == 200
    r = op.get("/api/poles/REG-P-1")
    assert r.json()["users"] == ["VinaPhone"]
    shared = op.delete("/api/poles/REG-P-1", headers={**etag(r), "Accept-Language": "en"})
    assert shared.status_code == 409 and codes(shared) == {None: "record.shared"}  # carries VinaPhone's cable
    assert (
        shared.json()["description"]
        == "pole 'REG-P-1' is used by VinaPhone: it cannot be deleted while shared"
    )
    line = {"type": "LineString", "coordinates": [[lon, lat], [lon + 0.003, lat + 0.001]]}
    r = op.post("/api/ducts", json={"code": "REG-D-1", "geometry": line, "duct_count": 2})
    assert r.status_code == 201 and r.json()["duct_count"] == 2, r.text
    far = {"type": "LineString", "coordinates": [[lon, lat], [106.7, 10.78]]}
    refused = op.post("/api/ducts", json={"code": "REG-D-2", "geometry": far})
    assert refused.status_code == 422 and codes(refused) == {"geometry": "route.outside_province"}
    assert op.delete("/api/ducts/REG-D-1", headers=etag(r)).status_code == 204
    assert op.get("/api/ducts/REG-D-1").status_code == 404


def test_a_duct_route_registers_and_edits_its_name_free_ducts_and_stated_length(client_as):
    """The form and the API write what a ducts file writes, through the same builder and rules."""
    op = client_as("viettel1")
    lon, lat = GAP[0]
    line = {"type": "LineString", "coordinates": [[lon, lat + 0.002], [lon + 0.003, lat + 0.003]]}
    body = {
        "code": "REG-D-NAME",
        "name": "Tuyến cống QL61 – Vị Thanh",
        "geometry": line,
        "duct_count": 4,
        "free_duct_count": 1,
        "stated_length_m": 345.5,
    }
    r = op.post("/api/ducts", json=body)
    assert r.status_code == 201, r.text
    got = r.json()
    assert (got["name"], got["duct_count"], got["free_duct_count"], got["stated_length_m"]) == (
        "Tuyến cống QL61 – Vị Thanh",
        4,
        1,
        345.5,
    )
    too_many = op.post("/api/ducts", json={**body, "code": "REG-D-FREE", "free_duct_count": 5})
    assert too_many.status_code == 422 and op.get("/api/ducts/REG-D-FREE").status_code == 404
    # An edit is checked as a whole, the stored values with the changed ones: 3 free of 2 ducts.
    refused = op.patch("/api/ducts/REG-D-NAME", json={"duct_count": 2, "free_duct_count": 3}, headers=etag(r))
    assert refused.status_code == 422, refused.text
    assert op.get("/api/ducts/REG-D-NAME").json()["version"] == 1
    r = op.patch(
        "/api/ducts/REG-D-NAME", json={"name": "Tuyến cống Vị Thanh", "free_duct_count": 0}, headers=etag(r)
    )
    assert r.status_code == 200, r.text
    assert (r.json()["name"], r.json()["free_duct_count"], r.json()["version"]) == (
        "Tuyến cống Vị Thanh",
        0,
        2,
    )
    assert op.delete("/api/ducts/REG-D-NAME", headers=etag(r)).status_code == 204


def test_a_monopole_registers_like_any_structure(client_as):
    """The form and the API know every structure type the importer knows ("Cột đơn thân")."""
    r = client_as("viettel1").post(
        "/api/sites",
        json=site_body(
            "REG-VT-MONO",
            GAP[4][0] + 0.004,
            GAP[4][1] - 0.004,
            structure_type="monopole",
            new_structure_reason="Không có cột dùng chung trong bán kính phục vụ",
        ),
    )
    assert r.status_code == 201, r.text
    assert r.json()["structure_type"] == "monopole"
    r = client_as("viettel1").post(
        "/api/sites", json=site_body("REG-VT-MONO2", *GAP[4], structure_type="cot_don_than")
    )
    assert r.status_code == 400 and "structure_type" in r.text  # a request the schema refuses


def test_a_site_is_registered_and_renamed_by_its_name_as_files_name_it(client_as):
    """ "Tên trạm" is stored from the form as from a file, and an edit goes through the same builder."""
    op = client_as("viettel1")
    body = site_body(
        "REG-VT-NAMED",
        GAP[4][0] - 0.004,
        GAP[4][1] + 0.004,
        name="  Vị Thanh 3 ",
        new_structure_reason="Không có cột dùng chung trong bán kính phục vụ",
    )
    r = op.post("/api/sites", json=body)
    assert r.status_code == 201, r.text
    assert r.json()["name"] == "Vị Thanh 3"  # read as a file's cell is: trimmed
    r = op.patch("/api/sites/REG-VT-NAMED", json={"name": "Vị Thanh 3 (Ấp 4)"}, headers=etag(r))
    assert r.status_code == 200, r.text
    assert (r.json()["name"], r.json()["version"]) == ("Vị Thanh 3 (Ấp 4)", 2)
    assert op.get("/api/sites/REG-VT-NAMED").json()["name"] == "Vị Thanh 3 (Ấp 4)"


def test_the_department_names_an_owner_as_files_do(client_as):
    """The form reads an owner like an import's owner column: any alias of the organisation."""
    planner = client_as("planner1")
    lon, lat = GAP[1][0] + 0.004, GAP[1][1] - 0.004
    r = planner.post(
        "/api/poles",
        json={"code": "REG-P-EVN", "position": {"lon": lon, "lat": lat}, "owner": "Điện lực Hậu Giang"},
    )
    assert r.status_code == 201 and r.json()["owner"] == "PC Hậu Giang", r.text
    r = planner.post(
        "/api/poles", json={"code": "REG-P-TYPO", "position": {"lon": lon, "lat": lat}, "owner": "Viettell"}
    )
    assert r.status_code == 422 and "Viettel" in problems(r)["owner"], r.text
    r = client_as("viettel1").post(
        "/api/poles", json={"code": "REG-P-VT", "position": {"lon": lon + 0.001, "lat": lat}, "owner": "VTL"}
    )
    assert r.status_code == 201 and r.json()["owner"] == "Viettel", r.text  # its own company, by alias


def test_a_position_projected_to_infinity_is_refused_with_its_values_as_text(client_as):
    """A VN-2000 easting/northing far outside the zone projects to no finite point: answered 422
    with the values as text (JSON has no Infinity), never a 500."""
    body = {**site_body("REG-INF", 0, 0), "position": {"easting": 1e300, "northing": 1e300}}
    r = client_as("viettel1").post("/api/sites", json=body)
    assert r.status_code == 422, r.text
    [problem] = r.json()["problems"]
    assert problem["code"] == "position.not_lon_lat", problem
    assert problem["params"] == {"lon": "inf", "lat": "inf"}
