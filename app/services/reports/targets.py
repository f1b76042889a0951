"""The plan's targets: listed, edited (by an admin, once roles exist) with every change kept.

An edit applies to open periods from then on; closed periods keep the target they were judged
against (it is part of their snapshot).
"""

from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.errors import InvalidParameter, NotFound
from app.services.reports.indicators import GROUP_OF, sorted_targets

_MAX_BY_UNIT = {"%": Decimal(100)}


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


def list_targets(session: Session) -> list[dict]:
    return [_target(t) for t in sorted_targets(session)]


def update_target(
    session: Session,
    indicator_id: str,
    *,
    target_value: float,
    target_year: int | None = None,
    changed_by: str | None = None,
    note: str | None = None,
) -> dict:
    """Set an indicator's target (and year); the old and new values go into the history."""
    row = session.execute(
        text("SELECT id, unit, target_value, target_year FROM indicators WHERE id = :id FOR UPDATE"),
        {"id": indicator_id},
    ).first()
    if row is None:
        raise NotFound(f"no indicator '{indicator_id}'")
    value = Decimal(str(target_value)).quantize(Decimal("0.001"))
    if value < 0:
        raise InvalidParameter(f"target_value must not be negative, got {target_value}")
    ceiling = _MAX_BY_UNIT.get(row.unit)
    if ceiling is not None and value > ceiling:
        raise InvalidParameter(f"target_value of a share in percent must be at most 100, got {target_value}")
    year = row.target_year if target_year is None else target_year
    if not 2023 <= year <= 2100:
        raise InvalidParameter(f"target_year must lie in 2023–2100, got {year}")
    session.execute(
        text(
            "INSERT INTO indicator_target_history (indicator_id, old_value, new_value, old_year, new_year, "
            "changed_by, note) VALUES (:id, :old, :new, :old_year, :new_year, :by, :note)"
        ),
        {
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
        text("UPDATE indicators SET target_value = :v, target_year = :y WHERE id = :id"),
        {"v": value, "y": year, "id": indicator_id},
    )
    session.commit()
    return next(t for t in list_targets(session) if t["id"] == indicator_id)


def target_history(session: Session, indicator_id: str) -> list[dict]:
    """Every change of the indicator's target, newest first."""
    if session.execute(text("SELECT 1 FROM indicators WHERE id = :id"), {"id": indicator_id}).first() is None:
        raise NotFound(f"no indicator '{indicator_id}'")
    rows = session.execute(
        text(
            "SELECT old_value, new_value, old_year, new_year, changed_at, changed_by, note "
            "FROM indicator_target_history WHERE indicator_id = :id ORDER BY changed_at DESC, id DESC"
        ),
        {"id": indicator_id},
    )
    return [{**r._mapping, "old_value": float(r.old_value), "new_value": float(r.new_value)} for r in rows]
