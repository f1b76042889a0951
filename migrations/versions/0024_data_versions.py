"""data versions: a counter per table, bumped when the writing transaction commits, for the tile cache

Revision ID: 0024
Revises: 0020
Create Date: 2026-12-07

The vector tile cache (app/services/tile_cache.py) keys a tile by the data version of every table
its SQL reads. A statement-level trigger on each table notes the table in its transaction; when the
transaction commits, one deferred trigger bumps the noted tables' rows of ``data_versions``, in
table order — so a version is never seen before the data it stands for, whichever process or tool
wrote it, and two writers of the same tables never wait on each other in a cycle (bumping at each
statement would hold a table's version row for the whole transaction, in statement order). Tables
only about logins, sessions, the audit trail and the recompute queue are not tracked (no tile reads
them; a tile that would is simply not cached).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0024"
down_revision: str | None = "0020"
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
    "data_version_marks",
)

_UPGRADE = """
CREATE TABLE data_versions (
    table_name text PRIMARY KEY,
    version bigint NOT NULL DEFAULT 1
);
COMMENT ON TABLE data_versions IS
    'Per table, a counter bumped by each writing statement (trigger data_version): the tile cache key';
CREATE TABLE data_version_marks (
    id bigserial PRIMARY KEY,
    txid bigint NOT NULL DEFAULT txid_current()
);
COMMENT ON TABLE data_version_marks IS
    'One row per writing transaction while it runs: its commit bumps the versions (bump_data_versions)';
-- A write notes its table in the transaction (hg.touched, rolled back with it); the first one also
-- marks the transaction, whose deferred trigger bumps every noted table at commit.
CREATE FUNCTION note_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE touched text := coalesce(current_setting('hg.touched', true), '');
BEGIN
    IF position(' ' || TG_TABLE_NAME || ' ' IN touched) = 0 THEN
        IF touched = '' THEN
            INSERT INTO data_version_marks DEFAULT VALUES;
            touched := ' ';
        END IF;
        PERFORM set_config('hg.touched', touched || TG_TABLE_NAME || ' ', true);
    END IF;
    RETURN NULL;
END $$;
CREATE FUNCTION bump_data_versions() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE t text;
BEGIN
    -- In table order: writers committing at once lock the version rows in the same order.
    FOR t IN SELECT DISTINCT x FROM unnest(string_to_array(trim(coalesce(current_setting('hg.touched', true), '')), ' ')) x
             WHERE x <> '' ORDER BY 1
    LOOP
        UPDATE data_versions SET version = version + 1 WHERE table_name = t;
    END LOOP;
    PERFORM set_config('hg.touched', '', true);
    DELETE FROM data_version_marks WHERE txid = txid_current();
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER data_versions_at_commit AFTER INSERT ON data_version_marks
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_data_versions();
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
            'FOR EACH STATEMENT EXECUTE FUNCTION note_data_version()', t);
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
        DROP TABLE data_version_marks;
        DROP FUNCTION note_data_version();
        DROP FUNCTION bump_data_versions();
        """
    )
