"""dated coverage polygons: the coverage and dead-zone polygons of a dated run, built on demand

Revision ID: 0032
Revises: 0030
Create Date: 2026-12-07

A dated run (0017) keeps hamlet counts only. When the map, a tile or the OGC collections ask for
``coverage`` or ``dead_zones`` on a past day, the run's polygons are built once — the live run's
parts for the blocks whose inputs it shares, the same vectorising for the others — and kept under
the run (``coverage_run_parts``, ``coverage_run_dead_zones``; ``coverage_runs.polygons_at`` says
when), so the next request reads them. They go with their run. Versioned for the tile cache (0024).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision: str = "0032"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("coverage_run_parts", "coverage_run_dead_zones")


def _run_id(primary_key: bool = False) -> sa.Column:
    return sa.Column(
        "run_id",
        sa.Integer,
        sa.ForeignKey("coverage_runs.id", ondelete="CASCADE"),
        nullable=False,
        index=not primary_key,
        primary_key=primary_key,
    )


def upgrade() -> None:
    op.add_column("coverage_runs", sa.Column("polygons_at", sa.DateTime(timezone=True)))
    op.create_table(
        "coverage_run_parts",
        sa.Column("id", sa.BigInteger, primary_key=True),
        _run_id(),
        sa.Column("block_key", sa.String(32), nullable=False),
        sa.Column("operator_id", sa.Integer, sa.ForeignKey("operators.id", ondelete="CASCADE")),
        sa.Column("tech_class", sa.String(8), nullable=False),
        sa.Column("band", sa.String(8), nullable=False),
        sa.Column("geom", Geometry("MULTIPOLYGON", srid=4326, spatial_index=True), nullable=False),
    )
    op.create_table(
        "coverage_run_dead_zones",
        _run_id(primary_key=True),
        sa.Column(
            "hamlet_id", sa.Integer, sa.ForeignKey("admin_units.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("area_km2", sa.Float, nullable=False),
        sa.Column("population", sa.Integer, nullable=False),
        sa.Column("geom", Geometry("MULTIPOLYGON", srid=4326, spatial_index=True), nullable=False),
    )
    for table in TABLES:
        op.execute(f"INSERT INTO data_versions (table_name) VALUES ('{table}') ON CONFLICT DO NOTHING")
        op.execute(
            f"CREATE TRIGGER data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION note_data_version()"
        )


def downgrade() -> None:
    for table in TABLES:
        op.drop_table(table)
        op.execute(f"DELETE FROM data_versions WHERE table_name = '{table}'")
    op.drop_column("coverage_runs", "polygons_at")
