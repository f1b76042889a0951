"""An administrative reform as data: which old units formed each new one (the lineage), its checks,
the new polygons dissolved from the old ones, and the share of each old unit's area in each new one.

Pure: rows and geometries in, :class:`Problem` lists and numbers out. Area functions take planar
geometries (a metric CRS, see gis/crs.py): a share is a ratio of areas measured in the plane.

Example (two unit squares merged into one new unit):

>>> from shapely import box
>>> rows = [Link(2, "N1", "Xã Mới", "A", "Xã A", "full"), Link(3, "N1", "Xã Mới", "B", "Xã B", "full")]
>>> new, problems = dissolve(rows, {"A": box(0, 0, 1, 1), "B": box(1, 0, 2, 1)})
>>> new["N1"].area, problems
(2.0, [])
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import shapely
from shapely import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from gis.problems import Problem
from gis.text import fold_vi

__all__ = [
    "AREA_TOLERANCE",
    "PARTS",
    "Link",
    "area_shares",
    "as_multipolygon",
    "cell_text",
    "check_areas",
    "check_lineage",
    "dissolve",
    "parse_lineage",
]

PARTS = ("full", "partial")
# "Hình thức": the whole old unit went into the new one, or a part of it (a split unit).
_PART_WORDS = {"full": "full", "toan bo": "full", "partial": "partial", "mot phan": "partial"}
# New areas must add up to the old ones within this share (simplified boundaries overlap a little).
AREA_TOLERANCE = 0.005


@dataclass(frozen=True)
class Link:
    """One lineage row: old unit ``old_code`` went (wholly or ``partial``-ly) into ``new_code``."""

    row: int
    new_code: str
    new_name: str
    old_code: str
    old_name: str
    part: str = "full"


def parse_lineage(
    rows: Iterable[tuple[int, Mapping]], source: str | None = None
) -> tuple[list[Link], list[Problem]]:
    """Rows of a lineage table (row number, {new_code, new_name, old_code, old_name, part}) as
    :class:`Link` s; an empty ``part`` is ``full``. Every bad row is one problem."""
    links, problems = [], []
    for number, values in rows:
        got = {k: cell_text(values.get(k)) for k in ("new_code", "new_name", "old_code", "old_name", "part")}
        missing = [k for k in ("new_code", "new_name", "old_code") if not got[k]]
        for key in missing:
            problems.append(Problem("value.required", key, number, source=source))
        part = _PART_WORDS.get(fold_vi(got["part"] or "full"))
        if part is None:
            params = {"value": got["part"], "known": ["full", "partial", "toàn bộ", "một phần"]}
            problems.append(Problem("reform.part_unknown", "part", number, params, source))
        if missing or part is None:
            continue
        links.append(
            Link(number, got["new_code"], got["new_name"], got["old_code"], got["old_name"] or "", part)
        )
    return links, problems


def cell_text(value) -> str | None:
    """A cell as text: stripped, None when empty; a code a spreadsheet read as 31336.0 as "31336"."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():  # a spreadsheet's code read as a number
        value = int(value)
    return str(value).strip() or None


def check_lineage(
    links: list[Link], old_units: Mapping[str, str], affected: Iterable[str] = (), source: str | None = None
) -> list[Problem]:
    """What makes a lineage unusable.

    ``old_units``: code → name of the units that may end (in force the day before the reform);
    ``affected``: the codes that must all be covered (every unit of the area reformed).
    Problems: ``reform.pair_repeated`` (the same old and new unit on two rows),
    ``reform.old_repeated`` (an old unit listed twice, not as ``partial``),
    ``reform.partial_once`` (a ``partial`` unit listed once: where did the rest go?),
    ``reform.new_names_differ``, ``reform.old_unknown``, ``reform.old_not_covered``.
    """
    problems = []
    rows_of: dict[str, list[Link]] = defaultdict(list)
    for link in links:
        rows_of[link.old_code].append(link)
    for code, listed in rows_of.items():
        first = listed[0]
        partial = [x.part == "partial" for x in listed]
        going = [x.new_code for x in listed]
        if len(set(going)) < len(going):  # the same pair twice
            twice = next(x for i, x in enumerate(listed) if x.new_code in going[:i])
            params = {"code": code, "new_code": twice.new_code}
            problems.append(Problem("reform.pair_repeated", "old_code", twice.row, params, source))
        elif len(listed) > 1 and not all(partial):
            params = {"code": code, "rows": [x.row for x in listed]}
            problems.append(Problem("reform.old_repeated", "old_code", listed[1].row, params, source))
        elif len(listed) == 1 and partial[0]:
            problems.append(Problem("reform.partial_once", "part", first.row, {"code": code}, source))
        if code not in old_units:
            params = {"code": code, "name": first.old_name}
            problems.append(Problem("reform.old_unknown", "old_code", first.row, params, source))
    names: dict[str, Link] = {}
    for link in links:
        named = names.setdefault(link.new_code, link)
        if fold_vi(named.new_name) != fold_vi(link.new_name):
            params = {
                "code": link.new_code,
                "name": link.new_name,
                "first": named.new_name,
                "first_row": named.row,
            }
            problems.append(Problem("reform.new_names_differ", "new_name", link.row, params, source))
    for code in sorted(set(affected) - set(rows_of)):
        params = {"code": code, "name": old_units.get(code, "")}
        problems.append(Problem("reform.old_not_covered", "old_code", None, params, source))
    return problems


def _predecessors(links: Iterable[Link]) -> dict[str, list[Link]]:
    out: dict[str, list[Link]] = defaultdict(list)
    for link in links:
        out[link.new_code].append(link)
    return dict(out)


def dissolve(
    links: list[Link], old_geoms: Mapping[str, BaseGeometry], given: Mapping[str, BaseGeometry] | None = None
) -> tuple[dict[str, BaseGeometry], list[Problem]]:
    """Each new unit's polygon: ``given`` (a file of the new units) when it has one, else the union
    of its predecessors — possible only when every one went in whole; a new unit with a ``partial``
    predecessor and no given polygon is ``reform.polygon_needed``. Any CRS."""
    given = given or {}
    out, problems = {}, []
    for new_code, preds in _predecessors(links).items():
        if new_code in given:
            out[new_code] = given[new_code]
            continue
        split = [x.old_code for x in preds if x.part == "partial"]
        if split:
            params = {"code": new_code, "name": preds[0].new_name, "split": split}
            problems.append(Problem("reform.polygon_needed", "geometry", preds[0].row, params))
            continue
        parts = [old_geoms[x.old_code] for x in preds if x.old_code in old_geoms]
        out[new_code] = as_multipolygon(shapely.union_all(parts))
    return out, problems


def as_multipolygon(geom: BaseGeometry) -> MultiPolygon:
    """The polygons of ``geom`` (a union's lines and points, where neighbours only touch, dropped) as
    one MultiPolygon, as an admin unit's column holds it."""
    parts = [g for g in getattr(geom, "geoms", [geom]) if isinstance(g, Polygon | MultiPolygon)]
    return MultiPolygon([p for g in parts for p in getattr(g, "geoms", [g])])


def area_shares(
    links: list[Link], old_geoms: Mapping[str, BaseGeometry], new_geoms: Mapping[str, BaseGeometry]
) -> dict[tuple[str, str], float]:
    """(old code, new code) → the share of the old unit's area lying in the new unit: 1.0 for a
    unit that went in whole, area(old ∩ new) / area(old) for a ``partial`` one. Planar geometries."""
    out = {}
    for link in links:
        if link.part == "full":
            out[link.old_code, link.new_code] = 1.0
            continue
        old, new = old_geoms.get(link.old_code), new_geoms.get(link.new_code)
        if old is None or new is None or old.area == 0:
            continue
        out[link.old_code, link.new_code] = shapely.intersection(old, new).area / old.area
    return out


def check_areas(
    links: list[Link],
    old_area_km2: Mapping[str, float],
    new_area_km2: Mapping[str, float],
    shares: Mapping[tuple[str, str], float],
    tolerance: float = AREA_TOLERANCE,
) -> list[Problem]:
    """Areas that do not add up within ``tolerance`` (a share): each new unit against the shares of
    its predecessors (``reform.area_mismatch``), each split unit's shares against 1
    (``reform.split_not_whole``: part of it went nowhere, or twice), the new total against the old."""
    problems = []
    for new_code, preds in sorted(_predecessors(links).items()):
        expected = sum(
            shares.get((x.old_code, new_code), 0.0) * old_area_km2.get(x.old_code, 0.0) for x in preds
        )
        got = new_area_km2.get(new_code)
        if got is not None and _off(got, expected, tolerance):
            params = {"code": new_code, "name": preds[0].new_name, **_compared(got, expected)}
            problems.append(Problem("reform.area_mismatch", "geometry", preds[0].row, params))
    whole: dict[str, float] = defaultdict(float)
    for (old_code, _), share in shares.items():
        whole[old_code] += share
    said = set()
    for link in links:
        total = whole.get(link.old_code, 0.0)
        if link.part == "partial" and abs(total - 1) > tolerance and link.old_code not in said:
            said.add(link.old_code)
            params = {"code": link.old_code, "name": link.old_name, "share_pct": round(100 * total, 1)}
            problems.append(Problem("reform.split_not_whole", "part", link.row, params))
    old_total = sum(old_area_km2.get(code, 0.0) for code in {x.old_code for x in links})
    new_total = sum(new_area_km2.values())
    if _off(new_total, old_total, tolerance):
        problems.append(
            Problem("reform.total_area_mismatch", "geometry", None, _compared(new_total, old_total))
        )
    return problems


def _off(got: float, expected: float, tolerance: float) -> bool:
    return abs(got - expected) > tolerance * max(expected, 1e-12)


def _compared(got: float, expected: float) -> dict:
    off = 100 * (got - expected) / expected if expected else 0.0
    return {"area_km2": round(got, 3), "expected_km2": round(expected, 3), "off_pct": round(off, 2)}
