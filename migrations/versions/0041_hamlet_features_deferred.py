"""hamlet_features: a full coverage run refreshes it once, at its end

Revision ID: 0041
Revises: 0039
Create Date: 2026-12-08

A full run deletes and rewrites every hamlet's cell counts and FTTH reach, batch by batch: the
triggers of 0033 refreshed every hamlet's row of ``hamlet_features`` about seven times over (each
delete of all rows, each batch, the reach), a second of the database's time spent on rows nobody
can see before the run commits. Within a transaction that sets ``hg.hamlet_features_deferred`` to
``on`` the refresh is skipped; the run then refreshes every hamlet once (from the final tables: the
very rows the last trigger would have left). Every other writer is as before.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0041"
down_revision: str | None = "0040"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The setting's name: app/services/coverage/runs.py sets it (SET LOCAL) for a full run.
SETTING = "hg.hamlet_features_deferred"


def upgrade() -> None:
    # The triggers call refresh_hamlet_features by name: the renamed one runs behind the guard.
    op.execute("ALTER FUNCTION refresh_hamlet_features(int[]) RENAME TO refresh_hamlet_features_now")
    op.execute(
        f"""
CREATE FUNCTION refresh_hamlet_features(ids int[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('{SETTING}', true) = 'on' THEN
        RETURN;  -- a full coverage run: it refreshes every hamlet once at its end
    END IF;
    PERFORM refresh_hamlet_features_now(ids);
END $$
"""
    )


def downgrade() -> None:
    op.execute("DROP FUNCTION refresh_hamlet_features(int[])")
    op.execute("ALTER FUNCTION refresh_hamlet_features_now(int[]) RENAME TO refresh_hamlet_features")
