"""Import a field file (GeoJSON, GeoPackage, zipped Shapefile, KML/KMZ, CSV, XLSX, OpenCelliD) into
one target layer — the one code path behind `python -m app.cli import` and `POST /api/import`.

All or nothing: every row is checked and inserted in one transaction; any problem rolls it all
back and is reported with its file and row/feature number. A dry run does the same work, database
constraints included, and always rolls back. By default imports add rows and an existing code is
refused; ``mode="upsert"`` updates the rows whose codes exist (only the columns the file has) and
inserts the others. Admin units are always upserted: matching codes are updated in place (ids,
and so every reference from commune offices, statistics and computed results, stay valid).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field, fields
from functools import partial
from pathlib import Path

import numpy as np
import shapely
from geoalchemy2.elements import WKBElement
from geoalchemy2.shape import from_shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection, Engine, delete, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import DBAPIError, IntegrityError

from app import models as m
from app.i18n import catalogue
from app.services import clock
from app.services.accounts import Principal
from app.services.audit import Actor
from app.services.imports import bodies, bulk_rules, organisations, plans, profiles, targets
from app.services.imports.loader import (
    PARENT_LEVELS,
    AdminRecord,
    LoadError,
    current_ids,
    ids_by,
    load_admin_units,
)
from app.services.imports.values import day
from app.services.imports.vocabulary import current as current_vocabulary
from app.services.region import region_geometry
from gis.importers import ImportRefused, lengths, outside_problems, ranges, read_table
from gis.importers.workbook import read_plain_table
from gis.problems import Problem
from gis.text import fold_vi
from gis.vocabulary import Vocabulary, fold_key

# Targets that say the level of their rows: a hamlet layer has no level column.
_ADMIN_LEVELS = {"districts": "district", "communes": "commune", "hamlets": "hamlet"}
_NETWORK = (
    "sites",
    "cells",
    "poles",
    "ducts",
    "manholes",
    "fibre_access_points",
    "commune_offices",
    "speed_tests",
    "tall_structures",
)
_PLAIN = ("cells", "organisations", "bodies")  # targets whose files are tables without geometry
# Targets whose files are read whole by their own module, not as one table (a plan: two sheets).
_WHOLE_FILE = ("plans",)
TARGETS = ("admin_units", *_ADMIN_LEVELS, *_NETWORK, "organisations", "bodies", *_WHOLE_FILE)
MODES = ("insert", "upsert")
# Row columns filled from other file attributes than their own name (see _update_columns).
_SOURCES = {
    "owner_id": ("owner", "operator"),
    "operator_id": ("operator", "owner"),
    "commune_id": ("commune_code",),
    "antenna_height_m": ("antenna_height_m", "height_m"),
    "duct_route_id": ("duct_route_code",),
    "material": ("material", "structure_type"),
}
_ALWAYS = ("geom", "site_id")
UPSERT_PAGE = 1000  # rows per INSERT … ON CONFLICT statement


class ImportFailed(LoadError):
    """The file was refused: ``details`` holds every reason as a :class:`Problem`, placed in its
    file; ``problems`` the same as English sentences. A plain sentence (the statistics import's, the
    bulk rules') is kept as code ``row.text``, its file and row read from its "<file> row <n>: "."""

    status_code = 422

    def __init__(self, problems: list[str | Problem]):
        self.details = [p if isinstance(p, Problem) else _as_problem(p) for p in problems]
        self.problems = self.sentences("en")
        self.mapping: dict | None = None  # the report's mapping, when the file could be read
        super().__init__(
            "; ".join(self.problems[:20])
            + (f" … ({len(self.problems)} problems)" if len(self.problems) > 20 else "")
        )

    def sentences(self, lang: str = "vi") -> list[str]:
        """Every problem as a sentence in ``lang``."""
        return catalogue(lang).render_all(self.details)


_PLACED = re.compile(r"^(\S+) (row|feature) (\d+): (.*)$", re.S)


def _as_problem(sentence: str) -> Problem:
    found = _PLACED.match(sentence)
    if found is None:
        return Problem("row.text", params={"text": sentence})
    source, label, row, text_ = found.groups()
    return Problem("row.text", None, int(row), {"text": text_}, source, label)


@dataclass
class ImportReport:
    target: str
    file: str
    format: str
    crs: str
    dry_run: bool
    mode: str = "insert"
    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    axis_order: str = ""  # when not as declared: "X = northing, Y = easting" (the VN-2000 survey convention)
    header_row: int | None = None  # a workbook's row taken as column names (title rows above it)
    # How the file was read: {columns: [{column, field, coordinate}], unrecognised, values: [{field,
    # value, code}], crs, axis_order, profile} (see _mapping).
    mapping: dict = field(default_factory=dict)
    # What a saved profile would hold: the corrections used and the options asked (never answered).
    used: dict = field(default_factory=dict, repr=False)

    def as_dict(self, lang: str = "vi") -> dict:
        """The JSON answer: ``warnings`` as sentences in ``lang``, ``warning_details`` structured
        (each with its ``message``)."""
        said = catalogue(lang)
        details = [w if isinstance(w, Problem) else _as_problem(w) for w in self.warnings]  # the bulk rules'
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "used"}
        out["warnings"] = said.render_all(details)
        out["warning_details"] = [{**w.as_dict(), "message": said.render(w)} for w in details]
        return out


def import_file(
    engine: Engine, path: str | Path, target: str, *, dry_run: bool = False, **options
) -> ImportReport:
    """Read ``path``, check it against the database and write it into ``target`` (or not, if dry),
    in a transaction of its own: :func:`import_into`, whose keywords (``crs``, ``layer``,
    ``encoding``, ``mode``, ``actor``, ``principal``, ``swap_axes``, ``repair``, ``vocabulary``,
    ``profile``, ``columns``, ``values``, ``gnb_id_bits``) it passes on. A dry run does the same
    work, database constraints included, and rolls back."""
    return in_transaction(engine, lambda conn: import_into(conn, path, target, **options), dry_run)


def in_transaction(engine: Engine, work, dry_run: bool):
    """``work(conn)``'s report, in a transaction of its own: committed, or rolled back when a dry
    run or on any error; the report's ``dry_run`` and ``seconds`` are set."""
    started = time.perf_counter()
    with engine.connect() as conn:
        trans = conn.begin()
        try:
            report = work(conn)
        except BaseException:
            trans.rollback()
            raise
        report.dry_run = dry_run
        if dry_run:
            trans.rollback()
        else:
            trans.commit()
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def import_into(
    conn: Connection,
    path: str | Path,
    target: str,
    *,
    crs: str | None = None,
    layer: str | None = None,
    encoding: str | None = None,
    mode: str = "insert",
    actor: Actor | None = None,
    principal: Principal | None = None,
    swap_axes: bool | None = None,
    repair: bool = False,
    vocabulary: Vocabulary | None = None,
    profile: str | None = None,
    columns: dict[str, str] | None = None,
    values: dict[str, dict[str, str]] | None = None,
    gnb_id_bits: int | None = None,
    new_registrations: bool = True,
) -> ImportReport:
    """The work of :func:`import_file` on a connection whose transaction the caller owns (the seed
    loads a whole province in one): raises :class:`ImportFailed` having written part of the file,
    so the caller rolls back; on success the rows are written, not committed. ``new_registrations``:
    see :func:`bulk_rules.check` (False for the sample province, a register loaded as recorded).

    ``encoding`` is the text encoding of a CSV or .dbf that is not UTF-8 (e.g. "1258");
    ``mode`` is "insert" (existing codes refused) or "upsert" (existing codes updated);
    ``actor`` is who the audit trail names; ``principal`` (when an operator) limits the file to that
    company's records and makes its sites registrations (app/services/imports/bulk_rules.py);
    ``swap_axes`` reads X and Y exchanged (refused as ``coords.swapped`` otherwise); ``repair``
    repairs invalid polygons and reports each (refused as ``geometry.invalid`` otherwise).
    Values out of their range (gis/importers/ranges.py) are named before any other check.
    ``vocabulary`` reads headers and values (default: the files' terms and the planners').
    ``profile`` names a saved mapping (app/services/imports/profiles.py): its columns and values
    override the vocabulary's reading, its crs, swap_axes and encoding are defaults of this run;
    ``columns`` (file column → field, "" to leave out) and ``values`` (field → {as written: code})
    correct this run on top of it. Bad corrections are refused before the file is read.
    ``gnb_id_bits`` is the gNB id length (22..32) of an OpenCelliD file's NR cells (default 24).
    """
    started = time.perf_counter()
    if target not in TARGETS:
        raise ImportFailed([Problem("import.unknown_target", params={"target": target, "known": TARGETS})])
    if mode not in MODES:
        raise ImportFailed([Problem("import.unknown_mode", params={"mode": mode, "known": MODES})])
    if gnb_id_bits is not None and not 22 <= gnb_id_bits <= 32:
        raise ImportFailed([Problem("opencellid.gnb_id_bits", params={"value": gnb_id_bits})])
    if vocabulary is None:
        vocabulary = current_vocabulary(conn)
    if target in _WHOLE_FILE:
        return _WHOLE_FILE_IMPORTS[target](conn, Path(path), mode, vocabulary, actor, started)
    stored, corrections = _corrections(conn, target, profile, columns, values)
    crs = crs or stored.get("crs") or None
    encoding = encoding or stored.get("encoding") or None
    swap_axes = bool(stored.get("swap_axes")) if swap_axes is None else swap_axes
    vocabulary = corrections.vocabulary(vocabulary)
    try:
        table = _read(
            Path(path),
            target,
            crs=crs,
            layer=layer,
            encoding=encoding,
            swap_axes=swap_axes,
            repair=repair,
            collect=True,
            vocabulary=vocabulary,
            columns=corrections.columns,
            **({"gnb_id_bits": gnb_id_bits} if gnb_id_bits is not None else {}),
        )
    except ImportRefused as exc:
        raise ImportFailed(exc.problems) from exc
    if table.opencellid and target != "sites":
        raise ImportFailed([Problem("opencellid.sites_only", source=table.name, params={"target": target})])
    report = ImportReport(
        target, table.name, table.format, table.crs, False, mode, warnings=list(table.warnings)
    )
    report.axis_order = table.axis_order
    report.header_row = table.header_row
    if target == "ducts":
        report.warnings.extend(lengths.stated_length_warnings(table))
    report.mapping = _mapping(table, profile and stored.get("name"))
    report.used = {"corrections": corrections, "crs": crs, "swap_axes": swap_axes, "encoding": encoding}
    if actor is not None:
        actor.apply(conn)
    # Writers check every row and write nothing once a problem is known: all are reported.
    # Structured first: a swap, a bad geometry or a value out of range is never masked.
    ranged = ranges.check(table, target)
    if table.cells is not None:  # a workbook's sheet of cells
        ranged += ranges.check(table.cells, "cells")
    problems = [*table.problems, *ranged]
    problems += _province_check(conn, table, report)
    if mode == "upsert":
        bulk_rules.check_upsert(conn, target, table, principal, problems)
    report.counts = _WRITERS[target](conn, table, problems, report)
    if not problems:
        bulk_rules.check(
            conn, target, table, principal, problems, report, new_registrations=new_registrations
        )
    if problems:
        failed = ImportFailed(
            sorted(_unrepeated(problems, ranged), key=lambda p: getattr(p, "row", None) or 0)
        )
        failed.mapping = report.mapping  # how the file was read, to correct it
        raise failed
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _import_plan(conn, path: Path, mode: str, vocabulary, actor, started: float) -> ImportReport:
    """A plan and its targets (app/services/imports/plans.py), all or nothing."""
    problems: list[Problem] = []
    try:
        found = plans.read_plan(conn, path, vocabulary, problems, upsert=mode == "upsert")
    except ImportRefused as exc:
        raise ImportFailed(exc.problems) from exc
    if problems:
        failed = ImportFailed(problems)
        failed.mapping = found.mapping or None
        raise failed
    report = ImportReport("plans", path.name, "XLSX", "", False, mode, mapping=found.mapping)
    if actor is not None:
        actor.apply(conn)
    report.counts = plans.write_plan(conn, found, note=f"Nhập tệp {path.name}")
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def save_used_profile(conn: Connection, report: ImportReport, name: str, actor: Actor) -> dict:
    """Save the mapping ``report``'s run used, corrections included, as the profile ``name``: every
    column the file has (coordinates aside) with its field, "" for those left out."""
    fields = profiles.FIELDS.get(report.target, ())
    # A header the vocabulary reads as a field this target does not use is left out, as it was.
    columns = {
        c["column"]: c["field"] if c["field"] in fields else ""
        for c in report.mapping.get("columns", [])
        if not c["coordinate"]
    }
    used = report.used["corrections"]
    given = profiles.Corrections(columns, used.values)
    return profiles.save_profile(
        conn,
        name,
        report.target,
        given,
        report.used["crs"],
        report.used["swap_axes"],
        report.used["encoding"],
        actor,
    )


def _read(path: Path, target: str, **options):
    """Cells have no geometry of their own (they stand at their sites), organisations none at all:
    read as plain tables."""
    if target in _PLAIN:
        return read_plain_table(
            path, options.get("encoding"), options.get("vocabulary"), options.get("columns"), target
        )
    return read_table(path, target=target, **options)


def _corrections(conn: Connection, target: str, profile: str | None, columns, values):
    """(the stored profile or {}, its corrections with this run's on top); refused when unknown or bad."""
    stored: dict = {}
    if profile is not None:
        stored = profiles.load(conn, profile) or {}
        if not stored:
            raise ImportFailed([Problem("profile.unknown", field="profile", params={"name": profile})])
        if stored["target"] != target:
            params = {"name": stored["name"], "profile_target": stored["target"], "target": target}
            raise ImportFailed([Problem("profile.other_target", field="profile", params=params)])
    given = profiles.from_dicts(columns, values)
    problems = profiles.check(conn, target, given)
    if problems:
        raise ImportFailed(problems)
    return stored, given.over(profiles.from_dicts(stored.get("columns"), stored.get("values")))


def _mapping(table, profile: str | None) -> dict:
    """How the file was read: every column in file order with its field (coordinates as what they
    were read as, null when left out), the unrecognised ones, the CRS and axis order; the values
    are added by the row builders (_note_defaults)."""
    fields = {**table.columns, **table.coordinates}
    headers = table.headers or list(fields)
    return {
        "columns": [
            {"column": h, "field": fields.get(h), "coordinate": h in table.coordinates} for h in headers
        ],
        "unrecognised": list(table.unrecognised),
        "values": [],
        "crs": table.crs,
        "axis_order": table.axis_order,
        "profile": profile or None,
    }


def _unrepeated(problems: list, ranged: list[Problem]) -> list:
    """The row builders' word on a value the range checks named already is dropped."""
    named = {(p.source, p.row, p.field) for p in ranged if p.field}
    first = {id(p) for p in ranged}
    return [
        p
        for p in problems
        if id(p) in first or not isinstance(p, Problem) or (p.source, p.row, p.field) not in named
    ]


def _province_check(conn: Connection, table, report: ImportReport) -> list[Problem]:
    """Features outside the region in force today (the union of its top-level units): the rows
    carry no day of their own to judge them on."""
    if any(f.geometry is None for f in table.features):  # cells: their sites were checked
        return []
    area = region_geometry(conn)
    if area is None:
        report.warnings.append(Problem("province.none_loaded"))
        return []
    return outside_problems(table, area)


def _write(conn: Connection, run, rows: list[tuple[int, dict]], table, problems: list[Problem]) -> None:
    """``run(dicts)`` writes every row; when the database refuses, retry row by row (savepoints)
    to name the rows."""
    if not rows:
        return
    try:
        with conn.begin_nested():
            run([r for _, r in rows])
        return
    except (IntegrityError, DBAPIError):
        pass
    for number, row in rows:
        try:
            with conn.begin_nested():
                run([row])
        except (IntegrityError, DBAPIError) as exc:
            detail = str(exc.orig).splitlines()[0] if exc.orig else str(exc)
            problems.append(table.place(Problem("db.refused", params={"detail": detail}), number))
        if len(problems) > 50:
            break


def _update_columns(rows: list[tuple[int, dict]], table) -> list[str]:
    """The columns an upsert overwrites: those the file has (the others keep their values)."""
    if not rows:
        return []
    if table.opencellid:  # every column is derived from the OpenCelliD record
        return [k for k in rows[0][1] if k != "code"]
    present = set(table.columns.values())
    return [
        k
        for k in rows[0][1]
        if k != "code" and (k in _ALWAYS or any(a in present for a in _SOURCES.get(k, (k,))))
    ]


def _as_wkb(rows: list[tuple[int, dict]]) -> None:
    """The builders' shapely geometries as WKB, all rows in one call (one at a time cost ~1 s per
    50,000 rows)."""
    shaped = [row for _, row in rows if isinstance(row.get("geom"), BaseGeometry)]
    if shaped:
        wkbs = shapely.to_wkb(np.asarray([row["geom"] for row in shaped], dtype=object))
        for row, wkb in zip(shaped, wkbs, strict=True):
            row["geom"] = WKBElement(wkb, srid=m.SRID)


def _store(conn, table_obj, rows, table, ctx, problems, counts: dict) -> None:
    """Insert ``rows`` (or, in an upsert, insert new codes and update stored ones) and count them."""
    _as_wkb(rows)
    name = table_obj.name
    if ctx.upsert and rows:
        columns = _update_columns(rows, table)

        def run(dicts: list[dict]) -> None:
            # One multi-row statement per page: psycopg2 would send an ON CONFLICT statement once
            # per row (20,000 round trips for a workbook of sites and cells).
            for start in range(0, len(dicts), UPSERT_PAGE):
                stmt = pg_insert(table_obj).values(dicts[start : start + UPSERT_PAGE])
                set_ = {c: stmt.excluded[c] for c in columns}
                conn.execute(stmt.on_conflict_do_update(index_elements=["code"], set_=set_))
    else:

        def run(dicts: list[dict]) -> None:
            conn.execute(insert(table_obj), dicts)  # batched by SQLAlchemy (insertmanyvalues)

    _write(conn, run, rows, table, problems)
    if ctx.upsert:
        updated = len(ctx.existing.get(name, ()))
        counts[f"{name}_inserted"], counts[f"{name}_updated"] = len(rows) - updated, updated
    else:
        counts[name] = len(rows)


def _links(conn, link_table, key: str, pairs: list[tuple], replace: list[int]) -> int:
    """Insert (parent id, operator id[, other columns]) links, first dropping the stored links of
    ``replace``; returns how many were added."""
    if replace:
        conn.execute(delete(link_table).where(link_table.c[key].in_(replace)))
    if not pairs:
        return 0
    # Counted as written: a link that already exists (an upsert of a shared site) is no new link.
    stmt = pg_insert(link_table).on_conflict_do_nothing().returning(link_table.c[key])
    rows = [{key: parent, "operator_id": op, **(more[0] if more else {})} for parent, op, *more in pairs]
    return len(conn.execute(stmt, rows).all())


def _write_sites(conn, table, problems, report):
    ctx = targets.Context.load(conn, upsert=report.mode == "upsert", vocabulary=table.vocabulary)
    site_rows, cell_rows, tenants = targets.sites(table, ctx, problems)
    _note_defaults(ctx, report)
    if problems:
        return {}
    counts: dict[str, int] = {}
    _store(conn, m.Site.__table__, site_rows, table, ctx, problems, counts)
    if problems:
        return {}
    if not _store_cells(conn, cell_rows, tenants, table.cells or table, ctx, problems, counts):
        return {}
    return counts


def _store_cells(conn, cell_rows, tenants, table, ctx, problems, counts) -> bool:
    """Cells onto their sites (by code) and their operators' tenancies; False when refused."""
    site_ids = ids_by(conn, m.Site.__table__)
    for _, cell in cell_rows:
        cell["site_id"] = site_ids[cell.pop("site_code")]
    _store(conn, m.Cell.__table__, cell_rows, table, ctx, problems, counts)
    if problems:
        return False
    # Tenancies are only added: an upsert never removes an operator from a site.
    pairs = list(dict.fromkeys((site_ids[code], op) for code, op in tenants))
    counts["site_tenancies"] = _links(conn, m.SiteTenancy.__table__, "site_id", pairs, [])
    return True


def _write_cells(conn, table, problems, report):
    ctx = targets.Context.load(conn, upsert=report.mode == "upsert", vocabulary=table.vocabulary)
    cell_rows, tenants = targets.cells(table, ctx, problems)
    _note_defaults(ctx, report)
    if problems:
        return {}
    counts: dict[str, int] = {}
    return counts if _store_cells(conn, cell_rows, tenants, table, ctx, problems, counts) else {}


def _layer_writer(build, table_obj, link=None):
    def write(conn, table, problems, report):
        ctx = targets.Context.load(conn, upsert=report.mode == "upsert", vocabulary=table.vocabulary)
        rows = build(table, ctx, problems)
        _note_defaults(ctx, report)
        if problems:
            return {}
        linked = [(row["code"], row.pop("_links", [])) for _, row in rows]
        counts: dict[str, int] = {}
        _store(conn, table_obj, rows, table, ctx, problems, counts)
        if link and not problems:
            link_table, key, columns = link
            ids = ids_by(conn, table_obj)
            # A link is an operator id, or (operator id, other columns) as a pole's cable count.
            pairs = [
                (ids[code], *(op if isinstance(op, tuple) else (op,))) for code, ops in linked for op in ops
            ]
            # An updated row keeps its stored links, unless the file lists them: then it says all.
            stored = ctx.existing.get(table_obj.name, set())
            listed = any(c in table.columns.values() for c in columns)
            replace = [ids[code] for code, _ in linked if code in stored] if listed else []
            counts[link_table.name] = _links(conn, link_table, key, pairs, replace)
        return counts

    return write


def _note_defaults(ctx, report: ImportReport) -> None:
    if report.mapping:  # the values the row builders read through the vocabulary, as the report's mapping
        report.mapping["values"] = [
            {"field": f, "value": v, "code": code} for (f, v), code in sorted(ctx.resolved.items())
        ]
    if ctx.defaults_used:
        report.warnings.append(Problem("values.assumed", params={"values": sorted(ctx.defaults_used)}))
    for key in sorted(ctx.local_times):
        report.warnings.append(Problem("values.local_time", key, params={"zone": clock.LOCAL_TZ.key}))


def _write_organisations(conn, table, problems, report):
    """New organisations are inserted; one already registered (by its short name, any case or
    diacritics) is refused, or updated by an upsert in the columns the file has."""
    ctx = targets.Context.load(conn, upsert=report.mode == "upsert", vocabulary=table.vocabulary)
    known, t = organisations.stored(conn), m.Operator.__table__
    rows = organisations.organisations(table, ctx, problems, known)
    _note_defaults(ctx, report)
    present = set(table.columns.values())
    new, updated = [], []
    for number, row in rows:
        found = known.get(fold_key(row["short_name"]))
        if found is None:
            new.append((number, row))
        elif ctx.upsert:
            # The columns the file has, and in them the cells it fills: an empty one keeps what is stored.
            values = {k: v for k, v in row.items() if k in present and k != "short_name" and v is not None}
            updated.append((number, {**values, "_id": found[0]}))
        else:
            params = {"name": row["short_name"], "stored": found[1]}
            problems.append(table.place(Problem("organisation.exists", "short_name", params=params), number))
    if problems:
        return {}
    _write(conn, lambda dicts: conn.execute(insert(t), dicts), new, table, problems)
    for number, row in updated:
        op_id = row.pop("_id")
        if not row:
            continue
        change = update(t).where(t.c.id == op_id).values(**row)
        _write(conn, lambda _, change=change: conn.execute(change), [(number, row)], table, problems)
    if ctx.upsert:
        return {"operators_inserted": len(new), "operators_updated": len(updated)}
    return {"operators": len(new)}


def _write_admin_units(conn, table, problems, report, level: str | None = None):
    """Admin units of any level (the file says which), or all of ``level`` (the target says)."""
    by_level: dict[str, list[tuple[int, dict]]] = {
        "province": [],
        "district": [],
        "commune": [],
        "hamlet": [],
    }
    for f in table.features:
        try:
            row_level, rec = targets.admin_record(f, level)
            rec["valid_from"] = day(f.properties, "valid_from")  # "Hiệu lực từ": a new version from then
        except targets.RowProblem as exc:
            problems.append(table.place(exc.problem, f.number))
            continue
        by_level[row_level].append((f.number, rec))
    if level == "hamlet":
        targets.hamlet_codes(conn, by_level["hamlet"], table, problems)
    if problems:
        return {}
    t = m.AdminUnit.__table__
    counts = {}
    for level, recs in by_level.items():  # parents first, so new children find them
        if not recs:
            continue
        existing = current_ids(conn, (level,))
        parents = current_ids(conn, PARENT_LEVELS.get(level, ()))  # a province has none
        updated, new, versions = 0, [], 0
        for number, rec in recs:
            parent_id = parents.get(rec["parent_code"] or "")
            if rec["parent_code"] and parent_id is None:
                unknown = Problem("unit.unknown_parent", "parent_code", params={"code": rec["parent_code"]})
                problems.append(table.place(unknown, number))
                continue
            since = rec.pop("valid_from")
            if rec["code"] in existing and since is not None:
                versioned = _new_version(conn, existing[rec["code"]], rec, since, parent_id)
                if isinstance(versioned, Problem):
                    problems.append(table.place(versioned, number))
                    continue
                if versioned:
                    versions += 1
                    continue
            if rec["code"] in existing:
                values = dict(
                    name=rec["name"],
                    name_folded=fold_vi(rec["name"]),
                    geom=from_shape(rec["geometry"], srid=m.SRID),
                )
                for key in ("kind", "population", "households", "vn2000_crs"):
                    if rec.get(key) is not None:
                        values[key] = rec[key]
                if parent_id is not None:
                    values["parent_id"] = parent_id
                conn.execute(update(t).where(t.c.id == existing[rec["code"]]).values(**values))
                updated += 1
            else:
                new.append((since, AdminRecord(**rec)))
        if problems:
            return {}
        try:
            with conn.begin_nested():
                inserted = sum(
                    load_admin_units(conn, level, [r for s, r in new if s == since], since)
                    for since in dict.fromkeys(s for s, _ in new)
                )
        except LoadError as exc:
            problems.append(Problem("db.load_refused", params={"detail": exc.description}, source=table.name))
            return {}
        counts[f"{level}_updated"], counts[f"{level}_inserted"] = updated, inserted
        if versions:
            counts[f"{level}_new_versions"] = versions
    if by_level["district"]:
        counts["province_updated"] = _redraw_province(conn)
    numbers = {(level, rec["code"]): number for level, recs in by_level.items() for number, rec in recs}
    report.warnings.extend(_nesting(conn, table, numbers))
    return counts


def _new_version(conn: Connection, unit_id: int, rec: dict, since, parent_id: int | None) -> bool | Problem:
    """A unit given again with a later ``valid_from`` ("Hiệu lực từ") than its version in force: that
    version ends the day before ``since`` (``valid_to`` is exclusive) and a new one starts, so the
    old name and outline stay for the reports of before. Its units in force below follow the new
    version (their own ids, and everything that points at them, stay). True when versioned; False
    when ``since`` is the stored version's own start (updated in place); a Problem when earlier."""
    t = m.AdminUnit.__table__
    stored = conn.execute(select(t).where(t.c.id == unit_id)).mappings().one()
    if since == stored["valid_from"]:
        return False
    if since < stored["valid_from"]:
        params = {"code": rec["code"], "given": since.isoformat(), "stored": stored["valid_from"].isoformat()}
        return Problem("admin.valid_from_earlier", "valid_from", params=params)
    conn.execute(update(t).where(t.c.id == unit_id).values(valid_to=since))
    keep = ("level", "official_code", "kind", "parent_id", "population", "households", "urban", "clutter")
    row = {k: stored[k] for k in (*keep, "vn2000_crs")}
    row.update(
        {k: rec[k] for k in ("kind", "population", "households", "vn2000_crs") if rec.get(k) is not None}
    )
    row.update(
        code=rec["code"],
        name=rec["name"],
        name_folded=fold_vi(rec["name"]),
        geom=from_shape(rec["geometry"], srid=m.SRID),
        valid_from=since,
        parent_id=parent_id if parent_id is not None else stored["parent_id"],
    )
    new_id = conn.execute(insert(t).values(**row).returning(t.c.id)).scalar_one()
    conn.execute(update(t).where(t.c.parent_id == unit_id, t.c.valid_to.is_(None)).values(parent_id=new_id))
    return True


def _redraw_province(conn: Connection) -> int:
    """The province is the union of its districts: redraw it once they are replaced (real
    boundaries over the sample ones), so later imports are checked against the new outline."""
    return conn.execute(
        text("""
        UPDATE admin_units p SET geom = u.geom
        FROM (SELECT parent_id, ST_Multi(ST_CollectionExtract(ST_Union(geom), 3)) AS geom FROM admin_units
              WHERE level = 'district' AND valid_to IS NULL GROUP BY parent_id) u
        WHERE p.id = u.parent_id AND p.level = 'province' AND p.valid_to IS NULL
          AND NOT ST_Equals(p.geom, u.geom)""")
    ).rowcount


def _nesting(conn: Connection, table, numbers: dict[tuple[str, str], int]) -> list[Problem]:
    """Units of this file not inside their parent, and stored units an updated parent no longer holds."""
    rows = conn.execute(
        text("""
        SELECT c.level::text, c.code, p.level::text, p.code,
               ST_Area(ST_Difference(c.geom, p.geom)) / NULLIF(ST_Area(c.geom), 0) AS outside
        FROM admin_units c JOIN admin_units p ON p.id = c.parent_id
        WHERE c.level IN ('district', 'commune', 'hamlet') AND c.valid_to IS NULL
          AND ST_Area(ST_Difference(c.geom, p.geom)) > 0.01 * ST_Area(c.geom)
        ORDER BY c.level, c.code""")
    ).all()
    out = []
    for level, code, parent_level, parent, outside in rows:
        pct = 100 * (outside or 0)
        params = {"code": code, "parent": parent, "share": round(pct) if pct >= 10 else round(pct, 1)}
        if (level, code) in numbers:
            out.append(table.place(_NOT_INSIDE[level](params), numbers[level, code]))
        elif (parent_level, parent) in numbers:
            out.append(table.place(_NO_LONGER_CONTAINS[level](params), numbers[parent_level, parent]))
    return out


# One code per level, so that each language names the levels in its own words.
_NOT_INSIDE = {
    "district": lambda params: Problem("admin.district_not_inside", params=params),
    "commune": lambda params: Problem("admin.commune_not_inside", params=params),
    "hamlet": lambda params: Problem("admin.hamlet_not_inside", params=params),
}
_NO_LONGER_CONTAINS = {  # by the level of the unit left outside
    "district": lambda params: Problem("admin.province_no_longer_contains", params=params),
    "commune": lambda params: Problem("admin.district_no_longer_contains", params=params),
    "hamlet": lambda params: Problem("admin.commune_no_longer_contains", params=params),
}


_WRITERS = {
    "organisations": _write_organisations,
    "bodies": _layer_writer(bodies.bodies, m.Body.__table__),
    "admin_units": _write_admin_units,
    **{target: partial(_write_admin_units, level=level) for target, level in _ADMIN_LEVELS.items()},
    "sites": _write_sites,
    "cells": _write_cells,
    "poles": _layer_writer(
        targets.poles, m.Pole.__table__, (m.PoleAttachment.__table__, "pole_id", ("attachments", "operators"))
    ),
    "ducts": _layer_writer(
        targets.ducts,
        m.DuctRoute.__table__,
        (m.DuctOccupancy.__table__, "duct_route_id", ("occupants", "operators")),
    ),
    "manholes": _layer_writer(targets.manholes, m.Manhole.__table__),
    "fibre_access_points": _layer_writer(targets.fibre_access_points, m.FibreAccessPoint.__table__),
    "commune_offices": _layer_writer(targets.commune_offices, m.CommuneOffice.__table__),
    "speed_tests": _layer_writer(targets.speed_tests, m.SpeedTest.__table__),
    "tall_structures": _layer_writer(targets.tall_structures, m.TallStructure.__table__),
}

_WHOLE_FILE_IMPORTS = {"plans": _import_plan}

__all__ = [
    "MODES",
    "TARGETS",
    "ImportFailed",
    "ImportReport",
    "import_file",
    "import_into",
    "in_transaction",
    "save_used_profile",
]
