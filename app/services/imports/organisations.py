"""The organisations register as an import target: mobile operators, fixed and cable-TV providers,
tower companies, the power company — who may own a site, a pole or a duct, or operate a cell.

A planner adds the company a new file names (a tower company, a cable-TV provider) from a table
like the sample's operators.csv or an operator's own list: "Tên viết tắt", "Tên doanh nghiệp",
"Loại hình" (Di động / Cố định / Hạ tầng / Điện lực), MCC, MNC. Short names are matched as the
importer matches an organisation's name (without case, diacritics or punctuation), so "viettel"
is Viettel: added once, updated only by an upsert.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from app import models as m
from app.services.imports.targets import Context, RowProblem, _rows, choice, text_
from gis.importers import ImportedTable
from gis.problems import Problem
from gis.vocabulary import fold_key

_PLMN_DIGITS = {"mcc": 3, "mnc": 2}  # the database's formats (operators_mnc_format)


def organisation_row(p: dict, ctx: Context, update: bool = False) -> dict:
    """One organisation of a file's row: short name, full name, kind and the PLMN of a mobile one;
    ``update``: the row changes a stored one (an upsert), whose name and kind it may leave out."""
    plmn = {key: _plmn_part(p, key) for key in _PLMN_DIGITS}
    if (plmn["mcc"] is None) != (plmn["mnc"] is None):
        missing = "mcc" if plmn["mcc"] is None else "mnc"
        raise RowProblem("organisation.plmn_incomplete", missing)
    given_kind = p.get("kind") not in (None, "")
    return dict(
        short_name=text_(p, "short_name", required=True),
        name=text_(p, "name", required=not update),
        kind=choice(p, "kind", m.OPERATOR_KINDS, None, ctx) if given_kind or not update else None,
        **plmn,
    )


def _plmn_part(p: dict, key: str) -> str | None:
    v = p.get(key)
    if v in (None, ""):
        return None
    # A spreadsheet keeps MNC 04 as the number 4 (and 452 as 452.0): the digits are what counts.
    text = str(int(v)) if isinstance(v, float) and v.is_integer() else str(v).strip()
    digits = _PLMN_DIGITS[key]
    if not text.isdigit() or len(text) > digits:
        raise RowProblem("organisation.plmn_digits", key, value=v, digits=digits)
    return text.zfill(digits)


def organisations(
    table: ImportedTable, ctx: Context, problems: list[Problem], known: dict[str, tuple[int, str]]
) -> list[tuple[int, dict]]:
    """The rows of an organisations file (``known``: the stored ones, see :func:`stored`); a short
    name given twice is refused (the second row)."""

    def build(f, p):
        update = ctx.upsert and fold_key(str(p.get("short_name") or "")) in known
        return organisation_row(p, ctx, update)

    rows = _rows(table, build, problems)
    seen: dict[str, int] = {}
    for number, row in rows:
        key = fold_key(row["short_name"])
        if key in seen:
            params = {"name": row["short_name"], "first": seen[key]}
            problems.append(
                table.place(Problem("organisation.repeated", "short_name", params=params), number)
            )
        seen.setdefault(key, number)
    return rows


def stored(conn: Connection) -> dict[str, tuple[int, str]]:
    """The stored organisations by the folded short name: (id, short name as stored)."""
    t = m.Operator.__table__
    return {fold_key(short): (op_id, short) for op_id, short in conn.execute(select(t.c.id, t.c.short_name))}
