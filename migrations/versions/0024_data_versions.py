"""data versions: a counter per table, bumped in the writing transaction, for the tile cache

Revision ID: 0024
Revises: 0018
Create Date: 2026-12-07

The vector tile cache (app/services/tile_cache.py) keys a tile by the data version of every table
its SQL reads. A statement-level trigger on each table bumps that table's row of ``data_versions``
in the same transaction as the write (insert, update, delete, truncate), so a version is never
seen before the data it stands for, whichever process or tool wrote it. Tables only about logins,
sessions, the audit trail and the recompute queue are not tracked (no tile reads them; a tile that
would is simply not cached).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0024"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UNTRACKED = (
    "alembic_version",
    "spatial_ref_sys",
    "data_versions",
    "audit_log",
    "auth_tokens",
    "login_failures",
    "users",
    "coverage_dirty",
)

_UPGRADE = """
CREATE TABLE data_versions (
    table_name text PRIMARY KEY,
    version bigint NOT NULL DEFAULT 1
);
COMMENT ON TABLE data_versions IS
    'Per table, a counter bumped by each writing statement (trigger data_version): the tile cache key';
CREATE FUNCTION bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE table_name = TG_TABLE_NAME;
    RETURN NULL;
END $$;
DO $$
DECLARE t text;
BEGIN
    FOR t IN
        SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition
          AND c.relname <> ALL (:untracked)
        ORDER BY 1
    LOOP
        INSERT INTO data_versions (table_name) VALUES (t);
        EXECUTE format(
            'CREATE TRIGGER data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I '
            'FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version()', t);
    END LOOP;
END $$;
"""


def upgrade() -> None:
    untracked = "ARRAY[" + ", ".join(f"'{t}'" for t in _UNTRACKED) + "]::name[]"
    op.execute(_UPGRADE.replace(":untracked", untracked))


def downgrade() -> None:
    op.execute(
        """
        DO $$
        DECLARE t text;
        BEGIN
            FOR t IN SELECT table_name FROM data_versions LOOP
                EXECUTE format('DROP TRIGGER IF EXISTS data_version ON %I', t);
            END LOOP;
        END $$;
        DROP TABLE data_versions;
        DROP FUNCTION bump_data_version();
        """
    )
