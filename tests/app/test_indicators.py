"""The plan's indicators: exact numbers on a tiny hand-made province, then the API on the sample."""

import math
import re
from datetime import date

import numpy as np
import pytest
import shapely
from pyproj import Geod, Transformer
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.collections import IN_FORCE
from app.errors import InvalidParameter, NotFound
from app.routers.indicators import IndicatorReport
from app.services.clock import today
from app.services.coverage.ftth import refresh_ftth
from app.services.reports.indicators import indicators_report
from gis.crs import METRIC_CRS
from gis.indicators import Quarter
from tests.conftest import SHARED

# ---------------------------------------------------------------------------------------------
# A tiny province near 105.5 E 9.8 N: two districts side by side (border at 105.52 E), one
# commune each, three hamlets. Everything active sits in district 930; 931 gets one duct stretch,
# one office and one fixed speed test.
#
#   105.50        105.51        105.52        105.54
#   | H1 (93001)  | H2 (93001)  | H3 (93101)              |   9.80 .. 9.82 N
#   |      district 930         |      district 931       |
# ---------------------------------------------------------------------------------------------

_UNITS = [
    # level, code, name, parent code, (xmin, xmax), population, households, valid_to
    ("province", "93", "Tỉnh Thử", None, (105.50, 105.54), 3000, 750, None),
    ("district", "930", "Huyện Một", "93", (105.50, 105.52), 1000, 250, None),
    ("district", "931", "Huyện Hai", "93", (105.52, 105.54), 2000, 500, None),
    # An abolished district over the same ground: never reported.
    ("district", "939", "Huyện Cũ", "93", (105.50, 105.54), 3000, 750, "2024-01-01"),
    ("commune", "93001", "Xã Một", "930", (105.50, 105.52), 1000, 250, None),
    ("commune", "93101", "Xã Hai", "931", (105.52, 105.54), 2000, 500, None),
    ("hamlet", "9300101", "Ấp Một", "93001", (105.50, 105.51), 400, 100, None),
    ("hamlet", "9300102", "Ấp Hai", "93001", (105.51, 105.52), 600, 150, None),
    ("hamlet", "9310101", "Ấp Ba", "93101", (105.52, 105.54), 2000, 500, None),
]

_STATS_930 = {
    "mobile_bb_subscriptions": 900,  # ÷ population 1000 → 90.0 per 100, met (85)
    "mobile_subscriptions": 1200,
    "smartphone_subscriptions": 960,  # ÷ 1200 → 80.0 %, behind 85 by 5.0
    "internet_users": 750,  # → 75.0
    "fixed_bb_subscriptions": 200,  # → 20.0
    "households_fibre": 200,  # ÷ households 250 → 80.0, met
    "households_internet": 225,  # → 90.0, met
    "adults": 800,
    "adults_smartphone": 720,  # → 90.0
    "iot_ready_infrastructure_pct": 42.25,  # → 42.3 (half up)
    "iot_industrial_zones_pct": 100,
    "cloud_provincial_systems_pct": 0,
    "cloud_enterprises_domestic_pct": 70,
    "digital_platforms_state_pct": 99.96,  # → 100.0, met
    # digital_platforms_enterprises_pct missing → no_data for that one only
}


def _point(lon: float, lat: float) -> str:
    return f"SRID=4326;POINT({lon} {lat})"


def _build(conn) -> None:
    for level, code, name, parent, (x0, x1), pop, hh, valid_to in _UNITS:
        conn.execute(
            text(
                "INSERT INTO admin_units (level, code, name, name_folded, parent_id, population, households, "
                "valid_to, geom) VALUES (:level, :code, :name, lower(:code), "
                "(SELECT id FROM admin_units WHERE code = :parent), :pop, :hh, CAST(:valid_to AS date), "
                "ST_Multi(ST_MakeEnvelope(:x0, 9.80, :x1, 9.82, 4326)))"
            ),
            dict(
                level=level,
                code=code,
                name=name,
                parent=parent,
                pop=pop,
                hh=hh,
                valid_to=valid_to,
                x0=x0,
                x1=x1,
            ),
        )
    conn.execute(
        text(
            "INSERT INTO operators (short_name, name, kind) VALUES "
            "('A', 'Operator A', 'mobile'), ('B', 'Operator B', 'mobile'), ('C', 'Operator C', 'fixed')"
        )
    )
    op = {r.short_name: r.id for r in conn.execute(text("SELECT id, short_name FROM operators"))}

    # Sites in 930: 10 active, 3 of them with two tenants, 1 with none; a proposed one with two.
    tenants = [["A", "B"]] * 3 + [["A"]] * 6 + [[]] + [["A", "B"]]
    for i, names in enumerate(tenants):
        status = "proposed" if i == 10 else "active"
        site = conn.execute(
            text(
                "INSERT INTO sites (code, structure_type, owner_id, status, geom) "
                "VALUES (:code, 'tower', :owner, :status, ST_GeomFromEWKT(:geom)) RETURNING id"
            ),
            dict(code=f"S{i}", owner=op["A"], status=status, geom=_point(105.501 + i * 0.001, 9.805)),
        ).scalar_one()
        for name in names:
            conn.execute(text("INSERT INTO site_tenancies VALUES (:s, :o)"), dict(s=site, o=op[name]))

    # Poles in 930: 2 of 4 carry two operators' cables.
    for i, names in enumerate([["A", "C"], ["B", "C"], ["C"], []]):
        pole = conn.execute(
            text(
                "INSERT INTO poles (code, owner_id, geom) VALUES (:code, :owner, ST_GeomFromEWKT(:geom)) "
                "RETURNING id"
            ),
            dict(code=f"P{i}", owner=op["C"], geom=_point(105.502 + i * 0.001, 9.815)),
        ).scalar_one()
        for name in names:
            conn.execute(text("INSERT INTO pole_attachments VALUES (:p, :o)"), dict(p=pole, o=op[name]))

    # Ducts: lengths in units of 0.005° of longitude along one parallel (u), so ratios are exact.
    ducts = [
        ("D-A", 105.500, 105.505, 9.81, ["A", "C"]),  # 1 u in 930, shared
        ("D-B", 105.505, 105.515, 9.81, ["C"]),  # 2 u in 930
        ("D-C", 105.515, 105.525, 9.81, ["B", "C"]),  # shared, crosses: 1 u in 930, 1 u in 931
        ("D-E", 105.510, 105.520, 9.815, []),  # 2 u in 930, ends on the border: not in 931
    ]
    for code, x0, x1, lat, names in ducts:
        route = conn.execute(
            text(
                "INSERT INTO duct_routes (code, owner_id, duct_count, geom) "
                "VALUES (:code, :owner, 2, ST_GeomFromEWKT(:geom)) RETURNING id"
            ),
            dict(code=code, owner=op["C"], geom=f"SRID=4326;LINESTRING({x0} {lat}, {x1} {lat})"),
        ).scalar_one()
        for name in names:
            conn.execute(text("INSERT INTO duct_occupancy VALUES (:r, :o)"), dict(r=route, o=op[name]))

    for code, commune, connected, lon in (("U1", "93001", True, 105.51), ("U2", "93101", False, 105.53)):
        conn.execute(
            text(
                "INSERT INTO commune_offices (code, name, commune_id, gov_network_connected, geom) "
                "VALUES (:code, :code, (SELECT id FROM admin_units WHERE code = :commune), :connected, "
                "ST_GeomFromEWKT(:geom))"
            ),
            dict(code=code, commune=commune, connected=connected, geom=_point(lon, 9.811)),
        )

    # Speed tests (local time +07). Q3 2025 in 930: 4G 10, 20, 60 and 30 → mean 30.0, median 25.0.
    speeds = [
        ("T1", "2025-08-01T10:00:00+07:00", "4G", 10, 105.505),
        ("T2", "2025-08-02T10:00:00+07:00", "4G", 20, 105.506),
        ("T3", "2025-09-30T23:30:00+07:00", "4G", 60, 105.507),
        ("T4", "2025-07-01T00:30:00+07:00", "4G", 30, 105.508),  # 30 June in UTC, Q3 here
        ("T5", "2025-10-01T00:30:00+07:00", "4G", 1000, 105.509),  # 30 Sept in UTC, Q4 here
        ("T6", "2025-06-30T23:00:00+07:00", "4G", 1000, 105.509),  # Q2
        ("T7", "2025-08-01T10:00:00+07:00", "5G", 500, 105.505),  # not 4G
        ("T8", "2025-08-01T10:00:00+07:00", "fixed", 150, 105.53),  # in 931
    ]
    for code, at, tech, mbps, lon in speeds:
        conn.execute(
            text(
                "INSERT INTO speed_tests (code, measured_at, technology, download_mbps, upload_mbps, geom) "
                "VALUES (:code, :at, :tech, :mbps, 1, ST_GeomFromEWKT(:geom))"
            ),
            dict(code=code, at=at, tech=tech, mbps=mbps, geom=_point(lon, 9.812)),
        )

    stats = [("930", "2025-Q3", metric, value) for metric, value in _STATS_930.items()]
    stats.append(("931", "2025-Q2", "mobile_bb_subscriptions", 1000))  # another period only
    for code, period, metric, value in stats:
        conn.execute(
            text(
                "INSERT INTO statistics (admin_unit_id, period, metric, value) "
                "VALUES ((SELECT id FROM admin_units WHERE code = :code), :period, :metric, :value)"
            ),
            dict(code=code, period=period, metric=metric, value=value),
        )


def _report(engine, level: str, period: str | None = None, code: str | None = None) -> dict:
    with Session(engine) as session:
        body = indicators_report(session, level, period, code)
    IndicatorReport.model_validate(body)
    return body


def _by_unit(body: dict) -> dict[str, dict[str, dict]]:
    return {u["code"]: {i["id"]: i for i in u["indicators"]} for u in body["units"]}


def _vnds(ind: dict) -> tuple:
    return ind["value"], ind["numerator"], ind["denominator"], ind["status"]


def test_sharing_on_the_tiny_province(tiny):
    body = _report(tiny, "district", "2025-Q3")
    assert body["level"] == "district" and body["period"] == "2025-Q3"
    assert [(u["code"], u["level"]) for u in body["units"]] == [("930", "district"), ("931", "district")]
    d1, d2 = _by_unit(body)["930"], _by_unit(body)["931"]

    assert _vnds(d1["bts_site_sharing"]) == (30.0, 3, 10, "met")
    assert (d1["bts_site_sharing"]["target"], d1["bts_site_sharing"]["gap"]) == (10.0, 0.0)
    assert _vnds(d2["bts_site_sharing"]) == (None, 0, 0, "no_data") and d2["bts_site_sharing"]["gap"] is None
    assert _vnds(d1["pole_sharing"]) == (50.0, 2, 4, "met")
    assert _vnds(d2["pole_sharing"]) == (None, 0, 0, "no_data")

    assert _vnds(d1["duct_sharing"]) == (50.0, 2, 4, "met")
    assert d1["duct_sharing"]["detail"]["by_length"] == 33.3  # 2 u shared of 6 u
    assert _vnds(d2["duct_sharing"]) == (100.0, 1, 1, "met")
    assert d2["duct_sharing"]["detail"]["by_length"] == 100.0

    assert _vnds(d1["commune_gov_network"]) == (100.0, 1, 1, "met")
    assert (
        _vnds(d2["commune_gov_network"]) == (0.0, 0, 1, "behind")
        and d2["commune_gov_network"]["gap"] == 100.0
    )


def test_province_totals_and_lengths(tiny):
    (prov,) = _report(tiny, "province", "2025-Q3")["units"]
    p = {i["id"]: i for i in prov["indicators"]}
    assert prov["code"] == "93"
    assert _vnds(p["bts_site_sharing"]) == (30.0, 3, 10, "met")  # the proposed site is not counted
    assert _vnds(p["duct_sharing"]) == (50.0, 2, 4, "met")
    assert p["duct_sharing"]["detail"]["by_length"] == 42.9  # 3 u shared of 7 u
    # D-C is cut at the border, yet the two parts add up to its stored length.
    with tiny.connect() as conn:
        total_m = conn.execute(text("SELECT sum(length_m) FROM duct_routes")).scalar_one()
    assert p["duct_sharing"]["detail"]["length_m"] == round(total_m, 1)
    assert _vnds(p["commune_gov_network"]) == (50.0, 1, 2, "behind")


def test_speeds_use_the_local_quarter(tiny):
    units = _by_unit(_report(tiny, "district", "2025-Q3"))
    four_g = units["930"]["mobile_4g_speed"]
    assert (four_g["value"], four_g["detail"], four_g["status"], four_g["gap"]) == (
        30.0,
        {"median": 25.0, "samples": 4},
        "behind",
        40.0,
    )
    assert four_g["numerator"] is None and four_g["unit"] == "Mb/s"
    assert units["930"]["fixed_bb_speed"]["status"] == "no_data"
    assert units["930"]["fixed_bb_speed"]["detail"] == {"median": None, "samples": 0}
    assert _vnds(units["931"]["fixed_bb_speed"])[::3] == (150.0, "met")
    assert units["931"]["mobile_4g_speed"]["value"] is None
    q2 = _by_unit(_report(tiny, "district", "2025-Q2"))["930"]["mobile_4g_speed"]
    assert (q2["value"], q2["detail"]["samples"]) == (1000.0, 1)


def test_reported_indicators_from_statistics(tiny):
    units = _by_unit(_report(tiny, "district"))  # default period: the latest with statistics
    d1, d2 = units["930"], units["931"]
    expected = {
        "mobile_bb_subs_per_100": (90.0, 900, 1000, "met"),
        "smartphone_share_of_subs": (80.0, 960, 1200, "behind"),
        "internet_users": (75.0, 750, 1000, "behind"),
        "fixed_bb_subs_per_100": (20.0, 200, 1000, "behind"),
        "households_fibre": (80.0, 200, 250, "met"),
        "adults_smartphone": (90.0, 720, 800, "behind"),
        "households_internet": (90.0, 225, 250, "met"),
        "iot_ready_infrastructure": (42.3, None, None, "behind"),
        "iot_industrial_zones": (100.0, None, None, "met"),
        "cloud_provincial_systems": (0.0, None, None, "behind"),
        "cloud_enterprises_domestic": (70.0, None, None, "met"),
        "digital_platforms_state": (100.0, None, None, "met"),
        "digital_platforms_enterprises": (None, None, None, "no_data"),
    }
    assert {key: _vnds(d1[key]) for key in expected} == expected
    assert d1["smartphone_share_of_subs"]["gap"] == 5.0
    assert d1["mobile_bb_subs_per_100"]["unit"] == "per_100"
    # 931 has statistics for 2025-Q2 only; the province has none at all.
    for key in expected:
        assert _vnds(d2[key]) == (None, None, None, "no_data") and d2[key]["gap"] is None
    assert _vnds(d2["mobile_bb_subs_per_100"]) == (None, None, None, "no_data")
    q2 = _by_unit(_report(tiny, "district", "2025-Q2"))["931"]["mobile_bb_subs_per_100"]
    assert _vnds(q2) == (50.0, 1000, 2000, "behind")


def test_hamlet_coverage_waits_for_a_coverage_run(tiny):
    now = str(Quarter.of(today()))  # today's FTTH is hamlet_ftth (a past day's: test_indicators_as_of)
    body = _report(tiny, "district", now)
    assert body["coverage_run"] is None
    for unit in _by_unit(body).values():
        for key in ("mobile_bb_hamlet_coverage", "ftth_hamlet_coverage"):
            assert (unit[key]["value"], unit[key]["status"]) == (None, "no_data")
    assert _by_unit(body)["930"]["mobile_bb_hamlet_coverage"]["detail"] == {"hamlets": 2}

    with tiny.begin() as conn:
        run = conn.execute(
            text(
                "INSERT INTO coverage_runs (kind, status, finished_at, card) "
                "VALUES ('full', 'done', now(), '{}') RETURNING id"
            )
        ).scalar_one()
        # H1 fully covered, H2 half (below the 0.95 level), H3 not computed; FTTH only for H3.
        conn.execute(
            text(
                "INSERT INTO hamlet_cover_cells SELECT 'b1', id, 100, m, 0, 100 - m, 0 FROM admin_units "
                "JOIN (VALUES ('9300101', 100), ('9300102', 50)) v(c, m) ON code = v.c"
            )
        )
        conn.execute(
            text(
                "INSERT INTO hamlet_ftth (hamlet_id, share) SELECT id, 0.9 FROM admin_units "
                "WHERE code = '9310101'"
            )
        )
    body = _report(tiny, "district", now)
    assert body["coverage_run"]["id"] == run
    units = _by_unit(body)
    assert _vnds(units["930"]["mobile_bb_hamlet_coverage"]) == (50.0, 1, 2, "behind")
    assert _vnds(units["931"]["mobile_bb_hamlet_coverage"]) == (None, 0, 0, "no_data")
    assert _vnds(units["930"]["ftth_hamlet_coverage"]) == (None, 0, 0, "no_data")
    assert _vnds(units["931"]["ftth_hamlet_coverage"]) == (100.0, 1, 1, "met")
    p = _by_unit(_report(tiny, "province", now))["93"]
    assert _vnds(p["mobile_bb_hamlet_coverage"]) == (50.0, 1, 2, "behind")
    assert _vnds(p["ftth_hamlet_coverage"]) == (100.0, 1, 1, "met")
    h = _by_unit(_report(tiny, "hamlet", now, code="9300101"))["9300101"]
    assert _vnds(h["mobile_bb_hamlet_coverage"]) == (100.0, 1, 1, "met")


def test_levels_follow_what_is_in_force(tiny):
    communes = _by_unit(_report(tiny, "commune", "2025-Q3"))
    assert list(communes) == ["93001", "93101"]
    assert _vnds(communes["93001"]["bts_site_sharing"]) == (30.0, 3, 10, "met")
    one = _report(tiny, "district", "2025-Q3", code="931")
    assert [u["code"] for u in one["units"]] == ["931"]

    with tiny.begin() as conn:  # the 2025 reform: districts abolished
        conn.execute(
            text(
                "UPDATE admin_units SET valid_to = CURRENT_DATE WHERE level = 'district' AND valid_to IS NULL"
            )
        )
    now = str(Quarter.of(today()))
    # The 2023–2025 plan is judged on the units of 30/06/2025 (its `judged_on`): its former districts
    # still answer today, with today's network.
    judged = _report(tiny, "district", now)
    assert [u["code"] for u in judged["units"]] == ["930", "931"]
    assert (judged["units_on"], judged["as_of"]) == (date(2025, 6, 30), today())
    # A plan judged on each day's own units finds no district in force now.
    with tiny.begin() as conn:
        conn.execute(text("UPDATE plans SET judged_on = NULL"))
    with pytest.raises(InvalidParameter, match="province, commune, hamlet; got 'district'"):
        _report(tiny, "district", now)
    assert list(_by_unit(_report(tiny, "commune", now))) == ["93001", "93101"]
    # 2025-Q3 is counted as of its last day, when the districts were still in force.
    assert [u["code"] for u in _report(tiny, "district", "2025-Q3")["units"]] == ["930", "931"]


# ---------------------------------------------------------------- FTTH reach: the true circle

WGS84 = Geod(ellps="WGS84")
FAP = (105.53, 9.81)  # in H3, 58 km east of the UTM and TM-3 central meridian (scale ≠ 1)
RADIUS_M = 500.0
RING_VERTICES = 4096  # the hamlets' outlines: polygons 4e-7 short of their circles


def _geodesic_rings(lon, lat, radius_m, n: int) -> np.ndarray:
    """(lon, lat) of n points at radius_m along geodesics around each centre: shape (centres, n, 2)."""
    lon, lat, radius_m = (np.atleast_1d(np.asarray(v, dtype=float)) for v in (lon, lat, radius_m))
    az = np.tile(np.arange(n) * 360.0 / n, len(lon))
    lons, lats, _ = WGS84.fwd(np.repeat(lon, n), np.repeat(lat, n), az, np.repeat(radius_m, n))
    return np.stack([lons, lats], axis=1).reshape(len(lon), n, 2)


def _geodesic_ring(lon: float, lat: float, radius_m: float) -> str:
    """WKT of the multipolygon through RING_VERTICES points radius_m away along geodesics."""
    ring = _geodesic_rings(lon, lat, radius_m, RING_VERTICES)[0]
    return shapely.to_wkt(shapely.multipolygons([shapely.polygons(ring)]))


def _lens_share(r: float, big_r: float, d: float) -> float:
    """The share of a disc of radius big_r within a disc of radius r whose centre is d away."""
    a = big_r**2 * math.acos((d * d + big_r**2 - r * r) / (2 * d * big_r))
    b = r * r * math.acos((d * d + r * r - big_r**2) / (2 * d * r))
    c = 0.5 * math.sqrt((-d + r + big_r) * (d + r - big_r) * (d - r + big_r) * (d + r + big_r))
    return (a + b - c) / (math.pi * big_r**2)


def _offset_for(share: float, r: float, big_r: float) -> float:
    """The centre distance at which _lens_share is `share` (it falls as d grows): bisection."""
    lo, hi = r - big_r, r + big_r
    for _ in range(100):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if _lens_share(r, big_r, mid) > share else (lo, mid)
    return (lo + hi) / 2


# Hamlets whose true share within RADIUS_M of FAP is 0.8 ± 0.0001, in closed form (on the
# ellipsoid the plane's formulas hold to 1e-8 at this size): a disc around FAP (share r² / R²),
# and a disc beside it that the reach's edge crosses (the lens of two circles).
def _ftth_hamlets() -> dict[str, tuple[float, float, float, float]]:
    """{code: (centre lon, centre lat, radius m, true share)}."""
    out = {}
    for code, share in (("9310181", 0.8001), ("9310182", 0.7999)):
        out[code] = (*FAP, RADIUS_M / math.sqrt(share), share)
    big_r = 0.8 * RADIUS_M
    for code, share in (("9310183", 0.8001), ("9310184", 0.7999)):
        lon, lat, _ = WGS84.fwd(*FAP, 60.0, _offset_for(share, RADIUS_M, big_r))
        out[code] = (float(lon), float(lat), big_r, share)
    return out


@pytest.mark.parametrize("crs", [METRIC_CRS, "EPSG:5897"])  # WGS 84 UTM 48N, a VN-2000 TM-3 zone
def test_ftth_reach_is_the_true_circle_so_80_percent_is_decided_right(tiny, crs):
    hamlets = _ftth_hamlets()
    with tiny.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO fibre_access_points (code, operator_id, kind, ports_total, service_radius_m, "
                "status, geom) VALUES ('F1', (SELECT id FROM operators WHERE short_name = 'C'), 'odp', 16, "
                ":r, 'active', ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))"
            ),
            dict(r=RADIUS_M, lon=FAP[0], lat=FAP[1]),
        )
        for code, (lon, lat, radius_m, _) in hamlets.items():
            conn.execute(
                text(
                    "INSERT INTO admin_units (level, code, name, name_folded, parent_id, geom) VALUES "
                    "('hamlet', :code, :code, :code, (SELECT id FROM admin_units WHERE code = '93101'), "
                    "ST_GeomFromText(:wkt, 4326))"
                ),
                dict(code=code, wkt=_geodesic_ring(lon, lat, radius_m)),
            )
        refresh_ftth(conn, int(crs.split(":")[1]))
        conn.execute(
            text(
                "INSERT INTO coverage_runs (kind, status, finished_at, card) VALUES ('full', 'done', now(), '{}')"
            )
        )
        shares = dict(
            conn.execute(
                text(
                    "SELECT a.code, f.share FROM hamlet_ftth f JOIN admin_units a ON a.id = f.hamlet_id "
                    "WHERE a.code = ANY(:codes)"
                ),
                {"codes": list(hamlets)},
            ).all()
        )
    for code, (*_, share) in hamlets.items():
        assert shares[code] == pytest.approx(share, abs=5e-5), code
        h = _by_unit(_report(tiny, "hamlet", "2025-Q3", code=code))[code]["ftth_hamlet_coverage"]
        assert (h["value"], h["numerator"], h["denominator"]) == (
            (100.0, 1, 1) if share > 0.8 else (0.0, 0, 1)
        )


def test_service_errors(tiny):
    with pytest.raises(InvalidParameter, match="2025-Q3"):
        _report(tiny, "district", "2025-3")
    with pytest.raises(InvalidParameter, match="levels in force"):
        _report(tiny, "county")
    with pytest.raises(NotFound, match="939"):
        _report(tiny, "district", code="939")  # abolished


# ------------------------------------------------------------------ the API on the sample province


def _plan_ids(client) -> list[str]:
    """The plan's ids from targets.md when ../shared is here, else those the migration seeded."""
    targets_md = SHARED / "plan" / "targets.md"
    if not targets_md.exists():
        return [t["id"] for t in client.get("/api/targets").json()["targets"]]
    table = targets_md.read_text(encoding="utf-8")
    return [i for i in re.findall(r"^\| ([a-z0-9_]+) \|", table, flags=re.MULTILINE) if i != "id"]


def test_province_reports_every_indicator_of_the_plan(client):
    r = client.get("/api/indicators", params={"level": "province"})
    assert r.status_code == 200, r.text
    body = IndicatorReport.model_validate(r.json()).model_dump()
    assert body["period"] == "2025-Q3"  # the latest in statistics.csv
    (province,) = body["units"]
    ids = [i["id"] for i in province["indicators"]]
    assert len(_plan_ids(client)) == 21 and ids == _plan_ids(client)
    for ind in province["indicators"]:
        if ind["value"] is None:
            assert ind["status"] == "no_data" and ind["gap"] is None
            continue
        below = ("on_track", "behind") if ind["expected"] is not None else ("behind",)
        assert ind["status"] in (("met",) if ind["value"] >= ind["target"] else below)
        assert ind["gap"] == max(round(ind["target"] - ind["value"], 1), 0.0)
        if ind["unit"] == "%":
            assert 0 <= ind["value"] <= 100, ind["id"]
    by_id = {i["id"]: i for i in province["indicators"]}
    for key in (
        "bts_site_sharing",
        "pole_sharing",
        "duct_sharing",
        "commune_gov_network",
        "mobile_bb_subs_per_100",
        "mobile_4g_speed",
        "fixed_bb_speed",
    ):
        assert by_id[key]["value"] is not None, key
    if body["coverage_run"] is None:
        assert by_id["mobile_bb_hamlet_coverage"]["status"] == "no_data"


def test_districts_add_up_to_the_province(client):
    body = client.get("/api/indicators", params={"level": "district", "period": "2025-Q3"}).json()
    assert len(body["units"]) == 8 and {u["level"] for u in body["units"]} == {"district"}
    province = client.get("/api/indicators", params={"level": "province"}).json()["units"][0]
    prov = {i["id"]: i for i in province["indicators"]}
    for key in ("bts_site_sharing", "pole_sharing", "commune_gov_network"):
        sums = [
            sum(next(i for i in u["indicators"] if i["id"] == key)[f] for u in body["units"])
            for f in ("numerator", "denominator")
        ]
        assert sums == [prov[key]["numerator"], prov[key]["denominator"]], key
    for unit in body["units"]:
        ind = {i["id"]: i for i in unit["indicators"]}
        assert ind["mobile_bb_subs_per_100"]["status"] != "no_data"  # every district reports


def _true_ftth_shares(engine) -> dict[str, tuple[str, float]]:
    """{hamlet code: (commune code, share within reach)} computed apart from PostGIS: geodesic circles
    (pyproj.Geod, 1024 points: 6e-6 short of the circle's area) and areas on one Lambert azimuthal
    equal-area plane, where any region keeps its area."""
    with engine.connect() as conn:
        faps = np.array(
            conn.execute(
                text(
                    "SELECT ST_X(geom), ST_Y(geom), service_radius_m FROM fibre_access_points WHERE status = 'active'"
                )
            ).all()
        )
        hamlets = conn.execute(
            text(
                "SELECT h.code, c.code, ST_AsBinary(h.geom) FROM admin_units h JOIN admin_units c ON c.id = h.parent_id "
                f"WHERE h.level = 'hamlet' AND {IN_FORCE.format(a='h')}"
            )
        ).all()
    lon0, lat0 = faps[:, :2].mean(axis=0)
    laea = Transformer.from_crs(
        "EPSG:4326", f"+proj=laea +lat_0={lat0} +lon_0={lon0} +ellps=WGS84", always_xy=True
    )

    def plane(coords):
        return np.column_stack(laea.transform(coords[:, 0], coords[:, 1]))

    rings = _geodesic_rings(faps[:, 0], faps[:, 1], faps[:, 2], 1024)
    circles = shapely.polygons(plane(rings.reshape(-1, 2)).reshape(rings.shape))
    tree = shapely.STRtree(circles)

    out = {}
    for code, commune, wkb in hamlets:
        h = shapely.transform(shapely.from_wkb(bytes(wkb)), plane)
        near = tree.query(h, predicate="intersects")
        inside = shapely.intersection(h, shapely.union_all(circles[near])).area if len(near) else 0.0
        out[code] = (commune, inside / h.area)
    return out


def test_ftth_hamlet_coverage_on_the_sample_matches_a_geodesic_ground_truth(client, engine):
    truth = _true_ftth_shares(engine)
    with engine.connect() as conn:
        service = dict(
            conn.execute(
                text("SELECT a.code, f.share FROM hamlet_ftth f JOIN admin_units a ON a.id = f.hamlet_id")
            ).all()
        )
    gaps = {code: abs(service[code] - share) for code, (_, share) in truth.items()}
    assert max(gaps.values()) < 5e-5, max(gaps, key=gaps.get)
    # The audit's hamlet, 80.01 % within reach (a 32-sided reach said 79.82 %), and its totals.
    assert truth["9320101"][1] == pytest.approx(0.8001, abs=5e-5)
    covered = {code for code, (_, share) in truth.items() if share >= 0.8}
    assert "9320101" in covered and (len(covered), len(truth)) == (381, 536)

    province = client.get("/api/indicators", params={"level": "province"}).json()["units"][0]
    ftth = next(i for i in province["indicators"] if i["id"] == "ftth_hamlet_coverage")
    assert (ftth["value"], ftth["numerator"], ftth["denominator"]) == (71.1, 381, 536)
    communes = client.get("/api/indicators", params={"level": "commune"}).json()["units"]
    for unit in communes:
        ftth = next(i for i in unit["indicators"] if i["id"] == "ftth_hamlet_coverage")
        mine = [code for code, (commune, _) in truth.items() if commune == unit["code"]]
        assert (ftth["numerator"], ftth["denominator"]) == (len(covered.intersection(mine)), len(mine)), unit[
            "code"
        ]


def test_communes_and_one_code(client):
    communes = client.get("/api/indicators", params={"level": "commune"}).json()["units"]
    assert len(communes) == 76
    offices = [next(i for i in u["indicators"] if i["id"] == "commune_gov_network") for u in communes]
    assert all(o["denominator"] == 1 for o in offices)  # one People's Committee per commune
    one = client.get("/api/indicators", params={"level": "district", "code": "934"}).json()["units"]
    assert [(u["code"], u["name"]) for u in one] == [("934", "Huyện Phụng Hiệp")]


def test_a_period_without_statistics_is_no_data_not_zero(client):
    units = client.get("/api/indicators", params={"level": "district", "period": "2023-Q1"}).json()["units"]
    for unit in units:
        ind = {i["id"]: i for i in unit["indicators"]}
        for key in ("internet_users", "mobile_4g_speed", "digital_platforms_state"):
            assert (ind[key]["value"], ind[key]["status"]) == (None, "no_data")
        assert ind["pole_sharing"]["value"] is not None  # infrastructure as it is now


@pytest.mark.parametrize(
    ("params", "status", "says"),
    [
        ({"level": "district", "period": "2025Q3"}, 400, "2025-Q3"),
        ({"level": "district", "period": "2025-Q5"}, 400, "period"),
        ({"level": "county"}, 400, "level"),
        ({}, 400, "level"),
        ({"level": "district", "code": "999"}, 404, "999"),
        ({"level": "commune", "code": "934"}, 404, "934"),
    ],
)
def test_bad_requests(client, params, status, says):
    r = client.get("/api/indicators", params=params, headers={"Accept-Language": "en"})
    assert r.status_code == status and says in r.json()["description"], r.json()


def test_targets(client):
    targets = client.get("/api/targets").json()["targets"]
    assert [t["id"] for t in targets] == _plan_ids(client)
    sharing = next(t for t in targets if t["id"] == "bts_site_sharing")
    assert sharing == {
        "id": "bts_site_sharing",
        "name_vi": "Tỷ lệ dùng chung vị trí trạm BTS",
        "name_en": "Share of BTS sites used by two or more operators",
        "unit": "%",
        "method": "computed",
        "group": "sharing",
        "target_value": 10.0,
        "target_year": 2025,
    }
