"""challenges: anyone reports a spot or a hamlet as without signal, with weak signal or without fibre;
the Department triages, the operator concerned answers, every step is kept for the reporter's link

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07

Modelled on the FCC's availability challenges: an accepted challenge goes to the operator, who has a
deadline (60 days by default) to dispute it with evidence, plan a fix by a date, or fix it.
``challenges`` and ``challenge_steps`` are audited like every workflow table; the reporter's contact
details and the attachment live apart (``challenge_contacts``, ``challenge_attachments``) and are not
audited, so that personal data never enters the append-only log and can be erased on request.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = ("no_signal", "weak_signal", "no_fibre")
TECHNOLOGIES = ("2G", "3G", "4G", "5G", "fixed")
STATUSES = ("open", "rejected", "accepted", "disputed", "planned", "fixed")
STEPS = ("filed", "rejected", "accepted", "disputed", "planned", "fixed", "measured")
SIDES = ("public", "department", "operator")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _audit(table: str) -> None:
    op.execute(
        f"CREATE TRIGGER {table}_audit AFTER UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION audit_record()"
    )
    op.execute(  # inserts are audited per statement (migration 0008)
        f"CREATE TRIGGER {table}_audit_insert AFTER INSERT ON {table} "
        "REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION audit_inserted()"
    )
    op.execute(
        f"CREATE TRIGGER {table}_audit_truncate AFTER TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_truncate()"
    )


def upgrade() -> None:
    op.create_table(
        "challenges",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(16), sa.Computed("'KN-' || lpad(id::text, 6, '0')", persisted=True)),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("proof_sha256", sa.String(64), nullable=False, unique=True),  # each proof of work once
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("operator_id", sa.Integer, sa.ForeignKey("operators.id"), index=True),
        sa.Column("technology", sa.String(8), nullable=False),
        sa.Column("observed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hamlet_id", sa.Integer, sa.ForeignKey("admin_units.id"), index=True),
        sa.Column("description", sa.Text),
        sa.Column("status", sa.String(12), nullable=False, server_default="open"),
        sa.Column("measured", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.Column("deadline", sa.Date),
        sa.Column("planned_on", sa.Date),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.Column("resolved_at", sa.DateTime(timezone=True)),
        sa.Column("client_ip", sa.String(64), nullable=False),
        sa.Column("geom", Geometry("POINT", srid=4326, spatial_index=True), nullable=False),
        sa.CheckConstraint(_in("kind", KINDS), name="challenges_kind"),
        sa.CheckConstraint(_in("technology", TECHNOLOGIES), name="challenges_technology"),
        sa.CheckConstraint(_in("status", STATUSES), name="challenges_status"),
        sa.CheckConstraint(
            "status NOT IN ('open', 'rejected') OR deadline IS NULL", name="challenges_deadline"
        ),
        sa.CheckConstraint(
            "status = 'open' OR operator_id IS NOT NULL OR status = 'rejected'",
            name="challenges_operator_when_sent",
        ),
        sa.CheckConstraint("ST_IsValid(geom)", name="challenges_geom_valid"),
    )
    op.create_unique_constraint("challenges_code_key", "challenges", ["code"])
    op.create_index("challenges_client_ip_filed_idx", "challenges", ["client_ip", "filed_at"])
    op.create_table(
        "challenge_steps",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "challenge_id",
            sa.Integer,
            sa.ForeignKey("challenges.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.Column("step", sa.String(12), nullable=False),
        sa.Column("side", sa.String(12), nullable=False),
        sa.Column("operator_id", sa.Integer, sa.ForeignKey("operators.id")),
        sa.Column("note", sa.Text),
        sa.Column("deadline", sa.Date),
        sa.Column("planned_on", sa.Date),
        sa.CheckConstraint(_in("step", STEPS), name="challenge_steps_step"),
        sa.CheckConstraint(_in("side", SIDES), name="challenge_steps_side"),
    )
    op.create_table(
        "challenge_contacts",
        sa.Column(
            "challenge_id", sa.Integer, sa.ForeignKey("challenges.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("name", sa.Text),
        sa.Column("phone", sa.String(32)),
        sa.Column("email", sa.String(254)),
    )
    op.create_table(
        "challenge_attachments",
        sa.Column(
            "challenge_id", sa.Integer, sa.ForeignKey("challenges.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("media_type", sa.String(64), nullable=False),
        sa.Column("filename", sa.Text, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.CheckConstraint("kind IN ('photo', 'speed_test')", name="challenge_attachments_kind"),
    )
    _audit("challenges")
    _audit("challenge_steps")


def downgrade() -> None:
    op.drop_table("challenge_attachments")
    op.drop_table("challenge_contacts")
    op.drop_table("challenge_steps")  # their triggers go with them
    op.drop_table("challenges")
