"""coverage results: runs (model cards), per-block rasters and polygons, hamlet cell counts,
FTTH reach, the dirty-region queue fed by triggers, and the hamlet_coverage view

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _geom(kind: str, nullable: bool = False) -> sa.Column:
    return sa.Column("geom", Geometry(kind, srid=4326, spatial_index=False), nullable=nullable)


def upgrade() -> None:
    # Radio clutter of a hamlet; NULL = derived from its commune (app/services/coverage_inputs.py).
    op.add_column("admin_units", sa.Column("clutter", sa.String(10)))
    op.create_check_constraint(
        "admin_units_clutter", "admin_units", "clutter IS NULL OR clutter IN ('urban', 'suburban', 'rural')"
    )
    op.create_table(
        "coverage_runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="running"),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("data_snapshot_at", sa.DateTime(timezone=True)),
        sa.Column("blocks", sa.Integer),
        sa.Column("card", JSONB, nullable=False),
        sa.CheckConstraint("kind IN ('full', 'incremental')", name="coverage_runs_kind"),
        sa.CheckConstraint("status IN ('running', 'done', 'failed')", name="coverage_runs_status"),
    )
    # Best signal per operator and class of one block, kept for what-if (int16, dBm × 10, zlib).
    op.create_table(
        "coverage_rasters",
        sa.Column("block_key", sa.String(32), primary_key=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("coverage_runs.id"), nullable=False),
        sa.Column("operators", sa.ARRAY(sa.Text), nullable=False),
        sa.Column("ny", sa.Integer, nullable=False),
        sa.Column("nx", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "coverage_parts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("block_key", sa.String(32), nullable=False, index=True),
        sa.Column("operator_id", sa.Integer, sa.ForeignKey("operators.id", ondelete="CASCADE")),
        sa.Column("tech_class", sa.String(8), nullable=False),
        sa.Column("band", sa.String(8), nullable=False),
        _geom("MULTIPOLYGON"),
        sa.CheckConstraint("tech_class IN ('mbb', 'legacy')", name="coverage_parts_class"),
        sa.CheckConstraint("band IN ('good', 'fair', 'weak')", name="coverage_parts_band"),
        sa.CheckConstraint("ST_IsValid(geom)", name="coverage_parts_geom_valid"),
    )
    op.create_table(
        "dead_zone_parts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("block_key", sa.String(32), nullable=False, index=True),
        sa.Column(
            "hamlet_id", sa.Integer, sa.ForeignKey("admin_units.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        _geom("MULTIPOLYGON"),
        sa.CheckConstraint("kind IN ('no_signal', 'no_mbb', 'single_operator')", name="dead_zone_parts_kind"),
        sa.CheckConstraint("ST_IsValid(geom)", name="dead_zone_parts_geom_valid"),
    )
    op.create_index("dead_zone_parts_hamlet_idx", "dead_zone_parts", ["hamlet_id"])
    # The parts dissolved per hamlet and kind (what the map and exports show).
    op.create_table(
        "dead_zones",
        sa.Column(
            "hamlet_id", sa.Integer, sa.ForeignKey("admin_units.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("area_km2", sa.Float, nullable=False),
        sa.Column("population", sa.Integer, nullable=False),
        _geom("MULTIPOLYGON"),
        sa.CheckConstraint("ST_IsValid(geom)", name="dead_zones_geom_valid"),
    )
    for table in ("coverage_parts", "dead_zone_parts", "dead_zones"):
        op.create_index(f"{table}_geom_idx", table, ["geom"], postgresql_using="gist")
    op.create_table(
        "hamlet_cover_cells",
        sa.Column("block_key", sa.String(32), primary_key=True),
        sa.Column(
            "hamlet_id", sa.Integer, sa.ForeignKey("admin_units.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("cells_total", sa.Integer, nullable=False),
        sa.Column("cells_mbb_any", sa.Integer, nullable=False),
        sa.Column("cells_legacy_only", sa.Integer, nullable=False),
        sa.Column("cells_no_signal", sa.Integer, nullable=False),
        sa.Column("cells_single_operator", sa.Integer, nullable=False),
    )
    op.create_index("hamlet_cover_cells_hamlet_idx", "hamlet_cover_cells", ["hamlet_id"])
    op.create_table(
        "hamlet_operator_cells",
        sa.Column("block_key", sa.String(32), primary_key=True),
        sa.Column(
            "hamlet_id", sa.Integer, sa.ForeignKey("admin_units.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column(
            "operator_id", sa.Integer, sa.ForeignKey("operators.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("cells_mbb", sa.Integer, nullable=False),
    )
    op.create_index("hamlet_operator_cells_hamlet_idx", "hamlet_operator_cells", ["hamlet_id"])
    op.create_table(
        "hamlet_ftth",
        sa.Column(
            "hamlet_id", sa.Integer, sa.ForeignKey("admin_units.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("share", sa.Float, nullable=False),
        _geom("MULTIPOLYGON", nullable=True),  # the hamlet area out of reach (FTTH gap)
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("share >= 0 AND share <= 1.000001", name="hamlet_ftth_share"),
    )
    op.create_index("hamlet_ftth_geom_idx", "hamlet_ftth", ["geom"], postgresql_using="gist")
    op.create_table(
        "coverage_dirty",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("source_id", sa.BigInteger),
        sa.Column("detail", JSONB),  # a changed cell's old/new row: how far it reached
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        _geom("GEOMETRY"),
    )
    op.execute(_TRIGGERS)
    op.execute(_VIEW)


# Every change to what coverage depends on queues the area it touched (old and new place);
# the app's worker recomputes only the grid around it.
_TRIGGERS = """
CREATE FUNCTION coverage_mark_dirty() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  g_old geometry;
  g_new geometry;
  o jsonb;
  n jsonb;
BEGIN
  IF TG_TABLE_NAME = 'cells' THEN
    IF TG_OP <> 'INSERT' THEN SELECT geom INTO g_old FROM sites WHERE id = OLD.site_id; o := to_jsonb(OLD); END IF;
    IF TG_OP <> 'DELETE' THEN SELECT geom INTO g_new FROM sites WHERE id = NEW.site_id; n := to_jsonb(NEW); END IF;
  ELSIF TG_TABLE_NAME = 'admin_units' THEN
    IF TG_OP <> 'INSERT' AND OLD.level = 'hamlet' THEN g_old := ST_Envelope(OLD.geom); END IF;
    IF TG_OP <> 'DELETE' AND NEW.level = 'hamlet' THEN g_new := ST_Envelope(NEW.geom); END IF;
  ELSE
    IF TG_OP <> 'INSERT' THEN g_old := OLD.geom; END IF;
    IF TG_OP <> 'DELETE' THEN g_new := NEW.geom; END IF;
  END IF;
  IF g_old IS NOT NULL THEN
    INSERT INTO coverage_dirty (source, source_id, detail, geom)
    VALUES (TG_TABLE_NAME, OLD.id, o, g_old);
  END IF;
  IF g_new IS NOT NULL AND (g_old IS NULL OR NOT ST_Equals(g_old, g_new) OR o IS DISTINCT FROM n) THEN
    INSERT INTO coverage_dirty (source, source_id, detail, geom)
    VALUES (TG_TABLE_NAME, NEW.id, n, g_new);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER sites_coverage_dirty AFTER INSERT OR UPDATE OR DELETE ON sites
  FOR EACH ROW EXECUTE FUNCTION coverage_mark_dirty();
CREATE TRIGGER cells_coverage_dirty AFTER INSERT OR UPDATE OR DELETE ON cells
  FOR EACH ROW EXECUTE FUNCTION coverage_mark_dirty();
CREATE TRIGGER fibre_access_points_coverage_dirty AFTER INSERT OR UPDATE OR DELETE ON fibre_access_points
  FOR EACH ROW EXECUTE FUNCTION coverage_mark_dirty();
CREATE TRIGGER admin_units_coverage_dirty AFTER INSERT OR UPDATE OR DELETE ON admin_units
  FOR EACH ROW EXECUTE FUNCTION coverage_mark_dirty();
"""

# Hamlet coverage from the per-block cell counts; "covered" uses the level of the latest run.
_VIEW = """
CREATE VIEW hamlet_coverage AS
WITH card AS (
  SELECT coalesce((card->>'mbb_covered_share')::float, 0.95) AS mbb_level,
         coalesce((card->>'ftth_covered_share')::float, 0.80) AS ftth_level
  FROM (SELECT card FROM coverage_runs WHERE status = 'done' ORDER BY id DESC LIMIT 1) c
  UNION ALL SELECT 0.95, 0.80 LIMIT 1
), cells AS (
  SELECT hamlet_id, sum(cells_total) AS total, sum(cells_mbb_any) AS mbb,
         sum(cells_legacy_only) AS legacy_only, sum(cells_no_signal) AS no_signal,
         sum(cells_single_operator) AS single_op
  FROM hamlet_cover_cells GROUP BY hamlet_id
)
SELECT h.id AS hamlet_id,
       c.total AS cells_total,
       c.mbb::float / nullif(c.total, 0) AS mbb_share,
       (c.mbb::float / nullif(c.total, 0)) >= card.mbb_level AS mbb_covered,
       c.legacy_only::float / nullif(c.total, 0) AS legacy_only_share,
       c.no_signal::float / nullif(c.total, 0) AS no_signal_share,
       c.single_op::float / nullif(c.total, 0) AS single_operator_share,
       round(h.population * (c.total - c.mbb)::numeric / nullif(c.total, 0))::int AS dead_zone_population,
       f.share AS ftth_share,
       f.share >= card.ftth_level AS ftth_covered
FROM admin_units h CROSS JOIN card
LEFT JOIN cells c ON c.hamlet_id = h.id
LEFT JOIN hamlet_ftth f ON f.hamlet_id = h.id
WHERE h.level = 'hamlet'
"""


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS hamlet_coverage")
    for table in ("sites", "cells", "fibre_access_points", "admin_units"):
        op.execute(f"DROP TRIGGER IF EXISTS {table}_coverage_dirty ON {table}")
    op.execute("DROP FUNCTION IF EXISTS coverage_mark_dirty()")
    for table in (
        "coverage_dirty",
        "hamlet_ftth",
        "hamlet_operator_cells",
        "hamlet_cover_cells",
        "dead_zones",
        "dead_zone_parts",
        "coverage_parts",
        "coverage_rasters",
        "coverage_runs",
    ):
        op.drop_table(table)
    op.drop_constraint("admin_units_clutter", "admin_units")
    op.drop_column("admin_units", "clutter")
