"""Import a field file (GeoJSON, GeoPackage, zipped Shapefile, KML/KMZ, CSV, XLSX, OpenCelliD) into
one target layer — the one code path behind `python -m app.cli import` and `POST /api/import`.

All or nothing: every row is checked and inserted in one transaction; any problem rolls it all
back and is reported with its file and row/feature number. A dry run does the same work, database
constraints included, and always rolls back. Imports add rows; an existing code is refused —
except admin units, whose matching codes are updated in place (ids, and so every reference from
commune offices, statistics and computed results, stay valid) and whose new codes are inserted.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from geoalchemy2.shape import from_shape, to_shape
from sqlalchemy import Connection, Engine, insert, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from app import models as m
from app.services import bulk_rules
from app.services import import_targets as targets
from app.services.accounts import Principal
from app.services.audit import Actor
from app.services.loader import AdminRecord, load_admin_units
from app.services.loader_infra import LoadError, ids_by
from gis.importers import ImportRefused, outside_problems, read_table
from gis.text import fold_vi

TARGETS = ("admin_units", "sites", "poles", "ducts", "fibre_access_points", "commune_offices", "speed_tests")


class ImportFailed(LoadError):
    """The file was refused; ``problems`` lists every reason with its row/feature number."""

    status_code = 422

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(
            "; ".join(problems[:20]) + (f" … ({len(problems)} problems)" if len(problems) > 20 else "")
        )


@dataclass
class ImportReport:
    target: str
    file: str
    format: str
    crs: str
    dry_run: bool
    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return asdict(self)


def import_file(engine: Engine, path: str | Path, target: str, *, crs: str | None = None,
                dry_run: bool = False, layer: str | None = None, actor: Actor | None = None,
                principal: Principal | None = None) -> ImportReport:  # fmt: skip
    """Read ``path``, check it against the database and write it into ``target`` (or not, if dry).
    ``actor`` is who the audit trail names; ``principal`` (when an operator) limits the file to that
    company's records and makes its sites registrations (app/services/bulk_rules.py)."""
    started = time.perf_counter()
    if target not in TARGETS:
        raise ImportFailed([f"unknown target '{target}' (one of {', '.join(TARGETS)})"])
    try:
        table = read_table(Path(path), crs=crs, layer=layer)
    except ImportRefused as exc:
        raise ImportFailed(exc.problems) from exc
    if table.opencellid and target != "sites":
        raise ImportFailed([f"{table.name}: an OpenCelliD file can only be imported into 'sites'"])
    report = ImportReport(target, table.name, table.format, table.crs, dry_run, warnings=list(table.warnings))
    with engine.connect() as conn:
        trans = conn.begin()
        if actor is not None:
            actor.apply(conn)
        try:
            problems = _province_check(conn, table, report)
            if not problems:
                report.counts = _WRITERS[target](conn, table, problems, report)
            if not problems:
                bulk_rules.check(conn, target, table, principal, problems, report)
            if problems:
                raise ImportFailed(problems)
        except BaseException:
            trans.rollback()
            raise
        if dry_run:
            trans.rollback()
        else:
            trans.commit()
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _province_check(conn: Connection, table, report: ImportReport) -> list[str]:
    t = m.AdminUnit.__table__
    geom = conn.execute(select(t.c.geom).where(t.c.level == "province", t.c.valid_to.is_(None))).scalar()
    if geom is None:
        report.warnings.append("no province loaded: features are not checked against its boundary")
        return []
    return outside_problems(table, to_shape(geom))


def _insert(conn: Connection, table_obj, rows: list[tuple[int, dict]], where, problems: list[str]) -> None:
    """Bulk insert; when the database refuses, retry row by row (savepoints) to name the rows."""
    if not rows:
        return
    try:
        with conn.begin_nested():
            conn.execute(insert(table_obj), [r for _, r in rows])
        return
    except (IntegrityError, DBAPIError):
        pass
    for number, row in rows:
        try:
            with conn.begin_nested():
                conn.execute(insert(table_obj), [row])
        except (IntegrityError, DBAPIError) as exc:
            detail = str(exc.orig).splitlines()[0] if exc.orig else str(exc)
            problems.append(f"{where(number)}: refused by the database ({detail})")
        if len(problems) > 50:
            break


def _write_sites(conn, table, problems, report):
    ctx = targets.Context.load(conn)
    site_rows, cell_rows, tenants = targets.sites(table, ctx, problems)
    _note_defaults(ctx, report)
    if problems:
        return {}
    _insert(conn, m.Site.__table__, site_rows, table.where, problems)
    if problems:
        return {}
    site_ids = ids_by(conn, m.Site.__table__)
    for _, cell in cell_rows:
        cell["site_id"] = site_ids[cell.pop("site_code")]
    _insert(conn, m.Cell.__table__, cell_rows, table.where, problems)
    links = [{"site_id": site_ids[code], "operator_id": op} for code, op in tenants]
    if links and not problems:
        conn.execute(insert(m.SiteTenancy.__table__), links)
    return {"sites": len(site_rows), "cells": len(cell_rows), "site_tenancies": len(links)}


def _layer_writer(build, table_obj, link=None):
    def write(conn, table, problems, report):
        ctx = targets.Context.load(conn)
        rows = build(table, ctx, problems)
        _note_defaults(ctx, report)
        if problems:
            return {}
        linked = [(row["code"], row.pop("_links", [])) for _, row in rows]
        _insert(conn, table_obj, rows, table.where, problems)
        counts = {table_obj.name: len(rows)}
        if link and not problems:
            link_table, key = link
            ids = ids_by(conn, table_obj)
            links = [{key: ids[code], "operator_id": op} for code, ops in linked for op in dict.fromkeys(ops)]
            if links:
                conn.execute(insert(link_table), links)
            counts[link_table.name] = len(links)
        return counts

    return write


def _note_defaults(ctx, report: ImportReport) -> None:
    if ctx.defaults_used:
        report.warnings.append(
            "values assumed where the file has none: " + ", ".join(sorted(ctx.defaults_used))
        )


def _write_admin_units(conn, table, problems, report):
    by_level: dict[str, list[tuple[int, dict]]] = {"district": [], "commune": [], "hamlet": []}
    for f in table.features:
        try:
            level, rec = targets.admin_record(f)
        except targets.RowProblem as exc:
            problems.append(f"{table.where(f.number)}: {exc}")
            continue
        by_level[level].append((f.number, rec))
    if problems:
        return {}
    t = m.AdminUnit.__table__
    counts = {}
    for level, recs in by_level.items():  # parents first, so new children find them
        if not recs:
            continue
        existing = dict(
            conn.execute(select(t.c.code, t.c.id).where(t.c.level == level, t.c.valid_to.is_(None))).all()
        )
        parents = {} if level == "district" else dict(conn.execute(select(t.c.code, t.c.id).where(
            t.c.level == {"commune": "district", "hamlet": "commune"}[level], t.c.valid_to.is_(None))).all())  # fmt: skip
        if level == "district":
            parents = dict(conn.execute(select(t.c.code, t.c.id).where(t.c.level == "province")).all())
        updated, new = 0, []
        for number, rec in recs:
            parent_id = parents.get(rec["parent_code"] or "")
            if rec["parent_code"] and parent_id is None:
                problems.append(f"{table.where(number)}: unknown parent code '{rec['parent_code']}'")
                continue
            if rec["code"] in existing:
                values = dict(name=rec["name"], name_folded=fold_vi(rec["name"]),
                              geom=from_shape(rec["geometry"], srid=m.SRID))  # fmt: skip
                for key in ("kind", "population", "households"):
                    if rec[key] is not None:
                        values[key] = rec[key]
                if parent_id is not None:
                    values["parent_id"] = parent_id
                conn.execute(update(t).where(t.c.id == existing[rec["code"]]).values(**values))
                updated += 1
            else:
                new.append(AdminRecord(**rec))
        if problems:
            return {}
        try:
            with conn.begin_nested():
                inserted = load_admin_units(conn, level, new)
        except LoadError as exc:
            problems.append(f"{table.name}: {exc.description}")
            return {}
        counts[f"{level}_updated"], counts[f"{level}_inserted"] = updated, inserted
    report.warnings.extend(_nesting(conn))
    return counts


def _nesting(conn: Connection) -> list[str]:
    rows = conn.execute(text("""
        SELECT c.level, c.code, p.code FROM admin_units c JOIN admin_units p ON p.id = c.parent_id
        WHERE c.level IN ('district', 'commune', 'hamlet') AND c.valid_to IS NULL
          AND ST_Area(ST_Difference(c.geom, p.geom)) > 0.01 * ST_Area(c.geom)""")).all()  # fmt: skip
    return [f"{level} {code} is not inside its parent {parent}" for level, code, parent in rows]


_WRITERS = {
    "admin_units": _write_admin_units,
    "sites": _write_sites,
    "poles": _layer_writer(targets.poles, m.Pole.__table__, (m.PoleAttachment.__table__, "pole_id")),
    "ducts": _layer_writer(
        targets.ducts, m.DuctRoute.__table__, (m.DuctOccupancy.__table__, "duct_route_id")
    ),
    "fibre_access_points": _layer_writer(targets.fibre_access_points, m.FibreAccessPoint.__table__),
    "commune_offices": _layer_writer(targets.commune_offices, m.CommuneOffice.__table__),
    "speed_tests": _layer_writer(targets.speed_tests, m.SpeedTest.__table__),
}

__all__ = ["TARGETS", "ImportFailed", "ImportReport", "import_file"]
