"""Places on the sample map where a test can put a new site: points inside dead zones (exactly
where operators place them), optionally with no site within a radius (no sharing rule applies)."""

from sqlalchemy import text


def dead_zone_spots(
    engine, n: int = 1, *, kind: str | None = None, free_m: float | None = None
) -> list[tuple]:
    """(lon, lat) of a point inside each of the ``n`` largest dead zones (of ``kind``), with no site
    within ``free_m`` metres when given."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p, area_km2 FROM dead_zones "
                "WHERE CAST(:kind AS text) IS NULL OR kind = :kind) z WHERE CAST(:free AS float) IS NULL OR NOT "
                "EXISTS (SELECT 1 FROM sites s WHERE ST_DWithin(s.geom::geography, z.p::geography, :free)) "
                "ORDER BY area_km2 DESC LIMIT :n"
            ),
            {"kind": kind, "free": free_m, "n": n},
        ).all()
    assert len(rows) == n, f"the sample has fewer than {n} such dead zones"
    return [tuple(r) for r in rows]
