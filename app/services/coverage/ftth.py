"""FTTH reach, in PostGIS: the share of each hamlet within the service radius of an active
fibre access point, and the part out of reach (the FTTH gap).

The rule's reach is the true circle on the ellipsoid: every point within ``service_radius_m`` of
the access point along the geodesic. It is drawn in the metric CRS, which is conformal (UTM or
VN-2000 TM), so a circle of a few hundred metres stays a circle there, only scaled by the
projection (k ≈ 0.9996–1.0002): its radius there is measured, not assumed, by projecting the point
one service radius north along the geodesic (ST_Project on the geography). A polygon of
4 × QUAD_SEGS sides inscribed in a circle misses (θ − sin θ) / θ of its area (0.64 % with the
default 8 segments a quarter, enough to drop a hamlet at 80.01 % below 80 %); its radius is widened
by EQUAL_AREA so that its area is the circle's. With 16 segments a quarter no edge strays more than
0.04 % of the radius from the circle, and shares match a geodesic ground truth within 2e-5.
"""

import logging
import math
import re
import weakref
from datetime import date

from pyproj import CRS
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError

from app.collections import IN_FORCE
from app.services.clock import today
from app.settings import get_settings

log = logging.getLogger(__name__)

QUAD_SEGS = 16
_THETA = 2 * math.pi / (4 * QUAD_SEGS)
EQUAL_AREA = math.sqrt(_THETA / math.sin(_THETA))

# Each hamlet is projected once (MATERIALIZED), not once per access point near it. The bbox
# prefilter (on the GiST index, so its distance must be a constant) uses degrees: 1° ≥ 109 km here,
# so max radius / 100 000 m over-covers. share = 1 − gap / hamlet: one overlay instead of two.
# {hamlets}: which hamlets; {serving}: which access points reach (condition on f).
_REACH = """
WITH h AS MATERIALIZED (
  SELECT a.id, a.geom, ST_Transform(a.geom, :srid) AS hm FROM admin_units a
  WHERE a.level = 'hamlet' AND {hamlets}
)
SELECT h.id,
       CASE WHEN r.reach IS NULL THEN 0
            ELSE greatest(1 - ST_Area(g.gap) / nullif(ST_Area(h.hm), 0), 0) END AS share{columns}
FROM h
LEFT JOIN LATERAL ({disks}) r ON true
CROSS JOIN LATERAL (SELECT ST_Difference(h.hm, r.reach) AS gap) g
"""
# An access point's reach disk in the metric CRS: its centre, its radius there, the polygon.
_DISK = f"""
SELECT c.centre, {EQUAL_AREA!r} * ST_Distance(c.centre, ST_Transform(
         ST_Project(f.geom::geography, f.service_radius_m, 0)::geometry, :srid)) AS radius
FROM (SELECT ST_Transform(f.geom, :srid) AS centre) c
"""
# The union of the disks of the access points serving (`{serving}`) near hamlet h, each disk drawn
# for this hamlet (a few hamlets: an incremental refresh, a past day's shares).
_DISKS_DRAWN = f"""
  SELECT ST_Union(ST_Buffer(d.centre, d.radius, {QUAD_SEGS})) AS reach
  FROM fibre_access_points f CROSS JOIN LATERAL ({_DISK}) d
  WHERE {{serving}} AND f.geom && ST_Expand(h.geom, :max_deg)
    AND ST_DWithin(d.centre, h.hm, d.radius)
"""
# The same union from the disks drawn once per access point into _DISKS_TABLE (a full refresh:
# 8,400 access points drawn once instead of 20,000 times, one per hamlet near each). The access
# points are scanned as in _DISKS_DRAWN (their GiST index), the disk looked up by id: ST_Union
# receives the same disks in the same order, so the reach is the same to the bit.
_DISKS_TABLE = "ftth_disks"
_DISKS_STORED = f"""
  SELECT ST_Union(d.disk) AS reach
  FROM fibre_access_points f JOIN {_DISKS_TABLE} d ON d.id = f.id
  WHERE f.geom && ST_Expand(h.geom, :max_deg) AND ST_DWithin(d.centre, h.hm, d.radius)
"""
_DRAW_DISKS = f"""
CREATE TEMP TABLE {_DISKS_TABLE} ON COMMIT DROP AS
SELECT f.id, d.centre, d.radius, ST_Buffer(d.centre, d.radius, {QUAD_SEGS}) AS disk
FROM fibre_access_points f CROSS JOIN LATERAL ({_DISK}) d WHERE {{serving}}
"""
# The published gap, on the 1e-7° grid GeoJSON is written with, so the polygon stays valid.
_GAP = """,
       CASE WHEN r.reach IS NULL THEN h.geom
            WHEN NOT ST_IsEmpty(g.gap) THEN ST_Multi(ST_CollectionExtract(ST_ReducePrecision(ST_MakeValid(
                 ST_Transform(g.gap, 4326)), 1e-7), 3)) END"""
# An access point in service on a day (`{day}`: an SQL date), by its dates (migration 0016).
_IN_SERVICE_ON = (
    "(f.in_service_from IS NULL OR f.in_service_from <= {day}) "
    "AND (f.in_service_to IS NULL OR f.in_service_to > {day})"
)
# Serving on a day: active, and in service then. Today's reach is the rule at CURRENT_DATE, the
# region's today (app/db.py sets every session's TimeZone to the region's).
_SERVING_ON = "f.status = 'active' AND " + _IN_SERVICE_ON
_TODAY = "CURRENT_DATE"
# Serving on the day hamlet_ftth describes (migration 0038, its one row as `s`); no day: the reach
# was computed before that migration, by status alone.
_SERVING_STORED = f"f.status = 'active' AND (s.day IS NULL OR ({_IN_SERVICE_ON.format(day='s.day')}))"
# Access points serving on `{day}` but not on hamlet_ftth's day, or the reverse: the hamlets they come
# near (by the bbox prefilter) are the only ones whose share on `{day}` may differ from the stored one.
# Whether there is any at all is asked first, once (an InitPlan): most days none is, and then no hamlet
# probes the access points near it.
_DIFFERING = (
    "FROM fibre_access_points f CROSS JOIN hamlet_ftth_day s "
    "WHERE (" + _SERVING_ON + ") IS DISTINCT FROM (" + _SERVING_STORED + ")"
)
_DIFFERS = (
    f"(EXISTS (SELECT 1 {_DIFFERING}) AND "
    f"EXISTS (SELECT 1 {_DIFFERING} AND f.geom && ST_Expand(a.geom, :max_deg)))"
)


def _reach_sql(hamlets: str, day: str, columns: str = "", disks: str = _DISKS_DRAWN) -> str:
    return _REACH.format(
        hamlets=hamlets, columns=columns, disks=disks.format(serving=_SERVING_ON.format(day=day))
    )


# Today's reach, as every day's (shares_on_sql) with the gap polygon: of some hamlets, or of all
# from the disks drawn once (_DRAW_DISKS first).
_INSERT = "INSERT INTO hamlet_ftth (hamlet_id, share, geom) "
_REFRESH = _INSERT + _reach_sql(f"{IN_FORCE.format(a='a')} AND a.id = ANY(:ids)", _TODAY, _GAP)
_REFRESH_ALL = _INSERT + _reach_sql(IN_FORCE.format(a="a"), _TODAY, _GAP, _DISKS_STORED)
# A change the coverage worker has not applied to hamlet_ftth yet (an access point or a hamlet edited
# seconds ago, runs.py): the hamlets near it are not read from the table.
_PENDING_CHANGE = "FROM coverage_dirty d WHERE d.source IN ('fibre_access_points', 'admin_units')"
# As _DIFFERS: asked once first, coverage_dirty has no spatial index (and is mostly empty).
_PENDING = (
    f"(EXISTS (SELECT 1 {_PENDING_CHANGE}) AND "
    f"EXISTS (SELECT 1 {_PENDING_CHANGE} AND d.geom && ST_Expand(a.geom, :max_deg)))"
)
# The hamlets in force whose stored reach is not today's: near an access point whose serving state
# differs between hamlet_ftth's day and today.
_STALE = (
    f"SELECT a.id FROM admin_units a WHERE a.level = 'hamlet' AND {IN_FORCE.format(a='a')} "
    f"AND {_DIFFERS.format(day=_TODAY)}"
)
_STORED_IS_TODAY = text(f"SELECT day IS NOT DISTINCT FROM {_TODAY} FROM hamlet_ftth_day")
_GAVE_WAY = {"55P03", "40P01"}  # lock_not_available, deadlock_detected
_LOCK = 30_038  # pg advisory lock: one transaction rewrites hamlet_ftth at a time


def shares_on_sql(hamlets: str, day: str) -> str:
    """SQL: (id, share) of the hamlets matching ``hamlets`` (a condition on admin_units ``a``) within
    reach of the access points in service on ``day`` (an SQL date expression); binds :srid and
    :max_deg (``reach_params``)."""
    return _reach_sql(hamlets, day)


# The stored share of hamlet `a`: its own row in hamlet_ftth, else that of a hamlet with the same
# geometry (a share depends on the geometry and the access points only): the rows of a hamlet replaced
# by a reform (valid_to passed) are never stored, but its successor with the same outline is. `~=` (bbox
# equality) finds the twin on the GiST index; ST_OrderingEquals then demands the very same vertices in
# the same order (exact, cheaper than ST_Equals' topology test), so the share stored is the one the
# same computation would give, to the bit.
_STORED = (
    "coalesce((SELECT k.share FROM hamlet_ftth k WHERE k.hamlet_id = a.id), "
    "(SELECT k.share FROM admin_units b JOIN hamlet_ftth k ON k.hamlet_id = b.id "
    "WHERE b.geom ~= a.geom AND ST_OrderingEquals(b.geom, a.geom) LIMIT 1))"
)


def shares_on_reusing_sql(hamlets: str, day: str) -> str:
    """SQL: what ``shares_on_sql`` answers, read from ``hamlet_ftth`` (``_STORED``: the hamlet's row or
    its same-geometry twin's) for the hamlets no access point comes near (by the bbox prefilter) whose
    serving state differs between ``day`` and the day hamlet_ftth describes (today once a reader
    brought it there: ``ftth_for_today``), computed for the others only: most past days differ from
    today by a few access points, so by a few hamlets (the sample's 536 hamlets all computed: 1.4 s;
    none: a few ms)."""
    near_change = f"({_DIFFERS.format(day=day)} OR {_PENDING})"
    return (
        f"WITH r AS MATERIALIZED (SELECT a.id, {_STORED} AS share, {near_change} AS redo "
        f"FROM admin_units a WHERE a.level = 'hamlet' AND ({hamlets})) "
        "SELECT r.id, r.share FROM r WHERE r.share IS NOT NULL AND NOT r.redo "
        f"UNION ALL ({shares_on_sql('a.id IN (SELECT r.id FROM r WHERE r.share IS NULL OR r.redo)', day)})"
    )


_SHARES_ON = shares_on_reusing_sql("a.id = ANY(:ids)", "CAST(:day AS date)")


def metric_srid() -> int:
    """The metric CRS coverage is measured in (settings' ``coverage_crs``), as an EPSG code."""
    return CRS.from_user_input(get_settings().coverage_crs).to_epsg()


def _max_deg(conn: Connection) -> float:
    radius_m = conn.execute(
        text("SELECT coalesce(max(service_radius_m), 0) FROM fibre_access_points WHERE status = 'active'")
    ).scalar_one()
    return radius_m / 100000.0


def reach_params(conn: Connection) -> dict[str, float]:
    """The parameters ``shares_on_sql`` binds: the metric CRS and the bbox prefilter's distance."""
    return {"srid": metric_srid(), "max_deg": _max_deg(conn)}


def ftth_shares_on(conn: Connection, hamlet_ids: list[int], day: date) -> dict[int, float]:
    """The share of each hamlet (by id) within reach of the access points in service on ``day``:
    what ``hamlet_ftth`` held that day (for a few hamlets: a drill-down), read from it for the
    hamlets the days between did not change (``shares_on_reusing_sql``)."""
    if not hamlet_ids:
        return {}
    params = {**reach_params(conn), "ids": hamlet_ids, "day": day}
    return {r.id: r.share for r in conn.execute(text(_SHARES_ON), params)}


def refresh_ftth(conn: Connection, srid: int, hamlet_ids: list[int] | None = None) -> None:
    """Recompute today's FTTH reach for the given hamlets (all when None), and for the hamlets the
    days passed since hamlet_ftth was computed changed (``ftth_for_today``): the whole table then
    describes today. Waits for another transaction rewriting it (the lock is held until commit)."""
    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK})
    all_hamlets = hamlet_ids is None
    ids = (
        []
        if all_hamlets
        else sorted(set(hamlet_ids) | {r[0] for r in conn.execute(text(_STALE), reach_params(conn))})
    )
    conn.execute(
        text("DELETE FROM hamlet_ftth WHERE :all_hamlets OR hamlet_id = ANY(:ids)"),
        {"all_hamlets": all_hamlets, "ids": ids},
    )
    params = {"srid": srid, "ids": ids, "max_deg": _max_deg(conn)}
    if all_hamlets:
        _refresh_all(conn, params)
    else:
        conn.execute(text(_REFRESH), params)
    conn.execute(text(f"UPDATE hamlet_ftth_day SET day = {_TODAY}"))


def _refresh_all(conn: Connection, params: dict) -> None:
    """Every hamlet's reach, from each access point's disk drawn once. The table is analysed so
    the planner knows its size (a temporary table has no statistics), and dropped once read."""
    conn.execute(text(_DRAW_DISKS.format(serving=_SERVING_ON.format(day=_TODAY))), params)
    conn.execute(text(f"ALTER TABLE {_DISKS_TABLE} ADD PRIMARY KEY (id)"))
    conn.execute(text(f"ANALYZE {_DISKS_TABLE}"))
    conn.execute(text(_REFRESH_ALL), params)
    conn.execute(text(f"DROP TABLE {_DISKS_TABLE}"))


# Per engine (its sessions' clock): the region's day its hamlet_ftth was last found to describe, so
# a tile or page from the cache reads nothing more on the same day. The stored day only ever moves
# to the writer's today, so once found fresh it stays so until the day ends.
_FRESH_ON: "weakref.WeakKeyDictionary[Engine, date]" = weakref.WeakKeyDictionary()


def ftth_for_today(bind: Engine | Connection) -> None:
    """Before today's FTTH is read (``hamlet_ftth``, the ``hamlet_coverage`` view, ``hamlet_features``),
    and by the coverage worker at each poll: when it was computed on an earlier day, refresh the
    hamlets near the access points whose serving state differs between that day and today (an
    ``in_service_from`` arrived, an ``in_service_to`` passed): in a transaction of its own on an
    engine, in the caller's on a connection (its commit keeps it). One request does it while the
    others read on (the day before's reach, for a moment): none waits on a coverage run holding the
    lock, none writes the same rows twice."""
    if isinstance(bind, Connection):
        with bind.begin_nested() as savepoint:
            _refresh_or_give_up(bind, savepoint)
        return
    if _FRESH_ON.get(bind) == today():
        return
    with bind.connect() as conn, conn.begin() as transaction:
        conn.execute(text("SET LOCAL lock_timeout = '5s'"))  # a reader waits little on a run's rows
        done = _refresh_or_give_up(conn, transaction)
    if done:
        _FRESH_ON[bind] = today()


def _refresh_or_give_up(conn: Connection, transaction) -> bool:
    """``_bring_to_today``, rolled back (False) when it waits on a coverage run's row locks too long or
    the database breaks a deadlock with one (a run holding hamlets' rows waiting for the FTTH lock):
    the reader reads on; the run, or a later reader, brings the reach to today."""
    try:
        return _bring_to_today(conn)
    except OperationalError as e:
        if getattr(e.orig, "pgcode", None) not in _GAVE_WAY:
            raise
        log.warning("FTTH of today left for later: %s", e.orig)
        transaction.rollback()
        return False


# What today's FTTH is read from: the table, the live coverage view, the hamlets layer's table.
_READ_FROM = re.compile(r"\b(hamlet_ftth|hamlet_coverage|hamlet_features)\b")


def reads_ftth(sql: str) -> bool:
    """Whether ``sql`` (a layer's source) reads today's FTTH: ``ftth_for_today`` first then."""
    return _READ_FROM.search(sql) is not None


def _bring_to_today(conn: Connection) -> bool:
    """True when hamlet_ftth describes today (now or already), False when another is at it."""
    if conn.execute(_STORED_IS_TODAY).scalar_one():
        return True
    if not conn.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": _LOCK}).scalar_one():
        return False
    if not conn.execute(_STORED_IS_TODAY).scalar_one():  # not done meanwhile by another
        refresh_ftth(conn, metric_srid(), [])
    return True


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
