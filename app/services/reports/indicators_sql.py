"""The queries behind the plan's indicators: one per family, grouped by admin unit.

Every query starts from the units of one level in force on the scope's day (optionally one code)
and lets PostGIS assign features to them with ST_Intersects on the GiST indexes; Python only divides.
A point lying exactly on a shared border counts in both units (measure-zero in practice).

As of a day d (the scope's ``as_of``, bound as :as_of): units in force on d; sites active on d;
poles and duct routes in service on d; offices connected by d (``ACTIVE_SITE_ON``, ``IN_SERVICE_ON``,
``CONNECTED_ON``). Tenancies, attachments and occupancy carry no dates: they are today's.
Hamlet coverage is that of the coverage run of the day (``coverage_run``): the live run today, the
dated run of a past day when stored, else the live run while the day's is computed in the background;
FTTH reach of a past day is computed from the fibre access points in service on it.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from app.layer_types import IN_FORCE_ON
from app.models import ADMIN_LEVELS
from app.services.clock import TIMEZONE, today
from app.services.coverage import asof, ftth
from gis.indicators import Quarter

# The day of the figures, bound once per query.
_DAY = "CAST(:as_of AS date)"
# The units are those in force on the scope's units day: its own, or the day a plan is judged on
# (a plan on the former districts keeps them after a reform; the network is still the day's).
IN_FORCE = IN_FORCE_ON.replace("{day}", "CAST(:units_on AS date)")
# A site active on the day: commissioned by then (NULL: before the records began) and not yet
# decommissioned; a decommissioned site without its day is not known to have been active then.
ACTIVE_SITE_ON = (
    "{a}.status IN ('active', 'decommissioned') AND ({a}.commissioned_on IS NULL OR {a}.commissioned_on <= {day}) "
    "AND ({a}.decommissioned_on > {day} OR ({a}.decommissioned_on IS NULL AND {a}.status = 'active'))"
)
# Poles, duct routes, access points, manholes over [in_service_from, in_service_to) (migration 0016).
IN_SERVICE_ON = (
    "({a}.in_service_from IS NULL OR {a}.in_service_from <= {day}) "
    "AND ({a}.in_service_to IS NULL OR {a}.in_service_to > {day})"
)
# An office on the government network on the day: connected by then (NULL: before the records
# began) and not disconnected yet; one marked unconnected without a disconnection day never was.
CONNECTED_ON = (
    "({a}.gov_network_connected OR {a}.disconnected_on IS NOT NULL) "
    "AND ({a}.connected_on IS NULL OR {a}.connected_on <= {day}) "
    "AND ({a}.disconnected_on IS NULL OR {a}.disconnected_on > {day})"
)


# `within` keeps the units at or under one district (its communes, their hamlets). On units of a day
# after a reform abolished it (the new communes directly under the city), those with a point in its
# last boundary, as the map's layers of an official of the former district (app/layer_types.py).
_FORMER_DISTRICT = f"""(NOT EXISTS (SELECT 1 FROM admin_units w WHERE w.level = 'district' AND w.code = :within
    AND {IN_FORCE.format(a="w")})
  AND ST_Intersects((SELECT d.geom FROM admin_units d WHERE d.level = 'district' AND d.code = :within
                     AND d.valid_from <= CAST(:units_on AS date) ORDER BY d.valid_from DESC LIMIT 1),
                    ST_PointOnSurface(u.geom)))"""
_WITHIN = f"""(CAST(:within AS text) IS NULL OR u.code = :within
  OR u.parent_id IN (SELECT w.id FROM admin_units w WHERE w.code = :within AND {IN_FORCE.format(a="w")})
  OR u.parent_id IN (SELECT c.id FROM admin_units c JOIN admin_units w ON c.parent_id = w.id
                     WHERE w.code = :within AND {IN_FORCE.format(a="w")})
  OR (u.level <> 'province' AND {_FORMER_DISTRICT}))"""
# `area` keeps the units at or under the unit a plan covers (a former province of a merged city).
AREA_UNITS = f"""WITH RECURSIVE down AS (
  SELECT a.id, a.code FROM admin_units a WHERE a.code = :area AND {IN_FORCE.format(a="a")}
  UNION ALL SELECT c.id, c.code FROM admin_units c JOIN down ON c.parent_id = down.id)
SELECT id, code FROM down"""
_AREA = f"(CAST(:area AS text) IS NULL OR u.id IN (SELECT id FROM ({AREA_UNITS}) area))"
_UNITS = (
    f"u.level = :level AND {IN_FORCE.format(a='u')} AND (CAST(:code AS text) IS NULL OR u.code = :code) "
    f"AND {_WITHIN} AND {_AREA}"
)


@dataclass(frozen=True)
class Scope:
    """The units a report covers: every unit of `level` in force on `as_of` (None: today), or the
    one with `code`, at or under the unit `within` (a district) when given; the figures are those
    of that day."""

    level: str
    code: str | None = None
    within: str | None = None
    as_of: date | None = None
    units_on: date | None = None  # the units in force on this day instead (a plan's `judged_on`)
    area: str | None = None  # only the units at or under this one (the plan's `area_code`)

    @property
    def day(self) -> date:
        return self.as_of or today()

    @property
    def units_day(self) -> date:
        return self.units_on or self.day

    @property
    def params(self) -> dict[str, object]:
        return {
            "level": self.level,
            "code": self.code,
            "within": self.within,
            "as_of": self.day,
            "units_on": self.units_day,
            "area": self.area,
        }


@dataclass(frozen=True)
class Shared:
    shared: int
    total: int


@dataclass(frozen=True)
class DuctShares:
    shared: int
    total: int
    shared_m: float
    total_m: float


@dataclass(frozen=True)
class HamletCounts:
    hamlets: int
    mbb_known: int
    mbb_covered: int
    ftth_known: int
    ftth_covered: int


def area_codes(session: Session, area: str | None, units_on: date) -> set[str] | None:
    """The codes of the units at or under ``area`` in force on ``units_on`` (None: no area, all)."""
    if area is None:
        return None
    rows = session.execute(text(f"SELECT code FROM ({AREA_UNITS}) x"), {"area": area, "units_on": units_on})
    return set(rows.scalars())


def levels_in_force(session: Session, as_of: date | None = None) -> list[str]:
    rows = session.execute(
        text(f"SELECT DISTINCT u.level FROM admin_units u WHERE {IN_FORCE.format(a='u')}"),
        {"units_on": as_of or today()},
    )
    found = {r[0] for r in rows}
    return [level for level in ADMIN_LEVELS if level in found]


def units(session: Session, scope: Scope) -> list[Row]:
    return session.execute(
        text(
            "SELECT u.id, u.code, u.name, u.level, u.population, u.households, p.code AS parent_code "
            f"FROM admin_units u LEFT JOIN admin_units p ON p.id = u.parent_id WHERE {_UNITS} ORDER BY u.code"
        ),
        scope.params,
    ).all()


def latest_period(session: Session) -> str | None:
    # 'YYYY-Qn' sorts as text in time order.
    return session.execute(
        text(
            "SELECT max(p) FROM (SELECT max(period) p FROM statistics UNION ALL SELECT max(period) FROM closed_periods) x"
        )
    ).scalar_one()


def unit_exists(session: Session, level: str, code: str, as_of: date | None = None) -> bool:
    return bool(
        session.execute(
            text(
                f"SELECT 1 FROM admin_units u WHERE u.level = :level AND u.code = :code AND {IN_FORCE.format(a='u')}"
            ),
            {"level": level, "code": code, "units_on": as_of or today()},
        ).first()
    )


def coverage_run(session: Session, day: date) -> asof.RunRef | None:
    """The coverage run the figures of ``day`` use (``asof.run_for_day``); a past day without its
    run is queued for the worker, in a transaction of its own."""
    return asof.run_for_day(session, day, today(), session.get_bind())


def coverage_run_by_id(session: Session, run_id: int) -> asof.RunRef | None:
    return asof.run_by_id(session, run_id)


def targets(session: Session, plan: str) -> list[Row]:
    """The indicators of ``plan`` with their targets, in the plan's order."""
    return session.execute(
        text(
            "SELECT i.id, i.name_vi, i.name_en, i.unit, i.method, t.target_value, t.target_year "
            "FROM plan_targets t JOIN indicators i ON i.id = t.indicator_id "
            "WHERE t.plan_code = :plan ORDER BY t.position, i.id"
        ),
        {"plan": plan},
    ).all()


_SHARED_POINTS = """
SELECT u.id AS unit_id, count(*) FILTER (WHERE coalesce(t.n, 0) >= 2) AS shared, count(*) AS total
FROM admin_units u
JOIN {table} f ON ST_Intersects(u.geom, f.geom)
LEFT JOIN (SELECT {key}, count(*) AS n FROM {tenants} GROUP BY {key}) t ON t.{key} = f.id
WHERE {units} AND {where}
GROUP BY u.id
"""


def _shared_points(session: Session, scope: Scope, table: str, tenants: str, key: str, where: str):
    sql = _SHARED_POINTS.format(table=table, tenants=tenants, key=key, units=_UNITS, where=where)
    return {r.unit_id: Shared(r.shared, r.total) for r in session.execute(text(sql), scope.params)}


def site_sharing(session: Session, scope: Scope) -> dict[int, Shared]:
    """Sites active on the scope's day and those with two or more tenant operators, per unit."""
    active = ACTIVE_SITE_ON.format(a="f", day=_DAY)
    return _shared_points(session, scope, "sites", "site_tenancies", "site_id", active)


def pole_sharing(session: Session, scope: Scope) -> dict[int, Shared]:
    """Poles in service on the scope's day and those carrying two or more operators' cables, per unit."""
    in_service = IN_SERVICE_ON.format(a="f", day=_DAY)
    return _shared_points(session, scope, "poles", "pole_attachments", "pole_id", in_service)


# A route counts (by number) in every unit holding a stretch of it, and by length with that
# stretch only; a route merely touching the border (zero length inside) does not count.
# Routes wholly inside keep their stored geodesic length_m; cut ones are measured on the cut
# (ST_Contains with the unit first: PostGIS prepares the polygon once for all its routes).
_DUCTS = f"""
WITH parts AS MATERIALIZED (  -- each stretch measured once, not again by every aggregate
  SELECT u.id AS unit_id, r.id AS route_id,
         CASE WHEN ST_Contains(u.geom, r.geom) THEN r.length_m
              ELSE ST_Length(ST_Intersection(r.geom, u.geom)::geography) END AS part_m
  FROM admin_units u JOIN duct_routes r ON ST_Intersects(u.geom, r.geom)
  WHERE {_UNITS} AND {IN_SERVICE_ON.format(a="r", day=_DAY)}
)
SELECT p.unit_id,
       count(*) FILTER (WHERE coalesce(o.n, 0) >= 2) AS shared, count(*) AS total,
       coalesce(sum(p.part_m) FILTER (WHERE coalesce(o.n, 0) >= 2), 0) AS shared_m,
       sum(p.part_m) AS total_m
FROM parts p
LEFT JOIN (SELECT duct_route_id, count(*) AS n FROM duct_occupancy GROUP BY duct_route_id) o
  ON o.duct_route_id = p.route_id
WHERE p.part_m > 0
GROUP BY p.unit_id
"""


def duct_sharing(session: Session, scope: Scope) -> dict[int, DuctShares]:
    return {
        r.unit_id: DuctShares(r.shared, r.total, float(r.shared_m), float(r.total_m))
        for r in session.execute(text(_DUCTS), scope.params)
    }


# Offices belong to a unit by their location, not by commune_id: after a boundary reform the
# commune row an office names may be a version no longer in force, while its point still falls
# in exactly the unit in force that serves it, at any level.
_OFFICES = f"""
SELECT u.id AS unit_id, count(*) FILTER (WHERE {CONNECTED_ON.format(a="o", day=_DAY)}) AS shared,
       count(*) AS total
FROM admin_units u JOIN commune_offices o ON ST_Intersects(u.geom, o.geom)
WHERE {_UNITS}
GROUP BY u.id
"""


def office_connections(session: Session, scope: Scope) -> dict[int, Shared]:
    """Commune offices and those connected to the government data network on the day, per unit."""
    return {r.unit_id: Shared(r.shared, r.total) for r in session.execute(text(_OFFICES), scope.params)}


def offices_connected(session: Session, as_of: date) -> set[str]:
    """Codes of the offices on the government data network on ``as_of``."""
    sql = f"SELECT o.code FROM commune_offices o WHERE {CONNECTED_ON.format(a='o', day=_DAY)}"
    return set(session.execute(text(sql), {"as_of": as_of}).scalars())


# Hamlets belong to a unit through parent_id ancestry among units in force, whatever the levels
# in between (hamlet → commune → district → province today, hamlet → commune → province after
# the reform). NULL in hamlet_coverage = not computed yet, so it is counted apart.
_HAMLETS = """
WITH RECURSIVE tree AS (
  SELECT u.id AS unit_id, u.id, u.level FROM admin_units u WHERE {units}
  UNION ALL
  SELECT t.unit_id, c.id, c.level FROM tree t
  JOIN admin_units c ON c.parent_id = t.id AND {in_force}
  WHERE t.level <> 'hamlet'
){ctes}
SELECT t.unit_id, count(*) AS hamlets,
       count(hc.mbb_covered) AS mbb_known, count(*) FILTER (WHERE hc.mbb_covered) AS mbb_covered,
       count(hc.ftth_covered) AS ftth_known, count(*) FILTER (WHERE hc.ftth_covered) AS ftth_covered
FROM tree t JOIN {coverage} hc ON hc.hamlet_id = t.id
WHERE t.level = 'hamlet'
GROUP BY t.unit_id
"""
_HAMLETS_LIVE = _HAMLETS.format(
    units=_UNITS, in_force=IN_FORCE.format(a="c"), ctes="", coverage="hamlet_coverage"
)
# A past day: FTTH of the hamlets counted (the tree's), from the access points in service that day,
# computed once (MATERIALIZED: a nested loop must not recompute it per hamlet).
_FTTH_ON = ftth.shares_on_reusing_sql("a.id IN (SELECT t.id FROM tree t WHERE t.level = 'hamlet')", _DAY)
_HAMLETS_ON = {
    dated: _HAMLETS.format(
        units=_UNITS,
        in_force=IN_FORCE.format(a="c"),
        ctes=f", ftth AS MATERIALIZED ({_FTTH_ON})",
        coverage="("
        + asof.HAMLET_COVERAGE_ON.format(mbb=asof.MBB_OF_RUN if dated else asof.MBB_LIVE, ftth="ftth")
        + ")",
    )
    for dated in (True, False)
}


def hamlet_coverage(session: Session, scope: Scope) -> dict[int, HamletCounts]:
    """Hamlets with mobile broadband / FTTH per unit, from the coverage run of the scope's day; FTTH
    of a past day from the access points in service then (none without any run, as the drill-down)."""
    ftth.ftth_for_today(session.get_bind())  # today's, or the one a past day's reuses
    run = coverage_run(session, scope.day)
    params = {**scope.params, "coverage_run": run and run.id}
    if run is None or scope.day >= today():
        sql = _HAMLETS_LIVE
    else:
        sql = _HAMLETS_ON[run.dated]
        conn = session.connection()
        params |= {**ftth.reach_params(conn), "ftth_level": asof.ftth_level(conn, run.id)}
    return {
        r.unit_id: HamletCounts(r.hamlets, r.mbb_known, r.mbb_covered, r.ftth_known, r.ftth_covered)
        for r in session.execute(text(sql), params)
    }


_SPEEDS = f"""
SELECT u.id AS unit_id, t.technology, array_agg(t.download_mbps ORDER BY t.id) AS samples
FROM admin_units u JOIN speed_tests t ON ST_Intersects(u.geom, t.geom)
WHERE {_UNITS} AND t.technology = ANY(:technologies)
  AND t.measured_at >= (CAST(:start AS timestamp) AT TIME ZONE '{TIMEZONE}')
  AND t.measured_at < (CAST(:end AS timestamp) AT TIME ZONE '{TIMEZONE}')
GROUP BY u.id, t.technology
"""


def speed_samples(
    session: Session, scope: Scope, quarter: Quarter, technologies: tuple[str, ...]
) -> dict[tuple[int, str], list[float]]:
    """Download speeds measured in the quarter (local time), per unit and technology."""
    params = {**scope.params, "technologies": list(technologies), "start": quarter.start, "end": quarter.end}
    return {(r.unit_id, r.technology): r.samples for r in session.execute(text(_SPEEDS), params)}


def statistics(session: Session, scope: Scope, period: str) -> dict[int, dict[str, Decimal]]:
    """Reported figures of the period: unit id → metric → value."""
    rows = session.execute(
        text(
            "SELECT s.admin_unit_id, s.metric, s.value FROM statistics s "
            f"JOIN admin_units u ON u.id = s.admin_unit_id WHERE {_UNITS} AND s.period = :period"
        ),
        {**scope.params, "period": period},
    )
    found: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for unit_id, metric, value in rows:
        found[unit_id][metric] = value
    return dict(found)
