"""Passive and fixed-network infrastructure: poles, ducts, manholes, fibre access points and
commune People's Committee offices.

Positions follow the same logic as the sites: towns are dense, main roads carry lines, the
countryside is sparse and the dead-zone discs are sparser still for fibre.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import shapely
from shapely.ops import substring

from gis.importers.lengths import geodesic_length_m
from gis.synthetic.draw import pick, random_date
from gis.synthetic.geo import to_output
from gis.synthetic.radio import TOWERCO
from gis.synthetic.world import EDGE_MARGIN_M, World

__all__ = [
    "Pole",
    "Duct",
    "Manhole",
    "AccessPoint",
    "Office",
    "build_poles",
    "build_ducts",
    "build_access_points",
    "build_offices",
    "CABLE_OPERATORS",
    "FIBRE_OPERATORS",
]

POWER = "PC Hậu Giang"
CABLE_OPERATORS = ("VNPT", "Viettel", "FPT Telecom", "MobiFone")
FIBRE_OPERATORS = ("VNPT", "Viettel", "FPT Telecom")


@dataclass
class Pole:
    code: str
    xy: np.ndarray
    owner: str
    material: str
    height_m: float
    attachments: list[str]


@dataclass
class Duct:
    code: str
    line: object  # UTM LineString
    owner: str
    duct_count: int
    subduct_count: int
    occupants: list[str]
    name: str  # "Tuyến ống QL61 – Vị Thanh", "Tuyến ống Phường I số 2"
    free_duct_count: int  # 0..duct_count
    stated_length_m: float  # as an operator's file states it: near the drawn length, never exact


@dataclass
class Manhole:
    code: str
    xy: np.ndarray
    owner: str
    duct_code: str


@dataclass
class AccessPoint:
    code: str
    xy: np.ndarray
    operator: str
    kind: str
    ports_total: int
    ports_used: int
    service_radius_m: int
    status: str
    hamlet_code: str  # generator-only


@dataclass
class Office:
    code: str
    xy: np.ndarray
    name: str
    commune_code: str
    gov_network_connected: bool
    bandwidth_mbps: int | None
    connected_on: str | None


# --- poles -----------------------------------------------------------------------------------


def build_poles(world: World, rng: np.random.Generator) -> list[Pole]:
    """About 5,000 poles along roads, in towns and around village centres."""
    parts = [world.along_roads(world.pole_count(2_300), rng, offset_m=15.0)]
    towns = world.towns
    pop = np.array([t.population for t in towns], dtype=float)
    for t, n in zip(towns, rng.multinomial(world.pole_count(1_900), pop / pop.sum()), strict=True):
        parts.append(world.around(t, int(n), rng, sigma_m=800.0))
    rural = [h for h in world.admin.hamlets if not h.urban]
    for k in rng.choice(len(rural), size=world.pole_count(160), replace=False):
        parts.append(world.around(rural[k], 5, rng, sigma_m=300.0))
    xy = np.vstack(parts)
    xy = xy[world.inside(xy)]
    xy = xy[np.lexsort((xy[:, 0], -xy[:, 1]))]
    urban = np.zeros(len(xy), dtype=bool)
    for t in towns:
        urban |= shapely.contains_xy(t.metric, xy[:, 0], xy[:, 1])
    poles = []
    for i, (p, u) in enumerate(zip(xy, urban, strict=True)):
        owner = pick(rng, ((POWER, 0.82), ("VNPT", 0.09), ("Viettel", 0.06), ("FPT Telecom", 0.03)))
        material = pick(rng, (("concrete", 0.86), ("steel", 0.06), ("wood", 0.03), ("composite", 0.05)))
        height = pick(
            rng,
            {
                "concrete": ((8.5, 0.3), (10.0, 0.3), (12.0, 0.3), (14.0, 0.1)),
                "steel": ((9.0, 0.4), (10.0, 0.3), (12.0, 0.3)),
                "wood": ((6.5, 0.5), (7.5, 0.5)),
                "composite": ((8.5, 0.5), (10.0, 0.5)),
            }[material],
        )
        n = pick(
            rng,
            ((0, 0.05), (1, 0.3), (2, 0.35), (3, 0.2), (4, 0.1))
            if u
            else ((0, 0.15), (1, 0.42), (2, 0.28), (3, 0.11), (4, 0.04)),
        )
        chosen = rng.choice(CABLE_OPERATORS, size=n, replace=False).tolist()
        if owner != POWER and n and owner not in chosen:  # an operator's pole carries its cable
            chosen[int(rng.integers(0, n))] = owner
        attachments = [o for o in CABLE_OPERATORS if o in chosen]
        poles.append(Pole(f"{world.prefix}-P{i + 1:05d}", p, owner, material, height, attachments))
    return poles


# --- ducts and manholes ----------------------------------------------------------------------


def build_ducts(world: World, rng: np.random.Generator) -> tuple[list[Duct], list[Manhole]]:
    """About 160 duct routes in towns and along main roads near seats, with their manholes."""
    routes: list[tuple[object, str]] = []  # (line, where it runs: a town or "road – district")
    towns = world.towns
    pop = np.array([t.population for t in towns], dtype=float)
    for t, n in zip(towns, rng.multinomial(world.count(120), pop / pop.sum()), strict=True):
        for _ in range(int(n)):
            line = _street_route(world, t.centre, rng)
            if line is not None:
                routes.append((line, t.name))
    districts = world.admin.districts
    for _ in range(world.count(40)):
        district = districts[int(rng.integers(0, len(districts)))]
        found = _road_route(world, district.centre, rng)
        if found is not None:
            road, line = found
            routes.append((line, f"{road} – {district.name.removeprefix(district.kind).strip()}"))
    start = np.array([ln.coords[0] for ln, _ in routes])
    routes = [routes[i] for i in np.lexsort((start[:, 0], -start[:, 1]))]
    names = _route_names([where for _, where in routes])
    # The operator's own figures come from a stream of their own, so the routes, owners and
    # manholes drawn before these fields existed stay what they were.
    figures = rng.spawn(1)[0]

    ducts, manholes = [], []
    for i, ((line, _), name) in enumerate(zip(routes, names, strict=True)):
        code = f"{world.prefix}-D{i + 1:04d}"
        owner = pick(
            rng, (("VNPT", 0.45), ("Viettel", 0.3), ("FPT Telecom", 0.1), (TOWERCO, 0.1), ("MobiFone", 0.05))
        )
        if owner == TOWERCO:
            n = pick(rng, ((1, 0.6), (2, 0.3), (3, 0.1)))
            occupants = rng.choice(CABLE_OPERATORS, size=n, replace=False).tolist()
        else:
            extra = pick(rng, ((0, 0.86), (1, 0.11), (2, 0.03)))
            others = [o for o in CABLE_OPERATORS if o != owner]
            occupants = [owner] + rng.choice(others, size=extra, replace=False).tolist()
        count = pick(rng, ((1, 0.15), (2, 0.3), (3, 0.25), (4, 0.18), (6, 0.12)))
        sub = int(rng.integers(0, min(12, 3 * count) + 1))
        occupants = [o for o in CABLE_OPERATORS if o in occupants]
        # Each occupant's cable fills a tube or more; what is left is free.
        free = int(figures.integers(0, max(count - len(occupants), 0) + 1))
        stated = _stated_length_m(line, figures)
        ducts.append(Duct(code, line, owner, count, sub, occupants, name, free, stated))
        for p in _manhole_points(line, rng):
            manholes.append(Manhole(f"{world.prefix}-M{len(manholes) + 1:04d}", p, owner, code))
    return ducts, manholes


def _route_names(places: list[str]) -> list[str]:
    """A route name per place, "Tuyến ống <place>", numbered "số 2", "số 3" … when repeated."""
    seen: dict[str, int] = {}
    names = []
    for place in places:
        seen[place] = seen.get(place, 0) + 1
        names.append(f"Tuyến ống {place}" + (f" số {seen[place]}" if seen[place] > 1 else ""))
    return names


def _stated_length_m(line, rng: np.random.Generator) -> float:
    """A survey's length of ``line`` (UTM): its published lon/lat line's geodesic length, mostly
    within 1 % (slack, risers), one in five 2–6 % off; never in the importer's 10 % warning band."""
    drawn = geodesic_length_m(to_output(line))
    share = rng.uniform(-0.01, 0.01) if rng.random() < 0.8 else rng.choice((-1, 1)) * rng.uniform(0.02, 0.06)
    return round(drawn * (1 + share), 1)


def _street_route(world: World, centre, rng, tries: int = 20):
    """A 100 m–2 km street-like polyline (2–5 legs, mostly right-angle turns) in a town."""
    for _ in range(tries):
        total = float(np.clip(rng.lognormal(np.log(600.0), 0.6), 100.0, 2_000.0))
        legs = int(rng.integers(2, 6))
        lengths = rng.dirichlet(np.ones(legs)) * total
        heading = rng.uniform(0, 2 * np.pi)
        pts = [centre + rng.normal(0.0, 700.0, size=2)]
        for k, length in enumerate(lengths):
            if k:
                heading += pick(rng, ((np.pi / 2, 0.3), (-np.pi / 2, 0.3), (0.0, 0.4)))
                heading += rng.normal(0.0, 0.15)
            pts.append(pts[-1] + length * np.array([np.cos(heading), np.sin(heading)]))
        line = shapely.LineString(pts)
        if line.is_simple and world.inner.contains(line):
            return line
    return None


def _road_route(world: World, seat, rng) -> tuple[str, object] | None:
    """A 0.3–2 km stretch of the main road nearest to a seat: the road's name and the line."""
    name, road = min(world.roads, key=lambda r: r[1].distance(shapely.Point(seat)))
    at = road.project(shapely.Point(seat)) + rng.normal(0.0, 1_500.0)
    length = rng.uniform(300.0, 2_000.0)
    a, b = np.clip([at, at + length], 0.0, road.length)
    if b - a < 100.0:
        return None
    line = shapely.offset_curve(substring(road, a, b), float(rng.choice([-6.0, 6.0])))
    if line.geom_type != "LineString" or not world.inner.contains(line):
        return None
    return name, line


def _manhole_points(line, rng) -> list[np.ndarray]:
    """Both ends plus one every 200–300 m along the route."""
    out = [np.asarray(line.coords[0])]
    s = rng.uniform(200.0, 300.0)
    while s < line.length - 100.0:
        out.append(np.asarray(line.interpolate(s).coords[0]))
        s += rng.uniform(200.0, 300.0)
    out.append(np.asarray(line.coords[-1]))
    return out


# --- fibre access points ---------------------------------------------------------------------


def build_access_points(world: World, rng: np.random.Generator) -> list[AccessPoint]:
    """Fibre splitters/ODPs: hex-like grids over served hamlets, a few points elsewhere."""
    points: list[tuple[np.ndarray, str, str]] = []  # (xy, operator, hamlet code)
    for h in world.admin.hamlets:
        gap = bool(world.in_gap(h.centre)[0])
        near_road = min(r.distance(shapely.Point(h.centre)) for _, r in world.roads) < 1_500.0
        served = 0.97 if h.urban else (0.3 if gap else (0.85 if near_road else 0.7))
        ops = _fibre_operators(h.urban, rng)
        if rng.random() < served:
            spacing = (620.0, 950.0) if h.urban else (760.0,)
            for op, step in zip(ops, spacing, strict=False):
                for p in _grid(world, h, world.spacing(step), rng):
                    points.append((p, op, h.code))
        else:
            for p in world.within(h, int(rng.integers(0, 3)), rng):
                points.append((p, ops[0], h.code))
    xy = np.array([p for p, _, _ in points])
    order = np.lexsort((xy[:, 0], -xy[:, 1]))
    aps = []
    for i, k in enumerate(order):
        p, op, hamlet = points[k]
        kind = pick(rng, (("odp", 0.7), ("splitter", 0.3)))
        total = pick(rng, ((8, 0.5), (16, 0.5)) if kind == "odp" else ((16, 0.6), (32, 0.4)))
        status = "active" if rng.random() < 0.95 else "planned"
        used = int(rng.binomial(total, rng.uniform(0.3, 0.9))) if status == "active" else 0
        radius = pick(rng, ((500, 0.8), (300, 0.1), (800, 0.1)))
        aps.append(
            AccessPoint(f"{world.prefix}-F{i + 1:05d}", p, op, kind, total, used, radius, status, hamlet)
        )
    return aps


def _fibre_operators(urban: bool, rng) -> list[str]:
    p = np.array([0.4, 0.4, 0.2]) if urban else np.array([0.45, 0.45, 0.1])
    return rng.choice(FIBRE_OPERATORS, size=3, replace=False, p=p).tolist()


def _grid(world: World, hamlet, step: float, rng) -> np.ndarray:
    """Jittered hexagonal grid of points inside the hamlet (at least one point)."""
    inner = shapely.buffer(hamlet.metric, -EDGE_MARGIN_M)
    xmin, ymin, xmax, ymax = inner.bounds
    ox, oy = rng.uniform(0, step, size=2)
    rows = np.arange(ymin - oy, ymax + step, step * np.sqrt(3) / 2)
    pts = []
    for r, y in enumerate(rows):
        xs = np.arange(xmin - ox + (step / 2 if r % 2 else 0.0), xmax + step, step)
        pts.append(np.column_stack([xs, np.full(len(xs), y)]))
    grid = np.vstack(pts) + rng.normal(0.0, step * 0.08, size=(sum(len(p) for p in pts), 2))
    grid = grid[shapely.contains_xy(inner, grid[:, 0], grid[:, 1])]
    return grid if len(grid) else world.within(hamlet, 1, rng)


# --- commune offices -------------------------------------------------------------------------


def build_offices(world: World, rng: np.random.Generator) -> list[Office]:
    """One People's Committee office per commune, near its centre, mostly on the gov network."""
    offices = []
    for c in world.admin.communes:
        inner = shapely.buffer(c.metric, -150.0)
        point = shapely.Point(c.centre)
        if not inner.contains(point):
            point = shapely.point_on_surface(inner)
        xy = np.asarray(point.coords[0]) + rng.normal(0.0, 60.0, size=2)
        if not inner.contains(shapely.Point(xy)):
            xy = np.asarray(point.coords[0])
        connected = bool(rng.random() < 0.9)
        offices.append(
            Office(
                f"UBND-{c.code}",
                xy,
                f"UBND {c.name}",
                c.code,
                connected,
                int(pick(rng, ((20, 0.2), (30, 0.2), (40, 0.2), (50, 0.25), (100, 0.15))))
                if connected
                else None,
                random_date(rng, date(2019, 1, 1), date(2025, 6, 30)) if connected else None,
            )
        )
    return offices
