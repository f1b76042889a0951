"""Coverage as of a past day: the network of that day — the sites active then (the indicators'
ACTIVE_SITE_ON), their cells, the hamlets in force — evaluated block by block.

A block whose inputs (the cells reaching it, the hamlets touching it, the parameters) have the
digest of a block some earlier run computed — the live run or another dated one — is not computed
again: the run names that digest. A dated run keeps hamlet counts (what the indicators read); its
polygons, for the map, tiles and OGC collections of that day, are built after it
(app.services.coverage.dated_layers: by the worker for a day a reader queued, else on first request).
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from sqlalchemy import Connection, Engine, insert, text

from app import models_coverage as mc
from app.errors import InvalidParameter
from app.services.clock import today
from app.services.coverage.inputs import load_inputs
from app.services.coverage.runs import (
    LOCK_ID,
    Progress,
    RunSummary,
    calibration_card,
    card_json,
    compute_blocks,
    coverage_params,
    forget_unused_blocks,
    input_hashes,
    keep_blocks,
    province_blocks,
)
from gis.coverage import CoverageParams

DATED_LOCK = LOCK_ID + 1  # one dated run at a time; the live runs go on meanwhile


@contextmanager
def _transaction(bind: Engine | Connection) -> Iterator[Connection]:
    """A transaction of its own on an engine; a savepoint in a caller's open transaction."""
    if isinstance(bind, Engine):
        with bind.begin() as conn:
            yield conn
    else:
        with bind.begin_nested():
            yield bind


def run_dated(
    bind: Engine | Connection,
    as_of: date,
    params: CoverageParams | None = None,
    processes: int = 2,
    progress: Progress | None = None,
) -> RunSummary:
    """Compute (reusing what it can) and store the coverage of the network of ``as_of``; it then
    serves the figures of that day, replacing an earlier run of the same day."""
    if as_of > today():
        raise InvalidParameter(
            f"as_of: {as_of.isoformat()} is in the future; coverage is computed up to today"
        )
    params = params or coverage_params()
    t0 = time.perf_counter()
    with _transaction(bind) as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": DATED_LOCK})
        run_id = conn.execute(
            text(
                "INSERT INTO coverage_runs (kind, status, started_at, data_snapshot_at, card, as_of) "
                "VALUES ('dated', 'running', clock_timestamp(), now(), CAST(:card AS jsonb), :day) RETURNING id"
            ),
            {"card": card_json(params, {"as_of": as_of}), "day": as_of},
        ).scalar_one()
        inputs = load_inputs(conn, params, as_of)
        blocks = province_blocks(inputs.hamlets, params)
        hashes = input_hashes(inputs, blocks, params)
        # KEY SHARE: a live run may not forget these blocks before this run names them.
        known = set(
            conn.execute(
                text("SELECT input_hash FROM coverage_blocks WHERE input_hash = ANY(:h) FOR KEY SHARE"),
                {"h": list(hashes.values())},
            ).scalars()
        )
        todo = [b for b in blocks if hashes[b.key] not in known]
        results = compute_blocks(inputs, todo, params, processes, progress, polygons=False)
        keep_blocks(conn, results, hashes)
        if blocks:
            conn.execute(
                insert(mc.CoverageRunBlock.__table__),
                [
                    dict(
                        run_id=run_id,
                        block_key=b.key,
                        input_hash=hashes[b.key],
                        reused=hashes[b.key] in known,
                    )
                    for b in blocks
                ],
            )
        reused = len(blocks) - len(todo)
        seconds = time.perf_counter() - t0
        # Supersede the day's earlier run and any request for it, then publish this one.
        conn.execute(
            text(
                "UPDATE coverage_runs SET status = 'stale' WHERE kind = 'dated' AND status = 'done' AND as_of = :day"
            ),
            {"day": as_of},
        )
        conn.execute(
            text("DELETE FROM coverage_runs WHERE kind = 'dated' AND status = 'queued' AND as_of = :day"),
            {"day": as_of},
        )
        extra = {"as_of": as_of, "run_seconds": round(seconds, 2), "blocks_reused": reused}
        extra.update(calibration_card(inputs))
        conn.execute(
            text(
                "UPDATE coverage_runs SET status = 'done', finished_at = clock_timestamp(), blocks = :b, "
                "reused_blocks = :r, card = CAST(:card AS jsonb) WHERE id = :id"
            ),
            {"b": len(blocks), "r": reused, "id": run_id, "card": card_json(params, extra)},
        )
        _forget_stale_runs(conn)
        forget_unused_blocks(conn)
    return RunSummary(run_id, "dated", len(blocks), seconds, reused)


def _forget_stale_runs(conn) -> None:
    """Superseded dated runs named by no closed quarter go, with their block lists."""
    conn.execute(
        text(
            "DELETE FROM coverage_runs r WHERE r.kind = 'dated' AND r.status IN ('stale', 'failed') "
            "AND NOT EXISTS (SELECT 1 FROM closed_periods p WHERE p.coverage_run_id = r.id)"
        )
    )


def run_queued(engine: Engine, processes: int = 1) -> RunSummary | None:
    """Compute the oldest day a reader asked for (the worker's job), or nothing when none waits."""
    with engine.connect() as conn:
        day = conn.execute(
            text(
                "SELECT as_of FROM coverage_runs WHERE kind = 'dated' AND status = 'queued' ORDER BY id LIMIT 1"
            )
        ).scalar_one_or_none()
    return None if day is None else run_dated(engine, day, processes=processes)
