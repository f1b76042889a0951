"""The plan's indicators (ids as in shared/plan/targets.md) per admin unit, against their targets.

Open periods are computed live as of a day (``as_of``: today for the current quarter, the last
day of a past one): computed indicators describe the infrastructure in service that day (and
speed tests of the period); reported ones divide the period's statistics by the unit's
population or households. Closed periods are served from their snapshot (``snapshots``). The
queries live in `indicators_sql`, the arithmetic in `gis.indicators`; this module joins them.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from app.errors import InvalidParameter, NotFound
from app.services.clock import local_day, today
from app.services.derived_statistics import through_lineage
from app.services.plans import Plan, plan_codes, plan_for
from app.services.reports import indicators_sql as sql
from app.services.reports import snapshots
from app.services.reports.indicators_sql import Scope
from app.services.scope import outside_district, restrict_listing
from gis.indicators import Quarter, judge, mean_median, round_value, share_pct
from gis.problems import Problem

# Reported: id -> (numerator metric, denominator). The denominator is a column of admin_units
# (population, households), another metric of the period, or None for a ready-made percentage.
REPORTED: dict[str, tuple[str, str | None]] = {
    "mobile_bb_subs_per_100": ("mobile_bb_subscriptions", "population"),
    "smartphone_share_of_subs": ("smartphone_subscriptions", "mobile_subscriptions"),
    "internet_users": ("internet_users", "population"),
    "fixed_bb_subs_per_100": ("fixed_bb_subscriptions", "population"),
    "households_fibre": ("households_fibre", "households"),
    "adults_smartphone": ("adults_smartphone", "adults"),
    "households_internet": ("households_internet", "households"),
    "iot_ready_infrastructure": ("iot_ready_infrastructure_pct", None),
    "iot_industrial_zones": ("iot_industrial_zones_pct", None),
    "cloud_provincial_systems": ("cloud_provincial_systems_pct", None),
    "cloud_enterprises_domestic": ("cloud_enterprises_domestic_pct", None),
    "digital_platforms_state": ("digital_platforms_state_pct", None),
    "digital_platforms_enterprises": ("digital_platforms_enterprises_pct", None),
}
_UNIT_COLUMNS = ("population", "households")

# Speed indicators: id -> speed_tests.technology.
SPEEDS = {"mobile_4g_speed": "4G", "fixed_bb_speed": "fixed"}


# The dashboard's groups of indicators.
GROUPS = {
    "coverage": ("mobile_bb_hamlet_coverage", "ftth_hamlet_coverage", "commune_gov_network"),
    "sharing": ("bts_site_sharing", "pole_sharing", "duct_sharing"),
    "usage": (
        "mobile_bb_subs_per_100",
        "smartphone_share_of_subs",
        "internet_users",
        "fixed_bb_subs_per_100",
        "households_fibre",
        "adults_smartphone",
        "households_internet",
    ),
    "speed": ("mobile_4g_speed", "fixed_bb_speed"),
    "cloud_platforms": (
        "iot_ready_infrastructure",
        "iot_industrial_zones",
        "cloud_provincial_systems",
        "cloud_enterprises_domestic",
        "digital_platforms_state",
        "digital_platforms_enterprises",
    ),
}
GROUP_OF = {key: group for group, keys in GROUPS.items() for key in keys}


@dataclass(frozen=True)
class Measure:
    """One indicator's value for one unit, before it meets its target."""

    value: float | None
    numerator: float | None = None
    denominator: float | None = None
    detail: dict | None = None


NO_DATA = Measure(None)


def parse_period(raw: str) -> Quarter:
    try:
        return Quarter.parse(raw)
    except ValueError as exc:
        raise InvalidParameter(str(exc)) from None


def _number(value: Decimal | float | int | None) -> float | int | None:
    """A count as an int when it is whole (statistics are NUMERIC), else a float."""
    if value is None:
        return None
    return int(value) if value == int(value) else float(value)


def _check_level(session: Session, level: str, as_of: date | None = None) -> None:
    known = sql.levels_in_force(session, as_of)
    if level not in known:
        raise InvalidParameter(
            f"level must be one of the levels in force: {', '.join(known) or 'none (no admin units)'}; "
            f"got '{level}'"
        )


def _default_period(session: Session) -> Quarter:
    latest = sql.latest_period(session)
    return Quarter.parse(latest) if latest else Quarter.of(today())


def period_day(quarter: Quarter) -> date:
    """The day an open quarter is computed as of: today while it runs, its last day once ended."""
    return min(today(), quarter.last_day)


def checked_day(as_of: date, quarter: Quarter | None) -> date:
    """``as_of`` for the live figures: not after today, and in ``quarter`` when one is given."""
    now = today()
    if as_of > now:
        params = {"as_of": as_of.isoformat(), "today": now.isoformat()}
        raise InvalidParameter(reasons=[Problem("asof.in_future", "as_of", params=params)])
    if quarter is not None and Quarter.of(as_of) != quarter:
        params = {"as_of": as_of.isoformat(), "period": str(quarter)}
        raise InvalidParameter(reasons=[Problem("asof.outside_period", "as_of", params=params)])
    return as_of


def _shares(counts: sql.Shared | None) -> Measure:
    shared, total = (counts.shared, counts.total) if counts else (0, 0)
    return Measure(share_pct(shared, total), shared, total)


def _ducts(d: sql.DuctShares | None) -> Measure:
    if d is None:
        return Measure(None, 0, 0)
    detail = {
        "by_length": share_pct(d.shared_m, d.total_m),
        "shared_length_m": round_value(d.shared_m),
        "length_m": round_value(d.total_m),
    }
    return Measure(share_pct(d.shared, d.total), d.shared, d.total, detail)


def _hamlets(h: sql.HamletCounts | None, kind: str) -> Measure:
    if h is None:
        return Measure(None, 0, 0, {"hamlets": 0})
    covered, known = (h.mbb_covered, h.mbb_known) if kind == "mbb" else (h.ftth_covered, h.ftth_known)
    return Measure(share_pct(covered, known), covered, known, {"hamlets": h.hamlets})


def _speed(samples: list[float] | None) -> Measure:
    mean, median = mean_median(samples or [])
    return Measure(mean, detail={"median": median, "samples": len(samples or [])})


def _reported(
    unit: Row, stats: dict[str, Decimal] | None, indicator_id: str, derived: dict[str, dict] | None = None
) -> Measure:
    metric, base = REPORTED[indicator_id]
    if not stats or metric not in stats:
        return NO_DATA
    value = stats[metric]
    if base is None:
        return Measure(round_value(value), detail={"metric": metric})
    denominator = getattr(unit, base) if base in _UNIT_COLUMNS else stats.get(base)
    detail = {"metric": metric, "per": base}
    # A figure carried back from the units that replaced this one says so (derived_statistics).
    carried = {m: (derived or {})[m] for m in (metric, base) if m in (derived or {})}
    if carried:
        detail["derived"] = carried
    return Measure(share_pct(value, denominator), _number(value), _number(denominator), detail)


def _measures(session: Session, scope: Scope, quarter: Quarter) -> dict[str, Callable[[Row], Measure]]:
    """indicator id -> (unit -> Measure), one query per family."""
    sites = sql.site_sharing(session, scope)
    poles = sql.pole_sharing(session, scope)
    ducts = sql.duct_sharing(session, scope)
    offices = sql.office_connections(session, scope)
    hamlets = sql.hamlet_coverage(session, scope)
    speeds = sql.speed_samples(session, scope, quarter, tuple(SPEEDS.values()))
    stats = sql.statistics(session, scope, str(quarter))
    derived = through_lineage(session, scope, str(quarter), stats)
    measures: dict[str, Callable[[Row], Measure]] = {
        "mobile_bb_hamlet_coverage": lambda u: _hamlets(hamlets.get(u.id), "mbb"),
        "ftth_hamlet_coverage": lambda u: _hamlets(hamlets.get(u.id), "ftth"),
        "bts_site_sharing": lambda u: _shares(sites.get(u.id)),
        "pole_sharing": lambda u: _shares(poles.get(u.id)),
        "duct_sharing": lambda u: _ducts(ducts.get(u.id)),
        "commune_gov_network": lambda u: _shares(offices.get(u.id)),
    }
    for key, tech in SPEEDS.items():
        measures[key] = lambda u, tech=tech: _speed(speeds.get((u.id, tech)))
    for key in REPORTED:
        measures[key] = lambda u, key=key: _reported(u, stats.get(u.id), key, derived.get(u.id))
    return measures


def sorted_targets(session: Session, plan: str) -> list[Row]:
    """The indicators of ``plan`` and their targets, in the plan's order."""
    return sql.targets(session, plan)


def quarter_plan(session: Session, quarter: Quarter, plan: str | None = None) -> Plan:
    """The plan ``plan``, or the one in force on the quarter's last day."""
    return plan_for(session, plan, quarter.end - timedelta(days=1))


def _indicator(target: Row, measure: Measure, quarter: Quarter, baseline, plan: str) -> dict:
    verdict = judge(
        measure.value, target.target_value, quarter=quarter, target_year=target.target_year, baseline=baseline
    )
    return {
        "plan": plan,  # a frozen record says which plan's target it was judged against
        "id": target.id,
        "name_vi": target.name_vi,
        "name_en": target.name_en,
        "unit": target.unit,
        "method": target.method,
        "group": GROUP_OF.get(target.id, "other"),
        "value": measure.value,
        "target": float(target.target_value),
        "target_year": target.target_year,
        "gap": verdict.gap,
        "status": verdict.status,
        "expected": verdict.expected,
        "numerator": measure.numerator,
        "denominator": measure.denominator,
        "detail": measure.detail,
    }


def _units_or_refuse(session: Session, scope: Scope, district_code: str | None) -> list[Row]:
    units = sql.units(session, scope)
    if scope.code is not None and not units:
        if district_code is not None and sql.unit_exists(session, scope.level, scope.code, scope.units_day):
            raise outside_district(district_code, scope.code)
        raise NotFound(f"no {scope.level} in force with code '{scope.code}'")
    return units


def live_units(
    session: Session,
    scope: Scope,
    quarter: Quarter,
    district_code: str | None = None,
    plan: str | None = None,
) -> list[dict]:
    """Every indicator of ``plan`` for every unit in ``scope``, computed as of the scope's day,
    judged against the trajectory from each unit's baseline (its earliest closed period before
    ``quarter``).

    Without ``plan`` (closing a quarter): the indicators of the plan in force in ``quarter``, then
    those only other plans have, each against its own plan's target — so that a closed quarter
    holds a value for every plan's indicators (:func:`judged_by_plan` judges them per plan)."""
    units = _units_or_refuse(session, scope, district_code)
    measures = _measures(session, scope, quarter) if units else {}
    targets = [(t, plan) for t in sorted_targets(session, plan)] if plan else _every_target(session, quarter)
    starts = snapshots.baselines(session, quarter, scope.units_day) if units else {}
    return [
        {
            "code": u.code,
            "name": u.name,
            "level": u.level,
            "parent_code": u.parent_code,
            "indicators": [
                _indicator(
                    t,
                    measures[t.id](u) if t.id in measures else NO_DATA,
                    quarter,
                    starts.get((u.level, u.code, t.id)),
                    code,
                )
                for t, code in targets
            ],
        }
        for u in units
    ]


def _every_target(session: Session, quarter: Quarter) -> list[tuple[Row, str]]:
    """(indicator and target, plan code): the quarter's plan's, then each other plan's own ones."""
    first = quarter_plan(session, quarter).code
    found: dict[str, tuple[Row, str]] = {}
    for code in [first, *(c for c in plan_codes(session) if c != first)]:
        for t in sorted_targets(session, code):
            found.setdefault(t.id, (t, code))
    return list(found.values())


def judged_by_plan(
    session: Session, units: list[dict], quarter: Quarter, plan: str, units_on: date
) -> list[dict]:
    """Frozen units with ``plan``'s indicators, in its order: a record judged against this plan is
    kept as frozen; one judged against another plan keeps its value and meets this plan's target;
    an indicator frozen for no plan has no data."""
    targets = sorted_targets(session, plan)
    starts = None
    for unit in units:
        frozen = {r["id"]: r for r in unit["indicators"]}
        records = []
        for t in targets:
            record = frozen.get(t.id)
            if record is not None and record.get("plan") == plan:
                records.append(record)
                continue
            if starts is None:
                starts = snapshots.baselines(session, quarter, units_on)
            measure = (
                NO_DATA
                if record is None
                else Measure(record["value"], record["numerator"], record["denominator"], record["detail"])
            )
            records.append(
                _indicator(t, measure, quarter, starts.get((unit["level"], unit["code"], t.id)), plan)
            )
        unit["indicators"] = records
    return units


def _frozen_units(
    session: Session, period: str, scope: Scope, district_code: str | None, plan: str
) -> list[dict]:
    if scope.level not in snapshots.SNAPSHOT_LEVELS:
        raise InvalidParameter(
            f"{period} is closed: its snapshot holds {', '.join(snapshots.SNAPSHOT_LEVELS)}; got '{scope.level}'"
        )
    day = scope.units_day
    units = snapshots.snapshot_units(session, period, scope.level, scope.code, scope.within, day)
    inside = sql.area_codes(session, scope.area, day)
    if inside is not None:  # a snapshot keeps every unit; the plan covers those of its area
        units = [u for u in units if u["code"] in inside]
    if scope.code is not None and not units:
        if district_code is not None and snapshots.snapshot_units(
            session, period, scope.level, scope.code, units_on=day
        ):
            raise outside_district(district_code, scope.code)
        raise NotFound(f"no {scope.level} with code '{scope.code}' in the snapshot of {period}")
    return judged_by_plan(session, units, Quarter.parse(period), plan, day)


def indicators_report(
    session: Session,
    level: str,
    period: str | None = None,
    code: str | None = None,
    *,
    parent: str | None = None,
    district_code: str | None = None,
    as_of: date | None = None,
    plan: str | None = None,
) -> dict:
    """Every indicator of ``plan`` (default: the one in force in the period) for every unit of
    ``level`` (or the one ``code``; those at or under district ``parent``), limited to district
    ``district_code`` when the caller is.

    A closed period is served from its snapshot, an open one computed live as of ``period_day``.
    ``as_of`` (not after today, within ``period`` when both are given) asks for the live figures
    of that day, closed quarter or not."""
    given = parse_period(period) if period is not None else None
    day = None if as_of is None else checked_day(as_of, given)
    quarter = given or (Quarter.of(day) if day else _default_period(session))
    code, within = restrict_listing(level, code, parent, district_code)
    closed = snapshots.closed_period(session, str(quarter)) if day is None else None
    chosen = quarter_plan(session, quarter, plan)
    as_of = closed.as_of if closed else day or period_day(quarter)
    # A plan judged on an earlier geography (the former districts) is computed on those units, and
    # frozen on them (a period closed before it was, only on its own day's units).
    judged = (
        snapshots.plan_units_day(session, closed, chosen.judged_on)
        if closed is not None
        else snapshots.units_day(chosen.judged_on, as_of)
    )
    scope = Scope(level, code, within, as_of, units_on=judged, area=chosen.area_code)
    if closed is not None:
        units = _frozen_units(session, str(quarter), scope, district_code, chosen.code)
        run = closed.as_dict()["coverage_run"]
        ref = run and sql.coverage_run_by_id(session, run["id"])
        run_day = ref.as_of if ref else run and local_day(run["finished_at"])
    else:
        _check_level(session, level, scope.units_day)
        units = live_units(session, scope, quarter, district_code, chosen.code)
        ref = sql.coverage_run(session, scope.day)
        run, run_day = (ref.as_dict(), ref.as_of) if ref else (None, None)
    return {
        "plan": {"code": chosen.code, "title": chosen.title},
        "level": level,
        "period": str(quarter),
        "as_of": scope.as_of,
        "units_on": scope.units_day,
        "closed": closed is not None,
        "closed_at": closed.closed_at if closed else None,
        "coverage_run": run,
        "coverage_as_of": run_day,
        "units": units,
    }
