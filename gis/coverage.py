"""Best-server signal on a metric grid, block by block (pure numpy; the grid lives in gis.grid).

At each grid-cell centre and for each cell (transmitter) the received reference-signal level is

    RSRP = EIRP − RS offset(technology) − L(f, h_b, h_m, d, clutter) − A(φ) − shadow margin

with L from gis.propagation, A(φ) the sector pattern of gis.antenna and the margin
z(reliability) · σ (90 % cell-edge reliability, σ = 8 dB → 10.25 dB, the FCC BDC modelling rule).
The reference-signal offset turns a cell's total EIRP into the per-resource-element / pilot level
each technology's coverage metric measures:

    =====  ==========================  =========================================  =========
    tech   metric                      offset                                      default
    =====  ==========================  =========================================  =========
    2G     RxLev (BCCH carrier power)  0 dB — the whole carrier (3GPP TS 45.008)      0.0 dB
    3G     CPICH RSCP                  CPICH ≈ 10 % of total power (common            10.0 dB
                                       operator setting; TS 25.215 defines RSCP)
    4G     RSRP, per resource element  10·log10(12 · N_RB); 10 MHz → 50 RB            27.8 dB
                                       (TS 36.101 Table 5.6-1; RSRP: TS 36.214)
    5G     SS-RSRP, per RE             10·log10(12 · N_RB); 100 MHz at 30 kHz SCS     35.2 dB
                                       → 273 RB (TS 38.101-1 Table 5.3.2-1; TS 38.215)
    =====  ==========================  =========================================  =========

The same thresholds then apply to every technology — a simplification stated in the model card
(regulators often use per-technology thresholds). "Covered" outdoors is RSRP ≥ −105 dBm, the
4G outdoor planning level of docs research §4.3 (mission-anchors, "indoor planning rule of thumb
4G data > −105 dBm RSRP"; also Ofcom's 4G outdoor level (verify)); indoors −95 dBm (≈ 10 dB
building loss). Values below the weakest band edge are NO_SIGNAL, so the result does not depend
on how the work was bounded.

Speed: per block, cells out of reach are dropped; then a quadtree over the block (the block,
its quarters, … down to tiles of 8 × 8 grid cells) keeps, per node and (operator, class), only
the cells whose upper bound on the node (nearest distance, best clutter, least sector
attenuation) reaches both the floor and the best lower bound another cell of that operator and
class guarantees everywhere on the node (farthest distance, worst clutter, most attenuation).
Both bounds are exact, so pruning never changes the maximum. The surviving (cell, tile) pairs
are evaluated in cache-sized vectorised batches, distance and bearing shared by co-sited cells.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from statistics import NormalDist

import numpy as np

from gis import propagation as prop
from gis.antenna import FRONT_TO_BACK_DB
from gis.crs import METRIC_CRS, metric_crs, to_metric
from gis.grid import Block, Grid, TileLevel, polygonize, rasterize_zones, tile_levels, zone_counts

__all__ = [
    "CLASSES",
    "MBB",
    "LEGACY",
    "TECH_CLASS",
    "NO_SIGNAL",
    "BAND_NAMES",
    "MODEL_NAME",
    "MODEL_CARD_TEXT",
    "CoverageParams",
    "CellArrays",
    "Block",
    "Grid",
    "best_signal",
    "reaching",
    "band_index",
    "polygonize",
    "rasterize_zones",
    "zone_counts",
]

CLASSES = ("mbb", "legacy")  # mbb = 4G/5G ("mobile broadband"), legacy = 2G/3G
MBB, LEGACY = 0, 1
TECH_CLASS = {"2G": LEGACY, "3G": LEGACY, "4G": MBB, "5G": MBB}
NO_SIGNAL = -999.0
DEFAULT_BEAMWIDTH_DEG = 65.0  # a macro sector whose beamwidth is not recorded
BAND_NAMES = ("none", "weak", "fair", "good")  # band_index values 0 … 3
TILE_CELLS = 8
_PRUNE_EPS_DB = 0.01  # float32 evaluation vs float64 bounds

MODEL_NAME = "hgtelecom-hata-linkbudget-v1"
MODEL_CARD_TEXT = (
    "Flat-earth median path loss (Okumura–Hata ≤ 1500 MHz, COST-231 Hata 1500–2000 MHz, COST-231 Hata "
    "extrapolated above 2 GHz) per clutter class (urban / suburban / rural), 3GPP TR 36.814 horizontal "
    "sector pattern, best server per operator and class (mbb = 4G/5G, legacy = 2G/3G) on a square grid, "
    "reference-signal offsets per technology, log-normal shadowing margin for the cell-edge reliability. "
    "No terrain model (meant for flat, low-lying land), no vertical pattern, no interference or load."
)
CITATIONS = (
    "M. Hata, Empirical formula for propagation loss in land mobile radio services, "
    "IEEE Trans. Veh. Technol. VT-29(3):317-325, 1980",
    "COST Action 231, Digital mobile radio towards future generation systems, final report, EUR 18957, "
    "1999, §4.4 (COST-231 Hata)",
    "V. S. Abhayawardhana et al., Comparison of empirical propagation path loss models for fixed wireless "
    "access systems, IEEE VTC 2005-Spring (COST-231 Hata applied at 3.5 GHz)",
    "3GPP TR 36.814 V9.2.0 Table A.2.1.1-2 / TR 36.942 §4.2.1 (sector antenna pattern)",
    "3GPP TS 36.101 Table 5.6-1 and TS 38.101-1 Table 5.3.2-1 (resource blocks per bandwidth)",
    "FCC BDC mobile modelling rules: 90 % cell-edge probability (mission-anchors §1.2)",
    "mission-anchors §4.3: −105 dBm RSRP outdoor, −95 dBm indoor (≈ 10 dB building loss)",
)
MODEL_NOTES = (
    "Okumura-Hata and COST-231 Hata are validated for h_b 30-200 m and d 1-20 km: shorter distances and "
    "lower antennas are extrapolations (d is clamped to 0.05 km, h_b to 5-200 m).",
    "Above 2000 MHz (2100, 2600, 3500 MHz) COST-231 Hata is extrapolated beyond its 1500-2000 MHz range.",
    "COST-231: C_m = 3 dB for urban clutter, 0 otherwise; Hata's suburban and open-area corrections are "
    "applied to COST-231 too.",
    "One set of thresholds for every technology after the reference-signal offsets: 2G RxLev and 3G RSCP "
    "are judged by the LTE RSRP levels, which is generous for 2G.",
    "Flat earth: no terrain or building data, no vertical antenna pattern (tilt), no interference or load.",
    "Levels below the weakest band edge are reported as no signal.",
)


@dataclass(frozen=True)
class CoverageParams:
    """Every knob of a coverage run; stored with the results through ``to_card``."""

    cell_m: float = 50.0
    block_cells: int = 128  # a block is block_cells × block_cells grid cells
    crs: str = METRIC_CRS
    rx_height_m: float = 1.5
    reliability: float = 0.90  # cell-edge reliability
    shadow_sigma_db: float = 8.0
    front_to_back_db: float = FRONT_TO_BACK_DB
    outdoor_threshold_dbm: float = -105.0  # "covered": mission-anchors §4.3 (4G outdoor RSRP)
    indoor_threshold_dbm: float = -95.0  # outdoor + ≈ 10 dB building penetration loss
    band_edges_dbm: tuple = (-85.0, -95.0, -105.0)  # good ≥ −85, fair ≥ −95, weak ≥ −105, else none
    mbb_covered_share: float = 0.95
    lte_resource_blocks: int = 50  # 10 MHz carrier
    nr_resource_blocks: int = 273  # 100 MHz at 30 kHz subcarrier spacing
    cpich_offset_db: float = 10.0  # CPICH at 10 % of the 3G cell's total power

    def __post_init__(self):
        edges = tuple(sorted(map(float, self.band_edges_dbm), reverse=True))
        if len(edges) != len(BAND_NAMES) - 1:
            raise ValueError(f"band_edges_dbm needs {len(BAND_NAMES) - 1} edges (good, fair, weak)")
        object.__setattr__(self, "band_edges_dbm", edges)
        metric_crs(self.crs)
        if self.cell_m <= 0 or self.block_cells < 1:
            raise ValueError("cell_m and block_cells must be positive")
        if not 0.0 < self.reliability < 1.0:
            raise ValueError("reliability must be strictly between 0 and 1")

    def shadow_margin_db(self) -> float:
        """z(reliability) · σ: NormalDist().inv_cdf(0.90) · 8 dB = 10.25 dB."""
        return NormalDist().inv_cdf(self.reliability) * self.shadow_sigma_db

    @property
    def floor_dbm(self) -> float:
        """The weakest level of interest (weakest band edge or threshold); below it is NO_SIGNAL."""
        return min((*self.band_edges_dbm, self.outdoor_threshold_dbm, self.indoor_threshold_dbm))

    def reference_offsets_db(self) -> dict[str, float]:
        """Total EIRP − offset = the level each technology's coverage metric measures."""
        return {
            "2G": 0.0,
            "3G": float(self.cpich_offset_db),
            "4G": 10.0 * float(np.log10(12 * self.lte_resource_blocks)),
            "5G": 10.0 * float(np.log10(12 * self.nr_resource_blocks)),
        }

    def to_card(self, cells: CellArrays | None = None) -> dict:
        """The model card: parameters, models, citations and validity notes (JSON-ready)."""
        notes = list(MODEL_NOTES)
        if cells is not None and len(cells):
            notes += prop.validity_notes(cells.band_mhz, cells.antenna_height_m, prop.NEAR_FIELD_KM)
        parameters = asdict(self)
        parameters["band_edges_dbm"] = list(self.band_edges_dbm)
        return {
            "model": MODEL_NAME,
            "description": MODEL_CARD_TEXT,
            "propagation_models": {
                "150-1500 MHz": prop.MODEL_HATA,
                "1500-2000 MHz": prop.MODEL_COST231,
                "2000-4200 MHz": prop.MODEL_COST231_EXTENDED,
            },
            "antenna_pattern": "A(phi) = min(12 (phi/phi_3dB)^2, A_m), 3GPP TR 36.814",
            "terrain": "none (flat earth)",
            "parameters": parameters,
            "shadow_margin_db": round(self.shadow_margin_db(), 4),
            "reference_signal_offsets_db": {k: round(v, 4) for k, v in self.reference_offsets_db().items()},
            "received_level": "EIRP - RS offset - path loss - sector attenuation - shadow margin",
            "bands": dict(zip(BAND_NAMES[:0:-1], self.band_edges_dbm, strict=True)),
            "classes": {"mbb": ["4G", "5G"], "legacy": ["2G", "3G"]},
            "grid": {"cell_m": self.cell_m, "block_cells": self.block_cells, "crs": self.crs},
            "citations": list(CITATIONS),
            "validity_notes": notes,
        }


@dataclass(eq=False)
class CellArrays:
    """Transmitters as parallel numpy arrays (metric x/y in the params' CRS); treat as immutable
    (per-params constants are cached on the instance)."""

    x_m: np.ndarray
    y_m: np.ndarray
    operator: np.ndarray  # int index into the operator list
    tech_class: np.ndarray  # MBB 0 / LEGACY 1
    technology: np.ndarray  # '2G' / '3G' / '4G' / '5G'
    band_mhz: np.ndarray
    antenna_height_m: np.ndarray
    eirp_dbm: np.ndarray
    azimuth_deg: np.ndarray  # NaN = omni
    beamwidth_deg: np.ndarray
    _cache: dict = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self):
        for name, dtype in _DTYPES.items():
            setattr(self, name, np.asarray(getattr(self, name), dtype=dtype).reshape(-1))
        if len({getattr(self, name).size for name in _DTYPES}) > 1:
            raise ValueError("CellArrays fields must have the same length")

    @classmethod
    def from_records(cls, records: list[dict], operators: list[str], crs: str = METRIC_CRS) -> CellArrays:
        """From dicts with lon, lat, operator (name), technology, band_mhz, antenna_height_m,
        eirp_dbm, azimuth_deg (None = omni), beamwidth_deg (None: 65° for a sector, 360° omni)."""
        index = {name: i for i, name in enumerate(operators)}
        unknown = {r["operator"] for r in records} - index.keys()
        if unknown:
            raise ValueError(f"cells of unknown operators: {sorted(unknown)}")
        techs = [str(r["technology"]) for r in records]
        if set(techs) - TECH_CLASS.keys():
            raise ValueError(f"unknown technologies: {sorted(set(techs) - TECH_CLASS.keys())}")
        x, y = to_metric([r["lon"] for r in records], [r["lat"] for r in records], crs)

        def column(key):
            return [np.nan if r.get(key) is None else float(r[key]) for r in records]

        azimuth = np.asarray(column("azimuth_deg"))
        beamwidth = np.asarray(column("beamwidth_deg"))
        default = np.where(np.isnan(azimuth), 360.0, DEFAULT_BEAMWIDTH_DEG)
        beamwidth = np.where(np.isnan(beamwidth), default, beamwidth)
        return cls(
            x_m=x,
            y_m=y,
            operator=[index[r["operator"]] for r in records],
            tech_class=[TECH_CLASS[t] for t in techs],
            technology=techs,
            band_mhz=column("band_mhz"),
            antenna_height_m=column("antenna_height_m"),
            eirp_dbm=column("eirp_dbm"),
            azimuth_deg=azimuth,
            beamwidth_deg=beamwidth,
        )

    def __len__(self) -> int:
        return int(self.x_m.size)

    def subset(self, index) -> CellArrays:
        return CellArrays(**{name: getattr(self, name)[index] for name in _DTYPES})

    def concat(self, other: CellArrays) -> CellArrays:
        return CellArrays(
            **{name: np.concatenate([getattr(self, name), getattr(other, name)]) for name in _DTYPES}
        )

    def reference_level_dbm(self, params: CoverageParams) -> np.ndarray:
        """EIRP − RS offset − shadow margin: the level before path loss and sector attenuation."""
        offsets = params.reference_offsets_db()
        rs_offset = np.array([offsets[t] for t in self.technology.tolist()], dtype=float)
        return self.eirp_dbm - rs_offset - params.shadow_margin_db()

    def max_range_m(self, params: CoverageParams, clutter=prop.RURAL) -> np.ndarray:
        """Distance (m) beyond which a cell's boresight level is below ``params.floor_dbm`` (the
        weakest band edge) in ``clutter`` — rural gives the largest possible reach."""
        max_loss = self.reference_level_dbm(params) - params.floor_dbm
        return 1000.0 * prop.max_range_km(
            self.band_mhz, self.antenna_height_m, params.rx_height_m, max_loss, clutter
        )


_DTYPES = {
    "x_m": np.float64,
    "y_m": np.float64,
    "operator": np.int32,
    "tech_class": np.int8,
    "technology": "<U2",
    "band_mhz": np.float64,
    "antenna_height_m": np.float64,
    "eirp_dbm": np.float64,
    "azimuth_deg": np.float64,
    "beamwidth_deg": np.float64,
}


def band_index(rsrp, params: CoverageParams | None = None) -> np.ndarray:
    """uint8 band of each level: 0 none, 1 weak, 2 fair, 3 good (``params.band_edges_dbm``)."""
    edges = (params or CoverageParams()).band_edges_dbm  # descending: good, fair, weak
    return np.searchsorted(np.asarray(edges[::-1]), np.asarray(rsrp), side="right").astype(np.uint8)


# --- the engine ---------------------------------------------------------------------------------


@dataclass
class _Prepared:
    """Per-cell constants for one CoverageParams (cached on the CellArrays)."""

    x: np.ndarray
    y: np.ndarray
    site: np.ndarray  # index of the distinct (x, y) position: co-sited cells share geometry
    level3: np.ndarray  # (n, 3): reference level − intercept A, per clutter code
    slope: np.ndarray  # B of L = A + B·log10(d_km)
    reach_m: np.ndarray  # range to the floor in the best clutter
    sector: np.ndarray  # bool
    azimuth: np.ndarray  # radians, −π … π
    pattern_k: np.ndarray  # 12 / φ3dB² with φ in radians (0 for omni)
    group: np.ndarray  # operator · 2 + class


def _prepare(cells: CellArrays, params: CoverageParams) -> _Prepared:
    cached = cells._cache.get(params)
    if cached is not None:
        return cached
    level = cells.reference_level_dbm(params)
    h_b, h_m = cells.antenna_height_m, params.rx_height_m
    terms = [prop.log_distance_terms(cells.band_mhz, h_b, h_m, np.full(len(cells), k)) for k in range(3)]
    slope = terms[0][1]
    level3 = np.stack([level - intercept for intercept, _ in terms], axis=1)
    # urban loses most, rural least, at every frequency (Hata's corrections are negative), so the
    # bounds take the least and the greatest clutter code present as the worst and best cases
    reach_km = 10.0 ** ((level3.max(axis=1) - params.floor_dbm) / slope)
    sector = ~np.isnan(cells.azimuth_deg) & (cells.beamwidth_deg < 360.0)
    beam = np.radians(np.where(sector, cells.beamwidth_deg, 1.0))
    azimuth = np.radians((np.nan_to_num(cells.azimuth_deg) + 180.0) % 360.0 - 180.0)
    prepared = _Prepared(
        x=cells.x_m,
        y=cells.y_m,
        site=np.unique(np.stack([cells.x_m, cells.y_m], axis=1), axis=0, return_inverse=True)[1].reshape(-1),
        level3=level3,
        slope=slope,
        reach_m=np.where(reach_km >= prop.NEAR_FIELD_KM, reach_km, 0.0) * 1000.0,
        sector=sector,
        azimuth=np.where(sector, azimuth, 0.0),
        pattern_k=np.where(sector, 12.0 / beam**2, 0.0),
        group=cells.operator.astype(np.int64) * 2 + cells.tech_class,
    )
    cells._cache[params] = prepared
    return prepared


def _span_bounds(px, py, rects, azimuth):
    """Least and greatest angle off boresight (radians, 0 … π) over a rectangle seen from (px, py):
    the rectangle lies within its circumscribed circle, seen under ± asin(r / distance)."""
    x0, y0, x1, y1 = rects
    cx, cy = (x0 + x1) / 2.0 - px, (y0 + y1) / 2.0 - py
    dist = np.hypot(cx, cy)
    radius = np.hypot(x1 - x0, y1 - y0) / 2.0
    half = np.arcsin(np.minimum(radius / np.maximum(dist, 1e-9), 1.0))
    off = np.abs((np.arctan2(cx, cy) - azimuth + np.pi) % (2.0 * np.pi) - np.pi)  # centre, 0 … π
    full = dist <= radius
    phi_min = np.where(full, 0.0, np.maximum(off - half, 0.0))
    phi_max = np.where(full, np.pi, np.minimum(off + half, np.pi))
    return phi_min, phi_max


def _pair_bounds(pre: _Prepared, ci, rects, codes_present, front_to_back_db):
    """Exact bounds (upper, lower) of cell ``ci``'s level over the cell centres within ``rects``
    ((4, n) minx, miny, maxx, maxy) whose clutter codes range over ``codes_present`` ((2, n): the
    least and the greatest code; a higher code never loses more, see _prepare)."""
    px, py = pre.x[ci], pre.y[ci]
    x0, y0, x1, y1 = rects
    near = np.hypot(
        np.maximum(np.maximum(x0 - px, px - x1), 0.0), np.maximum(np.maximum(y0 - py, py - y1), 0.0)
    )
    far = np.hypot(np.maximum(np.abs(px - x0), np.abs(px - x1)), np.maximum(np.abs(py - y0), np.abs(py - y1)))
    near_field_m = 1000.0 * prop.NEAR_FIELD_KM
    slope = pre.slope[ci]
    upper = pre.level3[ci, codes_present[1]] - slope * np.log10(np.maximum(near, near_field_m) / 1e3)
    lower = pre.level3[ci, codes_present[0]] - slope * np.log10(np.maximum(far, near_field_m) / 1e3)
    s = np.flatnonzero(pre.sector[ci])
    if s.size:
        phi_min, phi_max = _span_bounds(px[s], py[s], rects[:, s], pre.azimuth[ci[s]])
        k = pre.pattern_k[ci[s]]
        upper[s] -= np.minimum(k * phi_min**2, front_to_back_db)
        lower[s] -= np.minimum(k * phi_max**2, front_to_back_db)
    return upper, lower


def _survivors(upper, lower, key, n_keys: int, floor_dbm: float) -> np.ndarray:
    """Pairs that may be the best of their key somewhere: above the floor and above the best
    lower bound of the key (which some pair of the key guarantees everywhere in the node)."""
    ok = upper >= floor_dbm
    guaranteed = np.full(n_keys, -np.inf)
    np.maximum.at(guaranteed, key[ok], lower[ok])
    return ok & (upper >= guaranteed[key] - _PRUNE_EPS_DB)


def _refine(pre: _Prepared, cand: np.ndarray, levels: list[TileLevel], n_keys: int, params) -> tuple:
    """(cell, tile) pairs that may hold the best level somewhere in the tile, coarse to fine."""
    ci, node = cand, np.zeros(cand.size, np.int64)
    for depth, level in enumerate(levels):
        upper, lower = _pair_bounds(
            pre, ci, level.rects[:, node], level.label_range[:, node], params.front_to_back_db
        )
        n_nodes = level.nny * level.nnx
        keep = _survivors(upper, lower, pre.group[ci] * n_nodes + node, n_keys * n_nodes, params.floor_dbm)
        ci, node = ci[keep], node[keep]
        if depth + 1 < len(levels):
            child = levels[depth + 1]
            ny_, nx_ = np.divmod(node, level.nnx)
            cy = (2 * ny_)[:, None] + np.array([0, 0, 1, 1])
            cx = (2 * nx_)[:, None] + np.array([0, 1, 0, 1])
            ok = (cy < child.nny) & (cx < child.nnx)
            ci = np.broadcast_to(ci[:, None], ok.shape)[ok]
            node = (cy * child.nnx + cx)[ok]
    return ci, node


def _evaluate(pre: _Prepared, ci, ti, block: Block, leaves: TileLevel, codes, n_keys: int, ftb: float):
    """Max-reduce the levels of the (cell, tile) pairs into (n_keys · n_tiles, T, T) float32.

    Distance and bearing are computed once per (site, tile) and shared by co-sited cells; work
    goes in chunks small enough to stay in cache.
    """
    size, n_tiles = TILE_CELLS, leaves.nny * leaves.nnx
    key = pre.group[ci] * n_tiles + ti
    order = np.argsort(key, kind="stable")
    ci, ti, key = ci[order], ti[order], key[order]
    _, first, shared = np.unique(pre.site[ci] * n_tiles + ti, return_index=True, return_inverse=True)
    log_d2, bearing = _geometry(pre, ci[first], ti[first], block, leaves.nnx)
    base = np.where(leaves.presence.sum(axis=1) == 1, leaves.presence.argmax(axis=1), prop.URBAN)
    constant = (pre.level3[ci, base[ti]] + 3.0 * pre.slope[ci]).astype(np.float32)  # −B·log10(d_km) = …
    half_slope = (-0.5 * pre.slope[ci]).astype(np.float32)  # … −B/2·log10(d_m²) + 3B
    mixed = leaves.presence.sum(axis=1) > 1
    tile_codes = _tile_codes(codes, block, leaves) if mixed.any() else None
    azimuth, pattern_k = pre.azimuth[ci].astype(np.float32), pre.pattern_k[ci].astype(np.float32)
    acc = np.full((n_keys * n_tiles, size, size), -np.inf, np.float32)
    two_pi, ftb32 = np.float32(2.0 * np.pi), np.float32(ftb)
    for start in range(0, ci.size, _CHUNK_POINTS // size**2):
        part = slice(start, start + _CHUNK_POINTS // size**2)
        level = log_d2[shared[part]]
        level *= half_slope[part, None, None]
        level += constant[part, None, None]
        off = bearing[shared[part]]
        off -= azimuth[part, None, None]
        np.abs(off, out=off)
        np.minimum(off, two_pi - off, out=off)
        off *= off
        off *= pattern_k[part, None, None]
        np.minimum(off, ftb32, out=off)
        level -= off
        m = np.flatnonzero(mixed[ti[part]])
        if m.size:
            c = ci[part][m]
            by_point = np.take_along_axis(pre.level3[c], tile_codes[ti[part][m]], axis=1)
            level[m] += (
                (by_point - pre.level3[c, prop.URBAN][:, None]).astype(np.float32).reshape(-1, size, size)
            )
        k = key[part]
        starts = np.concatenate([[0], np.flatnonzero(k[1:] != k[:-1]) + 1])
        acc[k[starts]] = np.maximum(acc[k[starts]], np.maximum.reduceat(level, starts, axis=0))
    return acc


_CHUNK_POINTS = 16384  # grid points per batch: 64 KiB per float32 temporary, stays in cache


def _geometry(pre: _Prepared, ci, ti, block: Block, nnx: int):
    """log10(d²) (d in m, ≥ the near field) and bearing (radians) from cell ``ci`` to tile ``ti``."""
    size = TILE_CELLS
    steps = np.arange(size, dtype=np.float32) * np.float32(block.cell_m)
    ty, tx = np.divmod(ti, nnx)
    ox = (block.x0_m + (tx * size + 0.5) * block.cell_m - pre.x[ci]).astype(np.float32)
    oy = (block.y0_m + (block.ny - 0.5 - ty * size) * block.cell_m - pre.y[ci]).astype(np.float32)
    log_d2 = np.empty((ci.size, size, size), np.float32)
    bearing = np.empty((ci.size, size, size), np.float32)
    near2 = np.float32((1000.0 * prop.NEAR_FIELD_KM) ** 2)
    for start in range(0, ci.size, _CHUNK_POINTS // size**2):
        part = slice(start, start + _CHUNK_POINTS // size**2)
        dx = ox[part, None, None] + steps[None, None, :]
        dy = oy[part, None, None] - steps[None, :, None]
        d2 = log_d2[part]
        np.add(dx * dx, dy * dy, out=d2)
        np.maximum(d2, near2, out=d2)
        np.log10(d2, out=d2)
        np.arctan2(dx, dy, out=bearing[part])
    return log_d2, bearing


def _tile_codes(codes: np.ndarray, block: Block, leaves: TileLevel) -> np.ndarray:
    """(n_tiles, T·T) clutter code of every cell of every tile (padding: rural)."""
    size = TILE_CELLS
    padded = np.full((leaves.nny * size, leaves.nnx * size), prop.RURAL, np.intp)
    padded[: block.ny, : block.nx] = codes
    return padded.reshape(leaves.nny, size, leaves.nnx, size).transpose(0, 2, 1, 3).reshape(-1, size * size)


def _clutter_raster(clutter, block: Block) -> np.ndarray | None:
    if clutter is None:
        return None
    codes = np.asarray(clutter)
    if codes.shape != (block.ny, block.nx):
        raise ValueError(f"clutter shape {codes.shape} is not the block's {(block.ny, block.nx)}")
    return prop.clutter_codes(codes)


def reaching(block: Block, cells: CellArrays, params: CoverageParams) -> np.ndarray:
    """Indices of the cells whose reach (to the floor, in the best clutter) meets a cell centre
    of ``block``: the only ones ``best_signal`` evaluates there, so the block depends on no other."""
    if not len(cells):
        return np.zeros(0, np.int64)
    pre = _prepare(cells, params)
    x0, y0, x1, y1 = block.bounds_m
    half = block.cell_m / 2.0
    near = np.hypot(
        np.maximum(np.maximum(x0 + half - pre.x, pre.x - (x1 - half)), 0.0),
        np.maximum(np.maximum(y0 + half - pre.y, pre.y - (y1 - half)), 0.0),
    )
    return np.flatnonzero(near <= pre.reach_m)


def best_signal(
    block: Block, cells: CellArrays, params: CoverageParams, n_operators: int, clutter=None
) -> np.ndarray:
    """Best received level (dBm, float32) per operator and class at every cell centre of ``block``.

    Returns shape (n_operators, 2, ny, nx); class 0 = mbb (4G/5G), 1 = legacy (2G/3G).
    ``clutter`` is a uint8 (ny, nx) raster of URBAN / SUBURBAN / RURAL codes (None: all rural).
    Levels below ``params.floor_dbm`` (the weakest band edge) are NO_SIGNAL (−999).
    """
    shape = (n_operators, 2, block.ny, block.nx)
    if len(cells) and int(cells.operator.max()) >= n_operators:
        raise ValueError(f"operator index {int(cells.operator.max())} ≥ n_operators = {n_operators}")
    codes = _clutter_raster(clutter, block)
    out = np.full(shape, NO_SIGNAL, np.float32)
    if not len(cells):
        return out
    pre = _prepare(cells, params)
    cand = reaching(block, cells, params)
    if not cand.size:
        return out
    levels = tile_levels(block, prop.RURAL if codes is None else codes, 3, TILE_CELLS)
    ci, ti = _refine(pre, cand, levels, 2 * n_operators, params)
    leaves = levels[-1]
    acc = _evaluate(pre, ci, ti, block, leaves, codes, 2 * n_operators, params.front_to_back_db)
    size = TILE_CELLS
    best = (
        acc.reshape(n_operators, 2, leaves.nny, leaves.nnx, size, size)
        .transpose(0, 1, 2, 4, 3, 5)
        .reshape(n_operators, 2, leaves.nny * size, leaves.nnx * size)[:, :, : block.ny, : block.nx]
    )
    np.copyto(out, best, where=best >= params.floor_dbm)
    return out
