"""What real operators' and surveyors' files carry: monopole sites, cables per operator on a pole,
a duct route's name, free ducts and stated length

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_STRUCTURE_TYPES = ("tower", "guyed_mast", "rooftop", "camouflaged", "small_cell")
NEW_STRUCTURE_TYPES = (*OLD_STRUCTURE_TYPES, "monopole")


def _structure_types(values: tuple[str, ...]) -> None:
    # The CHECK of the non-native enum of 0002 is named after the enum.
    op.drop_constraint("structure_type", "sites", type_="check")
    listed = ", ".join(f"'{v}'" for v in values)
    op.create_check_constraint("structure_type", "sites", f"structure_type IN ({listed})")


def upgrade() -> None:
    _structure_types(NEW_STRUCTURE_TYPES)
    op.add_column(
        "pole_attachments", sa.Column("cable_count", sa.Integer, nullable=False, server_default="1")
    )
    op.create_check_constraint("pole_attachments_cable_count", "pole_attachments", "cable_count > 0")
    op.add_column("duct_routes", sa.Column("name", sa.Text))
    op.add_column("duct_routes", sa.Column("free_duct_count", sa.Integer))
    op.add_column("duct_routes", sa.Column("stated_length_m", sa.Float))
    op.create_check_constraint(
        "duct_routes_free_duct_count",
        "duct_routes",
        "free_duct_count IS NULL OR (free_duct_count >= 0 AND free_duct_count <= duct_count)",
    )
    op.create_check_constraint(
        "duct_routes_stated_length", "duct_routes", "stated_length_m IS NULL OR stated_length_m > 0"
    )


def downgrade() -> None:
    for column in ("stated_length_m", "free_duct_count", "name"):
        op.drop_column("duct_routes", column)  # drops its CHECK with it
    op.drop_column("pole_attachments", "cable_count")
    # 0007 has no monopole: such a site goes back to the generic self-supporting tower.
    op.execute("UPDATE sites SET structure_type = 'tower' WHERE structure_type = 'monopole'")
    _structure_types(OLD_STRUCTURE_TYPES)
