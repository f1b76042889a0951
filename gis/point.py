"""What serves one spot: the signal of every cell there, the best and next-best server, the band
and the words people use for it, distance and bearing. Pure: numpy, pyproj.

The per-cell level is the coverage engine's (gis.coverage) written out for one point with the same
functions — reference level (EIRP − RS offset − shadow margin) − path loss (gis.propagation) − sector
attenuation (gis.antenna) — so the strongest cell of an operator and class gives the value the run
stored in its raster at that grid cell (to its 0.1 dB quantisation), when evaluated at the grid
cell's centre in the grid cell's clutter.

Words for the bands (``PLACES``), from the run's own levels (CoverageParams): "good" (≥ −85 dBm) is
the indoor threshold (−95 dBm, outdoor −105 dBm + ≈ 10 dB building loss) with 10 dB to spare — usable
indoors; "fair" (−95 … −85 dBm) meets the indoor threshold only at zero margin, so it is promised
where the loss is smaller than a building's — in a car and outdoors; "weak" (−105 … −95 dBm) meets
the outdoor threshold only. Environments in order of their loss (FCC BDC: outdoor-stationary, then
in-vehicle; Ofcom: outdoor, indoor).

Example
-------
>>> band_name(-90.0)
'fair'
>>> PLACES["fair"]
('in_car', 'outdoor')
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pyproj import Geod

from gis import propagation as prop
from gis.antenna import bearing_deg, sector_attenuation_db
from gis.coverage import BAND_NAMES, CLASSES, NO_SIGNAL, CellArrays, CoverageParams, band_index
from gis.grid import Grid

__all__ = [
    "PLACES",
    "PLACE_WORDS",
    "distance_bearing",
    "band_name",
    "places",
    "grid_cell",
    "cell_levels",
    "Server",
    "ranked_servers",
    "dead_zone_kind",
]

# The environments a band's level serves (most demanding first); see the module notes.
PLACES = {
    "good": ("indoor", "in_car", "outdoor"),
    "fair": ("in_car", "outdoor"),
    "weak": ("outdoor",),
    "none": (),
}
PLACE_WORDS = {
    "vi": {"indoor": "trong nhà", "in_car": "trên xe", "outdoor": "ngoài trời"},
    "en": {"indoor": "indoor", "in_car": "in-car", "outdoor": "outdoor"},
}
_GEOD = Geod(ellps="WGS84")


def distance_bearing(lon0: float, lat0: float, lon1: float, lat1: float) -> tuple[float, float]:
    """Geodesic distance (m) and initial bearing (degrees clockwise from true north, 0 … 360) from
    (lon0, lat0) to (lon1, lat1) on the WGS 84 ellipsoid.

    Example: one degree of latitude north along the equator's meridian → (110574.39, 0.0).
    """
    azimuth, _, distance = _GEOD.inv(lon0, lat0, lon1, lat1)
    if distance == 0.0:
        return 0.0, 0.0
    return float(distance), float(azimuth % 360.0)


def band_name(level_dbm: float | None, params: CoverageParams | None = None) -> str:
    """'good' / 'fair' / 'weak' / 'none' by the run's band edges (None or NO_SIGNAL: 'none')."""
    if level_dbm is None or level_dbm <= NO_SIGNAL:
        return "none"
    return BAND_NAMES[int(band_index(level_dbm, params))]


def places(band: str, lang: str = "vi") -> list[str]:
    """The words for where a band's level serves, most demanding first ([] for 'none')."""
    return [PLACE_WORDS[lang][p] for p in PLACES[band]]


def grid_cell(x_m: float, y_m: float, grid: Grid) -> tuple[str, int, int, float, float]:
    """(block key, row, column, centre x, centre y) of the grid cell holding the metric point (rows
    north → south, as the rasters are stored)."""
    [block] = grid.blocks_intersecting((x_m, y_m, x_m, y_m))
    col = min(int((x_m - block.x0_m) // block.cell_m), block.nx - 1)
    from_south = min(int((y_m - block.y0_m) // block.cell_m), block.ny - 1)
    row = block.ny - 1 - from_south
    return (
        block.key,
        row,
        col,
        block.x0_m + (col + 0.5) * block.cell_m,
        block.y0_m + (from_south + 0.5) * block.cell_m,
    )


def cell_levels(
    cells: CellArrays, params: CoverageParams, x_m: float, y_m: float, clutter: int
) -> np.ndarray:
    """Received level (dBm) of every cell at the metric point (x_m, y_m) in ``clutter`` (a gis.propagation
    code): reference level − path loss − sector attenuation, as gis.coverage computes it; NO_SIGNAL
    below the run's floor."""
    if not len(cells):
        return np.zeros(0)
    dx, dy = x_m - cells.x_m, y_m - cells.y_m
    d_km = np.hypot(dx, dy) / 1000.0
    loss = prop.path_loss_db(
        cells.band_mhz, cells.antenna_height_m, params.rx_height_m, d_km, np.full(len(cells), clutter)
    )
    attenuation = sector_attenuation_db(
        bearing_deg(dx, dy), cells.azimuth_deg, cells.beamwidth_deg, params.front_to_back_db
    )
    level = cells.reference_level_dbm(params) - loss - attenuation
    return np.where(level >= params.floor_dbm, level, NO_SIGNAL)


@dataclass(frozen=True)
class Server:
    index: int  # into the CellArrays
    level_dbm: float


def ranked_servers(levels: np.ndarray, operator: np.ndarray, tech_class: np.ndarray, n_operators: int):
    """{(operator index, class name): [best, next-best]} — the two strongest cells above the floor of
    each operator and class (fewer when fewer reach the spot); ties go to the lower index."""
    out: dict[tuple[int, str], list[Server]] = {}
    for o in range(n_operators):
        for c, name in enumerate(CLASSES):
            idx = np.flatnonzero((operator == o) & (tech_class == c) & (levels > NO_SIGNAL))
            order = idx[np.lexsort((idx, -levels[idx]))][:2]
            out[(o, name)] = [Server(int(i), float(levels[i])) for i in order]
    return out


def dead_zone_kind(mbb_dbm, legacy_dbm, threshold_dbm: float) -> str | None:
    """The dead-zone kind at a spot from the best level of each operator per class (the rule of
    gis.block_analysis.hamlet_counts): 'no_signal', 'no_mbb', 'single_operator' or None."""
    mbb = np.asarray(mbb_dbm, dtype=float) >= threshold_dbm
    legacy = np.asarray(legacy_dbm, dtype=float) >= threshold_dbm
    if not mbb.any():
        return "no_mbb" if legacy.any() else "no_signal"
    return "single_operator" if int(mbb.sum()) == 1 else None
