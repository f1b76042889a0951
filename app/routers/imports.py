"""POST /api/import: upload a file into one layer (the same service as `python -m app.cli import`)."""

import shutil
import tempfile
from pathlib import Path, PurePath
from typing import Annotated

from fastapi import APIRouter, File, Header, Query, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from app.db import get_engine
from app.errors import Forbidden
from app.i18n import catalogue, language
from app.security import Writer
from app.services import importer
from app.services.bulk_rules import OPERATOR_TARGETS

router = APIRouter(tags=["import"])


@router.post(
    "/api/import", summary="Import a GeoJSON, GeoPackage, zipped Shapefile, KML/KMZ, CSV or XLSX file"
)
async def import_upload(
    principal: Writer,
    file: Annotated[UploadFile, File(description="the file; its extension tells the format")],
    target: Annotated[str, Query(description=", ".join(importer.TARGETS))],
    dry_run: Annotated[bool, Query(description="check everything, write nothing")] = False,
    crs: Annotated[
        str | None, Query(description="the file's CRS when it does not say, e.g. EPSG:5897")
    ] = None,
    layer: Annotated[str | None, Query(description="layer or shapefile name inside the file")] = None,
    encoding: Annotated[
        str | None, Query(description="text encoding of a CSV or .dbf that is not UTF-8, e.g. 1258")
    ] = None,
    mode: Annotated[
        str, Query(description="insert: existing codes are refused; upsert: they are updated")
    ] = "insert",
    swap_axes: Annotated[
        bool, Query(description="read X and Y (lon and lat) exchanged; else such a file is refused")
    ] = False,
    repair: Annotated[
        bool, Query(description="repair invalid polygons, reporting each change; else they are refused")
    ] = False,
    accept_language: Annotated[str | None, Header(include_in_schema=False)] = None,
):
    if principal.role == "operator" and target not in OPERATOR_TARGETS:
        raise Forbidden(f"operators import {', '.join(OPERATOR_TARGETS)}; '{target}' is the Department's")
    if principal.role == "operator" and target == "sites" and mode == "upsert":
        # An operator's change of a registered site may need the Department's approval: one at a time.
        raise Forbidden("operators change registered sites through PATCH /api/sites/{code}, not by upsert")
    with tempfile.TemporaryDirectory(prefix="hg-upload-") as tmp:
        path = await save_upload(file, Path(tmp))
        try:
            report = await run_in_threadpool(
                importer.import_file, get_engine(), path, target,
                crs=crs, dry_run=dry_run, layer=layer, encoding=encoding, mode=mode,
                actor=principal.actor(), principal=principal, swap_axes=swap_axes, repair=repair,
            )  # fmt: skip
        except importer.ImportFailed as exc:
            return _refused(exc, language(accept_language))
    return report.as_dict()


async def save_upload(file: UploadFile, folder: Path) -> Path:
    """The uploaded file written into ``folder``. Only its base name and extension are kept: the
    client's path never reaches the disk. Its size is bounded before: app.middleware.BodyLimit."""
    suffix = "".join(PurePath(file.filename or "upload").suffixes[-1:]).lower()[:8]
    path = folder / f"{Path(file.filename or 'upload').stem[:60] or 'upload'}{suffix}"
    with path.open("wb") as out:
        await run_in_threadpool(shutil.copyfileobj, file.file, out, 1 << 20)
    return path


def _refused(exc: importer.ImportFailed, lang: str) -> JSONResponse:
    """Every problem as a sentence (the structured ones in the reader's language) and, in
    ``details``, the structured ones as data with their sentence (as app/errors.py answers them)."""
    problems = exc.sentences(lang)
    said = catalogue(lang)
    details = [{**p.as_dict(), "message": said.render(p)} for p in exc.details]
    body = {"code": "ImportFailed", "description": "; ".join(problems[:5]), "problems": problems}
    return JSONResponse({**body, "details": details}, status_code=422)


__all__ = ["router"]
