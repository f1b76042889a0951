"""The plans' targets: listed per plan, edited (by the Department's staff) with every change kept.

An edit applies to open periods from then on; closed periods keep the target they were judged
against (it is part of their snapshot, which names the plan).
"""

from datetime import date
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.errors import InvalidParameter, NotFound
from app.services.plans import plan_for
from app.services.reports.indicators import GROUP_OF, sorted_targets
from gis.problems import Problem

# A share in percent cannot pass 100 (the plan import checks the same: app/services/imports/plans.py).
MAX_BY_UNIT = {"%": Decimal(100)}
FIRST_YEAR, LAST_YEAR = 2000, 2100


def _target(t) -> dict:
    return {
        "id": t.id,
        "name_vi": t.name_vi,
        "name_en": t.name_en,
        "unit": t.unit,
        "method": t.method,
        "group": GROUP_OF.get(t.id, "other"),
        "target_value": float(t.target_value),
        "target_year": t.target_year,
    }


def list_targets(session: Session, plan: str | None = None, day: date | None = None) -> dict:
    """The plan ``plan`` (default: the one in force ``day``, today) and its targets, in its order."""
    chosen = plan_for(session, plan, day)
    return {**chosen.as_dict(), "targets": [_target(t) for t in sorted_targets(session, chosen.code)]}


def update_target(
    session: Session,
    indicator_id: str,
    *,
    target_value: float,
    target_year: int | None = None,
    plan: str | None = None,
    changed_by: str | None = None,
    note: str | None = None,
) -> dict:
    """Set an indicator's target (and year) in ``plan`` (default: the plan in force today); the
    old and new values go into the history."""
    code = plan_for(session, plan).code
    row = session.execute(
        text(
            "SELECT i.unit, t.target_value, t.target_year FROM plan_targets t "
            "JOIN indicators i ON i.id = t.indicator_id "
            "WHERE t.plan_code = :plan AND t.indicator_id = :id FOR UPDATE OF t"
        ),
        {"plan": code, "id": indicator_id},
    ).first()
    if row is None:
        raise NotFound(
            reasons=[
                Problem("plans.no_indicator", "indicator", params={"plan": code, "indicator": indicator_id})
            ]
        )
    value = Decimal(str(target_value)).quantize(Decimal("0.001"))
    if value < 0:
        raise InvalidParameter(f"target_value must not be negative, got {target_value}")
    ceiling = MAX_BY_UNIT.get(row.unit)
    if ceiling is not None and value > ceiling:
        raise InvalidParameter(f"target_value of a share in percent must be at most 100, got {target_value}")
    year = row.target_year if target_year is None else target_year
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidParameter(f"target_year must lie in {FIRST_YEAR}–{LAST_YEAR}, got {year}")
    session.execute(
        text(
            "INSERT INTO indicator_target_history (plan_code, indicator_id, old_value, new_value, old_year, "
            "new_year, changed_by, note) VALUES (:plan, :id, :old, :new, :old_year, :new_year, :by, :note)"
        ),
        {
            "plan": code,
            "id": indicator_id,
            "old": row.target_value,
            "new": value,
            "old_year": row.target_year,
            "new_year": year,
            "by": changed_by,
            "note": note,
        },
    )
    session.execute(
        text(
            "UPDATE plan_targets SET target_value = :v, target_year = :y "
            "WHERE plan_code = :plan AND indicator_id = :id"
        ),
        {"v": value, "y": year, "plan": code, "id": indicator_id},
    )
    session.commit()
    return next(t for t in list_targets(session, code)["targets"] if t["id"] == indicator_id)


def target_history(session: Session, indicator_id: str, plan: str | None = None) -> list[dict]:
    """Every change of the indicator's target in ``plan`` (default: the plan in force today), newest first."""
    code = plan_for(session, plan).code
    if session.execute(text("SELECT 1 FROM indicators WHERE id = :id"), {"id": indicator_id}).first() is None:
        raise NotFound(f"no indicator '{indicator_id}'")
    rows = session.execute(
        text(
            "SELECT old_value, new_value, old_year, new_year, changed_at, changed_by, note "
            "FROM indicator_target_history WHERE indicator_id = :id AND plan_code = :plan "
            "ORDER BY changed_at DESC, id DESC"
        ),
        {"id": indicator_id, "plan": code},
    )
    return [{**r._mapping, "old_value": float(r.old_value), "new_value": float(r.new_value)} for r in rows]
