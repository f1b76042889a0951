"""The registration rules applied to a bulk import, after its rows are inserted (same transaction,
so PostGIS sees them beside everything else) and before it commits: any problem rolls it all back.

- every import: cells must pass gis/site_rules (band valid for the technology, antenna against its
  structure; their ranges were checked before any row was built, gis/importers/ranges.py);
- an operator's import: only that company's records; its sites are registrations (`proposed`);
- registrations (an operator's sites, or any `proposed` site): no other standing site within the
  spacing, and a new structure beside another operator's shareable site needs a stated reason
  (not for a register loaded as recorded: the sample province's proposals were received long ago).
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import Connection, text

from app.i18n import catalogue
from app.services import site_checks
from app.services.accounts import Principal
from app.services.import_targets import CELL_RADIO, TABLES
from app.services.registration import manage_refusal
from app.services.scope import EVERYTHING, Scope
from app.settings import get_settings
from gis import site_rules

OPERATOR_TARGETS = ("sites", "poles", "ducts", "fibre_access_points")
_TABLE_OF_TARGET = {target: TABLES[target].name for target in OPERATOR_TARGETS}
# The column naming the company a record belongs to: its owner, or an access point's operator.
_OWNER_COLUMN = {
    TABLES[t].name: "owner_id" if "owner_id" in TABLES[t].c else "operator_id" for t in OPERATOR_TARGETS
}
_KIND = {"sites": "site", "poles": "pole", "duct_routes": "duct", "fibre_access_points": "fibre access point"}


def _rows_by_code(table) -> dict[str, int]:
    """code → the first row/feature number that names it (site_code for per-cell files)."""
    out: dict[str, int] = {}
    for f in table.features:
        code = f.properties.get("site_code") or f.properties.get("code")
        if code not in (None, ""):
            out.setdefault(str(code).strip(), f.number)
    return out


def check_upsert(
    conn: Connection, target: str, table, principal: Principal | None, problems: list[str]
) -> None:
    """Before an upsert writes: every stored record it names must be one the caller may change (the
    rule of PATCH), whoever the file says owns it now."""
    name = _TABLE_OF_TARGET.get(target)
    if name is None or principal is None or principal.is_staff:
        return
    rows = _rows_by_code(table)
    column = _OWNER_COLUMN[name]
    stored = conn.execute(
        text(
            f"SELECT x.code, x.{column}, o.short_name FROM {name} x JOIN operators o ON o.id = x.{column} "
            "WHERE x.code = ANY(:codes) ORDER BY x.code"
        ),
        {"codes": sorted(rows)},
    )
    for code, owner_id, owner in stored:
        if refusal := manage_refusal(principal, _KIND[name], code, owner_id, owner):
            problems.append(f"{table.where(rows[code])}: {catalogue('en').render(refusal)}")


def check(
    conn: Connection,
    target: str,
    table,
    principal: Principal | None,
    problems: list[str],
    report,
    *,
    new_registrations: bool = True,
) -> None:
    """``new_registrations``: False when the file is a register as recorded (the sample province),
    whose proposed sites were registered long ago: the place rules of a new registration are not applied."""
    rows = _rows_by_code(table)
    # A workbook's sheet of cells (table.cells) may add cells to stored sites: they are checked too.
    cells = getattr(table, "cells", None)
    cell_rows = _rows_by_code(cells) if cells is not None else {}

    def where(code: str) -> str:
        if code in rows:
            return table.where(rows[code])
        return cells.where(cell_rows[code]) if code in cell_rows else f"{table.name} {code}"

    operator = principal if principal is not None and principal.role == "operator" else None
    if target == "cells":  # rows name their sites: every cell of those sites passes the rules
        _check_cells(conn, sorted(rows), operator, where, problems)
        return
    name = _TABLE_OF_TARGET.get(target)
    if name is None:
        return
    codes = sorted(rows)
    if operator is not None:
        column = _OWNER_COLUMN[name]
        for code, owner in conn.execute(
            text(
                f"SELECT x.code, o.short_name FROM {name} x JOIN operators o ON o.id = x.{column} "
                f"WHERE x.code = ANY(:codes) AND x.{column} <> :me"
            ),
            {"codes": codes, "me": operator.operator_id},
        ):
            problems.append(
                f"{where(code)}: belongs to {owner}; an operator imports its own company's records only"
            )
    if target != "sites":
        return
    _check_cells(conn, sorted(set(codes) | set(cell_rows)), operator, where, problems)
    if operator is not None:
        _operator_sites_are_proposals(conn, codes, table, where, problems, report)
    if new_registrations:
        _check_places(conn, codes, where, problems, EVERYTHING if principal is None else Scope.of(principal))


def _check_cells(conn, codes, operator, where, problems) -> None:
    cells = conn.execute(
        text(
            f"SELECT s.code AS site, s.height_m, c.code, c.operator_id, {', '.join('c.' + k for k in CELL_RADIO)} "
            "FROM cells c JOIN sites s ON s.id = c.site_id WHERE s.code = ANY(:codes) ORDER BY c.code"
        ),
        {"codes": codes},
    ).mappings()
    for c in cells:
        for problem in site_rules.cell_problems(c, c["height_m"]):
            problems.append(f"{where(c['site'])}: cell {c['code']} {catalogue('en').render(problem)}")
        if operator is not None and c["operator_id"] != operator.operator_id:
            problems.append(
                f"{where(c['site'])}: cell {c['code']} is another operator's; it joins by a tenancy request"
            )


def _operator_sites_are_proposals(conn, codes, table, where, problems, report) -> None:
    """An operator's sites are registrations: `proposed` (assumed when the file gives no status)."""
    given = {
        str(f.properties.get("site_code") or f.properties.get("code")).strip(): f.properties.get("status")
        for f in table.features
    }
    for code, status in conn.execute(
        text("SELECT code, status FROM sites WHERE code = ANY(:c)"), {"c": codes}
    ):
        if given.get(code) not in (None, "") and status != "proposed":
            problems.append(
                f"{where(code)}: status '{status}': operators register sites as proposed; the Department approves them"
            )
    conn.execute(
        text(
            "UPDATE sites SET status = 'proposed', proposed_on = coalesce(proposed_on, CURRENT_DATE), "
            "commissioned_on = NULL WHERE code = ANY(:c)"
        ),
        {"c": codes},
    )
    report.warnings.append("sites registered as proposed: the Department approves them")


def _check_places(conn, codes, where, problems, scope: Scope) -> None:
    spacing = get_settings().min_site_spacing_m
    new = conn.execute(
        text(
            "SELECT s.id, s.code, s.owner_id, s.new_structure_reason, ST_X(s.geom) AS lon, ST_Y(s.geom) AS lat "
            "FROM sites s WHERE s.code = ANY(:c) AND s.status = 'proposed' ORDER BY s.code"
        ),
        {"c": codes},
    ).all()
    for s in new:
        near = site_checks.sites_within(conn, s.lon, s.lat, spacing, s.id)
        if near:
            too_close = site_checks.spacing_problem(near[0], spacing, scope)
            problems.append(f"{where(s.code)}: {catalogue('en').render(replace(too_close, field=None))}")
            continue
        place = site_checks.place_of(conn, s.lon, s.lat)
        radius = site_checks.share_radius_m(place)
        candidates = site_checks.sharing_candidates(conn, s.lon, s.lat, s.owner_id, radius, s.id)
        if candidates and not (s.new_structure_reason or "").strip():
            sharing = site_checks.sharing_problem(candidates, radius)
            problems.append(f"{where(s.code)}: {catalogue('en').render(replace(sharing, field=None))}")
