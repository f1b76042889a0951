"""Bodies as an import target: who issues the periodic report and to whom it goes, each in force
for a period (the Department of Information and Communications until 28 February 2025, the
Department of Science and Technology since …). Rows are keyed by ``code``, as the network layers;
``bodies_on`` answers which are in force on a day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, text

from app import models as m
from app.services.imports.targets import Context, _check_codes, _rows, choice
from app.services.imports.values import RowProblem, day, integer, text_
from gis.importers import ImportedTable
from gis.problems import Problem


def body_row(p: dict, ctx: Context) -> dict:
    """One body of a file's row; its period is read as dates (dd/mm/yyyy, yyyy-mm-dd or Excel's)."""
    valid_from, valid_to = day(p, "valid_from"), day(p, "valid_to")
    if valid_from and valid_to and valid_to < valid_from:
        raise RowProblem(
            "body.period_reversed", "valid_to", valid_from=str(valid_from), valid_to=str(valid_to)
        )
    return dict(
        code=text_(p, "code", required=True),
        role=choice(p, "role", m.BODY_ROLES, None, ctx),
        name=text_(p, "name", required=True),
        parent=text_(p, "parent"),
        symbol=text_(p, "symbol"),
        place=text_(p, "place"),
        region=text_(p, "region"),
        position=integer(p, "position", default=0),
        valid_from=valid_from,
        valid_to=valid_to,
        area_code=text_(p, "area_code"),
    )


def bodies(table: ImportedTable, ctx: Context, problems: list[Problem]) -> list[tuple[int, dict]]:
    rows = _rows(table, lambda f, p: body_row(p, ctx), problems)
    _check_codes(ctx, m.Body.__table__, table, rows, problems)
    provinces = set(ctx.conn.execute(text("SELECT code FROM admin_units WHERE level = 'province'")).scalars())
    for number, row in rows:
        if row["area_code"] is not None and row["area_code"] not in provinces:
            problem = Problem("body.unknown_area", "area_code", params={"area_code": row["area_code"]})
            problems.append(table.place(problem, number))
    return rows


@dataclass(frozen=True)
class Bodies:
    """The issuer in force on a day (None: no body loaded for it) and the recipients, in order."""

    issuer: dict | None
    recipients: list[dict]


def bodies_on(conn: Connection, day_: date, area_code: str | None = None) -> Bodies:
    """The bodies in force on ``day_`` for a report on province ``area_code``: those serving it
    rather than those serving any, position by position (the province's own Department and People's
    Committee, the ministry that serves all)."""
    rows = conn.execute(
        text(
            "WITH b AS (SELECT * FROM bodies WHERE (valid_from IS NULL OR valid_from <= :d) "
            "AND (valid_to IS NULL OR valid_to >= :d) AND (area_code IS NULL OR area_code = :area)) "
            "SELECT role, name, parent, symbol, place, region FROM b WHERE b.area_code IS NOT NULL OR NOT EXISTS "
            "(SELECT 1 FROM b o WHERE o.role = b.role AND o.position = b.position AND o.area_code IS NOT NULL) "
            "ORDER BY role, position, code"
        ),
        {"d": day_, "area": area_code},
    ).mappings()
    found = [dict(r) for r in rows]
    issuers = [b for b in found if b["role"] == "issuer"]
    return Bodies(issuers[0] if issuers else None, [b for b in found if b["role"] == "recipient"])
