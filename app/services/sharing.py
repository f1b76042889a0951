"""Sharing requests: an operator asks to use another's site (tenancy), pole (attachment) or duct
(occupancy) — an operator company for itself, or the Department for the operator it names (a planner
turning a site proposal into a request, as it makes draft registrations for operators); the owner —
or the Department — accepts or declines. On acceptance the link row is written, so the structure
counts as shared and the plan's sharing ratios move at once.

``requester_id`` is the requesting operator, ``requested_by`` the account that filed it. The
requesting operator sees and withdraws its requests, whoever filed them; the Department sees every
request and withdraws those it filed (one an operator filed is the operator's to withdraw, or the
owner's or Department's to decline)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.errors import Conflict, Forbidden, Unprocessable, not_found
from app.services.accounts import Principal
from app.services.imports import targets
from app.services.imports.vocabulary import current as current_vocabulary
from app.services.scope import Scope
from gis.problems import Problem

# asset -> (table, request column, link table, link key, tenant-accepting column)
ASSETS = {
    "site": ("sites", "site_id", "site_tenancies", "site_id"),
    "pole": ("poles", "pole_id", "pole_attachments", "pole_id"),
    "duct": ("duct_routes", "duct_route_id", "duct_occupancy", "duct_route_id"),
}
_STANDING_SITE = ("approved", "active")


def _asset(session: Session, asset: str, code: str):
    table = ASSETS[asset][0]
    status = "s.status" if asset == "site" else "NULL"
    row = session.execute(
        text(
            f"SELECT s.id, s.code, s.owner_id, s.accepts_tenants, {status} AS status, o.short_name AS owner "
            f"FROM {table} s JOIN operators o ON o.id = s.owner_id WHERE s.code = :c"
        ),
        {"c": code},
    ).first()
    if row is None:
        raise not_found("notfound.record", kind=asset, code=code)
    return row


def request_sharing(
    session: Session,
    principal: Principal,
    asset: str,
    code: str,
    note: str | None,
    operator: str | None = None,
) -> dict:
    """File a request of ``operator`` (an operator company: itself, named or not; the Department:
    the one it must name) for the ``asset`` coded ``code``."""
    op_id, op = requester(session, principal, operator)
    a = _asset(session, asset, code)
    if asset == "site" and not Scope.of(principal).sees_site(a.owner, a.status):
        raise not_found(
            "notfound.record", kind="site", code=code
        )  # another company's plan: not even its existence is told
    table, column, link, key = ASSETS[asset]
    if a.owner_id == op_id:
        raise Conflict(f"{asset} '{code}' is {op}'s own")
    if not a.accepts_tenants:
        raise Conflict(f"{asset} '{code}' of {a.owner} does not accept tenants")
    if asset == "site" and a.status not in _STANDING_SITE:
        raise Conflict(f"site '{code}' is {a.status}: only approved or active sites take tenants")
    already = session.execute(
        text(f"SELECT 1 FROM {link} WHERE {key} = :id AND operator_id = :op"), {"id": a.id, "op": op_id}
    ).first()
    if already:
        raise Conflict(f"{op} already uses {asset} '{code}'")
    pending = session.execute(
        text(
            f"SELECT id FROM sharing_requests WHERE {column} = :id AND requester_id = :op AND status = 'pending'"
        ),
        {"id": a.id, "op": op_id},
    ).scalar()
    if pending:
        raise Conflict(f"{op} has a pending request (#{pending}) for {asset} '{code}'")
    rid = session.execute(
        text(
            f"INSERT INTO sharing_requests (asset, {column}, requester_id, note, requested_by) "
            "VALUES (:asset, :id, :op, :note, :by) RETURNING id"
        ),
        {"asset": asset, "id": a.id, "op": op_id, "note": note, "by": principal.username},
    ).scalar_one()
    session.commit()
    return get_request(session, rid)


def requester(session: Session, principal: Principal, name: str | None) -> tuple[int, str]:
    """(id, short name) of the requesting operator: an operator company's own (naming another is
    refused); the one a planner or admin names — any of its names, the vocabulary's aliases too.
    Officials file none (read-only; the route refuses them first)."""
    if principal.role == "operator":
        if name and _organisation(session, name) != principal.operator_id:
            own = {"own": principal.operator, "other": name}
            raise Forbidden(reasons=[Problem("sharing.own_company_only", "operator", params=own)])
        return principal.operator_id, principal.operator
    if not principal.is_staff:
        raise Forbidden(reasons=[Problem("sharing.operators_and_department", "operator")])
    if not name:
        raise Unprocessable(reasons=[Problem("sharing.operator_required", "operator")])
    ctx = _organisations(session)
    try:
        op_id = ctx.operator(name, "operator")
    except targets.RowProblem as exc:
        raise Unprocessable(reasons=[exc.problem]) from exc
    return op_id, ctx.short_names[op_id]


def _organisations(session: Session) -> targets.Context:
    return targets.Context.load(session.connection(), vocabulary=current_vocabulary(session.connection()))


def _organisation(session: Session, name: str) -> int | None:
    try:
        return _organisations(session).operator(name, "operator")
    except targets.RowProblem:
        return None


def get_request(session: Session, request_id: int) -> dict:
    row = session.execute(
        text(
            "SELECT r.id, r.asset, coalesce(s.code, p.code, d.code) AS code, o.short_name AS owner, "
            "rq.short_name AS requester, r.status, r.note, r.decision_note, r.requested_by, r.requested_at, "
            "r.decided_by, r.decided_at, coalesce(u.role IN ('admin', 'planner'), false) AS by_department "
            "FROM sharing_requests r JOIN operators rq ON rq.id = r.requester_id "
            "LEFT JOIN users u ON u.username = r.requested_by "
            "LEFT JOIN sites s ON s.id = r.site_id LEFT JOIN poles p ON p.id = r.pole_id "
            "LEFT JOIN duct_routes d ON d.id = r.duct_route_id "
            "JOIN operators o ON o.id = coalesce(s.owner_id, p.owner_id, d.owner_id) WHERE r.id = :id"
        ),
        {"id": request_id},
    ).first()
    if row is None:
        raise not_found("notfound.record", kind="sharing_request", code=f"#{request_id}")
    out = dict(row._mapping)
    for k in ("requested_at", "decided_at"):
        out[k] = out[k].isoformat() if out[k] else None
    return out


def decide(session: Session, principal: Principal, request_id: int, accept: bool, note: str | None) -> dict:
    r = session.execute(
        text("SELECT * FROM sharing_requests WHERE id = :id FOR UPDATE"), {"id": request_id}
    ).first()
    if r is None:
        raise not_found("notfound.record", kind="sharing_request", code=f"#{request_id}")
    table, column, link, key = ASSETS[r.asset]
    asset_id = getattr(r, column)
    owner_id = session.execute(
        text(f"SELECT owner_id FROM {table} WHERE id = :id"), {"id": asset_id}
    ).scalar_one()
    if not principal.may_manage(owner_id):
        raise Forbidden("only the structure's owner or the Department decides a sharing request")
    if r.status != "pending":
        raise Conflict(f"request #{request_id} is already {r.status}")
    session.execute(
        text(
            "UPDATE sharing_requests SET status = :s, decision_note = :n, decided_by = :by, decided_at = now() "
            "WHERE id = :id"
        ),
        {"s": "accepted" if accept else "declined", "n": note, "by": principal.username, "id": request_id},
    )
    if accept:
        since = ", since" if link == "site_tenancies" else ""
        session.execute(
            text(
                f"INSERT INTO {link} ({key}, operator_id{since}) VALUES (:id, :op{', CURRENT_DATE' if since else ''}) "
                "ON CONFLICT DO NOTHING"
            ),
            {"id": asset_id, "op": r.requester_id},
        )
    session.commit()
    return get_request(session, request_id)


def withdraw(session: Session, principal: Principal, request_id: int) -> dict:
    r = session.execute(
        text(
            "SELECT r.requester_id, r.status, u.role IN ('admin', 'planner') AS by_department "
            "FROM sharing_requests r LEFT JOIN users u ON u.username = r.requested_by WHERE r.id = :id "
            "FOR UPDATE OF r"
        ),
        {"id": request_id},
    ).first()
    if r is None:
        raise not_found("notfound.record", kind="sharing_request", code=f"#{request_id}")
    if principal.operator_id != r.requester_id and not (principal.is_staff and r.by_department):
        raise Forbidden(
            "only the requesting operator, or the Department for a request it filed, withdraws it"
        )
    if r.status != "pending":
        raise Conflict(f"request #{request_id} is already {r.status}")
    session.execute(
        text(
            "UPDATE sharing_requests SET status = 'withdrawn', decided_by = :by, decided_at = now() "
            "WHERE id = :id"
        ),
        {"by": principal.username, "id": request_id},
    )
    session.commit()
    return get_request(session, request_id)


def list_requests(session: Session, principal: Principal) -> dict:
    """The Department sees every request; an operator those made for it (by itself or by the
    Department) and those for its structures."""
    mine = (
        ""
        if principal.is_staff
        else ("WHERE r.requester_id = :op OR coalesce(s.owner_id, p.owner_id, d.owner_id) = :op")
    )
    ids = session.execute(
        text(
            "SELECT r.id FROM sharing_requests r LEFT JOIN sites s ON s.id = r.site_id LEFT JOIN poles p "
            "ON p.id = r.pole_id LEFT JOIN duct_routes d ON d.id = r.duct_route_id "
            + mine
            + " ORDER BY r.status = 'pending' DESC, r.requested_at DESC LIMIT 500"
        ),
        {"op": principal.operator_id},
    ).scalars()
    return {"requests": [get_request(session, i) for i in ids]}
