"""Apply an administrative reform (e.g. 1 July 2025: communes merged, districts abolished, provinces
joined) from its lineage file, all or nothing, in one transaction — the one code path behind
`python -m app.cli reform` and `POST /api/import/reform`.

Inputs: the effective date; the lineage (CSV/XLSX: new_code, new_name, old_code, old_name, part, or
"Mã xã mới, Tên xã mới, Mã xã cũ, Tên xã cũ, Hình thức (toàn bộ/một phần)"); the new units' kind and
province/city (columns of the lineage, or a file of the new codes: new_code, new_name, unit_type,
province_code, province_name); optionally the new units' polygons (GeoJSON/GPKG/SHP), needed for a
new unit one of whose predecessors was split. Effects, all on the effective date: the old communes
end; the new ones start under their province/city (a new version of it when none is in force then,
drawn as the union of its communes); a district or province whose every commune ends, ends; hamlets
of an ended commune get a new version under the commune they now lie in; the lineage is stored with
its area (and population) shares. Every check runs before anything is written; a reform already
applied is refused (``reform.already_applied``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import shapely
from geoalchemy2.shape import from_shape
from shapely import MultiPolygon, Polygon
from sqlalchemy import Connection, Engine, insert, text, update
from sqlalchemy.exc import DBAPIError

from app import models as m
from app.i18n import catalogue
from app.layer_types import IN_FORCE_ON
from app.services.audit import Actor
from app.services.imports.importer import ImportFailed, in_transaction
from app.services.imports.vocabulary import current as current_vocabulary
from gis import reform as lineage_mod
from gis.crs import geometry_to_metric
from gis.importers import ImportRefused, read_table
from gis.importers.workbook import read_plain_table
from gis.problems import Problem
from gis.text import fold_vi

TARGET = "reform"  # the vocabulary domain of its headers: column.reform
# A new unit's kind read from the start of its name when no column gives it.
_KINDS = ("Phường", "Xã", "Thị trấn", "Đặc khu")
_URBAN = {"phuong", "thi tran"}
# Effective dates outside these are typing mistakes (and the day before date.min does not exist).
_FIRST_DAY, _LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)


@dataclass
class NewUnit:
    code: str
    name: str
    kind: str | None = None
    province_code: str | None = None
    province_name: str | None = None
    row: int | None = None


@dataclass
class ReformReport:
    file: str
    effective: date
    reform: str | None
    dry_run: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self, lang: str = "vi") -> dict:
        said = catalogue(lang)
        return {
            "file": self.file,
            "effective": self.effective.isoformat(),
            "reform": self.reform,
            "dry_run": self.dry_run,
            "counts": self.counts,
            "warnings": said.render_all(self.warnings),
            "warning_details": [{**w.as_dict(), "message": said.render(w)} for w in self.warnings],
            "seconds": self.seconds,
        }


def apply_file(
    engine: Engine,
    lineage: str | Path,
    effective: date,
    *,
    codes: str | Path | None = None,
    polygons: str | Path | None = None,
    reform: str | None = None,
    dry_run: bool = False,
    actor: Actor | None = None,
    crs: str | None = None,
    layer: str | None = None,
) -> ReformReport:
    """Apply the reform in a transaction of its own (see the module); a dry run does the same work,
    database constraints included, reports the counts and rolls back. Raises :class:`ImportFailed`
    with every problem found, having written nothing."""
    return in_transaction(
        engine,
        lambda conn: apply_into(
            conn,
            lineage,
            effective,
            codes=codes,
            polygons=polygons,
            reform=reform,
            actor=actor,
            crs=crs,
            layer=layer,
        ),
        dry_run,
    )


def apply_into(
    conn: Connection,
    lineage: str | Path,
    effective: date,
    *,
    codes: str | Path | None = None,
    polygons: str | Path | None = None,
    reform: str | None = None,
    actor: Actor | None = None,
    crs: str | None = None,
    layer: str | None = None,
) -> ReformReport:
    """The work of :func:`apply_file` on a connection whose transaction the caller owns."""
    if not _FIRST_DAY <= effective <= _LAST_DAY:
        params = {"date": effective.isoformat(), "min": _FIRST_DAY.isoformat(), "max": _LAST_DAY.isoformat()}
        raise ImportFailed([Problem("reform.date_out_of_range", "effective", params=params)])
    vocabulary = current_vocabulary(conn)
    try:
        table = read_plain_table(Path(lineage), None, vocabulary, None, TARGET)
        listed = read_plain_table(Path(codes), None, vocabulary, None, TARGET) if codes else None
        drawn = (
            read_table(Path(polygons), crs=crs, layer=layer, vocabulary=vocabulary, target=TARGET)
            if polygons
            else None
        )
    except ImportRefused as exc:
        raise ImportFailed(exc.problems) from exc
    report = ReformReport(table.name, effective, reform, warnings=list(table.warnings))
    links, problems = lineage_mod.parse_lineage(
        ((f.number, f.properties) for f in table.features), table.name
    )
    units = _new_units(table, listed, problems)
    given = _given_polygons(drawn, units, problems) if drawn is not None else {}
    state = _State.load(conn, effective)
    problems += _check_state(state, links, units, table.name)
    if problems:
        raise ImportFailed(problems)
    old_geoms = {code: c["geom"] for code, c in state.communes.items()}
    new_geoms, problems = lineage_mod.dissolve(links, old_geoms, given)
    if problems:
        raise ImportFailed([p.at(source=table.name) for p in problems])
    old_m = {c: geometry_to_metric(g) for c, g in old_geoms.items() if c in {x.old_code for x in links}}
    new_m = {c: geometry_to_metric(g) for c, g in new_geoms.items()}
    shares = lineage_mod.area_shares(links, old_m, new_m)
    km2 = {c: g.area / 1e6 for c, g in old_m.items()}
    problems = lineage_mod.check_areas(links, km2, {c: g.area / 1e6 for c, g in new_m.items()}, shares)
    hamlets = _place_hamlets(state, links, new_geoms, problems)
    if problems:
        raise ImportFailed([p.at(source=table.name) for p in problems])
    if actor is not None:
        actor.apply(conn)
    try:
        report.counts = _write(conn, state, links, units, new_geoms, shares, hamlets, reform)
    except DBAPIError as exc:  # a code too long for its column …: said, and the caller rolls back
        detail = str(exc.orig).splitlines()[0] if exc.orig else str(exc)
        raise ImportFailed(
            [Problem("db.load_refused", params={"detail": detail}, source=table.name)]
        ) from exc
    return report


def _new_units(table, listed, problems: list[Problem]) -> dict[str, NewUnit]:
    """Each new code's name, kind and province/city, from the lineage's columns and the codes file."""
    units: dict[str, NewUnit] = {}
    for f in table.features:
        _merge(units, f.properties, f.number)
    if listed is not None:
        in_lineage = set(units)
        for f in listed.features:
            code = lineage_mod.cell_text(f.properties.get("new_code"))
            if code is None:
                problems.append(listed.place(Problem("value.required", "new_code"), f.number))
            elif code not in in_lineage:
                problems.append(
                    listed.place(
                        Problem("reform.new_code_without_lineage", "new_code", params={"code": code}),
                        f.number,
                    )
                )
            else:
                _merge(units, f.properties, f.number)
    for unit in units.values():
        unit.kind = unit.kind or next(
            (k for k in _KINDS if fold_vi(unit.name).startswith(fold_vi(k) + " ")), None
        )
        if unit.province_code is None:
            params = {"code": unit.code, "name": unit.name}
            problems.append(
                table.place(Problem("reform.province_required", "province_code", params=params), unit.row)
            )
    return units


def _merge(units: dict[str, NewUnit], p: dict, number: int) -> None:
    code, name = lineage_mod.cell_text(p.get("new_code")), lineage_mod.cell_text(p.get("new_name"))
    if code is None or name is None:
        return  # parse_lineage names it
    unit = units.setdefault(code, NewUnit(code, name, row=number))
    for key in ("kind", "province_code", "province_name"):
        value = lineage_mod.cell_text(p.get(key))
        if value is not None and getattr(unit, key) is None:
            setattr(unit, key, value)


def _given_polygons(drawn, units: dict[str, NewUnit], problems: list[Problem]) -> dict:
    """The new units' polygons of the file, by code (new_code, code or commune_code)."""
    problems.extend(drawn.problems)
    out = {}
    for f in drawn.features:
        p = f.properties
        code = lineage_mod.cell_text(p.get("new_code") or p.get("code") or p.get("commune_code"))
        if code not in units:
            problems.append(
                drawn.place(Problem("reform.polygon_unknown_code", "code", params={"code": code}), f.number)
            )
        elif not isinstance(f.geometry, Polygon | MultiPolygon):
            problems.append(
                drawn.place(Problem("geometry.not_a_polygon", params={"got": f.geometry.geom_type}), f.number)
            )
        else:
            out[code] = f.geometry
    return out


@dataclass
class _State:
    """The stored units the reform touches: communes in force the day before, their hamlets."""

    effective: date
    # code → {id, name, valid_to, province, province_id, district_id, population, geom}
    communes: dict[str, dict]
    # (level, code) → ids of the units in force on the effective date (a province that ends then and
    # its successor made by an earlier file of the same reform share a code).
    in_force: dict[tuple[str, str], list[int]]
    hamlets: list[dict] = field(default_factory=list)

    @classmethod
    def load(cls, conn: Connection, effective: date) -> _State:
        before = {"before": effective - timedelta(days=1), "on": effective}
        rows = conn.execute(
            text(
                "SELECT c.id, c.code, c.name, c.valid_to, c.population, ST_AsBinary(c.geom) AS wkb, "
                "CASE p.level WHEN 'district' THEN p.id END AS district_id, "
                "coalesce(pp.code, p.code) AS province, coalesce(pp.id, p.id) AS province_id "
                "FROM admin_units c JOIN admin_units p ON p.id = c.parent_id "
                "LEFT JOIN admin_units pp ON pp.id = p.parent_id "
                f"WHERE c.level = 'commune' AND {IN_FORCE_ON.format(a='c', day=':before')}"
            ),
            before,
        ).mappings()
        communes = {r["code"]: {**r, "geom": shapely.from_wkb(bytes(r["wkb"]))} for r in rows}
        forced: dict[tuple[str, str], list[int]] = defaultdict(list)
        for level, code, unit_id in conn.execute(
            text(
                f"SELECT level::text, code, id FROM admin_units a WHERE {IN_FORCE_ON.format(a='a', day=':on')}"
            ),
            before,
        ):
            forced[level, code].append(unit_id)
        hamlets = conn.execute(
            text(
                "SELECT h.id, h.code, h.name, h.population, c.code AS commune, "
                "ST_AsBinary(ST_PointOnSurface(h.geom)) AS wkb FROM admin_units h "
                "JOIN admin_units c ON c.id = h.parent_id "
                f"WHERE h.level = 'hamlet' AND {IN_FORCE_ON.format(a='h', day=':before')} "
                "AND c.level = 'commune' AND h.valid_to IS NULL ORDER BY h.code"
            ),
            before,
        ).mappings()
        placed = [{**h, "point": shapely.from_wkb(bytes(h["wkb"]))} for h in hamlets]
        return cls(effective, communes, dict(forced), placed)


def _check_state(state: _State, links, units: dict[str, NewUnit], source: str) -> list[Problem]:
    """The lineage against what is stored: applied already, old units unknown or already ended,
    every commune of the provinces it touches covered, new codes not taken."""
    eff = state.effective
    named = {x.old_code for x in links}
    ended = sorted(c for c in named if c in state.communes and state.communes[c]["valid_to"] is not None)
    if ended and all(state.communes[c]["valid_to"] == eff for c in ended):
        return [
            Problem(
                "reform.already_applied", None, None, {"date": eff.isoformat(), "codes": ended[:5]}, source
            )
        ]
    problems = [
        Problem(
            "reform.old_already_ended",
            "old_code",
            None,
            {"code": c, "date": state.communes[c]["valid_to"].isoformat()},
            source,
        )
        for c in ended
    ]
    provinces = {state.communes[c]["province"] for c in named if c in state.communes}
    affected = [c for c, u in state.communes.items() if u["province"] in provinces]
    old_names = {c: u["name"] for c, u in state.communes.items()}
    problems += lineage_mod.check_lineage(links, old_names, affected, source)
    for code in sorted(set(units) - named):
        if ("commune", code) in state.in_force:
            problems.append(
                Problem("reform.new_code_in_use", "new_code", units[code].row, {"code": code}, source)
            )
    ending = _ending(state, named)["province"]
    for unit in units.values():
        if unit.province_code and _kept(state, unit.province_code, ending) is None and not unit.province_name:
            params = {"code": unit.province_code}
            problems.append(
                Problem("reform.province_name_required", "province_name", unit.row, params, source)
            )
    return problems


def _kept(state: _State, code: str, ending: set[int]) -> int | None:
    """The province/city ``code`` in force on the effective date that goes on after it, if any."""
    return next((i for i in state.in_force.get(("province", code), []) if i not in ending), None)


def _ending(state: _State, named: set[str]) -> dict[str, set[int]]:
    """Ids of the districts and provinces every one of whose communes ends."""
    out: dict[str, set[int]] = {}
    for level, key in (("district", "district_id"), ("province", "province_id")):
        held: dict[int, list[str]] = defaultdict(list)
        for code, c in state.communes.items():
            if c[key] is not None:
                held[c[key]].append(code)
        out[level] = {unit for unit, codes in held.items() if set(codes) <= named}
    return out


def _place_hamlets(state: _State, links, new_geoms: dict, problems: list[Problem]) -> list[tuple[int, str]]:
    """(hamlet id, new commune code) for every hamlet in force under an ending commune: its one
    successor, or (a split commune) the new unit holding the hamlet's point on surface."""
    successors: dict[str, list[str]] = defaultdict(list)
    for x in links:
        successors[x.old_code].append(x.new_code)
    out = []
    for h in state.hamlets:
        going = successors.get(h["commune"], [])
        if not going:  # its commune goes on
            continue
        if len(going) == 1:
            out.append((h["id"], going[0]))
            continue
        inside = [code for code in going if new_geoms[code].intersects(h["point"])]
        if not inside:
            params = {"code": h["code"], "name": h["name"], "commune": h["commune"]}
            problems.append(Problem("reform.hamlet_unplaced", "geometry", None, params))
        else:
            out.append((h["id"], inside[0]))
    return out


def _write(
    conn: Connection, state: _State, links, units, new_geoms, shares, hamlets, reform
) -> dict[str, int]:
    t = m.AdminUnit.__table__
    eff = state.effective
    named = {x.old_code for x in links}
    old_ids = [state.communes[c]["id"] for c in sorted(named)]
    ending = _ending(state, named)
    conn.execute(update(t).where(t.c.id.in_(old_ids)).values(valid_to=eff))
    for level in ("district", "province"):
        if ending[level]:
            conn.execute(update(t).where(t.c.id.in_(sorted(ending[level]))).values(valid_to=eff))
    provinces, made = _provinces(conn, state, units, new_geoms, ending["province"])
    population = _populations(state, links)
    rows = [
        dict(
            level="commune",
            code=u.code,
            official_code=True,
            name=u.name,
            name_folded=fold_vi(u.name),
            kind=u.kind,
            parent_id=provinces[u.province_code],
            population=population.get(u.code),
            urban=fold_vi(u.kind or "") in _URBAN,
            valid_from=eff,
            geom=from_shape(_multi(new_geoms[u.code]), srid=m.SRID),
        )
        for u in units.values()
    ]
    new_ids = dict(conn.execute(insert(t).returning(t.c.code, t.c.id), rows).all())
    _redraw(conn, eff, list(provinces.values()))
    moved = _move_hamlets(conn, eff, [(h, new_ids[code]) for h, code in hamlets])
    lineage = [
        dict(
            old_unit_id=state.communes[x.old_code]["id"],
            new_unit_id=new_ids[x.new_code],
            part=x.part,
            area_share=round(shares[x.old_code, x.new_code], 6),
            population_share=_population_share(state, x, hamlets),
            reform=reform,
        )
        for x in links
    ]
    conn.execute(insert(m.AdminLineage.__table__), lineage)
    return {
        "communes_ended": len(old_ids),
        "communes_inserted": len(rows),
        "districts_ended": len(ending["district"]),
        "provinces_ended": len(ending["province"]),
        "provinces_inserted": made,
        "hamlets_moved": moved,
        "lineage": len(lineage),
    }


def _provinces(conn, state: _State, units, new_geoms, ending: set[int]) -> tuple[dict[str, int], int]:
    """Province/city code → the id the new communes lie under: the one in force on the effective
    date that goes on, else a new version drawn as the union of its new communes."""
    t = m.AdminUnit.__table__
    out, made = {}, 0
    for code in dict.fromkeys(u.province_code for u in units.values()):
        kept = _kept(state, code, ending)
        if kept is not None:
            out[code] = kept
            continue
        mine = [u for u in units.values() if u.province_code == code]
        name = mine[0].province_name
        row = dict(
            level="province",
            code=code,
            official_code=True,
            name=name,
            name_folded=fold_vi(name),
            kind="Thành phố" if fold_vi(name).startswith("thanh pho") else "Tỉnh",
            valid_from=state.effective,
            geom=from_shape(_multi(shapely.union_all([new_geoms[u.code] for u in mine])), srid=m.SRID),
        )
        out[code] = conn.execute(insert(t).values(**row).returning(t.c.id)).scalar_one()
        made += 1
    return out, made


def _redraw(conn: Connection, effective: date, ids: list[int]) -> None:
    """A province/city that started on the effective date (made by an earlier file of the same
    reform) is the union of its communes, those of this file included."""
    conn.execute(
        text(
            "UPDATE admin_units p SET geom = (SELECT ST_Multi(ST_CollectionExtract(ST_Union(c.geom), 3)) "
            "FROM admin_units c WHERE c.parent_id = p.id AND c.level = 'commune' AND "
            f"{IN_FORCE_ON.format(a='c', day=':on')}) WHERE p.id = ANY(:ids) AND p.valid_from = :on"
        ),
        {"ids": ids, "on": effective},
    )


def _multi(geom):
    """A union as the MULTIPOLYGON column holds it (slivers where neighbours only touch dropped)."""
    polys = [g for g in getattr(geom, "geoms", [geom]) if isinstance(g, Polygon | MultiPolygon)]
    parts = [p for g in polys for p in getattr(g, "geoms", [g])]
    return MultiPolygon(parts)


def _populations(state: _State, links) -> dict[str, int]:
    """A new unit's population: its predecessors', when all went in whole and all are known."""
    preds: dict[str, list] = defaultdict(list)
    for x in links:
        preds[x.new_code].append(None if x.part == "partial" else state.communes[x.old_code]["population"])
    return {code: sum(ps) for code, ps in preds.items() if None not in ps}


def _population_share(state: _State, link, hamlets: list[tuple[int, str]]) -> float | None:
    """1 for a unit that went in whole; for a split one, the share of its hamlets' population now in
    the new unit (None unless every hamlet's population is known)."""
    if link.part == "full":
        return 1.0
    mine = [h for h in state.hamlets if h["commune"] == link.old_code]
    if not mine or any(h["population"] is None for h in mine):
        return None
    total = sum(h["population"] for h in mine)
    going = dict(hamlets)
    here = sum(h["population"] for h in mine if going.get(h["id"]) == link.new_code)
    return round(here / total, 6) if total else None


def _move_hamlets(conn: Connection, effective: date, moves: list[tuple[int, int]]) -> int:
    """Each hamlet's version in force ends; a copy of it starts under its new commune."""
    if not moves:
        return 0
    ids, parents = [h for h, _ in moves], [p for _, p in moves]
    params = {"ids": ids, "parents": parents, "on": effective}
    conn.execute(text("UPDATE admin_units SET valid_to = :on WHERE id = ANY(:ids)"), params)
    columns = (
        "level, code, official_code, name, name_folded, kind, population, households, urban, clutter, geom"
    )
    return conn.execute(
        text(
            f"INSERT INTO admin_units ({columns}, parent_id, valid_from) "
            f"SELECT {', '.join('h.' + c.strip() for c in columns.split(','))}, mv.parent, :on "
            "FROM admin_units h JOIN unnest(CAST(:ids AS int[]), CAST(:parents AS int[])) AS mv(id, parent) "
            "ON mv.id = h.id"
        ),
        params,
    ).rowcount


__all__ = ["ReformReport", "apply_file", "apply_into"]
