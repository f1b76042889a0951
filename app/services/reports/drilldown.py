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
from app.services.coverage import asof
from app.services.coverage.ftth import ftth_for_today, ftth_shares_on
from app.services.coverage.read import nearest_sites_by_hamlet
from app.services.plans import plan_for
from app.services.reports import snapshots
from app.services.reports.indicators import checked_day, parse_period, period_day, quarter_plan
from app.services.reports.indicators_sql import CONNECTED_ON, coverage_run, today
from app.services.scope import check_unit, nearest_sites_within, outside_district
from gis.indicators import Quarter

# The units in force on :units_on (NULL: today): a plan judged on the former districts and
# communes sees the hamlets as they hung from those.
_ON = IN_FORCE_ON.replace("{day}", "coalesce(CAST(:units_on AS date), CURRENT_DATE)")

# The hamlet coverage the drill-down reads, per hamlet id: the live run's (with its dead-zone
# polygons' area), or a dated run's (FTTH then filled in as of its day, in Python).
_LIVE_DETAIL = """
SELECT hc.hamlet_id, hc.cells_total, hc.mbb_share, hc.mbb_covered, hc.ftth_share, hc.ftth_covered,
       hc.dead_zone_population,
       CASE WHEN hc.cells_total IS NOT NULL THEN coalesce(dz.area_km2, 0) END AS dead_zone_area_km2
FROM hamlet_coverage hc
LEFT JOIN (SELECT hamlet_id, sum(area_km2) AS area_km2 FROM dead_zones
           WHERE kind IN ('no_signal', 'no_mbb') GROUP BY hamlet_id) dz ON dz.hamlet_id = hc.hamlet_id
"""
_DATED_DETAIL = f"SELECT d.*, NULL::float AS ftth_share, NULL::boolean AS ftth_covered FROM ({asof.HAMLET_DETAIL_OF_RUN}) d"
# Coverage is computed for the hamlets in force on its day (:coverage_on, NULL: today): a former
# version of a hamlet (before a reform moved it under a new commune) reads that of its version in
# force then, by code.
_COVERAGE_ON = IN_FORCE_ON.replace("{day}", "coalesce(CAST(:coverage_on AS date), CURRENT_DATE)")

# Hamlets hang from communes, communes from districts (or the province after the reform);
# :code NULL = every hamlet (what a snapshot keeps). Dead-zone area counts the ground without
# mobile broadband (no signal at all, or 2G/3G only); NULL when coverage was never computed.
_HAMLETS = f"""
SELECT h.id, cur.id AS coverage_hamlet_id, h.code, h.name, c.code AS commune_code, c.name AS commune_name,
       d.code AS district_code, d.name AS district_name, h.population, h.households,
       hc.mbb_share, hc.mbb_covered, hc.ftth_share, hc.ftth_covered, hc.dead_zone_population,
       round(hc.dead_zone_area_km2::numeric, 4)::float AS dead_zone_area_km2,
       ST_XMin(h.geom) AS xmin, ST_YMin(h.geom) AS ymin, ST_XMax(h.geom) AS xmax, ST_YMax(h.geom) AS ymax
FROM admin_units h
JOIN admin_units c ON c.id = h.parent_id
JOIN admin_units d ON d.id = c.parent_id
LEFT JOIN admin_units cur ON cur.level = 'hamlet' AND cur.code = h.code AND {_COVERAGE_ON.format(a="cur")}
LEFT JOIN ({{coverage}}) hc ON hc.hamlet_id = cur.id
WHERE h.level = 'hamlet' AND {_ON.format(a="h")}
  AND (CAST(:code AS text) IS NULL OR :code IN (c.code, d.code))
ORDER BY h.code
"""
_HAMLETS_LIVE = _HAMLETS.format(coverage=_LIVE_DETAIL)
_HAMLETS_DATED = _HAMLETS.format(coverage=_DATED_DETAIL)

_CONNECTED_THEN = CONNECTED_ON.format(a="o", day="CAST(:as_of AS date)")
# Offices belong to the commune in force their point falls in (as for the indicator).
_OFFICES = f"""
SELECT DISTINCT ON (o.code) o.code, o.name, c.code AS commune_code, c.name AS commune_name,
       d.code AS district_code, d.name AS district_name,
       CASE WHEN :as_of IS NULL THEN o.gov_network_connected ELSE {_CONNECTED_THEN} END AS gov_network_connected,
       o.bandwidth_mbps, ST_X(o.geom) AS lon, ST_Y(o.geom) AS lat
FROM commune_offices o
JOIN admin_units c ON c.level = 'commune' AND {_ON.format(a="c")} AND ST_Intersects(c.geom, o.geom)
JOIN admin_units d ON d.id = c.parent_id
WHERE CAST(:code AS text) IS NULL OR :code IN (c.code, d.code)
ORDER BY o.code, c.code
"""


def all_hamlets(
    session: Session, code: str | None = None, units_on: date | None = None, as_of: date | None = None
) -> list[dict]:
    """Every hamlet in force on ``units_on`` (today; at or under unit ``code``) with its coverage
    and nearest sites: today's, or as of the past day ``as_of`` (the dated run of that day when
    stored, else today's while it is computed; FTTH from the access points in service that day)."""
    ftth_for_today(session.get_bind())  # today's, or the one a past day's reuses
    run = None if as_of is None or as_of >= today() else coverage_run(session, as_of)
    dated = run is not None and run.dated
    params = {"code": code, "units_on": units_on, "coverage_on": run.as_of if dated else None}
    rows = session.execute(
        text(_HAMLETS_DATED if dated else _HAMLETS_LIVE), {**params, "coverage_run": run and run.id}
    ).all()
    nearest = nearest_sites_by_hamlet(session, [r.id for r in rows])
    ftth = (
        {}
        if run is None
        else ftth_shares_on(
            session.connection(), [r.coverage_hamlet_id for r in rows if r.coverage_hamlet_id], as_of
        )
    )
    level = None if run is None else asof.ftth_level(session, run.id)
    out = []
    for r in rows:
        record = {k: v for k, v in r._mapping.items() if k not in _INTERNAL}
        if run is not None:  # FTTH as of the day, whichever run the cells came from
            share = ftth.get(r.coverage_hamlet_id)
            record["ftth_share"], record["ftth_covered"] = share, None if share is None else share >= level
        record["bbox"] = [r.xmin, r.ymin, r.xmax, r.ymax]
        record["nearest_sites"] = [
            {k: s[k] for k in ("operator", "site_code", "distance_m")} for s in nearest[r.id]
        ]
        out.append(record)
    return out


_INTERNAL = ("id", "coverage_hamlet_id", "xmin", "ymin", "xmax", "ymax")


def all_offices(
    session: Session, code: str | None = None, units_on: date | None = None, as_of: date | None = None
) -> list[dict]:
    """Every office (at or under unit ``code``), connected today or on the past day ``as_of``."""
    as_of = None if as_of is None or as_of >= today() else as_of
    rows = session.execute(text(_OFFICES), {"code": code, "units_on": units_on, "as_of": as_of})
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
    as_of: date | None = None,
) -> dict:
    """The drill-down of district or commune ``code``: hamlets short of mobile broadband or FTTH
    (``mbb_covered`` / ``ftth_covered`` false, or null when never computed) and offices not connected.
    A closed period is read on the units ``plan`` (default: the quarter's) is judged on. An open one
    (or any day ``as_of``, not after today, within ``period`` when both are given) is computed as of
    its day — today for the current quarter, its last day for a past one — on the units in force
    then, or on those of the plan named when it is judged on earlier ones."""
    given = None if period is None else parse_period(period)
    day = None if as_of is None else checked_day(as_of, given)
    quarter = None if given is None else str(given)
    closed = snapshots.closed_period(session, quarter) if quarter and day is None else None
    if closed is not None:
        chosen = quarter_plan(session, Quarter.parse(quarter), plan)
        units_on = snapshots.plan_units_day(session, closed, chosen.judged_on)
        unit = _frozen_unit(session, quarter, code, district_code, units_on)
        hamlets = snapshot_rows(session, "hamlet_snapshots", quarter, code, units_on)
        offices = snapshot_rows(session, "office_snapshots", quarter, code, units_on)
        day = closed.as_of
    else:
        day = day or (period_day(given) if given else today())
        judged = None if plan is None else plan_for(session, plan).judged_on
        units_on = snapshots.units_day(judged, day)
        if units_on >= today():
            unit = _live_unit(session, code, district_code)
        else:
            unit = _former_unit(session, code, district_code, units_on)
        hamlets = all_hamlets(session, code, units_on, day)
        offices = all_offices(session, code, units_on, day)
    return {
        "unit": unit,
        "period": quarter,
        "as_of": day,
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
