"""Hamlet drill-down of a district or commune: hamlets not covered by mobile broadband or without
FTTH (population, dead-zone area, nearest sites by operator), and commune offices not on the
government data network. Open periods read the coverage results now; closed ones their snapshot,
on the units of the plan asked for (the former districts for a plan judged on them).
"""

from datetime import date

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.collections import IN_FORCE, IN_FORCE_ON
from app.errors import NotFound
from app.services.coverage.read import nearest_sites_by_hamlet
from app.services.plans import plan_for
from app.services.reports import snapshots
from app.services.reports.indicators import parse_period, quarter_plan
from app.services.reports.indicators_sql import today
from app.services.scope import check_unit, nearest_sites_within, outside_district
from gis.indicators import Quarter

# The units in force on :units_on (NULL: today): a plan judged on the former districts and
# communes sees the hamlets as they hung from those.
_ON = IN_FORCE_ON.replace("{day}", "coalesce(CAST(:units_on AS date), CURRENT_DATE)")

# Hamlets hang from communes, communes from districts (or the province after the reform);
# :code NULL = every hamlet (what a snapshot keeps). Dead-zone area counts the ground without
# mobile broadband (no signal at all, or 2G/3G only); NULL when coverage was never computed.
# Coverage is computed for the hamlets in force now: a former version of a hamlet (before a
# reform moved it under a new commune) reads that of its version in force now, by code.
_HAMLETS = f"""
SELECT h.id, h.code, h.name, c.code AS commune_code, c.name AS commune_name,
       d.code AS district_code, d.name AS district_name, h.population, h.households,
       hc.mbb_share, hc.mbb_covered, hc.ftth_share, hc.ftth_covered, hc.dead_zone_population,
       CASE WHEN hc.cells_total IS NULL THEN NULL ELSE round(coalesce(dz.area_km2, 0)::numeric, 4)::float END
         AS dead_zone_area_km2,
       ST_XMin(h.geom) AS xmin, ST_YMin(h.geom) AS ymin, ST_XMax(h.geom) AS xmax, ST_YMax(h.geom) AS ymax
FROM admin_units h
JOIN admin_units c ON c.id = h.parent_id
JOIN admin_units d ON d.id = c.parent_id
LEFT JOIN admin_units cur ON cur.level = 'hamlet' AND cur.code = h.code AND {IN_FORCE.format(a="cur")}
LEFT JOIN hamlet_coverage hc ON hc.hamlet_id = cur.id
LEFT JOIN (SELECT hamlet_id, sum(area_km2) AS area_km2 FROM dead_zones
           WHERE kind IN ('no_signal', 'no_mbb') GROUP BY hamlet_id) dz ON dz.hamlet_id = cur.id
WHERE h.level = 'hamlet' AND {_ON.format(a="h")}
  AND (CAST(:code AS text) IS NULL OR :code IN (c.code, d.code))
ORDER BY h.code
"""

# Offices belong to the commune in force their point falls in (as for the indicator).
_OFFICES = f"""
SELECT DISTINCT ON (o.code) o.code, o.name, c.code AS commune_code, c.name AS commune_name,
       d.code AS district_code, d.name AS district_name, o.gov_network_connected,
       o.bandwidth_mbps, ST_X(o.geom) AS lon, ST_Y(o.geom) AS lat
FROM commune_offices o
JOIN admin_units c ON c.level = 'commune' AND {_ON.format(a="c")} AND ST_Intersects(c.geom, o.geom)
JOIN admin_units d ON d.id = c.parent_id
WHERE CAST(:code AS text) IS NULL OR :code IN (c.code, d.code)
ORDER BY o.code, c.code
"""


def all_hamlets(session: Session, code: str | None = None, units_on: date | None = None) -> list[dict]:
    """Every hamlet in force on ``units_on`` (today; at or under unit ``code``) with its coverage
    and nearest sites."""
    rows = session.execute(text(_HAMLETS), {"code": code, "units_on": units_on}).all()
    nearest = nearest_sites_by_hamlet(session, [r.id for r in rows])
    out = []
    for r in rows:
        record = {k: v for k, v in r._mapping.items() if k not in ("id", "xmin", "ymin", "xmax", "ymax")}
        record["bbox"] = [r.xmin, r.ymin, r.xmax, r.ymax]
        record["nearest_sites"] = [
            {k: s[k] for k in ("operator", "site_code", "distance_m")} for s in nearest[r.id]
        ]
        out.append(record)
    return out


def all_offices(session: Session, code: str | None = None, units_on: date | None = None) -> list[dict]:
    rows = session.execute(text(_OFFICES), {"code": code, "units_on": units_on})
    return [dict(r._mapping) for r in rows]


def _frozen_unit(session: Session, period: str, code: str, district_code: str | None, units_on: date) -> dict:
    units = [
        u
        for level in ("district", "commune")
        for u in snapshots.snapshot_units(session, period, level, code, units_on=units_on)
    ]
    if not units:
        raise NotFound(f"no district or commune with code '{code}' in the snapshot of {period}")
    unit = units[0]
    if district_code is not None and district_code not in (unit["code"], unit["parent_code"]):
        raise outside_district(district_code, code)
    return {k: unit[k] for k in ("code", "name", "level")}


def _former_unit(session: Session, code: str, district_code: str | None, units_on: date) -> dict:
    """District or commune ``code`` as in force on ``units_on`` (a plan's former geography)."""
    row = session.execute(
        text(
            "SELECT u.code, u.name, u.level, p.code AS parent FROM admin_units u "
            "LEFT JOIN admin_units p ON p.id = u.parent_id "
            f"WHERE u.code = :c AND u.level IN ('district', 'commune') AND {_ON.format(a='u')}"
        ),
        {"c": code, "units_on": units_on},
    ).first()
    if row is None:
        raise NotFound(f"no district or commune with code '{code}' in force on {units_on.isoformat()}")
    if district_code is not None and district_code not in (row.code, row.parent):
        raise outside_district(district_code, code)
    return {"code": row.code, "name": row.name, "level": row.level}


def _live_unit(session: Session, code: str, district_code: str | None) -> dict:
    lineage = check_unit(session, code, district_code)
    level = lineage[0][1]
    if level not in ("district", "commune"):
        raise NotFound(f"'{code}' is a {level}; the drill-down takes a district or a commune")
    row = session.execute(
        text(f"SELECT code, name, level FROM admin_units u WHERE code = :c AND {IN_FORCE.format(a='u')}"),
        {"c": code},
    ).first()
    return dict(row._mapping)


def _not_covered(hamlet: dict) -> bool:
    return hamlet["mbb_covered"] is not True or hamlet["ftth_covered"] is not True


def hamlet_gaps(
    session: Session,
    code: str,
    period: str | None = None,
    *,
    district_code: str | None = None,
    plan: str | None = None,
) -> dict:
    """The drill-down of district or commune ``code``: hamlets short of mobile broadband or FTTH
    (``mbb_covered`` / ``ftth_covered`` false, or null when never computed) and offices not connected.
    A closed period is read on the units ``plan`` (default: the quarter's) is judged on; an open one
    on today's, or on the units of the plan named when it is judged on earlier ones."""
    quarter = None if period is None else str(parse_period(period))
    closed = snapshots.closed_period(session, quarter) if quarter else None
    if closed is not None:
        chosen = quarter_plan(session, Quarter.parse(quarter), plan)
        units_on = snapshots.plan_units_day(session, closed, chosen.judged_on)
        unit = _frozen_unit(session, quarter, code, district_code, units_on)
        hamlets = snapshot_rows(session, "hamlet_snapshots", quarter, code, units_on)
        offices = snapshot_rows(session, "office_snapshots", quarter, code, units_on)
    else:
        judged = None if plan is None else plan_for(session, plan).judged_on
        units_on = judged if judged is not None and judged < today() else None
        if units_on is None:
            unit = _live_unit(session, code, district_code)
        else:
            unit = _former_unit(session, code, district_code, units_on)
        hamlets, offices = all_hamlets(session, code, units_on), all_offices(session, code, units_on)
    return {
        "unit": unit,
        "period": quarter,
        "closed": closed is not None,
        "hamlets": nearest_sites_within(session, district_code, [h for h in hamlets if _not_covered(h)]),
        "offices": [o for o in offices if not o["gov_network_connected"]],
    }


def snapshot_rows(
    session: Session, table: str, period: str, code: str | None, units_on: date | None = None
) -> list[dict]:
    """Hamlets or offices frozen in ``period`` on the units of ``units_on`` (default: the period's day)."""
    key = "hamlet_code" if table == "hamlet_snapshots" else "office_code"
    rows = session.execute(
        text(
            f"SELECT record FROM {table} s WHERE period = :p AND s.units_on = coalesce(CAST(:units_on AS date), "
            "(SELECT c.as_of FROM closed_periods c WHERE c.period = s.period)) "
            "AND (CAST(:code AS text) IS NULL OR :code IN (district_code, commune_code)) "
            f"ORDER BY {key}"
        ),
        {"p": period, "code": code, "units_on": units_on},
    )
    return [r.record for r in rows]
