"""The challenge loop: anyone reports (no account), the Department triages, the operator answers."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, File, Form, Header, Query, Request, Response, UploadFile

from app.deps import SessionDep
from app.schemas_challenges import (
    Answer,
    Decision,
    Detail,
    Filed,
    FormInfo,
    Kind,
    Measured,
    Queue,
    Review,
    Status,
    Summary,
    Technology,
    Tracked,
)
from app.security import Staff, client_ip, require
from app.services import challenges, challenges_summary
from app.services.accounts import Principal
from app.services.challenges_evidence import Attachment, attachment
from app.settings import get_settings

router = APIRouter(prefix="/api/challenges", tags=["Challenges"])
# The Department triages every challenge; an operator answers those sent to it.
Worker = Annotated[Principal, require("admin", "planner", "operator")]
Operator = Annotated[Principal, require("operator")]
_TEXT = {"max_length": 200}


async def _checked(file: UploadFile | None) -> Attachment | None:
    """An uploaded photo or speed-test export as it will be kept (challenges_evidence.attachment)."""
    if file is None or not file.filename:
        return None
    limit = get_settings().challenge_max_attachment_bytes
    return attachment(file.filename, await file.read(limit + 1), limit)


@router.post(
    "",
    status_code=201,
    response_model=Filed,
    summary="Report a spot or a hamlet (no account)",
    responses={409: {"description": "This proof of work was used already"}, 429: {}},
)
async def file_challenge(
    request: Request,
    session: SessionDep,
    kind: Annotated[Kind, Form()],
    technology: Annotated[Technology, Form()],
    observed_at: Annotated[datetime, Form(description="when it was seen (ISO 8601)")],
    proof: Annotated[str, Form(max_length=200, description="'<unix s>:<salt>:<nonce>', a proof of work")],
    operator: Annotated[str | None, Form(max_length=64)] = None,
    lon: Annotated[float | None, Form(ge=-180, le=180, allow_inf_nan=False)] = None,
    lat: Annotated[float | None, Form(ge=-90, le=90, allow_inf_nan=False)] = None,
    hamlet: Annotated[
        str | None, Form(max_length=16, description="a hamlet's code instead of a spot")
    ] = None,
    description: Annotated[str | None, Form(max_length=4000)] = None,
    contact_name: Annotated[str | None, Form(**_TEXT)] = None,
    contact_phone: Annotated[str | None, Form(max_length=32)] = None,
    contact_email: Annotated[str | None, Form(max_length=254)] = None,
    website: Annotated[str | None, Form(max_length=200, description="leave empty")] = None,
    file: Annotated[
        UploadFile | None, File(description="a photo (JPEG/PNG) or a speed-test CSV/JSON")
    ] = None,
) -> Filed:
    report = challenges.Report(
        kind=kind,
        technology=technology,
        observed_at=observed_at,
        operator=operator or None,
        lon=lon,
        lat=lat,
        hamlet=hamlet or None,
        description=description,
        contact_name=contact_name,
        contact_phone=contact_phone,
        contact_email=contact_email,
        website=website,
        proof=proof,
    )
    return challenges.file(session, report, await _checked(file), client_ip(request))


@router.get("/form", response_model=FormInfo, summary="What the report form needs (operators, proof bits)")
def form(session: SessionDep):
    return challenges.form_info(session)


@router.get(
    "/track",
    response_model=Tracked,
    summary="The reporter's private view (token in a header)",
    responses={404: {"description": "No report has this token"}},
)
def track(
    session: SessionDep, token: Annotated[str | None, Header(alias="X-Challenge-Token", max_length=64)] = None
):
    # In a header, not the URL: the token stays out of access logs, history and Referer.
    return challenges.track(session, token)


@router.delete(
    "/track/contact",
    response_model=Tracked,
    summary="The reporter erases their contact details (token in a header)",
    responses={404: {"description": "No report has this token"}, 409: {"description": "Nothing to erase"}},
)
def erase_own_contact(
    request: Request,
    session: SessionDep,
    token: Annotated[str | None, Header(alias="X-Challenge-Token", max_length=64)] = None,
):
    return challenges.erase_own_contact(session, token, client_ip(request))


@router.get("/summary", response_model=Summary, summary="Counts per commune and per operator")
def summary(session: SessionDep):
    return challenges_summary.summary(session)


@router.get("", response_model=Queue, summary="The Department's queue, or an operator's challenges")
def queue(
    session: SessionDep,
    principal: Worker,
    status: Annotated[Status | None, Query()] = None,
    escalated: Annotated[bool, Query(description="only those past their deadline")] = False,
):
    return {"challenges": challenges.queue(session, principal, status, escalated)}


@router.get("/{code}", response_model=Detail, summary="One challenge against the model and measurements")
def detail(session: SessionDep, principal: Worker, code: str):
    return challenges.detail(session, principal, code)


@router.get("/{code}/attachment", response_class=Response, summary="The report's photo or speed-test file")
def attachment_file(session: SessionDep, principal: Worker, code: str) -> Response:
    return _download(*challenges.attachment_of(session, principal, code))


def _download(media_type: str, filename: str, content: bytes) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post("/{code}/decision", response_model=Detail, summary="Accept (to the operator) or reject")
def decide(session: SessionDep, principal: Staff, code: str, body: Decision):
    several = body.operators is not None
    named = body.operators if several else [body.operator] if body.operator else None
    return challenges.decide(
        session,
        principal,
        code,
        body.accept,
        body.reason,
        named,
        body.deadline_days,
        "operators" if several else "operator",
    )


@router.post("/{code}/answer", response_model=Detail, summary="The operator disputes, plans or fixes")
def answer(session: SessionDep, principal: Operator, code: str, body: Answer):
    return challenges.answer(session, principal, code, body.answer, body.note, body.planned_on)


@router.post(
    "/{code}/dispute",
    response_model=Detail,
    summary="The operator disputes with evidence: a text and an optional file (photo, speed-test export)",
)
async def dispute(
    session: SessionDep,
    principal: Operator,
    code: str,
    note: Annotated[str, Form(max_length=4000, description="the evidence, in words")],
    file: Annotated[
        UploadFile | None, File(description="a photo (JPEG/PNG) or a speed-test CSV/JSON")
    ] = None,
) -> dict:
    return challenges.answer(session, principal, code, "disputed", note, None, await _checked(file))


@router.get(
    "/{code}/dispute-file/{operator}",
    response_class=Response,
    summary="The file of an operator's dispute (the Department, and that operator)",
)
def dispute_file(session: SessionDep, principal: Worker, code: str, operator: str) -> Response:
    return _download(*challenges.dispute_file_of(session, principal, code, operator))


@router.post("/{code}/review", response_model=Detail, summary="The Department upholds or rejects a dispute")
def review(session: SessionDep, principal: Staff, code: str, body: Review):
    return challenges.review(session, principal, code, body.outcome, body.reason, body.operator)


@router.delete(
    "/{code}/contact",
    response_model=Detail,
    summary="The Department erases the reporter's contact details on request",
    responses={409: {"description": "Nothing to erase"}},
)
def erase_contact(session: SessionDep, principal: Staff, code: str):
    return challenges.erase_contact(session, principal, code)


@router.post("/{code}/measured", response_model=Detail, summary="Confirmed by the Department's measurements")
def measured(session: SessionDep, principal: Staff, code: str, body: Measured):
    return challenges.confirm_measured(session, principal, code, body.note)
