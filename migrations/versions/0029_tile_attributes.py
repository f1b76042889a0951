"""tile attributes: what tiles and items show of sites, poles and ducts, kept per feature

Revision ID: 0029
Revises: 0025
Create Date: 2026-12-07

A site's tile and item show its owner's and tenants' short names, its tenant count and the
technologies of its cells; a pole its attachments and cables; a duct route its occupants. Computed
per request, those joins cost a tile several times what reading the raw table does. Here each layer
gets a side table (``site_features``, ``pole_features``, ``duct_features``) holding every property
the layer publishes and the geometry, one row per feature, so a tile is one indexed query on one
table. Statement-level triggers on the tables the properties come from (the feature itself, its
tenancies/cells/attachments/occupancy, operators' names) refresh the rows they touched in the same
transaction, so what a tile shows is never older than the data. A refresh first locks the features'
rows (in id order) so that two transactions changing one site's tenants do not each write what the
other had not yet committed: the second waits, then reads both. A deleted feature's row goes with it
(foreign key, ON DELETE CASCADE; TRUNCATE … CASCADE too). The side tables have data versions
(migration 0024), so the tile cache follows them.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0029"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TENANTS = """LEFT JOIN LATERAL (
    SELECT string_agg(op.short_name, ',' ORDER BY op.short_name) AS operators, count(*) AS n
    FROM {table} x JOIN operators op ON op.id = x.operator_id WHERE x.{key} = {owner}.id) t ON true"""

# Per layer: the feature table, its alias, what the layer shows of a feature (the SELECT the layer
# computed per request before this migration, with the feature's id first) and the tables each
# feature's properties also read, with their column naming the feature.
_LAYERS = {
    "site_features": (
        "sites",
        "s",
        "SELECT s.id, s.code, s.structure_type, s.height_m, o.short_name AS owner, "
        "s.status, s.permit_no, s.commissioned_on, s.accepts_tenants, s.rent_vnd_month, "
        "t.operators, coalesce(t.n, 0) AS tenant_count, coalesce(t.n, 0) >= 2 AS shared, "
        "tech.technologies, s.geom FROM sites s JOIN operators o ON o.id = s.owner_id "
        + _TENANTS.format(table="site_tenancies", key="site_id", owner="s")
        + " LEFT JOIN LATERAL (SELECT string_agg(DISTINCT technology, ',' ORDER BY technology)"
        " AS technologies FROM cells WHERE cells.site_id = s.id) tech ON true",
        (("site_tenancies", "site_id"), ("cells", "site_id")),
    ),
    "pole_features": (
        "poles",
        "p",
        "SELECT p.id, p.code, o.short_name AS owner, p.material, p.height_m, "
        "t.operators, coalesce(t.n, 0) AS attachment_count, coalesce(t.n, 0) >= 2 AS shared, "
        "t.cables, p.geom FROM poles p JOIN operators o ON o.id = p.owner_id "
        "LEFT JOIN LATERAL (SELECT string_agg(op.short_name, ',' ORDER BY op.short_name) AS operators, "
        "count(*) AS n, string_agg(op.short_name || ':' || x.cable_count, ';' ORDER BY op.short_name) "
        "AS cables FROM pole_attachments x JOIN operators op ON op.id = x.operator_id "
        "WHERE x.pole_id = p.id) t ON true",
        (("pole_attachments", "pole_id"),),
    ),
    "duct_features": (
        "duct_routes",
        "r",
        "SELECT r.id, r.code, r.name, o.short_name AS owner, r.duct_count, r.free_duct_count, "
        "r.duct_count - r.free_duct_count AS used_duct_count, r.subduct_count, "
        "round(r.length_m::numeric, 1)::float8 AS length_m, r.stated_length_m, t.operators, "
        "coalesce(t.n, 0) AS occupant_count, coalesce(t.n, 0) >= 2 AS shared, r.geom "
        "FROM duct_routes r JOIN operators o ON o.id = r.owner_id "
        + _TENANTS.format(table="duct_occupancy", key="duct_route_id", owner="r"),
        (("duct_occupancy", "duct_route_id"),),
    ),
}


def _refresh_function(name: str, table: str, alias: str, select: str) -> str:
    """refresh_<name>(ids): rewrite the rows of features `ids` (NULL: all) from their tables."""
    upsert = (
        f"INSERT INTO {name} {select} WHERE {{cond}} ON CONFLICT (id) DO UPDATE SET "
        f"({{columns}}) = ROW({{excluded}})"
    )
    return f"""
CREATE FUNCTION refresh_{name}(ids int[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF ids IS NULL THEN
        DELETE FROM {name} f WHERE NOT EXISTS (SELECT 1 FROM {table} x WHERE x.id = f.id);
        {upsert.replace("{cond}", "true")};
        RETURN;
    END IF;
    IF cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    -- A concurrent writer of the same features waits here (or this one does): the statements below
    -- then read what it committed.
    PERFORM 1 FROM {table} x WHERE x.id = ANY(ids) ORDER BY x.id FOR NO KEY UPDATE;
    DELETE FROM {name} f WHERE f.id = ANY(ids) AND NOT EXISTS (SELECT 1 FROM {table} x WHERE x.id = f.id);
    {upsert.replace("{cond}", f"{alias}.id = ANY(ids)")};
END $$;
"""


def _trigger_sql(name: str, table: str, key: str, trigger: str, events: tuple[str, ...]) -> str:
    """Triggers refreshing the features a statement on `table` touched (`key`: their id)."""
    sql = []
    for event in events:
        if event == "TRUNCATE":
            fn, body = f"{trigger}_truncate", f"PERFORM refresh_{name}(NULL);"
        else:
            seen = {"INSERT": ("new_rows",), "UPDATE": ("old_rows", "new_rows"), "DELETE": ("old_rows",)}[
                event
            ]
            ids = " UNION ".join(f"SELECT {key} FROM {rows}" for rows in seen)
            fn, body = f"{trigger}_{event.lower()}", f"PERFORM refresh_{name}(ARRAY({ids}));"
        refs = {
            "INSERT": "REFERENCING NEW TABLE AS new_rows",
            "UPDATE": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
            "DELETE": "REFERENCING OLD TABLE AS old_rows",
            "TRUNCATE": "",
        }[event]
        sql.append(
            f"CREATE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body} RETURN NULL; END $$;\n"
            f"CREATE TRIGGER {fn} AFTER {event} ON {table} {refs} FOR EACH STATEMENT EXECUTE FUNCTION {fn}();"
        )
    return "\n".join(sql)


def _columns(select: str) -> list[str]:
    """The output names of `select` (each item's last word)."""
    items = select.split(" FROM ", 1)[0].removeprefix("SELECT ")
    depth, item, names = 0, "", []
    for ch in items + ",":
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            names.append(item.strip().split()[-1].split(".")[-1])
            item = ""
        else:
            item += ch
    return names


def upgrade() -> None:
    for name, (table, alias, select, children) in _LAYERS.items():
        columns = [c for c in _columns(select) if c != "id"]
        function = (
            _refresh_function(name, table, alias, select)
            .replace("{columns}", ", ".join(columns))
            .replace("{excluded}", ", ".join(f"EXCLUDED.{c}" for c in columns))
        )
        op.execute(f"CREATE TABLE {name} AS {select} WITH NO DATA")
        op.execute(
            f"ALTER TABLE {name} ADD PRIMARY KEY (id), "
            f"ADD FOREIGN KEY (id) REFERENCES {table} (id) ON DELETE CASCADE, "
            "ALTER COLUMN geom SET NOT NULL, ALTER COLUMN code SET NOT NULL"
        )
        op.execute(f"CREATE INDEX {name}_geom ON {name} USING gist (geom)")
        # Items pages walk features in code order, byte-wise (app/services/features.py: keyset on fid).
        op.execute(f'CREATE INDEX {name}_code ON {name} (code COLLATE "C")')
        op.execute(
            f"COMMENT ON TABLE {name} IS 'What the {table} layer shows of each feature, kept by triggers "
            f"(migration 0029): tiles and items read it'"
        )
        op.execute(function)
        op.execute(_trigger_sql(name, table, "id", f"{name}_of_{table}", ("INSERT", "UPDATE")))
        for child, key in children:
            op.execute(
                _trigger_sql(
                    name, child, key, f"{name}_of_{child}", ("INSERT", "UPDATE", "DELETE", "TRUNCATE")
                )
            )
        op.execute(f"SELECT refresh_{name}(NULL)")
        op.execute(f"ANALYZE {name}")
        # Tracked like every table (migration 0024): the tile cache keys tiles by its version.
        op.execute(f"INSERT INTO data_versions (table_name) VALUES ('{name}')")
        op.execute(
            f"CREATE TRIGGER data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {name} "
            "FOR EACH STATEMENT EXECUTE FUNCTION note_data_version()"
        )
    # A renamed operator: every feature naming it (rare; all of them).
    body = " ".join(f"PERFORM refresh_{name}(NULL);" for name in _LAYERS)
    op.execute(
        "CREATE FUNCTION layer_features_of_operators() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN {body} RETURN NULL; END $$;\n"
        "CREATE TRIGGER layer_features_of_operators AFTER UPDATE OF short_name ON operators "
        "FOR EACH STATEMENT EXECUTE FUNCTION layer_features_of_operators();"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER layer_features_of_operators ON operators")
    op.execute("DROP FUNCTION layer_features_of_operators()")
    for name, (table, _alias, _select, children) in _LAYERS.items():
        for source, events in (
            (table, ("insert", "update")),
            *((c, ("insert", "update", "delete", "truncate")) for c, _ in children),
        ):
            for event in events:
                fn = f"{name}_of_{source}_{event}"
                op.execute(f"DROP TRIGGER {fn} ON {source}")
                op.execute(f"DROP FUNCTION {fn}()")
        op.execute(f"DROP TABLE {name}")
        op.execute(f"DROP FUNCTION refresh_{name}(int[])")
        op.execute(f"DELETE FROM data_versions WHERE table_name = '{name}'")
