"""Reading closed periods: which quarters are closed, their frozen indicator records, baselines.

A closed period's indicators are served from ``indicator_snapshots`` exactly as they were
computed at closing, as of the quarter's last day (value, target, gap, status, unit name), so a
past report never changes.
Writing them is ``app.services.reports.periods``.
"""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

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


def snapshot_units(
    session: Session, period: str, level: str, code: str | None = None, within: str | None = None
) -> list[dict]:
    """Units of ``level`` frozen in ``period`` (one ``code``; at or under district ``within``),
    each with its indicator records in the order of ``order`` (the plan's)."""
    rows = session.execute(
        text(
            "SELECT unit_code, unit_name, unit_level, parent_code, indicator_id, record "
            "FROM indicator_snapshots WHERE period = :period AND unit_level = :level "
            "AND (CAST(:code AS text) IS NULL OR unit_code = :code) "
            "AND (CAST(:within AS text) IS NULL OR unit_code = :within OR parent_code = :within) "
            "ORDER BY unit_code, indicator_id"
        ),
        {"period": period, "level": level, "code": code, "within": within},
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


def baselines(session: Session, before: Quarter) -> dict[tuple[str, str, str], tuple[Quarter, float]]:
    """(level, unit code, indicator) → (quarter, value) of the earliest closed period before
    ``before`` in which the unit had a value: the start of its trajectory to the target."""
    rows = session.execute(
        text(
            "SELECT DISTINCT ON (unit_level, unit_code, indicator_id) unit_level, unit_code, indicator_id, "
            "period, (record->>'value')::float AS value FROM indicator_snapshots "
            "WHERE period < :before AND record->>'value' IS NOT NULL "
            "ORDER BY unit_level, unit_code, indicator_id, period"
        ),
        {"before": str(before)},
    )
    return {(r.unit_level, r.unit_code, r.indicator_id): (Quarter.parse(r.period), r.value) for r in rows}
