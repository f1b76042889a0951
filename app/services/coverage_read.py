"""Reading coverage results: the model card of the latest run and one hamlet's coverage."""

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.errors import NotFound


def latest_run(session: Session) -> dict | None:
    row = session.execute(
        text(
            "SELECT id, kind, started_at, finished_at, data_snapshot_at, blocks, card, "
            "extract(epoch FROM finished_at - started_at) AS duration_s "
            "FROM coverage_runs WHERE status = 'done' ORDER BY id DESC LIMIT 1"
        )
    ).first()
    return dict(row._mapping) if row else None


def model_card(session: Session) -> dict:
    run = latest_run(session)
    if run is None:
        raise NotFound("no coverage has been computed yet: run `make compute`")
    card = run.pop("card")
    run["duration_s"] = round(float(run["duration_s"]), 2)
    return {"run": run, "card": card}


def hamlet_coverage(session: Session, code: str) -> dict:
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


def nearest_sites(session: Session, hamlet_id: int) -> list[dict]:
    """The nearest active site of each mobile operator (as a tenant), distance to the hamlet."""
    rows = session.execute(
        text(
            "SELECT DISTINCT ON (o.short_name) o.short_name AS operator, s.code AS site_code, "
            "round(ST_Distance(s.geom::geography, h.geom::geography))::int AS distance_m, "
            "(SELECT string_agg(DISTINCT technology, ',' ORDER BY technology) FROM cells "
            " WHERE cells.site_id = s.id AND cells.operator_id = o.id) AS technologies "
            "FROM admin_units h JOIN sites s ON s.status = 'active' "
            "JOIN site_tenancies t ON t.site_id = s.id JOIN operators o ON o.id = t.operator_id "
            "WHERE h.id = :id AND o.kind = 'mobile' "
            "ORDER BY o.short_name, s.geom <-> ST_PointOnSurface(h.geom), s.code"
        ),
        {"id": hamlet_id},
    )
    return sorted((dict(r._mapping) for r in rows), key=lambda r: r["distance_m"])
