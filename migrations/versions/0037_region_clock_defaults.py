"""region clock defaults: a new coverage run's day is the session's CURRENT_DATE, not Vietnam's by name

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-07

Migration 0017 gave ``coverage_runs.as_of`` the default ``(now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date``:
one region's zone written in the schema. Every session the project opens counts days on the region's
clock (the setting TIMEZONE, app/db.py ``new_engine``), so ``CURRENT_DATE`` is that region's today,
whichever region the deployment serves. The downgrade restores 0017's expression as it was.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0037"
down_revision: str | None = "0036"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column, 0017's default): the defaults that named a zone.
_ZONED_DEFAULTS = (("coverage_runs", "as_of", "((now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date)"),)


def upgrade() -> None:
    for table, column, _ in _ZONED_DEFAULTS:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET DEFAULT CURRENT_DATE")


def downgrade() -> None:
    for table, column, zoned in _ZONED_DEFAULTS:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET DEFAULT {zoned}")
