"""operator deadlines: each operator a challenge was sent to answers by its own deadline

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-07

``challenges.deadline`` was shared by every operator of a challenge, so the Department rejecting one
operator's dispute (back to it with a new deadline) moved the deadline of the others too, and their
overdue state with it. ``challenge_operators.deadline`` is that operator's own, filled from the shared
one; ``challenges.deadline`` goes (what the pages show as the challenge's deadline is read from its
operators: app/services/challenges.py). An operator row always has one (set when the Department sends
the challenge to it, reset when it overrules its dispute).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0035"
down_revision: str | None = "0034"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("challenge_operators", sa.Column("deadline", sa.Date))
    # Each operator row takes the shared deadline; should a challenge lack one, the last deadline its
    # steps gave, else the day it was filed (it is then overdue, as it was unanswered without one).
    op.execute(
        "UPDATE challenge_operators co SET deadline = coalesce(c.deadline, (SELECT s.deadline FROM challenge_steps s "
        "WHERE s.challenge_id = c.id AND s.deadline IS NOT NULL ORDER BY s.at DESC, s.id DESC LIMIT 1), "
        "c.filed_at::date) FROM challenges c WHERE c.id = co.challenge_id"
    )
    op.alter_column("challenge_operators", "deadline", nullable=False)
    op.drop_column("challenges", "deadline")  # drops the check challenges_deadline with it


def downgrade() -> None:
    op.add_column("challenges", sa.Column("deadline", sa.Date))
    op.execute(
        "UPDATE challenges c SET deadline = (SELECT min(co.deadline) FROM challenge_operators co "
        "WHERE co.challenge_id = c.id)"
    )
    op.create_check_constraint(
        "challenges_deadline", "challenges", "status NOT IN ('open', 'rejected') OR deadline IS NULL"
    )
    op.drop_column("challenge_operators", "deadline")
