"""FTTH reach, in PostGIS: the share of each hamlet within the service radius of an active
fibre access point, and the part out of reach (the FTTH gap)."""

from sqlalchemy import Connection, text

from app.collections import IN_FORCE

# Buffers are drawn in the metric CRS. The bbox prefilter (on the GiST index, so its distance
# must be a constant) uses degrees: 1° ≥ 109 km here, so max radius / 100 000 m over-covers.
_REFRESH = f"""
INSERT INTO hamlet_ftth (hamlet_id, share, geom)
SELECT h.id,
       CASE WHEN r.reach IS NULL THEN 0
            ELSE least(ST_Area(ST_Intersection(h.hm, r.reach)) / nullif(ST_Area(h.hm), 0), 1) END,
       CASE WHEN NOT ST_IsEmpty(g.gap) THEN g.gap END
FROM (
  SELECT a.id, a.geom, ST_Transform(a.geom, :srid) AS hm FROM admin_units a
  WHERE a.level = 'hamlet' AND {IN_FORCE.format(a="a")} AND (:all_hamlets OR a.id = ANY(:ids))
) h
LEFT JOIN LATERAL (
  SELECT ST_Union(ST_Buffer(ST_Transform(f.geom, :srid), f.service_radius_m, 8)) AS reach
  FROM fibre_access_points f
  WHERE f.status = 'active' AND f.geom && ST_Expand(h.geom, :max_deg)
    AND ST_DWithin(ST_Transform(f.geom, :srid), h.hm, f.service_radius_m)
) r ON true
-- on the 1e-7° grid GeoJSON is written with, so the published polygon stays valid
CROSS JOIN LATERAL (
  SELECT CASE WHEN r.reach IS NULL THEN h.geom
         ELSE ST_Multi(ST_CollectionExtract(ST_ReducePrecision(ST_MakeValid(
              ST_Transform(ST_Difference(h.hm, r.reach), 4326)), 1e-7), 3)) END AS gap
) g
"""


def refresh_ftth(conn: Connection, srid: int, hamlet_ids: list[int] | None = None) -> None:
    """Recompute FTTH reach for the given hamlets (all when None)."""
    all_hamlets = hamlet_ids is None
    ids = hamlet_ids or []
    conn.execute(
        text("DELETE FROM hamlet_ftth WHERE :all_hamlets OR hamlet_id = ANY(:ids)"),
        {"all_hamlets": all_hamlets, "ids": ids},
    )
    max_radius_m = conn.execute(
        text("SELECT coalesce(max(service_radius_m), 0) FROM fibre_access_points WHERE status = 'active'")
    ).scalar_one()
    conn.execute(
        text(_REFRESH),
        {"srid": srid, "all_hamlets": all_hamlets, "ids": ids, "max_deg": max_radius_m / 100000.0},
    )


def hamlets_near(conn: Connection, dirty_ids: list[int]) -> list[int]:
    """Hamlets an FTTH change can affect: within the largest service radius of a changed place."""
    rows = conn.execute(
        text(
            "SELECT DISTINCT a.id FROM coverage_dirty d JOIN admin_units a ON a.level = 'hamlet' "
            "AND a.geom && ST_Expand(d.geom, (SELECT coalesce(max(service_radius_m), 500) "
            "FROM fibre_access_points) / 100000.0) "
            "WHERE d.id = ANY(:ids) AND d.source IN ('fibre_access_points', 'admin_units')"
        ),
        {"ids": dirty_ids},
    )
    return [r[0] for r in rows]
