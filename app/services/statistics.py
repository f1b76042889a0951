"""Reported statistics: read and save one unit's figures for a quarter (the dashboard's form),
import a CSV/XLSX of many (one row per unit and quarter), and the downloadable template.

Every write is all or nothing in one transaction: each figure is checked on its own (no negative
counts, shares ≤ 100 %) and with the others of its unit and quarter, stored ones included (parts
within wholes, subscriptions consistent with the population) — see ``gis.reported``. Closed
quarters are frozen and refuse writes; quarters that have not started yet cannot be reported.
"""

from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.collections import IN_FORCE_ON
from app.errors import InvalidParameter, not_found
from app.services.derived_statistics import through_lineage
from app.services.exports.layers import (
    FORMATS,
    XLSX_MEDIA,
    ExportFile,
    export_filename,
    write_csv,
    write_workbook,
)
from app.services.imports.importer import ImportFailed
from app.services.reports import snapshots
from app.services.reports.indicators import parse_period
from app.services.reports.indicators_sql import Scope
from app.services.reports.periods import today
from app.services.scope import check_unit
from gis.importers import ImportRefused
from gis.importers.readers import read_rows
from gis.indicators import Quarter
from gis.problems import Problem
from gis.reported import METRICS, ReportedRow, check_figures, number, parse_figure, parse_rows

REPORTING_LEVELS = ("province", "district", "commune")


def metric_catalogue() -> list[dict]:
    return [
        {"key": m.key, "kind": m.kind, "label_vi": m.label_vi, "label_en": m.label_en}
        for m in METRICS.values()
    ]


def units_day(period: str) -> date:
    """The day whose units a quarter's figures are about: its last day (today while it runs), so
    figures of a quarter before a reform belong to the units of then (a former district)."""
    return min(Quarter.parse(period).last_day, today())


def _units(session: Session, day: date) -> dict[str, dict]:
    """code → the reporting units in force on ``day``."""
    rows = session.execute(
        text(
            "SELECT u.id, u.code, u.name, u.level, u.population, u.households FROM admin_units u "
            f"WHERE u.level = ANY(:levels) AND {IN_FORCE_ON.format(a='u', day=':day')}"
        ),
        {"levels": list(REPORTING_LEVELS), "day": day},
    )
    return {r.code: dict(r._mapping) for r in rows}


def _stored(
    session: Session, unit_ids: list[int], periods: list[str]
) -> dict[tuple[int, str], dict[str, Decimal]]:
    found: dict[tuple[int, str], dict[str, Decimal]] = {}
    rows = session.execute(
        text(
            "SELECT admin_unit_id, period, metric, value FROM statistics "
            "WHERE admin_unit_id = ANY(:ids) AND period = ANY(:periods)"
        ),
        {"ids": unit_ids, "periods": periods},
    )
    for unit_id, period, metric, value in rows:
        found.setdefault((unit_id, period), {})[metric] = value
    return found


def _period_problem(session: Session, period: str) -> Problem | None:
    if snapshots.closed_period(session, period) is not None:
        return Problem("stats.period_closed", params={"period": period})
    if Quarter.parse(period).start > today():
        return Problem("stats.period_not_started", params={"period": period})
    return None


def get_figures(session: Session, code: str, period: str, *, district_code: str | None = None) -> dict:
    """One unit's reported figures for a quarter (None = not reported), with the catalogue. A unit a
    reform replaced before the quarter's day (a former district, for a plan judged on them) is read
    as it stood on its last day, with the counts carried back to it from the new communes along the
    lineage (``derived``: read-only, entered on the new communes)."""
    quarter = str(parse_period(period))
    day = units_day(quarter)
    on = day if code in _units(session, day) else _last_day(session, code, day)
    check_unit(session, code, district_code, on=on)
    unit = _units(session, on).get(code)
    if unit is None:
        raise not_found("notfound.statistics_unit", code=code)
    stored = _stored(session, [unit["id"]], [quarter]).get((unit["id"], quarter), {})
    return {
        "unit": {k: unit[k] for k in ("code", "name", "level", "population", "households")},
        "period": quarter,
        "units_on": on,
        "replaced": on < day,
        "closed": snapshots.closed_period(session, quarter) is not None,
        "figures": {key: _plain(stored.get(key)) for key in METRICS},
        "derived": _derived(session, unit, quarter, on) if on < day else {},
        "metrics": metric_catalogue(),
    }


def _last_day(session: Session, code: str, day: date) -> date:
    """The last day of reporting unit ``code`` when a reform ended it by ``day`` (else ``day``)."""
    ended = session.execute(
        text(
            "SELECT max(valid_to) - 1 FROM admin_units WHERE code = :c AND level = ANY(:levels) AND valid_to <= :d"
        ),
        {"c": code, "levels": list(REPORTING_LEVELS), "d": day},
    ).scalar_one()
    return ended or day


def _derived(session: Session, unit: dict, quarter: str, on: date) -> dict[str, dict]:
    """metric → the count carried back to the replaced ``unit`` (as of ``on``) and how."""
    carried: dict[int, dict] = {}
    how = through_lineage(session, Scope(unit["level"], units_on=on), quarter, carried)
    return {
        metric: {"value": _plain(Decimal(str(carried[unit["id"]][metric]))), **d}
        for metric, d in how.get(unit["id"], {}).items()
    }


def _plain(value: Decimal | None) -> int | float | None:
    return None if value is None else number(value)


def save_figures(
    session: Session, code: str, period: str, figures: dict[str, object], *, district_code: str | None = None
) -> dict:
    """Set one unit's figures for a quarter from the form; a null figure removes a stored one."""
    quarter = str(parse_period(period))
    check_unit(session, code, district_code, on=units_day(quarter))
    problems, values, removed = [], {}, []
    for key, raw in figures.items():
        metric = METRICS.get(key)
        if metric is None:
            problems.append(Problem("stats.unknown_metric", params={"metric": key, "known": list(METRICS)}))
            continue
        value, problem = parse_figure(raw, metric)
        if problem:
            problems.append(problem)
        elif value is None:
            removed.append(key)
        else:
            values[key] = value
    if problems:
        raise ImportFailed(problems)
    _write(session, [ReportedRow(0, code, quarter, values)], removed={(code, quarter): removed})
    session.commit()
    return get_figures(session, code, quarter, district_code=district_code)


def _write(
    session: Session,
    rows: list[ReportedRow],
    *,
    removed=None,
    source: str | None = None,
    recorded: bool = False,
) -> int:
    """Check ``rows`` against the units, the quarters and the stored figures, then upsert them.
    Problems name the row of ``source`` (a file); the form's one row (number 0) has none."""
    removed = removed or {}
    by_period = {p: _units(session, units_day(p)) for p in {r.period for r in rows}}
    problems = []

    def refuse(row: ReportedRow, problem: Problem) -> None:
        problems.append(problem.at(row=row.number or None, source=source))

    for row in rows:
        if row.code not in by_period[row.period]:
            refuse(row, Problem("stats.unknown_unit", params={"unit": row.code}))
        elif not recorded and (problem := _period_problem(session, row.period)):
            refuse(row, problem)
    if problems:
        raise ImportFailed(problems)
    stored = _stored(session, [by_period[r.period][r.code]["id"] for r in rows], sorted(by_period))
    writes, deletes = [], []
    for row in rows:
        unit = by_period[row.period][row.code]
        merged = dict(stored.get((unit["id"], row.period), {}))
        for key in removed.get((row.code, row.period), []):
            merged.pop(key, None)
            deletes.append({"unit": unit["id"], "period": row.period, "metric": key})
        merged.update(row.figures)
        for problem in check_figures(merged, unit["population"], unit["households"]):
            refuse(row, problem)
        writes += [
            {"unit": unit["id"], "period": row.period, "metric": k, "value": v}
            for k, v in row.figures.items()
        ]
    if problems:
        raise ImportFailed(problems)
    if deletes:
        session.execute(
            text(
                "DELETE FROM statistics WHERE admin_unit_id = :unit AND period = :period AND metric = :metric"
            ),
            deletes,
        )
    if writes:
        session.execute(
            text(
                "INSERT INTO statistics (admin_unit_id, period, metric, value) VALUES (:unit, :period, :metric, :value) "
                "ON CONFLICT ON CONSTRAINT statistics_unit_period_metric_key DO UPDATE SET value = EXCLUDED.value"
            ),
            writes,
        )
    return len(writes)


def import_statistics(
    session: Session, path: Path, *, dry_run: bool = False, district_code: str | None = None
) -> dict:
    """Import a statistics table (CSV/XLSX, wide or long): every row or none; a dry run checks
    everything, database constraints included, and writes nothing. The report's ``warnings`` are
    Problems (the caller says them in its reader's language); a refusal is ImportFailed."""
    try:
        report = write_statistics(session, path, district_code=district_code)
    except BaseException:
        session.rollback()
        raise
    if dry_run:
        session.rollback()
    else:
        session.commit()
    return {**report, "dry_run": dry_run}


def write_statistics(
    session: Session, path: Path, *, district_code: str | None = None, recorded: bool = False
) -> dict:
    """The work of :func:`import_statistics` in the caller's transaction (the seed loads a whole
    province in one). ``recorded``: the figures are a register as recorded (the sample province),
    loaded whatever quarters are closed or not begun; every other check applies."""
    try:
        fmt, header, raw_rows = read_rows(Path(path))
    except ImportRefused as exc:
        raise ImportFailed(exc.problems) from exc
    rows, problems, warnings = parse_rows(Path(path).name, header, raw_rows)
    if problems:
        raise ImportFailed(problems)
    if district_code is not None:
        for row in rows:
            check_unit(session, row.code, district_code, on=units_day(row.period))
    written = _write(session, rows, source=Path(path).name, recorded=recorded)
    return {
        "file": Path(path).name,
        "format": fmt,
        "counts": {"rows": len(rows), "figures": written},
        "periods": sorted({r.period for r in rows}),
        "warnings": warnings,
    }


TEMPLATE_COLUMNS = ("ma_don_vi", "ten_don_vi", "ky")


def write_template(
    session: Session, period: str, fmt: str, directory: Path, *, district_code: str | None = None
) -> ExportFile:
    """The import template: one row per province/district (those in scope) for ``period``, with
    the figures stored so far, so the same file is filled in and imported back."""
    quarter = str(parse_period(period))
    if fmt not in ("csv", "xlsx"):
        raise InvalidParameter(f"unsupported format '{fmt}'; valid formats: csv, xlsx")
    units = [
        u for u in _units(session, units_day(quarter)).values() if u["level"] in ("province", "district")
    ]
    if district_code is not None:
        units = [u for u in units if u["code"] == district_code]
    units.sort(key=lambda u: (REPORTING_LEVELS.index(u["level"]), u["code"]))
    stored = _stored(session, [u["id"] for u in units], [quarter])
    columns = [*TEMPLATE_COLUMNS, *METRICS]
    rows = [
        [u["code"], u["name"], quarter, *(_plain(stored.get((u["id"], quarter), {}).get(k)) for k in METRICS)]
        for u in units
    ]
    filename = export_filename(f"mau_so_lieu_{quarter}", fmt)
    path = directory / filename
    if fmt == "csv":
        write_csv(path, columns, rows)
        return ExportFile(path, filename, FORMATS["csv"].media_type)
    labels = {
        "ma_don_vi": ("Mã đơn vị", "Unit code"),
        "ten_don_vi": ("Tên đơn vị", "Unit name"),
        "ky": ("Kỳ báo cáo (YYYY-Qn)", "Period (YYYY-Qn)"),
    } | {
        m.key: (f"{m.label_vi} — {'%, 0–100' if m.kind == 'pct' else 'số nguyên ≥ 0'}", m.label_en)
        for m in METRICS.values()
    }
    write_workbook(path, "Số liệu", columns, rows, {k: METRICS[k].kind for k in METRICS}, labels)
    return ExportFile(path, filename, XLSX_MEDIA)
