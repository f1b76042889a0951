"""What a reload of the sample keeps: the public's challenges (migrations 0019, 0026).

They are not the sample's data, yet they point at its operators and hamlets, so the reload's
``TRUNCATE … CASCADE`` would take them. Within the reload's transaction they are set aside in
temporary tables with the operators' short names and the hamlets' codes, and put back after the
load with the new ids: an operator by its short name; a hamlet by its code (the unit in force),
else the hamlet the spot lies in, else none. A challenge naming an operator the new data lacks
stops the reload (nothing changes). No table is altered: the service's role may reload.
"""

from sqlalchemy import Connection, text

# In the order they are put back (each after those it references).
KEPT_TABLES = (
    "challenges",
    "challenge_contacts",
    "challenge_attachments",
    "challenge_steps",
    "challenge_operators",
    "challenge_dispute_files",
)
OPERATOR_COLUMNS = (
    ("challenges", "operator_id"),
    ("challenge_steps", "operator_id"),
    ("challenge_operators", "operator_id"),
    ("challenge_dispute_files", "operator_id"),
)
_HAMLET_IN_FORCE = "a.level = 'hamlet' AND a.valid_from <= CURRENT_DATE AND (a.valid_to IS NULL OR a.valid_to > CURRENT_DATE)"


class LostOperators(Exception):
    """Challenges name operators the new data lacks (their short names)."""

    def __init__(self, names: list[str]):
        super().__init__(", ".join(names))
        self.names = names


def set_aside(conn: Connection) -> None:
    """Copy the challenges and what hangs from them, and the names of what they point at."""
    for table in KEPT_TABLES:
        conn.execute(text(f"CREATE TEMP TABLE kept_{table} ON COMMIT DROP AS SELECT * FROM {table}"))
    conn.execute(
        text("CREATE TEMP TABLE kept_operator_names ON COMMIT DROP AS SELECT id, short_name FROM operators")
    )
    conn.execute(
        text(
            "CREATE TEMP TABLE kept_hamlet_codes ON COMMIT DROP AS SELECT id, code FROM admin_units "
            "WHERE id IN (SELECT hamlet_id FROM challenges)"
        )
    )


def _columns(conn: Connection, table: str) -> str:
    names = conn.execute(
        text(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = :t AND is_generated = 'NEVER' ORDER BY ordinal_position"
        ),
        {"t": table},
    ).scalars()
    return ", ".join(f'"{n}"' for n in names)


def put_back(conn: Connection) -> int:
    """Point the copies at the new operators and hamlets, and put them back (the challenges' count)."""
    lost = (
        conn.execute(
            text(
                "SELECT DISTINCT k.short_name FROM kept_operator_names k WHERE k.id IN ("
                + " UNION ".join(f"SELECT {c} FROM kept_{t}" for t, c in OPERATOR_COLUMNS)
                + ") AND NOT EXISTS (SELECT 1 FROM operators o WHERE o.short_name = k.short_name) ORDER BY 1"
            )
        )
        .scalars()
        .all()
    )
    if lost:
        raise LostOperators(lost)
    for table, column in OPERATOR_COLUMNS:  # one statement each: every row is matched on its old id
        conn.execute(
            text(
                f"UPDATE kept_{table} x SET {column} = o.id FROM kept_operator_names k "
                f"JOIN operators o ON o.short_name = k.short_name WHERE x.{column} = k.id"
            )
        )
    conn.execute(
        text(
            "UPDATE kept_challenges x SET hamlet_id = coalesce("
            f"(SELECT a.id FROM kept_hamlet_codes k JOIN admin_units a ON a.code = k.code AND {_HAMLET_IN_FORCE} "
            "WHERE k.id = x.hamlet_id ORDER BY a.id LIMIT 1), "
            f"(SELECT a.id FROM admin_units a WHERE {_HAMLET_IN_FORCE} AND ST_Intersects(a.geom, x.geom) "
            "ORDER BY a.id LIMIT 1))"
        )
    )
    for table in KEPT_TABLES:
        columns = _columns(conn, table)
        conn.execute(text(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM kept_{table}"))
    return conn.execute(text("SELECT count(*) FROM kept_challenges")).scalar_one()
