"""planners' vocabulary: the words of their files (headers, coded values, company names) and what
they mean, added in the UI, the API or the CLI on top of data/vocabulary/*.csv

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06

One row per (domain, alias): ``alias_key`` is gis.vocabulary.fold_key(alias), so "Cao độ cột" and
"cao do cot" are the same alias. Every change is audited like the other tables (migrations 0005, 0008).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "vocabulary_terms",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("domain", sa.String(64), nullable=False),
        sa.Column("alias", sa.Text, nullable=False),
        sa.Column("alias_key", sa.Text, nullable=False),
        sa.Column("canonical", sa.Text, nullable=False),
        sa.Column("lang", sa.String(8), nullable=False, server_default=""),
        sa.Column("created_by", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("domain", "alias_key", name="vocabulary_terms_domain_alias_key"),
        sa.CheckConstraint("alias_key <> ''", name="vocabulary_terms_alias_key_not_empty"),
    )
    op.execute(
        "CREATE TRIGGER vocabulary_terms_audit AFTER UPDATE OR DELETE ON vocabulary_terms "
        "FOR EACH ROW EXECUTE FUNCTION audit_record()"
    )
    op.execute(  # inserts are audited per statement (migration 0008)
        "CREATE TRIGGER vocabulary_terms_audit_insert AFTER INSERT ON vocabulary_terms "
        "REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION audit_inserted()"
    )
    op.execute(
        "CREATE TRIGGER vocabulary_terms_audit_truncate AFTER TRUNCATE ON vocabulary_terms "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_truncate()"
    )


def downgrade() -> None:
    op.drop_table("vocabulary_terms")  # its triggers go with it
