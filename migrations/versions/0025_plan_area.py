"""plan area: the unit a plan covers

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07

A plan is judged on a day's units (``judged_on``), but a province's plan covers that province only:
once three provinces merged into one city, the former Hậu Giang's 2023–2025 plan must not be
computed over the districts of the other two. ``area_code`` names the admin unit the plan covers
(its code on ``judged_on``, or on each report's day); NULL: the whole region. Plans stored so far
get theirs from the data loaded with them (the sample's seed, a plan workbook's "Mã địa bàn").
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("plans", sa.Column("area_code", sa.String(16)))
    op.create_check_constraint("plans_area_code_not_empty", "plans", "area_code <> ''")


def downgrade() -> None:
    op.drop_constraint("plans_area_code_not_empty", "plans", type_="check")
    op.drop_column("plans", "area_code")
