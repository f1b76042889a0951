"""Public challenges of the coverage map (migration 0019): the report, its steps, and apart from them
what only the Department may see (the reporter's contact details) and the attachment."""

from datetime import date, datetime

from geoalchemy2 import Geometry
from sqlalchemy import (
    Boolean,
    Computed,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    LargeBinary,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models import SRID, Base

KINDS = ("no_signal", "weak_signal", "no_fibre")
TECHNOLOGIES = ("2G", "3G", "4G", "5G", "fixed")
STATUSES = ("open", "rejected", "accepted", "disputed", "planned", "fixed")
ANSWERS = ("disputed", "planned", "fixed")  # what the operator may answer an accepted challenge
# What the map and the dashboard call each status: reported, with the operator, or closed by it.
PHASE_SQL = (
    "CASE WHEN c.status = 'open' THEN 'open' WHEN c.status IN ('accepted', 'planned') THEN 'accepted' "
    "WHEN c.status IN ('disputed', 'fixed') THEN 'resolved' ELSE c.status END"
)


class Challenge(Base):
    __tablename__ = "challenges"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), Computed("'KN-' || lpad(id::text, 6, '0')", persisted=True))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)  # the private link's token, hashed
    proof_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"), index=True)
    technology: Mapped[str] = mapped_column(String(8))
    observed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    hamlet_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id"), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), server_default="open")
    measured: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    planned_on: Mapped[date | None] = mapped_column(Date)
    filed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=text("now()"))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    client_ip: Mapped[str] = mapped_column(String(64))
    geom = mapped_column(Geometry("POINT", srid=SRID, spatial_index=True), nullable=False)


class ChallengeStep(Base):
    __tablename__ = "challenge_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=text("now()"))
    step: Mapped[str] = mapped_column(String(12))
    side: Mapped[str] = mapped_column(String(12))  # public | department | operator: never a person
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    note: Mapped[str | None] = mapped_column(Text)
    deadline: Mapped[date | None] = mapped_column(Date)
    planned_on: Mapped[date | None] = mapped_column(Date)


class ChallengeOperator(Base):
    """An operator a challenge was sent to, and its own answer (migration 0026)."""

    __tablename__ = "challenge_operators"

    challenge_id: Mapped[int] = mapped_column(
        ForeignKey("challenges.id", ondelete="CASCADE"), primary_key=True
    )
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), primary_key=True, index=True)
    status: Mapped[str] = mapped_column(String(12), server_default="accepted")  # accepted = not answered yet
    deadline: Mapped[date] = mapped_column(Date)  # its own to answer by (migration 0035)
    planned_on: Mapped[date | None] = mapped_column(Date)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    review: Mapped[str | None] = mapped_column(String(12))  # upheld: the Department kept the dispute


class ChallengeDisputeFile(Base):
    """The file an operator's dispute carries (checked like the report's attachment)."""

    __tablename__ = "challenge_dispute_files"
    __table_args__ = (
        ForeignKeyConstraint(
            ["challenge_id", "operator_id"],
            ["challenge_operators.challenge_id", "challenge_operators.operator_id"],
            ondelete="CASCADE",
        ),
    )

    challenge_id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    media_type: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(Text)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class ChallengeContact(Base):
    __tablename__ = "challenge_contacts"

    challenge_id: Mapped[int] = mapped_column(
        ForeignKey("challenges.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))


class ChallengeAttachment(Base):
    __tablename__ = "challenge_attachments"

    challenge_id: Mapped[int] = mapped_column(
        ForeignKey("challenges.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(12))  # photo | speed_test
    media_type: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(Text)
    content: Mapped[bytes] = mapped_column(LargeBinary)


__all__ = [
    "ANSWERS",
    "KINDS",
    "STATUSES",
    "TECHNOLOGIES",
    "Challenge",
    "ChallengeAttachment",
    "ChallengeContact",
    "ChallengeDisputeFile",
    "ChallengeOperator",
    "ChallengeStep",
]
