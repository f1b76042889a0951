"""A synthetic 2025 reform of the sample province, shaped like the real one (Resolution 1668: the
former Hậu Giang's 75 communes merged into 28 inside the former province, mostly 2–4 neighbours each,
none split), written as the files a Department receives: the lineage and the list of new units.

Neighbouring communes are merged smallest first — size being area and population, each relative to
the mean — with the neighbour that makes the smallest new unit, a neighbour of the same former
district preferred, at most ``REFORM.max_merged`` per new unit, until ``REFORM.commune_count`` are
left; so every new unit is contiguous and the largest old communes may stay as they were. A new unit
is a "Phường" when one of its predecessors was, else a "Xã"; it takes the name and code of its
largest predecessor whose name is free (a numbered ward gives way to its former district's name),
else a new name (gis/synthetic/names.py). No randomness: the grouping follows from the geometries alone.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from gis.synthetic.admin import Admin, Unit
from gis.synthetic.facts import REFORM
from gis.synthetic.names import new_unit_name
from gis.synthetic.partition import atom_adjacency
from gis.text import fold_vi

__all__ = [
    "NewCommune",
    "LINEAGE_HEADER",
    "UNITS_HEADER",
    "MIN_BORDER_M",
    "commune_adjacency",
    "group_communes",
    "build_reform",
    "build_city_reform",
    "lineage_rows",
    "unit_rows",
]

# Communes touching along less than this are not neighbours (a corner is no border).
MIN_BORDER_M = 200.0
_NUMBERED = re.compile(r"^([IVXLC]+|\d+)$")  # "Phường I", "Phường 3": no name to give a merged unit
# The headers of data/vocabulary/columns.csv (column.reform), as the Department's files carry them.
LINEAGE_HEADER = ("Mã xã mới", "Tên xã mới", "Mã xã cũ", "Tên xã cũ", "Hình thức")
UNITS_HEADER = (
    "Mã đơn vị mới",
    "Tên đơn vị mới",
    "Loại đơn vị mới",
    "Mã tỉnh/thành phố",
    "Tên tỉnh/thành phố",
)


@dataclass(frozen=True)
class NewCommune:
    """A commune of the reform and the old communes it was formed of (largest first)."""

    code: str
    name: str
    kind: str  # "Phường" / "Xã"
    predecessors: tuple[Unit, ...]

    @property
    def area_km2(self) -> float:
        return sum(u.metric.area for u in self.predecessors) / 1e6

    @property
    def population(self) -> int:
        return sum(u.population for u in self.predecessors)


def commune_adjacency(
    communes: list[Unit], min_border_m: float = MIN_BORDER_M
) -> dict[int, dict[int, float]]:
    """index → {neighbour index: shared border in metres} (the communes are one exact coverage)."""
    pairs, lengths = atom_adjacency(np.array([c.metric for c in communes], dtype=object))
    out: dict[int, dict[int, float]] = defaultdict(dict)
    for (i, j), length in zip(pairs.tolist(), lengths.tolist(), strict=True):
        if length >= min_border_m:
            out[i][j] = out[j][i] = length
    return out


def group_communes(
    communes: list[Unit], count: int = REFORM.commune_count, max_merged: int = REFORM.max_merged
) -> list[list[int]]:
    """Indices of the communes forming each new unit (see the module), sorted by their first index."""
    area = np.array([c.metric.area for c in communes])
    population = np.array([c.population for c in communes], dtype=float)
    size = area / area.mean() + population / population.mean()
    near = commune_adjacency(communes)
    groups = {i: [i] for i in range(len(communes))}
    weight = {i: float(size[i]) for i in groups}
    owner = list(range(len(communes)))  # commune → the group holding it
    full: set[int] = set()  # groups no neighbour can join any more
    while len(groups) > count:
        open_ = [g for g in groups if g not in full]
        if not open_:
            raise RuntimeError(f"cannot merge {len(communes)} communes into {count}: no neighbours left")
        g = min(open_, key=lambda k: (weight[k], k))
        districts = {communes[i].parent_code for i in groups[g]}
        best = None
        for other in sorted({owner[j] for i in groups[g] for j in near[i]} - {g}):
            if len(groups[g]) + len(groups[other]) > max_merged:
                continue
            across = any(communes[i].parent_code not in districts for i in groups[other])
            score = (across, weight[g] + weight[other])
            if best is None or score < best[0]:
                best = (score, other)
        if best is None:
            full.add(g)
            continue
        keep, gone = sorted((g, best[1]))
        groups[keep] = sorted(groups[keep] + groups.pop(gone))
        weight[keep] += weight.pop(gone)
        full.discard(gone)
        for i in groups[keep]:
            owner[i] = keep
    return sorted(groups.values())


def build_reform(admin: Admin) -> list[NewCommune]:
    """The new communes of the sample province, sorted by code."""
    return build_city_reform([(admin, REFORM.commune_count)])


def build_city_reform(provinces: list[tuple[Admin, int]]) -> list[NewCommune]:
    """The new communes of former provinces merged into one city, sorted by code: each province's
    communes merged among themselves into the count given (as in the real reform, no new commune spans
    two former provinces), the names free across the whole city, the first province's chosen first."""
    taken: set[str] = set()
    out: list[NewCommune] = []
    for admin, count in provinces:
        out += _new_communes(admin, count, taken)
    return sorted(out, key=lambda c: c.code)


def _new_communes(admin: Admin, count: int, taken: set[str]) -> list[NewCommune]:
    districts = {d.code: d for d in admin.districts}
    out = []
    for members in group_communes(admin.communes, count):
        old = sorted((admin.communes[i] for i in members), key=lambda u: (-u.population, u.code))
        kind = "Phường" if any(u.kind == "Phường" for u in old) else "Xã"
        # A numbered ward gives way to its former district's name ("Phường I" → "Phường Vị Thanh").
        offered = [
            (_base(districts[u.parent_code]) if _NUMBERED.match(_base(u)) else _base(u), u) for u in old
        ]
        base, giver = next(((b, u) for b, u in offered if fold_vi(b) not in taken), (None, old[0]))
        base = base or new_unit_name(taken)
        taken.add(fold_vi(base))
        out.append(NewCommune(giver.code, f"{kind} {base}", kind, tuple(old)))
    return out


def _base(unit: Unit) -> str:
    """A unit's name without its kind: "Xã Vị Tân" → "Vị Tân", "Thành phố Vị Thanh" → "Vị Thanh"."""
    return unit.name[len(unit.kind) + 1 :] if unit.name.startswith(unit.kind + " ") else unit.name


def lineage_rows(reform: list[NewCommune]) -> list[tuple[str, ...]]:
    """lineage.csv: one row per old commune, by new then old code; every one went in whole."""
    return [
        (c.code, c.name, u.code, u.name, "toàn bộ")
        for c in reform
        for u in sorted(c.predecessors, key=lambda u: u.code)
    ]


def unit_rows(reform: list[NewCommune]) -> list[tuple[str, ...]]:
    """units.csv: each new unit, its kind and the city it lies in."""
    return [(c.code, c.name, c.kind, REFORM.city_code, REFORM.city_name) for c in reform]
