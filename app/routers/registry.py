"""BTS site registration: register, read, edit (If-Match), lifecycle, approval, sharing-first
candidates, history. Operators manage their own company's sites; the Department decides."""

from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy import text

from app.deps import IfMatchDep, ScopeDep, SessionDep, versioned
from app.routers.exports import file_answer
from app.schemas_registry import (
    DecisionIn,
    History,
    Operators,
    Position,
    Registrations,
    ResolvedPosition,
    SharingCandidates,
    SiteIn,
    SiteOut,
    SitePatch,
    TransitionIn,
)
from app.security import LoggedIn, Staff, Writer
from app.services import audit, registration, scope, site_checks
from app.services.registration import owner_of

router = APIRouter(prefix="/api", tags=["Registration"])

# A pending change is answered as it was sent: only the fields it gives (SiteChange).
_SITE_ANSWER = {"response_model": SiteOut, "response_model_exclude_unset": True}


@router.get("/operators", summary="The operator companies (for forms)", response_model=Operators)
def operators(session: SessionDep, _: LoggedIn) -> dict:
    rows = session.execute(text("SELECT short_name, name, kind FROM operators ORDER BY kind, short_name"))
    return {"operators": [dict(r._mapping) for r in rows]}


@router.get(
    "/registrations",
    summary="Sites awaiting a decision or with a change awaiting approval",
    response_model=Registrations,
)
def registrations(session: SessionDep, principal: Writer) -> dict:
    return registration.list_registrations(session, principal)


@router.get(
    "/sites/sharing-candidates",
    summary="Other operators' shareable sites near a point (shown before registering a new structure)",
    responses={422: {"description": "An unknown owner company"}},
    response_model=SharingCandidates,
)
def sharing_candidates(
    session: SessionDep,
    principal: LoggedIn,
    visible: ScopeDep,
    lon: Annotated[float, Query(ge=-180, le=180, allow_inf_nan=False)],
    lat: Annotated[float, Query(ge=-90, le=90, allow_inf_nan=False)],
    owner: Annotated[
        str | None, Query(max_length=64, description="the company registering (Department only)")
    ] = None,
    radius_m: Annotated[
        float | None, Query(gt=0, le=5000, description="default: 500 m rural, 200 m in town wards")
    ] = None,
) -> dict:
    conn = session.connection()
    place = site_checks.place_of(conn, lon, lat)
    scope.check_point(conn, visible, place, lon, lat)
    owner_id = owner_of(session, principal, owner)[0] if (owner or principal.role == "operator") else None
    radius = radius_m or site_checks.share_radius_m(place)
    candidates = site_checks.sharing_candidates(conn, lon, lat, owner_id, radius, scope=visible)
    return {"place": place, "radius_m": radius, "candidates": candidates}


@router.post(
    "/positions/resolve",
    summary="A typed position (lon/lat, DMS or VN-2000) as WGS 84, with its place",
    response_model=ResolvedPosition,
)
def resolve_position(body: Position, session: SessionDep, _: LoggedIn) -> dict:
    lon, lat, place = site_checks.resolve_position(session.connection(), body)
    return {"lon": lon, "lat": lat, "place": place, "share_radius_m": site_checks.share_radius_m(place)}


@router.post(
    "/sites", summary="Register a BTS site with its cells (state: proposed)", status_code=201, **_SITE_ANSWER
)
def register(body: SiteIn, response: Response, session: SessionDep, principal: Writer) -> dict:
    return versioned(response, registration.register_site(session, principal, body))


@router.get(
    "/sites/{code}", summary="A site with its cells, tenants, state and version (ETag)", **_SITE_ANSWER
)
def site(code: str, response: Response, session: SessionDep, _: LoggedIn, visible: ScopeDep) -> dict:
    scope.check_record(session, visible, "site", code)
    return versioned(response, visible.shown_site(registration.get_site(session, code)))


@router.patch(
    "/sites/{code}",
    summary="Edit a site (If-Match); 202 when the edit of an approved/active site awaits approval",
    responses={
        202: {
            "description": "The edit of an approved or active site awaits the Department's approval",
            "model": SiteOut,
        }
    },
    **_SITE_ANSWER,
)
def edit(
    code: str,
    body: SitePatch,
    response: Response,
    principal: Writer,
    version: IfMatchDep,
    session: SessionDep,
) -> dict:
    site, pending = registration.edit_site(session, principal, code, version, body)
    return versioned(response, site, 202 if pending else None)


@router.post(
    "/sites/{code}/transitions", summary="Move a site through its lifecycle (If-Match)", **_SITE_ANSWER
)
def transition(
    code: str,
    body: TransitionIn,
    response: Response,
    principal: Writer,
    version: IfMatchDep,
    session: SessionDep,
) -> dict:
    site = registration.transition_site(session, principal, code, version, body.to, body.reason)
    return versioned(response, site)


@router.post(
    "/sites/{code}/pending-change",
    summary="Approve or refuse an edit awaiting approval (Department)",
    **_SITE_ANSWER,
)
def pending(
    code: str,
    body: DecisionIn,
    response: Response,
    principal: Staff,
    version: IfMatchDep,
    session: SessionDep,
) -> dict:
    site = registration.decide_pending(session, principal, code, version, body.approve, body.reason)
    return versioned(response, site)


@router.get(
    "/history/{kind}/{code}",
    summary="Audit trail of a site, pole or duct (and what hangs on it)",
    response_model=History,
)
def history(kind: str, code: str, session: SessionDep, _: LoggedIn, visible: ScopeDep) -> dict:
    owner = scope.check_record(session, visible, kind, code, in_audit=True)
    return visible.shown_history(audit.record_history(session, kind, code), owner)


@router.get(
    "/audit/export",
    summary="Every audit entry of a period as CSV (Department)",
    response_class=Response,
    responses=file_answer(["csv"]),
)
def audit_export(
    session: SessionDep,
    _: Staff,
    from_: Annotated[
        str,
        Query(
            alias="from", description="first day, YYYY-MM-DD (on the region's clock, the setting TIMEZONE)"
        ),
    ],
    to: Annotated[str, Query(description="last day, YYYY-MM-DD (inclusive)")],
    entity: Annotated[str | None, Query(max_length=64, description="one table, e.g. sites")] = None,
) -> Response:
    since, until = audit.parse_day(from_, "from"), audit.parse_day(to, "to")
    body = audit.export_csv(session, since, until, entity)
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="audit_{since}_{until}.csv"'},
    )
