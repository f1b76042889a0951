"""Sharing requests: an operator asks to use another's site (tenancy), pole (attachment) or duct
(occupancy); the owner — or the Department — accepts or declines. On acceptance the link row is
written, so the structure counts as shared and the plan's sharing ratios move at once."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.errors import Conflict, Forbidden, not_found
from app.services.accounts import Principal
from app.services.scope import Scope

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


def request_sharing(session: Session, principal: Principal, asset: str, code: str, note: str | None) -> dict:
    if principal.role != "operator":
        raise Forbidden("sharing is requested by an operator company for itself")
    a = _asset(session, asset, code)
    if asset == "site" and not Scope.of(principal).sees_site(a.owner, a.status):
        raise not_found(
            "notfound.record", kind="site", code=code
        )  # another company's plan: not even its existence is told
    table, column, link, key = ASSETS[asset]
    if a.owner_id == principal.operator_id:
        raise Conflict(f"{asset} '{code}' is {principal.operator}'s own")
    if not a.accepts_tenants:
        raise Conflict(f"{asset} '{code}' of {a.owner} does not accept tenants")
    if asset == "site" and a.status not in _STANDING_SITE:
        raise Conflict(f"site '{code}' is {a.status}: only approved or active sites take tenants")
    already = session.execute(
        text(f"SELECT 1 FROM {link} WHERE {key} = :id AND operator_id = :op"),
        {"id": a.id, "op": principal.operator_id},
    ).first()
    if already:
        raise Conflict(f"{principal.operator} already uses {asset} '{code}'")
    pending = session.execute(
        text(
            f"SELECT id FROM sharing_requests WHERE {column} = :id AND requester_id = :op AND status = 'pending'"
        ),
        {"id": a.id, "op": principal.operator_id},
    ).scalar()
    if pending:
        raise Conflict(f"{principal.operator} has a pending request (#{pending}) for {asset} '{code}'")
    rid = session.execute(
        text(
            f"INSERT INTO sharing_requests (asset, {column}, requester_id, note, requested_by) "
            "VALUES (:asset, :id, :op, :note, :by) RETURNING id"
        ),
        {"asset": asset, "id": a.id, "op": principal.operator_id, "note": note, "by": principal.username},
    ).scalar_one()
    session.commit()
    return get_request(session, rid)


def get_request(session: Session, request_id: int) -> dict:
    row = session.execute(
        text(
            "SELECT r.id, r.asset, coalesce(s.code, p.code, d.code) AS code, o.short_name AS owner, "
            "rq.short_name AS requester, r.status, r.note, r.decision_note, r.requested_by, r.requested_at, "
            "r.decided_by, r.decided_at FROM sharing_requests r JOIN operators rq ON rq.id = r.requester_id "
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
        text("SELECT requester_id, status FROM sharing_requests WHERE id = :id FOR UPDATE"),
        {"id": request_id},
    ).first()
    if r is None:
        raise not_found("notfound.record", kind="sharing_request", code=f"#{request_id}")
    if principal.operator_id != r.requester_id:
        raise Forbidden("only the requesting operator withdraws its request")
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
    """The Department sees every request; an operator those it made and those for its structures."""
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
