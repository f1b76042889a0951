"""Open exports: layers as GeoJSON / GeoPackage / Shapefile / KML / CSV / XLSX, indicators as
CSV / XLSX, and the passive fibre network as Open Fibre Data Standard JSON."""

import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from app.deps import BBoxDep, CollectionDep, DistrictScopeDep, FiltersDep, ScopeDep, SessionDep
from app.security import LoggedIn
from app.services.exports import layers as exporter
from app.services.exports.layers import EXPORT_CRSS, FORMATS, TABLE_FORMATS, ExportFile

router = APIRouter(prefix="/api/export", tags=["Exports"])

# Query parameters of the export itself; the others filter the layer as on the map.
_EXPORT_PARAMS = frozenset({"format", "crs"})


def streamed_file(write: Callable[[Path], ExportFile]) -> FileResponse:
    """Write the file in a temporary directory, stream it, remove the directory afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="hg-export-"))
    try:
        out = write(folder)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileResponse(
        out.path,
        media_type=out.media_type,
        filename=out.filename,
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


def file_answer(formats: Iterable[str]) -> dict:
    """The OpenAPI `responses` of a route that streams a file in one of ``formats`` (FORMATS' keys)."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    content = {FORMATS[f].media_type.split(";")[0]: binary for f in formats}
    return {200: {"description": "The file (Content-Disposition names it)", "content": content}}


@router.get(
    "/ofds",
    summary="The passive fibre network as Open Fibre Data Standard (0.3) JSON",
    response_class=FileResponse,
    responses={200: {"content": {"application/json": {}}, "description": "an OFDS JSON package"}},
)
def export_ofds(session: SessionDep, _: LoggedIn, scope: ScopeDep) -> FileResponse:
    return streamed_file(lambda folder: exporter.export_ofds(session, folder, scope))


@router.get(
    "/indicators",
    summary="A plan's indicators per admin unit as CSV or XLSX",
    response_class=FileResponse,
    responses=file_answer(TABLE_FORMATS),
)
def export_indicators(
    session: SessionDep,
    district_scope: DistrictScopeDep,
    level: Annotated[str, Query(description="an admin level in force: province, district, commune …")],
    period: Annotated[str | None, Query(description="quarter YYYY-Qn; default: the latest")] = None,
    code: Annotated[str | None, Query(max_length=16, description="one unit's code")] = None,
    format: Annotated[str | None, Query(description="csv or xlsx")] = None,
    plan: Annotated[
        str | None,
        Query(max_length=32, description="a plan's code; default: the plan in force in the period"),
    ] = None,
) -> FileResponse:
    fmt = exporter.parse_format(format, TABLE_FORMATS)
    return streamed_file(
        lambda folder: exporter.export_indicators(
            session,
            level=level,
            period=period,
            code=code,
            fmt=fmt,
            directory=folder,
            district_code=district_scope,
            plan=plan,
        )
    )


@router.get(
    "/{collection_id}",
    summary="A layer, filtered like the map, as a file",
    description=(
        f"Formats: {', '.join(FORMATS)}; CRS: {', '.join(EXPORT_CRSS)} (KML is always WGS 84). "
        "Takes `bbox` and the collection's filters, as its OGC items do."
    ),
    response_class=FileResponse,
    responses=file_answer(FORMATS),
)
def export_collection(
    session: SessionDep,
    collection: CollectionDep,
    bbox: BBoxDep,
    scoped: FiltersDep,
    scope: ScopeDep,
    format: Annotated[str | None, Query(description=" | ".join(FORMATS))] = None,
    crs: Annotated[str | None, Query(description=" | ".join(EXPORT_CRSS))] = None,
) -> FileResponse:
    fmt = exporter.parse_format(format)
    target = exporter.parse_crs(crs)
    filters = {k: v for k, v in scoped.items() if k not in _EXPORT_PARAMS}
    return streamed_file(
        lambda folder: exporter.export_collection(
            session,
            collection,
            bbox=bbox,
            filters=filters,
            scope=scope,
            fmt=fmt,
            crs=target,
            directory=folder,
        )
    )
