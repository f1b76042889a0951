"""Site proposals: where the next 4G sites should go, sharing first (writes nothing).

Planners, admins and officials ask for any operator or "any" (a district-limited official within
the district); an operator company for itself only. Turning a proposal into a draft registration
or a sharing request uses the existing routes (POST /api/sites, POST /api/sharing-requests).
"""

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from app.deps import SessionDep
from app.routers.exports import file_answer, streamed_file
from app.security import LoggedIn
from app.services import proposals
from app.services.exports.layers import XLSX_MEDIA, ExportFile, export_filename
from app.services.proposals_schemas import ProposalRequest, Proposals
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
