"""Candidate places for a new 4G site, in order of preference (sharing first):

0. ``co_location`` — another company's standing site that takes tenants (ask its owner);
1. ``structure`` — another company's standing site that does not advertise tenancy (ask anyway);
2. ``tall_structure`` — a water tower, tall building, power-line or church/pagoda tower in service
   (table ``tall_structures``, migration 0027; ask the owner its file names), at its own height;
3. ``pole`` — a pole that takes attachments (one per ``POLE_SPACING_M`` square);
4. ``office`` — a commune office plot (ask the commune's People's Committee);
5. ``new`` — a free grid point near the uncovered demand.

Each carries the height it offers; every candidate radiates the same typical macro configuration
(``CANDIDATE_CELLS``), so the choice is about places, not equipment. Its antenna stands at that
height, a tall structure's ``MOUNT_MARGIN_M`` below its top (``antenna_height_m``), within the
propagation model's base-height range (gis.propagation.BASE_HEIGHT_RANGE_M, 5–200 m): an 80 m tower
offers 78 m, not a 60 m cap. The EIRP takes the accepted calibration offset of the operator asked
for (``calibrate`` in app.services.coverage.inputs), as the what-if and the runs do; for "any"
operator the smallest one's (app.services.proposals.any_offset_db).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree
from sqlalchemy import Connection, text

from gis import propagation as prop
from gis.coverage import CellArrays, CoverageParams
from gis.crs import to_lonlat, to_metric

__all__ = [
    "KINDS",
    "CANDIDATE_CELLS",
    "MOUNT_MARGIN_M",
    "Candidate",
    "load_candidates",
    "candidate_cells",
    "antenna_height_m",
    "reach_m",
]

KINDS = ("co_location", "structure", "tall_structure", "pole", "office", "new")
# A typical three-sector 4G site: the registration form's default cell, turned three ways.
CANDIDATE_CELLS = tuple(
    {"technology": "4G", "band_mhz": 1800, "azimuth_deg": az, "beamwidth_deg": 65.0, "eirp_dbm": 58.0}
    for az in (0.0, 120.0, 240.0)
)
NEW_MAST_HEIGHT_M = 30.0
DEFAULT_POLE_HEIGHT_M = 10.0
POLE_SPACING_M = 250.0
# A panel antenna (1.3–2.6 m tall) is clamped to a mounting pipe whose top stays below a water
# tower's rim, a chimney's crown or a power tower's earth-wire peak; its centre is taken 2 m under
# the structure's stated height. Sites' and poles' heights are already antenna (attachment) heights.
MOUNT_MARGIN_M = 2.0
_STANDING = "s.status IN ('approved', 'active')"


@dataclass
class Candidate:
    kind: str
    code: str | None  # the structure's code; None for an office plot's new mast or a grid point
    lon: float
    lat: float
    x_m: float
    y_m: float
    height_m: float
    owner: str | None  # whom to ask
    label: str | None = None  # an office's name

    @property
    def rank(self) -> int:
        return KINDS.index(self.kind)


def antenna_height_m(kind: str, height_m) -> np.ndarray:
    """Where a candidate's antenna stands: a tall structure's height less ``MOUNT_MARGIN_M``, any
    other's own, within the propagation model's base-height range (5–200 m)."""
    margin = MOUNT_MARGIN_M if kind == "tall_structure" else 0.0
    return np.clip(np.asarray(height_m, float) - margin, *prop.BASE_HEIGHT_RANGE_M)


def reach_m(kind: str, heights_m, params: CoverageParams, eirp_offset_db: float = 0.0) -> np.ndarray:
    """How far a candidate of ``kind`` at each height can reach (its strongest sector, rural
    clutter): beyond that no uncovered point can be newly covered by it."""
    heights = np.atleast_1d(np.asarray(heights_m, float))
    probes = [Candidate(kind, None, 0.0, 0.0, 0.0, 0.0, float(h), None) for h in heights]
    cells = candidate_cells(probes, params, eirp_offset_db)
    return cells.max_range_m(params).reshape(len(probes), -1).max(axis=1)


def _sites(conn: Connection, operator_id: int | None, shareable: bool) -> list[dict]:
    own = "AND s.owner_id <> :op AND NOT EXISTS (SELECT 1 FROM site_tenancies t WHERE t.site_id = s.id AND t.operator_id = :op)"
    return [
        dict(r._mapping, kind="co_location" if shareable else "structure")
        for r in conn.execute(
            text(
                "SELECT s.code, ST_X(s.geom) AS lon, ST_Y(s.geom) AS lat, coalesce(s.height_m, :h) AS height_m, "
                "o.short_name AS owner, s.name AS label FROM sites s JOIN operators o ON o.id = s.owner_id "
                f"WHERE {_STANDING} AND s.accepts_tenants = :share {own if operator_id else ''} ORDER BY s.code"
            ),
            {"op": operator_id, "share": shareable, "h": NEW_MAST_HEIGHT_M},
        )
    ]


def _poles(conn: Connection, operator_id: int | None) -> list[dict]:
    rows = conn.execute(
        text(
            "SELECT p.code, ST_X(p.geom) AS lon, ST_Y(p.geom) AS lat, coalesce(p.height_m, :h) AS height_m, "
            "o.short_name AS owner FROM poles p JOIN operators o ON o.id = p.owner_id "
            "WHERE p.accepts_tenants AND (p.in_service_to IS NULL OR p.in_service_to > CURRENT_DATE) "
            f"{'AND p.owner_id <> :op' if operator_id else ''} ORDER BY p.code"
        ),
        {"op": operator_id, "h": DEFAULT_POLE_HEIGHT_M},
    )
    return [dict(r._mapping, kind="pole") for r in rows]


def _tall_structures(conn: Connection) -> list[dict]:
    rows = conn.execute(
        text(
            "SELECT t.code, ST_X(t.geom) AS lon, ST_Y(t.geom) AS lat, t.height_m, t.owner, t.name AS label "
            "FROM tall_structures t WHERE (t.in_service_from IS NULL OR t.in_service_from <= CURRENT_DATE) "
            "AND (t.in_service_to IS NULL OR t.in_service_to > CURRENT_DATE) ORDER BY t.code"
        )
    )
    return [dict(r._mapping, kind="tall_structure") for r in rows]


def _offices(conn: Connection) -> list[dict]:
    rows = conn.execute(
        text(
            "SELECT f.code, ST_X(f.geom) AS lon, ST_Y(f.geom) AS lat, f.name AS label, "
            "'UBND ' || c.name AS owner FROM commune_offices f JOIN admin_units c ON c.id = f.commune_id "
            "WHERE f.disconnected_on IS NULL OR f.disconnected_on > CURRENT_DATE ORDER BY f.code"
        )
    )
    return [dict(r._mapping, kind="office", height_m=NEW_MAST_HEIGHT_M) for r in rows]


def load_candidates(
    conn: Connection,
    params: CoverageParams,
    operator_id: int | None,
    demand_xy: np.ndarray,
    reach: float | Callable[[str, np.ndarray], np.ndarray],
    grid_m: float,
) -> list[Candidate]:
    """The candidates within reach of some uncovered point, preferred kinds first: ``reach`` is
    one distance (m) for all, or (kind, heights) → each one's own (``reach_m``), so a tall
    structure is kept as far as its height carries."""
    if not demand_xy.size:
        return []
    tree = cKDTree(demand_xy)
    records = _sites(conn, operator_id, True) + _sites(conn, operator_id, False) + _tall_structures(conn)
    records += _poles(conn, operator_id) + _offices(conn)
    out: list[Candidate] = []
    if records:
        x, y = to_metric([r["lon"] for r in records], [r["lat"] for r in records], params.crs)
        far = _reach_each(records, reach)
        dist = tree.query(np.column_stack([x, y]), distance_upper_bound=float(far.max()))[0]
        near = dist <= far
        seen_poles: set[tuple[int, int]] = set()
        for r, xi, yi, ok in zip(records, x, y, near, strict=True):
            if not ok:
                continue
            if r["kind"] == "pole":  # poles stand in rows along roads: one per square is enough
                square = (int(xi // POLE_SPACING_M), int(yi // POLE_SPACING_M))
                if square in seen_poles:
                    continue
                seen_poles.add(square)
            code = None if r["kind"] == "office" else r["code"]
            out.append(
                Candidate(
                    r["kind"], code, r["lon"], r["lat"], float(xi), float(yi),
                    float(r["height_m"]), r["owner"], r.get("label") or (r["code"] if code is None else None),
                )
            )  # fmt: skip
    return out + _grid(params, tree, demand_xy, grid_m)


def _reach_each(records: list[dict], reach) -> np.ndarray:
    if not callable(reach):
        return np.full(len(records), float(reach))
    out = np.empty(len(records))
    kinds = np.array([r["kind"] for r in records])
    heights = np.array([float(r["height_m"]) for r in records])
    for kind in set(kinds.tolist()):
        mine = kinds == kind
        unique, back = np.unique(heights[mine], return_inverse=True)
        out[mine] = reach(kind, unique)[back]
    return out


def _grid(params: CoverageParams, tree: cKDTree, demand_xy: np.ndarray, grid_m: float) -> list[Candidate]:
    """Free points of a ``grid_m`` lattice (aligned to its multiples) within ``grid_m`` of demand."""
    lo = np.floor(demand_xy.min(axis=0) / grid_m) * grid_m
    hi = np.ceil(demand_xy.max(axis=0) / grid_m) * grid_m
    gx, gy = np.meshgrid(np.arange(lo[0], hi[0] + 1, grid_m), np.arange(lo[1], hi[1] + 1, grid_m))
    pts = np.column_stack([gx.ravel(), gy.ravel()])
    pts = pts[np.isfinite(tree.query(pts, distance_upper_bound=grid_m)[0])]
    if not pts.size:
        return []
    lon, lat = to_lonlat(pts[:, 0], pts[:, 1], params.crs)
    return [
        Candidate(
            "new", None, round(float(a), 6), round(float(b), 6), float(x), float(y), NEW_MAST_HEIGHT_M, None
        )
        for a, b, (x, y) in zip(lon, lat, pts, strict=True)
    ]


def candidate_cells(
    candidates: list[Candidate], params: CoverageParams, eirp_offset_db: float = 0.0
) -> CellArrays:
    """Every candidate's sectors, three consecutive cells per candidate (operator index 0), each
    antenna at ``antenna_height_m``, the EIRP raised by ``eirp_offset_db`` (an accepted calibration
    offset of the operator asked for, dB)."""
    n, per = len(candidates), len(CANDIDATE_CELLS)

    def column(key):
        return np.tile([c[key] for c in CANDIDATE_CELLS], n)

    return CellArrays(
        x_m=np.repeat([c.x_m for c in candidates], per),
        y_m=np.repeat([c.y_m for c in candidates], per),
        operator=np.zeros(n * per, np.int32),
        tech_class=np.zeros(n * per, np.int8),
        technology=column("technology"),
        band_mhz=column("band_mhz"),
        antenna_height_m=np.repeat([antenna_height_m(c.kind, c.height_m) for c in candidates], per),
        eirp_dbm=column("eirp_dbm") + eirp_offset_db,
        azimuth_deg=column("azimuth_deg"),
        beamwidth_deg=column("beamwidth_deg"),
    )
