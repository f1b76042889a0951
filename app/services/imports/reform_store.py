"""The stored side of a reform (app/services/imports/reform.py): the units it touches, loaded once;
the lineage checked against them; and, once every check has passed, the writes — old units ended,
new ones inserted, hamlets moved, the lineage stored. The new communes lie directly under their
province/city (the two-level local government of 1 July 2025)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

import shapely
from geoalchemy2.shape import from_shape
from sqlalchemy import Connection, insert, text, update

from app import models as m
from app.layer_types import IN_FORCE_ON
from gis import reform as lineage_mod
from gis.problems import Problem
from gis.text import fold_vi

_URBAN = {"phuong", "thi tran"}


@dataclass
class NewUnit:
    code: str
    name: str
    kind: str | None = None
    province_code: str | None = None
    province_name: str | None = None
    row: int | None = None


@dataclass
class Stored:
    """The stored units the reform touches: communes in force the day before, their hamlets."""

    effective: date
    # code → {id, name, valid_to, province, province_id, district_id, population, geom}
    communes: dict[str, dict]
    # (level, code) → ids of the units in force on the effective date (a province that ends then and
    # its successor made by an earlier file of the same reform share a code).
    in_force: dict[tuple[str, str], list[int]]
    hamlets: list[dict] = field(default_factory=list)

    @classmethod
    def load(cls, conn: Connection, effective: date) -> Stored:
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


def check(state: Stored, links, units: dict[str, NewUnit], source: str) -> list[Problem]:
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


def _kept(state: Stored, code: str, ending: set[int]) -> int | None:
    """The province/city ``code`` in force on the effective date that goes on after it, if any."""
    return next((i for i in state.in_force.get(("province", code), []) if i not in ending), None)


def _ending(state: Stored, named: set[str]) -> dict[str, set[int]]:
    """Ids of the districts and provinces every one of whose communes ends."""
    out: dict[str, set[int]] = {}
    for level, key in (("district", "district_id"), ("province", "province_id")):
        held: dict[int, list[str]] = defaultdict(list)
        for code, c in state.communes.items():
            if c[key] is not None:
                held[c[key]].append(code)
        out[level] = {unit for unit, codes in held.items() if set(codes) <= named}
    return out


def place_hamlets(state: Stored, links, new_geoms: dict, problems: list[Problem]) -> list[tuple[int, str]]:
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


def write(
    conn: Connection, state: Stored, links, units, new_geoms, shares, hamlets, reform
) -> dict[str, int]:
    """End the old units, insert the new ones and their lineage: the counts of each."""
    t = m.AdminUnit.__table__
    eff = state.effective
    named = {x.old_code for x in links}
    old_ids = [state.communes[c]["id"] for c in sorted(named)]
    ending = _ending(state, named)
    conn.execute(update(t).where(t.c.id.in_(old_ids)).values(valid_to=eff))
    for level in ("district", "province"):
        if ending[level]:
            conn.execute(update(t).where(t.c.id.in_(sorted(ending[level]))).values(valid_to=eff))
    population = _populations(state, links)
    provinces, made = _provinces(conn, state, units, new_geoms, ending["province"], population)
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
            geom=from_shape(lineage_mod.as_multipolygon(new_geoms[u.code]), srid=m.SRID),
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


def _provinces(
    conn, state: Stored, units, new_geoms, ending: set[int], population: dict[str, int]
) -> tuple[dict[str, int], int]:
    """Province/city code → the id the new communes lie under: the one in force on the effective
    date that goes on, else a new version drawn as the union of its new communes (its population
    theirs, when every one is known)."""
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
            population=sum(population[u.code] for u in mine)
            if all(u.code in population for u in mine)
            else None,
            geom=from_shape(
                lineage_mod.as_multipolygon(shapely.union_all([new_geoms[u.code] for u in mine])), srid=m.SRID
            ),
            # A new version of a code keeps its TM-3 zone (a province's grid outlives its borders).
            vn2000_crs=conn.execute(
                text(
                    "SELECT vn2000_crs FROM admin_units WHERE level = 'province' AND code = :code "
                    "ORDER BY valid_from DESC LIMIT 1"
                ),
                {"code": code},
            ).scalar(),
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


def _populations(state: Stored, links) -> dict[str, int]:
    """A new unit's population: its predecessors', when all went in whole and all are known."""
    preds: dict[str, list] = defaultdict(list)
    for x in links:
        preds[x.new_code].append(None if x.part == "partial" else state.communes[x.old_code]["population"])
    return {code: sum(ps) for code, ps in preds.items() if None not in ps}


def _population_share(state: Stored, link, hamlets: list[tuple[int, str]]) -> float | None:
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


__all__ = ["NewUnit", "Stored", "check", "place_hamlets", "write"]
