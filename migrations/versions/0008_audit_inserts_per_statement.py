"""audit inserts once per statement (transition tables), not once per row

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06

An import of 50,000 poles spent 5.6 s of its 0.5 s INSERT in the per-row audit trigger, most of
it in ``to_jsonb(NEW)`` turning the geometry into JSON through PostGIS's SQL-level cast (about
50 µs a row). Inserts are now audited by one AFTER INSERT ... FOR EACH STATEMENT trigger that
reads the statement's new rows (``REFERENCING NEW TABLE``) and writes their audit rows in one
INSERT ... SELECT, geometries through ``ST_AsGeoJSON(geom, 7)`` directly. The rows of the log are
the same (one 'create' per record, its key, code and values); updates and deletes keep the
per-row trigger.
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FUNCTION = """
CREATE FUNCTION audit_inserted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  who record := audit_actor();
  pairs text;
  key text;
BEGIN
  -- 'column', value pairs of the table's columns (secrets left out), geometries as GeoJSON;
  -- jsonb_build_object takes at most 100 arguments, so wide tables are built in parts.
  SELECT string_agg(format('jsonb_build_object(%s)', part), ' || ')
    INTO pairs
  FROM (SELECT string_agg(
                 CASE WHEN atttypid = 'geometry'::regtype
                      THEN format('%L, ST_AsGeoJSON(%I, 7)::jsonb', attname, attname)
                      ELSE format('%L, %I', attname, attname) END, ', ' ORDER BY attnum) AS part
        FROM (SELECT attname, atttypid, attnum, (row_number() OVER (ORDER BY attnum) - 1) / 40 AS chunk
              FROM pg_attribute
              WHERE attrelid = TG_RELID AND attnum > 0 AND NOT attisdropped
                AND attname <> 'password_hash') a
        GROUP BY chunk) parts;
  IF TG_NARGS = 0 THEN
    key := 'n->>''id''';
  ELSE
    SELECT format('concat_ws('','', %s)', string_agg(format('%L || (n->>%L)', k || '=', k), ', '))
      INTO key FROM unnest(TG_ARGV) AS k;
  END IF;
  EXECUTE format(
    'INSERT INTO audit_log (actor_id, actor, actor_role, client_ip, action, entity, record_id,
                            record_code, before, after)
     SELECT $1, $2, $3, $4, ''create'', $5, %s, coalesce(n->>''code'', n->>''username''), NULL, n
     FROM (SELECT %s AS n FROM inserted) s', key, pairs)
    USING who.actor_id, who.actor, who.actor_role, who.client_ip, TG_TABLE_NAME;
  RETURN NULL;
END $$;
"""


def _audited() -> list[tuple[str, list[str]]]:
    """(table, key columns) of every table with a per-row audit trigger (migration 0005)."""
    rows = op.get_bind().execute(
        text("""
        SELECT c.relname, t.tgnargs, t.tgargs FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        WHERE t.tgname = c.relname || '_audit' AND NOT t.tgisinternal ORDER BY c.relname""")
    )
    return [(name, bytes(args).decode().split("\x00")[:nargs]) for name, nargs, args in rows]


def _arguments(keys: list[str]) -> str:
    return ", ".join(f"'{k}'" for k in keys)


def upgrade() -> None:
    op.execute(_FUNCTION)
    for table, keys in _audited():
        op.execute(f"DROP TRIGGER {table}_audit ON {table}")
        op.execute(
            f"CREATE TRIGGER {table}_audit AFTER UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION audit_record({_arguments(keys)})"
        )
        op.execute(
            f"CREATE TRIGGER {table}_audit_insert AFTER INSERT ON {table} REFERENCING NEW TABLE AS inserted "
            f"FOR EACH STATEMENT EXECUTE FUNCTION audit_inserted({_arguments(keys)})"
        )


def downgrade() -> None:
    for table, keys in _audited():
        op.execute(f"DROP TRIGGER {table}_audit_insert ON {table}")
        op.execute(f"DROP TRIGGER {table}_audit ON {table}")
        op.execute(
            f"CREATE TRIGGER {table}_audit AFTER INSERT OR UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION audit_record({_arguments(keys)})"
        )
    op.execute("DROP FUNCTION audit_inserted()")
