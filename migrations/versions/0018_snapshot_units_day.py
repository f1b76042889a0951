"""snapshot units day: a closed quarter keeps each plan's indicators on the units it is judged on

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07

Closing a quarter froze the units in force on its last day for every plan, so after the 2025 reform
a plan judged on the former districts and communes (``plans.judged_on``) found the new communes in
its closed quarters. Each frozen indicator record now says the day whose units it was computed on
(``indicator_snapshots.units_on``): the quarter's last day, or a plan's ``judged_on`` when earlier.
A unit's code may be reused by the reform for another unit (the new "Phường Vị Thanh" took an old
ward's code), so the day is part of the key. Records frozen so far are on their period's ``as_of``.
Downgrade keeps only those on the period's own day.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_KEY = ["period", "unit_level", "unit_code", "indicator_id"]


def upgrade() -> None:
    op.add_column("indicator_snapshots", sa.Column("units_on", sa.Date))
    op.execute(
        "UPDATE indicator_snapshots s SET units_on = c.as_of FROM closed_periods c WHERE c.period = s.period"
    )
    op.alter_column("indicator_snapshots", "units_on", nullable=False)
    op.drop_constraint("indicator_snapshots_pkey", "indicator_snapshots", type_="primary")
    op.create_primary_key(
        "indicator_snapshots_pkey",
        "indicator_snapshots",
        ["period", "units_on", "unit_level", "unit_code", "indicator_id"],
    )


def downgrade() -> None:
    op.execute(
        "DELETE FROM indicator_snapshots s USING closed_periods c "
        "WHERE c.period = s.period AND s.units_on <> c.as_of"
    )
    op.drop_constraint("indicator_snapshots_pkey", "indicator_snapshots", type_="primary")
    op.create_primary_key("indicator_snapshots_pkey", "indicator_snapshots", _OLD_KEY)
    op.drop_column("indicator_snapshots", "units_on")
