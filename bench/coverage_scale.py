"""Country-scale coverage cost curve: the block engine streamed over synthetic countries.

A synthetic country is a square of `area_km2` with sites scattered at the sample province's
density mix (1–3 operators, 4G mostly at 1800 MHz, some 700/900/2100/2600, some 2G-only sites)
and square hamlets; blocks are computed in 2 processes and only per-hamlet counts are kept, so
memory stays flat however large the country. The province generator's polygon partition does
not scale to 80,000 hamlets, hence this simpler layout (same radio parameter ranges).

    python -m bench.coverage_scale --fractions 0.01 0.03 0.1 [1.0]
"""

import argparse
import math
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

import numpy as np
import shapely

from gis.block_analysis import BlockHamlets, analyse_block
from gis.coverage import CellArrays, CoverageParams, Grid

COUNTRY = {"area_km2": 330_000, "sites": 110_000, "hamlets": 80_000}
OPERATORS = ["Viettel", "VinaPhone", "MobiFone", "Vietnamobile"]
X0, Y0 = 200_000.0, 1_000_000.0  # metric origin of the synthetic square (UTM-like numbers)

_STATE: dict = {}


def make_country(fraction: float, seed: int = 2023) -> dict:
    rng = np.random.default_rng(seed)
    area = COUNTRY["area_km2"] * fraction
    side_m = math.sqrt(area) * 1000
    n_sites = int(COUNTRY["sites"] * fraction)
    sx = X0 + rng.uniform(0, side_m, n_sites)
    sy = Y0 + rng.uniform(0, side_m, n_sites)
    cols = {
        k: []
        for k in (
            "x_m",
            "y_m",
            "operator",
            "technology",
            "band_mhz",
            "antenna_height_m",
            "eirp_dbm",
            "azimuth_deg",
            "beamwidth_deg",
        )
    }
    legacy_only = rng.random(n_sites) < 0.05
    for i in range(n_sites):
        ops = rng.choice(len(OPERATORS), size=rng.choice([1, 1, 1, 2, 2, 3]), replace=False)
        height = float(rng.uniform(20, 45))
        for op in ops:
            if legacy_only[i]:
                techs = [("2G", int(rng.choice([900, 1800])))]
            else:
                techs = [("4G", int(rng.choice([700, 900, 1800, 1800, 1800, 2100, 2600])))]
            for tech, band in techs:
                for az in (0.0, 120.0, 240.0):
                    cols["x_m"].append(sx[i])
                    cols["y_m"].append(sy[i])
                    cols["operator"].append(int(op))
                    cols["technology"].append(tech)
                    cols["band_mhz"].append(band)
                    cols["antenna_height_m"].append(height)
                    cols["eirp_dbm"].append(float(rng.uniform(55, 62)))
                    cols["azimuth_deg"].append((az + rng.uniform(-20, 20)) % 360)
                    cols["beamwidth_deg"].append(65.0)
    tech = np.array(cols["technology"])
    cells = CellArrays(tech_class=np.where(np.isin(tech, ["4G", "5G"]), 0, 1), **cols)
    hamlet_side = math.sqrt(area * 1e6 / (COUNTRY["hamlets"] * fraction))
    return {
        "cells": cells,
        "side_m": side_m,
        "hamlet_side_m": hamlet_side,
        "area_km2": area,
        "sites": n_sites,
    }


def _cells_near(block, reach_m: float):
    cells, order, bins, bin_m = _STATE["cells"], _STATE["order"], _STATE["bins"], _STATE["bin_m"]
    x0, y0, x1, y1 = block.bounds_m
    ix0, ix1 = int((x0 - reach_m - X0) // bin_m), int((x1 + reach_m - X0) // bin_m)
    iy0, iy1 = int((y0 - reach_m - Y0) // bin_m), int((y1 + reach_m - Y0) // bin_m)
    idx = [order[bins.get((ix, iy), slice(0, 0))] for ix in range(ix0, ix1 + 1) for iy in range(iy0, iy1 + 1)]
    return cells.subset(np.concatenate(idx)) if idx else cells.subset(np.zeros(0, int))


def _hamlets(block) -> BlockHamlets:
    side, n = _STATE["hamlet_side_m"], _STATE["hamlets_per_row"]
    x0, y0, x1, y1 = block.bounds_m
    ids, geoms = [], []
    for i in range(max(0, int((x0 - X0) // side)), min(n, int((x1 - X0) // side) + 1)):
        for j in range(max(0, int((y0 - Y0) // side)), min(n, int((y1 - Y0) // side) + 1)):
            ids.append(j * n + i)
            geoms.append(shapely.box(X0 + i * side, Y0 + j * side, X0 + (i + 1) * side, Y0 + (j + 1) * side))
    return BlockHamlets(ids, geoms, np.full(len(ids), 2, np.uint8))


def _work(block):
    params = _STATE["params"]
    r = analyse_block(
        block,
        _cells_near(block, _STATE["reach_m"]),
        _hamlets(block),
        params,
        len(OPERATORS),
        polygons=_STATE["polygons"],
    )
    covered = sum(c[1] for c in r.counts.values())
    total = sum(c[0] for c in r.counts.values())
    return total, covered


def run(fraction: float, cell_m: float, processes: int, polygons: bool = False) -> dict:
    t0 = time.perf_counter()
    country = make_country(fraction)
    params = CoverageParams(cell_m=cell_m)
    cells = country["cells"]
    bin_m = params.block_cells * cell_m
    keys = list(
        zip(((cells.x_m - X0) // bin_m).astype(int), ((cells.y_m - Y0) // bin_m).astype(int), strict=True)
    )
    order = np.lexsort((np.array([k[1] for k in keys]), np.array([k[0] for k in keys])))
    bins: dict = {}
    for pos, i in enumerate(order):
        k = keys[i]
        start = bins.get(k, slice(pos, pos)).start
        bins[k] = slice(start, pos + 1)
    _STATE.update(
        cells=cells,
        order=order,
        bins=bins,
        bin_m=bin_m,
        params=params,
        polygons=polygons,
        reach_m=float(cells.max_range_m(params).max()),
        hamlet_side_m=country["hamlet_side_m"],
        hamlets_per_row=int(math.ceil(country["side_m"] / country["hamlet_side_m"])),
    )
    setup_s = time.perf_counter() - t0
    grid = Grid.for_params(params)
    blocks = grid.blocks_intersecting((X0, Y0, X0 + country["side_m"], Y0 + country["side_m"]))
    total = covered = 0
    with ProcessPoolExecutor(processes, mp_context=get_context("fork")) as pool:
        for t, c in pool.map(_work, blocks, chunksize=4):
            total, covered = total + t, covered + c
    wall = time.perf_counter() - t0
    peak_mb = (
        max(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
        )
        / 1024
    )
    return {
        "fraction": fraction,
        "area_km2": country["area_km2"],
        "sites": country["sites"],
        "cells": len(cells),
        "hamlets": _STATE["hamlets_per_row"] ** 2,
        "blocks": len(blocks),
        "setup_s": setup_s,
        "wall_s": wall,
        "peak_mb": peak_mb,
        "covered_pct": 100 * covered / max(total, 1),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fractions", type=float, nargs="+", default=[0.01, 0.03, 0.1])
    ap.add_argument("--cell-m", type=float, default=100.0)
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--polygons", action="store_true", help="also polygonise coverage and dead zones")
    args = ap.parse_args(argv)
    print(
        f"{'fraction':>8} {'area km2':>9} {'sites':>7} {'cells':>7} {'hamlets':>7} {'blocks':>6} "
        f"{'wall s':>8} {'s/1000km2':>9} {'peak MB':>8} {'covered %':>9}"
    )
    for f in args.fractions:
        r = run(f, args.cell_m, args.processes, args.polygons)
        print(
            f"{r['fraction']:>8g} {r['area_km2']:>9.0f} {r['sites']:>7} {r['cells']:>7} {r['hamlets']:>7} "
            f"{r['blocks']:>6} {r['wall_s']:>8.1f} {1000 * r['wall_s'] / r['area_km2']:>9.2f} "
            f"{r['peak_mb']:>8.0f} {r['covered_pct']:>9.1f}",
            flush=True,
        )
    what = "counts and polygons" if args.polygons else "per-hamlet counts only (no polygons, no storage)"
    print(f"grid {args.cell_m:g} m, {args.processes} processes, {what}; peak MB = largest single process")
    return 0


if __name__ == "__main__":
    sys.exit(main())
