"""body area: the province a report body serves

Revision ID: 0028
Revises: 0025
Create Date: 2026-12-07

One deployment may hold several provinces (the three former provinces of the merged Cần Thơ city):
before 1 July 2025 each had its own Department, so a report on Sóc Trăng's 2024 figures is headed
by Sở Thông tin và Truyền thông tỉnh Sóc Trăng, not by Hậu Giang's. ``area_code`` names the admin
unit (a province's code) a body serves; NULL: any (a ministry, or the bodies of a one-province
deployment). A report is headed by the bodies of its province first, then by those without one.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("bodies", sa.Column("area_code", sa.String(16)))
    op.create_check_constraint("bodies_area_code_not_empty", "bodies", "area_code <> ''")


def downgrade() -> None:
    op.drop_constraint("bodies_area_code_not_empty", "bodies", type_="check")
    op.drop_column("bodies", "area_code")
