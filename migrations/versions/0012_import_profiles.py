"""import profiles: a planner's corrected mapping of a file's shape (its columns → fields, its values →
codes, its CRS, axis order and encoding), saved under a name for the next file of the same shape

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06

``name_key`` is gis.vocabulary.fold_key(name): "Viettel 2025" and "viettel-2025" are one profile.
Every change is audited like the other tables (migrations 0005, 0008, 0010); the app role's grants
come with the default privileges of 0005.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_profiles",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("name_key", sa.Text, nullable=False),
        sa.Column("target", sa.String(32), nullable=False),
        sa.Column("columns", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column("values", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column("crs", sa.Text),
        sa.Column("swap_axes", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("encoding", sa.String(32)),
        sa.Column("created_by", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("name_key", name="import_profiles_name_key"),
        sa.CheckConstraint("name_key <> ''", name="import_profiles_name_key_not_empty"),
    )
    op.execute(
        "CREATE TRIGGER import_profiles_audit AFTER UPDATE OR DELETE ON import_profiles "
        "FOR EACH ROW EXECUTE FUNCTION audit_record()"
    )
    op.execute(  # inserts are audited per statement (migration 0008)
        "CREATE TRIGGER import_profiles_audit_insert AFTER INSERT ON import_profiles "
        "REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION audit_inserted()"
    )
    op.execute(
        "CREATE TRIGGER import_profiles_audit_truncate AFTER TRUNCATE ON import_profiles "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_truncate()"
    )


def downgrade() -> None:
    op.drop_table("import_profiles")  # its triggers go with it
