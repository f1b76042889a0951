"""Challenges counted for the dashboard: per commune and per operator, how many are open, with the
operator, resolved (disputed or fixed), rejected and escalated, and the median days to resolve."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.services.challenges import ESCALATED_SQL, OVERDUE_SQL, PHASE_SQL
from app.services.clock import today

# Counted over rows shaped as ``challenges`` (alias c), so that PHASE_SQL reads them, with a column
# ``escalated`` of their own.
_COUNTS = f"""
SELECT {{key}} AS code, {{name}} AS name,
       count(*) FILTER (WHERE {PHASE_SQL} = 'open') AS open,
       count(*) FILTER (WHERE {PHASE_SQL} = 'accepted') AS accepted,
       count(*) FILTER (WHERE {PHASE_SQL} = 'resolved') AS resolved,
       count(*) FILTER (WHERE c.status = 'rejected') AS rejected,
       count(*) FILTER (WHERE c.escalated) AS escalated,
       count(*) FILTER (WHERE c.measured) AS measured,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM c.resolved_at - c.filed_at) / 86400)
         FILTER (WHERE {PHASE_SQL} = 'resolved') AS median_days_to_resolve
FROM {{rows}} c
LEFT JOIN operators o ON o.id = c.operator_id
LEFT JOIN admin_units h ON h.id = c.hamlet_id
LEFT JOIN admin_units m ON m.id = h.parent_id
GROUP BY 1, 2 ORDER BY 1 NULLS LAST
"""

# Per operator, one row per operator a challenge was sent to (challenge_operators) with that
# operator's own answer: its status, its planned day, and resolved when it answered disputed or
# fixed (answered_at; an overruled dispute clears it), and escalated when that operator is overdue
# on its own deadline or planned day. A report not sent yet (open, rejected) counts for the operator
# it named, as it stands (never escalated: no operator has it yet).
_PER_OPERATOR = f"""(
  SELECT c.id, c.hamlet_id, c.filed_at, c.measured, coalesce({OVERDUE_SQL}, false) AS escalated,
         coalesce(co.operator_id, c.operator_id) AS operator_id,
         coalesce(co.status, c.status) AS status,
         CASE WHEN co.challenge_id IS NULL THEN c.planned_on ELSE co.planned_on END AS planned_on,
         CASE WHEN co.challenge_id IS NULL THEN c.resolved_at
              WHEN co.status IN ('disputed', 'fixed') THEN co.answered_at END AS resolved_at
  FROM challenges c LEFT JOIN challenge_operators co ON co.challenge_id = c.id
)"""
# Per commune, each challenge once, escalated when one of its operators is overdue.
_PER_COMMUNE = f"(SELECT c.*, {ESCALATED_SQL} AS escalated FROM challenges c)"


def _rows(session: Session, key: str, name: str, rows: str) -> list[dict]:
    found = session.execute(text(_COUNTS.format(key=key, name=name, rows=rows)), {"today": today()})
    out = []
    for r in found:
        row = dict(r._mapping)
        days = row["median_days_to_resolve"]
        row["median_days_to_resolve"] = None if days is None else round(float(days), 1)
        out.append(row)
    return out


def summary(session: Session) -> dict:
    """Counts per commune (code NULL: a spot outside every hamlet), by each challenge's overall
    status, and per operator (NULL: not named), by each operator's own answer: a challenge sent to
    several operators counts for each, as that operator left it."""
    return {
        "by_commune": _rows(session, "m.code", "m.name", _PER_COMMUNE),
        "by_operator": _rows(session, "o.short_name", "o.name", _PER_OPERATOR),
    }
