"""Sites keep the name operators give them (Tên trạm)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06

An operator's workbook names each site ("Trạm Vị Thanh 3") beside its code; the name is free text,
not unique, and optional (older files and OpenCelliD have none).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("sites", sa.Column("name", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("sites", "name")
