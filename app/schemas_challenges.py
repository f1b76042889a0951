"""Answers and bodies of the challenge loop (app/routers/challenges.py)."""

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from app.models_challenges import ANSWERS, KINDS, STATUSES, TECHNOLOGIES

Kind = Literal[KINDS]
Technology = Literal[TECHNOLOGIES]
Status = Literal[STATUSES]
Phase = Literal["open", "accepted", "resolved", "rejected"]


class Filed(BaseModel):
    code: str
    token: str = Field(description="the private link's secret: shown once, keep it (/challenge#t=<token>)")
    status: Status


class FormOperator(BaseModel):
    short_name: str
    name: str
    kind: str


class FormInfo(BaseModel):
    operators: list[FormOperator]
    proof_bits: int = Field(description="leading zero bits the proof of work's SHA-256 needs")
    max_attachment_bytes: int


class Step(BaseModel):
    at: datetime
    step: Literal[
        "filed",
        "rejected",
        "accepted",
        "disputed",
        "planned",
        "fixed",
        "measured",
        "upheld",
        "overruled",
        "erased",
    ]
    side: Literal["public", "department", "operator"] = Field(description="who acted: a side, never a person")
    operator: str | None
    note: str | None
    deadline: date | None
    planned_on: date | None


class PublicChallenge(BaseModel):
    code: str
    kind: Kind
    technology: Technology
    status: Status
    phase: Phase
    escalated: bool = Field(
        description="an operator (for an operator: itself) past its deadline unanswered, or past its planned day"
    )
    measured: bool = Field(description="confirmed by the Department's measurements")
    observed_at: datetime
    filed_at: datetime
    resolved_at: datetime | None
    deadline: date | None = Field(
        description="to answer by: the operator's own for an operator, else the earliest of those yet to answer"
    )
    planned_on: date | None
    operator: str | None
    hamlet_code: str | None
    hamlet_name: str | None
    commune_code: str | None
    commune_name: str | None


class OperatorAnswer(BaseModel):
    operator: str
    status: Literal["accepted", "disputed", "planned", "fixed"] = Field(
        description="accepted: not answered yet"
    )
    deadline: date = Field(description="this operator's own deadline to answer by")
    escalated: bool = Field(description="past its deadline unanswered, or past its planned day unfixed")
    planned_on: date | None
    answered_at: datetime | None
    review: Literal["upheld"] | None = Field(description="the Department upheld the operator's dispute")
    evidence_file: str | None = Field(
        default=None, description="the dispute's file (the Department and the operator)"
    )


class Tracked(PublicChallenge):
    operators: list[OperatorAnswer] = Field(description="each operator it was sent to, and its own answer")
    steps: list[Step]


class QueueItem(PublicChallenge):
    description: str | None
    lon: float
    lat: float
    attachment_kind: Literal["photo", "speed_test"] | None
    attachment_name: str | None
    contact_name: str | None = Field(default=None, description="the Department's eyes only")
    contact_phone: str | None = None
    contact_email: str | None = None


class Queue(BaseModel):
    challenges: list[QueueItem]


class Band(BaseModel):
    operator: str
    tech_class: str
    band: str


class Model(BaseModel):
    bands: list[Band] = Field(description="the live run's coverage bands containing the spot")
    dead_zones: list[str] = Field(description="the dead-zone kinds the spot lies in")


class NearbyTest(BaseModel):
    code: str
    measured_at: datetime
    operator: str | None
    technology: str
    download_mbps: float
    upload_mbps: float
    distance_m: int


class Detail(QueueItem):
    model: Model
    speed_tests: list[NearbyTest]
    nearby_m: float
    operators: list[OperatorAnswer]
    steps: list[Step]


class Decision(BaseModel):
    accept: bool
    reason: str | None = Field(default=None, max_length=2000, description="required to reject")
    operator: str | None = Field(default=None, max_length=64, description="to send it to another operator")
    operators: list[Annotated[str, Field(max_length=64)]] | None = Field(
        default=None, max_length=10, description="to send it to several operators (each answers for itself)"
    )
    deadline_days: int | None = Field(default=None, ge=1, le=365, description="default: the setting (60)")


class Answer(BaseModel):
    answer: Literal[ANSWERS]
    note: str | None = Field(default=None, max_length=4000, description="the evidence, required to dispute")
    planned_on: date | None = Field(default=None, description="required to plan")


class Review(BaseModel):
    outcome: Literal["uphold", "reject"] = Field(description="uphold the operator's dispute, or reject it")
    reason: str = Field(min_length=1, max_length=2000, description="shown to the reporter")
    operator: str | None = Field(
        default=None, max_length=64, description="whose dispute (needed when several operators disputed)"
    )


class Measured(BaseModel):
    note: str | None = Field(default=None, max_length=2000)


class Counts(BaseModel):
    code: str | None
    name: str | None
    open: int
    accepted: int
    resolved: int
    rejected: int
    escalated: int
    measured: int
    median_days_to_resolve: float | None


class Summary(BaseModel):
    by_commune: list[Counts]
    by_operator: list[Counts]
