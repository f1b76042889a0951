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
FROM challenges c {{sent_to}}
LEFT JOIN operators o ON o.id = {{operator}}
LEFT JOIN admin_units h ON h.id = c.hamlet_id
LEFT JOIN admin_units m ON m.id = h.parent_id
GROUP BY 1, 2 ORDER BY 1 NULLS LAST
"""


# Per operator, a challenge counts for each operator it was sent to (challenge_operators), else for
# the operator the report named.
_PER_OPERATOR = {
    "sent_to": "LEFT JOIN challenge_operators co ON co.challenge_id = c.id",
    "operator": "coalesce(co.operator_id, c.operator_id)",
}
_PER_COMMUNE = {"sent_to": "", "operator": "c.operator_id"}


def _rows(session: Session, key: str, name: str, joins: dict[str, str]) -> list[dict]:
    rows = session.execute(text(_COUNTS.format(key=key, name=name, **joins)), {"today": today()})
    out = []
    for r in rows:
        row = dict(r._mapping)
        days = row["median_days_to_resolve"]
        row["median_days_to_resolve"] = None if days is None else round(float(days), 1)
        out.append(row)
    return out


def summary(session: Session) -> dict:
    """Counts per commune (code NULL: a spot outside every hamlet) and per operator (NULL: not named;
    a challenge sent to several operators counts for each)."""
    return {
        "by_commune": _rows(session, "m.code", "m.name", _PER_COMMUNE),
        "by_operator": _rows(session, "o.short_name", "o.name", _PER_OPERATOR),
    }
