"""The synthetic admin hierarchy: province → districts → communes → hamlets.

Atoms (clipped Voronoi cells, denser in towns) are labelled level by level with fitted power
diagrams: districts from hand-placed anchors and published areas, communes inside each
district (wards small and around the seat), hamlets inside each commune. A smooth random warp
of the atom positions keeps boundaries from being straight lines. Hamlet polygons are the atom
unions, simplified as one coverage; every higher level is the exact union of its children.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from gis.synthetic.facts import HAU_GIANG, ProvinceFact
from gis.synthetic.geo import latlon_points_utm, to_metric, to_output
from gis.synthetic.names import hamlet_names
from gis.synthetic.partition import (
    absorb_fragments,
    atom_adjacency,
    build_atoms,
    dissolve,
    fit_power_weights,
)

__all__ = ["Unit", "Admin", "build_admin", "ATOM_COUNT", "SIMPLIFY_M"]

ATOM_COUNT = 24_000
SIMPLIFY_M = 60.0  # coverage simplification tolerance (≈ √ of the smallest kept triangle area)
_HAMLETS = {"Phường": (4, 8), "Thị trấn": (5, 9), "Xã": (5, 10)}  # inclusive ranges
_TOWN_DENSITY = 3.0  # atoms are up to 4× denser near town centres
_TOWN_SIGMA_M = 2_500.0
_URBAN_DENSITY = {"Phường": 3.0, "Thị trấn": 2.5}  # people per km² relative to a xã


@dataclass
class Unit:
    """One admin unit as written out, plus its metric geometry and centre for placement."""

    code: str
    name: str
    kind: str
    parent_code: str | None
    population: int
    households: int
    urban: bool | None
    geometry: object  # EPSG:4326 MultiPolygon, 7-decimal coordinates
    metric: object  # the same geometry in UTM 48N metres
    centre: np.ndarray  # UTM point inside the unit (seat / town centre / middle)


@dataclass
class Admin:
    province: Unit
    districts: list[Unit]
    communes: list[Unit]
    hamlets: list[Unit]


def build_admin(
    rng: np.random.Generator,
    atom_count: int = ATOM_COUNT,
    facts: ProvinceFact = HAU_GIANG,
    outline=None,
) -> Admin:
    """Build the whole hierarchy from one random stream. ``outline`` (UTM metres; default the facts')
    is kept exactly when given, so a province drawn beside another shares its border vertex for vertex."""
    given = outline is not None
    outline = outline if given else shapely.Polygon(latlon_points_utm(facts.outline))
    districts = facts.districts
    towns = _town_centres(districts, rng)
    atoms = build_atoms(outline, _atom_seeds(outline, list(towns.values()), atom_count, rng))
    centre = shapely.get_coordinates(shapely.centroid(atoms))
    area = shapely.area(atoms)
    pairs, lengths = atom_adjacency(atoms)

    dist_lab = _label_districts(districts, centre, area, pairs, lengths, rng)
    comm_lab, comm_seed = _label_communes(districts, centre, area, pairs, lengths, dist_lab, towns, rng)
    ham_lab, ham_parent = _label_hamlets(districts, centre, area, pairs, lengths, comm_lab, rng)

    polys = np.array(dissolve(atoms, ham_lab, len(ham_parent)), dtype=object)
    polys = shapely.coverage_simplify(polys, SIMPLIFY_M, simplify_boundary=not given)
    out = shapely.remove_repeated_points(to_output(polys))
    if not (shapely.is_valid(out).all() and shapely.coverage_is_valid(out)):
        raise RuntimeError("hamlet coverage became invalid after rounding")

    return _assemble(facts, out, ham_parent, comm_seed, rng)


# --- atoms -----------------------------------------------------------------------------------


def _town_centres(districts, rng: np.random.Generator) -> dict[tuple[int, int], np.ndarray]:
    """UTM centre of every urban commune keyed by (district index, commune index)."""
    towns: dict[tuple[int, int], np.ndarray] = {}
    for di, d in enumerate(districts):
        seat = latlon_points_utm([d.seat])[0]
        wards = [ci for ci, c in enumerate(d.communes) if c.kind == "Phường"]
        radius = 2_000.0 if d.kind == "Thành phố" else 3_000.0
        turn = rng.uniform(0, 2 * np.pi)
        for k, ci in enumerate(wards):
            if k == 0:
                towns[(di, ci)] = seat
            else:
                angle = turn + 2 * np.pi * (k - 1) / (len(wards) - 1)
                towns[(di, ci)] = seat + radius * np.array([np.cos(angle), np.sin(angle)])
        for ci, c in enumerate(d.communes):
            if c.at is not None:
                towns[(di, ci)] = latlon_points_utm([c.at])[0]
    return towns


def _atom_seeds(outline, towns: list[np.ndarray], n: int, rng: np.random.Generator):
    """n seed points in the outline, denser around town centres (rejection sampling)."""
    xmin, ymin, xmax, ymax = outline.bounds
    shapely.prepare(outline)
    centres = np.array(towns)
    found, total = [], 0
    while total < n:
        cand = rng.uniform((xmin, ymin), (xmax, ymax), size=(4 * n, 2))
        cand = cand[shapely.contains_xy(outline, cand[:, 0], cand[:, 1])]
        d2 = ((cand[:, None, :] - centres[None]) ** 2).sum(axis=2)
        bump = np.minimum(1.0, np.exp(-d2 / (2 * _TOWN_SIGMA_M**2)).sum(axis=1))
        keep = rng.random(len(cand)) < (1.0 + _TOWN_DENSITY * bump) / (1.0 + _TOWN_DENSITY)
        found.append(cand[keep])
        total += int(keep.sum())
    return np.concatenate(found)[:n]


def _warp(points: np.ndarray, rng: np.random.Generator, amplitude: float, wavelength: float):
    """Smooth random displacement (three sine waves per axis) so boundaries meander."""
    out = points.copy()
    for axis in (0, 1):
        for _ in range(3):
            theta = rng.uniform(0, 2 * np.pi)
            k = 2 * np.pi / (wavelength * rng.uniform(0.7, 1.4))
            phase = rng.uniform(0, 2 * np.pi)
            along = points @ np.array([np.cos(theta), np.sin(theta)])
            out[:, axis] += amplitude / 3 * np.sin(k * along + phase)
    return out


def _kmeans_seeds(points, areas, count, rng, rounds: int = 12):
    """``count`` seeds spread over the points by area-weighted Lloyd steps."""
    pick = rng.choice(len(points), size=count, replace=False, p=areas / areas.sum())
    seeds = points[pick].copy()
    for _ in range(rounds):
        lab = np.argmin(((points[:, None] - seeds[None]) ** 2).sum(axis=2), axis=1)
        for k in range(count):
            mine = lab == k
            if mine.any():
                seeds[k] = np.average(points[mine], axis=0, weights=areas[mine])
    return seeds


# --- labelling -------------------------------------------------------------------------------


def _label_districts(districts, centre, area, pairs, lengths, rng):
    anchors = latlon_points_utm([d.anchor for d in districts])
    targets = np.array([d.area_km2 for d in districts], dtype=float)
    warped = _warp(centre, rng, 1_500.0, 14_000.0)
    _, lab = fit_power_weights(warped, area, anchors, targets, tolerance=0.005)
    return absorb_fragments(lab, area, pairs, lengths)


def _label_communes(districts, centre, area, pairs, lengths, dist_lab, towns, rng):
    """Global commune label per atom (facts order) and each commune's seed point.

    Towns first: the atoms nearest (in warped space) to a town centre form the town, a city's
    wards splitting that core between them; the rural communes then share what is left.
    """
    warped = _warp(centre, rng, 500.0, 5_000.0)
    labels = np.empty(len(centre), dtype=int)
    anchors: list[int] = []
    seeds_out: list[np.ndarray] = []
    offset = 0
    for di, d in enumerate(districts):
        members = np.flatnonzero(dist_lab == di)
        pts, wpts, ar = centre[members], warped[members], area[members]
        share = np.array([_commune_share(d.kind, c.kind, rng) for c in d.communes])
        target = share / share.sum() * ar.sum()
        lab = np.full(len(members), -1)
        seeds = np.empty((len(d.communes), 2))
        anchor = np.full(len(d.communes), -1)
        for ids in _town_clusters(d):
            core = towns[(di, ids[0])]  # the seat for a city's wards
            free = np.flatnonzero(lab < 0)
            order = free[np.argsort(_lobed_distance(wpts[free] - core, rng), kind="stable")]
            take = order[: int(np.searchsorted(np.cumsum(ar[order]), target[ids].sum())) + 1]
            seeds[ids] = [_snap(towns[(di, ci)], pts[take]) for ci in ids]
            if len(ids) == 1:
                lab[take] = ids[0]
            else:
                _, sub = fit_power_weights(wpts[take], ar[take], seeds[ids], target[ids], tolerance=0.05)
                lab[take] = np.asarray(ids)[sub]
            for ci in ids:
                anchor[ci] = members[np.argmin(((pts - seeds[ci]) ** 2).sum(axis=1))]
        in_town = {ci for ids in _town_clusters(d) for ci in ids}
        rural = [ci for ci in range(len(d.communes)) if ci not in in_town]
        rest = np.flatnonzero(lab < 0)
        if rural:
            seeds[rural] = _kmeans_seeds(pts[rest], ar[rest], len(rural), rng)
            _, sub = fit_power_weights(wpts[rest], ar[rest], seeds[rural], target[rural], tolerance=0.03)
            lab[rest] = np.asarray(rural)[sub]
        else:  # an urban district (quận) is wards only: what they left goes to the nearest one
            lab[rest] = np.argmin(((pts[rest][:, None] - seeds[None]) ** 2).sum(axis=2), axis=1)
        labels[members] = lab + offset
        anchors.extend(anchor.tolist())
        seeds_out.extend(seeds)
        offset += len(d.communes)
    labels = absorb_fragments(labels, area, pairs, lengths, groups=dist_lab, anchors=np.array(anchors))
    return labels, np.array(seeds_out)


def _lobed_distance(offsets: np.ndarray, rng) -> np.ndarray:
    """Distance scaled by a random low-order angular wave, so towns are not discs."""
    theta = np.arctan2(offsets[:, 1], offsets[:, 0])
    wave = 1.0 + sum(
        rng.uniform(0.08, 0.2) * np.sin(k * theta + rng.uniform(0, 2 * np.pi)) for k in (2, 3, 5)
    )
    return np.hypot(offsets[:, 0], offsets[:, 1]) / wave


def _town_clusters(d) -> list[list[int]]:
    """Commune indices forming each town: all wards together (around the seat), each thị trấn."""
    wards = [ci for ci, c in enumerate(d.communes) if c.kind == "Phường"]
    clusters = [wards] if wards else []
    return clusters + [[ci] for ci, c in enumerate(d.communes) if c.at is not None]


def _commune_share(district_kind: str, kind: str, rng) -> float:
    if kind == "Phường":
        base = 0.3 if district_kind == "Thành phố" else 0.6
    elif kind == "Thị trấn":
        base = 0.45
    else:
        base = 1.0
    return base * rng.uniform(0.75, 1.3)


def _label_hamlets(districts, centre, area, pairs, lengths, comm_lab, rng):
    """Global hamlet label per atom and the commune index of every hamlet."""
    kinds = [c.kind for d in districts for c in d.communes]
    warped = _warp(centre, rng, 200.0, 2_000.0)
    labels = np.empty(len(centre), dtype=int)
    parent: list[int] = []
    for ci, kind in enumerate(kinds):
        members = np.flatnonzero(comm_lab == ci)
        lo, hi = _HAMLETS[kind]
        count = int(min(rng.integers(lo, hi + 1), max(1, len(members) // 8)))
        pts, ar = centre[members], area[members]
        seeds = _kmeans_seeds(pts, ar, count, rng)
        share = rng.uniform(0.7, 1.3, size=count)
        _, lab = fit_power_weights(warped[members], ar, seeds, share, tolerance=0.05)
        labels[members] = lab + len(parent)
        parent.extend([ci] * count)
    labels = absorb_fragments(labels, area, pairs, lengths, groups=comm_lab)
    used = np.unique(labels)  # a hamlet that lost every atom is dropped
    return np.searchsorted(used, labels), np.array(parent)[used]


def _snap(point: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """The atom centre nearest to ``point`` (so a fixed seed lies in its district)."""
    return pts[np.argmin(((pts - point) ** 2).sum(axis=1))]


# --- assembly --------------------------------------------------------------------------------


def _multi(geom):
    geom = shapely.orient_polygons(geom, exterior_cw=False)  # RFC 7946 right-hand rule
    return geom if geom.geom_type == "MultiPolygon" else shapely.MultiPolygon([geom])


def _assemble(facts: ProvinceFact, ham_geoms, ham_parent, comm_seed, rng) -> Admin:
    """Codes, names, populations and parent geometries, district by district."""
    ham_metric = to_metric(ham_geoms)
    ham_area = shapely.area(ham_metric)
    ham_centre = shapely.get_coordinates(shapely.point_on_surface(ham_metric))
    districts: list[Unit] = []
    communes: list[Unit] = []
    hamlets: list[Unit] = []
    ci = 0
    for d in facts.districts:
        weight = [
            ham_area[ham_parent == ci + k].sum() * _URBAN_DENSITY.get(c.kind, 1.0) * rng.lognormal(0.0, 0.15)
            for k, c in enumerate(d.communes)
        ]
        kids = []
        for k, (c, pop) in enumerate(zip(d.communes, _split(d.population, np.array(weight)), strict=True)):
            code = f"{d.code}{k + 1:02d}"
            mine = np.flatnonzero(ham_parent == ci)
            # north to south, then west to east, so "Khu vực 1" is the northernmost
            mine = mine[np.lexsort((ham_centre[mine, 0], -ham_centre[mine, 1]))]
            near = np.hypot(*(ham_centre[mine] - comm_seed[ci]).T)
            density = 1.0 + (2.0 * np.exp(-near / 1_500.0) if c.urban else 0.0)
            pops = _split(int(pop), ham_area[mine] * density * rng.lognormal(0, 0.25, len(mine)))
            names = hamlet_names(c.name, c.kind, len(mine), rng)
            units = []
            for j, (h, hp, name) in enumerate(zip(mine, pops, names, strict=True)):
                per_household = rng.uniform(3.6, 3.85) if c.urban else rng.uniform(3.7, 4.0)
                kind = "Khu vực" if name.startswith("Khu vực") else "Ấp"
                units.append(
                    Unit(
                        f"{code}{j + 1:02d}",
                        name,
                        kind,
                        code,
                        int(hp),
                        int(round(hp / per_household)),
                        c.urban,
                        _multi(ham_geoms[h]),
                        ham_metric[h],
                        ham_centre[h],
                    )
                )
            hamlets.extend(units)
            kids.append(_parent(code, c.name, c.kind, d.code, units, c.urban, comm_seed[ci]))
            ci += 1
        communes.extend(kids)
        seat = latlon_points_utm([d.seat])[0]
        districts.append(_parent(d.code, d.name, d.kind, facts.code, kids, None, seat))
    centre = np.mean([u.centre for u in districts], axis=0)
    province = _parent(facts.code, facts.name, facts.kind, None, districts, None, centre)
    return Admin(province, districts, communes, hamlets)


def _parent(code, name, kind, parent_code, kids, urban, centre) -> Unit:
    geom = _multi(shapely.coverage_union_all([k.geometry for k in kids]))
    metric = to_metric(geom)
    point = shapely.Point(centre)
    if not metric.contains(point):
        centre = np.array(shapely.point_on_surface(metric).coords[0])
    return Unit(
        code,
        name,
        kind,
        parent_code,
        sum(k.population for k in kids),
        sum(k.households for k in kids),
        urban,
        geom,
        metric,
        np.asarray(centre, dtype=float),
    )


def _split(total: int, weights: np.ndarray) -> np.ndarray:
    """Integers proportional to ``weights`` summing exactly to ``total`` (largest remainder)."""
    raw = total * weights / weights.sum()
    base = np.floor(raw).astype(int)
    rest = total - base.sum()
    order = np.lexsort((np.arange(len(raw)), -(raw - base)))
    base[order[:rest]] += 1
    return base
