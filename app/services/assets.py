"""Poles and duct routes registered by their owners: create, edit (optimistic locking), delete.
The same ownership rules as sites: an operator manages its own company's; the Department all."""

from __future__ import annotations

import orjson
from geoalchemy2.shape import from_shape
from shapely import Point
from shapely.geometry import shape
from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from app import models as m
from app.errors import Conflict, Forbidden, not_found
from app.layer_types import IN_FORCE
from app.schemas_registry import DuctIn, DuctPatch, LineGeometry, PoleIn, PolePatch
from app.services import site_checks
from app.services.accounts import Principal
from app.services.clock import today
from app.services.imports import targets
from app.services.registration import (
    changed,
    code_exists,
    manage_refusal,
    owner_of,
    placed,
    ranged,
    required_version,
    unprocessable,
)
from gis.problems import Problem

# kind -> (table, link table, link key, editable columns)
KINDS = {
    "pole": ("poles", "pole_attachments", "pole_id", ("material", "height_m", "accepts_tenants")),
    "duct": (
        "duct_routes",
        "duct_occupancy",
        "duct_route_id",
        ("name", "duct_count", "free_duct_count", "subduct_count", "stated_length_m", "accepts_tenants"),
    ),
}
_TARGET = {"pole": "poles", "duct": "ducts"}  # the import target whose ranges and builder a kind shares


def get_asset(session: Session, kind: str, code: str) -> dict:
    table, link, key, columns = KINDS[kind]
    row = session.execute(
        text(
            f"SELECT x.id, x.code, o.short_name AS owner, x.owner_id, x.version, {', '.join('x.' + c for c in columns)}, "
            "ST_AsGeoJSON(x.geom, 7)::json AS geometry, "
            f"(SELECT array_agg(op.short_name ORDER BY op.short_name) FROM {link} l JOIN operators op "
            f" ON op.id = l.operator_id WHERE l.{key} = x.id) AS users "
            f"FROM {table} x JOIN operators o ON o.id = x.owner_id WHERE x.code = :c"
        ),
        {"c": code},
    ).first()
    if row is None:
        raise not_found("notfound.record", kind=kind, code=code)
    out = dict(row._mapping)
    out["users"] = list(out["users"] or [])
    out["shared"] = len(out["users"]) >= 2
    return out


def _line_in_region(session: Session, geometry: LineGeometry) -> str:
    """The route as GeoJSON when it is a valid line inside the region in force today (the union of
    its top-level units: one city may be three former provinces)."""
    geojson = orjson.dumps(
        {"type": "LineString", "coordinates": [c[:2] for c in geometry.coordinates]}
    ).decode()
    ok, valid, length = session.execute(
        text(
            "WITH g AS (SELECT ST_SetSRID(ST_GeomFromGeoJSON(:g), 4326) AS g) SELECT "
            "coalesce((SELECT ST_CoveredBy(g.g, ST_Union(p.geom)) FROM admin_units p WHERE p.level = 'province' "
            f"AND {IN_FORCE.format(a='p')}), true), ST_IsValid(g.g), ST_Length(g.g::geography) FROM g"
        ),
        {"g": geojson},
    ).one()
    if not valid or length == 0:
        raise unprocessable([Problem("route.invalid_line", "geometry")])
    if not ok:
        raise unprocessable([Problem("route.outside_province", "geometry")])
    return geojson


def create(session: Session, principal: Principal, kind: str, body: PoleIn | DuctIn) -> dict:
    table, _, _, columns = KINDS[kind]
    owner_id, _ = owner_of(session, principal, body.owner)
    values = {c: getattr(body, c) for c in columns}
    problems = ranged(values, _TARGET[kind])
    if problems:
        raise unprocessable(problems)
    conn = session.connection()
    # A pole or duct registered as it is put up: in service from today unless the form says when.
    given = {"code": body.code, **values, "in_service_from": body.in_service_from or today()}
    if kind == "pole":
        lon, lat, _ = site_checks.resolve_position(conn, body.position)
        row = _built(session, kind, given, owner_id)
        row["geom"] = from_shape(Point(lon, lat), srid=m.SRID)
    else:
        line = shape(orjson.loads(_line_in_region(session, body.geometry)))
        row = _built(session, kind, given, owner_id, line)
        row["geom"] = from_shape(line, srid=m.SRID)
    if session.execute(text(f"SELECT 1 FROM {table} WHERE code = :c"), {"c": body.code}).first():
        raise Conflict(reasons=[code_exists(kind, body.code)])
    row["accepts_tenants"] = body.accepts_tenants
    session.execute(insert(m.Base.metadata.tables[table]).values(row))
    session.commit()
    return get_asset(session, kind, body.code)


def _built(session: Session, kind: str, given: dict, owner_id: int, line=None) -> dict:
    """The import's builders: a registered or edited pole or duct is a row like a file's."""
    ctx = targets.Context.load(session.connection())
    try:
        if kind == "pole":
            return targets.pole_row(given, ctx, owner_id)
        return targets.duct_row(given, line, ctx, owner_id)
    except targets.RowProblem as exc:
        raise unprocessable([placed(exc, "", kind)]) from exc


def _conflict(session: Session, kind: str, code: str, version: int) -> Conflict:
    session.rollback()
    return changed(kind, code, version, get_asset(session, kind, code))


def _owned(session: Session, principal: Principal, kind: str, code: str) -> dict:
    current = get_asset(session, kind, code)
    if refusal := manage_refusal(principal, kind, code, current["owner_id"], current["owner"]):
        raise Forbidden(reasons=[refusal])
    return current


def edit(
    session: Session,
    principal: Principal,
    kind: str,
    code: str,
    version: int | None,
    patch: PolePatch | DuctPatch,
) -> dict:
    table, _, _, columns = KINDS[kind]
    current = _owned(session, principal, kind, code)
    version = required_version(version)
    given = patch.model_dump(exclude_unset=True, exclude={"position", "geometry"})
    merged = {c: current[c] for c in columns} | given
    problems = ranged(merged, _TARGET[kind])
    if problems:
        raise unprocessable(problems)
    built = _built(session, kind, {"code": code, **merged}, current["owner_id"])
    # The builder's reading of every editable column (accepts_tenants is the form's own).
    params = {c: built.get(c, merged[c]) for c in columns}
    sets = [f"{c} = :{c}" for c in columns]
    if kind == "pole" and patch.position is not None:
        lon, lat, _ = site_checks.resolve_position(session.connection(), patch.position)
        sets.append("geom = ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)")
        params |= {"lon": lon, "lat": lat}
    elif kind == "duct" and patch.geometry is not None:
        sets.append("geom = ST_SetSRID(ST_GeomFromGeoJSON(:g), 4326)")
        params["g"] = _line_in_region(session, patch.geometry)
    done = session.execute(
        text(f"UPDATE {table} SET {', '.join(sets)} WHERE id = :id AND version = :v RETURNING id"),
        {**params, "id": current["id"], "v": version},
    ).first()
    if done is None:
        raise _conflict(session, kind, code, version)
    session.commit()
    return get_asset(session, kind, code)


def delete(session: Session, principal: Principal, kind: str, code: str, version: int | None) -> None:
    table, link, key, _ = KINDS[kind]
    current = _owned(session, principal, kind, code)
    version = required_version(version)
    others = [u for u in current["users"] if u != current["owner"]]
    if others:
        raise Conflict(
            reasons=[Problem("record.shared", params={"kind": kind, "code": code, "users": others})]
        )
    done = session.execute(
        text(f"DELETE FROM {table} WHERE id = :id AND version = :v RETURNING id"),
        {"id": current["id"], "v": version},
    ).first()
    if done is None:
        raise _conflict(session, kind, code, version)
    session.commit()
