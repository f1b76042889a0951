"""What serves one spot: signal, servers, measurements and place (app/services/point.py)."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from app.deps import ScopeDep, SessionDep
from app.schemas_point import PointAnswer
from app.security import OptionalPrincipal
from app.services import point as service

router = APIRouter(prefix="/api", tags=["Coverage"])


@router.get(
    "/point",
    summary="What serves this spot: signal per operator, servers, speed tests nearby, hamlet and dead zone",
    response_model=PointAnswer,
    responses={
        403: {"description": "A district-limited official asked about a point outside the district"},
        404: {"description": "No coverage has been computed yet"},
        422: {"description": "The point lies outside the region (problem point.outside_region)"},
    },
    response_model_exclude_unset=True,
    response_model_by_alias=True,
)
def point(
    session: SessionDep,
    scope: ScopeDep,
    principal: OptionalPrincipal,
    lon: Annotated[float, Query(ge=-180, le=180, description="longitude, WGS 84")],
    lat: Annotated[float, Query(ge=-90, le=90, description="latitude, WGS 84")],
    date: Annotated[date | None, Query(description="the network of this day (default today)")] = None,
    radius_m: Annotated[
        float,
        Query(ge=service.RADIUS_RANGE_M[0], le=service.RADIUS_RANGE_M[1], description="speed tests within"),
    ] = service.RADIUS_DEFAULT_M,
) -> dict:
    return service.point(session, scope, lon, lat, date, radius_m, anonymous=principal is None)
