"""Coverage runs: full and incremental recomputation, stored in PostGIS with a model card.

A run reads the active transmitters and the hamlets, evaluates the grid block by block
(gis.block_analysis), and replaces the results of those blocks in one transaction, so readers
always see a complete, consistent state. One run at a time (an advisory lock).

These are the live runs: today's network, served by the map, tiles and OGC collections. Every
block they compute is also kept under the digest of its inputs, for the runs as of a past day
(``app.services.coverage.dated``) to reuse.
"""

import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from multiprocessing import get_context

import numpy as np
import shapely
from pyproj import CRS
from shapely import MultiPolygon
from sqlalchemy import Connection, Engine, insert, text

from app import models_coverage as mc
from app.services.coverage.bulk import copy_rows, ewkb_hex
from app.services.coverage.ftth import hamlets_near, refresh_ftth
from app.services.coverage.inputs import CLUTTER_RULE, HamletIndex, Inputs, load_inputs
from app.settings import get_settings
from gis.block_analysis import BlockResult, analyse_block, block_input_hash, encode_raster
from gis.coverage import Block, CellArrays, CoverageParams, Grid
from gis.crs import geometry_to_lonlat, to_metric
from gis.model_truth import OFFSET_RULE

LOCK_ID = 930_2025  # pg_advisory_xact_lock key: one coverage run at a time
LIVE_DONE = "status = 'done' AND kind <> 'dated'"  # the runs of the live layers
RESULT_TABLES = (
    "coverage_rasters",
    "coverage_parts",
    "dead_zone_parts",
    "hamlet_cover_cells",
    "hamlet_operator_cells",
)

Progress = Callable[[int, int], None]
COUNT_NAMES = (
    "cells_total",
    "cells_mbb_any",
    "cells_legacy_only",
    "cells_no_signal",
    "cells_single_operator",
)
# Blocks written per INSERT batch while the workers compute the next ones.
STORE_BATCH_BLOCKS = 24


@dataclass
class RunSummary:
    run_id: int
    kind: str
    blocks: int
    seconds: float
    reused: int = 0  # blocks taken from an earlier run with the same inputs (dated runs)


def coverage_params() -> CoverageParams:
    s = get_settings()
    return CoverageParams(
        cell_m=s.coverage_cell_m,
        crs=s.coverage_crs,
        reliability=s.coverage_reliability,
        shadow_sigma_db=s.coverage_shadow_sigma_db,
        outdoor_threshold_dbm=s.coverage_outdoor_threshold_dbm,
        indoor_threshold_dbm=s.coverage_indoor_threshold_dbm,
        mbb_covered_share=s.mbb_covered_share,
    )


def _srid(params: CoverageParams) -> int:
    return CRS.from_user_input(params.crs).to_epsg()


# Work shared with forked worker processes (set just before the pool starts).
_WORK: tuple[Inputs, CoverageParams, bool, bool] | None = None


@dataclass
class StoredBlock:
    """A block's results as they are stored: the raster encoded, the polygons in WGS 84 ready for
    PostGIS. Made in the worker processes, so that this work too is shared between the cores and
    only a few hundred kilobytes per block travel back instead of the float rasters."""

    key: str
    counts: dict[int, tuple[int, int, int, int, int]]
    operator_counts: dict[tuple[int, int], int]
    shape: tuple[int, int]  # ny, nx of the raster
    data: bytes  # encode_raster of the best-signal raster
    input_hash: str  # block_input_hash: made here too, not one block after another before the run
    coverage: list[tuple[int | None, str, str, str]]  # (operator index, class, band, hex EWKB)
    dead: list[tuple[int, str, str]]  # (hamlet id, kind, hex EWKB)


def stored_block(result: BlockResult, params: CoverageParams, input_hash: str) -> StoredBlock:
    """``result`` in its stored form (empty polygons dropped, as store_results always did)."""
    geoms = lonlat_all([g for *_, g in result.coverage] + [g for *_, g in result.dead], params)
    hexes = [None if g.is_empty else h for g, h in zip(geoms, ewkb_hex(geoms), strict=True)]
    n = len(result.coverage)
    return StoredBlock(
        key=result.key,
        counts=result.counts,
        operator_counts=result.operator_counts,
        shape=result.raster.shape[2:],
        data=encode_raster(result.raster),
        input_hash=input_hash,
        coverage=[(o, c, b, h) for (o, c, b, _), h in zip(result.coverage, hexes[:n], strict=True) if h],
        dead=[(i, k, h) for (i, k, _), h in zip(result.dead, hexes[n:], strict=True) if h],
    )


def _analyse(block: Block) -> BlockResult | StoredBlock:
    inputs, params, polygons, stored = _WORK
    hamlets = inputs.hamlets.hamlets_for(block)
    result = analyse_block(block, inputs.cells, hamlets, params, len(inputs.operators), polygons)
    if not stored:
        return result
    digest = block_input_hash(block, inputs.cells, hamlets, params, inputs.operators)
    return stored_block(result, params, digest)


@contextmanager
def block_stream(
    inputs: Inputs,
    blocks: list[Block],
    params: CoverageParams,
    processes: int = 1,
    progress: Progress | None = None,
    polygons: bool = True,
    stored: bool = False,
) -> Iterator[Iterator[BlockResult | StoredBlock]]:
    """The results of ``blocks`` in their order, as they come. With several processes every block
    is handed out on entry: the caller can do other work (database writes) while they compute.
    ``stored``: StoredBlocks instead of BlockResults."""
    global _WORK
    _WORK = (inputs, params, polygons, stored)

    def counted(results):
        for done, r in enumerate(results, 1):
            if progress:
                progress(done, len(blocks))
            yield r

    if processes > 1 and len(blocks) > 1:
        with ProcessPoolExecutor(processes, mp_context=get_context("fork")) as pool:
            yield counted(pool.map(_analyse, blocks, chunksize=2))
    else:
        yield counted(map(_analyse, blocks))


def compute_blocks(
    inputs: Inputs,
    blocks: list[Block],
    params: CoverageParams,
    processes: int = 1,
    progress: Progress | None = None,
    polygons: bool = True,
) -> list[BlockResult]:
    with block_stream(inputs, blocks, params, processes, progress, polygons) as results:
        return list(results)


def province_blocks(hamlets: HamletIndex, params: CoverageParams, bounds_m=None) -> list[Block]:
    """Blocks of the fixed grid that hold some hamlet (within bounds_m when given)."""
    if not hamlets.ids:
        return []
    grid = Grid.for_params(params)
    return [b for b in grid.blocks_intersecting(bounds_m or hamlets.bounds_m()) if hamlets.holds(b)]


def _count_rows(result: BlockResult, **key) -> list[dict]:
    """The hamlet cell counts of a block as rows, each with ``key`` (its block key or digest)."""
    return [
        dict(key, hamlet_id=h, **dict(zip(COUNT_NAMES, c, strict=True))) for h, c in result.counts.items()
    ]


def input_hashes(inputs: Inputs, blocks: list[Block], params: CoverageParams) -> dict[str, str]:
    """Block key → digest of what its results depend on (gis.block_analysis.block_input_hash)."""
    return {
        b.key: block_input_hash(b, inputs.cells, inputs.hamlets.hamlets_for(b), params, inputs.operators)
        for b in blocks
    }


def keep_blocks(conn: Connection, results: list[BlockResult], hashes: dict[str, str]) -> None:
    """Keep the hamlet counts of ``results`` under their digests (once: a digest's results never vary)."""
    if not results:
        return
    new = set(
        conn.execute(
            text(
                "INSERT INTO coverage_blocks (input_hash, block_key) SELECT * FROM unnest(CAST(:h AS text[]), "
                "CAST(:k AS text[])) ON CONFLICT DO NOTHING RETURNING input_hash"
            ),
            {"h": [hashes[r.key] for r in results], "k": [r.key for r in results]},
        ).scalars()
    )
    rows = [row for r in results if hashes[r.key] in new for row in _count_rows(r, input_hash=hashes[r.key])]
    if rows:
        conn.execute(insert(mc.CoverageBlockCounts.__table__), rows)


def forget_unused_blocks(conn: Connection) -> None:
    """Drop the kept blocks no run names any more (neither a live block nor a dated run's)."""
    conn.execute(
        text(
            "DELETE FROM coverage_blocks b WHERE NOT EXISTS (SELECT 1 FROM coverage_run_blocks r "
            "WHERE r.input_hash = b.input_hash) AND NOT EXISTS (SELECT 1 FROM coverage_rasters x "
            "WHERE x.input_hash = b.input_hash)"
        )
    )


def lonlat(geom, params: CoverageParams) -> MultiPolygon:
    """To WGS 84 on the 1e-7° grid GeoJSON is written with, so published polygons stay valid."""
    return lonlat_all([geom], params)[0]


def lonlat_all(geoms: list, params: CoverageParams) -> np.ndarray:
    """``lonlat`` of each of ``geoms`` (a block's ~30 polygons): one projection and one precision
    call for them all instead of one each, the very same coordinates (each point on its own)."""
    if not geoms:
        return np.empty(0, dtype=object)
    metric = np.empty(len(geoms), dtype=object)
    metric[:] = geoms
    out = shapely.set_precision(geometry_to_lonlat(metric, params.crs), 1e-7)
    for i, g in enumerate(out):
        if not isinstance(g, MultiPolygon):
            out[i] = MultiPolygon([p for p in getattr(g, "geoms", [g]) if p.geom_type == "Polygon"])
    return out


def store_results(
    conn: Connection,
    run_id: int,
    inputs: Inputs,
    results: list[StoredBlock],
    replace: bool = True,
) -> None:
    """Write the blocks' results (``replace``: after deleting what those blocks held)."""
    keys = [r.key for r in results]
    if replace:
        for table in RESULT_TABLES:
            conn.execute(text(f"DELETE FROM {table} WHERE block_key = ANY(:keys)"), {"keys": keys})
    op_ids = inputs.operator_ids
    rasters = [
        dict(
            block_key=r.key,
            run_id=run_id,
            operators=inputs.operators,
            ny=r.shape[0],
            nx=r.shape[1],
            data=r.data,
            input_hash=r.input_hash,
        )
        for r in results
    ]
    if rasters:  # an empty insert() would be one row of defaults
        conn.execute(insert(mc.CoverageRaster.__table__), rasters)
    copy_rows(
        conn,
        "hamlet_cover_cells",
        ("block_key", "hamlet_id", *COUNT_NAMES),
        [(r.key, h, *c) for r in results for h, c in r.counts.items()],
    )
    copy_rows(
        conn,
        "hamlet_operator_cells",
        ("block_key", "hamlet_id", "operator_id", "cells_mbb"),
        [(r.key, h, op_ids[o], n) for r in results for (h, o), n in r.operator_counts.items()],
    )
    copy_rows(
        conn,
        "coverage_parts",
        ("block_key", "operator_id", "tech_class", "band", "geom"),
        [(r.key, None if o is None else op_ids[o], c, b, g) for r in results for o, c, b, g in r.coverage],
    )
    copy_rows(
        conn,
        "dead_zone_parts",
        ("block_key", "hamlet_id", "kind", "geom"),
        [(r.key, h, k, g) for r in results for h, k, g in r.dead],
    )
    keep_blocks(conn, results, {r.key: r.input_hash for r in results})


def _batches(results: Iterator, size: int) -> Iterator[list]:
    batch = []
    for r in results:
        batch.append(r)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


# One polygon per hamlet and kind from the per-block parts of {parts} (of the hamlets :ids, or all
# with :all_hamlets); its people by area share. The live run's dead_zones, and a dated run's.
DISSOLVE_DEAD_ZONES = (
    "SELECT p.hamlet_id, p.kind, ST_Area(p.g::geography) / 1e6, "
    "round(coalesce(h.population, 0) * least(ST_Area(p.g::geography) / 1e6 / nullif(h.area_km2, 0), 1)), p.g "
    "FROM (SELECT hamlet_id, kind, ST_Multi(ST_CollectionExtract(ST_ReducePrecision(ST_Union(geom), 1e-7), 3)) AS g "
    "      FROM {parts} WHERE :all_hamlets OR hamlet_id = ANY(:ids) GROUP BY hamlet_id, kind) p "
    "JOIN admin_units h ON h.id = p.hamlet_id WHERE NOT ST_IsEmpty(p.g)"
)


def refresh_dead_zones(conn: Connection, hamlet_ids: list[int] | None = None) -> None:
    """Dissolve the per-block parts into one polygon per hamlet and kind; population by area share."""
    params = {"all_hamlets": hamlet_ids is None, "ids": hamlet_ids or []}
    conn.execute(text("DELETE FROM dead_zones WHERE :all_hamlets OR hamlet_id = ANY(:ids)"), params)
    _dissolve_dead_zones(conn, params)


def _dissolve_dead_zones(conn: Connection, params: dict) -> None:
    """INSERT the dead zones of the hamlets ``params`` names (DISSOLVE_DEAD_ZONES' binds)."""
    conn.execute(
        text(
            "INSERT INTO dead_zones (hamlet_id, kind, area_km2, population, geom) "
            + DISSOLVE_DEAD_ZONES.format(parts="dead_zone_parts")
        ),
        params,
    )


def _store_dissolving(
    conn: Connection, run_id: int, inputs: Inputs, blocks: list[Block], results: Iterator[StoredBlock]
) -> None:
    """Store ``results`` (all of ``blocks``, in order) in batches, and dissolve each hamlet's dead
    zones as soon as the last block touching it is stored: the database does that work while the
    workers still compute, instead of alone at the end of the run. Every table starts empty."""
    for table in (*RESULT_TABLES, "dead_zones"):
        conn.execute(text(f"DELETE FROM {table}"))
    touching = {b.key: inputs.hamlets.hamlets_for(b).ids for b in blocks}
    blocks_left = Counter(h for ids in touching.values() for h in ids)
    for batch in _batches(results, STORE_BATCH_BLOCKS):
        store_results(conn, run_id, inputs, batch, replace=False)
        done = []
        for r in batch:
            for h in touching[r.key]:
                blocks_left[h] -= 1
                if not blocks_left[h]:
                    done.append(h)
        if done:
            _dissolve_dead_zones(conn, {"all_hamlets": False, "ids": sorted(done)})


def _start_run(conn: Connection, kind: str, params: CoverageParams) -> tuple[int, datetime]:
    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_ID})
    # PostGIS functions are costed high, so the run's statements pass jit_above_cost, and compiling
    # them (0.5–0.7 s for the FTTH reach alone, by EXPLAIN ANALYZE) costs more than it
    # saves: the time goes into GEOS, which JIT does not speed up. For this transaction only.
    conn.execute(text("SET LOCAL jit = off"))
    snapshot = conn.execute(text("SELECT now()")).scalar_one()
    run_id = conn.execute(
        text(
            "INSERT INTO coverage_runs (kind, status, started_at, data_snapshot_at, card) "
            "VALUES (:kind, 'running', clock_timestamp(), :snap, CAST(:card AS jsonb)) RETURNING id"
        ),
        {"kind": kind, "snap": snapshot, "card": card_json(params)},
    ).scalar_one()
    return run_id, snapshot


def stale_dated_runs(conn: Connection, last_dirty: int) -> None:
    """Dated runs computed before a queued change to the sites, cells or hamlets may be wrong now
    (a commissioning day corrected, a cell retuned): they are recomputed when next asked for."""
    conn.execute(
        text(
            "UPDATE coverage_runs r SET status = 'stale' WHERE r.kind = 'dated' AND r.status = 'done' "
            "AND EXISTS (SELECT 1 FROM coverage_dirty d WHERE d.id <= :m AND d.source <> 'fibre_access_points' "
            "AND d.created_at >= r.data_snapshot_at)"
        ),
        {"m": last_dirty},
    )


def card_json(params: CoverageParams, extra: dict | None = None) -> str:
    card = params.to_card()
    card.update(
        {
            "mbb_covered_share": params.mbb_covered_share,
            "ftth_covered_share": get_settings().ftth_covered_share,
            "ftth_default_radius_m": 500,
            "dead_zone_population": "hamlet population × share of its area",
            "clutter": CLUTTER_RULE,
        }
    )
    card.update(extra or {})
    return json.dumps(card, default=str, ensure_ascii=False)


def calibration_card(inputs: Inputs) -> dict:
    """What a run's card says of the calibration offsets its inputs carried (none: the bare model)."""
    return {
        "calibration": {
            "rule": OFFSET_RULE,
            "offsets": [
                {
                    k: c[k]
                    for k in ("operator", "tech_class", "offset_db", "samples", "accepted_by", "accepted_at")
                }
                for c in inputs.calibration
            ],
        }
    }


def _finish_run(
    conn: Connection,
    run_id: int,
    blocks: int,
    seconds: float,
    params: CoverageParams,
    inputs: Inputs,
    timings: dict | None = None,
) -> None:
    extra = {"run_seconds": round(seconds, 2), **(timings or {}), **calibration_card(inputs)}
    conn.execute(
        text(
            "UPDATE coverage_runs SET status = 'done', finished_at = clock_timestamp(), blocks = :b, "
            "card = CAST(:card AS jsonb) WHERE id = :id"
        ),
        {"b": blocks, "id": run_id, "card": card_json(params, extra)},
    )


# A full run rewrites every hamlet's counts and reach, batch by batch: the hamlets layer's triggers
# (migration 0033) would refresh each hamlet's row some seven times; they skip it while the run
# writes (migration 0041), and the run refreshes every hamlet once, from the final tables.
_DEFER_HAMLET_FEATURES = text("SET LOCAL hg.hamlet_features_deferred = on")
_REFRESH_HAMLET_FEATURES = (
    text("SET LOCAL hg.hamlet_features_deferred = off"),
    text("SELECT refresh_hamlet_features(NULL)"),
)


def run_full(
    engine: Engine,
    params: CoverageParams | None = None,
    processes: int = 2,
    progress: Progress | None = None,
    as_of: date | None = None,
) -> RunSummary:
    """Recompute the live layers from today's network; with ``as_of``, compute the coverage of
    that day's network instead, stored beside the live run (``dated.run_dated``)."""
    if as_of is not None:
        from app.services.coverage import dated  # it builds on this module

        return dated.run_dated(engine, as_of, params, processes, progress)
    params = params or coverage_params()
    t0, cpu0 = time.perf_counter(), os.times()
    stages: list[tuple[str, float]] = []  # wall seconds of each stage in order, for the card (bench)

    def lap(stage: str, since: float) -> float:
        now = time.perf_counter()
        stages.append((stage, round(now - since, 2)))
        return now

    with engine.begin() as conn:
        run_id, _ = _start_run(conn, "full", params)
        conn.execute(_DEFER_HAMLET_FEATURES)
        last_dirty = conn.execute(text("SELECT coalesce(max(id), 0) FROM coverage_dirty")).scalar_one()
        inputs = load_inputs(conn, params)
        blocks = province_blocks(inputs.hamlets, params)
        t = lap("inputs", t0)
        with block_stream(inputs, blocks, params, processes, progress, stored=True) as results:
            # While the workers compute: FTTH reach (it reads no coverage result), then the writes
            # of the blocks done so far, in block order as before, and their hamlets' dead zones.
            refresh_ftth(conn, _srid(params))
            t = lap("ftth (workers computing meanwhile)", t)
            _store_dissolving(conn, run_id, inputs, blocks, results)
            t = lap("blocks: rest of the computing, the writes and dead zones", t)
        stale_dated_runs(conn, last_dirty)
        conn.execute(text("DELETE FROM coverage_dirty WHERE id <= :m"), {"m": last_dirty})
        forget_unused_blocks(conn)
        t = lap("forget unused blocks", t)
        for statement in _REFRESH_HAMLET_FEATURES:
            conn.execute(statement)
        lap("hamlets layer (hamlet_features)", t)
        seconds = time.perf_counter() - t0
        cpu1 = os.times()
        cpu = {
            "run": round(cpu1.user + cpu1.system - cpu0.user - cpu0.system, 2),
            "workers": round(
                cpu1.children_user + cpu1.children_system - cpu0.children_user - cpu0.children_system, 2
            ),
        }
        _finish_run(
            conn, run_id, len(blocks), seconds, params, inputs, {"stage_seconds": stages, "cpu_seconds": cpu}
        )
    return RunSummary(run_id, "full", len(blocks), seconds)


def _reach_m(conn: Connection, d, inputs: Inputs, params: CoverageParams) -> float | None:
    """How far a queued change can alter the signal: the reach of the transmitters involved."""
    if d.source == "fibre_access_points":
        return None
    if d.source == "admin_units":
        return 0.0  # a hamlet's new outline changes only the grid it covers
    if d.source == "cells":
        rows = [d.detail]
    else:  # sites: the cells it carries now (moved, or switched on or off)
        rows = [
            dict(r._mapping)
            for r in conn.execute(
                text(
                    "SELECT technology, band_mhz, antenna_height_m, eirp_dbm, tx_power_dbm, antenna_gain_dbi, "
                    "azimuth_deg, beamwidth_deg FROM cells WHERE site_id = :id"
                ),
                {"id": d.source_id},
            )
        ]
        gone = not conn.execute(
            text("SELECT EXISTS (SELECT 1 FROM sites WHERE id = :id)"), {"id": d.source_id}
        ).scalar_one()
        if gone:  # deleted with its cells: their parameters are lost, assume the farthest reach
            return float(inputs.cells.max_range_m(params).max()) if len(inputs.cells) else 0.0
        if not rows:
            return 0.0
    # A calibration in force may raise a cell's level: reach as far as the largest positive offset.
    boost_db = max([0.0, *(float(c["offset_db"]) for c in inputs.calibration)])
    records = [
        dict(
            lon=d.x0,
            lat=d.y0,
            operator=inputs.operators[0],
            technology=r["technology"],
            band_mhz=r["band_mhz"],
            antenna_height_m=r["antenna_height_m"],
            eirp_dbm=boost_db
            + (r["eirp_dbm"] if r.get("eirp_dbm") is not None else r["tx_power_dbm"] + r["antenna_gain_dbi"]),
            azimuth_deg=r.get("azimuth_deg"),
            beamwidth_deg=r.get("beamwidth_deg") or 360,
        )
        for r in rows
    ]
    cells = CellArrays.from_records(records, inputs.operators, crs=params.crs)
    return float(cells.max_range_m(params).max())


def has_run(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(
            text(f"SELECT EXISTS (SELECT 1 FROM coverage_runs WHERE {LIVE_DONE})")
        ).scalar_one()


def run_incremental(engine: Engine, params: CoverageParams | None = None) -> RunSummary | None:
    """Recompute only the blocks within reach of what changed since the last run (or nothing)."""
    params = params or coverage_params()
    t0 = time.perf_counter()
    with engine.begin() as conn:
        if not conn.execute(
            text(f"SELECT EXISTS (SELECT 1 FROM coverage_runs WHERE {LIVE_DONE})")
        ).scalar_one():
            return None  # nothing to update yet: a full run comes first
        dirty = conn.execute(
            text(
                "SELECT id, source, source_id, detail, ST_XMin(geom) AS x0, ST_YMin(geom) AS y0, "
                "ST_XMax(geom) AS x1, ST_YMax(geom) AS y1 FROM coverage_dirty ORDER BY id LIMIT 20000"
            )
        ).all()
        if not dirty:  # nothing changed — or another worker took the changes meanwhile
            return None
        run_id, _ = _start_run(conn, "incremental", params)
        inputs = load_inputs(conn, params)
        keys: dict[str, Block] = {}
        reached: set[str] = set()  # every block within reach, holding hamlets or not (any more)
        grid = Grid.for_params(params)
        for d in dirty:
            reach_m = _reach_m(conn, d, inputs, params)
            if reach_m is None:
                continue  # fibre access points: FTTH only
            x0, y0, x1, y1 = d.x0, d.y0, d.x1, d.y1
            xs, ys = to_metric([x0, x1, x0, x1], [y0, y0, y1, y1], params.crs)
            bounds = (min(xs) - reach_m, min(ys) - reach_m, max(xs) + reach_m, max(ys) + reach_m)
            reached |= {b.key for b in grid.blocks_intersecting(bounds)}
            for b in province_blocks(inputs.hamlets, params, bounds):
                keys[b.key] = b
        blocks = sorted(keys.values(), key=lambda b: b.key)
        with block_stream(inputs, blocks, params, stored=True) as stream:
            results = list(stream)
        for table in RESULT_TABLES:
            conn.execute(text(f"DELETE FROM {table} WHERE block_key = ANY(:k)"), {"k": sorted(reached)})
        store_results(conn, run_id, inputs, results)
        touched = sorted({h for r in results for h in r.counts} | {h for r in results for h, _, _ in r.dead})
        conn.execute(text("DELETE FROM dead_zones WHERE hamlet_id <> ALL(:ids)"), {"ids": inputs.hamlets.ids})
        refresh_dead_zones(conn, touched)
        dirty_ids = [d[0] for d in dirty]
        ftth_hamlets = hamlets_near(conn, dirty_ids)
        if ftth_hamlets:
            refresh_ftth(conn, _srid(params), ftth_hamlets)
        stale_dated_runs(conn, max(dirty_ids))
        conn.execute(text("DELETE FROM coverage_dirty WHERE id = ANY(:ids)"), {"ids": dirty_ids})
        forget_unused_blocks(conn)
        seconds = time.perf_counter() - t0
        _finish_run(conn, run_id, len(blocks), seconds, params, inputs)
    return RunSummary(run_id, "incremental", len(blocks), seconds)
