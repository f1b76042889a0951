"""The deployment's region (the top-level admin units in force on a day): public, as the boundaries."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from app.deps import SessionDep
from app.schemas import RegionOut
from app.services.region import region_on
from app.settings import get_settings

router = APIRouter(prefix="/api", tags=["Region"])


@router.get(
    "/region",
    summary="The region in force on a day: codes, names, extent",
    response_model=RegionOut,
    responses={404: {"description": "No province or city is in force on that day"}},
)
def region(
    session: SessionDep,
    date_: Annotated[date | None, Query(alias="date", description="the day (default today)")] = None,
    outline: Annotated[bool, Query(description="add the simplified outline (GeoJSON)")] = False,
) -> dict:
    found = region_on(session.connection(), date_, outline=outline)
    return {
        "date": found.day,
        "codes": found.codes,
        "units": [{"code": u.code, "name": u.name, "kind": u.kind} for u in found.units],
        "name": found.name,
        "display_vi": found.display_vi,
        "display_en": found.display_en,
        "bbox": list(found.bbox),
        "centre": list(found.centre),
        "outline": found.outline,
        "timezone": get_settings().timezone,
    }
