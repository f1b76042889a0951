"""more feature locations: the commune and district of manholes, access points, tall structures and
speed tests, kept beside them as migration 0030 keeps those of sites, poles and ducts

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-07

Their items pages still looked each feature's commune up per row, per request (a point-in-polygon
lookup per feature). Each of these layers gets a side table ``<feature>_locations`` (id, geometry,
codes): a statement trigger on the feature's table copies the geometry of the rows a statement
inserted or moved, and 0030's row trigger (``locate_feature_row``) fills the codes of every row
written there, so raw SQL cannot store wrong codes either. A side table rather than columns on the
feature's table: those tables are audited (migration 0005), so a relocation after a boundary change
would log an update per feature. Cells need no table: a cell lies where its site does, and
``site_features`` keeps that (app/collections.py reads it).

``relocate_features()`` rewrites these tables too, under the same ``feature_locations_state``: the
codes hold for the admin units' data version and days it records, and readers look locations up
per row otherwise (app/services/features.py).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0034"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The side table of each feature table.
LOCATION_TABLES = {
    "manholes": "manhole_locations",
    "fibre_access_points": "fibre_access_point_locations",
    "tall_structures": "tall_structure_locations",
    "speed_tests": "speed_test_locations",
}
# Items pages walk features in code order, byte-wise (app/services/features.py: keyset on fid); these
# tables' unique code indexes use the database's collation, so a page sorted all their rows.
CODE_ORDERED = ("cells", *LOCATION_TABLES)
# Migration 0030's side tables (their codes are columns of theirs).
_SIDE_TABLES_0030 = ("site_features", "pole_features", "duct_features")

_RELOCATE = """
CREATE OR REPLACE FUNCTION relocate_features() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v bigint;
    since date;
    until date;
BEGIN
    -- The version first: a change committed while the rows are rewritten makes the state stale
    -- again (never fresh with older codes).
    SELECT version INTO v FROM data_versions WHERE table_name = 'admin_units';
    SELECT coalesce(max(d), '-infinity'::date) INTO since FROM (
        SELECT valid_from AS d FROM admin_units UNION ALL SELECT valid_to FROM admin_units) x
        WHERE d <= CURRENT_DATE;
    SELECT coalesce(min(d), 'infinity'::date) INTO until FROM (
        SELECT valid_from AS d FROM admin_units UNION ALL SELECT valid_to FROM admin_units) x
        WHERE d > CURRENT_DATE;
    {updates}
    INSERT INTO feature_locations_state VALUES (true, coalesce(v, 0), since, until)
    ON CONFLICT (one) DO UPDATE SET (admin_version, valid_from, valid_to) =
        ROW(EXCLUDED.admin_version, EXCLUDED.valid_from, EXCLUDED.valid_to);
END $$;
"""


def _relocate_sql(tables: Sequence[str]) -> str:
    # Only the rows whose codes change are written (the row trigger recomputes them).
    updates = [
        f"UPDATE {name} f SET commune_code = l.commune_code FROM {name} x "
        "CROSS JOIN LATERAL feature_location(x.geom) l WHERE x.id = f.id AND "
        "(f.commune_code, f.district_code) IS DISTINCT FROM (l.commune_code, l.district_code);"
        for name in tables
    ]
    return _RELOCATE.replace("{updates}", "\n    ".join(updates))


def upgrade() -> None:
    for table, name in LOCATION_TABLES.items():
        op.execute(
            f"CREATE TABLE {name} (id integer PRIMARY KEY REFERENCES {table} (id) ON DELETE CASCADE, "
            "geom geometry NOT NULL, commune_code text, district_code text)"
        )
        op.execute(
            f"COMMENT ON TABLE {name} IS 'The commune and district each of {table} lies in, kept by "
            "triggers (migration 0034): items read them while feature_locations_state holds'"
        )
        op.execute(
            f"CREATE TRIGGER {name}_location BEFORE INSERT OR UPDATE ON {name} "
            "FOR EACH ROW EXECUTE FUNCTION locate_feature_row()"
        )
        # Rows inserted, and rows whose geometry a statement changed (others are not rewritten: an
        # edit of a name costs no lookup).
        op.execute(
            f"CREATE FUNCTION {name}_of_{table}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"INSERT INTO {name} (id, geom) SELECT id, geom FROM new_rows ON CONFLICT (id) DO UPDATE "
            f"SET geom = EXCLUDED.geom WHERE {name}.geom IS DISTINCT FROM EXCLUDED.geom; "
            "RETURN NULL; END $$"
        )
        for event in ("INSERT", "UPDATE"):
            op.execute(
                f"CREATE TRIGGER {name}_of_{table}_{event.lower()} AFTER {event} ON {table} "
                f"REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {name}_of_{table}()"
            )
        op.execute(f"INSERT INTO {name} (id, geom) SELECT id, geom FROM {table}")
        op.execute(f"ANALYZE {name}")
        # Tracked like every table (migration 0024): the items cache keys pages by its version.
        op.execute(f"INSERT INTO data_versions (table_name) VALUES ('{name}')")
        op.execute(
            f"CREATE TRIGGER data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {name} "
            "FOR EACH STATEMENT EXECUTE FUNCTION note_data_version()"
        )
    for table in CODE_ORDERED:
        op.execute(f'CREATE INDEX {table}_code_bytes ON {table} (code COLLATE "C")')
    op.execute(_relocate_sql((*_SIDE_TABLES_0030, *LOCATION_TABLES.values())))
    # The codes just written hold for the admin units as they are: record it (a fresh state).
    op.execute("SELECT relocate_features()")


def downgrade() -> None:
    for table in CODE_ORDERED:
        op.execute(f"DROP INDEX {table}_code_bytes")
    op.execute(_relocate_sql(_SIDE_TABLES_0030))
    for table, name in LOCATION_TABLES.items():
        for event in ("insert", "update"):
            op.execute(f"DROP TRIGGER {name}_of_{table}_{event} ON {table}")
        op.execute(f"DROP FUNCTION {name}_of_{table}()")
        op.execute(f"DROP TABLE {name}")
        op.execute(f"DELETE FROM data_versions WHERE table_name = '{name}'")
