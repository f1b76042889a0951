"""The generated province as seen by the infrastructure generators.

Bundles the admin hierarchy with the synthetic main roads and the dead-zone discs (all in UTM
metres) and offers the few placement helpers every generator needs: points along roads, around
town centres, inside a unit, and "is this point safely inside the province".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from gis.synthetic.admin import Admin, Unit
from gis.synthetic.facts import GAP_HIGH_BAND_KM, HAU_GIANG, ProvinceFact
from gis.synthetic.geo import latlon_points_utm, round7, utm_to_lonlat

__all__ = ["World", "build_world", "lonlat_point", "EDGE_MARGIN_M"]

EDGE_MARGIN_M = 25.0  # points stay this far inside their polygon so 7-decimal rounding is safe


@dataclass
class World:
    admin: Admin
    roads: list[tuple[str, object]]  # (name, UTM LineString clipped to the province)
    gap_centres: np.ndarray  # (g, 2) UTM
    gap_radius_m: np.ndarray  # (g,)
    inner: object  # province shrunk by EDGE_MARGIN_M (prepared)
    facts: ProvinceFact = HAU_GIANG

    @property
    def prefix(self) -> str:
        """The province's infrastructure code prefix (HG-S0001)."""
        return self.facts.prefix

    def count(self, n: int, scale: float | None = None) -> int:
        """``n`` features of the sample province, scaled to this one (by ``scale``, default the facts')."""
        scale = self.facts.scale if scale is None else scale
        return n if scale == 1.0 else max(1, int(round(n * scale)))

    def pole_count(self, n: int) -> int:
        """``n`` poles of the sample province, scaled to this one."""
        return self.count(n, self.facts.pole_scale)

    def spacing(self, m: float) -> float:
        """A grid spacing of the sample province, widened so a scaled one gets ``scale`` as many points."""
        return m if self.facts.scale == 1.0 else m / float(np.sqrt(self.facts.scale))

    @property
    def towns(self) -> list[Unit]:
        """Urban communes (Phường, Thị trấn)."""
        return [c for c in self.admin.communes if c.urban]

    def inside(self, xy: np.ndarray) -> np.ndarray:
        """Which points lie safely inside the province."""
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        return shapely.contains_xy(self.inner, xy[:, 0], xy[:, 1])

    def _gap_distances(self, xy: np.ndarray) -> np.ndarray:
        """(n, g) distances from each point to each gap centre."""
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        return np.hypot(*(xy[:, None, :] - self.gap_centres[None]).transpose(2, 0, 1))

    def in_gap(self, xy: np.ndarray) -> np.ndarray:
        """Inside any dead-zone disc."""
        return (self._gap_distances(xy) <= self.gap_radius_m[None]).any(axis=1)

    def near_gap(self, xy: np.ndarray) -> np.ndarray:
        """Within GAP_HIGH_BAND_KM of a gap centre (4G there uses high bands only)."""
        return self._gap_distances(xy).min(axis=1) <= GAP_HIGH_BAND_KM * 1000.0

    def along_roads(self, n: int, rng: np.random.Generator, offset_m: float) -> np.ndarray:
        """n points along the roads (uniform by length), pushed sideways up to ``offset_m``."""
        lines = [g for _, g in self.roads]
        lengths = np.array([g.length for g in lines])
        which = rng.choice(len(lines), size=n, p=lengths / lengths.sum())
        dist = rng.uniform(0, lengths[which])
        base = np.array([lines[w].interpolate(s).coords[0] for w, s in zip(which, dist, strict=True)])
        ahead = np.array(
            [
                lines[w].interpolate(min(s + 5.0, lengths[w])).coords[0]
                for w, s in zip(which, dist, strict=True)
            ]
        )
        tangent = ahead - base
        tangent /= np.maximum(np.hypot(*tangent.T), 1e-9)[:, None]
        normal = np.column_stack([-tangent[:, 1], tangent[:, 0]])
        side = rng.uniform(-offset_m, offset_m, size=n)
        return base + normal * side[:, None]

    def around(self, unit: Unit, n: int, rng: np.random.Generator, sigma_m: float):
        """n points scattered normally around ``unit.centre`` and inside the unit."""
        return _sample_inside(unit.metric, n, lambda m: unit.centre + rng.normal(0.0, sigma_m, size=(m, 2)))

    def within(self, unit: Unit, n: int, rng: np.random.Generator) -> np.ndarray:
        """n uniform points inside the unit (kept off its boundary)."""
        xmin, ymin, xmax, ymax = unit.metric.bounds
        return _sample_inside(unit.metric, n, lambda m: rng.uniform((xmin, ymin), (xmax, ymax), size=(m, 2)))


def _sample_inside(polygon, n: int, draw, rounds: int = 200) -> np.ndarray:
    """Up to n points from ``draw(m)`` that fall inside ``polygon`` shrunk by EDGE_MARGIN_M."""
    inner = shapely.buffer(polygon, -EDGE_MARGIN_M)
    shapely.prepare(inner)
    found, total = [], 0
    for _ in range(rounds):
        if total >= n:
            break
        cand = draw(4 * n + 8)
        cand = cand[shapely.contains_xy(inner, cand[:, 0], cand[:, 1])]
        found.append(cand)
        total += len(cand)
    return np.concatenate(found)[:n] if found else np.empty((0, 2))


def build_world(admin: Admin, rng: np.random.Generator, facts: ProvinceFact = HAU_GIANG) -> World:
    """Add meandering main roads and the dead-zone discs to an admin hierarchy."""
    inner = shapely.buffer(admin.province.metric, -EDGE_MARGIN_M)
    shapely.prepare(inner)
    roads = []
    for road in facts.roads:
        line = _meander(latlon_points_utm(road.waypoints), rng)
        clipped = shapely.intersection(line, inner)
        parts = [p for p in shapely.get_parts(clipped) if p.geom_type == "LineString"]
        if parts:
            roads.append((road.name, max(parts, key=lambda p: p.length)))
    centres = latlon_points_utm([(g.lat, g.lon) for g in facts.gaps])
    radius = np.array([g.radius_km * 1000.0 for g in facts.gaps])
    return World(admin, roads, centres, radius, inner, facts)


def _meander(waypoints: np.ndarray, rng: np.random.Generator, step_m: float = 150.0):
    """Densify a polyline and bend it sideways with a gentle sine that vanishes at waypoints."""
    pts = []
    for a, b in zip(waypoints[:-1], waypoints[1:], strict=True):
        length = float(np.hypot(*(b - a)))
        n = max(2, int(length // step_m))
        t = np.linspace(0.0, 1.0, n, endpoint=False)
        amp = rng.uniform(80.0, 250.0) * (1 if rng.random() < 0.5 else -1)
        waves = max(1, int(round(length / rng.uniform(2500.0, 4500.0))))
        normal = np.array([-(b - a)[1], (b - a)[0]]) / length
        bend = amp * np.sin(np.pi * waves * t)
        pts.append(a + np.outer(t, b - a) + np.outer(bend, normal))
    pts.append(waypoints[-1:])
    return shapely.LineString(np.vstack(pts))


def lonlat_point(xy: np.ndarray) -> list[float]:
    """A UTM point as [lon, lat] rounded to 7 decimals (GeoJSON order)."""
    return round7(utm_to_lonlat(np.asarray(xy)[None]))[0].tolist()
