"""Request and answer of POST /api/proposals (the JSON route declares its response model)."""

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ProposalRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    area: str | None = Field(
        default=None,
        max_length=16,
        description="an admin unit code (commune, district…); none: the whole region",
    )
    date: dt.date | None = Field(
        default=None, description="the day whose units name the area (default today)"
    )
    operator: str = Field(
        default="any", min_length=1, max_length=64, description="a mobile operator, or 'any'"
    )
    k: int = Field(default=5, ge=1, le=100, description="how many sites to propose")
    grid_m: float = Field(default=1000.0, ge=250, le=10_000, description="spacing of the free grid points")


class DraftIn(BaseModel):
    """A proposal row to keep as a draft registration (POST /api/proposals/drafts)."""

    model_config = ConfigDict(extra="forbid")

    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    height_m: float = Field(gt=0, le=200, allow_inf_nan=False, description="the proposal's antenna height")
    kind: Literal["tall_structure", "office", "new"] = Field(
        description="the proposal's kind: a new structure (co-location and poles ask their owner instead)"
    )
    operator: str | None = Field(
        default=None, min_length=1, max_length=64, description="the owning operator; operators: their own"
    )
    code: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$",
        description="the site code; default DX-<yymmdd>-<n>",
    )
    label: str | None = Field(
        default=None, max_length=200, description="its name: the structure's or office's"
    )
    rank: int | None = Field(default=None, ge=1, le=100, description="its rank among the proposals")
    area: str | None = Field(default=None, max_length=200, description="the area asked for, named")


class ProposalArea(BaseModel):
    code: str | None
    name: str
    level: str


class ProposalDemand(BaseModel):
    people_uncovered: float
    cells_uncovered: int
    cell_m: float
    hamlets_uncovered: int
    people_coverable: float


class ProposalSolver(BaseModel):
    method: str = Field(description="exact (HiGHS) or greedy")
    objective_people: float
    upper_bound_people: float
    gap: float = Field(description="(bound − value) / bound; 0 when proven optimal")
    optimal: bool
    note: str


class ProposalRow(BaseModel):
    rank: int
    kind: str = Field(description="co_location, structure, tall_structure, pole, office or new")
    code: str | None
    label: str | None
    lon: float
    lat: float
    height_m: float
    antenna_height_m: float = Field(
        description="where the candidate's antenna was placed: a tall structure's height less the mounting margin"
    )
    owner: str | None = Field(description="whom to ask: the structure's owner or the commune")
    people: float = Field(description="people newly covered by this site after the ones above (marginal)")
    hamlets: int
    cumulative_people: float
    cumulative_hamlets: int
    cumulative_share: float | None


class CurvePoint(BaseModel):
    sites: int
    people: float
    hamlets: int
    people_share: float | None
    hamlets_share: float | None


class FewestSites(BaseModel):
    greedy: int
    exact: int | None


class Proposals(BaseModel):
    area: ProposalArea
    operator: str
    k: int
    coverage_run_id: int
    eirp_offset_db: float = Field(
        description="the operator's accepted calibration offset the candidates radiate with (0: none); "
        "for any operator, the smallest of the mobile operators' (0 for one without)"
    )
    demand: ProposalDemand
    candidates: dict[str, int]
    solver: ProposalSolver
    proposals: list[ProposalRow]
    curve: list[CurvePoint]
    sites_for_all_coverable: FewestSites
    timing_ms: dict[str, int]
