"""hamlet features: what the hamlets layer shows of each hamlet, kept with the data it comes from

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-07

The hamlets layer showed, per request, each hamlet's commune and district (two joins), its label
point (ST_PointOnSurface), its coverage shares (the ``hamlet_coverage`` view: a sum over every
hamlet's per-block cell counts, then the latest live run's card) and its per-operator 4G/5G shares
(a grouped subquery per hamlet). Here ``hamlet_features`` keeps all of it, one row per hamlet version
(its valid_from/valid_to kept: the layer picks the versions in force on a day), so a tile or an items
page is one indexed query on one table.

Statement-level triggers refresh the hamlets a statement touched, in the writing transaction (as
migration 0029's side tables): the coverage run's per-block counts (``hamlet_cover_cells``,
``hamlet_operator_cells``) and FTTH reach (``hamlet_ftth``), the admin units (a hamlet, or the commune
or district above it: names and codes), operators' short names (all hamlets), and the coverage runs
(the latest live run's card sets the covered levels: all hamlets when those levels change, which
``hamlet_features_levels`` tells). A refresh first locks the hamlets' admin_units rows in id order,
so two transactions changing one hamlet's inputs do not each write what the other had not yet
committed. The table has a data version (migration 0024): the tile cache follows it.

The commit of a writing transaction also notifies channel ``data_versions`` once its versions are
bumped: each process of the service keeps a copy of the versions, dropped on a notification, so a
cache hit reads nothing from the database (app/services/tile_cache.py, VersionWatch).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The covered levels of the latest live run (as the hamlet_coverage view of migration 0017 reads them).
_LEVELS = """
SELECT coalesce((card->>'mbb_covered_share')::float, 0.95) AS mbb_level,
       coalesce((card->>'ftth_covered_share')::float, 0.80) AS ftth_level
FROM (SELECT card FROM coverage_runs WHERE status = 'done' AND kind <> 'dated' ORDER BY id DESC LIMIT 1) c
UNION ALL SELECT 0.95, 0.80 LIMIT 1
"""

# What the hamlets layer computed per request before this migration (app/collections.py), with the
# hamlet's id and days of validity, for every version of every hamlet.
_SELECT = (
    "SELECT a.id, a.code, a.name, a.kind, a.population, a.households, "
    "round(a.area_km2::numeric, 3)::float8 AS area_km2, "
    "round(ST_X(ST_PointOnSurface(a.geom))::numeric, 5)::float8 AS label_lon, "
    "round(ST_Y(ST_PointOnSurface(a.geom))::numeric, 5)::float8 AS label_lat, "
    "c.code AS commune_code, c.name AS commune_name, d.code AS district_code, "
    "round(hc.mbb_share::numeric, 4)::float8 AS mbb_share, hc.mbb_covered, "
    "round(hc.ftth_share::numeric, 4)::float8 AS ftth_share, hc.ftth_covered, hc.dead_zone_population, "
    "round(hc.no_signal_share::numeric, 4)::float8 AS no_signal_share, "
    "round(hc.legacy_only_share::numeric, 4)::float8 AS legacy_only_share, "
    "round(hc.single_operator_share::numeric, 4)::float8 AS single_operator_share, "
    "(SELECT jsonb_object_agg(o.short_name, round(x.cells::numeric / nullif(hc.cells_total, 0), 4)::float8) "
    " FROM (SELECT operator_id, sum(cells_mbb) AS cells FROM hamlet_operator_cells "
    "       WHERE hamlet_id = a.id GROUP BY operator_id) x JOIN operators o ON o.id = x.operator_id) "
    "AS mbb_share_by_operator, a.valid_from, a.valid_to, a.geom FROM admin_units a "
    "JOIN admin_units c ON c.id = a.parent_id JOIN admin_units d ON d.id = c.parent_id "
    "LEFT JOIN hamlet_coverage hc ON hc.hamlet_id = a.id "
    "WHERE a.level = 'hamlet' AND {cond}"
)
_COLUMNS = (
    "code, name, kind, population, households, area_km2, label_lon, label_lat, commune_code, "
    "commune_name, district_code, mbb_share, mbb_covered, ftth_share, ftth_covered, dead_zone_population, "
    "no_signal_share, legacy_only_share, single_operator_share, mbb_share_by_operator, valid_from, "
    "valid_to, geom"
)
_EXCLUDED = ", ".join(f"EXCLUDED.{c.strip()}" for c in _COLUMNS.split(","))
_UPSERT = (
    f"INSERT INTO hamlet_features {_SELECT} ON CONFLICT (id) DO UPDATE SET ({_COLUMNS}) = ROW({_EXCLUDED}) "
    f"WHERE ROW(hamlet_features.*) IS DISTINCT FROM ROW(EXCLUDED.*)"
)

_FUNCTIONS = f"""
CREATE FUNCTION refresh_hamlet_features(ids int[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF ids IS NULL THEN
        PERFORM 1 FROM admin_units a WHERE a.level = 'hamlet' ORDER BY a.id FOR NO KEY UPDATE;
        DELETE FROM hamlet_features f WHERE NOT EXISTS (
            SELECT 1 FROM admin_units a JOIN admin_units c ON c.id = a.parent_id
            JOIN admin_units d ON d.id = c.parent_id WHERE a.id = f.id AND a.level = 'hamlet');
        {_UPSERT.replace("{cond}", "true")};
        DELETE FROM hamlet_features_levels;
        INSERT INTO hamlet_features_levels {_LEVELS};
        RETURN;
    END IF;
    IF cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    -- A concurrent writer of the same hamlets waits here (or this one does): the statements below
    -- then read what it committed.
    PERFORM 1 FROM admin_units a WHERE a.id = ANY(ids) ORDER BY a.id FOR NO KEY UPDATE;
    DELETE FROM hamlet_features f WHERE f.id = ANY(ids) AND NOT EXISTS (
        SELECT 1 FROM admin_units a JOIN admin_units c ON c.id = a.parent_id
        JOIN admin_units d ON d.id = c.parent_id WHERE a.id = f.id AND a.level = 'hamlet');
    {_UPSERT.replace("{cond}", "a.id = ANY(ids)")};
END $$;

-- The hamlets an admin units statement touched: the changed units that are hamlets, and the hamlets
-- under a changed commune or district (their codes and names show on the hamlet).
CREATE FUNCTION refresh_hamlet_features_under(changed int[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM refresh_hamlet_features(ARRAY(
        SELECT unnest(changed)
        UNION SELECT a.id FROM admin_units a WHERE a.level = 'hamlet' AND a.parent_id = ANY(changed)
        UNION SELECT a.id FROM admin_units a JOIN admin_units c ON c.id = a.parent_id
              WHERE a.level = 'hamlet' AND c.parent_id = ANY(changed)));
END $$;

-- The covered levels of the latest live run changed (a run finished, or was removed): every hamlet.
CREATE FUNCTION refresh_hamlet_features_levels() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM ({_LEVELS}) n LEFT JOIN hamlet_features_levels k ON true
               WHERE k.mbb_level IS DISTINCT FROM n.mbb_level OR k.ftth_level IS DISTINCT FROM n.ftth_level) THEN
        PERFORM refresh_hamlet_features(NULL);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER hamlet_features_of_coverage_runs AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON coverage_runs FOR EACH STATEMENT EXECUTE FUNCTION refresh_hamlet_features_levels();

CREATE FUNCTION refresh_all_hamlet_features() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM refresh_hamlet_features(NULL);
    RETURN NULL;
END $$;
CREATE TRIGGER hamlet_features_of_operators AFTER UPDATE OF short_name OR TRUNCATE ON operators
    FOR EACH STATEMENT EXECUTE FUNCTION refresh_all_hamlet_features();
"""

# Per table: the column naming the hamlet (admin_units: any unit, see refresh_hamlet_features_under).
_SOURCES = {
    "hamlet_cover_cells": ("hamlet_id", "refresh_hamlet_features"),
    "hamlet_operator_cells": ("hamlet_id", "refresh_hamlet_features"),
    "hamlet_ftth": ("hamlet_id", "refresh_hamlet_features"),
    "admin_units": ("id", "refresh_hamlet_features_under"),
}
_ROWS = {"insert": ("new_rows",), "update": ("old_rows", "new_rows"), "delete": ("old_rows",)}
_REFS = {
    "insert": "REFERENCING NEW TABLE AS new_rows",
    "update": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "delete": "REFERENCING OLD TABLE AS old_rows",
}


def _source_triggers(table: str, key: str, refresh: str) -> str:
    sql = [
        f"CREATE TRIGGER hamlet_features_of_{table}_truncate AFTER TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION refresh_all_hamlet_features();"
    ]
    for event, rows in _ROWS.items():
        fn = f"hamlet_features_of_{table}_{event}"
        ids = " UNION ".join(f"SELECT {key} FROM {r}" for r in rows)
        sql.append(
            f"CREATE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN PERFORM {refresh}(ARRAY({ids})); RETURN NULL; END $$;\n"
            f"CREATE TRIGGER {fn} AFTER {event.upper()} ON {table} {_REFS[event]} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {fn}();"
        )
    return "\n".join(sql)


# Migration 0024's bump_data_versions, notifying the listeners when it bumped a version (NOTIFY is
# delivered at commit, once the versions are visible; one per transaction).
_BUMP = """
CREATE OR REPLACE FUNCTION bump_data_versions() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE t text; bumped boolean := false;
BEGIN
    -- In table order: writers committing at once lock the version rows in the same order.
    FOR t IN SELECT DISTINCT x FROM unnest(string_to_array(trim(coalesce(current_setting('hg.touched', true), '')), ' ')) x
             WHERE x <> '' ORDER BY 1
    LOOP
        UPDATE data_versions SET version = version + 1 WHERE table_name = t;
        bumped := true;
    END LOOP;
    PERFORM set_config('hg.touched', '', true);
    DELETE FROM data_version_marks WHERE txid = txid_current();
    IF bumped THEN
        PERFORM pg_notify('data_versions', '');
    END IF;
    RETURN NULL;
END $$;
"""


def upgrade() -> None:
    op.execute(_BUMP)
    op.execute(f"CREATE TABLE hamlet_features AS {_SELECT.replace('{cond}', 'true')} WITH NO DATA")
    op.execute(
        "ALTER TABLE hamlet_features ADD PRIMARY KEY (id), ALTER COLUMN geom SET NOT NULL, "
        "ALTER COLUMN code SET NOT NULL"
    )
    op.execute("CREATE INDEX hamlet_features_geom ON hamlet_features USING gist (geom)")
    # Items pages walk features in code order, byte-wise (app/services/features.py: keyset on fid).
    op.execute('CREATE INDEX hamlet_features_code ON hamlet_features (code COLLATE "C")')
    op.execute(
        "COMMENT ON TABLE hamlet_features IS 'What the hamlets layer shows of each hamlet version, kept by "
        "triggers (migration 0033): tiles and items read it'"
    )
    op.execute(f"CREATE TABLE hamlet_features_levels AS {_LEVELS} WITH NO DATA")
    op.execute(
        "COMMENT ON TABLE hamlet_features_levels IS 'The covered levels hamlet_features.mbb_covered and "
        "ftth_covered were computed with (migration 0033)'"
    )
    op.execute(_FUNCTIONS)
    for table, (key, refresh) in _SOURCES.items():
        op.execute(_source_triggers(table, key, refresh))
    op.execute("SELECT refresh_hamlet_features(NULL)")
    op.execute("ANALYZE hamlet_features")
    # Tracked like every table (migration 0024): the tile cache keys tiles by their versions.
    for name in ("hamlet_features", "hamlet_features_levels"):
        op.execute(f"INSERT INTO data_versions (table_name) VALUES ('{name}')")
        op.execute(
            f"CREATE TRIGGER data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {name} "
            "FOR EACH STATEMENT EXECUTE FUNCTION note_data_version()"
        )


def downgrade() -> None:
    op.execute(
        _BUMP.replace("bumped boolean := false;", "")
        .replace("        bumped := true;\n", "")
        .replace("    IF bumped THEN\n        PERFORM pg_notify('data_versions', '');\n    END IF;\n", "")
    )
    for table in _SOURCES:
        op.execute(f"DROP TRIGGER hamlet_features_of_{table}_truncate ON {table}")
        for event in _ROWS:
            fn = f"hamlet_features_of_{table}_{event}"
            op.execute(f"DROP TRIGGER {fn} ON {table}")
            op.execute(f"DROP FUNCTION {fn}()")
    op.execute("DROP TRIGGER hamlet_features_of_operators ON operators")
    op.execute("DROP TRIGGER hamlet_features_of_coverage_runs ON coverage_runs")
    op.execute("DROP FUNCTION refresh_all_hamlet_features()")
    op.execute("DROP FUNCTION refresh_hamlet_features_levels()")
    op.execute("DROP FUNCTION refresh_hamlet_features_under(int[])")
    op.execute("DROP FUNCTION refresh_hamlet_features(int[])")
    op.execute("DROP TABLE hamlet_features")
    op.execute("DROP TABLE hamlet_features_levels")
    op.execute("DELETE FROM data_versions WHERE table_name IN ('hamlet_features', 'hamlet_features_levels')")
