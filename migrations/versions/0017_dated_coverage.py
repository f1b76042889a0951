"""dated coverage: a coverage run says the day its network describes; runs as of a past day are
stored beside the live one, block by block, sharing the blocks whose inputs did not change

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07

``coverage_runs.as_of``: the day of the network a run computed — today's network for the live
runs (full and incremental, kept fresh by the worker; backfilled with their finishing day), a past
day for the ``dated`` ones. A dated run never touches the live layers (rasters, parts, dead zones,
hamlet counts): it is the list of its blocks (``coverage_run_blocks``), each naming the digest of
its inputs (``gis.block_analysis.block_input_hash``). The results of a digest are kept once
(``coverage_blocks``, ``coverage_block_counts``) and shared by every run — live or dated — whose
block had the same inputs. A dated run is ``queued`` when asked for by a reader (the worker
computes it), ``stale`` once the sites, cells or hamlets changed after it read them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("coverage_runs", sa.Column("as_of", sa.Date))
    op.add_column("coverage_runs", sa.Column("reused_blocks", sa.Integer))
    # The region's day: every session counts days on its clock (app/db.py, setting TIMEZONE).
    op.execute("UPDATE coverage_runs SET as_of = coalesce(finished_at, started_at)::date")
    # The province's day when the run starts: the live runs compute today's network. (Migration 0037
    # makes it CURRENT_DATE: the zone named here is one region's.)
    op.alter_column(
        "coverage_runs",
        "as_of",
        nullable=False,
        server_default=sa.text("((now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date)"),
    )
    op.drop_constraint("coverage_runs_kind", "coverage_runs")
    op.create_check_constraint(
        "coverage_runs_kind", "coverage_runs", "kind IN ('full', 'incremental', 'dated')"
    )
    op.drop_constraint("coverage_runs_status", "coverage_runs")
    op.create_check_constraint(
        "coverage_runs_status", "coverage_runs", "status IN ('queued', 'running', 'done', 'failed', 'stale')"
    )
    # At most one dated run waiting, and one usable, per day.
    for status in ("queued", "done"):
        op.create_index(
            f"coverage_runs_dated_{status}",
            "coverage_runs",
            ["as_of"],
            unique=True,
            postgresql_where=sa.text(f"kind = 'dated' AND status = '{status}'"),
        )
    op.add_column("coverage_rasters", sa.Column("input_hash", sa.String(64)))
    op.create_table(
        "coverage_blocks",
        sa.Column("input_hash", sa.String(64), primary_key=True),
        sa.Column("block_key", sa.String(32), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    # No foreign key to admin_units: the counts of a digest stay whole while any run names it.
    op.create_table(
        "coverage_block_counts",
        sa.Column(
            "input_hash",
            sa.String(64),
            sa.ForeignKey("coverage_blocks.input_hash", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("hamlet_id", sa.Integer, primary_key=True),
        sa.Column("cells_total", sa.Integer, nullable=False),
        sa.Column("cells_mbb_any", sa.Integer, nullable=False),
        sa.Column("cells_legacy_only", sa.Integer, nullable=False),
        sa.Column("cells_no_signal", sa.Integer, nullable=False),
        sa.Column("cells_single_operator", sa.Integer, nullable=False),
    )
    op.create_table(
        "coverage_run_blocks",
        sa.Column(
            "run_id", sa.Integer, sa.ForeignKey("coverage_runs.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("block_key", sa.String(32), primary_key=True),
        sa.Column(
            "input_hash",
            sa.String(64),
            sa.ForeignKey("coverage_blocks.input_hash"),
            nullable=False,
            index=True,
        ),
        sa.Column("reused", sa.Boolean, nullable=False),
    )
    op.execute(_view("status = 'done' AND kind <> 'dated'"))


# The live hamlet coverage (migration 0004's view) takes its thresholds from the latest live run.
def _view(runs: str) -> str:
    return f"""
CREATE OR REPLACE VIEW hamlet_coverage AS
WITH card AS (
  SELECT coalesce((card->>'mbb_covered_share')::float, 0.95) AS mbb_level,
         coalesce((card->>'ftth_covered_share')::float, 0.80) AS ftth_level
  FROM (SELECT card FROM coverage_runs WHERE {runs} ORDER BY id DESC LIMIT 1) c
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
    op.execute(_view("status = 'done'"))
    op.drop_table("coverage_run_blocks")
    op.drop_table("coverage_block_counts")
    op.drop_table("coverage_blocks")
    op.drop_column("coverage_rasters", "input_hash")
    for status in ("queued", "done"):
        op.drop_index(f"coverage_runs_dated_{status}", "coverage_runs")
    op.execute(
        "DELETE FROM coverage_runs WHERE kind = 'dated' OR status NOT IN ('running', 'done', 'failed')"
    )
    op.drop_constraint("coverage_runs_status", "coverage_runs")
    op.create_check_constraint(
        "coverage_runs_status", "coverage_runs", "status IN ('running', 'done', 'failed')"
    )
    op.drop_constraint("coverage_runs_kind", "coverage_runs")
    op.create_check_constraint("coverage_runs_kind", "coverage_runs", "kind IN ('full', 'incremental')")
    op.drop_column("coverage_runs", "reused_blocks")
    op.drop_column("coverage_runs", "as_of")
