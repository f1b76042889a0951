"""BTS site registration: register with cells, edit, approve, move through the lifecycle.

Every write checks its rules first (gis/site_rules.py for fields, site_checks for places), then
changes the site row under optimistic locking: `UPDATE … WHERE version = :v` — the first of two
concurrent writers wins, the other gets 409 with the current record. An operator's edit of an
approved or active site is kept as a pending change until the Department approves it.
"""

from __future__ import annotations

from dataclasses import replace

import orjson
from geoalchemy2.shape import from_shape
from shapely import Point
from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from app import models as m
from app.errors import Conflict, Forbidden, PreconditionRequired, Unprocessable, not_found
from app.layer_types import IN_FORCE
from app.schemas_registry import CellIn, SiteFields, SiteIn
from app.services import site_checks
from app.services.accounts import Principal
from app.services.clock import today
from app.services.imports import targets
from app.services.imports.vocabulary import current as current_vocabulary
from app.services.scope import Scope
from app.settings import get_settings
from gis import site_rules
from gis.importers import ranges
from gis.problems import Problem

SITE_COLUMNS = (
    "name",
    "structure_type",
    "height_m",
    "accepts_tenants",
    "rent_vnd_month",
    "permit_no",
    "new_structure_reason",
)
_EDITABLE_IN_PLACE = ("draft", "proposed", "rejected")
_CELL_RADIO = ", ".join(f"c.{k}" for k in targets.CELL_RADIO)


def unprocessable(problems: list[Problem], extra: dict | None = None) -> Unprocessable:
    """422 naming every field: each problem answered with its code, field, params and sentence."""
    return Unprocessable(reasons=problems, extra=extra)


def ranged(values: dict, target: str, where: str = "") -> list[Problem]:
    """The values out of their range, by the import's own rule (gis/importers/ranges.py), each
    naming its field as the form does (``where`` + the attribute)."""
    return [replace(p, field=f"{where}{p.field}") for p in ranges.check_values(values, target)]


def placed(exc: targets.RowProblem, where: str, fallback: str) -> Problem:
    """An import builder's problem named as the form names it: its own field after ``where``
    (``cells[0].`` + ``band_mhz``), or ``fallback`` when it names none."""
    own = exc.problem.field
    return replace(exc.problem, field=f"{where}{own}" if own else fallback)


def owner_of(session: Session, principal: Principal, name: str | None) -> tuple[int, str]:
    """The owning company of a new record: an operator's own; for the Department, the one named —
    any of its names (the vocabulary's aliases too), read as an import reads an owner column."""
    ctx = targets.Context.load(session.connection(), vocabulary=current_vocabulary(session.connection()))
    if principal.role == "operator":
        if name and _organisation(ctx, name) != principal.operator_id:
            own = {"own": principal.operator, "other": name}
            raise Forbidden(reasons=[Problem("owner.own_company_only", "owner", params=own)])
        return principal.operator_id, principal.operator
    if not name:
        raise unprocessable([Problem("owner.required", "owner")])
    try:
        op_id = ctx.operator(name, "owner")
    except targets.RowProblem as exc:
        raise unprocessable([replace(exc.problem, field="owner")]) from exc
    return op_id, ctx.short_names[op_id]


def _organisation(ctx: targets.Context, name: str) -> int | None:
    try:
        return ctx.operator(name, "owner")
    except targets.RowProblem:
        return None


def _site_row(session: Session, code: str, lock: bool = False, seen_by: Principal | None = None):
    row = session.execute(
        text(
            "SELECT s.*, ST_X(s.geom) AS lon, ST_Y(s.geom) AS lat, o.short_name AS owner FROM sites s "
            "JOIN operators o ON o.id = s.owner_id WHERE s.code = :c" + (" FOR UPDATE OF s" if lock else "")
        ),
        {"c": code},
    ).first()
    # Another company's site awaiting approval is not even confirmed to exist (app/services/scope.py).
    if row is None or (seen_by is not None and not Scope.of(seen_by).sees_site(row.owner, row.status)):
        raise not_found("notfound.record", kind="site", code=code)
    return row


def get_site(session: Session, code: str) -> dict:
    s = _site_row(session, code)
    cells = session.execute(
        text(
            f"SELECT c.code, o.short_name AS operator, {_CELL_RADIO} "
            "FROM cells c JOIN operators o ON o.id = c.operator_id WHERE c.site_id = :id ORDER BY c.code"
        ),
        {"id": s.id},
    )
    tenants = session.execute(
        text(
            "SELECT o.short_name FROM site_tenancies t JOIN operators o ON o.id = t.operator_id "
            "WHERE t.site_id = :id ORDER BY o.short_name"
        ),
        {"id": s.id},
    ).scalars()
    out = {
        k: getattr(s, k)
        for k in (
            "code",
            "owner",
            "status",
            *SITE_COLUMNS,
            "status_reason",
            "pending_change",
            "pending_by",
            "created_by",
            "version",
            "lon",
            "lat",
        )
    }
    for k in ("proposed_on", "approved_on", "commissioned_on", "decommissioned_on"):
        out[k] = getattr(s, k).isoformat() if getattr(s, k) else None
    out["cells"] = [dict(c._mapping) for c in cells]
    out["tenants"] = list(tenants)
    out["shared"] = len(out["tenants"]) >= 2
    out["place"] = site_checks.place_of(session.connection(), s.lon, s.lat)
    return out


def _cells(
    session: Session,
    principal: Principal,
    owner: tuple[int, str],
    site_code: str,
    cells: list[CellIn],
    height_m: float | None,
) -> tuple[list[dict], list[Problem]]:
    ctx = targets.Context.load(session.connection())
    rows, problems = [], []
    codes: set[str] = set()
    for i, cell in enumerate(cells):
        where, known = f"cells[{i}].", len(problems)
        values = cell.model_dump()
        problems += ranged(values, "cells", where) + site_rules.cell_problems(values, height_m, where)
        try:  # as an import names a cell's operator: a mobile one, by any of its names
            op = ctx.operator(cell.operator, "operator", mobile=True) if cell.operator else owner[0]
        except targets.RowProblem as exc:
            problems.append(replace(exc.problem, field=f"{where}operator"))
            continue
        if principal.role == "operator" and op != principal.operator_id:
            name = ctx.short_names[op]
            problems.append(Problem("cell.own_cells_only", f"{where}operator", params={"name": name}))
        code = cell.code or f"{site_code}-{cell.technology}-{i + 1}"
        if code in codes:
            problems.append(Problem("cell.code_twice", f"{where}code", params={"code": code}))
        codes.add(code)
        try:  # the import's builder, its operator resolved above
            rows.append(
                targets.cell_row(
                    {**values, "code": code, "operator": None}, site_code, i + 1, ctx, site_operator=op
                )
            )
        except targets.RowProblem as exc:  # said already by the rules above, unless new
            if len(problems) == known:
                problems.append(placed(exc, where, where.rstrip(".")))
    taken = session.execute(
        text(
            "SELECT c.code, s.code AS site FROM cells c JOIN sites s ON s.id = c.site_id "
            "WHERE c.code = ANY(:codes) AND s.code <> :site"
        ),
        {"codes": sorted(codes), "site": site_code},
    ).all()
    problems += [Problem("cell.code_taken", "cells", params={"code": c, "site": site}) for c, site in taken]
    return rows, problems


def _place_checks(
    session: Session,
    principal: Principal,
    owner_id: int,
    lon: float,
    lat: float,
    place: dict,
    reason: str | None,
    exclude_id: int | None,
) -> None:
    """No other standing site within the spacing (409); a new structure beside a shareable one needs a reason."""
    conn = session.connection()
    spacing = get_settings().min_site_spacing_m
    near = site_checks.sites_within(conn, lon, lat, spacing, exclude_id)
    if near:
        scope = Scope.of(principal)
        raise Conflict(
            reasons=[site_checks.spacing_problem(near[0], spacing, scope)],
            extra=site_checks.spacing_details(near[0], scope),
        )
    radius = site_checks.share_radius_m(place)
    candidates = site_checks.sharing_candidates(conn, lon, lat, owner_id, radius, exclude_id)
    if candidates and not (reason or "").strip():
        raise unprocessable(
            [site_checks.sharing_problem(candidates, radius)],
            {"sharing_candidates": candidates, "share_radius_m": radius},
        )


def _built(session: Session, code: str, values: dict, owner_id: int) -> dict:
    """The import's builder: a registration or an edit is a site row like a file's (no position)."""
    try:
        return targets.site_row(code, values, owner_id, None, targets.Context.load(session.connection()))
    except targets.RowProblem as exc:
        raise unprocessable([placed(exc, "", "site")]) from exc


def register_site(session: Session, principal: Principal, body: SiteIn, draft: bool = False) -> dict:
    """A new site with its cells, proposed (a registration) or a ``draft`` (kept by its operator, not
    yet submitted: the place rules apply when it is submitted, see ``transition_site``)."""
    owner = owner_of(session, principal, body.owner)
    conn = session.connection()
    lon, lat, place = site_checks.resolve_position(conn, body.position)
    values = body.model_dump(include=set(SITE_COLUMNS))
    values["accepts_tenants"] = bool(values["accepts_tenants"])
    problems = ranged(values, "sites") + site_rules.site_problems(values)
    cell_rows, cell_problems = _cells(session, principal, owner, body.code, body.cells, body.height_m)
    if problems or cell_problems:
        raise unprocessable(problems + cell_problems)
    if session.execute(text("SELECT 1 FROM sites WHERE code = :c"), {"c": body.code}).first():
        raise Conflict(reasons=[code_exists("site", body.code)])
    if not draft:
        _place_checks(session, principal, owner[0], lon, lat, place, body.new_structure_reason, None)
    row = _built(session, body.code, {**values, "status": "draft" if draft else "proposed"}, owner[0])
    row.update(
        geom=from_shape(Point(lon, lat), srid=m.SRID),
        proposed_on=None if draft else today(),
        created_by=principal.username,
    )
    site_id = session.execute(insert(m.Site.__table__).values(row).returning(m.Site.id)).scalar_one()
    _write_cells(session, site_id, owner[0], cell_rows)
    session.commit()
    return get_site(session, body.code)


def _write_cells(session: Session, site_id: int, owner_id: int, rows: list[dict]) -> None:
    session.execute(text("DELETE FROM cells WHERE site_id = :id"), {"id": site_id})
    if rows:  # rows of the import's cell builder, which names the site by its code
        cells = [{k: v for k, v in r.items() if k != "site_code"} | {"site_id": site_id} for r in rows]
        session.execute(insert(m.Cell.__table__), cells)
    # Whoever has a cell on the structure is a tenant of it (tenancies are never removed by an edit).
    session.execute(
        text(
            "INSERT INTO site_tenancies (site_id, operator_id, since) SELECT :id, op, CURRENT_DATE FROM "
            "(SELECT :owner AS op UNION SELECT operator_id FROM cells WHERE site_id = :id) x "
            "ON CONFLICT DO NOTHING"
        ),
        {"id": site_id, "owner": owner_id},
    )


def _conflict(session: Session, code: str, version: int) -> Conflict:
    session.rollback()
    current = get_site(session, code)
    return changed("site", code, version, current)


def changed(kind: str, code: str, version: int, current: dict) -> Conflict:
    """409 of a write that lost the race: the current record comes with it."""
    seen = {"kind": kind, "code": code, "version": version, "current": current["version"]}
    return Conflict(reasons=[Problem("record.changed", params=seen)], extra={"current": current})


def code_exists(kind: str, code: str) -> Problem:
    return Problem("record.code_exists", "code", params={"kind": kind, "code": code})


def manage_refusal(principal: Principal, kind: str, code: str, owner_id: int, owner: str) -> Problem | None:
    """Why ``principal`` may not change this record, or None: the one rule of every edit of a site, pole,
    duct or access point (PATCH, DELETE, a lifecycle move, an import's upsert)."""
    if principal.may_manage(owner_id):
        return None
    return Problem("record.not_yours", params={"kind": kind, "code": code, "owner": owner})


def required_version(version: int | None) -> int:
    """The version (If-Match) of a write the caller may make: asked for only once that is known."""
    if version is None:
        raise PreconditionRequired('send If-Match with the record\'s ETag (e.g. If-Match: "3") from GET')
    return version


def _check_manage(principal: Principal, s) -> None:
    if refusal := manage_refusal(principal, "site", s.code, s.owner_id, s.owner):
        raise Forbidden(reasons=[refusal])


def _validated_change(
    session: Session, principal: Principal, s, patch: SiteFields
) -> tuple[dict, list | None, tuple]:
    """The site's columns after ``patch`` (checked), the new cell rows (None: unchanged) and the position."""
    given = patch.model_dump(exclude_unset=True)
    merged = {k: getattr(s, k) for k in SITE_COLUMNS} | {k: v for k, v in given.items() if k in SITE_COLUMNS}
    lon, lat = s.lon, s.lat
    if patch.position is not None:
        lon, lat, place = site_checks.resolve_position(session.connection(), patch.position)
        if (lon, lat) != (s.lon, s.lat):
            _place_checks(
                session, principal, s.owner_id, lon, lat, place, merged["new_structure_reason"], s.id
            )
    problems = ranged(merged, "sites") + site_rules.site_problems(merged)
    cell_rows = None
    if patch.cells is not None:
        cell_rows, cell_problems = _cells(
            session, principal, (s.owner_id, s.owner), s.code, patch.cells, merged["height_m"]
        )
        problems += cell_problems
    if problems:
        raise unprocessable(problems)
    row = _built(session, s.code, {**merged, "status": s.status}, s.owner_id)
    return {c: row[c] for c in SITE_COLUMNS}, cell_rows, (lon, lat)


def _apply(
    session: Session, s, version: int, merged: dict, cell_rows, lonlat, extra_sql: str = "", extra=None
) -> bool:
    done = session.execute(
        text(
            "UPDATE sites SET "
            + ", ".join(f"{c} = :{c}" for c in SITE_COLUMNS)
            + ", geom = ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)"
            + extra_sql
            + " WHERE id = :id AND version = :v RETURNING id"
        ),
        {**merged, "lon": lonlat[0], "lat": lonlat[1], "id": s.id, "v": version, **(extra or {})},
    ).first()
    if done is None:
        return False
    if cell_rows is not None:
        _write_cells(session, s.id, s.owner_id, cell_rows)
    return True


def edit_site(
    session: Session, principal: Principal, code: str, version: int | None, patch: SiteFields
) -> tuple[dict, bool]:
    """Apply an edit; returns (site, pending) — pending when it waits for the Department's approval."""
    s = _site_row(session, code, seen_by=principal)
    _check_manage(principal, s)
    version = required_version(version)
    if s.status == "decommissioned":
        raise Conflict(reasons=[Problem("site.decommissioned", params={"code": code})])
    if s.version != version:
        raise _conflict(session, code, version)
    merged, cell_rows, lonlat = _validated_change(session, principal, s, patch)
    if principal.is_staff or s.status in _EDITABLE_IN_PLACE:
        ok = _apply(session, s, version, merged, cell_rows, lonlat)
        pending = False
    else:
        change = patch.model_dump(exclude_unset=True, mode="json")
        ok = (
            session.execute(
                text(
                    "UPDATE sites SET pending_change = CAST(:p AS jsonb), pending_by = :by "
                    "WHERE id = :id AND version = :v RETURNING id"
                ),
                {"p": orjson.dumps(change).decode(), "by": principal.username, "id": s.id, "v": version},
            ).first()
            is not None
        )
        pending = True
    if not ok:
        raise _conflict(session, code, version)
    session.commit()
    return get_site(session, code), pending


def decide_pending(
    session: Session, principal: Principal, code: str, version: int | None, approve: bool, reason: str | None
) -> dict:
    s = _site_row(session, code)
    version = required_version(version)
    if s.pending_change is None:
        raise Conflict(reasons=[Problem("site.no_pending_change", params={"code": code})])
    if s.version != version:
        raise _conflict(session, code, version)
    if approve:
        patch = SiteFields.model_validate(s.pending_change)
        merged, cell_rows, lonlat = _validated_change(session, principal, s, patch)
        ok = _apply(
            session,
            s,
            version,
            merged,
            cell_rows,
            lonlat,
            ", pending_change = NULL, pending_by = NULL, status_reason = :reason",
            {"reason": reason},
        )
    else:
        if not (reason or "").strip():
            raise unprocessable([Problem("reason.required", "reason")])
        ok = (
            session.execute(
                text(
                    "UPDATE sites SET pending_change = NULL, pending_by = NULL, status_reason = :r "
                    "WHERE id = :id AND version = :v RETURNING id"
                ),
                {"r": reason, "id": s.id, "v": version},
            ).first()
            is not None
        )
    if not ok:
        raise _conflict(session, code, version)
    session.commit()
    return get_site(session, code)


_DATE_OF = {
    "approved": "approved_on",
    "active": "commissioned_on",
    "decommissioned": "decommissioned_on",
    "proposed": "proposed_on",
}


def transition_site(
    session: Session, principal: Principal, code: str, version: int | None, target: str, reason: str | None
) -> dict:
    s = _site_row(session, code, seen_by=principal)
    _check_manage(principal, s)
    is_owner = principal.role == "operator" and principal.operator_id == s.owner_id
    problem = site_rules.transition_problem(s.status, target, principal.role, is_owner, reason)
    if problem and problem[0] == "role":
        raise Forbidden(reasons=[problem[1]])
    version = required_version(version)
    if problem:
        kind, why = problem
        raise {"state": Conflict(reasons=[why]), "reason": unprocessable([why])}[kind]
    if s.version != version:
        raise _conflict(session, code, version)
    if s.status == "draft":  # submitted: the rules of a new registration's place apply now
        place = site_checks.place_of(session.connection(), s.lon, s.lat)
        _place_checks(session, principal, s.owner_id, s.lon, s.lat, place, s.new_structure_reason, s.id)
    # A rejection has no date of its own: its reason and the audit trail say when and why.
    dated = f", {_DATE_OF[target]} = CURRENT_DATE" if target in _DATE_OF else ""
    done = session.execute(
        text(
            f"UPDATE sites SET status = :to, status_reason = :reason{dated} "
            "WHERE id = :id AND version = :v RETURNING id"
        ),
        {"to": target, "reason": reason, "id": s.id, "v": version},
    ).first()
    if done is None:
        raise _conflict(session, code, version)
    session.commit()
    return get_site(session, code)


def list_registrations(session: Session, principal: Principal) -> dict:
    """Sites awaiting a decision or commissioning, or with a change awaiting approval; operators: their own."""
    own = "" if principal.role != "operator" else "AND s.owner_id = :op"
    # The Department acts on proposals and approvals; an operator also sees its rejections (to resubmit)
    # and its drafts (to finish and submit).
    states = "'proposed', 'approved'" + (", 'rejected', 'draft'" if principal.role == "operator" else "")
    rows = session.execute(
        text(
            "SELECT s.code, s.name, o.short_name AS owner, s.status, s.structure_type, s.height_m, s.created_by, "
            "s.proposed_on, s.pending_change IS NOT NULL AS has_pending_change, s.pending_by, s.new_structure_reason, "
            "s.status_reason, s.version, ST_X(s.geom) AS lon, ST_Y(s.geom) AS lat, w.commune, w.district "
            "FROM sites s JOIN operators o ON o.id = s.owner_id "
            # Where it stands, to sort the queue by place: its commune and (before 2025) district.
            "LEFT JOIN LATERAL (SELECT c.name AS commune, CASE WHEN d.level = 'district' THEN d.name END AS district "
            "FROM admin_units c LEFT JOIN admin_units d ON d.id = c.parent_id "
            f"WHERE c.level = 'commune' AND {IN_FORCE.format(a='c')} AND ST_Intersects(c.geom, s.geom) LIMIT 1) w ON true "
            f"WHERE (s.status IN ({states}) OR s.pending_change IS NOT NULL) {own} "
            "ORDER BY s.proposed_on DESC NULLS LAST, s.code"
        ),
        {"op": principal.operator_id},
    )
    out = []
    for r in rows:
        d = dict(r._mapping)
        d["proposed_on"] = d["proposed_on"].isoformat() if d["proposed_on"] else None
        out.append(d)
    return {"registrations": out}
