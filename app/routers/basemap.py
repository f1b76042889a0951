"""The offline map's stored background layers: public, as the water beside them (/basemap/water.json)."""

from typing import Annotated

from fastapi import APIRouter, Header, Response

from app.deps import SessionDep
from app.services.roads import roads_document
from app.services.tile_cache import etag_matches

router = APIRouter(prefix="/basemap", tags=["Basemap"])


@router.get(
    "/roads.json",
    summary="The main roads of the offline background (simplified GeoJSON, with their attribution)",
    response_class=Response,
    responses={
        200: {"content": {"application/json": {}}, "description": "a FeatureCollection of lines"},
        304: {"description": "unchanged since the ETag sent in If-None-Match"},
    },
)
def roads(session: SessionDep, if_none_match: Annotated[str | None, Header()] = None) -> Response:
    document = roads_document(session.connection())
    # Revalidated on every page (no-cache): a re-import shows at once; unchanged, it costs a 304.
    headers = {"ETag": document.etag, "Cache-Control": "public, no-cache"}
    if etag_matches(if_none_match, document.etag):
        return Response(status_code=304, headers=headers)
    return Response(document.body, media_type="application/json", headers=headers)
