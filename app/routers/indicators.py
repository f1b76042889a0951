"""A plan's indicators per province / district / commune and period, their trends, and the
plans' targets (listed, edited with history). Every route takes ``plan`` (a plan's code, see
/api/plans); by default the plan in force in the period asked (the targets: today)."""

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi import Path as PathParam
from fastapi.responses import Response
from pydantic import BaseModel, Field

from app.deps import DistrictScopeDep, SessionDep
from app.schemas_dashboard import CoverageRun, PlanRecord, PlanRef, Plans, TargetHistory, Trends
from app.security import Staff
from app.services import plans as plan_service
from app.services.reports import targets as target_service
from app.services.reports import trends
from app.services.reports.indicators import indicators_report

router = APIRouter(prefix="/api", tags=["Indicators"])

PlanCode = Annotated[
    str | None,
    Query(
        max_length=32,
        description="a plan's code (GET /api/plans), e.g. HG-2023-2025; default: the plan in force in the "
        "period (for targets: today), else the latest",
    ),
]

STATUS_RULE = (
    "Values are rounded to 0.1 and judged on that: `met` when value ≥ target; `on_track` when below "
    "target but at or above the linear trajectory from the unit's baseline — its value in the earliest "
    "closed period before this one — to the target in Q4 of the target year (`expected` gives that "
    "trajectory value); `behind` otherwise, including when there is no baseline yet (on track is never "
    "claimed without one); `no_data` when there is nothing to measure (value and gap null, never 0 — a "
    "speed without samples has `detail.samples` 0). gap = target − value."
)


class IndicatorValue(BaseModel):
    id: str
    name_vi: str
    name_en: str
    unit: str
    method: Literal["computed", "reported"]
    group: str | None = None  # coverage, sharing, usage, speed, cloud_platforms
    value: float | None
    target: float
    target_year: int | None = None
    gap: float | None
    status: Literal["met", "on_track", "behind", "no_data"]
    expected: float | None = None
    numerator: int | float | None
    denominator: int | float | None
    detail: dict | None


class UnitIndicators(BaseModel):
    code: str
    name: str
    level: str
    parent_code: str | None = None
    indicators: list[IndicatorValue]


class IndicatorReport(BaseModel):
    plan: PlanRef = Field(description="the plan whose indicators and targets these are")
    level: str
    period: str
    as_of: date = Field(description="the day the infrastructure, units and connections are counted on")
    units_on: date = Field(
        description="the day whose admin units the figures are grouped by: `as_of`, or the plan's `judged_on` "
        "when earlier (a plan on the former districts keeps them after a reform)"
    )
    closed: bool = False
    closed_at: datetime | None = None
    coverage_run: CoverageRun | None
    coverage_as_of: date | None = Field(
        default=None,
        description="the day of the network the hamlet coverage was computed for: `as_of` once the "
        "coverage run of that day is stored; until then (it is being computed in the background) the "
        "live run's day",
    )
    units: list[UnitIndicators]


class Target(BaseModel):
    id: str
    name_vi: str
    name_en: str
    unit: str
    method: Literal["computed", "reported"]
    group: str
    target_value: float
    target_year: int


class Targets(PlanRecord):
    targets: list[Target] = Field(description="the plan's indicators, in its order")


class TargetEdit(BaseModel):
    target_value: float = Field(ge=0, description="the new target, in the indicator's unit")
    target_year: int | None = Field(default=None, ge=2000, le=2100)
    changed_by: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, max_length=2000, description="why (e.g. the decision number)")


@router.get(
    "/indicators",
    summary="A plan's indicators for every admin unit of a level, against its targets",
    description=(
        "Every indicator of the plan (`plan`; default: the plan in force in the period) for each unit of "
        "the level in force. "
        + STATUS_RULE
        + " A closed period is served from the snapshot taken when it was closed (`closed` true): the "
        "infrastructure and units as of the quarter's last day, the coverage run, statistics, targets "
        "and unit names as they stood then. An open period is computed live as of `as_of` — today for "
        "the current quarter, the last day of a past one: sites active, poles and duct routes in service, "
        "offices connected and units in force that day; speed tests of the period's quarter (on the "
        "region's clock, the setting TIMEZONE), the coverage run of that day (`coverage_as_of`), the "
        "period's statistics. "
        "`as_of` asks for the live figures of one day (not after today; within `period` when both are given)."
    ),
    response_model=IndicatorReport,
)
def indicators(
    session: SessionDep,
    district_scope: DistrictScopeDep,
    level: Annotated[str, Query(description="an admin level in force: province, district, commune …")],
    period: Annotated[
        str | None,
        Query(description="quarter YYYY-Qn; default: the latest with statistics", examples=["2025-Q3"]),
    ] = None,
    code: Annotated[str | None, Query(max_length=16, description="one unit's code, e.g. 934")] = None,
    parent: Annotated[
        str | None, Query(max_length=16, description="only units at or under this district, e.g. 934")
    ] = None,
    as_of: Annotated[
        date | None, Query(description="the day of the figures (YYYY-MM-DD), live; default: see above")
    ] = None,
    plan: PlanCode = None,
) -> dict:
    return indicators_report(
        session, level, period, code, parent=parent, district_code=district_scope, as_of=as_of, plan=plan
    )


@router.get(
    "/indicators/trends",
    summary="One unit's indicators over every known quarter (closed ones from their snapshots)",
    response_model=Trends,
)
def indicator_trends(
    session: SessionDep,
    district_scope: DistrictScopeDep,
    level: Annotated[str, Query(description="province, district or commune")],
    code: Annotated[str, Query(max_length=16)],
    plan: PlanCode = None,
) -> dict:
    return trends.unit_trends(session, level, code, district_code=district_scope, plan=plan)


@router.get(
    "/indicators/trend.svg",
    summary="The trend chart of one indicator of one unit, with its target line (SVG)",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}}},
)
def indicator_trend_svg(
    session: SessionDep,
    district_scope: DistrictScopeDep,
    level: Annotated[str, Query()],
    code: Annotated[str, Query(max_length=16)],
    indicator: Annotated[str, Query(max_length=64)],
    lang: Annotated[Literal["vi", "en"], Query()] = "vi",
    plan: PlanCode = None,
) -> Response:
    svg = trends.trend_svg(
        session, level, code, indicator, lang=lang, district_code=district_scope, plan=plan
    )
    return Response(svg, media_type="image/svg+xml")


@router.get(
    "/plans",
    summary="The plans (title, decision, period, the geography they are judged on)",
    response_model=Plans,
)
def plans(session: SessionDep) -> dict:
    return {"plans": plan_service.list_plans(session)}


@router.get("/plans/{code}", summary="One plan and its indicators' targets", response_model=Targets)
def plan(code: Annotated[str, PathParam(max_length=32)], session: SessionDep) -> dict:
    return target_service.list_targets(session, code)


@router.get("/targets", summary="A plan and its indicators' targets", response_model=Targets)
def targets(session: SessionDep, plan: PlanCode = None) -> dict:
    return target_service.list_targets(session, plan)


@router.put(
    "/targets/{indicator_id}",
    summary="Change an indicator's target in a plan (the Department's staff); the change is kept in its history",
    description="Open periods are judged against the new target; closed periods keep theirs.",
    response_model=Target,
)
def edit_target(
    indicator_id: str, body: TargetEdit, session: SessionDep, principal: Staff, plan: PlanCode = None
) -> dict:
    values = body.model_dump()
    # Who changed it is the account; a name typed in the form rides along.
    values["changed_by"] = (
        f"{body.changed_by} ({principal.username})" if body.changed_by else principal.username
    )
    return target_service.update_target(session, indicator_id, plan=plan, **values)


@router.get(
    "/targets/{indicator_id}/history",
    summary="Every change of an indicator's target in a plan, newest first",
    response_model=TargetHistory,
)
def target_history(indicator_id: str, session: SessionDep, plan: PlanCode = None) -> dict:
    return {"id": indicator_id, "changes": target_service.target_history(session, indicator_id, plan)}
