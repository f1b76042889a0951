"""admin lineage: which old admin units (and what share of their area and population) formed each new one

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07

A reform (1 July 2025: communes merged, districts abolished, provinces joined) ends old units
(``admin_units.valid_to``) and starts new ones; this table keeps the link between them, so that a
plan judged on the old units can be computed from data on the new ones and an old name still finds
the unit it became part of. ``part`` is ``full`` when the whole old unit went in, ``partial`` for a
split one; ``area_share`` is the share of the old unit's area in the new one. Audited like the
other tables (migrations 0005, 0008).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    def unit() -> sa.ForeignKey:
        return sa.ForeignKey("admin_units.id", ondelete="CASCADE")

    op.create_table(
        "admin_lineage",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("old_unit_id", sa.Integer, unit(), nullable=False, index=True),
        sa.Column("new_unit_id", sa.Integer, unit(), nullable=False, index=True),
        sa.Column("part", sa.String(8), nullable=False, server_default="full"),
        sa.Column("area_share", sa.Numeric(7, 6), nullable=False),
        sa.Column("population_share", sa.Numeric(7, 6)),
        sa.Column("reform", sa.Text),
        sa.UniqueConstraint("old_unit_id", "new_unit_id", name="admin_lineage_old_new_key"),
        sa.CheckConstraint("part IN ('full', 'partial')", name="admin_lineage_part"),
        sa.CheckConstraint("area_share >= 0 AND area_share <= 1", name="admin_lineage_area_share"),
        sa.CheckConstraint(
            "population_share IS NULL OR (population_share >= 0 AND population_share <= 1)",
            name="admin_lineage_population_share",
        ),
        sa.CheckConstraint("old_unit_id <> new_unit_id", name="admin_lineage_not_itself"),
    )
    op.execute(
        "CREATE TRIGGER admin_lineage_audit AFTER UPDATE OR DELETE ON admin_lineage "
        "FOR EACH ROW EXECUTE FUNCTION audit_record()"
    )
    op.execute(  # inserts are audited per statement (migration 0008)
        "CREATE TRIGGER admin_lineage_audit_insert AFTER INSERT ON admin_lineage "
        "REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION audit_inserted()"
    )
    op.execute(
        "CREATE TRIGGER admin_lineage_audit_truncate AFTER TRUNCATE ON admin_lineage "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_truncate()"
    )


def downgrade() -> None:
    op.drop_table("admin_lineage")  # its triggers go with it
