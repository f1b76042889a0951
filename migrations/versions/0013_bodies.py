"""bodies: who issues the periodic report and to whom it goes, each in force for a period

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06

Bodies change with the administration (1 March 2025: the Department of Information and
Communications merged into the Department of Science and Technology; 1 July 2025: Hậu Giang became
part of Cần Thơ city): a report is headed by the issuer and sent to the recipients in force on its
day. ``valid_to`` is the last day in force (inclusive); NULL bounds are open. Audited like the
other tables (migrations 0005, 0008).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bodies",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("parent", sa.Text),
        sa.Column("symbol", sa.String(32)),
        sa.Column("place", sa.Text),
        sa.Column("region", sa.Text),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
        sa.Column("valid_from", sa.Date),
        sa.Column("valid_to", sa.Date),
        sa.CheckConstraint("role IN ('issuer', 'recipient')", name="bodies_role"),
        sa.CheckConstraint(
            "valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from", name="bodies_period"
        ),
    )
    op.execute(
        "CREATE TRIGGER bodies_audit AFTER UPDATE OR DELETE ON bodies FOR EACH ROW EXECUTE FUNCTION audit_record()"
    )
    op.execute(  # inserts are audited per statement (migration 0008)
        "CREATE TRIGGER bodies_audit_insert AFTER INSERT ON bodies "
        "REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION audit_inserted()"
    )
    op.execute(
        "CREATE TRIGGER bodies_audit_truncate AFTER TRUNCATE ON bodies FOR EACH STATEMENT EXECUTE FUNCTION audit_truncate()"
    )


def downgrade() -> None:
    op.drop_table("bodies")  # its triggers go with it
