"""The uncovered demand of an area: grid cells of its hamlets without 4G/5G outdoor coverage in
the live run (for one operator, or for every operator when "any"), each with its people.

People are the hamlet's population spread evenly over its grid cells (the model card's rule, as
the what-if counts them). A hamlet counts as covered when its covered share reaches
``mbb_covered_share``: its ``need`` is the number of its uncovered cells still to cover.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import shapely
from scipy.spatial import cKDTree
from sqlalchemy import Connection, text

from app.errors import Conflict
from app.services.coverage.inputs import HamletIndex, load_hamlets
from app.services.coverage.runs import province_blocks
from gis.block_analysis import decode_raster
from gis.coverage import CoverageParams
from gis.problems import Problem

__all__ = ["Demand", "live_run", "load_demand"]


@dataclass
class Demand:
    x_m: np.ndarray
    y_m: np.ndarray
    clutter: np.ndarray  # URBAN / SUBURBAN / RURAL code per point
    hamlet: np.ndarray  # index into hamlet_ids
    people: np.ndarray
    hamlet_ids: list[int]
    hamlet_need: np.ndarray  # uncovered cells still to cover for the hamlet to count as covered
    hamlet_total: np.ndarray  # grid cells of the hamlet
    blocks: int

    @property
    def tree(self) -> cKDTree:
        return cKDTree(np.column_stack([self.x_m, self.y_m])) if self.x_m.size else None


def live_run(conn: Connection):
    """The latest finished run of today's network (the what-if's), or 409."""
    run = conn.execute(
        text(
            "SELECT id FROM coverage_runs WHERE status = 'done' AND kind <> 'dated' ORDER BY id DESC LIMIT 1"
        )
    ).first()
    if run is None:
        raise Conflict(reasons=[Problem("proposal.no_run")])
    return run


@lru_cache(maxsize=2)
def _hamlets(run_id: int, crs: str, bind) -> HamletIndex:
    # Hamlets change only with a new run: keep their metric polygons between requests.
    with bind.connect() as conn:
        return load_hamlets(conn, CoverageParams(crs=crs))


def load_demand(
    conn: Connection,
    run_id: int,
    params: CoverageParams,
    hamlet_ids: list[int],
    operators: list[str],
    operator: int | None,
) -> Demand:
    """Uncovered cells of ``hamlet_ids`` (today's hamlets of the area) for ``operators[operator]``
    (None: cells no operator covers)."""
    hamlets = _hamlets(run_id, params.crs, conn.engine)
    wanted = sorted(set(hamlet_ids) & set(hamlets.ids))
    local = {h: i for i, h in enumerate(wanted)}
    n = len(wanted)
    total, covered = np.zeros(n, np.int64), np.zeros(n, np.int64)
    parts: list[tuple] = []
    if not wanted:
        return _demand([], local, total, covered, hamlets, 0)
    position = {h: i for i, h in enumerate(hamlets.ids)}
    bounds = shapely.total_bounds([hamlets.geoms[position[h]] for h in wanted])
    blocks = province_blocks(hamlets, params, tuple(bounds))
    stored = {
        r.block_key: r
        for r in conn.execute(
            text("SELECT block_key, operators, ny, nx, data FROM coverage_rasters WHERE block_key = ANY(:k)"),
            {"k": [b.key for b in blocks]},
        )
    }
    n_ops = len(operators)
    thr = params.outdoor_threshold_dbm
    used = 0
    for block in blocks:
        r = stored.get(block.key)
        bh = hamlets.hamlets_for(block)
        if r is None or not any(h in local for h in bh.ids):
            continue
        used += 1
        if list(r.operators) != operators:
            raise Conflict(reasons=[Problem("proposal.operators_changed")])
        rsrp = decode_raster(r.data, (n_ops, 2, r.ny, r.nx))
        mbb = rsrp[:, 0] >= thr
        ok = mbb.any(axis=0) if operator is None else mbb[operator]
        zones, clutter = bh.rasters(block)
        to_local = np.array([local.get(h, -1) for h in bh.ids] + [-1], np.int64)
        ham = to_local[zones]  # zones −1 → the appended −1
        inside = ham >= 0
        total += np.bincount(ham[inside], minlength=n)
        covered += np.bincount(ham[inside & ok], minlength=n)
        rows, cols = np.nonzero(inside & ~ok)
        xs, ys = block.centre_axes()
        parts.append((xs[cols], ys[rows], clutter[rows, cols], ham[rows, cols]))
    return _demand(parts, local, total, covered, hamlets, used, params)


def _demand(parts, local, total, covered, hamlets: HamletIndex, used: int, params=None) -> Demand:
    cat = (lambda i, dtype: np.concatenate([p[i] for p in parts]).astype(dtype)) if parts else None
    x = cat(0, float) if parts else np.zeros(0)
    y = cat(1, float) if parts else np.zeros(0)
    clutter = cat(2, np.uint8) if parts else np.zeros(0, np.uint8)
    ham = cat(3, np.int64) if parts else np.zeros(0, np.int64)
    ids = list(local)
    population = np.array([hamlets.population.get(h, 0) for h in ids], float)
    per_cell = np.divide(population, total, out=np.zeros(len(ids)), where=total > 0)
    share = params.mbb_covered_share if params else 1.0
    need = np.array(
        [max(0, math.ceil(share * t - c - 1e-9)) for t, c in zip(total, covered, strict=True)], np.int64
    )
    return Demand(
        x_m=x,
        y_m=y,
        clutter=clutter,
        hamlet=ham,
        people=per_cell[ham] if ham.size else np.zeros(0),
        hamlet_ids=ids,
        hamlet_need=need,
        hamlet_total=total,
        blocks=used,
    )
