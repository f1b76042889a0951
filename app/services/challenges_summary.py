"""Challenges counted for the dashboard: per commune and per operator, how many are open, with the
operator, resolved (disputed or fixed), rejected and escalated, and the median days to resolve."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.services.challenges import ESCALATED_SQL, PHASE_SQL
from app.services.clock import today

_COUNTS = f"""
SELECT {{key}} AS code, {{name}} AS name,
       count(*) FILTER (WHERE {PHASE_SQL} = 'open') AS open,
       count(*) FILTER (WHERE {PHASE_SQL} = 'accepted') AS accepted,
       count(*) FILTER (WHERE {PHASE_SQL} = 'resolved') AS resolved,
       count(*) FILTER (WHERE c.status = 'rejected') AS rejected,
       count(*) FILTER (WHERE {ESCALATED_SQL}) AS escalated,
       count(*) FILTER (WHERE c.measured) AS measured,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM c.resolved_at - c.filed_at) / 86400)
         FILTER (WHERE {PHASE_SQL} = 'resolved') AS median_days_to_resolve
FROM challenges c
LEFT JOIN operators o ON o.id = c.operator_id
LEFT JOIN admin_units h ON h.id = c.hamlet_id
LEFT JOIN admin_units m ON m.id = h.parent_id
GROUP BY 1, 2 ORDER BY 1 NULLS LAST
"""


def _rows(session: Session, key: str, name: str) -> list[dict]:
    rows = session.execute(text(_COUNTS.format(key=key, name=name)), {"today": today()})
    out = []
    for r in rows:
        row = dict(r._mapping)
        days = row["median_days_to_resolve"]
        row["median_days_to_resolve"] = None if days is None else round(float(days), 1)
        out.append(row)
    return out


def summary(session: Session) -> dict:
    """Counts per commune (code NULL: a spot outside every hamlet) and per operator (NULL: not named)."""
    return {
        "by_commune": _rows(session, "m.code", "m.name"),
        "by_operator": _rows(session, "o.short_name", "o.name"),
    }
