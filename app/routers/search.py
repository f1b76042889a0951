"""Search positions (decimal, DMS, VN-2000 X/Y), site codes, districts, communes and hamlets by name,
and tall structures by address or name."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from app.deps import DistrictScopeDep, ScopeDep, SessionDep
from app.schemas_dashboard import SearchResults
from app.security import OptionalPrincipal
from app.services.search import search_admin_units, search_places, search_position, search_sites

router = APIRouter(prefix="/api", tags=["Search"])


@router.get(
    "/search",
    summary="Find a typed position, a site by its code, districts, communes and hamlets by name "
    "(a former unit's name finds its successor), or a tall structure by its address or name",
    response_model=SearchResults,
    responses={422: {"description": "A typed position that cannot be read, or lies outside the region"}},
    response_model_exclude_unset=True,  # lon, lat and crs belong to positions and sites only
)
def search(
    session: SessionDep,
    district_scope: DistrictScopeDep,
    scope: ScopeDep,
    principal: OptionalPrincipal,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=100,
            # Its example is a position in the region, filled in from the data (app/openapi.py).
            description="a name or an address (diacritics optional), a site code, or a position: latitude, "
            "longitude in decimal degrees or in degrees, minutes and seconds (with N and E) · VN-2000 X/Y "
            "in metres (TM-3 105° or, with 'UTM', UTM 48N)",
        ),
    ],
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
    on: Annotated[date | None, Query(description="the units in force on this day (default today)")] = None,
) -> dict:
    positions = search_position(session, q, on)
    if positions is not None:
        return {"query": q, "results": positions[:limit]}
    sites = search_sites(session, q, scope, limit) if principal is not None else []
    units = (
        search_admin_units(session, q, limit - len(sites), district_scope, on) if len(sites) < limit else []
    )
    # Known places by address after the units, so that a name's unit keeps its place; the
    # structures are not on the public map.
    left = limit - len(sites) - len(units)
    places = search_places(session, q, scope, left, on) if principal is not None and left > 0 else []
    return {"query": q, "results": sites + units + places}
