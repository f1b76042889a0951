"""Reading coverage results: the model card of the latest run (with how it compares with the
measurements) and one hamlet's coverage."""

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.errors import NotFound
from app.services.coverage.calibration import model_truth
from app.services.coverage.ftth import ftth_for_today


def latest_run(session: Session) -> dict | None:
    row = session.execute(
        text(
            "SELECT id, kind, started_at, finished_at, data_snapshot_at, blocks, card, "
            "extract(epoch FROM finished_at - started_at) AS duration_s "
            "FROM coverage_runs WHERE status = 'done' AND kind <> 'dated' ORDER BY id DESC LIMIT 1"
        )
    ).first()
    return dict(row._mapping) if row else None


def model_card(session: Session) -> dict:
    run = latest_run(session)
    if run is None:
        raise NotFound("no coverage has been computed yet: run `make compute`")
    card = run.pop("card")
    run["duration_s"] = round(float(run["duration_s"]), 2)
    return {"run": run, "card": card, "truth": model_truth(session.connection(), card)}


def hamlet_coverage(session: Session, code: str) -> dict:
    ftth_for_today(session.get_bind())
    row = session.execute(
        text(
            "SELECT h.id, h.code, h.name, c.name AS commune_name, d.name AS district_name, h.population, "
            "hc.mbb_share, hc.mbb_covered, hc.ftth_share, hc.ftth_covered, hc.dead_zone_population, "
            "hc.cells_total FROM admin_units h JOIN admin_units c ON c.id = h.parent_id "
            "JOIN admin_units d ON d.id = c.parent_id LEFT JOIN hamlet_coverage hc ON hc.hamlet_id = h.id "
            "WHERE h.level = 'hamlet' AND h.code = :code AND h.valid_to IS NULL"
        ),
        {"code": code},
    ).first()
    if row is None:
        raise NotFound(f"no hamlet with code '{code}'")
    out = {k: v for k, v in row._mapping.items() if k not in ("id", "cells_total")}
    out["dead_zones"] = [
        dict(r._mapping)
        for r in session.execute(
            text(
                "SELECT kind, round(area_km2::numeric, 4)::float AS area_km2, population FROM dead_zones "
                "WHERE hamlet_id = :id ORDER BY kind"
            ),
            {"id": row.id},
        )
    ]
    out["operators"] = [
        {
            "operator": r.short_name,
            "mbb_share": round(r.cells / row.cells_total, 4) if row.cells_total else None,
        }
        for r in session.execute(
            text(
                "SELECT o.short_name, coalesce(sum(x.cells_mbb), 0) AS cells FROM operators o "
                "LEFT JOIN hamlet_operator_cells x ON x.operator_id = o.id AND x.hamlet_id = :id "
                "WHERE o.kind = 'mobile' GROUP BY o.short_name ORDER BY o.short_name"
            ),
            {"id": row.id},
        )
    ]
    out["nearest_sites"] = nearest_sites(session, row.id)
    return out


# Per hamlet and mobile operator, the operator's nearest active site (as a tenant): found by the
# GiST index from a point inside the hamlet, measured to the hamlet's polygon.
_NEAREST = """
WITH h AS MATERIALIZED (  -- the point once per hamlet, not once per candidate site
  SELECT id, geom, ST_PointOnSurface(geom) AS pt FROM admin_units WHERE id = ANY(:ids)
), mobile AS MATERIALIZED (
  SELECT DISTINCT t.site_id, t.operator_id, s.code, s.geom FROM site_tenancies t
  JOIN sites s ON s.id = t.site_id AND s.status = 'active'
  JOIN operators o ON o.id = t.operator_id AND o.kind = 'mobile'
)
SELECT h.id AS hamlet_id, o.short_name AS operator, n.code AS site_code,
       round(ST_Distance(n.geom::geography, h.geom::geography))::int AS distance_m,
       (SELECT string_agg(DISTINCT technology, ',' ORDER BY technology) FROM cells
        WHERE cells.site_id = n.site_id AND cells.operator_id = o.id) AS technologies
FROM h CROSS JOIN operators o
CROSS JOIN LATERAL (
  SELECT m.site_id, m.code, m.geom FROM mobile m WHERE m.operator_id = o.id
  ORDER BY m.geom <-> h.pt, m.code LIMIT 1
) n
WHERE o.kind = 'mobile'
"""


def nearest_sites_by_hamlet(session: Session, hamlet_ids: list[int]) -> dict[int, list[dict]]:
    """hamlet id → the nearest active site of each mobile operator, nearest first."""
    found: dict[int, list[dict]] = {i: [] for i in hamlet_ids}
    if not hamlet_ids:
        return found
    for r in session.execute(text(_NEAREST), {"ids": list(hamlet_ids)}):
        found[r.hamlet_id].append(
            {
                "operator": r.operator,
                "site_code": r.site_code,
                "distance_m": r.distance_m,
                "technologies": r.technologies,
            }
        )
    for sites in found.values():
        sites.sort(key=lambda s: (s["distance_m"], s["operator"]))
    return found


def nearest_sites(session: Session, hamlet_id: int) -> list[dict]:
    """The nearest active site of each mobile operator (as a tenant), distance to the hamlet."""
    return nearest_sites_by_hamlet(session, [hamlet_id])[hamlet_id]
