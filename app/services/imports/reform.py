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

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from shapely import MultiPolygon, Polygon
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from app.i18n import catalogue
from app.services.audit import Actor
from app.services.imports.importer import ImportFailed, in_transaction
from app.services.imports.reform_store import NewUnit, Stored, check, place_hamlets, write
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
# Effective dates outside these are typing mistakes (and the day before date.min does not exist).
_FIRST_DAY, _LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)


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
    state = Stored.load(conn, effective)
    problems += check(state, links, units, table.name)
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
    hamlets = place_hamlets(state, links, new_geoms, problems)
    if problems:
        raise ImportFailed([p.at(source=table.name) for p in problems])
    if actor is not None:
        actor.apply(conn)
    try:
        report.counts = write(conn, state, links, units, new_geoms, shares, hamlets, reform)
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


__all__ = ["ReformReport", "apply_file", "apply_into"]
