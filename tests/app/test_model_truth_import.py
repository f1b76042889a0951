"""Speed tests carry the phone's signal strength (RSRP, dBm) from the headers operators and apps
really write; an impossible or unreadable level refuses the file, with nothing written."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.services.imports.importer import ImportFailed, import_file
from tests.app.importing import placed, write_csv
from tests.conftest import bearer
from tests.fixtures.real_files import position

# An operator's drive-test summary as its engineers save it from Excel: Vietnamese headers,
# decimal commas, local times.
VI_HEADER = [
    "Thời gian",
    "Vĩ độ",
    "Kinh độ",
    "Nhà mạng",
    "Loại mạng",
    "Tốc độ tải xuống (Mbps)",
    "Tốc độ tải lên (Mbps)",
    "Độ trễ (ms)",
    "Cường độ tín hiệu (dBm)",
]
VI_ROWS = [
    ["2025-04-02 08:10:00+07:00", "Viettel", "4G", "42,5", "11,2", "31", "-97,5"],
    ["2025-04-02 08:14:30+07:00", "Vinaphone", "LTE", "18,0", "4,1", "45", "-112"],
    ["2025-04-02 08:20:00+07:00", "MobiFone", "5G", "310", "55", "12", ""],  # no level: allowed
]


def _vi_file(path, rows=VI_ROWS, start=60):
    out = []
    for i, (at, *rest) in enumerate(rows):
        lon, lat = position(start + i)
        out.append([at, f"{lat}".replace(".", ","), f"{lon}".replace(".", ","), *rest])
    return write_csv(path, VI_HEADER, out)


def _levels(engine, since: str) -> list:
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT technology, rsrp_dbm FROM speed_tests WHERE code LIKE 'ST-%' AND measured_at >= CAST(:s AS date) "
                "AND measured_at < CAST(:s AS date) + 1 ORDER BY measured_at"
            ),
            {"s": since},
        ).all()


def test_vietnamese_export_with_decimal_commas_keeps_the_signal(db, tmp_path):
    report = import_file(db, _vi_file(tmp_path / "do_kiem.csv"), "speed_tests")
    assert report.counts == {"speed_tests": 3}
    assert _levels(db, "2025-04-02") == [("4G", -97.5), ("4G", -112.0), ("5G", None)]


SIGNAL_HEADERS = [
    "RSRP (dBm)",
    "rsrp",
    "Signal strength",
    "signal_strength",
    "SS-RSRP (dBm)",
    "Mức tín hiệu (dBm)",
]


@pytest.mark.parametrize("header", SIGNAL_HEADERS)
def test_the_headers_apps_write_for_the_signal(db, tmp_path, header):
    """Ookla / nPerf / G-NetTrack-style English exports and Vietnamese variants, one column each."""
    i = SIGNAL_HEADERS.index(header)
    at = f"2025-05-10T09:{i:02d}:00+07:00"
    lon, lat = position(70 + i)
    path = write_csv(
        tmp_path / "export.csv",
        ["timestamp", "latitude", "longitude", "carrier", "network_type", "download", "upload", header],
        [[at, lat, lon, "Viettel", "LTE", 25.3, 6.2, -101 - i]],
    )
    assert import_file(db, path, "speed_tests").counts == {"speed_tests": 1}
    with db.connect() as conn:
        level = conn.execute(text("SELECT rsrp_dbm FROM speed_tests WHERE measured_at = :t"), {"t": at})
        assert level.scalar_one() == -101.0 - i


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("+20", "value.out_of_range"),  # a transmitter's power, not a received level
        ("-160", "value.out_of_range"),  # below the reporting range of 3GPP TS 38.133
        ("mạnh", "value.not_a_number"),
    ],
)
def test_an_impossible_level_refuses_the_file(db, tmp_path, value, code):
    rows = [VI_ROWS[0][:-1] + ["-90"], VI_ROWS[1][:-1] + [value]]
    rows = [[f"2025-06-0{len(value)}" + r[0][10:], *r[1:]] for r in rows]
    with pytest.raises(ImportFailed) as err:
        import_file(db, _vi_file(tmp_path / "sai.csv", rows, start=80), "speed_tests")
    assert placed(err.value.details) == [("sai.csv", 3, "rsrp_dbm", code)]
    assert _levels(db, f"2025-06-0{len(value)}") == []  # the good row is not written either


def test_a_level_on_a_fixed_line_is_refused(db, tmp_path):
    rows = [["2025-07-01 20:00:00+07:00", "VNPT", "FTTH", "95", "90", "4", "-80"]]
    with pytest.raises(ImportFailed) as err:
        import_file(db, _vi_file(tmp_path / "codinh.csv", rows, start=90), "speed_tests")
    assert placed(err.value.details) == [("codinh.csv", 2, "rsrp_dbm", "speed_test.signal_on_fixed")]
    assert "cố định" in err.value.sentences("vi")[0]


def test_the_upload_answers_422_and_writes_nothing(db, tmp_path, monkeypatch, tokens):
    from app.main import create_app
    from app.routers import imports

    monkeypatch.setattr(imports, "get_engine", lambda: db)
    client = TestClient(create_app(), headers=bearer(tokens["planner1"]))
    rows = [["2025-08-01 10:00:00+07:00", "Viettel", "4G", "30", "8", "20", "+20"]]
    body = _vi_file(tmp_path / "api.csv", rows, start=95).read_bytes()
    r = client.post("/api/import?target=speed_tests", files={"file": ("do.csv", body, "text/csv")})
    assert r.status_code == 422, r.text
    [detail] = r.json()["details"]
    assert (detail["code"], detail["field"], detail["row"]) == ("value.out_of_range", "rsrp_dbm", 2)
    assert _levels(db, "2025-08-01") == []
