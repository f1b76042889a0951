"""A full FTTH refresh draws each access point's disk once (a temporary table) where a partial one
draws it per hamlet: both must store the very same shares and gaps. The tiny province of
test_indicators: Ấp Một (105.50–105.51 E) and Ấp Hai (105.51–105.52 E), 9.80–9.82 N. In Ấp Một two
overlapping 300 m disks (centres 0.002° ≈ 219.6 m apart, both ≥ 439 m from every edge) make a union
the gap is cut from; Ấp Hai's only access point ended its service in 2000: it reaches nothing today."""

import math

from sqlalchemy import text

from app.services.coverage import ftth

RADIUS_M = 300.0
APART_M = 0.002 * 109_800  # ≈ 219.6 m: 0.002° of longitude at 9.81 N (cos 9.81° × 111.32 km)
# Two circles of radius r whose centres are d apart: 2πr² less their lens 2r²·acos(d/2r) − (d/2)·√(4r² − d²).
UNION_M2 = 2 * math.pi * RADIUS_M**2 - (
    2 * RADIUS_M**2 * math.acos(APART_M / (2 * RADIUS_M))
    - APART_M / 2 * math.sqrt(4 * RADIUS_M**2 - APART_M**2)
)
ROWS = (
    "SELECT a.code, k.share, ST_AsEWKB(k.geom) FROM hamlet_ftth k JOIN admin_units a ON a.id = k.hamlet_id "
    "ORDER BY a.code"
)


def _add(conn, code: str, lon: float, radius_m: float, until=None) -> None:
    conn.execute(
        text(
            "INSERT INTO fibre_access_points (code, operator_id, kind, ports_total, service_radius_m, "
            "status, in_service_to, geom) SELECT :code, id, 'odp', 16, :r, 'active', CAST(:until AS date), "
            "ST_SetSRID(ST_MakePoint(:lon, 9.81), 4326) FROM operators WHERE short_name = 'C'"
        ),
        dict(code=code, lon=lon, r=radius_m, until=until),
    )


def test_a_full_refresh_stores_what_refreshing_every_hamlet_stores(tiny):
    with tiny.begin() as conn:
        _add(conn, "F-W", 105.504, RADIUS_M)
        _add(conn, "F-E", 105.506, RADIUS_M)
        _add(conn, "F-ENDED", 105.515, 1300, until="2000-01-01")
        srid = ftth.metric_srid()
        ftth.refresh_ftth(conn, srid)  # full: the disks drawn once
        full = conn.execute(text(ROWS)).all()
        ids = conn.execute(text("SELECT id FROM admin_units WHERE level = 'hamlet'")).scalars().all()
        ftth.refresh_ftth(conn, srid, ids)  # every hamlet named: the disks drawn per hamlet
        partial = conn.execute(text(ROWS)).all()
        hamlet_m2 = conn.execute(
            text("SELECT ST_Area(ST_Transform(geom, :srid)) FROM admin_units WHERE code = '9300101'"),
            {"srid": srid},
        ).scalar_one()
        # the temporary table is gone: a second full refresh in the same transaction draws it again
        ftth.refresh_ftth(conn, srid)
        again = conn.execute(text(ROWS)).all()
    assert [(c, s, bytes(g) if g else None) for c, s, g in full] == [
        (c, s, bytes(g) if g else None) for c, s, g in partial
    ]
    assert again == full
    shares = {code: share for code, share, _ in full}
    assert abs(shares["9300101"] - UNION_M2 / hamlet_m2) < 2e-4  # ≈ 0.107: the union, not two disks
    assert shares["9300102"] == 0.0 and shares["9310101"] == 0.0  # the ended access point counts not
    assert all(gap is not None for _, _, gap in full)
