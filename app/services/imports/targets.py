"""Per-target row builders for `importer.import_file`: imported features → table rows; a site and
its cells registered through the form or the API are built by the same ``site_row`` and ``cell_row``.

Each builder takes the table, a context (id lookups) and a problems list; it appends one
:class:`Problem` per bad row (placed in its file: source, row/feature number) and returns what to
insert. Nothing is written here. The readers of single values (numbers, dates, yes/no …) and
:class:`RowProblem` are app/services/imports/values.py's.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from shapely import MultiPolygon, Polygon
from sqlalchemy import Connection, select

from app import models as m
from app.services import clock
from app.services.imports.loader import ids_by
from app.services.imports.values import (
    RowProblem,
    boolean,
    day,
    instant,
    integer,
    names,
    num,
    on_clock,
    text_,
)
from gis import site_rules
from gis.crs import vn2000_projected
from gis.importers import ImportedTable
from gis.importers.columns import default_vocabulary
from gis.problems import Problem
from gis.text import fold_vi
from gis.vocabulary import CLOSE_ENOUGH, Vocabulary, fold_key

# OpenCelliD has no radio parameters: typical values for a macro cell, reported as assumptions.
OCID_DEFAULTS = {"2G": 900, "3G": 2100, "4G": 1800, "5G": 3500}


# Each network target's table: the one map of target → table (the seed's counts, the bulk rules).
TABLES = {
    "sites": m.Site.__table__,
    "cells": m.Cell.__table__,
    "poles": m.Pole.__table__,
    "ducts": m.DuctRoute.__table__,
    "manholes": m.Manhole.__table__,
    "fibre_access_points": m.FibreAccessPoint.__table__,
    "commune_offices": m.CommuneOffice.__table__,
    "speed_tests": m.SpeedTest.__table__,
    "tall_structures": m.TallStructure.__table__,
}
# A cell's radio columns, as the model has them: what cell_row builds and the reads of cells select.
CELL_RADIO = tuple(
    c.name for c in m.Cell.__table__.columns if c.name not in ("id", "code", "site_id", "operator_id")
)


@dataclass
class Context:
    conn: Connection
    operators: dict[str, int] = field(default_factory=dict)  # fold_key of short or full name → id
    plmn: dict[tuple[str, str], int] = field(default_factory=dict)  # (mcc, mnc) → id
    defaults_used: set[str] = field(default_factory=set)
    local_times: set[str] = field(default_factory=set)  # fields with times read on the region's clock
    upsert: bool = False  # existing codes are updated instead of refused
    existing: dict[str, set[str]] = field(default_factory=dict)  # table → codes already stored
    vocabulary: Vocabulary = field(default_factory=default_vocabulary)
    kinds: dict[int, str] = field(default_factory=dict)  # id → operators.kind
    short_names: dict[int, str] = field(default_factory=dict)  # id → short name
    # (name as written, mobile) → id: a file names the same few organisations on every row.
    known_ids: dict[tuple[str, bool], int] = field(default_factory=dict, repr=False)
    known_codes: dict[tuple, str] = field(default_factory=dict, repr=False)  # choice()'s, likewise
    # (field, value as written) → the code it was read as (None: not understood): the report's mapping.
    resolved: dict[tuple[str, str], str | None] = field(default_factory=dict)

    @classmethod
    def load(cls, conn: Connection, *, upsert: bool = False, vocabulary: Vocabulary | None = None) -> Context:
        t = m.Operator.__table__
        ctx = cls(
            conn, upsert=upsert, vocabulary=vocabulary if vocabulary is not None else default_vocabulary()
        )
        rows = conn.execute(select(t.c.id, t.c.short_name, t.c.name, t.c.kind, t.c.mcc, t.c.mnc)).all()
        for op_id, short, name, kind, mcc, mnc in rows:
            ctx.operators.setdefault(fold_key(name), op_id)
            ctx.kinds[op_id], ctx.short_names[op_id] = kind, short
            if mcc and mnc:
                ctx.plmn[(mcc, mnc)] = op_id
        for op_id, short, *_ in rows:  # a short name wins over another's full name
            ctx.operators[fold_key(short)] = op_id
        return ctx

    def operator(self, name, column: str, *, mobile: bool = False) -> int:
        """The id of the organisation ``name`` (an alias of the vocabulary's ``organisation``
        domain, a short or a full name); ``mobile``: it must be a mobile operator (cells, mobile
        speed tests), otherwise any organisation (owners of sites, poles, ducts)."""
        if name in (None, ""):
            raise RowProblem("value.required", column)
        known = self.known_ids.get((str(name), mobile))
        if known is not None:
            self.resolved.setdefault((column, str(name).strip()), self.short_names[known])
            return known
        meant = self.vocabulary.resolve("organisation", name)
        op_id = self.operators.get(fold_key(meant if meant is not None else name))
        if op_id is None:
            near = self._closest_organisation(name)
            self.resolved.setdefault((column, str(name).strip()), None)
            if near:
                raise RowProblem("organisation.unknown_closest", column, name=name, closest=near)
            raise RowProblem("organisation.unknown", column, name=name)
        if mobile and self.kinds[op_id] != "mobile":
            short, kind = self.short_names[op_id], self.kinds[op_id]
            raise RowProblem("organisation.not_mobile", column, name=name, operator=short, kind=kind)
        self.known_ids[(str(name), mobile)] = op_id
        self.resolved.setdefault((column, str(name).strip()), self.short_names[op_id])
        return op_id

    def _closest_organisation(self, name) -> str | None:
        near = self.vocabulary.closest("organisation", name)
        if near is not None and fold_key(near) in self.operators:
            return self.short_names[self.operators[fold_key(near)]]
        match = difflib.get_close_matches(fold_key(name), list(self.operators), n=1, cutoff=CLOSE_ENOUGH)
        return self.short_names[self.operators[match[0]]] if match else None


def choice(p: dict, key: str, allowed: tuple[str, ...], default: str | None, ctx: Context) -> str:
    v = text_(p, key)
    if v is None:
        if default is None:
            raise RowProblem("value.required_one_of", key, allowed=list(allowed))
        ctx.defaults_used.add(f"{key}={default}")
        return default
    known = ctx.known_codes.get((key, v, allowed))
    if known is not None:
        return known
    # The vocabulary's domain is the field: "Cột dây co" is a structure_type, "LTE" a technology.
    meant = ctx.vocabulary.resolve(key, v)
    folded = {fold_key(a): a for a in allowed}
    found = folded.get(fold_key(meant if meant is not None else v))
    if found is not None:
        ctx.known_codes[(key, v, allowed)] = found
    else:
        near = ctx.vocabulary.closest(key, v) if meant is None else None
        ctx.resolved.setdefault((key, v), None)
        if meant is not None and fold_key(meant) != fold_key(v):
            raise RowProblem("value.not_one_of_meaning", key, value=v, allowed=list(allowed), meaning=meant)
        if near in allowed:
            raise RowProblem("value.not_one_of_closest", key, value=v, allowed=list(allowed), closest=near)
        raise RowProblem("value.not_one_of", key, value=v, allowed=list(allowed))
    ctx.resolved.setdefault((key, v), found)
    return found


def point(f) -> object:
    if f.geometry.geom_type != "Point":
        raise RowProblem("geometry.wrong_type", expected="Point", got=f.geometry.geom_type)
    return f.geometry  # turned into WKB for all rows at once when stored (importer._as_wkb)


def _rows(table: ImportedTable, build, problems: list[Problem]) -> list[tuple[int, dict]]:
    out = []
    for f in table.features:
        try:
            out.append((f.number, build(f, f.properties)))
        except RowProblem as exc:
            problems.append(table.place(exc.problem, f.number))
    return out


def _check_codes(ctx: Context, table_obj, table: ImportedTable, rows, problems: list[Problem]) -> None:
    """Codes repeated in the file are refused; stored ones too, unless the import is an upsert."""
    existing = ids_by(ctx.conn, table_obj)
    ctx.existing[table_obj.name] = {row["code"] for _, row in rows if row["code"] in existing}
    seen: dict[str, int] = {}
    for number, row in rows:
        code = row["code"]
        if code in existing and not ctx.upsert:
            problems.append(table.place(Problem("code.exists", "code", params={"code": code}), number))
        elif code in seen:
            params = {"code": code, "first": seen[code]}
            problems.append(table.place(Problem("code.repeated", "code", params=params), number))
        seen.setdefault(code, number)


# ---------------------------------------------------------------- sites (+ cells)
def sites(table: ImportedTable, ctx: Context, problems: list[Problem]):
    """Rows are sites, or cells with a site_code column (site attributes repeated), or OpenCelliD;
    a workbook's sheet of cells (``table.cells``) adds cells to its sites or to stored ones."""
    per_cell = table.opencellid or any(_names_a_cell(f.properties) for f in table.features)
    groups: dict[str, list] = defaultdict(list)
    if per_cell:
        for f in table.features:
            code = _site_of_cell(f.properties)
            if code is None:
                problems.append(table.place(Problem("value.required", "site_code"), f.number))
                continue
            groups[code].append(f)
    else:
        for f in table.features:
            groups[text_(f.properties, "code") or f"#{f.number}"].append(f)
    site_rows, cell_rows, tenants = [], [], []
    operators: dict[str, int] = {}  # site code → its operator, for cells that do not name one
    # A file that lists tenants names them all: a tower company is no tenant of its own tower.
    listed = "tenants" in table.columns.values()
    for code, feats in groups.items():
        first = feats[0]
        p = first.properties
        try:
            if table.opencellid:
                owner = _plmn_operator(ctx, p)
                geom = p["site_position"]
            else:
                owner = ctx.operator(p.get("owner") or p.get("operator"), "owner")
                geom = point(first)
            if code.startswith("#"):
                raise RowProblem("value.required", "code")
            site_rows.append((first.number, site_row(code, p, owner, geom, ctx)))
            ops = set() if listed else {owner}
            for t in names(p, "tenants") or names(p, "operators"):
                ops.add(ctx.operator(t, "tenants"))
            operators[code] = ctx.operator(p["operator"], "operator") if p.get("operator") else owner
        except RowProblem as exc:
            problems.append(table.place(exc.problem, first.number))
            continue
        if per_cell:
            for k, f in enumerate(feats, start=1):
                try:
                    cell = cell_row(f.properties, code, k, ctx, table.opencellid)
                except RowProblem as exc:
                    problems.append(table.place(exc.problem, f.number))
                    continue
                ops.add(cell["operator_id"])
                cell_rows.append((f.number, cell))
        tenants.extend((code, op) for op in ops)
    _check_codes(ctx, m.Site.__table__, table, site_rows, problems)
    if table.cells is not None and per_cell:
        problems.append(Problem("cells.two_ways", source=table.name))
    elif table.cells is not None:
        sheet_cells, sheet_tenants = _cells_of_sites(table.cells, ctx, problems, operators, table.name)
        _check_codes(ctx, m.Cell.__table__, table.cells, sheet_cells, problems)
        return site_rows, sheet_cells, tenants + sheet_tenants
    _check_codes(ctx, m.Cell.__table__, table, cell_rows, problems)
    return site_rows, cell_rows, tenants


def site_row(code: str, p: dict, owner: int, geom, ctx: Context) -> dict:
    """One site row of a file's row or a registration (the form, the API)."""
    shareable = boolean(p, "accepts_tenants") if p.get("accepts_tenants") not in (None, "") else False
    return dict(
        code=code,
        name=text_(p, "name"),
        structure_type=choice(p, "structure_type", m.STRUCTURE_TYPES, "tower", ctx),
        height_m=num(p, "height_m"),
        owner_id=owner,
        status=choice(p, "status", m.SITE_STATUSES, "active", ctx),
        permit_no=text_(p, "permit_no"),
        commissioned_on=day(p, "commissioned_on"),
        accepts_tenants=shareable,
        rent_vnd_month=integer(p, "rent_vnd_month"),
        new_structure_reason=text_(p, "new_structure_reason"),
        geom=geom,
    )


def _names_a_cell(p: dict) -> bool:
    """A row of cells: it names its site (site_code) or itself as a cell (cell_code, "Mã cell")."""
    return "site_code" in p or "cell_code" in p


def _site_of_cell(p: dict) -> str | None:
    """The site of a row of cells: its site_code, or its code when the row's own code is cell_code
    (one row per cell with "Mã trạm" and "Mã cell")."""
    return text_(p, "site_code") or (text_(p, "code") if "cell_code" in p else None)


def _stored_site_operators(ctx: Context) -> dict[str, int]:
    t = m.Site.__table__
    return dict(ctx.conn.execute(select(t.c.code, t.c.owner_id)).all())


def _cells_of_sites(
    cells: ImportedTable,
    ctx: Context,
    problems: list[Problem],
    operators: dict[str, int],
    sites_name: str | None = None,
):
    """Cells rows (no geometry: a cell stands at its site) of the sites in ``operators`` (site code →
    operator, for cells that name none) or stored ones; returns (cell rows, (site code, operator))."""
    stored = _stored_site_operators(ctx)
    rows, tenants, per_site = [], [], defaultdict(int)
    for f in cells.features:
        site = _site_of_cell(f.properties)
        if site is None:
            problems.append(cells.place(Problem("value.required", "site_code"), f.number))
            continue
        if site not in operators and site not in stored:
            if sites_name:
                unknown = Problem(
                    "site.unknown_in_file", "site_code", params={"site": site, "file": sites_name}
                )
            else:
                unknown = Problem("site.unknown", "site_code", params={"site": site})
            problems.append(cells.place(unknown, f.number))
            continue
        per_site[site] += 1
        try:
            cell = cell_row(
                f.properties, site, per_site[site], ctx, False, operators.get(site) or stored.get(site)
            )
        except RowProblem as exc:
            problems.append(cells.place(exc.problem, f.number))
            continue
        rows.append((f.number, cell))
        tenants.append((site, cell["operator_id"]))
    return rows, tenants


def cells(table: ImportedTable, ctx: Context, problems: list[Problem]):
    """Cells of sites already stored, by site code (a CSV of cells or a workbook's cell sheet)."""
    rows, tenants = _cells_of_sites(table, ctx, problems, {})
    _check_codes(ctx, m.Cell.__table__, table, rows, problems)
    return rows, tenants


def _plmn_operator(ctx: Context, p: dict) -> int:
    op = ctx.plmn.get((p["mcc"], p["mnc"]))
    if op is None:
        raise RowProblem("organisation.unknown_plmn", "operator", mcc=p["mcc"], mnc=p["mnc"])
    return op


def cell_row(
    p: dict, site_code: str, k: int, ctx: Context, ocid: bool = False, site_operator: int | None = None
) -> dict:
    """One cell row of a file's row or a registration's cell (its k-th on ``site_code``); its
    operator is the row's own, else (a sheet of cells, a form) its site's."""
    if ocid:
        op = _plmn_operator(ctx, p)
        # Written as field=value, as choice() notes its defaults: the same in every language.
        bands = " ".join(f"{t}:{b}" for t, b in OCID_DEFAULTS.items())
        ctx.defaults_used.update({f"band_mhz={bands}", "antenna_height_m=30", "eirp_dbm=58"})
        tech = p["technology"]
        band, height, eirp = OCID_DEFAULTS[tech], 30.0, 58.0
    else:
        given = p.get("operator") or p.get("owner")
        op = ctx.operator(given, "operator", mobile=True) if given or site_operator is None else site_operator
        tech = choice(p, "technology", m.TECHNOLOGIES, None, ctx)
        band = integer(p, "band_mhz", required=True)
        height = num(p, "antenna_height_m") or num(p, "height_m", required=True)
        eirp = num(p, "eirp_dbm")
    tx, gain = num(p, "tx_power_dbm"), num(p, "antenna_gain_dbi")
    if site_rules.power_problem({"eirp_dbm": eirp, "tx_power_dbm": tx, "antenna_gain_dbi": gain}):
        raise RowProblem("cell.no_power", "eirp_dbm")
    azimuth = num(p, "azimuth_deg")
    return dict(
        code=text_(p, "cell_code")
        or (text_(p, "code") if "cell_code" not in p else None)
        or f"{site_code}-{k}",
        site_code=site_code,
        operator_id=op,
        technology=tech,
        band_mhz=band,
        azimuth_deg=azimuth,
        beamwidth_deg=num(p, "beamwidth_deg", default=360.0 if azimuth is None else 65.0),
        tilt_mech_deg=num(p, "tilt_mech_deg", default=0.0),
        tilt_elec_deg=num(p, "tilt_elec_deg", default=0.0),
        antenna_height_m=height,
        tx_power_dbm=tx,
        antenna_gain_dbi=gain,
        eirp_dbm=eirp,
    )


# ---------------------------------------------------------------- point and line layers
def in_service(p: dict, start: str = "in_service_from", end: str = "in_service_to") -> dict:
    """The valid time a row states (dd/mm/yyyy, yyyy-mm-dd or an Excel date): the first day in
    service and the first day out of it; absent = unknown (since before the records) / still in."""
    since, to = day(p, start), day(p, end)
    if since is not None and to is not None and to <= since:
        raise RowProblem("asof.ends_before_start", end, since=since.isoformat(), to=to.isoformat())
    return {start: since, end: to}


def pole_row(p: dict, ctx: Context, owner: int | None = None) -> dict:
    """One pole row but its geometry, of a file's row (``owner``: the one it names) or a
    registration (the form, the API: ``owner`` the registering company's id)."""
    # "Loại cột" of a pole file says what the pole is made of: "Cột BTLT", "Cột sắt" …
    made_of = {"material": p.get("material") or p.get("structure_type")}
    material = choice(made_of, "material", m.POLE_MATERIALS, None, ctx) if made_of["material"] else None
    code = text_(p, "code", required=True)
    owner = ctx.operator(p.get("owner"), "owner") if owner is None else owner
    return dict(code=code, owner_id=owner, material=material, height_m=num(p, "height_m"), **in_service(p))


def poles(table, ctx, problems):
    def build(f, p):
        key = "attachments" if p.get("attachments") not in (None, "") else "operators"
        return {**pole_row(p, ctx), "geom": point(f), "_links": cables(p, key, ctx)}

    rows = _rows(table, build, problems)
    _check_codes(ctx, m.Pole.__table__, table, rows, problems)
    return rows


_CABLES = re.compile(r"^(.+?)\s*:\s*(\S*)$")  # "Viettel:2": an operator and its number of cables


def cables(p: dict, key: str, ctx: Context) -> list[tuple[int, dict]]:
    """'Viettel:2;VNPT:1' → [(Viettel's id, {"cable_count": 2}), (VNPT's id, {"cable_count": 1})];
    a name without a count is one cable."""
    out: dict[int, dict] = {}
    for item in names(p, key):
        found = _CABLES.match(item)
        name, count = (found.group(1), found.group(2)) if found else (item, "1")
        if not count.isdigit() or int(count) < 1:
            raise RowProblem("cables.bad_count", key, name=name, value=count)
        op = ctx.operator(name, key)
        if op in out:
            raise RowProblem("organisation.listed_twice", key, name=name)
        out[op] = {"cable_count": int(count)}
    return list(out.items())


def duct_row(p: dict, line, ctx: Context, owner: int | None = None) -> dict:
    """One duct route row (``line`` a shapely LineString) of a file's row (``owner``: the one it
    names) or a registration (``owner`` the registering company's id)."""
    duct_count = integer(p, "duct_count", default=1)
    free = integer(p, "free_duct_count")
    if free is not None and not 0 <= free <= duct_count:
        raise RowProblem("ducts.free_count", "free_duct_count", value=free, ducts=duct_count)
    stated = num(p, "stated_length_m")
    if stated is not None and stated <= 0:
        raise RowProblem("value.not_positive", "stated_length_m", value=p["stated_length_m"])
    return dict(
        code=text_(p, "code", required=True),
        name=text_(p, "name"),
        owner_id=ctx.operator(p.get("owner"), "owner") if owner is None else owner,
        duct_count=duct_count,
        free_duct_count=free,
        subduct_count=integer(p, "subduct_count", default=0),
        stated_length_m=stated,
        **in_service(p),
        geom=line,  # shapely, as point() gives: WKB when stored (importer._as_wkb, assets.create)
    )


def ducts(table, ctx, problems):
    def build(f, p):
        if f.geometry.geom_type != "LineString":
            raise RowProblem("geometry.wrong_type", expected="LineString", got=f.geometry.geom_type)
        row = duct_row(p, f.geometry, ctx)
        occupants = names(p, "occupants") or names(p, "operators")
        return {**row, "_links": list(dict.fromkeys(ctx.operator(n, "occupants") for n in occupants))}

    rows = _rows(table, build, problems)
    _check_codes(ctx, m.DuctRoute.__table__, table, rows, problems)
    return rows


def fibre_access_points(table, ctx, problems):
    rows = _rows(
        table,
        lambda f, p: dict(
            code=text_(p, "code", required=True),
            operator_id=ctx.operator(p.get("operator") or p.get("owner"), "operator"),
            kind=choice(p, "kind", m.FAP_KINDS, "splitter", ctx),
            ports_total=integer(p, "ports_total", required=True),
            ports_used=integer(p, "ports_used", default=0),
            service_radius_m=num(p, "service_radius_m", default=500.0),
            status=choice(p, "status", m.FAP_STATUSES, "active", ctx),
            **in_service(p),
            geom=point(f),
        ),
        problems,
    )
    _check_codes(ctx, m.FibreAccessPoint.__table__, table, rows, problems)
    return rows


def manholes(table, ctx, problems):
    """Manholes: a point, a code, an owner and, optionally, the code of the duct route they open on."""
    routes = ids_by(ctx.conn, m.DuctRoute.__table__)

    def route(p):
        code = text_(p, "duct_route_code")
        if code is not None and code not in routes:
            raise RowProblem("duct_route.unknown", "duct_route_code", code=code)
        return routes.get(code)

    def build(f, p):
        owner = ctx.operator(p.get("owner") or p.get("operator"), "owner")
        return dict(
            code=text_(p, "code", required=True),
            owner_id=owner,
            duct_route_id=route(p),
            **in_service(p),
            geom=point(f),
        )

    rows = _rows(table, build, problems)
    _check_codes(ctx, m.Manhole.__table__, table, rows, problems)
    return rows


def commune_offices(table, ctx, problems):
    t = m.AdminUnit.__table__
    communes = dict(
        ctx.conn.execute(select(t.c.code, t.c.id).where(t.c.level == "commune", t.c.valid_to.is_(None))).all()
    )

    def commune(p):
        code = text_(p, "commune_code", required=True)
        if code not in communes:
            raise RowProblem("commune.unknown", "commune_code", code=code)
        return communes[code]

    rows = _rows(
        table,
        lambda f, p: dict(
            code=text_(p, "code", required=True),
            name=text_(p, "name", required=True),
            commune_id=commune(p),
            gov_network_connected=boolean(p, "gov_network_connected")
            if p.get("gov_network_connected") not in (None, "")
            else False,
            bandwidth_mbps=num(p, "bandwidth_mbps"),
            **in_service(p, "connected_on", "disconnected_on"),
            geom=point(f),
        ),
        problems,
    )
    _check_codes(ctx, m.CommuneOffice.__table__, table, rows, problems)
    return rows


def speed_tests(table, ctx, problems):
    """Speed tests; a file without a code column (an app's export) gets codes derived from each
    test's instant, position and operator, so importing it again finds the same codes."""
    derive = "code" not in table.columns.values()
    if derive and table.features:
        ctx.defaults_used.add("code=ST-sha1(measured_at|lon|lat|operator)")

    def build(f, p):
        written = instant(p, "measured_at")
        if written.tzinfo is None:  # "01/05/2025 10:00": the surveyor's local time (the report says so)
            ctx.local_times.add("measured_at")
        at = on_clock(written, clock.LOCAL_TZ, "measured_at", p.get("measured_at"))
        tech = choice(p, "technology", m.SPEED_TECHNOLOGIES, None, ctx)
        # A mobile test measures a mobile network; a fixed line may be any operator's.
        op = ctx.operator(p["operator"], "operator", mobile=tech != "fixed") if p.get("operator") else None
        geom = point(f)
        if derive:  # an unzoned time keys its wall clock, as before such times were read on the clock
            code = speed_test_code(written, f.geometry, ctx.short_names.get(op, ""))
        else:
            code = text_(p, "code", required=True)
        return dict(
            code=code,
            measured_at=at,
            operator_id=op,
            technology=tech,
            download_mbps=num(p, "download_mbps", required=True),
            upload_mbps=num(p, "upload_mbps", required=True),
            latency_ms=num(p, "latency_ms"),
            rsrp_dbm=_signal(p, tech),
            geom=geom,
        )

    rows = _rows(table, build, problems)
    _check_codes(ctx, m.SpeedTest.__table__, table, rows, problems)
    return rows


def _signal(p: dict, technology: str) -> float | None:
    """The phone's RSRP (dBm; its range is checked with the others, gis/importers/ranges.py); a
    fixed line has no radio signal, so a value there means the columns were mixed up."""
    rsrp = num(p, "rsrp_dbm")
    if rsrp is not None and technology == "fixed":
        raise RowProblem("speed_test.signal_on_fixed", "rsrp_dbm", value=p.get("rsrp_dbm"))
    return rsrp


def speed_test_code(at: datetime, position, operator: str) -> str:
    """'ST-' + the first 12 hex digits of sha1('<instant in UTC>|<lon>|<lat>|<operator>')."""
    when = at.astimezone(UTC).isoformat() if at.tzinfo else at.isoformat()
    key = f"{when}|{position.x:.7f}|{position.y:.7f}|{operator}"
    return "ST-" + hashlib.sha1(key.encode()).hexdigest()[:12]


def tall_structures(table, ctx, problems):
    """Water towers, tall buildings, power-line towers … as a commune or a power company sends them:
    a name, a kind, a height, an owner and address as written. A file without a code column gets
    codes derived from each structure's name and position, so importing it again finds the same."""
    derive = "code" not in table.columns.values()
    if derive and table.features:
        ctx.defaults_used.add("code=CT-sha1(name|lon|lat)")

    def build(f, p):
        name = text_(p, "name", required=True)
        geom = point(f)
        key = f"{fold_vi(name)}|{geom.x:.6f}|{geom.y:.6f}"
        code = (
            "CT-" + hashlib.sha1(key.encode()).hexdigest()[:10] if derive else text_(p, "code", required=True)
        )
        return dict(
            code=code,
            name=name,
            kind=choice(p, "kind", m.TALL_STRUCTURE_KINDS, None, ctx),
            height_m=num(p, "height_m", required=True),
            owner=text_(p, "owner"),
            address=text_(p, "address"),
            **in_service(p),
            geom=geom,
        )

    rows = _rows(table, build, problems)
    _check_codes(ctx, m.TallStructure.__table__, table, rows, problems)
    return rows


# ---------------------------------------------------------------- admin units
_LEVEL_WORDS = {
    "province": ("tinh", "thanh pho truc thuoc trung uong", "province"),
    "district": ("huyen", "thi xa", "thanh pho", "quan", "district"),
    "commune": ("xa", "phuong", "thi tran", "commune", "ward"),
    "hamlet": ("ap", "khu vuc", "to", "hamlet"),
}
_CODE_LEVEL = {2: "province", 3: "district", 5: "commune", 7: "hamlet"}


def admin_level(p: dict) -> str:
    code = str(p.get("code") or p.get("district_code") or "")
    for key in ("level", "kind"):
        v = fold_vi(str(p.get(key) or ""))
        # "Thành phố" is a district's kind, and a province's too (a centrally-run city): a 2-digit code tells.
        if key == "kind" and v == "thanh pho" and len(code) == 2:
            return "province"
        for level, words in _LEVEL_WORDS.items():
            if v in words or v == level:
                return level
    if len(code) in _CODE_LEVEL:
        return _CODE_LEVEL[len(code)]
    raise RowProblem("admin.level_unknown", "level")


def admin_record(f, level: str | None = None) -> tuple[str, dict]:
    """(level, fields) of one admin feature; the code may come from ma_huyen / ma_xa columns.

    ``level`` is the target's word for what the rows are (a hamlet layer has no level column); a
    hamlet so named may come without a code: ``hamlet_codes`` finds it by commune and name.
    """
    p = dict(f.properties)
    given = level
    level = level or admin_level(p)
    own = {"district": "district_code", "commune": "commune_code"}.get(level)
    parent_key = {"district": "province_code", "commune": "district_code", "hamlet": "commune_code"}.get(
        level
    )
    code = text_(p, "code") or (text_(p, own) if own else None)
    if code is None and given != "hamlet":
        raise RowProblem("value.required", "code")
    # "Tên ấp" names a hamlet in a hamlet file; in a commune file "Tên huyện" is only its parent's.
    name = text_(p, "name") or text_(p, f"{level}_name")
    if name is None:
        raise RowProblem("value.required", "name")
    geom = f.geometry
    if isinstance(geom, Polygon):
        geom = MultiPolygon([geom])
    if not isinstance(geom, MultiPolygon):
        raise RowProblem("geometry.not_a_polygon", got=geom.geom_type)
    return level, dict(
        code=code,
        name=name,
        kind=text_(p, "kind"),
        # A commune of the two-level government (since 1 July 2025) names its province, not a district.
        parent_code=text_(p, "parent_code")
        or (text_(p, parent_key) if parent_key else None)
        or (text_(p, "province_code") if level == "commune" else None),
        population=integer(p, "population"),
        households=integer(p, "households"),
        urban=boolean(p, "urban") if p.get("urban") not in (None, "") else False,
        geometry=geom,
        **({"vn2000_crs": _vn2000_zone(p)} if level == "province" else {}),
    )


def _vn2000_zone(p: dict) -> str | None:
    """A top-level unit's VN-2000 projection (its TM-3 zone), when its data names one."""
    given = text_(p, "vn2000_crs")
    if given is None:
        return None
    try:
        return vn2000_projected(given)
    except ValueError:
        raise RowProblem("admin.vn2000_crs_unknown", "vn2000_crs", value=given) from None


def hamlet_codes(
    conn: Connection, recs: list[tuple[int, dict]], table: ImportedTable, problems: list[Problem]
) -> None:
    """Give a code to every hamlet record that has none, keyed by commune + name, never by name
    alone ("Ấp 1" exists in many communes): a stored hamlet of that commune with the same name
    (diacritics-insensitive) keeps its code (the row updates it); a new one gets its commune's code
    and the first free two digits. Two rows naming one hamlet of one commune are refused."""
    t = m.AdminUnit.__table__
    c = t.alias("commune")
    stored = conn.execute(
        select(t.c.code, t.c.name, c.c.code, t.c.valid_to)
        .join(c, c.c.id == t.c.parent_id)
        .where(t.c.level == "hamlet")
    ).all()
    by_name = {(commune, fold_vi(name)): code for code, name, commune, valid_to in stored if valid_to is None}
    taken = {code for code, *_ in stored} | {rec["code"] for _, rec in recs if rec["code"]}
    seen: dict[tuple[str, str], int] = {}
    for number, rec in recs:
        commune = rec["parent_code"]
        if commune is None:
            if rec["code"] is None:
                problems.append(table.place(Problem("hamlet.commune_required", "commune_code"), number))
            continue
        key = (commune, fold_vi(rec["name"]))
        if key in seen:
            params = {"name": rec["name"], "commune": commune, "first": seen[key]}
            problems.append(table.place(Problem("hamlet.repeated", "name", params=params), number))
            continue
        seen[key] = number
        if rec["code"] is None:
            rec["code"] = by_name.get(key) or _free_hamlet_code(commune, taken)
            if rec["code"] is None:
                params = {"commune": commune}
                problems.append(table.place(Problem("hamlet.no_free_code", "code", params=params), number))
            taken.add(rec["code"])


def _free_hamlet_code(commune: str, taken: set[str]) -> str | None:
    return next((f"{commune}{n:02d}" for n in range(1, 100) if f"{commune}{n:02d}" not in taken), None)
