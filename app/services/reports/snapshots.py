"""Reading closed periods: which quarters are closed, their frozen indicator records, baselines.

A closed period's indicators are served from ``indicator_snapshots`` exactly as they were
computed at closing, as of the quarter's last day (value, target, gap, status, unit name), so a
past report never changes. A period holds one set of units per geography its plans are judged on
(``units_on``, migration 0018: the last day's units, and a plan's former ones — ``units_day``).
Writing them is ``app.services.reports.periods``.
"""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.layer_types import IN_FORCE_ON
from gis.indicators import Quarter

SNAPSHOT_LEVELS = ("province", "district", "commune")


@dataclass(frozen=True)
class ClosedPeriod:
    period: str
    closed_at: datetime
    closed_by: str | None
    coverage_run_id: int | None
    coverage_finished_at: datetime | None
    as_of: date  # the day its figures describe: the quarter's last day (migration 0016)

    def as_dict(self) -> dict:
        return {
            "period": self.period,
            "as_of": self.as_of,
            "closed_at": self.closed_at,
            "closed_by": self.closed_by,
            "coverage_run": None
            if self.coverage_run_id is None
            else {"id": self.coverage_run_id, "finished_at": self.coverage_finished_at},
        }


_COLUMNS = "period, closed_at, closed_by, coverage_run_id, coverage_finished_at, as_of"


def closed_period(session: Session, period: str) -> ClosedPeriod | None:
    row = session.execute(
        text(f"SELECT {_COLUMNS} FROM closed_periods WHERE period = :p"), {"p": period}
    ).first()
    return ClosedPeriod(*row) if row else None


def closed_periods(session: Session) -> list[ClosedPeriod]:
    rows = session.execute(text(f"SELECT {_COLUMNS} FROM closed_periods ORDER BY period"))
    return [ClosedPeriod(*r) for r in rows]


def units_day(judged_on: date | None, day: date) -> date:
    """The day whose units a plan's figures of ``day`` are on: its ``judged_on`` when earlier (a
    plan judged on the former districts keeps them after a reform), else ``day`` itself."""
    return judged_on if judged_on is not None and judged_on < day else day


def plan_units_day(session: Session, closed: ClosedPeriod, judged_on: date | None) -> date:
    """The units day a plan judged on ``judged_on`` reads closed period ``closed`` on: its own when
    frozen, else the period's (its units did not change, or it was closed before plans had days)."""
    day = units_day(judged_on, closed.as_of)
    return day if day in frozen_days(session, closed.period) else closed.as_of


def frozen_days(session: Session, period: str) -> list[date]:
    """The days whose units ``period`` holds indicators on."""
    rows = session.execute(
        text("SELECT DISTINCT units_on FROM indicator_snapshots WHERE period = :p ORDER BY 1"), {"p": period}
    )
    return list(rows.scalars())


def snapshot_units(
    session: Session,
    period: str,
    level: str,
    code: str | None = None,
    within: str | None = None,
    units_on: date | None = None,
) -> list[dict]:
    """Units of ``level`` frozen in ``period`` on the units of ``units_on`` (default: the period's
    own day; one ``code``; at or under district ``within``), each with its indicator records."""
    rows = session.execute(
        text(
            "SELECT unit_code, unit_name, unit_level, parent_code, indicator_id, record "
            "FROM indicator_snapshots s WHERE period = :period AND unit_level = :level "
            "AND s.units_on = coalesce(CAST(:units_on AS date), "
            "(SELECT c.as_of FROM closed_periods c WHERE c.period = s.period)) "
            "AND (CAST(:code AS text) IS NULL OR unit_code = :code) "
            "AND (CAST(:within AS text) IS NULL OR unit_code = :within OR parent_code = :within) "
            "ORDER BY unit_code, indicator_id"
        ),
        {"period": period, "level": level, "code": code, "within": within, "units_on": units_on},
    )
    units: dict[str, dict] = {}
    for r in rows:
        unit = units.setdefault(
            r.unit_code,
            {
                "code": r.unit_code,
                "name": r.unit_name,
                "level": r.unit_level,
                "parent_code": r.parent_code,
                "indicators": [],
            },
        )
        unit["indicators"].append(r.record)
    return list(units.values())


def baselines(
    session: Session, before: Quarter, units_on: date
) -> dict[tuple[str, str, str], tuple[Quarter, float]]:
    """(level, unit code, indicator) → (quarter, value) of the earliest closed period before
    ``before`` in which the unit in force on ``units_on`` had a value: the start of its trajectory
    to the target. A code is the same unit only while the same version of it is in force: a reform
    may give an old code to a new unit, which must not inherit the old one's start."""
    rows = session.execute(
        text(
            "SELECT DISTINCT ON (s.unit_level, s.unit_code, s.indicator_id) s.unit_level, s.unit_code, "
            "s.indicator_id, s.period, (s.record->>'value')::float AS value FROM indicator_snapshots s "
            "JOIN admin_units u ON u.level::text = s.unit_level::text AND u.code = s.unit_code "
            f"AND {IN_FORCE_ON.format(a='u', day='s.units_on')} AND {IN_FORCE_ON.format(a='u', day=':units_on')} "
            "WHERE s.period < :before AND s.record->>'value' IS NOT NULL "
            "ORDER BY s.unit_level, s.unit_code, s.indicator_id, s.period"
        ),
        {"before": str(before), "units_on": units_on},
    )
    return {(r.unit_level, r.unit_code, r.indicator_id): (Quarter.parse(r.period), r.value) for r in rows}
