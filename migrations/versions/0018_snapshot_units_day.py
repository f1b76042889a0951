"""snapshot units day: a closed quarter keeps each plan's indicators on the units it is judged on

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07

Closing a quarter froze the units in force on its last day for every plan, so after the 2025 reform
a plan judged on the former districts and communes (``plans.judged_on``) found the new communes in
its closed quarters. Each frozen record — indicators, hamlets, offices, report maps — now says the day whose units it
was computed on (``units_on``): the quarter's last day, or a plan's ``judged_on`` when earlier.
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

# table -> its key without the day
_KEYS = {
    "indicator_snapshots": ["unit_level", "unit_code", "indicator_id"],
    "hamlet_snapshots": ["hamlet_code"],
    "office_snapshots": ["office_code"],
    "period_maps": ["scope_code"],
}


def upgrade() -> None:
    for table, key in _KEYS.items():
        op.add_column(table, sa.Column("units_on", sa.Date))
        op.execute(f"UPDATE {table} s SET units_on = c.as_of FROM closed_periods c WHERE c.period = s.period")
        op.alter_column(table, "units_on", nullable=False)
        op.drop_constraint(f"{table}_pkey", table, type_="primary")
        op.create_primary_key(f"{table}_pkey", table, ["period", "units_on", *key])


def downgrade() -> None:
    for table, key in _KEYS.items():
        op.execute(
            f"DELETE FROM {table} s USING closed_periods c WHERE c.period = s.period AND s.units_on <> c.as_of"
        )
        op.drop_constraint(f"{table}_pkey", table, type_="primary")
        op.create_primary_key(f"{table}_pkey", table, ["period", *key])
        op.drop_column(table, "units_on")
