"""The public layer of challenges: where people reported no signal, weak signal or no fibre, and how
far each got (open, with the operator, resolved). Nothing private: no contact, no description, no
attachment, no client address; rejected reports are not shown."""

from app.layer_types import Collection, eq
from app.models_challenges import PHASE_SQL

CHALLENGES = Collection(
    "challenges",
    "Phản ánh vùng lõm",
    "Public challenges of the coverage map (open, with the operator, resolved)",
    "Point",
    f"SELECT c.code AS fid, c.code, c.kind, c.technology, o.short_name AS operator, {PHASE_SQL} AS phase, "
    "c.measured, c.filed_at, h.code AS hamlet_code, m.code AS commune_code, d.code AS district_code, c.geom "
    "FROM challenges c LEFT JOIN operators o ON o.id = c.operator_id "
    "LEFT JOIN admin_units h ON h.id = c.hamlet_id LEFT JOIN admin_units m ON m.id = h.parent_id "
    "LEFT JOIN admin_units d ON d.id = m.parent_id WHERE c.status <> 'rejected'",
    {
        "code": "string",
        "kind": "string",
        "technology": "string",
        "operator": "string",
        "phase": "string",
        "measured": "boolean",
        "filed_at": "date-time",
        "hamlet_code": "string",
        "commune_code": "string",
        "district_code": "string",
    },
    {
        "phase": eq("phase", description="open, accepted (with the operator) or resolved"),
        "kind": eq("kind", description="no_signal, weak_signal or no_fibre"),
        "operator": eq("operator"),
        "measured": eq("measured", "boolean"),
    },
    temporal="filed_at",
)
