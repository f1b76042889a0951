"""The officials' dashboard: periods (closing one), reported statistics (form, import, template),
the hamlet drill-down and the periodic reports."""

import shutil
import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse
from pydantic import BaseModel, Field

from app.deps import DistrictScopeDep, SessionDep
from app.i18n import catalogue, language
from app.middleware import page_policy
from app.routers.exports import file_answer, streamed_file
from app.routers.imports import _refused, save_upload
from app.routers.indicators import PlanCode
from app.schemas_dashboard import ClosedPeriod, HamletGaps, Periods, StatisticsImport, UnitFigures
from app.security import LoggedIn, Staff
from app.services import statistics
from app.services.exports import drilldown as drilldown_export
from app.services.exports.layers import TABLE_FORMATS, XLSX_MEDIA, ExportFile, export_filename, parse_format
from app.services.imports.importer import ImportFailed
from app.services.reports import drilldown, periods
from app.services.reports import report as reports
from app.services.reports.html import render_report_html
from app.services.reports.xlsx import write_report_xlsx

router = APIRouter(prefix="/api", tags=["Dashboard"])

Period = Annotated[str, Query(description="quarter YYYY-Qn", examples=["2025-Q3"])]


class CloseRequest(BaseModel):
    closed_by: str | None = Field(default=None, max_length=200)


class Figures(BaseModel):
    code: str = Field(max_length=16, description="province, district or commune code")
    period: str = Field(description="quarter YYYY-Qn")
    figures: dict[str, float | int | str | None] = Field(
        description="metric → value; null removes a stored figure (see GET /api/statistics for the metrics)"
    )


@router.get("/periods", summary="Quarters the dashboard knows, and which are closed", response_model=Periods)
def list_periods(session: SessionDep) -> dict:
    return {"periods": periods.list_periods(session)}


@router.post(
    "/periods/{period}/close",
    summary="Close a quarter: freeze every indicator, hamlet, office and report map as they stand",
    description="Irreversible; 409 when closed already. Reports can only be made of closed quarters.",
    response_model=ClosedPeriod,
)
def close_period(
    period: str, session: SessionDep, principal: Staff, body: CloseRequest | None = None
) -> dict:
    # The report names who closed the quarter: the account, and the name they gave, if any.
    closed_by = f"{body.closed_by} ({principal.username})" if body and body.closed_by else principal.username
    return periods.close_period(session, period, closed_by=closed_by)


@router.get(
    "/statistics",
    summary="One unit's reported figures for a quarter, and the metrics",
    response_model=UnitFigures,
)
def get_statistics(
    session: SessionDep,
    _: LoggedIn,
    district_scope: DistrictScopeDep,
    code: Annotated[str, Query(max_length=16)],
    period: Period,
) -> dict:
    return statistics.get_figures(session, code, period, district_code=district_scope)


def _lang(request: Request) -> str:
    return language(request.headers.get("accept-language"))


# Refused figures are answered as a refused import is (app/routers/imports.py): every problem as a
# sentence in the reader's language and, in ``details``, as data (code, field, row, params, message).
_REFUSED = "422 with every problem: `problems` (sentences), `details` (code, field, row, params, message)."


@router.put(
    "/statistics",
    summary="Save one unit's reported figures for a quarter (the dashboard's form); all or nothing",
    description=_REFUSED,
    response_model=UnitFigures,
)
def put_statistics(
    body: Figures, request: Request, session: SessionDep, _: Staff, district_scope: DistrictScopeDep
) -> dict:
    try:
        return statistics.save_figures(
            session, body.code, body.period, body.figures, district_code=district_scope
        )
    except ImportFailed as exc:
        return _refused(exc, _lang(request))


@router.get(
    "/statistics/template",
    summary="The statistics import template (CSV or XLSX) for a quarter",
    response_class=FileResponse,
    responses=file_answer(TABLE_FORMATS),
)
def statistics_template(
    session: SessionDep,
    _: LoggedIn,
    district_scope: DistrictScopeDep,
    period: Period,
    format: Annotated[str | None, Query(description="xlsx or csv")] = None,
) -> FileResponse:
    fmt = parse_format(format, ("xlsx", "csv"))
    return streamed_file(
        lambda folder: statistics.write_template(session, period, fmt, folder, district_code=district_scope)
    )


@router.post(
    "/statistics/import",
    summary="Import reported statistics from CSV/XLSX (one row per unit and quarter); all or nothing",
    description=_REFUSED + " `dry_run` checks everything and writes nothing; `warnings` are structured too.",
    response_model=StatisticsImport,
)
async def import_statistics(
    request: Request,
    session: SessionDep,
    _: Staff,
    district_scope: DistrictScopeDep,
    file: Annotated[UploadFile, File(description="a .csv or .xlsx file")],
    dry_run: Annotated[bool, Query()] = False,
) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="hg-stats-"))
    try:
        path = await save_upload(file, folder)
        report = await run_in_threadpool(
            statistics.import_statistics, session, path, dry_run=dry_run, district_code=district_scope
        )
    except ImportFailed as exc:
        return _refused(exc, _lang(request))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    said = catalogue(_lang(request))
    return {**report, "warnings": [{**w.as_dict(), "message": said.render(w)} for w in report["warnings"]]}


DrilldownDay = Annotated[
    date | None,
    Query(
        alias="date",
        description="the day (YYYY-MM-DD, not after today; within `period` when both are given) whose "
        "coverage, FTTH reach and office connections are shown; default: the period's (today, or a past "
        "quarter's last day)",
    ),
]


@router.get(
    "/drilldown/{code}",
    summary="Hamlets of a district or commune not covered by mobile broadband or FTTH; offices not connected",
    response_model=HamletGaps,
)
def hamlet_gaps(
    code: str,
    session: SessionDep,
    _: LoggedIn,
    district_scope: DistrictScopeDep,
    period: Period | None = None,
    plan: PlanCode = None,
    day: DrilldownDay = None,
) -> dict:
    return drilldown.hamlet_gaps(session, code, period, district_code=district_scope, plan=plan, as_of=day)


@router.get(
    "/drilldown/{code}/export",
    summary="The drill-down as CSV (hamlets or offices) or XLSX (both)",
    response_class=FileResponse,
    responses=file_answer(TABLE_FORMATS),
)
def hamlet_gaps_export(
    code: str,
    session: SessionDep,
    _: LoggedIn,
    district_scope: DistrictScopeDep,
    period: Period | None = None,
    format: Annotated[str | None, Query(description="csv or xlsx")] = None,
    which: Annotated[Literal["hamlets", "offices"], Query(description="the list a CSV holds")] = "hamlets",
    day: DrilldownDay = None,
) -> FileResponse:
    fmt = parse_format(format, ("csv", "xlsx"))
    return streamed_file(
        lambda folder: drilldown_export.export_hamlet_gaps(
            session, code, period, fmt, folder, which=which, district_code=district_scope, as_of=day
        )
    )


Scope = Annotated[str, Query(max_length=16, description="province, or a district code")]
ReportPlan = Annotated[
    str | None,
    Query(
        max_length=32,
        description="the plan reported on (GET /api/plans); default: the plan in force in the quarter",
    ),
]
IssuedOn = Annotated[
    date | None,
    Query(description="the report's day (default today): its letterhead names the bodies in force then"),
]


def _report(
    period: str,
    session: SessionDep,
    _: LoggedIn,
    district_scope: DistrictScopeDep,
    scope: Scope = "province",
    issued_on: IssuedOn = None,
    plan: ReportPlan = None,
) -> reports.Report:
    """The report both formats render: the closed quarter's on a plan, for the scope the caller may see."""
    return reports.build_report(
        session, period, scope, district_code=district_scope, issued_on=issued_on, plan=plan
    )


ReportDep = Annotated[reports.Report, Depends(_report)]


@router.get(
    "/reports/{period}.xlsx",
    summary="The periodic report of a closed quarter as an XLSX workbook",
    response_class=FileResponse,
    responses=file_answer(["xlsx"]),
)
def report_xlsx(report: ReportDep, scope: Scope = "province"):
    def write(folder: Path) -> ExportFile:
        filename = export_filename(f"bao_cao_ha_tang_so_{scope}_{report.period}", "xlsx", report.issued_on)
        write_report_xlsx(report, folder / filename)
        return ExportFile(folder / filename, filename, XLSX_MEDIA)

    return streamed_file(write)


@router.get(
    "/reports/{period}.html",
    summary="The periodic report of a closed quarter as print-ready A4 HTML (print to PDF from the browser)",
    response_class=HTMLResponse,
)
def report_html(report: ReportDep):
    html = render_report_html(report)
    return HTMLResponse(html, headers={"Content-Security-Policy": page_policy(html)})  # its inline <style>
