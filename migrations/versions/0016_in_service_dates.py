"""in service dates: poles, duct routes, fibre access points and manholes carry their valid time

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07

Indicators are computed as of a day (closing a quarter freezes its last day), so every piece of
infrastructure says when it was in service: ``in_service_from`` (first day in service) and
``in_service_to`` (first day out of service, exclusive, like admin units' ``valid_to``). NULL
``in_service_from`` means "in service since before the records began"; NULL ``in_service_to``
"still in service". A commune office's connection to the government network already has
``connected_on``; ``disconnected_on`` (exclusive) ends it.

A closed quarter says the day its figures describe (``closed_periods.as_of``): its last day from
now on; the day it was closed for the quarters closed before (what their snapshots froze).

Backfill from the audit trail (migrations 0005, 0008): a row created on its own — no other row of
its table created by the same actor within a second of it — was registered as it was put up, so
its creation day (local time) is its ``in_service_from``. Rows that came in a batch (a file import,
the sample loader) are an inventory of what already stood: their dates are unknown, NULL.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("poles", "duct_routes", "fibre_access_points", "manholes")

# The latest creation of each row id (ids may have been reused after a reload), kept when alone. Its
# day is the session's: every session counts days on the region's clock (app/db.py, setting TIMEZONE).
_BACKFILL = """
WITH created AS (
  SELECT a.record_id, a.at,
         count(*) OVER (PARTITION BY a.actor ORDER BY a.at
                        RANGE BETWEEN interval '1 second' PRECEDING AND interval '1 second' FOLLOWING) AS near
  FROM audit_log a WHERE a.entity = '{table}' AND a.action = 'create'
), latest AS (
  SELECT DISTINCT ON (record_id) record_id, near, at FROM created ORDER BY record_id, at DESC
)
UPDATE {table} t SET in_service_from = l.at::date
FROM latest l WHERE l.record_id = t.id::text AND l.near = 1
"""


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("in_service_from", sa.Date))
        op.add_column(table, sa.Column("in_service_to", sa.Date))
        op.create_check_constraint(
            f"{table}_in_service",
            table,
            "in_service_to IS NULL OR in_service_from IS NULL OR in_service_to > in_service_from",
        )
        op.execute(_BACKFILL.format(table=table))
    op.add_column("commune_offices", sa.Column("disconnected_on", sa.Date))
    op.create_check_constraint(
        "commune_offices_connection",
        "commune_offices",
        "disconnected_on IS NULL OR connected_on IS NULL OR disconnected_on > connected_on",
    )
    op.add_column("closed_periods", sa.Column("as_of", sa.Date))
    op.execute("UPDATE closed_periods SET as_of = closed_at::date")  # the region's day, as above
    op.alter_column("closed_periods", "as_of", nullable=False)


def downgrade() -> None:
    op.drop_column("closed_periods", "as_of")
    op.drop_constraint("commune_offices_connection", "commune_offices")
    op.drop_column("commune_offices", "disconnected_on")
    for table in TABLES:
        op.drop_constraint(f"{table}_in_service", table)
        op.drop_column(table, "in_service_to")
        op.drop_column(table, "in_service_from")
