"""Quarters: which ones the dashboard knows, and closing one — freezing every indicator of the
province, its districts and communes, every hamlet's coverage, every commune office and the
report maps, in one transaction, so that its reports never change afterwards.

A quarter is frozen as of its last day, whenever it is closed: the infrastructure in service and
the offices connected that day, the units in force that day — and, for a plan judged on an earlier
geography (``plans.judged_on``: the former districts and communes), its indicators, hamlets, offices
and maps on those units too (each snapshot row says its ``units_on``). Hamlet coverage is that of the
network of that day: the run as of the last day is computed (reusing unchanged blocks) before the
freeze and named in the snapshot."""

import json
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.errors import Conflict, InvalidParameter
from app.services.coverage import dated
from app.services.plans import plan_codes, plan_for
from app.services.reports import drilldown, indicators_sql, snapshots
from app.services.reports import svg_map as report_map
from app.services.reports.indicators import live_units, parse_period
from app.services.reports.indicators_sql import Scope
from gis.indicators import Quarter

LOCAL_TZ = ZoneInfo(indicators_sql.TIMEZONE)


def today() -> date:
    return indicators_sql.today()


def known_periods(session: Session) -> list[str]:
    """Quarters with statistics or a snapshot, and the current one, in order."""
    found = {r[0] for r in session.execute(text("SELECT DISTINCT period FROM statistics"))}
    found |= {p.period for p in snapshots.closed_periods(session)}
    found.add(str(Quarter.of(today())))
    return sorted(found, key=lambda p: Quarter.parse(p))


def list_periods(session: Session) -> list[dict]:
    closed = {p.period: p for p in snapshots.closed_periods(session)}
    with_stats = {r[0] for r in session.execute(text("SELECT DISTINCT period FROM statistics"))}
    current = str(Quarter.of(today()))
    return [
        {
            "period": p,
            "closed": p in closed,
            "closed_at": closed[p].closed_at if p in closed else None,
            "has_statistics": p in with_stats,
            "current": p == current,
        }
        for p in known_periods(session)
    ]


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def close_period(session: Session, period: str, *, closed_by: str | None = None) -> dict:
    """Freeze ``period`` (a quarter that has ended): Conflict when it is closed already."""
    quarter = parse_period(period)
    if quarter.end > today():
        raise InvalidParameter(
            f"{quarter} has not ended yet (it ends on {quarter.end.isoformat()}); close it afterwards"
        )
    if snapshots.closed_period(session, str(quarter)) is None:  # else Conflict below, without computing
        summary = dated.run_dated(session.get_bind(), quarter.last_day)
        run = indicators_sql.coverage_run_by_id(session, summary.run_id)
    else:
        run = None
    inserted = session.execute(
        text(
            "INSERT INTO closed_periods (period, closed_by, coverage_run_id, coverage_finished_at, as_of) "
            "VALUES (:p, :by, :run, :finished, :as_of) ON CONFLICT (period) DO NOTHING RETURNING period"
        ),
        {
            "p": str(quarter),
            "as_of": quarter.last_day,
            "by": closed_by,
            "run": run.id if run else None,
            "finished": run.finished_at if run else None,
        },
    ).first()
    if inserted is None:
        session.rollback()
        raise Conflict(f"{quarter} is closed already; its figures are frozen")
    try:
        counts = _freeze(session, quarter)
    except BaseException:
        session.rollback()
        raise
    session.commit()
    closed = snapshots.closed_period(session, str(quarter))
    return {**closed.as_dict(), "counts": counts}


_UNIT_IDS = (
    "SELECT coalesce(array_agg(u.id ORDER BY u.id), '{}') FROM admin_units u "
    f"WHERE u.level IN ('province', 'district', 'commune') AND {indicators_sql.IN_FORCE.format(a='u')}"
)


def geography_days(session: Session, day: date) -> list[date]:
    """The days whose units a quarter ending on ``day`` is frozen on: ``day`` itself (plans without
    ``judged_on``, and readers naming no plan) and each plan's earlier ``judged_on`` whose units
    differ from ``day``'s (no reform in between: the plan reads ``day``'s, see indicators_report)."""
    plans = [plan_for(session, code) for code in plan_codes(session)]
    earlier = {snapshots.units_day(p.judged_on, day) for p in plans} - {day}
    ids = {d: session.execute(text(_UNIT_IDS), {"units_on": d}).scalar_one() for d in earlier | {day}}
    return sorted({day} | {d for d in earlier if ids[d] != ids[day]})


def _freeze(session: Session, quarter: Quarter) -> dict[str, int]:
    period, day = str(quarter), quarter.last_day
    rows = []
    # Every plan's indicators on every geography: the network is the last day's, the units those
    # the plan is judged on (a plan on the former districts is frozen on them after a reform).
    days = geography_days(session, day)
    for units_on in days:
        levels = indicators_sql.levels_in_force(session, units_on)
        for level in (lv for lv in snapshots.SNAPSHOT_LEVELS if lv in levels):
            for unit in live_units(session, Scope(level, as_of=day, units_on=units_on), quarter):
                rows += [
                    {
                        "p": period,
                        "units_on": units_on,
                        "level": level,
                        "code": unit["code"],
                        "name": unit["name"],
                        "parent": unit["parent_code"],
                        "id": r["id"],
                        "record": _json(r),
                    }
                    for r in unit["indicators"]
                ]
    if rows:
        session.execute(
            text(
                "INSERT INTO indicator_snapshots (period, units_on, unit_level, unit_code, unit_name, "
                "parent_code, indicator_id, record) "
                "VALUES (:p, :units_on, :level, :code, :name, :parent, :id, CAST(:record AS jsonb))"
            ),
            rows,
        )
    counts = {"indicator_records": len(rows), "hamlets": 0, "offices": 0, "maps": 0}
    connected = indicators_sql.offices_connected(session, day)
    for units_on in days:
        hamlets = drilldown.all_hamlets(session, units_on=units_on, as_of=day)
        _insert_records(session, "hamlet_snapshots", "hamlet_code", period, units_on, hamlets)
        offices = [
            {**o, "gov_network_connected": o["code"] in connected}
            for o in drilldown.all_offices(session, units_on=units_on)
        ]
        _insert_records(session, "office_snapshots", "office_code", period, units_on, offices)
        province = indicators_sql.units(session, Scope("province", as_of=day, units_on=units_on))
        # The region, each of its provinces when it holds several (a plan covers one: its area),
        # and each district.
        several = [(u.code, u.name) for u in province] if len(province) > 1 else []
        scopes = [("province", province[0].name if len(province) == 1 else "Toàn vùng"), *several] + [
            (u.code, u.name)
            for u in indicators_sql.units(session, Scope("district", as_of=day, units_on=units_on))
        ]
        for scope, name in scopes:
            svg = report_map.scope_map(session, scope, f"Vùng phủ sóng và vùng lõm — {name}", units_on)
            session.execute(
                text("INSERT INTO period_maps (period, units_on, scope_code, svg) VALUES (:p, :d, :s, :svg)"),
                {"p": period, "d": units_on, "s": scope, "svg": svg},
            )
        counts["hamlets"] += len(hamlets)
        counts["offices"] += len(offices)
        counts["maps"] += len(scopes)
    return counts


def _insert_records(
    session: Session, table: str, key: str, period: str, units_on: date, records: list[dict]
) -> None:
    """Keep ``records`` (hamlets or offices, our own table names) in the snapshot of ``period`` on
    the units of ``units_on``."""
    if records:
        session.execute(
            text(
                f"INSERT INTO {table} (period, units_on, {key}, district_code, commune_code, record) "
                "VALUES (:p, :units_on, :code, :district, :commune, CAST(:record AS jsonb))"
            ),
            [
                {
                    "p": period,
                    "units_on": units_on,
                    "code": r["code"],
                    "district": r["district_code"],
                    "commune": r["commune_code"],
                    "record": _json(r),
                }
                for r in records
            ],
        )
