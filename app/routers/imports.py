"""POST /api/import: upload a file into one layer (the same service as `python -m app.cli import`),
the import profiles: named mappings of a shape of file (app/services/imports/profiles.py), and the
whole-file replacements: an administrative reform, the offline map's main roads."""

import json
import shutil
import tempfile
from datetime import date
from pathlib import Path, PurePath
from typing import Annotated

from fastapi import APIRouter, Body, File, Form, Header, Query, UploadFile
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.db import get_engine
from app.deps import SessionDep
from app.errors import Forbidden, InvalidParameter
from app.i18n import catalogue, language
from app.security import LoggedIn, Staff, Writer
from app.services.imports import importer, profiles
from app.services.imports import reform as reform_service
from app.services.imports.bulk_rules import OPERATOR_TARGETS
from app.services.roads import import_roads, roads_document
from gis.problems import Problem

router = APIRouter(tags=["import"])
STAFF_ROLES = ("admin", "planner")


class MappedColumn(BaseModel):
    column: str = Field(description="the file's column, as written")
    field: str | None = Field(
        description="the attribute it was read as; a coordinate as lon, lat, x (northing) …; null: not read"
    )
    coordinate: bool = Field(description="a coordinate column")


class MappedValue(BaseModel):
    field: str
    value: str = Field(description="as written in the file")
    code: str | None = Field(
        description="the code it was read as (an organisation: its short name); null: not understood (refused)"
    )


class Mapping(BaseModel):
    columns: list[MappedColumn] = Field(description="every column of the file, in file order")
    unrecognised: list[str] = Field(description="columns no field was found for (left out)")
    values: list[MappedValue] = Field(description="every distinct coded value and organisation read")
    crs: str
    axis_order: str
    profile: str | None = Field(description="the profile the file was read with")


class ImportReportOut(BaseModel):
    target: str
    file: str
    format: str
    crs: str
    dry_run: bool
    mode: str
    counts: dict[str, int] = Field(description="rows per table written (or, in a dry run, that would be)")
    warnings: list[str] = Field(description="every warning as a sentence in the reader's language")
    warning_details: list[dict] = Field(
        description="the same warnings structured: {code, field, row, source, label, params, message}"
    )
    seconds: float
    axis_order: str
    header_row: int | None = Field(
        None,
        description="a workbook's row taken as the column names (Excel's numbering; title rows above it)",
    )
    mapping: Mapping
    saved_profile: str | None = Field(None, description="the profile saved with this run (save_profile)")


class Corrections(BaseModel):
    model_config = ConfigDict(extra="forbid")

    columns: dict[str, str] = Field(
        default_factory=dict,
        description='file column → field, "" to leave the column out',
        examples=[{"Cao cột": "height_m"}],
    )
    values: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="field → {value as written: code}",
        examples=[{"structure_type": {"Cột BTS": "tower"}}],
    )


class ProfileIn(Corrections):
    target: str = Field(description=", ".join(importer.TARGETS), examples=["sites"])
    crs: str | None = Field(None, max_length=200, description="the CRS of its files when they do not say")
    swap_axes: bool = Field(False, description="its files have X and Y exchanged")
    encoding: str | None = Field(None, max_length=32, description="the text encoding of its CSV/.dbf files")


class ProfileOut(BaseModel):
    name: str
    target: str
    columns: dict[str, str]
    values: dict[str, dict[str, str]]
    crs: str | None
    swap_axes: bool
    encoding: str | None
    created_by: str | None
    created_at: str | None
    updated_at: str | None


class ProfileList(BaseModel):
    profiles: list[ProfileOut]
    fields: dict[str, list[str]] = Field(description="target → the fields its columns may be read as")


def _corrections(text: str | None) -> Corrections:
    if not text:
        return Corrections()
    try:
        return Corrections.model_validate(json.loads(text))
    except (ValueError, ValidationError) as exc:
        raise InvalidParameter(f"corrections: JSON {{columns, values}} expected ({str(exc)[:200]})") from None


@router.post(
    "/api/import",
    summary="Import a GeoJSON, GeoPackage, zipped Shapefile, KML/KMZ, CSV or XLSX file",
    response_model=ImportReportOut,
)
async def import_upload(
    principal: Writer,
    file: Annotated[UploadFile, File(description="the file; its extension tells the format")],
    target: Annotated[str, Query(description=", ".join(importer.TARGETS))],
    dry_run: Annotated[bool, Query(description="check everything, write nothing")] = False,
    crs: Annotated[
        str | None,
        Query(description="the file's CRS when it does not say, e.g. EPSG:9209 or EPSG:3405 (VN-2000)"),
    ] = None,
    layer: Annotated[str | None, Query(description="layer or shapefile name inside the file")] = None,
    encoding: Annotated[
        str | None, Query(description="text encoding of a CSV or .dbf that is not UTF-8, e.g. 1258")
    ] = None,
    mode: Annotated[
        str, Query(description="insert: existing codes are refused; upsert: they are updated")
    ] = "insert",
    swap_axes: Annotated[
        bool | None,
        Query(
            description="read X and Y (lon and lat) exchanged; else such a file is refused (default: the "
            "profile's, else false)"
        ),
    ] = None,
    repair: Annotated[
        bool, Query(description="repair invalid polygons, reporting each change; else they are refused")
    ] = False,
    gnb_id_bits: Annotated[
        int | None,
        Query(ge=22, le=32, description="OpenCelliD NR cells: the gNB id length in the 36-bit NCI (24)"),
    ] = None,
    profile: Annotated[
        str | None, Query(max_length=profiles.MAX_NAME, description="read with this saved import profile")
    ] = None,
    corrections: Annotated[
        str | None,
        Form(
            description='JSON {"columns": {file column: field or ""}, "values": {field: {as written: code}}}: '
            "corrections of the mapping for this run, on top of the profile"
        ),
    ] = None,
    save_profile: Annotated[
        str | None,
        Query(max_length=profiles.MAX_NAME, description="(planners) save the mapping used under this name"),
    ] = None,
    accept_language: Annotated[str | None, Header(include_in_schema=False)] = None,
):
    given = _corrections(corrections)
    if save_profile is not None:
        if principal.role not in STAFF_ROLES:
            raise Forbidden(reasons=[Problem("import.profile_department_only", "save_profile")])
        profiles.check_name(save_profile)
    if principal.role == "operator" and target not in OPERATOR_TARGETS:
        params = {"target": target, "allowed": list(OPERATOR_TARGETS)}
        raise Forbidden(reasons=[Problem("import.department_target", "target", params=params)])
    if principal.role == "operator" and target == "sites" and mode == "upsert":
        # An operator's change of a registered site may need the Department's approval: one at a time.
        raise Forbidden(reasons=[Problem("import.operator_site_upsert", "mode")])
    with tempfile.TemporaryDirectory(prefix="hg-upload-") as tmp:
        path = await save_upload(file, Path(tmp))
        try:
            report = await run_in_threadpool(
                importer.import_file,
                get_engine(),
                path,
                target,
                crs=crs,
                dry_run=dry_run,
                layer=layer,
                encoding=encoding,
                mode=mode,
                actor=principal.actor(),
                principal=principal,
                swap_axes=swap_axes,
                repair=repair,
                profile=profile,
                columns=given.columns,
                values=given.values,
                gnb_id_bits=gnb_id_bits,
            )
        except importer.ImportFailed as exc:
            return _refused(exc, language(accept_language))
    out = report.as_dict(language(accept_language))
    if save_profile is not None:
        saved = await run_in_threadpool(_save_used, report, save_profile, principal)
        out["saved_profile"] = saved["name"]
    return out


class ReformReportOut(BaseModel):
    file: str
    effective: date
    reform: str | None
    dry_run: bool
    counts: dict[str, int] = Field(description="units ended and inserted, hamlets moved, lineage rows")
    warnings: list[str]
    warning_details: list[dict]
    seconds: float


@router.post(
    "/api/import/reform",
    summary="Apply an administrative reform: new units and their lineage, all or nothing (the Department)",
    response_model=ReformReportOut,
)
async def import_reform(
    principal: Staff,
    lineage: Annotated[
        UploadFile, File(description="CSV/XLSX: new_code, new_name, old_code, old_name, part (or Vietnamese)")
    ],
    effective: Annotated[date, Query(description="the day the new units start, e.g. 2025-07-01")],
    codes: Annotated[
        UploadFile | None,
        File(
            description="CSV/XLSX of the new codes: new_code, new_name, unit_type, province_code, province_name"
        ),
    ] = None,
    polygons: Annotated[
        UploadFile | None,
        File(description="GeoJSON/GPKG/zipped SHP of the new units (needed for split units)"),
    ] = None,
    reform: Annotated[
        str | None, Query(max_length=200, description="the act, e.g. NQ 1668/NQ-UBTVQH15")
    ] = None,
    dry_run: Annotated[bool, Query(description="check everything, write nothing")] = False,
    crs: Annotated[str | None, Query(description="the polygons' CRS when the file does not say")] = None,
    layer: Annotated[
        str | None, Query(description="layer or shapefile name inside the polygons' file")
    ] = None,
    accept_language: Annotated[str | None, Header(include_in_schema=False)] = None,
):
    with tempfile.TemporaryDirectory(prefix="hg-reform-") as tmp:
        folder = Path(tmp)
        paths = {}
        for key, upload in (("lineage", lineage), ("codes", codes), ("polygons", polygons)):
            if upload is not None:
                (folder / key).mkdir()
                paths[key] = await save_upload(upload, folder / key)
        try:
            report = await run_in_threadpool(
                reform_service.apply_file,
                get_engine(),
                paths["lineage"],
                effective,
                codes=paths.get("codes"),
                polygons=paths.get("polygons"),
                reform=reform,
                dry_run=dry_run,
                actor=principal.actor(),
                crs=crs,
                layer=layer,
            )
        except importer.ImportFailed as exc:
            return _refused(exc, language(accept_language))
    return report.as_dict(language(accept_language))


class RoadsImportOut(BaseModel):
    file: str
    roads: int = Field(description="main roads stored (every road stored before is replaced)")
    by_class: dict[str, int] = Field(description="main roads per highway class (motorway … tertiary)")
    skipped: int = Field(description="features of other classes (streets, links, canals …), left out")
    crs: str = Field(description="the CRS the file was read in")
    seconds: float
    etag: str = Field(description="the new ETag of GET /basemap/roads.json")


@router.post(
    "/api/import/roads",
    summary="Replace the offline map's main roads with a file's, all or nothing (the Department)",
    response_model=RoadsImportOut,
)
async def import_roads_upload(
    # The Department's staff (planner, admin), as for the admin units and plans: the basemap is the
    # deployment's reference data shown to everyone, not an operator's record nor an account matter.
    principal: Staff,
    file: Annotated[
        UploadFile,
        File(description="GeoJSON, GeoPackage or zipped Shapefile with OpenStreetMap's highway, ref, name"),
    ],
    crs: Annotated[
        str | None, Query(max_length=200, description="the file's CRS when it does not say, e.g. EPSG:5897")
    ] = None,
    layer: Annotated[
        str | None,
        Query(max_length=200, description="a GeoPackage's layer (default: lines, else the only one)"),
    ] = None,
    accept_language: Annotated[str | None, Header(include_in_schema=False)] = None,
):
    with tempfile.TemporaryDirectory(prefix="hg-roads-") as tmp:
        path = await save_upload(file, Path(tmp))
        try:
            return await run_in_threadpool(_replace_roads, path, crs, layer, principal)
        except importer.ImportFailed as exc:
            return _refused(exc, language(accept_language))


def _replace_roads(path: Path, crs: str | None, layer: str | None, principal) -> dict:
    """The CLI's import-roads, then the ETag the map will see (its next GET fetches the new roads)."""
    done = import_roads(get_engine(), path, crs=crs, layer=layer, actor=principal.actor())
    with get_engine().connect() as conn:
        etag = roads_document(conn).etag
    return {
        "file": path.name,
        "roads": done.roads,
        "by_class": done.by_class,
        "skipped": done.skipped,
        "crs": done.crs,
        "seconds": round(done.seconds, 3),
        "etag": etag,
    }


def _save_used(report: importer.ImportReport, name: str, principal) -> dict:
    """The mapping the run used, corrections included, saved as the profile ``name``."""
    with get_engine().begin() as conn:
        return importer.save_used_profile(conn, report, name, principal.actor())


@router.get("/api/import/profiles", summary="The saved import profiles", response_model=ProfileList)
def list_profiles(
    session: SessionDep,
    _: LoggedIn,
    target: Annotated[str | None, Query(max_length=32, description="one target's profiles only")] = None,
) -> ProfileList:
    found = profiles.list_profiles(session.connection(), target)
    return ProfileList(profiles=found, fields={t: list(f) for t, f in profiles.FIELDS.items()})


_NAME = PathParam(max_length=profiles.MAX_NAME, description="case, diacritics and punctuation ignored")


@router.get("/api/import/profiles/{name}", summary="One import profile", response_model=ProfileOut)
def get_profile(session: SessionDep, _: LoggedIn, name: Annotated[str, _NAME]) -> ProfileOut:
    return ProfileOut(**profiles.get_profile(session.connection(), name))


@router.put(
    "/api/import/profiles/{name}",
    summary="Save an import profile (created or replaced; every problem named)",
    response_model=ProfileOut,
)
def put_profile(
    session: SessionDep, principal: Staff, name: Annotated[str, _NAME], profile: Annotated[ProfileIn, Body()]
) -> ProfileOut:
    given = profiles.Corrections(profile.columns, profile.values)
    saved = profiles.save_profile(
        session.connection(),
        name,
        profile.target,
        given,
        profile.crs,
        profile.swap_axes,
        profile.encoding,
        principal.actor(),
    )
    session.commit()
    return ProfileOut(**saved)


@router.delete("/api/import/profiles/{name}", summary="Remove an import profile", response_model=ProfileOut)
def delete_profile(session: SessionDep, principal: Staff, name: Annotated[str, _NAME]) -> ProfileOut:
    removed = profiles.delete_profile(session.connection(), name, principal.actor())
    session.commit()
    return ProfileOut(**removed)


async def save_upload(file: UploadFile, folder: Path) -> Path:
    """The uploaded file written into ``folder``. Only its base name and extension are kept: the
    client's path never reaches the disk. Its size is bounded before: app.middleware.BodyLimit."""
    suffix = "".join(PurePath(file.filename or "upload").suffixes[-1:]).lower()[:8]
    path = folder / f"{Path(file.filename or 'upload').stem[:60] or 'upload'}{suffix}"
    with path.open("wb") as out:
        await run_in_threadpool(shutil.copyfileobj, file.file, out, 1 << 20)
    return path


def _refused(exc: importer.ImportFailed, lang: str) -> JSONResponse:
    """Every problem as a sentence in the reader's language and, in ``details``, as data with its
    sentence (as app/errors.py answers them)."""
    problems = exc.sentences(lang)
    said = catalogue(lang)
    details = [{**p.as_dict(), "message": said.render(p)} for p in exc.details]
    body = {"code": "ImportFailed", "description": "; ".join(problems[:5]), "problems": problems}
    if exc.mapping:  # the file was read: how, so that the mapping can be corrected
        body["mapping"] = exc.mapping
    return JSONResponse({**body, "details": details}, status_code=422)


__all__ = ["router"]
