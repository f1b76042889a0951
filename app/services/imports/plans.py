"""Plans as an import target: a plan as a Department sends it, in one XLSX workbook.

Sheet "Kế hoạch" holds the plan as label/value rows (Mã kế hoạch, Tên kế hoạch, Số hiệu, Ngày ban
hành dd/mm/yyyy, Cơ quan ban hành, Từ năm, Đến năm, Tính trên địa giới ngày, Ghi chú); sheet "Chỉ
tiêu" one row per indicator (Mã chỉ tiêu, Tên chỉ tiêu, Tên tiếng Anh, Đơn vị, Cách tính, Giá trị chỉ
tiêu, Năm đạt). An indicator already known is reused (its name, unit and method are the measure's:
the file may not change its unit or method) with the plan's own target; a new one is added when its
unit and method are ones we measure (units and methods read through the vocabulary, domains
``indicator_unit`` and ``method``).

XLSX only: the plan's fields and its targets are one document, and the import door
(/api/import, ``app.cli import``) carries no per-target form fields; a CSV is refused with
``plans.xlsx_only``. All or nothing, every problem named; an existing plan code is refused unless
the import is an upsert, which replaces the plan's fields and targets (each changed target noted in
its history, as an edit is).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Connection, insert, text

from app import models as m
from app.services.imports.targets import Context, choice
from app.services.imports.values import RowProblem, day, integer, num, text_
from app.services.reports.targets import MAX_BY_UNIT
from gis.importers.workbook import read_sheets
from gis.problems import Problem
from gis.vocabulary import Vocabulary, fold_key

PLAN_SHEETS = ("ke_hoach", "plan", "thong_tin_ke_hoach", "thong_tin")
TARGET_SHEETS = ("chi_tieu", "targets", "danh_sach_chi_tieu", "indicators", "cac_chi_tieu")
# Labels of the plan sheet and headers of the targets sheet, folded (fold_key) → field.
PLAN_LABELS = {
    **dict.fromkeys(("ma_ke_hoach", "ma", "code"), "code"),
    **dict.fromkeys(("ten_ke_hoach", "ten", "title"), "title"),
    **dict.fromkeys(("so_hieu", "so_ky_hieu", "so_hieu_van_ban", "so_van_ban", "decision"), "decision"),
    **dict.fromkeys(("ngay_ban_hanh", "issued_on"), "issued_on"),
    **dict.fromkeys(("co_quan_ban_hanh", "issuer"), "issuer"),
    **dict.fromkeys(("tu_nam", "tu_ngay", "period_from"), "period_from"),
    **dict.fromkeys(("den_nam", "den_ngay", "period_to"), "period_to"),
    **dict.fromkeys(("tinh_tren_dia_gioi_ngay", "dia_gioi_ngay", "judged_on"), "judged_on"),
    **dict.fromkeys(("ghi_chu", "note"), "note"),
    **dict.fromkeys(("ma_dia_ban", "dia_ban_ma", "ma_don_vi_hanh_chinh", "area_code"), "area_code"),
}
TARGET_COLUMNS = {
    **dict.fromkeys(("ma_chi_tieu", "ma", "id", "indicator_id"), "id"),
    **dict.fromkeys(("ten_chi_tieu", "chi_tieu", "ten", "name_vi"), "name_vi"),
    **dict.fromkeys(("ten_tieng_anh", "ten_tieng_anh_neu_co", "english_name", "name_en"), "name_en"),
    **dict.fromkeys(("don_vi", "don_vi_tinh", "unit"), "indicator_unit"),
    **dict.fromkeys(("cach_tinh", "phuong_phap", "phuong_phap_tinh", "method"), "method"),
    **dict.fromkeys(("gia_tri_chi_tieu", "gia_tri", "muc_tieu", "target", "target_value"), "target_value"),
    **dict.fromkeys(("nam_dat", "nam", "target_year"), "target_year"),
}
_REQUIRED_COLUMNS = ("id", "target_value")
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")
_INDICATOR_ID = re.compile(r"[a-z][a-z0-9_]{1,63}")


@dataclass
class PlanFile:
    """What the workbook says, once read: the plan's fields, its targets (row number, values), the
    indicators it adds, and how its columns and values were read (the import report's mapping)."""

    name: str
    plan: dict = field(default_factory=dict)
    targets: list[tuple[int, dict]] = field(default_factory=list)
    new_indicators: list[dict] = field(default_factory=list)
    mapping: dict = field(default_factory=dict)


def read_plan(
    conn: Connection, path: Path, vocabulary: Vocabulary, problems: list[Problem], *, upsert: bool = False
) -> PlanFile:
    """Read and check the workbook at ``path`` against the stored plans and indicators; every
    problem is added to ``problems`` (nothing is written here)."""
    found = PlanFile(path.name)
    if path.suffix.lower() != ".xlsx":
        problems.append(Problem("plans.xlsx_only", source=path.name, params={"format": path.suffix}))
        return found
    # A plan sheet is labels and values, not a table: every row from the first is read.
    sheets = {fold_key(s.title): s for s in read_sheets(path, find_header=False)}
    plan_sheet = next((sheets[k] for k in PLAN_SHEETS if k in sheets), None)
    target_sheet = next((sheets[k] for k in TARGET_SHEETS if k in sheets), None)
    for sheet, name in ((plan_sheet, "Kế hoạch"), (target_sheet, "Chỉ tiêu")):
        if sheet is None:
            problems.append(Problem("plans.missing_sheet", source=path.name, params={"sheet": name}))
    if plan_sheet is None or target_sheet is None:
        return found
    plan_source, target_source = (f"{path.name} › {s.title}" for s in (plan_sheet, target_sheet))
    refused: list[Problem] = []
    rows = [plan_sheet.header, *(v for _, v in plan_sheet.records)]
    found.plan = _plan_fields(conn, rows, upsert, refused)  # {} when its fields could not be read
    problems.extend(p.at(source=plan_source) for p in refused)
    ctx = Context.load(conn, vocabulary=vocabulary)
    _targets(conn, found, target_sheet, ctx, problems, target_source)
    found.mapping["values"] = [
        {"field": f, "value": v, "code": code} for (f, v), code in sorted(ctx.resolved.items())
    ]
    return found


def _plan_fields(conn: Connection, rows: list[list], upsert: bool, problems: list[Problem]) -> dict:
    given: dict = {}
    for values in rows:
        label = fold_key(values[0]) if values and values[0] not in (None, "") else ""
        key = PLAN_LABELS.get(label)
        if key is not None:
            given[key] = next((v for v in values[1:] if v not in (None, "")), None)
    try:
        plan = {
            "code": text_(given, "code", required=True),
            "title": text_(given, "title", required=True),
            "decision": text_(given, "decision"),
            "issued_on": day(given, "issued_on"),
            "issuer": text_(given, "issuer"),
            "period_from": _year_or_day(given, "period_from", first=True),
            "period_to": _year_or_day(given, "period_to", first=False),
            "judged_on": day(given, "judged_on"),
            "note": text_(given, "note"),
            "area_code": text_(given, "area_code"),
        }
    except RowProblem as exc:
        problems.append(exc.problem)
        return {}
    if not _CODE.fullmatch(plan["code"]):
        problems.append(Problem("plans.bad_code", "code", params={"code": plan["code"]}))
    if plan["period_to"] < plan["period_from"]:
        params = {"period_from": str(plan["period_from"]), "period_to": str(plan["period_to"])}
        problems.append(Problem("plans.period_reversed", "period_to", params=params))
    if plan["area_code"] is not None and not _unit_known(conn, plan["area_code"], plan["judged_on"]):
        params = {"area": plan["area_code"], "day": str(plan["judged_on"] or "")}
        problems.append(Problem("plans.unknown_area", "area_code", params=params))
    stored = conn.execute(text("SELECT 1 FROM plans WHERE code = :c"), {"c": plan["code"]}).first()
    if stored is not None and not upsert:
        problems.append(Problem("plans.exists", "code", params={"code": plan["code"]}))
    return plan


def _unit_known(conn: Connection, code: str, on: date | None) -> bool:
    """Whether a unit of ``code`` is in force on ``on`` (any day when the plan is judged on each
    report's own)."""
    day = "coalesce(CAST(:on AS date), u.valid_from)"
    return (
        conn.execute(
            text(
                f"SELECT 1 FROM admin_units u WHERE u.code = :c AND u.level IN ('province', 'district', 'commune') "
                f"AND u.valid_from <= {day} AND (u.valid_to IS NULL OR u.valid_to > {day}) LIMIT 1"
            ),
            {"c": code, "on": on},
        ).first()
        is not None
    )


def _year_or_day(given: dict, key: str, *, first: bool) -> date:
    """ "2026" is the year's first (``first``) or last day; a date is itself."""
    v = given.get(key)
    if v in (None, ""):
        raise RowProblem("value.required", key)
    if isinstance(v, int | float | str) and re.fullmatch(r"\d{4}(\.0)?", str(v).strip()):
        year = int(float(str(v)))
        return date(year, 1, 1) if first else date(year, 12, 31)
    return day(given, key)


def _targets(conn, found: PlanFile, sheet, ctx: Context, problems: list[Problem], source: str) -> None:
    header = [str(h).strip() if h is not None else "" for h in sheet.header]
    fields = [TARGET_COLUMNS.get(fold_key(h)) if h else None for h in header]
    found.mapping.update(
        columns=[
            {"column": h, "field": f, "coordinate": False} for h, f in zip(header, fields, strict=True) if h
        ],
        unrecognised=[h for h, f in zip(header, fields, strict=True) if h and f is None],
        crs="",
        axis_order="",
        profile=None,
    )
    missing = [f for f in _REQUIRED_COLUMNS if f not in fields]
    if missing:
        problems.append(Problem("plans.missing_columns", source=source, params={"fields": missing}))
        return
    known = {r.id: r for r in conn.execute(text("SELECT id, name_vi, name_en, unit, method FROM indicators"))}
    plan, seen = found.plan, {}
    for number, values in sheet.records:
        p = {f: v for f, v in zip(fields, values, strict=False) if f is not None and v not in (None, "")}
        try:
            row = _target_row(p, ctx, known, plan)
        except RowProblem as exc:
            problems.append(exc.problem.at(row=number, source=source))
            continue
        if row["id"] in seen:
            params = {"indicator": row["id"], "first": seen[row["id"]]}
            problems.append(Problem("plans.duplicate_indicator", "id", number, params, source))
            continue
        seen[row["id"]] = number
        if row.pop("new"):
            found.new_indicators.append({k: row[k] for k in ("id", "name_vi", "name_en", "unit", "method")})
        found.targets.append((number, {k: row[k] for k in ("id", "target_value", "target_year")}))
    if not sheet.records:
        problems.append(Problem("plans.no_targets", source=source))


def _target_row(p: dict, ctx: Context, known: dict, plan: dict) -> dict:
    indicator = text_(p, "id", required=True)
    if not _INDICATOR_ID.fullmatch(indicator):
        raise RowProblem("plans.bad_indicator_id", "id", indicator=indicator)
    stored = known.get(indicator)
    unit = (
        choice(p, "indicator_unit", m.INDICATOR_UNITS, None, ctx)
        if "indicator_unit" in p or stored is None
        else None
    )
    method = choice(p, "method", m.INDICATOR_METHODS, None, ctx) if "method" in p or stored is None else None
    if stored is not None:
        for key, column, value in (("indicator_unit", "unit", unit), ("method", "method", method)):
            if value is not None and value != getattr(stored, column):
                params = {"indicator": indicator, "stored": getattr(stored, column), "given": value}
                raise RowProblem("plans.indicator_differs", key, **params)
        unit = stored.unit
    value = Decimal(str(num(p, "target_value", required=True))).quantize(Decimal("0.001"))
    if value < 0:
        raise RowProblem("plans.negative_target", "target_value", value=float(value))
    ceiling = MAX_BY_UNIT.get(unit)
    if ceiling is not None and value > ceiling:
        raise RowProblem("plans.over_100", "target_value", value=float(value), indicator=indicator)
    # A period refused already (reversed) bounds no year.
    ordered = plan and plan["period_from"] <= plan["period_to"]
    first, last = (plan["period_from"].year, plan["period_to"].year) if ordered else (None, None)
    year = integer(p, "target_year", default=last)
    if year is None:  # neither written nor given by a valid period
        raise RowProblem("value.required", "target_year")
    if first is not None and not first <= year <= last:
        raise RowProblem("plans.year_outside", "target_year", year=year, first=first, last=last)
    name_vi = text_(p, "name_vi", required=stored is None)
    return {
        "id": indicator,
        "new": stored is None,
        "name_vi": name_vi,
        "name_en": text_(p, "name_en", default=name_vi),
        "unit": unit,
        "method": method,
        "target_value": value,
        "target_year": year,
    }


def write_plan(conn: Connection, found: PlanFile, *, note: str) -> dict[str, int]:
    """Write a checked plan (its new indicators, the plan, its targets in file order); an existing
    plan (an upsert) is replaced, each changed target noted in its history with ``note``."""
    plan = found.plan
    before = {
        r.indicator_id: r
        for r in conn.execute(
            text("SELECT indicator_id, target_value, target_year FROM plan_targets WHERE plan_code = :c"),
            {"c": plan["code"]},
        )
    }
    if found.new_indicators:
        conn.execute(insert(m.Indicator.__table__), found.new_indicators)
    updated = conn.execute(
        text(
            "UPDATE plans SET title = :title, decision = :decision, issued_on = :issued_on, issuer = :issuer, "
            "period_from = :period_from, period_to = :period_to, judged_on = :judged_on, note = :note, "
            "area_code = :area_code "
            "WHERE code = :code"
        ),
        plan,
    ).rowcount
    if not updated:
        conn.execute(insert(m.Plan.__table__), [plan])
    conn.execute(text("DELETE FROM plan_targets WHERE plan_code = :c"), {"c": plan["code"]})
    rows = [
        {
            "plan_code": plan["code"],
            "indicator_id": t["id"],
            "target_value": t["target_value"],
            "target_year": t["target_year"],
            "position": i,
        }
        for i, (_, t) in enumerate(found.targets, start=1)
    ]
    conn.execute(insert(m.PlanTarget.__table__), rows)
    changed = [
        {
            "plan": plan["code"],
            "id": t["id"],
            "old": before[t["id"]].target_value,
            "new": t["target_value"],
            "old_year": before[t["id"]].target_year,
            "new_year": t["target_year"],
            "note": note,
        }
        for _, t in found.targets
        if t["id"] in before
        and (before[t["id"]].target_value, before[t["id"]].target_year)
        != (t["target_value"], t["target_year"])
    ]
    if changed:
        conn.execute(
            text(
                "INSERT INTO indicator_target_history (plan_code, indicator_id, old_value, new_value, old_year, "
                "new_year, changed_by, note) VALUES (:plan, :id, :old, :new, :old_year, :new_year, "
                "nullif(current_setting('hg.actor', true), ''), :note)"
            ),
            changed,
        )
    return {
        "plans_inserted" if not updated else "plans_updated": 1,
        "indicators": len(found.new_indicators),
        "plan_targets": len(rows),
    }
