"""The plan's indicators per province / district / commune, and the plan's targets."""

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel

from app.deps import SessionDep
from app.services.indicators import indicators_report, list_targets

router = APIRouter(prefix="/api", tags=["Indicators"])


class IndicatorValue(BaseModel):
    id: str
    name_vi: str
    name_en: str
    unit: str
    method: Literal["computed", "reported"]
    value: float | None
    target: float
    gap: float | None
    status: Literal["met", "behind", "no_data"]
    numerator: int | float | None
    denominator: int | float | None
    detail: dict | None


class UnitIndicators(BaseModel):
    code: str
    name: str
    level: str
    indicators: list[IndicatorValue]


class CoverageRun(BaseModel):
    id: int
    finished_at: datetime | None


class IndicatorReport(BaseModel):
    level: str
    period: str
    coverage_run: CoverageRun | None
    units: list[UnitIndicators]


class Target(BaseModel):
    id: str
    name_vi: str
    name_en: str
    unit: str
    method: Literal["computed", "reported"]
    target_value: float
    target_year: int


class Targets(BaseModel):
    targets: list[Target]


@router.get(
    "/indicators",
    summary="The plan's indicators for every admin unit of a level, against the 2025 targets",
    description=(
        "Every indicator of the plan (ids as in targets.md) for each unit of the level in force. "
        "Values are rounded to 0.1 and judged on that: status `met` when value ≥ target, `behind` "
        "otherwise (gap = target − value), `no_data` when there is nothing to measure (value and gap "
        "null, never 0). Computed indicators use the infrastructure as it is now, speed tests of the "
        "period's quarter (Asia/Ho_Chi_Minh) and the latest coverage run; reported ones the period's "
        "statistics."
    ),
    response_model=IndicatorReport,
)
def indicators(
    session: SessionDep,
    level: Annotated[str, Query(description="an admin level in force: province, district, commune …")],
    period: Annotated[
        str | None,
        Query(description="quarter YYYY-Qn; default: the latest with statistics", examples=["2025-Q3"]),
    ] = None,
    code: Annotated[str | None, Query(max_length=16, description="one unit's code, e.g. 934")] = None,
) -> dict:
    return indicators_report(session, level, period, code)


@router.get("/targets", summary="The plan's indicators and their 2025 targets", response_model=Targets)
def targets(session: SessionDep) -> dict:
    return {"targets": list_targets(session)}
