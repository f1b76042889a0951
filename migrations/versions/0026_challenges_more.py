"""challenges, more: several operators per challenge, the dispute's evidence file and its review,
steps for the review and for erasing the reporter's contact details

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07

``challenge_operators``: each operator a challenge was sent to, and its own answer (accepted = not
answered yet, disputed, planned, fixed). ``challenges.status`` stays the summary of those answers
(app/services/challenges.py, ``_settle``) and ``challenges.operator_id`` the first operator named.
``challenge_dispute_files``: the file an operator attaches to its dispute (checked as the report's
attachment is); not audited, like the report's. New steps: ``upheld`` / ``overruled`` (the
Department's review of a dispute) and ``erased`` (the contact details were erased: the step, never
the values, enters the audit log).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_STEPS = ("filed", "rejected", "accepted", "disputed", "planned", "fixed", "measured")
STEPS = (*OLD_STEPS, "upheld", "overruled", "erased")
ANSWERED = ("accepted", "disputed", "planned", "fixed")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _tracked(table: str, audited: bool) -> None:
    """Versioned for the tile cache (migration 0024) and, when ``audited``, audited (0008, 0019)."""
    op.execute(f"INSERT INTO data_versions (table_name) VALUES ('{table}') ON CONFLICT DO NOTHING")
    op.execute(
        f"CREATE TRIGGER data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION note_data_version()"
    )
    if audited:  # rows per row on update/delete, inserts per statement (migrations 0008, 0019)
        op.execute(
            f"CREATE TRIGGER {table}_audit AFTER UPDATE OR DELETE ON {table} FOR EACH ROW "
            f"EXECUTE FUNCTION audit_record(); CREATE TRIGGER {table}_audit_insert AFTER INSERT ON {table} "
            "REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION audit_inserted(); "
            f"CREATE TRIGGER {table}_audit_truncate AFTER TRUNCATE ON {table} FOR EACH STATEMENT "
            "EXECUTE FUNCTION audit_truncate()"
        )


def upgrade() -> None:
    op.create_table(
        "challenge_operators",
        sa.Column(
            "challenge_id", sa.Integer, sa.ForeignKey("challenges.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("operator_id", sa.Integer, sa.ForeignKey("operators.id"), primary_key=True, index=True),
        sa.Column("status", sa.String(12), nullable=False, server_default="accepted"),
        sa.Column("planned_on", sa.Date),
        sa.Column("answered_at", sa.DateTime(timezone=True)),
        # The Department's review of the operator's last dispute: NULL until reviewed; a dispute
        # overruled goes back to the operator (status accepted), so only 'upheld' stays.
        sa.Column("review", sa.String(12)),
        sa.CheckConstraint(_in("status", ANSWERED), name="challenge_operators_status"),
        sa.CheckConstraint(
            "review IS NULL OR (review = 'upheld' AND status = 'disputed')", name="challenge_operators_review"
        ),
    )
    op.execute(
        "INSERT INTO challenge_operators (challenge_id, operator_id, status, planned_on, answered_at) "
        "SELECT id, operator_id, status, planned_on, CASE WHEN status <> 'accepted' THEN coalesce(resolved_at, "
        "now()) END FROM challenges WHERE operator_id IS NOT NULL AND status NOT IN ('open', 'rejected')"
    )
    _tracked("challenge_operators", audited=True)
    op.create_table(
        "challenge_dispute_files",
        sa.Column("challenge_id", sa.Integer, primary_key=True),
        sa.Column("operator_id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("media_type", sa.String(64), nullable=False),
        sa.Column("filename", sa.Text, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.ForeignKeyConstraint(
            ["challenge_id", "operator_id"],
            ["challenge_operators.challenge_id", "challenge_operators.operator_id"],
            ondelete="CASCADE",
        ),
        sa.CheckConstraint("kind IN ('photo', 'speed_test')", name="challenge_dispute_files_kind"),
    )
    _tracked("challenge_dispute_files", audited=False)
    op.drop_constraint("challenge_steps_step", "challenge_steps", type_="check")
    op.create_check_constraint("challenge_steps_step", "challenge_steps", _in("step", STEPS))


def downgrade() -> None:
    op.execute(f"DELETE FROM challenge_steps WHERE NOT ({_in('step', OLD_STEPS)})")
    op.drop_constraint("challenge_steps_step", "challenge_steps", type_="check")
    op.create_check_constraint("challenge_steps_step", "challenge_steps", _in("step", OLD_STEPS))
    for table in ("challenge_dispute_files", "challenge_operators"):
        op.drop_table(table)
        op.execute(f"DELETE FROM data_versions WHERE table_name = '{table}'")
