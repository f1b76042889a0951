"""Import profiles: the mapping of one shape of file (its columns → fields, its values → codes, its
CRS, axis order and encoding), corrected by a planner and saved under a name (table
``import_profiles``, migration 0012) for the next file of the same shape.

A profile, and the corrections of one run, apply on top of the vocabulary: a column correction
replaces the vocabulary's reading of that header ("" leaves the column out), a value correction
becomes a term of the field's domain (an organisation's name a term of ``organisation``). Every
correction is checked before anything is read or written: a field must be an attribute of the
target, a code one the field allows (structured problems, all at once).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import Connection, delete, func, insert, select, update

from app import models as m
from app.errors import not_found
from app.services.audit import Actor
from app.services.imports.targets import CELL_RADIO
from app.services.imports.vocabulary import CODED, ORGANISATION
from gis.problems import Problem, ProblemsFound
from gis.vocabulary import Term, Vocabulary, fold_key

__all__ = [
    "FIELDS",
    "ORGANISATION_FIELDS",
    "Corrections",
    "allowed_values",
    "check",
    "delete_profile",
    "get_profile",
    "list_profiles",
    "load",
    "save_profile",
]

MAX_NAME = 100
_CELL = CELL_RADIO  # technology, band, azimuth … as the cells table has them
_ADMIN = (
    "code",
    "name",
    "kind",
    "level",
    "parent_code",
    "province_code",
    "district_code",
    "commune_code",
    "district_name",
    "commune_name",
    "hamlet_name",
    "population",
    "households",
    "urban",
    "vn2000_crs",  # a province's TM-3 zone
)
# The valid time of a pole, duct route, manhole or access point (migration 0016).
_IN_SERVICE = ("in_service_from", "in_service_to")
# The attributes each target's row builders read (app/services/imports/targets.py).
FIELDS: dict[str, tuple[str, ...]] = {
    "sites": (
        "code",
        "name",
        "owner",
        "operator",
        "tenants",
        "operators",
        "structure_type",
        "height_m",
        "status",
        "permit_no",
        "commissioned_on",
        "accepts_tenants",
        "rent_vnd_month",
        "new_structure_reason",
        "site_code",
        "cell_code",
        *_CELL,
    ),
    "cells": ("site_code", "code", "cell_code", "operator", "owner", "height_m", *_CELL),
    "poles": (
        "code",
        "owner",
        "material",
        "structure_type",
        "height_m",
        "attachments",
        "operators",
        *_IN_SERVICE,
    ),
    "ducts": (
        "code",
        "name",
        "owner",
        "duct_count",
        "free_duct_count",
        "subduct_count",
        "stated_length_m",
        "occupants",
        "operators",
        *_IN_SERVICE,
    ),
    "manholes": ("code", "owner", "operator", "duct_route_code", *_IN_SERVICE),
    "fibre_access_points": (
        "code",
        "operator",
        "owner",
        "kind",
        "ports_total",
        "ports_used",
        "service_radius_m",
        "status",
        *_IN_SERVICE,
    ),
    "commune_offices": (
        "code",
        "name",
        "commune_code",
        "gov_network_connected",
        "bandwidth_mbps",
        "connected_on",
        "disconnected_on",
    ),
    "speed_tests": (
        "code",
        "measured_at",
        "operator",
        "technology",
        "download_mbps",
        "upload_mbps",
        "latency_ms",
        "rsrp_dbm",
    ),
    "tall_structures": ("code", "name", "kind", "height_m", "owner", "address", *_IN_SERVICE),
    **{target: _ADMIN for target in ("admin_units", "districts", "communes", "hamlets")},
    "organisations": ("short_name", "name", "kind", "mcc", "mnc"),
    "bodies": (
        "code",
        "role",
        "name",
        "parent",
        "symbol",
        "place",
        "region",
        "position",
        "valid_from",
        "valid_to",
        "area_code",
    ),
}
# Fields whose values name an organisation (read through the vocabulary's ``organisation`` domain).
ORGANISATION_FIELDS = ("owner", "operator", "tenants", "operators", "attachments", "occupants")
_P = m.ImportProfile.__table__


@dataclass
class Corrections:
    """Columns (file column → field, "" to leave it out) and values (field → {as written: code})."""

    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)

    def over(self, base: Corrections) -> Corrections:
        """These corrections on top of ``base`` (a profile's): ours win, column by column, value by value."""
        values = {f: dict(v) for f, v in base.values.items()}
        for f, given in self.values.items():
            values.setdefault(f, {}).update(given)
        return Corrections({**base.columns, **self.columns}, values)

    def vocabulary(self, vocabulary: Vocabulary) -> Vocabulary:
        """``vocabulary`` with the value corrections as its newest terms (it is not changed)."""
        terms = [
            Term(ORGANISATION if f in ORGANISATION_FIELDS else f, written, code)
            for f, given in self.values.items()
            for written, code in given.items()
        ]
        return Vocabulary(vocabulary.terms).add(terms) if terms else vocabulary


def allowed_values(conn: Connection, target: str) -> dict[str, list[str]]:
    """Every coded field of ``target`` with the codes it may hold (organisations: short names)."""
    fields = FIELDS.get(target, ())
    out = {f: list(codes) for f, codes in CODED.items() if f in fields}
    if any(f in fields for f in ORGANISATION_FIELDS):
        names = sorted(conn.execute(select(m.Operator.__table__.c.short_name)).scalars())
        out.update({f: names for f in ORGANISATION_FIELDS if f in fields})
    return out


def check(
    conn: Connection, target: str, corrections: Corrections, source: str | None = None
) -> list[Problem]:
    """Every problem of ``corrections`` for ``target``: unknown fields, codes the field does not allow."""
    if target not in FIELDS:
        return [
            Problem(
                "profile.unknown_target",
                field="target",
                params={"target": target, "known": list(FIELDS)},
                source=source,
            )
        ]
    fields, allowed = FIELDS[target], allowed_values(conn, target)
    problems = []
    for column, meant in corrections.columns.items():
        if not str(column).strip():
            problems.append(Problem("profile.column_required", field="columns", source=source))
        elif meant and meant not in fields:
            params = {"column": column, "field": meant, "target": target, "known": list(fields)}
            problems.append(Problem("profile.unknown_field", field="columns", params=params, source=source))
    for name, given in corrections.values.items():
        if name not in allowed:
            params = {"field": name, "target": target, "known": list(allowed)}
            problems.append(Problem("profile.not_coded", field="values", params=params, source=source))
            continue
        codes = {fold_key(c): c for c in allowed[name]}
        for written, code in given.items():
            if fold_key(code) not in codes:
                params = {"field": name, "value": written, "code": code, "allowed": allowed[name]}
                problems.append(Problem("profile.code_not_allowed", field=name, params=params, source=source))
    return problems


def _normalised(conn: Connection, target: str, corrections: Corrections) -> Corrections:
    """Codes as the field spells them ("VIETTEL" → "Viettel"), once checked."""
    allowed = allowed_values(conn, target)
    values = {}
    for name, given in corrections.values.items():
        codes = {fold_key(c): c for c in allowed[name]}
        values[name] = {str(w).strip(): codes[fold_key(c)] for w, c in given.items()}
    columns = {str(c).strip(): (f or "") for c, f in corrections.columns.items()}
    return Corrections(columns, values)


def _key(name: str) -> str:
    return fold_key(name or "")


def _shown(row) -> dict:
    return {
        "name": row["name"],
        "target": row["target"],
        "columns": dict(row["columns"] or {}),
        "values": {f: dict(v) for f, v in (row["values"] or {}).items()},
        "crs": row["crs"],
        "swap_axes": bool(row["swap_axes"]),
        "encoding": row["encoding"],
        "created_by": row["created_by"],
        "created_at": row["created_at"].isoformat() if row["created_at"] else None,
        "updated_at": row["updated_at"].isoformat() if row["updated_at"] else None,
    }


def list_profiles(conn: Connection, target: str | None = None) -> list[dict]:
    stmt = select(_P).order_by(_P.c.name_key)
    if target is not None:
        stmt = stmt.where(_P.c.target == target)
    return [_shown(r) for r in conn.execute(stmt).mappings()]


def get_profile(conn: Connection, name: str) -> dict:
    """The profile called ``name`` (case, diacritics and punctuation ignored), or NotFound."""
    row = conn.execute(select(_P).where(_P.c.name_key == _key(name))).mappings().first()
    if row is None:
        raise not_found("notfound.record", kind="import_profile", code=name)
    return _shown(row)


def load(conn: Connection, name: str) -> dict | None:
    """The profile called ``name``, or None."""
    row = conn.execute(select(_P).where(_P.c.name_key == _key(name))).mappings().first()
    return _shown(row) if row is not None else None


def _name_problems(name: str) -> list[Problem]:
    if not _key(name):
        return [Problem("profile.name_required", field="name")]
    if len(name) > MAX_NAME:
        return [Problem("profile.name_too_long", field="name", params={"max": MAX_NAME})]
    return []


def check_name(name: str) -> None:
    """Raise ProblemsFound when ``name`` cannot name a profile (before any work is done)."""
    problems = _name_problems(name)
    if problems:
        raise ProblemsFound(problems)


def save_profile(
    conn: Connection,
    name: str,
    target: str,
    corrections: Corrections,
    crs: str | None,
    swap_axes: bool,
    encoding: str | None,
    actor: Actor,
) -> dict:
    """Create or replace the profile ``name`` (all checked first: ProblemsFound with every problem)."""
    name = (name or "").strip()
    problems = _name_problems(name) + check(conn, target, corrections)
    if problems:
        raise ProblemsFound(problems)
    given = _normalised(conn, target, corrections)
    values = dict(
        name=name,
        target=target,
        columns=given.columns,
        values=given.values,
        crs=crs or None,
        swap_axes=bool(swap_axes),
        encoding=encoding or None,
        created_by=actor.username,
    )
    actor.apply(conn)
    where = _P.c.name_key == _key(name)
    changed = {k: v for k, v in values.items() if k != "created_by"}
    stmt = update(_P).where(where).values(**changed, updated_at=func.now()).returning(_P)
    row = conn.execute(stmt).mappings().first()
    if row is None:
        row = conn.execute(insert(_P).values(name_key=_key(name), **values).returning(_P)).mappings().one()
    return _shown(row)


def delete_profile(conn: Connection, name: str, actor: Actor) -> dict:
    actor.apply(conn)
    row = conn.execute(delete(_P).where(_P.c.name_key == _key(name)).returning(_P)).mappings().first()
    if row is None:
        raise not_found("notfound.record", kind="import_profile", code=name)
    return _shown(row)


def from_dicts(columns: Mapping | None, values: Mapping | None) -> Corrections:
    """Corrections from plain JSON-like dicts (a stored profile, a request)."""
    return Corrections(
        {str(k): str(v or "") for k, v in (columns or {}).items()},
        {str(f): {str(w): str(c) for w, c in (v or {}).items()} for f, v in (values or {}).items()},
    )
