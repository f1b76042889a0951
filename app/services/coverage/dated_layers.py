"""The coverage and dead-zone layers as of a past day: the polygons of that day's dated run.

A dated run (``dated.run_dated``) keeps hamlet counts only. The first time the map, a tile or the
OGC collections ask for ``coverage`` or ``dead_zones`` with ``datetime`` on a past day, the run's
polygons are built and kept under the run (migration 0032): a block whose inputs are the live
block's takes the live parts as they are; any other block is evaluated again for that day's
network with the live run's analysis and vectorising (``gis.block_analysis.analyse_block``); the
dead-zone parts are then dissolved per hamlet as the live run does (``runs.DISSOLVE_DEAD_ZONES``).
A later request reads the stored polygons. The worker builds them as soon as it has computed a
day a reader queued (``run_queued``), so the map's request after its 409 does not wait for them.

A day on or after the network's last change (a site commissioned or decommissioned, a hamlet
created or replaced) is today's network: the live layers answer. A past day without a fresh dated
run is queued for the worker, as the indicators queue it, and answered 409 with a Retry-After: the
map says the day is being computed instead of drawing today's coverage under a past date.
"""

from datetime import date

from geoalchemy2.shape import from_shape
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from app.errors import Conflict
from app.layer_types import Collection
from app.services.coverage import asof, dated, ftth
from app.services.coverage.inputs import load_inputs
from app.services.coverage.runs import (
    DISSOLVE_DEAD_ZONES,
    RunSummary,
    compute_blocks,
    lonlat,
    province_blocks,
)
from app.services.temporal import DATETIME, in_force_day
from gis.coverage import CoverageParams
from gis.problems import Problem

RETRY_AFTER_S = 30  # a dated run of the sample takes a few seconds; the whole city's, tens


def nothing_to_prepare(collections: list[Collection], filters: dict[str, str] | None) -> bool:
    """Whether prepare() would do nothing for these layers and filters: no FTTH reach to bring to
    today, no past day's coverage to read."""
    return not any(ftth.reads_ftth(c.source) for c in collections) and not _past_day_asked(
        collections, filters
    )


def _past_day_asked(collections: list[Collection], filters: dict[str, str] | None) -> bool:
    return bool(filters) and DATETIME in filters and any(c.from_dated_runs for c in collections)


def prepare(session: Session, collections: list[Collection], filters: dict[str, str] | None) -> None:
    """Before a layer of ``collections`` is read with ``filters``: when one of them is drawn from a
    dated run and ``datetime`` names a past day, make sure that day's polygons are stored (built
    now if the run is there, the day queued and Conflict raised if not). Today's FTTH reach is
    brought to today first (an access point's dates may have passed since it was computed)."""
    if any(ftth.reads_ftth(c.source) for c in collections):
        ftth.ftth_for_today(session.get_bind())
    if not _past_day_asked(collections, filters):
        return
    day = in_force_day(filters[DATETIME])
    conn = session.connection()
    live = conn.execute(text(f"SELECT {asof.day_is_live('CAST(:day AS date)')}"), {"day": day}).scalar_one()
    if live:
        return
    ref = asof.dated_run(conn, day)
    if ref is None:
        asof.request(session.get_bind(), day)
        raise Conflict(
            reasons=[
                Problem("asof.coverage_queued", params={"as_of": day.isoformat(), "retry_s": RETRY_AFTER_S})
            ],
            extra={"as_of": day.isoformat(), "queued": True, "retry_s": RETRY_AFTER_S},
            headers={"Retry-After": str(RETRY_AFTER_S)},
        )
    ready = conn.execute(
        text("SELECT polygons_at IS NOT NULL FROM coverage_runs WHERE id = :id"), {"id": ref.id}
    ).scalar_one()
    if not ready:
        build_polygons(session.get_bind(), ref.id)


def run_queued(engine: Engine, processes: int = 1) -> RunSummary | None:
    """The worker's job: compute the oldest day a reader queued (``dated.run_queued``), then its
    polygons; nothing when no day waits."""
    summary = dated.run_queued(engine, processes=processes)
    if summary is not None:
        build_polygons(engine, summary.run_id)
    return summary


def build_polygons(engine: Engine, run_id: int) -> None:
    """Build and keep the polygons of dated run ``run_id`` (once; a concurrent caller waits for them)."""
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:k, :r)"), {"k": asof.POLYGON_LOCK, "r": run_id})
        run = conn.execute(
            text("SELECT as_of, card, polygons_at FROM coverage_runs WHERE id = :id FOR UPDATE"),
            {"id": run_id},
        ).first()
        if run is None or run.polygons_at is not None:
            return
        blocks = conn.execute(
            text(
                "SELECT b.block_key, (x.input_hash IS NOT DISTINCT FROM b.input_hash) AS live "
                "FROM coverage_run_blocks b LEFT JOIN coverage_rasters x ON x.block_key = b.block_key "
                "WHERE b.run_id = :r"
            ),
            {"r": run_id},
        ).all()
        same = [b.block_key for b in blocks if b.live]
        other = {b.block_key for b in blocks if not b.live}
        conn.execute(
            text(
                "INSERT INTO coverage_run_parts (run_id, block_key, operator_id, tech_class, band, geom) "
                "SELECT :r, block_key, operator_id, tech_class, band, geom FROM coverage_parts "
                "WHERE block_key = ANY(:k)"
            ),
            {"r": run_id, "k": same},
        )
        conn.execute(
            text(
                "CREATE TEMP TABLE dated_dead_zone_parts ON COMMIT DROP AS SELECT hamlet_id, kind, geom "
                "FROM dead_zone_parts WHERE block_key = ANY(:k)"
            ),
            {"k": same},
        )
        if other:
            _vectorise(conn, run_id, run.as_of, asof.run_params(run.card), other)
        conn.execute(
            text(
                "INSERT INTO coverage_run_dead_zones (run_id, hamlet_id, kind, area_km2, population, geom) "
                f"SELECT :r, z.* FROM ({DISSOLVE_DEAD_ZONES.format(parts='dated_dead_zone_parts')}) AS z"
            ),
            {"r": run_id, "all_hamlets": True, "ids": []},
        )
        conn.execute(
            text("UPDATE coverage_runs SET polygons_at = clock_timestamp() WHERE id = :r"), {"r": run_id}
        )


def _vectorise(conn, run_id: int, day: date, params: CoverageParams, keys: set[str]) -> None:
    """Evaluate the blocks ``keys`` for the network of ``day`` and store their polygons."""
    inputs = load_inputs(conn, params, day)
    blocks = [b for b in province_blocks(inputs.hamlets, params) if b.key in keys]
    op_ids = inputs.operator_ids
    parts, dead = [], []
    for r in compute_blocks(inputs, blocks, params, processes=1, polygons=True):
        for o, c, b, g in r.coverage:
            g = lonlat(g, params)
            if not g.is_empty:
                parts.append(
                    dict(
                        run_id=run_id,
                        block_key=r.key,
                        operator_id=None if o is None else op_ids[o],
                        tech_class=c,
                        band=b,
                        geom=from_shape(g, srid=4326).desc,
                    )
                )
        for h, k, g in r.dead:
            g = lonlat(g, params)
            if not g.is_empty:
                dead.append(dict(hamlet_id=h, kind=k, geom=from_shape(g, srid=4326).desc))
    if parts:
        conn.execute(
            text(
                "INSERT INTO coverage_run_parts (run_id, block_key, operator_id, tech_class, band, geom) "
                "VALUES (:run_id, :block_key, :operator_id, :tech_class, :band, ST_GeomFromWKB(decode(:geom, 'hex'), 4326))"
            ),
            parts,
        )
    if dead:
        conn.execute(
            text(
                "INSERT INTO dated_dead_zone_parts (hamlet_id, kind, geom) "
                "VALUES (:hamlet_id, :kind, ST_GeomFromWKB(decode(:geom, 'hex'), 4326))"
            ),
            dead,
        )
