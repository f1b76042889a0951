"""The challenge loop, further: a measured dead zone in the dead-zones layer, a challenge sent to
several operators, the review of a dispute, and the reporter's contact details erased."""

import math
from datetime import timedelta

import mapbox_vector_tile
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.collections_results import MEASURED_ZONE_RADIUS_M
from app.services import clock
from tests.app.test_challenges import SPEED_CSV, file, spot

PRIVATE_WORDS = ("Nguyễn Thị Lan", "0912", "lan.nguyen", "Trong nhà không gọi được", "203.0.113")


@pytest.fixture(scope="module")
def public(app_instance):
    """Anonymous visitors, each from an address of its own (the filing limit is per address)."""
    made = []

    def make() -> TestClient:
        made.append(TestClient(app_instance, client=(f"203.0.113.{len(made) + 1}", 50000)))
        return made[-1]

    return make


def _tile(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 1 << z
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def _accepted(
    public, client_as, engine, offset: int, operators=None, **fields
) -> tuple[str, str, float, float]:
    """A report filed at the ``offset``-th hamlet's spot and accepted (code, token, lon, lat)."""
    lon, lat, *_ = spot(engine, offset)
    r = file(public(), lon, lat, **fields)
    assert r.status_code == 201, r.text
    code, token = r.json()["code"], r.json()["token"]
    body = {"accept": True, **({"operators": operators} if operators else {})}
    r = client_as("planner1").post(f"/api/challenges/{code}/decision", json=body)
    assert r.status_code == 200, r.text
    return code, token, lon, lat


def test_a_measured_challenge_is_a_measured_dead_zone_for_everyone(public, client_as, anon_client, engine):
    code, _, lon, lat = _accepted(public, client_as, engine, 40)
    items = "/ogc/collections/dead_zones/items"
    assert code not in {f["id"] for f in anon_client.get(items, params={"limit": 1000}).json()["features"]}
    r = client_as("planner1").post(
        f"/api/challenges/{code}/measured", json={"note": "Đo 3 lần, không có sóng"}
    )
    assert r.status_code == 200, r.text
    r = anon_client.get(items, params={"source": "measured", "limit": 1000})
    assert r.status_code == 200, r.text
    (zone,) = [f for f in r.json()["features"] if f["id"] == code]
    props = zone["properties"]
    assert props["source"] == "measured" and props["kind"] == "no_signal"
    assert set(props) == {
        "code",
        "source",
        "hamlet_code",
        "hamlet_name",
        "commune_code",
        "district_code",
        "kind",
        "area_km2",
        "population",
    }
    # A disc of the radius around the spot: π r² within the polygon's 32 segments (≈ 0.6 % less).
    disc_km2 = math.pi * MEASURED_ZONE_RADIUS_M**2 / 1e6
    assert 0.98 * disc_km2 <= props["area_km2"] <= disc_km2
    assert not any(w in r.text for w in PRIVATE_WORDS)
    # The modelled ones say so, and each source filters apart.
    modelled = anon_client.get(items, params={"source": "modelled", "limit": 5}).json()["features"]
    assert modelled and {f["properties"]["source"] for f in modelled} == {"modelled"}
    # In the tiles as well, with its source.
    x, y = _tile(lon, lat, 14)
    tile = mapbox_vector_tile.decode(anon_client.get(f"/tiles/dead_zones/14/{x}/{y}.mvt").content)
    measured = [
        f["properties"] for f in tile["dead_zones"]["features"] if f["properties"].get("code") == code
    ]
    assert measured and measured[0]["source"] == "measured"
    assert not any(w in str(tile) for w in PRIVATE_WORDS)
    # Fixed by the operator: no longer a dead zone (and the next tile is not the cached one).
    r = client_as("viettel1").post(f"/api/challenges/{code}/answer", json={"answer": "fixed"})
    assert r.status_code == 200, r.text
    assert code not in {
        f["id"]
        for f in anon_client.get(items, params={"source": "measured", "limit": 1000}).json()["features"]
    }
    tile = mapbox_vector_tile.decode(anon_client.get(f"/tiles/dead_zones/14/{x}/{y}.mvt").content)
    assert code not in {f["properties"].get("code") for f in tile.get("dead_zones", {}).get("features", [])}
    with engine.connect() as conn:
        assert conn.execute(text("SELECT measured FROM challenges WHERE code = :c"), {"c": code}).scalar_one()


def _answers(body: dict) -> dict[str, str]:
    return {o["operator"]: o["status"] for o in body["operators"]}


def test_a_challenge_sent_to_two_operators_is_resolved_when_both_have_answered(
    public, client_as, anon_client, engine
):
    lon, lat, *_ = spot(engine, 41)
    reporter = public()
    filed = file(reporter, lon, lat).json()
    code, token = filed["code"], filed["token"]
    planner, viettel, vina = client_as("planner1"), client_as("viettel1"), client_as("vina1")
    url = f"/api/challenges/{code}"
    # An unknown operator among those named: refused, nothing written.
    r = planner.post(f"{url}/decision", json={"accept": True, "operators": ["Viettel", "Sóng Xanh"]})
    assert r.status_code == 422 and r.json()["problems"][0]["field"] == "operators", r.text
    assert "Sóng Xanh" in r.json()["problems"][0]["message"]
    assert planner.get(url).json()["status"] == "open"
    r = planner.post(
        f"{url}/decision", json={"accept": True, "operators": ["Viettel", "VinaPhone", "Viettel"]}
    )
    assert r.status_code == 200, r.text
    assert _answers(r.json()) == {"Viettel": "accepted", "VinaPhone": "accepted"}
    assert [s["operator"] for s in r.json()["steps"] if s["step"] == "accepted"] == ["Viettel", "VinaPhone"]
    # Each sees it, without the reporter's contact; anonymous visitors see no detail at all.
    for operator in (viettel, vina):
        mine = operator.get(url)
        assert mine.status_code == 200 and mine.json()["contact_phone"] is None
        assert "0912" not in mine.text and "Nguyễn Thị Lan" not in mine.text
        assert code in {x["code"] for x in operator.get("/api/challenges").json()["challenges"]}
    assert anon_client.get(url).status_code == 401
    # Viettel fixed its part: still with VinaPhone, not resolved.
    r = viettel.post(f"{url}/answer", json={"answer": "fixed", "note": "Đã nâng công suất trạm"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert _answers(body) == {"Viettel": "fixed", "VinaPhone": "accepted"}
    assert body["status"] == "accepted" and body["phase"] == "accepted" and body["resolved_at"] is None
    assert viettel.post(f"{url}/answer", json={"answer": "planned"}).status_code == 409  # answered already
    planned_on = (clock.today() + timedelta(days=20)).isoformat()
    r = vina.post(
        f"{url}/answer", json={"answer": "planned", "planned_on": planned_on, "note": "Lắp trạm mới"}
    )
    assert r.status_code == 200 and r.json()["status"] == "planned" and r.json()["planned_on"] == planned_on
    r = vina.post(f"{url}/answer", json={"answer": "fixed"})
    assert r.status_code == 200 and r.json()["status"] == "fixed" and r.json()["phase"] == "resolved"
    assert r.json()["resolved_at"]
    # The reporter's link shows each operator's answer and its steps by company, never a person or contact.
    seen = reporter.get("/api/challenges/track", headers={"X-Challenge-Token": token}).json()
    assert _answers(seen) == {"Viettel": "fixed", "VinaPhone": "fixed"}
    assert [(s["step"], s["operator"]) for s in seen["steps"][3:]] == [
        ("fixed", "Viettel"),
        ("planned", "VinaPhone"),
        ("fixed", "VinaPhone"),
    ]
    assert not any(w in str(seen) for w in ("viettel1", "vina1", "0912", "lan.nguyen"))
    # The dashboard counts it resolved for each of the two operators (by each one's own answer).
    with engine.connect() as conn:
        expected = dict(
            conn.execute(
                text(
                    "SELECT o.short_name, count(*) FROM challenges c JOIN challenge_operators co "
                    "ON co.challenge_id = c.id JOIN operators o ON o.id = co.operator_id "
                    "WHERE co.status IN ('fixed', 'disputed') GROUP BY 1"
                )
            ).all()
        )
    by_operator = {
        r["code"]: r["resolved"] for r in anon_client.get("/api/challenges/summary").json()["by_operator"]
    }
    assert (
        by_operator["Viettel"] == expected["Viettel"]
        and by_operator["VinaPhone"] == expected["VinaPhone"] >= 1
    )


def test_an_operator_cannot_answer_for_another(public, client_as, engine):
    lon, lat, *_ = spot(engine, 42)
    code = file(public(), lon, lat).json()["code"]
    planner, viettel, vina = client_as("planner1"), client_as("viettel1"), client_as("vina1")
    r = planner.post(f"/api/challenges/{code}/decision", json={"accept": True, "operators": ["VinaPhone"]})
    assert r.status_code == 200, r.text
    with engine.connect() as conn:
        audited = conn.execute(text("SELECT max(id) FROM audit_log")).scalar_one()
    # Viettel was not sent it: as unknown to it (404, in Vietnamese), whatever it answers; nothing written.
    for body in ({"answer": "fixed"}, {"answer": "disputed", "note": "Không phải của chúng tôi"}):
        r = viettel.post(f"/api/challenges/{code}/answer", json=body)
        assert r.status_code == 404 and "không có phản ánh" in r.text, r.text
    assert viettel.get(f"/api/challenges/{code}").status_code == 404
    with engine.connect() as conn:
        assert conn.execute(text("SELECT max(id) FROM audit_log")).scalar_one() == audited
    assert _answers(vina.get(f"/api/challenges/{code}").json()) == {"VinaPhone": "accepted"}


def _audited(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT max(id) FROM audit_log")).scalar_one()


def test_a_dispute_carries_evidence_and_the_department_reviews_it(public, client_as, anon_client, engine):
    lon, lat, *_ = spot(engine, 43)
    reporter = public()
    filed = file(reporter, lon, lat).json()
    code, token = filed["code"], filed["token"]
    url = f"/api/challenges/{code}"
    planner, viettel, vina = client_as("planner1"), client_as("viettel1"), client_as("vina1")
    assert (
        planner.post(
            f"{url}/decision", json={"accept": True, "operators": ["Viettel", "VinaPhone"]}
        ).status_code
        == 200
    )
    # Nothing to review yet.
    r = planner.post(f"{url}/review", json={"outcome": "uphold", "reason": "Đủ bằng chứng"})
    assert r.status_code == 409 and "không có phản bác nào" in r.text, r.text
    # A dispute's file is checked as the report's is: a file of another kind is refused, nothing written.
    before = _audited(engine)
    r = viettel.post(
        f"{url}/dispute",
        data={"note": "Đo tại chỗ RSRP −95 dBm"},
        files={"file": ("ket_qua.exe", b"MZ\x90\x00\x03", "application/octet-stream")},
    )
    assert r.status_code == 422 and r.json()["problems"][0]["field"] == "attachment", r.text
    assert _audited(engine) == before
    r = viettel.post(f"{url}/dispute", data={"note": "  "})
    assert r.status_code == 422 and "bằng chứng" in r.text, r.text
    assert _audited(engine) == before
    r = viettel.post(
        f"{url}/dispute",
        data={"note": "Đo tại chỗ ngày 03/12: RSRP −95 dBm, tải xuống 18 Mbps"},
        files={"file": ("Đo kiểm Viettel.csv", SPEED_CSV, "text/csv")},
    )
    assert r.status_code == 200, r.text
    (mine,) = [o for o in r.json()["operators"] if o["operator"] == "Viettel"]
    assert mine["status"] == "disputed" and mine["evidence_file"] == "do_kiem_viettel.csv"
    r = vina.post(f"{url}/dispute", data={"note": "Trạm gần nhất phủ tốt ấp này"})
    assert r.status_code == 200 and r.json()["status"] == "disputed" and r.json()["phase"] == "resolved"
    # The file: the Department and Viettel get it, VinaPhone does not (404), nor anonymous (401).
    got = planner.get(f"{url}/dispute-file/Viettel")
    assert (
        got.status_code == 200
        and got.content == SPEED_CSV
        and got.headers["content-type"].startswith("text/csv")
    )
    assert viettel.get(f"{url}/dispute-file/Viettel").status_code == 200
    assert vina.get(f"{url}/dispute-file/Viettel").status_code == 404
    assert planner.get(f"{url}/dispute-file/VinaPhone").status_code == 404  # disputed in words only
    assert anon_client.get(f"{url}/dispute-file/Viettel").status_code == 401
    # Two disputes pending: the review names whose; the operators cannot review (403).
    r = planner.post(f"{url}/review", json={"outcome": "uphold", "reason": "Đủ bằng chứng"})
    assert r.status_code == 422 and r.json()["problems"][0]["field"] == "operator", r.text
    assert viettel.post(f"{url}/review", json={"outcome": "uphold", "reason": "x"}).status_code == 403
    r = planner.post(
        f"{url}/review", json={"outcome": "uphold", "reason": "Kết quả đo hợp lệ", "operator": "Viettel"}
    )
    assert r.status_code == 200, r.text
    assert {o["operator"]: o["review"] for o in r.json()["operators"]} == {
        "Viettel": "upheld",
        "VinaPhone": None,
    }
    assert r.json()["status"] == "disputed"
    r = planner.post(f"{url}/review", json={"outcome": "uphold", "reason": "lần nữa", "operator": "Viettel"})
    assert r.status_code == 409, r.text  # reviewed already
    # VinaPhone's dispute rejected: back with VinaPhone, with a new deadline; the challenge is open again.
    r = planner.post(
        f"{url}/review",
        json={
            "outcome": "reject",
            "reason": "Đo kiểm của Sở cho thấy không có sóng 4G",
            "operator": "VinaPhone",
        },
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert _answers(body) == {"Viettel": "disputed", "VinaPhone": "accepted"}
    assert body["status"] == "accepted" and body["phase"] == "accepted" and body["resolved_at"] is None
    assert body["deadline"] >= (clock.today() + timedelta(days=59)).isoformat()
    assert (
        vina.post(f"{url}/answer", json={"answer": "fixed"}).json()["status"] == "disputed"
    )  # Viettel's stands
    # The reporter sees the review and its reason by the private link, the file never.
    seen = reporter.get("/api/challenges/track", headers={"X-Challenge-Token": token}).json()
    steps = [(s["step"], s["side"], s["operator"], s["note"]) for s in seen["steps"]]
    assert ("upheld", "department", "Viettel", "Kết quả đo hợp lệ") in steps
    assert ("overruled", "department", "VinaPhone", "Đo kiểm của Sở cho thấy không có sóng 4G") in steps
    assert all(o["evidence_file"] is None for o in seen["operators"])
    # Audited with the Department's account.
    with engine.connect() as conn:
        actors = set(
            conn.execute(
                text(
                    "SELECT actor FROM audit_log WHERE entity = 'challenge_steps' AND action = 'create' "
                    "AND after->>'step' IN ('upheld', 'overruled')"
                )
            ).scalars()
        )
    assert actors == {"planner1"}


_KEPT = """
SELECT c.code, c.status, o.short_name, h.code AS hamlet, ct.phone, a.filename,
       (SELECT string_agg(s.step || ':' || coalesce(so.short_name, '-'), ',' ORDER BY s.id)
        FROM challenge_steps s LEFT JOIN operators so ON so.id = s.operator_id WHERE s.challenge_id = c.id) AS steps,
       (SELECT string_agg(x.short_name || ':' || co.status, ',' ORDER BY x.short_name)
        FROM challenge_operators co JOIN operators x ON x.id = co.operator_id WHERE co.challenge_id = c.id) AS sent_to
FROM challenges c LEFT JOIN operators o ON o.id = c.operator_id LEFT JOIN admin_units h ON h.id = c.hamlet_id
LEFT JOIN challenge_contacts ct ON ct.challenge_id = c.id LEFT JOIN challenge_attachments a ON a.challenge_id = c.id
ORDER BY c.code
"""


def test_reloading_the_sample_keeps_the_challenges(tmp_path):
    """`python -m app.cli seed --force`, as the service's role: the challenges, their steps, operators,
    contacts and files are still there, pointing at the reloaded operators and hamlets."""
    import os
    import subprocess
    import sys

    from app import dbadmin
    from tests.app.test_challenges import seed_challenges
    from tests.conftest import APP_LOGIN, ROOT, sample_database

    with sample_database("reload") as engine:
        with engine.begin() as conn:
            seed_challenges(conn)
            conn.execute(
                text(
                    "INSERT INTO challenge_contacts (challenge_id, name, phone) "
                    "SELECT id, 'Trần Văn Út', '0987 654 321' FROM challenges WHERE status = 'open'"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO challenge_attachments (challenge_id, kind, media_type, filename, content) "
                    "SELECT id, 'speed_test', 'text/csv', 'do_toc_do.csv', :csv FROM challenges WHERE status = 'open'"
                ),
                {"csv": SPEED_CSV},
            )
            before = conn.execute(text(_KEPT)).all()
            old_operators = set(conn.execute(text("SELECT id FROM operators")).scalars())
        assert len(before) == 2 and all(row.hamlet for row in before)
        url = engine.url.render_as_string(hide_password=False)
        app_url = APP_LOGIN.set(database=engine.url.database).render_as_string(hide_password=False)
        dbadmin.ensure_app_login(url, app_url)
        env = {**os.environ, "DATABASE_URL": app_url, "DATABASE_OWNER_URL": url}
        done = subprocess.run(
            [sys.executable, "-m", "app.cli", "seed", "--force"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        assert "challenges 2" in done.stdout
        with engine.connect() as conn:
            after = conn.execute(text(_KEPT)).all()
            new_operators = set(conn.execute(text("SELECT id FROM operators")).scalars())
            dangling = conn.execute(
                text(
                    "SELECT count(*) FROM challenge_steps WHERE operator_id NOT IN (SELECT id FROM operators)"
                )
            ).scalar_one()
        assert not new_operators & old_operators  # new ids: the challenges were pointed at them
        assert after == before and dangling == 0


def test_contact_details_are_erased_by_the_reporter_or_the_department_and_the_audit_keeps_none(
    public, client_as, anon_client, engine
):
    planner = client_as("planner1")
    lon, lat, *_ = spot(engine, 44)
    reporter = public()
    filed = file(reporter, lon, lat).json()
    code, token = filed["code"], filed["token"]
    assert planner.get(f"/api/challenges/{code}").json()["contact_phone"] == "0912 345 678"
    erase = "/api/challenges/track/contact"
    for headers in ({}, {"X-Challenge-Token": "sai-ma"}):  # no link, a wrong one: 404 in Vietnamese
        r = reporter.delete(erase, headers=headers)
        assert r.status_code == 404 and "đường dẫn theo dõi không đúng" in r.text, r.text
    r = reporter.delete(erase, headers={"X-Challenge-Token": token})
    assert r.status_code == 200, r.text
    assert [(s["step"], s["side"]) for s in r.json()["steps"]][-1] == ("erased", "public")
    shown = planner.get(f"/api/challenges/{code}").json()
    assert (shown["contact_name"], shown["contact_phone"], shown["contact_email"]) == (None, None, None)
    r = reporter.delete(erase, headers={"X-Challenge-Token": token})
    assert r.status_code == 409 and "không còn thông tin liên hệ" in r.text, r.text
    # The Department erases another's on request; an operator may not, nor anyone anonymous.
    lon, lat, *_ = spot(engine, 45)
    other = file(public(), lon, lat, contact_email="tam.le@example.vn", contact_phone="0903 111 222").json()
    url = f"/api/challenges/{other['code']}/contact"
    assert anon_client.delete(url).status_code == 401
    assert client_as("viettel1").delete(url).status_code == 403
    r = planner.delete(url)
    assert r.status_code == 200 and r.json()["contact_email"] is None, r.text
    assert r.json()["steps"][-1]["step"] == "erased" and r.json()["steps"][-1]["side"] == "department"
    assert planner.delete(url).status_code == 409
    with engine.connect() as conn:
        assert not conn.execute(
            text(
                "SELECT count(*) FROM challenge_contacts c JOIN challenges x ON x.id = c.challenge_id WHERE x.code IN (:a, :b)"
            ),
            {"a": code, "b": other["code"]},
        ).scalar_one()
        erased = conn.execute(
            text(
                "SELECT actor, after->>'step' FROM audit_log WHERE entity = 'challenge_steps' "
                "AND after->>'step' = 'erased' AND (after->>'challenge_id')::int IN "
                "(SELECT id FROM challenges WHERE code IN (:a, :b)) ORDER BY id"
            ),
            {"a": code, "b": other["code"]},
        ).all()
        leaked = conn.execute(
            text(
                "SELECT count(*) FROM audit_log WHERE concat(before::text, after::text) ~ "
                "'0912 345 678|lan\\.nguyen@example\\.vn|0903 111 222|tam\\.le@example\\.vn|Nguyễn Thị Lan'"
            )
        ).scalar_one()
    assert len(erased) == 2 and erased[1][0] == "planner1"
    assert leaked == 0
