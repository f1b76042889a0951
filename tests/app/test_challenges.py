"""The challenge loop through the API: a report filed by anyone, triaged by the Department, answered
by the operator; every transition, every refusal (4xx and nothing written), the per-address limit,
the attachment's checks, and what stays private."""

import io
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import text

from app.services import clock
from app.services.challenges_evidence import solve_proof
from app.settings import get_settings

VIETTEL_GPS = {1: "N", 2: (9.0, 47.0, 30.0), 3: "E", 4: (105.0, 28.0, 12.0)}  # GPSInfo tags of a phone photo
SPEED_CSV = (
    "Thời gian,Nhà mạng,Công nghệ,Vĩ độ,Kinh độ,Tải xuống (Mbps),Tải lên (Mbps),Độ trễ (ms)\n"
    "2025-11-02 18:40,Viettel,4G,9.7842,105.4701,0.8,0.2,145\n"
    "2025-11-02 18:45,Viettel,4G,9.7843,105.4702,1.1,0.3,130\n"
).encode()


def seed_challenges(conn) -> None:
    """Two public reports in the test database from the start (tests/conftest.py), so that every
    published layer has features: one open, one accepted for Viettel and confirmed by measurements."""
    conn.execute(
        text(
            "INSERT INTO challenges (token_sha256, proof_sha256, kind, operator_id, technology, observed_at, "
            "hamlet_id, status, measured, client_ip, geom) "
            "SELECT md5(h.code) || md5('token'), md5(h.code) || md5('proof'), x.kind, o.id, '4G', "
            "now() - interval '3 days', h.id, x.status, x.measured, '192.0.2.1', "
            "ST_PointOnSurface(h.geom) FROM (VALUES (30, 'no_signal', 'open', false), "
            "(31, 'weak_signal', 'accepted', true)) x(n, kind, status, measured) "
            "JOIN LATERAL (SELECT * FROM admin_units WHERE level = 'hamlet' AND valid_to IS NULL "
            "ORDER BY code OFFSET x.n LIMIT 1) h ON true, operators o WHERE o.short_name = 'Viettel'"
        )
    )
    conn.execute(
        text(
            "INSERT INTO challenge_steps (challenge_id, step, side, operator_id, deadline) "
            "SELECT id, 'filed', 'public', NULL, NULL FROM challenges "
            "UNION ALL SELECT id, 'accepted', 'department', operator_id, CURRENT_DATE + 60 FROM challenges "
            "WHERE status = 'accepted' UNION ALL SELECT id, 'measured', 'department', NULL, NULL "
            "FROM challenges WHERE measured"
        )
    )
    conn.execute(
        text(
            "INSERT INTO challenge_operators (challenge_id, operator_id, status, deadline) "
            "SELECT id, operator_id, status, CURRENT_DATE + 60 FROM challenges WHERE status = 'accepted'"
        )
    )


def spot(engine, offset: int = 0) -> tuple[float, float, str, str]:
    """A point inside a hamlet in force (lon, lat, hamlet code, commune code), the ``offset``-th one."""
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT ST_X(p), ST_Y(p), h.code, c.code FROM (SELECT h.id, ST_PointOnSurface(h.geom) AS p "
                "FROM admin_units h WHERE h.level = 'hamlet' AND h.valid_to IS NULL ORDER BY h.code "
                "OFFSET :o LIMIT 1) x JOIN admin_units h ON h.id = x.id JOIN admin_units c ON c.id = h.parent_id"
            ),
            {"o": offset},
        ).one()
    return row[0], row[1], row[2], row[3]


def proof() -> str:
    return solve_proof(
        int(datetime.now(UTC).timestamp()), uuid.uuid4().hex, get_settings().challenge_proof_bits
    )


def report(lon, lat, **fields) -> dict:
    """A report's form fields as the page sends them (a fresh proof of work each)."""
    observed = (datetime.now(UTC) - timedelta(days=2)).isoformat()
    return {
        "kind": "no_signal",
        "technology": "4G",
        "operator": "Viettel",
        "observed_at": observed,
        "lon": str(lon),
        "lat": str(lat),
        "description": "Trong nhà không gọi được, ra đầu ngõ mới có 1 vạch",
        "contact_name": "Nguyễn Thị Lan",
        "contact_phone": "0912 345 678",
        "contact_email": "lan.nguyen@example.vn",
        "website": "",
        "proof": proof(),
        **fields,
    }


def file(client, lon, lat, files=None, **fields):
    """POST a report; ``fields`` override the form's (``lon``/``lat`` given as "" leave the spot out)."""
    return client.post("/api/challenges", data=report(lon, lat, **fields), files=files)


@pytest.fixture(scope="module")
def public(app_instance):
    """Anonymous visitors, each from an address of its own (the limit is per address)."""
    made = []

    def make(address: str | None = None) -> TestClient:
        c = TestClient(app_instance, client=(address or f"198.51.100.{len(made) + 1}", 50000))
        made.append(c)
        return c

    return make


def _count(engine, table: str = "challenges") -> int:
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def _track(client, token):
    r = client.get("/api/challenges/track", headers={"X-Challenge-Token": token})
    assert r.status_code == 200, r.text
    return r.json()


def test_a_report_is_filed_without_an_account_and_tracked_by_its_private_link(public, engine):
    lon, lat, hamlet, commune = spot(engine)
    c = public()
    r = file(c, lon, lat)
    assert r.status_code == 201, r.text
    filed = r.json()
    assert filed["status"] == "open" and filed["code"].startswith("KN-") and len(filed["token"]) >= 32
    seen = _track(c, filed["token"])
    assert (seen["code"], seen["status"], seen["phase"], seen["hamlet_code"], seen["commune_code"]) == (
        filed["code"],
        "open",
        "open",
        hamlet,
        commune,
    )
    assert [(s["step"], s["side"]) for s in seen["steps"]] == [("filed", "public")]
    assert "Lan" not in r.text + str(seen) and "0912" not in str(seen)
    # Only the token's hash is kept; the audit names the public, never a user.
    with engine.connect() as conn:
        kept = conn.execute(
            text("SELECT token_sha256 FROM challenges WHERE code = :c"), {"c": filed["code"]}
        ).scalar_one()
        actors = set(
            conn.execute(
                text(
                    "SELECT actor FROM audit_log WHERE entity IN ('challenges', 'challenge_steps') "
                    "AND after->>'id' IS NOT NULL AND (after->>'code' = :c OR after->>'challenge_id' = "
                    "(SELECT id::text FROM challenges WHERE code = :c))"
                ),
                {"c": filed["code"]},
            ).scalars()
        )
    assert filed["token"] not in kept and actors == {"public"}
    # A wrong or missing token: 404, the same answer.
    assert c.get("/api/challenges/track", headers={"X-Challenge-Token": "x" * 32}).status_code == 404
    assert c.get("/api/challenges/track").status_code == 404


def test_accepted_planned_fixed_and_measured_each_step_visible_to_the_reporter(public, client_as, engine):
    lon, lat, *_ = spot(engine, 1)
    c = public()
    filed = file(c, lon, lat).json()
    code, token = filed["code"], filed["token"]
    planner, viettel, vina = client_as("planner1"), client_as("viettel1"), client_as("vina1")
    # Not yet sent: the operator does not see it.
    assert viettel.get(f"/api/challenges/{code}").status_code == 404
    assert code not in {x["code"] for x in viettel.get("/api/challenges").json()["challenges"]}
    r = planner.post(f"/api/challenges/{code}/decision", json={"accept": True, "reason": "Khớp với mô hình"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "accepted"
    assert r.json()["deadline"] == (clock.today() + timedelta(days=60)).isoformat() or abs(
        date.fromisoformat(r.json()["deadline"]) - clock.today() - timedelta(days=60)
    ) <= timedelta(days=1)
    assert planner.post(f"/api/challenges/{code}/decision", json={"accept": True}).status_code == 409
    # Sent to Viettel: Viettel sees it (without the reporter's contact), VinaPhone does not.
    mine = viettel.get(f"/api/challenges/{code}")
    assert mine.status_code == 200 and mine.json()["contact_phone"] is None
    assert "0912" not in mine.text and "Lan" not in mine.text
    assert vina.get(f"/api/challenges/{code}").status_code == 404
    assert vina.post(f"/api/challenges/{code}/answer", json={"answer": "fixed"}).status_code == 404
    assert code not in {x["code"] for x in vina.get("/api/challenges").json()["challenges"]}
    planned_on = (clock.today() + timedelta(days=30)).isoformat()
    r = viettel.post(
        f"/api/challenges/{code}/answer",
        json={"answer": "planned", "planned_on": planned_on, "note": "Lắp thêm trạm BTS ấp"},
    )
    assert r.status_code == 200 and r.json()["status"] == "planned" and r.json()["phase"] == "accepted", (
        r.text
    )
    r = viettel.post(
        f"/api/challenges/{code}/answer", json={"answer": "fixed", "note": "Đã phát sóng trạm mới"}
    )
    assert r.status_code == 200 and r.json()["status"] == "fixed" and r.json()["resolved_at"], r.text
    assert viettel.post(f"/api/challenges/{code}/answer", json={"answer": "fixed"}).status_code == 409
    r = planner.post(f"/api/challenges/{code}/measured", json={"note": "Đo kiểm ngày 05/12"})
    assert r.status_code == 200 and r.json()["measured"] is True, r.text
    assert planner.post(f"/api/challenges/{code}/measured", json={}).status_code == 409
    seen = _track(c, token)
    assert [(s["step"], s["side"]) for s in seen["steps"]] == [
        ("filed", "public"),
        ("accepted", "department"),
        ("planned", "operator"),
        ("fixed", "operator"),
        ("measured", "department"),
    ]
    assert seen["steps"][2]["planned_on"] == planned_on and seen["steps"][1]["operator"] == "Viettel"
    assert "planner1" not in str(seen) and "viettel1" not in str(seen)
    # The audit log names the staff (internally).
    with engine.connect() as conn:
        actors = set(
            conn.execute(
                text(
                    "SELECT actor FROM audit_log WHERE entity = 'challenges' AND action = 'update' "
                    "AND after->>'code' = :c"
                ),
                {"c": code},
            ).scalars()
        )
    assert actors == {"planner1", "viettel1"}


def test_reject_needs_a_reason_and_a_rejected_report_leaves_the_map(public, client_as, anon_client, engine):
    lon, lat, *_ = spot(engine, 2)
    c = public()
    filed = file(c, lon, lat).json()
    code = filed["code"]
    planner = client_as("planner1")
    items = anon_client.get("/ogc/collections/challenges/items?limit=1000").json()["features"]
    assert code in {f["properties"]["code"] for f in items}
    steps = _count(engine, "challenge_steps")
    r = planner.post(f"/api/challenges/{code}/decision", json={"accept": False, "reason": "  "})
    assert r.status_code == 422 and _count(engine, "challenge_steps") == steps
    r = planner.post(
        f"/api/challenges/{code}/decision", json={"accept": False, "reason": "Trùng phản ánh KN-1"}
    )
    assert r.status_code == 200 and r.json()["status"] == "rejected", r.text
    assert (
        client_as("viettel1").post(f"/api/challenges/{code}/answer", json={"answer": "fixed"}).status_code
        == 404
    )
    assert planner.post(f"/api/challenges/{code}/measured", json={}).status_code == 409
    items = anon_client.get("/ogc/collections/challenges/items?limit=1000").json()["features"]
    assert code not in {f["properties"]["code"] for f in items}
    seen = _track(c, filed["token"])
    assert seen["steps"][-1]["step"] == "rejected" and seen["steps"][-1]["note"] == "Trùng phản ánh KN-1"


def test_dispute_needs_evidence_and_a_plan_needs_a_future_day(public, client_as, engine):
    lon, lat, *_ = spot(engine, 3)
    code = file(public(), lon, lat).json()["code"]
    planner, viettel = client_as("planner1"), client_as("viettel1")
    assert planner.post(f"/api/challenges/{code}/decision", json={"accept": True}).status_code == 200
    steps = _count(engine, "challenge_steps")
    past = (clock.today() - timedelta(days=1)).isoformat()
    for body in (
        {"answer": "disputed"},
        {"answer": "disputed", "note": " "},
        {"answer": "planned"},
        {"answer": "planned", "planned_on": past},
        {"answer": "nothing"},
    ):
        r = viettel.post(f"/api/challenges/{code}/answer", json=body)
        assert r.status_code in (400, 422), (body, r.text)  # 400: not in the schema; 422: refused by a rule
    assert _count(engine, "challenge_steps") == steps
    r = viettel.post(
        f"/api/challenges/{code}/answer",
        json={"answer": "disputed", "note": "Đo kiểm 03/12: RSRP -92 dBm trong nhà, tải xuống 18 Mbps"},
    )
    assert r.status_code == 200 and r.json()["status"] == "disputed" and r.json()["phase"] == "resolved"
    # Only an operator answers; the Department decides.
    assert planner.post(f"/api/challenges/{code}/answer", json={"answer": "fixed"}).status_code == 403
    assert viettel.post(f"/api/challenges/{code}/decision", json={"accept": True}).status_code == 403


def test_overdue_challenges_are_escalated_for_the_department(public, client_as, engine):
    lon, lat, *_ = spot(engine, 4)
    code = file(public(), lon, lat, operator="").json()["code"]
    planner = client_as("planner1")
    # Reported without an operator: the Department names one when it accepts.
    r = planner.post(f"/api/challenges/{code}/decision", json={"accept": True})
    assert r.status_code == 422 and r.json()["problems"][0]["field"] == "operator"
    r = planner.post(
        f"/api/challenges/{code}/decision", json={"accept": True, "operator": "VinaPhone", "deadline_days": 5}
    )
    assert r.status_code == 200 and r.json()["operator"] == "VinaPhone" and not r.json()["escalated"]
    assert code not in {x["code"] for x in planner.get("/api/challenges?escalated=true").json()["challenges"]}
    with engine.begin() as conn:  # five days later, unanswered
        conn.execute(
            text(
                "UPDATE challenge_operators SET deadline = CURRENT_DATE - 1 "
                "WHERE challenge_id = (SELECT id FROM challenges WHERE code = :c)"
            ),
            {"c": code},
        )
    listed = planner.get("/api/challenges?escalated=true").json()["challenges"]
    assert code in {x["code"] for x in listed} and all(x["escalated"] for x in listed)
    assert client_as("vina1").get(f"/api/challenges/{code}").json()["escalated"] is True


def _bad_reports(hamlet_code):
    out_lon, out_lat = 106.70, 10.78  # Hồ Chí Minh City: outside the province
    return [
        ("no_fibre with 4G", {"kind": "no_fibre"}, 422),
        ("no_signal with fixed", {"technology": "fixed"}, 422),
        ("unknown kind", {"kind": "mất điện"}, 400),
        ("outside", {"at": (out_lon, out_lat)}, 422),
        ("no place", {"at": ("", "")}, 422),
        ("unknown hamlet", {"at": ("", ""), "hamlet": "99999"}, 422),
        ("unknown operator", {"operator": "Mobifone Global"}, 422),
        ("future", {"observed_at": (datetime.now(UTC) + timedelta(days=1)).isoformat()}, 422),
        ("long ago", {"observed_at": "2020-01-01T08:00:00+07:00"}, 422),
        ("bad phone", {"contact_phone": "gọi tôi"}, 422),
        ("bad email", {"contact_email": "lan@"}, 422),
        ("honeypot", {"website": "http://spam.example"}, 422),
        ("no proof", {"proof": ""}, 400),
        ("weak proof", {"proof": f"{int(datetime.now(UTC).timestamp())}:{uuid.uuid4().hex}:0"}, 422),
        ("stale proof", {"proof": solve_proof(1_600_000_000, uuid.uuid4().hex, 16)}, 422),
        ("latitude", {"at": (105.5, 95)}, 400),
    ]


def test_bad_input_is_refused_and_nothing_is_written(public, engine):
    lon, lat, hamlet, _ = spot(engine, 5)
    c = public()
    before = [_count(engine, t) for t in ("challenges", "challenge_steps", "challenge_contacts")]
    for name, fields, status in _bad_reports(hamlet):
        at = fields.pop("at", (lon, lat))
        r = file(c, *at, **fields)
        assert r.status_code == status, (name, r.text)
        assert r.json().get("code"), name
    # A proof is good once.
    used = proof()
    assert file(c, lon, lat, proof=used).status_code == 201
    r = file(c, lon, lat, proof=used)
    assert r.status_code == 409 and r.json()["problems"][0]["code"] == "challenge.proof_used"
    after = [_count(engine, t) for t in ("challenges", "challenge_steps", "challenge_contacts")]
    assert after == [n + 1 for n in before]


def test_a_hamlet_may_be_reported_instead_of_a_spot(public, engine):
    _, _, hamlet, commune = spot(engine, 6)
    c = public()
    r = file(c, "", "", hamlet=hamlet, kind="no_fibre", technology="fixed", operator="VNPT")
    assert r.status_code == 201, r.text
    seen = _track(c, r.json()["token"])
    assert (seen["hamlet_code"], seen["commune_code"], seen["kind"]) == (hamlet, commune, "no_fibre")


def test_the_per_address_limit(public, engine):
    lon, lat, *_ = spot(engine, 7)
    c = public("203.0.113.77")
    limit = get_settings().challenge_max_per_ip
    for i in range(limit):
        assert file(c, lon, lat).status_code == 201, i
    before = _count(engine)
    r = file(c, lon, lat)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0, r.text
    assert r.json()["problems"][0]["code"] == "challenge.too_many"
    assert _count(engine) == before
    # Another address is not held back.
    assert file(public("203.0.113.78"), lon, lat).status_code == 201


def _jpeg_with_gps() -> bytes:
    img = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "Samsung"  # Make
    exif[0x0110] = "Galaxy A15"  # Model
    exif[0x0112] = 6  # Orientation: rotate 90° to show upright
    exif.get_ifd(0x8825).update(VIETTEL_GPS)
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)  # the fixture carries a position
    return data


def _attachment(client_as, code: str):
    r = client_as("planner1").get(f"/api/challenges/{code}/attachment")
    assert r.status_code == 200, r.text
    return r


def test_a_photo_is_kept_without_its_metadata(public, client_as, engine):
    lon, lat, *_ = spot(engine, 8)
    files = {"file": ("Ảnh nhà 02-11.jpg", _jpeg_with_gps(), "image/jpeg")}
    r = file(public(), lon, lat, files=files)
    assert r.status_code == 201, r.text
    kept = _attachment(client_as, r.json()["code"])
    assert kept.headers["content-type"] == "image/jpeg"
    assert (
        kept.headers["content-disposition"] == 'attachment; filename="anh_nha_02-11.jpg"'
    )  # ASCII, nothing to unquote
    img = Image.open(io.BytesIO(kept.content))
    assert img.format == "JPEG" and not img.getexif() and b"Exif" not in kept.content
    assert b"Samsung" not in kept.content and b"Galaxy" not in kept.content
    assert img.size == (48, 64)  # turned upright as its orientation said, before the tag went
    # The operator concerned may see the evidence once it is sent; the other may not.
    code = r.json()["code"]
    assert client_as("viettel1").get(f"/api/challenges/{code}/attachment").status_code == 404
    client_as("planner1").post(f"/api/challenges/{code}/decision", json={"accept": True})
    assert client_as("viettel1").get(f"/api/challenges/{code}/attachment").status_code == 200
    assert client_as("vina1").get(f"/api/challenges/{code}/attachment").status_code == 404


def test_a_png_loses_its_text_chunks(public, client_as, engine):
    from PIL import PngImagePlugin

    lon, lat, *_ = spot(engine, 9)
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "chụp tại nhà ông Tư, số 12")
    out = io.BytesIO()
    Image.new("RGB", (10, 10), (0, 90, 200)).save(out, "PNG", pnginfo=info)
    r = file(public(), lon, lat, files={"file": ("anh.png", out.getvalue(), "image/png")})
    assert r.status_code == 201, r.text
    kept = _attachment(client_as, r.json()["code"]).content
    assert (
        Image.open(io.BytesIO(kept)).format == "PNG" and "ông Tư".encode() not in kept and b"tEXt" not in kept
    )


def test_speed_test_exports_are_taken_as_csv_or_json(public, client_as, engine):
    lon, lat, *_ = spot(engine, 10)
    c = public()
    r = file(c, lon, lat, files={"file": ("speedtest.csv", SPEED_CSV, "text/csv")})
    assert r.status_code == 201, r.text
    kept = _attachment(client_as, r.json()["code"])
    assert kept.headers["content-type"].startswith("text/csv") and kept.content == SPEED_CSV
    as_json = b'{"download": {"bandwidth": 120000}, "upload": {"bandwidth": 40000}, "isp": "Viettel"}'
    r = file(c, lon, lat, files={"file": ("ket-qua.json", as_json, "application/json")})
    assert r.status_code == 201, r.text


def test_bad_attachments_are_refused_and_nothing_is_written(public, engine, monkeypatch):
    lon, lat, *_ = spot(engine, 11)
    c = public()
    before = _count(engine)
    broken_jpeg = b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF" + b"\x13" * 500
    html_as_png = b"<html><script>alert(1)</script></html>"
    gif = io.BytesIO()
    Image.new("RGB", (4, 4)).save(gif, "GIF")
    for name, content, status in (
        ("anh.jpg", broken_jpeg, 422),  # says JPEG, is not one
        ("anh.png", html_as_png, 422),  # named .png, is neither an image nor a speed test
        ("anh.gif", gif.getvalue(), 422),  # an image, not one we take
        ("trong.csv", b"", 422),
        ("mot-cot.csv", b"chi_mot_cot\n1\n", 422),
    ):
        r = file(c, lon, lat, files={"file": (name, content, "application/octet-stream")})
        assert r.status_code == status, (name, r.text)
    monkeypatch.setattr(get_settings(), "challenge_max_attachment_bytes", 1024)
    r = file(c, lon, lat, files={"file": ("lon.csv", SPEED_CSV * 20, "text/csv")})
    assert r.status_code == 413, r.text
    assert _count(engine) == before


def test_the_department_sees_the_model_and_the_measurements_at_the_spot(public, client_as, engine):
    with engine.connect() as conn:  # a spot with a speed test close by
        lon, lat = conn.execute(
            text("SELECT ST_X(geom) + 0.001, ST_Y(geom) FROM speed_tests ORDER BY code LIMIT 1")
        ).one()
    code = file(public(), lon, lat).json()["code"]
    detail = client_as("planner1").get(f"/api/challenges/{code}")
    assert detail.status_code == 200, detail.text
    body = detail.json()
    assert body["contact_phone"] == "0912 345 678" and body["contact_name"] == "Nguyễn Thị Lan"
    with engine.connect() as conn:
        bands = conn.execute(
            text(
                "SELECT coalesce(o.short_name, 'all'), p.tech_class, p.band FROM coverage_parts p "
                "LEFT JOIN operators o ON o.id = p.operator_id "
                "WHERE ST_Intersects(p.geom, ST_SetSRID(ST_Point(:x, :y), 4326)) ORDER BY 1, 2, 3"
            ),
            {"x": lon, "y": lat},
        ).all()
        near = conn.execute(
            text(
                "SELECT code FROM speed_tests WHERE ST_DWithin(geom::geography, "
                "ST_SetSRID(ST_Point(:x, :y), 4326)::geography, 1000)"
            ),
            {"x": lon, "y": lat},
        ).scalars()
        zones = conn.execute(
            text("SELECT kind FROM dead_zones WHERE ST_Intersects(geom, ST_SetSRID(ST_Point(:x, :y), 4326))"),
            {"x": lon, "y": lat},
        ).scalars()
        near, zones = set(near), sorted(zones)
    assert bands, "the sample's live run covers the spot"
    assert [(b["operator"], b["tech_class"], b["band"]) for b in body["model"]["bands"]] == [
        tuple(b) for b in bands
    ]
    assert body["model"]["dead_zones"] == zones
    assert {t["code"] for t in body["speed_tests"]} == set(list(near)[:20]) or len(near) > 20
    assert body["speed_tests"][0]["distance_m"] == pytest.approx(110, abs=10)  # 0.001° of longitude at 9.8°N


def test_private_data_stays_out_of_every_public_output(public, client_as, anon_client, engine):
    lon, lat, *_ = spot(engine, 12)
    r = file(public(), lon, lat, contact_name="Trần Văn Bảy", contact_phone="0987 111 222")
    code = r.json()["code"]
    outputs = [
        anon_client.get("/ogc/collections/challenges/items?limit=1000").text,
        anon_client.get(f"/ogc/collections/challenges/items/{code}").text,
        anon_client.get("/api/export/challenges?format=csv").text,
        client_as("planner1").get("/api/export/challenges?format=geojson").text,
        anon_client.get("/api/challenges/summary").text,
    ]
    for text_out in outputs:
        assert code in text_out or "by_commune" in text_out
        for secret in ("Bảy", "0987", "example.vn", "Trong nhà", "198.51.100"):
            assert secret not in text_out
    assert not set(anon_client.get("/ogc/collections/challenges/queryables").json()["properties"]) & {
        "contact_name",
        "contact_phone",
        "description",
        "client_ip",
    }
    # The queue is the Department's and the operators'.
    assert anon_client.get("/api/challenges").status_code == 401
    assert client_as("official1").get("/api/challenges").status_code == 403
    assert anon_client.get(f"/api/challenges/{code}").status_code == 401


def test_the_dashboard_counts_per_commune_and_operator_with_the_median_days_to_resolve(
    public, client_as, engine
):
    lon, lat, _, commune = spot(engine, 13)
    planner, vina = client_as("planner1"), client_as("vina1")
    codes = [file(public(), lon, lat, operator="VinaPhone").json()["code"] for _ in range(3)]
    for code in codes[:2]:
        planner.post(f"/api/challenges/{code}/decision", json={"accept": True})
        vina.post(f"/api/challenges/{code}/answer", json={"answer": "fixed"})
    with engine.begin() as conn:  # resolved after 4 and 10 days
        for code, days in zip(codes[:2], (4, 10), strict=True):
            conn.execute(
                text(
                    "UPDATE challenges SET filed_at = resolved_at - make_interval(days => :d) WHERE code = :c"
                ),
                {"c": code, "d": days},
            )
    summary = client_as("official1").get("/api/challenges/summary").json()
    (row,) = [r for r in summary["by_commune"] if r["code"] == commune]
    with engine.connect() as conn:
        open_here = conn.execute(
            text(
                "SELECT count(*) FROM challenges c JOIN admin_units h ON h.id = c.hamlet_id "
                "JOIN admin_units m ON m.id = h.parent_id WHERE m.code = :m AND c.status = 'open'"
            ),
            {"m": commune},
        ).scalar_one()
    # The only resolved ones there: 4 and 10 days, a median of 7.
    assert (row["open"], row["resolved"], row["median_days_to_resolve"]) == (open_here, 2, 7.0)
    with engine.connect() as conn:
        expected = conn.execute(
            text(
                "SELECT count(*) FILTER (WHERE c.status = 'open'), count(*) FILTER (WHERE coalesce(co.status, "
                "c.status) IN ('fixed', 'disputed')) FROM challenges c LEFT JOIN challenge_operators co "
                "ON co.challenge_id = c.id "
                "JOIN operators o ON o.id = coalesce(co.operator_id, c.operator_id) WHERE o.short_name = 'VinaPhone'"
            )
        ).one()
    (vn,) = [r for r in summary["by_operator"] if r["code"] == "VinaPhone"]
    assert (vn["open"], vn["resolved"]) == tuple(expected)


def test_the_form_offers_the_operators_and_says_the_proofs_difficulty(anon_client, engine):
    form = anon_client.get("/api/challenges/form").json()
    with engine.connect() as conn:
        named = set(
            conn.execute(text("SELECT short_name FROM operators WHERE kind IN ('mobile', 'fixed')")).scalars()
        )
    assert {o["short_name"] for o in form["operators"]} == named and {"Viettel", "VNPT"} <= named
    assert form["proof_bits"] == get_settings().challenge_proof_bits
