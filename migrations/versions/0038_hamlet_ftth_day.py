"""hamlet ftth day: the region's day today's FTTH reach was computed for

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-07

``hamlet_ftth`` holds today's FTTH reach, by the access points in service on the day it was computed
(app/services/coverage/ftth.py). When a day passes, an access point's ``in_service_from`` may arrive or
its ``in_service_to`` pass with nothing written: ``hamlet_ftth_day`` tells which day the table
describes, so a reader on a later day refreshes the hamlets near the access points whose serving
state differs between the two days first. One row; its day is NULL for the reach computed before
this migration, which counted every active access point whatever its dates.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0038"
down_revision: str | None = "0037"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE TABLE hamlet_ftth_day (one boolean PRIMARY KEY DEFAULT true CHECK (one), day date)")
    op.execute("INSERT INTO hamlet_ftth_day (day) VALUES (NULL)")
    op.execute(
        "COMMENT ON TABLE hamlet_ftth_day IS 'The region''s day hamlet_ftth was computed for; NULL: "
        "before migration 0038, by status alone (app/services/coverage/ftth.py)'"
    )
    # Tracked like every table (migration 0024).
    op.execute("INSERT INTO data_versions (table_name) VALUES ('hamlet_ftth_day')")
    op.execute(
        "CREATE TRIGGER data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON hamlet_ftth_day "
        "FOR EACH STATEMENT EXECUTE FUNCTION note_data_version()"
    )


def downgrade() -> None:
    op.execute("DROP TABLE hamlet_ftth_day")
    op.execute("DELETE FROM data_versions WHERE table_name = 'hamlet_ftth_day'")
