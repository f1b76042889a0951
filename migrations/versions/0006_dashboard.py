"""officials' dashboard: target history, closed periods with their indicator, hamlet, office and
map snapshots (so a past report never changes)

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PERIOD = "period ~ '^[0-9]{4}-Q[1-4]$'"


def _period_fk() -> sa.Column:
    return sa.Column(
        "period", sa.String(7), sa.ForeignKey("closed_periods.period", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "indicator_target_history",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "indicator_id", sa.String(64), sa.ForeignKey("indicators.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("old_value", sa.Numeric(12, 3), nullable=False),
        sa.Column("new_value", sa.Numeric(12, 3), nullable=False),
        sa.Column("old_year", sa.Integer, nullable=False),
        sa.Column("new_year", sa.Integer, nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("changed_by", sa.Text),
        sa.Column("note", sa.Text),
    )
    op.create_index("indicator_target_history_indicator_idx", "indicator_target_history", ["indicator_id"])
    op.create_table(
        "closed_periods",
        sa.Column("period", sa.String(7), primary_key=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("closed_by", sa.Text),
        sa.Column("coverage_run_id", sa.Integer),  # the run the computed indicators came from
        sa.Column("coverage_finished_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint(_PERIOD, name="closed_periods_period_format"),
    )
    # Every indicator of every unit (province, districts, communes) as it stood at closing, the
    # unit's code and name included: a later boundary reform does not rewrite a past report.
    op.create_table(
        "indicator_snapshots",
        _period_fk(),
        sa.Column("unit_level", sa.String(16), nullable=False),
        sa.Column("unit_code", sa.String(16), nullable=False),
        sa.Column("unit_name", sa.Text, nullable=False),
        sa.Column("parent_code", sa.String(16)),
        sa.Column("indicator_id", sa.String(64), nullable=False),
        sa.Column("record", JSONB, nullable=False),  # the /api/indicators record, as served then
        sa.PrimaryKeyConstraint("period", "unit_level", "unit_code", "indicator_id"),
    )
    op.create_index("indicator_snapshots_unit_idx", "indicator_snapshots", ["unit_code", "indicator_id"])
    op.create_table(
        "hamlet_snapshots",
        _period_fk(),
        sa.Column("hamlet_code", sa.String(16), nullable=False),
        sa.Column("district_code", sa.String(16)),
        sa.Column("commune_code", sa.String(16)),
        sa.Column("record", JSONB, nullable=False),
        sa.PrimaryKeyConstraint("period", "hamlet_code"),
    )
    op.create_table(
        "office_snapshots",
        _period_fk(),
        sa.Column("office_code", sa.String(48), nullable=False),
        sa.Column("district_code", sa.String(16)),
        sa.Column("commune_code", sa.String(16)),
        sa.Column("record", JSONB, nullable=False),
        sa.PrimaryKeyConstraint("period", "office_code"),
    )
    # The coverage and dead-zone map of each report scope (province, every district), drawn at closing.
    op.create_table(
        "period_maps",
        _period_fk(),
        sa.Column("scope_code", sa.String(16), nullable=False),
        sa.Column("svg", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("period", "scope_code"),
    )


def downgrade() -> None:
    for table in ("period_maps", "office_snapshots", "hamlet_snapshots", "indicator_snapshots"):
        op.drop_table(table)
    op.drop_table("closed_periods")
    op.drop_index("indicator_target_history_indicator_idx", "indicator_target_history")
    op.drop_table("indicator_target_history")
