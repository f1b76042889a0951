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

from sqlalchemy import Connection, text

from app.services import site_checks
from app.services.accounts import Principal
from app.services.imports.targets import CELL_RADIO, TABLES
from app.services.registration import manage_refusal
from app.services.scope import EVERYTHING, Scope
from app.settings import get_settings
from gis import site_rules
from gis.problems import Problem

OPERATOR_TARGETS = ("sites", "poles", "ducts", "fibre_access_points")
_TABLE_OF_TARGET = {target: TABLES[target].name for target in OPERATOR_TARGETS}
# The column naming the company a record belongs to: its owner, or an access point's operator.
_OWNER_COLUMN = {
    TABLES[t].name: "owner_id" if "owner_id" in TABLES[t].c else "operator_id" for t in OPERATOR_TARGETS
}
_KIND = {"sites": "site", "poles": "pole", "duct_routes": "duct", "fibre_access_points": "fibre access point"}


def _rows_by_code(table, *keys: str) -> dict[str, int]:
    """code → the first row/feature number that names it (by default a site_code for per-cell
    files, else the code)."""
    out: dict[str, int] = {}
    for f in table.features:
        code = next((f.properties.get(k) for k in keys or ("site_code", "code") if f.properties.get(k)), None)
        if code not in (None, ""):
            out.setdefault(str(code).strip(), f.number)
    return out


def check_upsert(
    conn: Connection, target: str, table, principal: Principal | None, problems: list[Problem]
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
            problems.append(table.place(refusal, rows[code]))


def check(
    conn: Connection,
    target: str,
    table,
    principal: Principal | None,
    problems: list[Problem],
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

    # The rows a cell's own problem is placed at: its row in a per-cell file or a sheet of cells.
    per_cell = any(f.properties.get("site_code") for f in table.features)
    by_cell = _rows_by_code(table, "cell_code", "code") if per_cell else {}
    cell_of_sheet = _rows_by_code(cells, "cell_code", "code") if cells is not None else {}

    def place(problem: Problem, code: str, cell: str | None = None) -> Problem:
        """``problem`` of site ``code`` (or of its cell ``cell``) at the row that names it."""
        if cell is not None and cell in cell_of_sheet:
            return cells.place(problem, cell_of_sheet[cell])
        if cell is not None and cell in by_cell:
            return table.place(problem, by_cell[cell])
        if code in rows:
            return table.place(problem, rows[code])
        if code in cell_rows:
            return cells.place(problem, cell_rows[code])
        return table.place(problem)

    operator = principal if principal is not None and principal.role == "operator" else None
    if target == "cells":  # rows name their sites: every cell of those sites passes the rules
        _check_cells(conn, sorted(rows), operator, place, problems)
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
            problems.append(place(Problem("bulk.not_own", params={"code": code, "owner": owner}), code))
    if target != "sites":
        return
    _check_cells(conn, sorted(set(codes) | set(cell_rows)), operator, place, problems)
    if operator is not None:
        _operator_sites_are_proposals(conn, codes, table, place, problems, report)
    if new_registrations:
        _check_places(conn, codes, place, problems, EVERYTHING if principal is None else Scope.of(principal))


def _check_cells(conn, codes, operator, place, problems) -> None:
    cells = conn.execute(
        text(
            f"SELECT s.code AS site, s.height_m, c.code, c.operator_id, {', '.join('c.' + k for k in CELL_RADIO)} "
            "FROM cells c JOIN sites s ON s.id = c.site_id WHERE s.code = ANY(:codes) ORDER BY c.code"
        ),
        {"codes": codes},
    ).mappings()
    for c in cells:
        for problem in site_rules.cell_problems(c, c["height_m"]):
            problems.append(place(problem, c["site"], c["code"]))
        if operator is not None and c["operator_id"] != operator.operator_id:
            not_own = Problem("bulk.cell_not_own", "operator", params={"cell": c["code"]})
            problems.append(place(not_own, c["site"], c["code"]))


def _operator_sites_are_proposals(conn, codes, table, place, problems, report) -> None:
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
                place(Problem("bulk.status_not_proposed", "status", params={"status": status}), code)
            )
    conn.execute(
        text(
            "UPDATE sites SET status = 'proposed', proposed_on = coalesce(proposed_on, CURRENT_DATE), "
            "commissioned_on = NULL WHERE code = ANY(:c)"
        ),
        {"c": codes},
    )
    report.warnings.append(table.place(Problem("bulk.registered_as_proposed")))


def _check_places(conn, codes, place, problems, scope: Scope) -> None:
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
            problems.append(place(site_checks.spacing_problem(near[0], spacing, scope), s.code))
            continue
        radius = site_checks.share_radius_m(site_checks.place_of(conn, s.lon, s.lat))
        candidates = site_checks.sharing_candidates(conn, s.lon, s.lat, s.owner_id, radius, s.id)
        if candidates and not (s.new_structure_reason or "").strip():
            problems.append(place(site_checks.sharing_problem(candidates, radius), s.code))
