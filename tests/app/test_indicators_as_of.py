"""Indicators as of a day: the tiny province of test_indicators with dated infrastructure (numbers
derived by hand), closing a quarter as of its last day, trends of open past quarters, the API's
``as_of``, the sample province's office connections, dated pole imports and the audit backfill."""

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import dbadmin
from app.db import get_engine, new_engine
from app.errors import InvalidParameter
from app.services.clock import today
from app.services.coverage import dated
from app.services.imports.importer import ImportFailed, import_file
from app.services.reports import periods, trends
from app.services.reports.indicators import indicators_report
from tests.app.importing import LAT, LON, SAMPLE, count, placed, write_csv

# ---------------------------------------------------------------- the tiny province, dated
# District 930 holds 10 active sites (3 with two tenants), 4 poles (2 shared), ducts D-A (shared),
# D-B, D-C (shared, crosses into 931), D-E; office U1 (930) is connected, U2 (931) is not; no dates.


def _site(conn, code: str, lon: float, tenants: list[str], **dates) -> None:
    status = dates.pop("status", "active")
    site = conn.execute(
        text(
            "INSERT INTO sites (code, structure_type, owner_id, status, commissioned_on, decommissioned_on, geom) "
            "VALUES (:code, 'tower', (SELECT id FROM operators WHERE short_name = 'A'), :status, :on, :off, "
            "ST_SetSRID(ST_MakePoint(:lon, 9.806), 4326)) RETURNING id"
        ),
        dict(code=code, status=status, on=dates.get("on"), off=dates.get("off"), lon=lon),
    ).scalar_one()
    for name in tenants:
        conn.execute(
            text("INSERT INTO site_tenancies SELECT :s, id FROM operators WHERE short_name = :o"),
            dict(s=site, o=name),
        )


def _indicator(engine, level: str, code: str, key: str, period: str | None = None, as_of=None) -> tuple:
    with Session(engine) as session:
        body = indicators_report(session, level, period, code, as_of=as_of)
    found = next(i for i in body["units"][0]["indicators"] if i["id"] == key)
    return found["value"], found["numerator"], found["denominator"]


def test_sites_count_from_commissioning_to_decommissioning(tiny):
    with tiny.begin() as conn:
        _site(conn, "S-2025", 105.5121, ["A", "B"], on=date(2025, 1, 15))
        _site(
            conn, "S-OLD", 105.5122, [], on=date(2024, 6, 1), off=date(2025, 2, 10), status="decommissioned"
        )
        # Decommissioned on an unknown day: not known to have been active on any day.
        _site(conn, "S-GONE", 105.5123, ["A", "B"], on=date(2020, 1, 1), status="decommissioned")
    sites = lambda *a, **k: _indicator(tiny, "district", "930", "bts_site_sharing", *a, **k)  # noqa: E731
    assert sites("2024-Q4") == (27.3, 3, 11)  # the 10 undated + S-OLD; S-2025 not yet
    assert sites("2025-Q1") == (36.4, 4, 11)  # S-2025 in, S-OLD out (10 February)
    assert sites(as_of=date(2025, 1, 14)) == (27.3, 3, 11)
    assert sites(as_of=date(2025, 1, 15)) == (33.3, 4, 12)
    assert sites(as_of=date(2025, 2, 10)) == (36.4, 4, 11)
    assert sites() == sites(as_of=today()) == (36.4, 4, 11)


def test_offices_count_from_their_connection(tiny):
    with tiny.begin() as conn:
        conn.execute(
            text(
                "UPDATE commune_offices SET gov_network_connected = true, connected_on = '2025-02-01' "
                "WHERE code = 'U2'"
            )
        )
    offices = lambda *a, **k: _indicator(tiny, "province", "93", "commune_gov_network", *a, **k)  # noqa: E731
    assert offices("2024-Q4") == (50.0, 1, 2)
    assert _indicator(tiny, "district", "931", "commune_gov_network", "2024-Q4") == (0.0, 0, 1)
    assert offices(as_of=date(2025, 1, 31)) == (50.0, 1, 2)
    assert offices("2025-Q1") == (100.0, 2, 2)
    with tiny.begin() as conn:  # U1 cut off on 1 March 2025 (exclusive): connected until 28 February
        conn.execute(
            text(
                "UPDATE commune_offices SET gov_network_connected = false, disconnected_on = '2025-03-01' "
                "WHERE code = 'U1'"
            )
        )
    assert offices(as_of=date(2025, 2, 28)) == (100.0, 2, 2)
    assert offices("2025-Q1") == (50.0, 1, 2)


def test_poles_and_ducts_count_while_in_service(tiny):
    with tiny.begin() as conn:
        pole = conn.execute(
            text(
                "INSERT INTO poles (code, owner_id, in_service_from, geom) "
                "SELECT 'P-NEW', id, '2025-05-01', ST_SetSRID(ST_MakePoint(105.507, 9.815), 4326) "
                "FROM operators WHERE short_name = 'C' RETURNING id"
            )
        ).scalar_one()
        conn.execute(
            text("INSERT INTO pole_attachments (pole_id, operator_id) SELECT :p, id FROM operators"),
            {"p": pole},
        )
        conn.execute(text("UPDATE duct_routes SET in_service_to = '2025-04-01' WHERE code = 'D-B'"))
    poles = lambda *a, **k: _indicator(tiny, "district", "930", "pole_sharing", *a, **k)  # noqa: E731
    ducts = lambda *a, **k: _indicator(tiny, "district", "930", "duct_sharing", *a, **k)  # noqa: E731
    assert poles("2025-Q1") == (50.0, 2, 4)
    assert poles(as_of=date(2025, 4, 30)) == (50.0, 2, 4)
    assert poles("2025-Q2") == (60.0, 3, 5)
    assert ducts("2025-Q1") == (50.0, 2, 4)  # D-A, D-B, D-C, D-E
    assert ducts("2025-Q2") == (66.7, 2, 3)  # D-B out of service since 1 April
    with tiny.begin() as conn, pytest.raises(IntegrityError, match="poles_in_service"):
        conn.execute(text("UPDATE poles SET in_service_to = '2025-05-01' WHERE code = 'P-NEW'"))


def _records(units: list[dict]) -> dict:
    return {
        u["code"]: {i["id"]: i for i in json.loads(json.dumps(u["indicators"], default=str))} for u in units
    }


def test_closing_a_quarter_freezes_its_last_day(tiny):
    with tiny.begin() as conn:  # put up today: after 2024-Q4, however late it is closed
        _site(conn, "S-TODAY", 105.5121, ["A", "B"], on=today())
        conn.execute(
            text(
                "UPDATE commune_offices SET gov_network_connected = true, connected_on = CAST(:d AS date) "
                "WHERE code = 'U2'"
            ),
            {"d": today()},
        )
    # The recomputation reads the coverage run as of that day, which closing computes itself.
    dated.run_dated(tiny, date(2024, 12, 31))
    with Session(tiny) as session:
        recomputed = {
            level: indicators_report(session, level, "2024-Q4", as_of=date(2024, 12, 31))
            for level in ("province", "district", "commune")
        }
        closed = periods.close_period(session, "2024-Q4", closed_by="test")
        assert closed["as_of"] == date(2024, 12, 31)
        frozen = {level: indicators_report(session, level, "2024-Q4") for level in recomputed}
    for level, body in frozen.items():
        assert body["closed"] and body["as_of"] == date(2024, 12, 31)
        assert _records(body["units"]) == _records(recomputed[level]["units"])
    district = _records(frozen["district"]["units"])["930"]
    assert (district["bts_site_sharing"]["numerator"], district["bts_site_sharing"]["denominator"]) == (3, 10)
    assert _records(frozen["province"]["units"])["93"]["commune_gov_network"]["value"] == 50.0
    with tiny.connect() as conn:  # the office snapshot says what was connected then
        assert (
            conn.execute(
                text("SELECT record->>'gov_network_connected' FROM office_snapshots WHERE office_code = 'U2'")
            ).scalar_one()
            == "false"
        )

    with tiny.begin() as conn:  # and a site commissioned today changes nothing of it afterwards
        _site(conn, "S-TODAY-2", 105.5124, ["A", "B"], on=today())
    with Session(tiny) as session:
        assert _records(indicators_report(session, "district", "2024-Q4")["units"]) == _records(
            frozen["district"]["units"]
        )


def test_the_trend_of_an_open_past_quarter_is_its_value_as_of_its_end(tiny):
    with tiny.begin() as conn:
        _site(conn, "S-2025", 105.5121, ["A", "B"], on=date(2025, 1, 15))
        for period in ("2024-Q4", "2025-Q1"):  # statistics make the quarters known to the dashboard
            conn.execute(
                text(
                    "INSERT INTO statistics (admin_unit_id, period, metric, value) "
                    "SELECT id, :p, 'internet_users', 700 FROM admin_units WHERE code = '930'"
                ),
                {"p": period},
            )
    with Session(tiny) as session:
        series = trends.unit_trends(session, "district", "930")
    points = {
        p["period"]: p["value"]
        for p in next(e for e in series["indicators"] if e["id"] == "bts_site_sharing")["points"]
    }
    assert points["2024-Q4"] == 30.0 and points["2025-Q1"] == 36.4  # 3 of 10, then 4 of 11
    for period, value in points.items():
        assert value == _indicator(tiny, "district", "930", "bts_site_sharing", period)[0]


# Fibre access points over the tiny province's hamlets (all 0.02° tall at 9.81° N: 2211 m): Ấp Một
# (105.50–105.51, 1097 m wide) and Ấp Hai (105.51–105.52) in 930, Ấp Ba (105.52–105.54, 2193 m) in 931.
# A 1300 m reach at a 1097 m hamlet's centre holds it whole (half diagonal 1234 m); the neighbour's edge
# is 548 m off, so it reaches at most the segment r²·acos(d/r) − d·√(r² − d²) = 1.27 km² of its
# 2.43 km² (52 %). 1250 m at Ấp Ba's centre: the circle less four edge segments ≤ 0.12 km² each, 91 % of
# it, and ≤ 0.12 km² of Ấp Hai (with F-NEW's 1.27 km²: 57 %).
_ACCESS_POINTS = (  # code, lon, radius, in service from, to (exclusive)
    ("F-KEEP", 105.53, 1250, None, None),  # Ấp Ba, always
    ("F-OLD", 105.515, 1300, date(2024, 6, 1), date(2025, 2, 1)),  # Ấp Hai, until 31 January 2025
    ("F-NEW", 105.505, 1300, date(2025, 4, 10), None),  # Ấp Một, after 2025-Q1's end
)


def test_ftth_counts_the_access_points_in_service_on_the_day(tiny):
    from app.services.coverage.ftth import metric_srid, refresh_ftth

    with tiny.begin() as conn:
        for code, lon, radius_m, start, end in _ACCESS_POINTS:
            conn.execute(
                text(
                    "INSERT INTO fibre_access_points (code, operator_id, kind, ports_total, service_radius_m, "
                    "status, in_service_from, in_service_to, geom) SELECT :code, id, 'odp', 16, :r, 'active', "
                    ":start, :end, ST_SetSRID(ST_MakePoint(:lon, 9.81), 4326) FROM operators WHERE short_name = 'C'"
                ),
                dict(code=code, r=radius_m, start=start, end=end, lon=lon),
            )
        refresh_ftth(conn, metric_srid())  # today's reach, as a coverage run leaves it
        conn.execute(
            text(
                "INSERT INTO coverage_runs (kind, status, finished_at, card) VALUES ('full', 'done', now(), '{}')"
            )
        )
        for period in ("2025-Q1", "2025-Q2"):  # statistics make the quarters known to the dashboard
            conn.execute(
                text(
                    "INSERT INTO statistics (admin_unit_id, period, metric, value) "
                    "SELECT id, :p, 'internet_users', 700 FROM admin_units WHERE code = '93'"
                ),
                {"p": period},
            )
    ftth = lambda *a, **k: _indicator(tiny, "province", "93", "ftth_hamlet_coverage", *a, **k)  # noqa: E731
    assert ftth(as_of=date(2025, 1, 31)) == (66.7, 2, 3)  # Ấp Hai by F-OLD, Ấp Ba by F-KEEP
    assert ftth("2025-Q1") == (33.3, 1, 3)  # F-OLD out since 1 February, F-NEW not yet: Ấp Ba
    assert ftth("2025-Q2") == (66.7, 2, 3)  # F-NEW in: Ấp Một and Ấp Ba
    one = lambda *a, **k: _indicator(tiny, "hamlet", "9300101", "ftth_hamlet_coverage", *a, **k)  # noqa: E731
    assert one("2025-Q1") == (0.0, 0, 1)
    assert one() == (100.0, 1, 1)  # F-NEW counts today
    with Session(tiny) as session:
        series = trends.unit_trends(session, "province", "93")
    points = {
        p["period"]: p["value"]
        for p in next(e for e in series["indicators"] if e["id"] == "ftth_hamlet_coverage")["points"]
    }
    assert (points["2025-Q1"], points["2025-Q2"]) == (33.3, 66.7)

    with Session(tiny) as session:  # closing 2025-Q1 freezes its last day, with the day's dated run
        periods.close_period(session, "2025-Q1", closed_by="test")
    with tiny.begin() as conn:  # an access point reaching Ấp Hai, back-dated after closing: not in it
        conn.execute(text("UPDATE fibre_access_points SET in_service_to = NULL WHERE code = 'F-OLD'"))
    assert ftth("2025-Q1") == (33.3, 1, 3)
    assert ftth(as_of=date(2025, 1, 31)) == (66.7, 2, 3)
    assert ftth("2025-Q2") == (100.0, 3, 3)  # the open quarter follows the correction


def test_as_of_must_not_be_in_the_future_nor_outside_the_period(tiny):
    with Session(tiny) as session:
        with pytest.raises(InvalidParameter) as err:
            indicators_report(session, "district", as_of=today() + timedelta(days=1))
        assert [p.code for p in err.value.reasons] == ["asof.in_future"]
        with pytest.raises(InvalidParameter) as err:
            indicators_report(session, "district", "2025-Q1", as_of=date(2024, 12, 31))
        assert [(p.code, p.params["period"]) for p in err.value.reasons] == [
            ("asof.outside_period", "2025-Q1")
        ]


# ---------------------------------------------------------------- the sample province


def _connected_by(day: date) -> tuple[int, int]:
    """From the sample's own file: offices connected on ``day`` and all offices."""
    offices = [
        f["properties"] for f in json.loads((SAMPLE / "commune_offices.geojson").read_text())["features"]
    ]
    connected = [
        o
        for o in offices
        if o["gov_network_connected"] and (o["connected_on"] is None or o["connected_on"] <= day.isoformat())
    ]
    return len(connected), len(offices)


def test_the_api_counts_the_sample_offices_as_of_a_day(client):
    connected, total = _connected_by(date(2024, 12, 31))
    assert (connected, total) == (65, 76)  # 5 of today's 70 were connected in 2025
    body = client.get("/api/indicators", params={"level": "province", "as_of": "2024-12-31"}).json()
    assert body["as_of"] == "2024-12-31" and body["period"] == "2024-Q4" and not body["closed"]
    assert body["coverage_as_of"] is not None  # the latest run's, later than the figures' day
    network = next(i for i in body["units"][0]["indicators"] if i["id"] == "commune_gov_network")
    assert (network["numerator"], network["denominator"], network["value"]) == (65, 76, 85.5)

    future = client.get("/api/indicators", params={"level": "province", "as_of": "2999-01-01"})
    assert future.status_code == 400
    assert [p["code"] for p in future.json()["problems"]] == ["asof.in_future"]
    outside = client.get(
        "/api/indicators", params={"level": "province", "period": "2025-Q1", "as_of": "2024-12-31"}
    )
    assert outside.status_code == 400 and outside.json()["problems"][0]["code"] == "asof.outside_period"


def test_closing_2024_q4_on_the_sample_counts_the_offices_connected_by_its_end(engine):
    connected, total = _connected_by(date(2024, 12, 31))
    with engine.connect() as conn:
        outer = conn.begin()
        try:
            for table in (
                "indicator_snapshots",
                "hamlet_snapshots",
                "office_snapshots",
                "period_maps",
                "closed_periods",
            ):
                conn.execute(text(f"DELETE FROM {table} WHERE period = '2024-Q4'"))  # undone below
            with Session(bind=conn, join_transaction_mode="create_savepoint") as session:
                periods.close_period(session, "2024-Q4", closed_by="test")
                body = indicators_report(session, "province", "2024-Q4")
        finally:
            outer.rollback()
    network = next(i for i in body["units"][0]["indicators"] if i["id"] == "commune_gov_network")
    assert body["closed"] and (network["numerator"], network["denominator"]) == (connected, total)
    assert network["value"] == round(100 * connected / total, 1) == 85.5


# ---------------------------------------------------------------- dated imports and registrations


def test_a_pole_file_states_when_each_pole_went_into_service(db, tmp_path):
    header = ["Mã cột", "Vĩ độ", "Kinh độ", "Chủ sở hữu", "Ngày đưa vào sử dụng", "Ngày ngừng sử dụng"]
    path = write_csv(
        tmp_path / "cot_dien.csv",
        header,
        [
            ["ASOF-P1", LAT, LON, "VNPT", "15/03/2025", ""],
            ["ASOF-P2", LAT, LON + 1e-4, "VNPT", "", "01/07/2025"],
        ],
    )
    assert import_file(db, path, "poles").counts == {"poles": 2, "pole_attachments": 0}
    with db.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT code, in_service_from, in_service_to FROM poles WHERE code LIKE 'ASOF-%' ORDER BY code"
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("ASOF-P1", date(2025, 3, 15), None),
        ("ASOF-P2", None, date(2025, 7, 1)),
    ]


def test_a_bad_in_service_date_refuses_the_file_and_writes_nothing(db, tmp_path):
    header = ["Mã cột", "Vĩ độ", "Kinh độ", "Chủ sở hữu", "Ngày đưa vào sử dụng", "Ngày ngừng sử dụng"]
    rows = [
        ["ASOF-B1", LAT, LON, "VNPT", "15/03/2025", ""],
        ["ASOF-B2", LAT, LON, "VNPT", "31/02/2025", ""],
        ["ASOF-B3", LAT, LON, "VNPT", "01/06/2025", "01/06/2025"],
    ]
    with pytest.raises(ImportFailed) as err:
        import_file(db, write_csv(tmp_path / "cot_loi.csv", header, rows), "poles")
    assert placed(err.value.details) == [
        ("cot_loi.csv", 3, "in_service_from", "value.not_a_real_date"),
        ("cot_loi.csv", 4, "in_service_to", "asof.ends_before_start"),
    ]
    assert count(db, "poles", "code LIKE 'ASOF-B%'") == 0


def test_a_registered_pole_is_in_service_from_today_unless_told(client):
    lon, lat = LON + 2e-4, LAT
    made = client.post(
        "/api/poles", json={"code": "ASOF-R1", "owner": "VNPT", "position": {"lon": lon, "lat": lat}}
    )
    told = client.post(
        "/api/poles",
        json={
            "code": "ASOF-R2",
            "owner": "VNPT",
            "position": {"lon": lon, "lat": lat + 1e-4},
            "in_service_from": "2024-02-01",
        },
    )
    assert made.status_code == told.status_code == 201, made.text + told.text
    with get_engine().connect() as conn:
        found = dict(
            conn.execute(text("SELECT code, in_service_from FROM poles WHERE code LIKE 'ASOF-R%'")).all()
        )
    assert found == {"ASOF-R1": today(), "ASOF-R2": date(2024, 2, 1)}


# ---------------------------------------------------------------- the audit trail backfill


def test_the_migration_dates_rows_the_audit_trail_shows_registered_alone(scratch_url):
    dbadmin.downgrade(scratch_url, "0013")
    engine = new_engine(scratch_url)
    insert = (
        "INSERT INTO poles (code, owner_id, geom) SELECT code, (SELECT id FROM operators), "
        "ST_SetSRID(ST_MakePoint(105.5, 9.8), 4326) FROM unnest(CAST(:codes AS text[])) AS code"
    )
    try:
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO operators (short_name, name, kind) VALUES ('VNPT', 'VNPT', 'fixed')")
            )
        with engine.begin() as conn:  # a file of three poles, imported
            conn.execute(text("SELECT set_config('hg.actor', 'cli:seed', true)"))
            conn.execute(text(insert), {"codes": ["IMP-1", "IMP-2", "IMP-3"]})
        with engine.begin() as conn:  # one pole registered through the form
            conn.execute(text("SELECT set_config('hg.actor', 'planner1', true)"))
            conn.execute(text(insert), {"codes": ["REG-1"]})
        dbadmin.upgrade(scratch_url, "0016")
        with engine.connect() as conn:
            found = dict(conn.execute(text("SELECT code, in_service_from FROM poles")).all())
    finally:
        engine.dispose()
    assert found == {"IMP-1": None, "IMP-2": None, "IMP-3": None, "REG-1": today()}


def test_a_past_days_ftth_reusing_todays_reach_equals_the_rule_computed_for_every_hamlet(
    engine, coverage_run
):
    """Today's hamlet_ftth is read for the hamlets no access point out of service that day comes near:
    on the sample with one active access point in ten commissioned after the day and one in twenty
    taken out before it, every hamlet's share is the one computed from the access points anew."""
    from app.services.coverage import ftth

    day, hamlets = "DATE '2025-09-30'", "a.valid_to IS NULL"
    with engine.connect() as conn:
        conn.execute(text("UPDATE fibre_access_points SET in_service_from = '2025-10-01' WHERE id % 10 = 0"))
        conn.execute(text("UPDATE fibre_access_points SET in_service_to = '2025-09-01' WHERE id % 20 = 1"))
        params = ftth.reach_params(conn)
        anew = dict(conn.execute(text(ftth.shares_on_sql(hamlets, day)), params).all())
        reused = dict(conn.execute(text(ftth.shares_on_reusing_sql(hamlets, day)), params).all())
        today_ = dict(conn.execute(text("SELECT hamlet_id, share FROM hamlet_ftth")).all())
        conn.rollback()
    assert len(anew) == 536 and reused == pytest.approx(anew, abs=1e-12)
    assert sum(1 for k in anew if abs(anew[k] - today_[k]) > 1e-9) > 0  # the day differs from today
