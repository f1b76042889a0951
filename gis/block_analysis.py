"""What one grid block says about coverage: hamlet cell counts, coverage and dead-zone polygons.

Pure computation on top of ``gis.coverage``: the caller supplies the block, the transmitters,
the hamlets that touch the block (metric polygons) and gets plain numbers and geometries back.
"""

import hashlib
import json
import zlib
from dataclasses import dataclass, field

import numpy as np
import rasterio
import shapely

from gis.coverage import (
    NO_SIGNAL,
    Block,
    CellArrays,
    CoverageParams,
    band_index,
    best_signal,
    polygonize,
    rasterize_zones,
    reaching,
    zone_counts,
)
from gis.propagation import RURAL

__all__ = [
    "BlockHamlets",
    "BlockResult",
    "analyse_block",
    "block_input_hash",
    "hamlet_counts",
    "encode_raster",
    "decode_raster",
]

BANDS = {1: "weak", 2: "fair", 3: "good"}
# Mixed into every block's input hash: bump it when the same inputs would give other results.
ENGINE_VERSION = 1
_CELL_FIELDS = ("x_m", "y_m", "operator", "tech_class", "band_mhz", "antenna_height_m", "eirp_dbm")
CLASS_NAMES = ("mbb", "legacy")
DEAD_KINDS = ("no_signal", "no_mbb", "single_operator")


@dataclass
class BlockHamlets:
    """The hamlets touching a block: ids, metric polygons and clutter codes (same order)."""

    ids: list[int]
    geoms: list
    clutter: np.ndarray  # uint8 per hamlet

    def rasters(self, block: Block) -> tuple[np.ndarray, np.ndarray]:
        """Zone index (−1 outside every hamlet) and clutter code of every grid cell."""
        zones = (
            rasterize_zones(self.geoms, block) if self.ids else np.full((block.ny, block.nx), -1, np.int32)
        )
        clutter = np.full(zones.shape, RURAL, np.uint8)
        inside = zones >= 0
        clutter[inside] = self.clutter[zones[inside]]
        return zones, clutter


@dataclass
class BlockResult:
    key: str
    # hamlet id -> (total, mbb_any, legacy_only, no_signal, single_operator)
    counts: dict[int, tuple[int, int, int, int, int]] = field(default_factory=dict)
    # (hamlet id, operator index) -> cells with mobile broadband from that operator
    operator_counts: dict[tuple[int, int], int] = field(default_factory=dict)
    # (operator index or None for any, class name, band name, metric MultiPolygon)
    coverage: list[tuple[int | None, str, str, object]] = field(default_factory=list)
    # (hamlet id, kind, metric MultiPolygon)
    dead: list[tuple[int, str, object]] = field(default_factory=list)
    raster: np.ndarray | None = None  # best signal (n_ops, 2, ny, nx) float32


def hamlet_counts(
    rsrp: np.ndarray, zones: np.ndarray, n_zones: int, threshold_dbm: float
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Per-zone counts: (totals, per-operator MBB counts (n_ops, n_zones), masks by dead-zone kind)."""
    inside = zones >= 0
    mbb_ok = rsrp[:, 0] >= threshold_dbm
    legacy_ok = rsrp[:, 1] >= threshold_dbm
    any_mbb = mbb_ok.any(axis=0)
    n_mbb = mbb_ok.sum(axis=0)
    masks = {
        "mbb_any": inside & any_mbb,
        "no_signal": inside & ~any_mbb & ~legacy_ok.any(axis=0),
        "no_mbb": inside & ~any_mbb & legacy_ok.any(axis=0),
        "single_operator": inside & (n_mbb == 1),
    }
    totals = zone_counts(zones, inside, n_zones)
    per_op = np.stack([zone_counts(zones, inside & mbb_ok[o], n_zones) for o in range(rsrp.shape[0])])
    return totals, per_op, masks


def analyse_block(
    block: Block,
    cells: CellArrays,
    hamlets: BlockHamlets,
    params: CoverageParams,
    n_operators: int,
    polygons: bool = True,
) -> BlockResult:
    # One GDAL environment for the block: rasterio otherwise sets one up and tears it down around
    # each of its ~10 rasterize / polygonize calls (a third of the vectorising time).
    with rasterio.Env():
        return _analyse_block(block, cells, hamlets, params, n_operators, polygons)


def _analyse_block(block, cells, hamlets, params, n_operators, polygons) -> BlockResult:
    zones, clutter = hamlets.rasters(block)
    rsrp = best_signal(block, cells, params, n_operators, clutter=clutter)
    result = BlockResult(block.key, raster=rsrp)
    n = len(hamlets.ids)
    totals, per_op, masks = hamlet_counts(rsrp, zones, n, params.outdoor_threshold_dbm)
    mbb_any = zone_counts(zones, masks["mbb_any"], n)
    legacy_only = zone_counts(zones, masks["no_mbb"], n)
    no_signal = zone_counts(zones, masks["no_signal"], n)
    single = zone_counts(zones, masks["single_operator"], n)
    for i, hamlet_id in enumerate(hamlets.ids):
        if totals[i] == 0:
            continue
        result.counts[hamlet_id] = (
            int(totals[i]),
            int(mbb_any[i]),
            int(legacy_only[i]),
            int(no_signal[i]),
            int(single[i]),
        )
        for o in range(n_operators):
            if per_op[o, i]:
                result.operator_counts[(hamlet_id, o)] = int(per_op[o, i])
    if polygons:
        _add_polygons(result, block, rsrp, zones, masks, hamlets.ids, params)
    return result


def _add_polygons(result, block, rsrp, zones, masks, hamlet_ids, params) -> None:
    inside = zones >= 0  # coverage is shown within the province (its hamlets) only
    if not inside.any():
        return
    best_any = rsrp.max(axis=0)  # (2, ny, nx): any operator
    layers = [(o, rsrp[o]) for o in range(rsrp.shape[0])] + [(None, best_any)]
    for op_index, by_class in layers:
        for c, class_name in enumerate(CLASS_NAMES):
            labels = np.where(inside, band_index(by_class[c], params), 0).astype(np.uint8)
            if not labels.any():
                continue
            for value, geom in polygonize(labels, block).items():
                if value in BANDS:
                    result.coverage.append((op_index, class_name, BANDS[value], geom))
    # The dead-zone kinds never overlap (no signal, legacy only, one operator's broadband): one
    # raster labelled kind × (hamlets + 1) + hamlet + 1 gives every kind's polygons in one pass,
    # the same polygons, in the same (kind, hamlet) order, as one pass per kind.
    stride = len(hamlet_ids) + 1
    labels = np.zeros(zones.shape, np.int32)
    for k, kind in enumerate(DEAD_KINDS):
        labels[masks[kind]] = k * stride + zones[masks[kind]] + 1
    for value, geom in polygonize(labels, block).items():
        kind, zone = divmod(value, stride)
        if zone > 0:
            result.dead.append((hamlet_ids[zone - 1], DEAD_KINDS[kind], geom))


def block_input_hash(
    block: Block, cells: CellArrays, hamlets: BlockHamlets, params: CoverageParams, operators: list[str]
) -> str:
    """A digest of everything ``analyse_block`` reads for ``block``: the parameters, the operator
    list, the hamlets touching it (ids, outlines, clutter) and the cells that reach it. Two blocks
    with the same digest have the same results, whatever the day or the run they belong to.

    Cells are hashed as a set (sorted rows): the best server does not depend on their order.
    """
    h = hashlib.sha256()
    head = {"engine": ENGINE_VERSION, "block": block.key, "operators": operators, "params": params.to_card()}
    h.update(json.dumps(head, sort_keys=True, default=str).encode())
    h.update(np.asarray(hamlets.ids, np.int64).tobytes())
    h.update(np.asarray(hamlets.clutter, np.uint8).tobytes())
    for geom in hamlets.geoms:
        h.update(shapely.to_wkb(geom))
    index = reaching(block, cells, params)
    if index.size:
        technology = np.unique(cells.technology[index], return_inverse=True)
        rows = np.column_stack(
            [getattr(cells, name)[index].astype(np.float64) for name in _CELL_FIELDS]
            + [
                technology[1].astype(np.float64),
                np.nan_to_num(cells.azimuth_deg[index], nan=-1.0),
                cells.beamwidth_deg[index],
            ]
        )
        rows = rows[np.lexsort(rows.T[::-1])]
        h.update(json.dumps(technology[0].tolist()).encode())
        h.update(rows.tobytes())
    return h.hexdigest()


def encode_raster(rsrp: np.ndarray) -> bytes:
    """Best-signal raster as zlib-compressed int16 (dBm × 10): compact, exact to 0.1 dB."""
    clipped = np.clip(np.round(rsrp * 10), NO_SIGNAL * 10, 0).astype("<i2")
    return zlib.compress(clipped.tobytes(), 3)


def decode_raster(data: bytes, shape: tuple[int, ...]) -> np.ndarray:
    return np.frombuffer(zlib.decompress(data), dtype="<i2").reshape(shape).astype(np.float32) / 10
