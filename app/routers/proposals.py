"""Site proposals: where the next 4G sites should go, sharing first (writes nothing).

Planners, admins and officials ask for any operator or "any" (a district-limited official within
the district); an operator company for itself only. A proposal of a new site becomes a stored draft
registration in one click (POST /api/proposals/drafts: operators their own, the Department for the
operator it names); a co-location becomes a sharing request (POST /api/sharing-requests).
"""

from pathlib import Path

from fastapi import APIRouter, Response
from fastapi.responses import FileResponse

from app.deps import SessionDep, versioned
from app.routers.exports import file_answer, streamed_file
from app.schemas_registry import SiteOut
from app.security import LoggedIn, Writer
from app.services import proposals
from app.services.exports.layers import XLSX_MEDIA, ExportFile, export_filename
from app.services.proposals_draft import create_draft
from app.services.proposals_schemas import DraftIn, ProposalRequest, Proposals
from app.services.proposals_xlsx import write_proposals_xlsx

router = APIRouter(prefix="/api", tags=["Coverage"])
_ERRORS = {
    404: {"description": "No unit of that code in force on the day (or no region in force)"},
    409: {"description": "No coverage computed yet, or the operators changed since"},
}


def _answer(session, principal, body: ProposalRequest) -> dict:
    return proposals.propose(session, principal, body.area, body.operator, body.k, body.date, body.grid_m)


@router.post(
    "/proposals",
    summary="Propose K new 4G sites for an area, co-location first (maximal covering; writes nothing)",
    response_model=Proposals,
    responses=_ERRORS,
)
def propose(body: ProposalRequest, session: SessionDep, principal: LoggedIn) -> dict:
    return _answer(session, principal, body)


@router.post(
    "/proposals.xlsx",
    summary="The same proposals as an XLSX workbook (Vietnamese headers)",
    response_class=FileResponse,
    responses={**file_answer(["xlsx"]), **_ERRORS},
)
def propose_xlsx(body: ProposalRequest, session: SessionDep, principal: LoggedIn):
    answer = _answer(session, principal, body)

    def write(folder: Path) -> ExportFile:
        stem = f"de_xuat_tram_{answer['area']['code'] or 'toan_vung'}_{answer['operator']}"
        filename = export_filename(stem, "xlsx")
        write_proposals_xlsx(answer, folder / filename)
        return ExportFile(folder / filename, filename, XLSX_MEDIA)

    return streamed_file(write)


@router.post(
    "/proposals/drafts",
    summary="Keep a proposed new site as a draft registration (state: draft) of its operator",
    status_code=201,
    response_model=SiteOut,
    response_model_exclude_unset=True,
)
def draft(body: DraftIn, response: Response, session: SessionDep, principal: Writer) -> dict:
    return versioned(response, create_draft(session, principal, body))
