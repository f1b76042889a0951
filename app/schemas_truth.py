"""Answers and bodies of model truth: the model card's comparison with the speed-test samples and the
calibration a planner accepts (app/services/coverage/calibration.py). Levels in dBm, errors and
offsets in dB, agreements as ratios 0–1."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

TechClass = Literal["mbb", "legacy"]


class Confusion(BaseModel):
    both_covered: int = Field(description="samples the model and the measurement both call covered")
    model_only: int = Field(description="covered by the model, not by the measurement")
    measured_only: int = Field(description="covered by the measurement, not by the model")
    neither: int


class TruthGroup(BaseModel):
    operator: str
    technology: str = Field(description="the speed tests' technology (4G, 5G)")
    n: int = Field(description="samples inside the computed blocks")
    agreement: float | None = Field(description="share 0–1 of samples where model and measurement agree")
    confusion: Confusion
    signal_n: int = Field(description="samples with a measured RSRP and a predicted level above the floor")
    median_error_db: float | None = Field(description="median of predicted − measured (dB)")
    mean_error_db: float | None = Field(description="mean of predicted − measured (dB)")


class Calibration(BaseModel):
    operator: str
    tech_class: TechClass
    offset_db: float = Field(description="added to the EIRP of the operator's cells of the class")
    samples: int = Field(description="samples with a measured RSRP it was fitted on")
    agreement_before: float | None = Field(description="agreement of the uncalibrated model (0–1)")
    agreement_after: float | None = Field(description="agreement with the offset (0–1)")
    median_error_before_db: float | None


class Proposal(Calibration):
    median_error_after_db: float | None


class InForce(Calibration):
    accepted_by: str
    accepted_at: datetime


class ModelTruth(BaseModel):
    threshold_dbm: float = Field(description="the outdoor level called covered")
    covered_rule: str
    offset_rule: str
    samples: int = Field(description="mobile speed tests (4G, 5G) of mobile operators")
    samples_placed: int = Field(description="those inside a computed block, compared")
    groups: list[TruthGroup]
    proposals: list[Proposal] = Field(description="the offset the samples suggest, per operator and class")
    in_force: list[InForce] = Field(description="the accepted offsets the next coverage runs apply")


class CalibrationAccept(BaseModel):
    """The proposal the planner saw and accepts (refused with 409 when the samples changed it since)."""

    operator: str = Field(min_length=1, max_length=64)
    tech_class: TechClass = "mbb"
    offset_db: float = Field(ge=-40, le=40)
