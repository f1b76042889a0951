"""feature locations: the commune and district of each site, pole and duct route, kept with its row

Revision ID: 0030
Revises: 0027
Create Date: 2026-12-07

Items pages and filters by district or commune gave each feature the commune (in force today) that
holds a point of it (ST_PointOnSurface) by a point-in-polygon lookup per row, per request. Here the
side tables of migration 0029 keep those codes: a row trigger fills them whenever a row is written
(the triggers that keep the side tables write a row whenever its feature or what it shows changes).

What the codes depend on besides the feature: the admin units, and today (units come into and go out
of force on days). ``feature_locations_state`` says for which admin units (their data version,
migration 0024) and which days the codes hold: readers use them only when today lies in
[valid_from, valid_to) and the admin units' version is the one recorded, and look the location up
per row otherwise (app/services/features.py) until ``relocate_features()`` has rewritten them all.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0030"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SIDE_TABLES = ("site_features", "pole_features", "duct_features")

_UPGRADE = """
CREATE FUNCTION feature_location(g geometry, OUT commune_code text, OUT district_code text)
LANGUAGE sql STABLE AS $$
    SELECT cm.code, d.code FROM admin_units cm JOIN admin_units d ON d.id = cm.parent_id
    WHERE cm.level = 'commune' AND cm.valid_from <= CURRENT_DATE
      AND (cm.valid_to IS NULL OR cm.valid_to > CURRENT_DATE)
      AND ST_Intersects(cm.geom, ST_PointOnSurface(g))
    LIMIT 1
$$;
CREATE FUNCTION locate_feature_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT l.commune_code, l.district_code INTO NEW.commune_code, NEW.district_code
    FROM feature_location(NEW.geom) l;
    RETURN NEW;
END $$;
CREATE TABLE feature_locations_state (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    admin_version bigint NOT NULL,
    valid_from date NOT NULL,
    valid_to date NOT NULL
);
COMMENT ON TABLE feature_locations_state IS
    'For which admin_units data version and days the commune/district codes of the side tables hold '
    '(migration 0030)';
"""

_RELOCATE = """
CREATE FUNCTION relocate_features() RETURNS void LANGUAGE plpgsql AS $$
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


def upgrade() -> None:
    op.execute(_UPGRADE)
    updates = []
    for name in SIDE_TABLES:
        op.execute(f"ALTER TABLE {name} ADD COLUMN commune_code text, ADD COLUMN district_code text")
        op.execute(
            f"CREATE TRIGGER {name}_location BEFORE INSERT OR UPDATE ON {name} "
            "FOR EACH ROW EXECUTE FUNCTION locate_feature_row()"
        )
        # Only the rows whose codes change are written (the row trigger recomputes them).
        updates.append(
            f"UPDATE {name} f SET commune_code = l.commune_code FROM {name} x "
            "CROSS JOIN LATERAL feature_location(x.geom) l WHERE x.id = f.id AND "
            "(f.commune_code, f.district_code) IS DISTINCT FROM (l.commune_code, l.district_code);"
        )
    op.execute(_RELOCATE.replace("{updates}", "\n    ".join(updates)))
    op.execute("SELECT relocate_features()")
    # Whose unapproved site a row is (app/layer_types.py, UNAPPROVED_SQL; app/services/scope.py puts
    # it in every reader's WHERE): without statistics on it the planner guesses a handful of rows
    # pass, sorts the whole table for a page instead of walking the code index, ~50× slower.
    op.execute(
        "CREATE STATISTICS site_features_unapproved_owner ON "
        "((CASE WHEN status IN ('draft', 'proposed', 'rejected') THEN owner END)) FROM site_features"
    )
    op.execute("ANALYZE site_features")


def downgrade() -> None:
    op.execute("DROP STATISTICS site_features_unapproved_owner")
    op.execute("DROP FUNCTION relocate_features()")
    for name in SIDE_TABLES:
        op.execute(f"DROP TRIGGER {name}_location ON {name}")
        op.execute(f"ALTER TABLE {name} DROP COLUMN commune_code, DROP COLUMN district_code")
    op.execute("DROP TABLE feature_locations_state")
    op.execute("DROP FUNCTION locate_feature_row()")
    op.execute("DROP FUNCTION feature_location(geometry)")
