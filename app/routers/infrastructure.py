"""Poles and ducts (create, read, edit with If-Match, delete), sharing requests for sites, poles
and ducts, and the bulk-registration templates."""

from fastapi import APIRouter, Response
from fastapi.responses import FileResponse

from app.deps import IfMatchDep, ScopeDep, SessionDep, versioned
from app.routers.exports import file_answer, streamed_file
from app.schemas_registry import (
    DuctIn,
    DuctOut,
    DuctPatch,
    PoleIn,
    PoleOut,
    PolePatch,
    SharingDecisionIn,
    SharingRequestIn,
    SharingRequestOut,
    SharingRequests,
)
from app.security import LoggedIn, Writer
from app.services import assets, scope, sharing
from app.services.imports import templates

router = APIRouter(prefix="/api", tags=["Infrastructure"])


# The answers (PoleOut, DuctOut) leave out the services' row ids.


@router.post("/poles", summary="Register a cable pole", status_code=201, response_model=PoleOut)
def create_pole(body: PoleIn, response: Response, session: SessionDep, principal: Writer) -> dict:
    return versioned(response, assets.create(session, principal, "pole", body))


@router.post(
    "/ducts", summary="Register a duct route (GeoJSON LineString)", status_code=201, response_model=DuctOut
)
def create_duct(body: DuctIn, response: Response, session: SessionDep, principal: Writer) -> dict:
    return versioned(response, assets.create(session, principal, "duct", body))


@router.get(
    "/poles/{code}", summary="A pole with its attached operators and version (ETag)", response_model=PoleOut
)
def get_pole(code: str, response: Response, session: SessionDep, _: LoggedIn, visible: ScopeDep) -> dict:
    scope.check_record(session, visible, "pole", code)
    return versioned(response, assets.get_asset(session, "pole", code))


@router.get(
    "/ducts/{code}", summary="A duct route with its occupants and version (ETag)", response_model=DuctOut
)
def get_duct(code: str, response: Response, session: SessionDep, _: LoggedIn, visible: ScopeDep) -> dict:
    scope.check_record(session, visible, "duct", code)
    return versioned(response, assets.get_asset(session, "duct", code))


@router.patch("/poles/{code}", summary="Edit a pole (If-Match)", response_model=PoleOut)
def edit_pole(
    code: str,
    body: PolePatch,
    response: Response,
    principal: Writer,
    version: IfMatchDep,
    session: SessionDep,
) -> dict:
    return versioned(response, assets.edit(session, principal, "pole", code, version, body))


@router.patch("/ducts/{code}", summary="Edit a duct route (If-Match)", response_model=DuctOut)
def edit_duct(
    code: str,
    body: DuctPatch,
    response: Response,
    principal: Writer,
    version: IfMatchDep,
    session: SessionDep,
) -> dict:
    return versioned(response, assets.edit(session, principal, "duct", code, version, body))


# A deletion answers 204 with no body (response_class: nothing to validate).
@router.delete(
    "/poles/{code}",
    summary="Delete a pole no other operator uses (If-Match)",
    status_code=204,
    response_class=Response,
)
def delete_pole(code: str, principal: Writer, version: IfMatchDep, session: SessionDep) -> Response:
    assets.delete(session, principal, "pole", code, version)
    return Response(status_code=204)


@router.delete(
    "/ducts/{code}",
    summary="Delete a duct route no other operator uses (If-Match)",
    status_code=204,
    response_class=Response,
)
def delete_duct(code: str, principal: Writer, version: IfMatchDep, session: SessionDep) -> Response:
    assets.delete(session, principal, "duct", code, version)
    return Response(status_code=204)


@router.get(
    "/sharing-requests",
    summary="Sharing requests: all (Department) or mine and for my structures",
    response_model=SharingRequests,
)
def list_requests(session: SessionDep, principal: Writer) -> dict:
    return sharing.list_requests(session, principal)


@router.post(
    "/sharing-requests",
    summary="Ask to share another operator's site, pole or duct (an operator for itself, the Department for the operator it names)",
    status_code=201,
    response_model=SharingRequestOut,
)
def request_sharing(body: SharingRequestIn, session: SessionDep, principal: Writer) -> dict:
    return sharing.request_sharing(session, principal, body.asset, body.code, body.note, body.operator)


@router.post(
    "/sharing-requests/{request_id}/decision",
    summary="Accept or decline (the owner or the Department)",
    response_model=SharingRequestOut,
)
def decide(request_id: int, body: SharingDecisionIn, session: SessionDep, principal: Writer) -> dict:
    return sharing.decide(session, principal, request_id, body.accept, body.note)


@router.post(
    "/sharing-requests/{request_id}/withdrawal",
    summary="Withdraw a pending request (the requesting operator, or the Department one it filed)",
    response_model=SharingRequestOut,
)
def withdraw(request_id: int, session: SessionDep, principal: Writer) -> dict:
    return sharing.withdraw(session, principal, request_id)


@router.get(
    "/templates/{target}.{fmt}",
    summary="A bulk-registration template with an example row",
    response_class=FileResponse,
    responses=file_answer(templates.FORMATS),
)
def template(target: str, fmt: str, session: SessionDep, principal: LoggedIn) -> FileResponse:
    owner = principal.operator or "Viettel"  # an operator's own company fills the example
    at = templates.example_position(session.connection())
    return streamed_file(lambda folder: templates.template_file(target, fmt, owner, at, folder))
