"""Search admin units by name, diacritics optional."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from app.deps import DistrictScopeDep, SessionDep
from app.schemas_dashboard import SearchResults
from app.services.search import search_admin_units

router = APIRouter(prefix="/api", tags=["Search"])


@router.get(
    "/search",
    summary="Find districts, communes and hamlets by name (a former unit's name finds its successor)",
    response_model=SearchResults,
)
def search(
    session: SessionDep,
    district_scope: DistrictScopeDep,
    q: Annotated[str, Query(min_length=1, max_length=100, description="name, with or without diacritics")],
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
    on: Annotated[date | None, Query(description="the units in force on this day (default today)")] = None,
) -> dict:
    return {"query": q, "results": search_admin_units(session, q, limit, district_scope, on)}
