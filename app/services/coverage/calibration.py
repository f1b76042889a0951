"""Model truth on the stored rasters: how the live coverage compares with the speed-test samples,
the calibration offset they suggest per operator and class, and a planner's acceptance of it.

The comparison reads the prediction at each sample's grid cell from ``coverage_rasters`` (the
blocks the map serves) and applies gis.model_truth's rules. The proposal is fitted on the
uncalibrated model: a block computed with an offset in force (its run's card says which) has it
taken off first, so accepting a proposal replaces the offset in force instead of adding to it.
An accepted offset enters the propagation inputs of the next runs (``inputs.load_inputs`` adds it
to the cells' EIRP, so the blocks' input digests change with it) and is named in their cards.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from sqlalchemy import Connection, text

from app.errors import Conflict, not_found
from app.services.audit import Actor
from gis import model_truth as truth
from gis.block_analysis import decode_raster
from gis.coverage import CLASSES, MBB, NO_SIGNAL, TECH_CLASS
from gis.crs import to_metric
from gis.grid import Grid
from gis.problems import Problem

__all__ = ["in_force", "offsets_by_operator", "model_truth", "accept", "withdraw", "TOLERANCE_DB"]

TOLERANCE_DB = 0.05  # an acceptance names the offset it saw; a refit since then is refused
_SAMPLES = """
SELECT o.short_name AS operator, t.technology, t.download_mbps, t.upload_mbps,
       coalesce(t.rsrp_dbm, 'NaN'::float8) AS rsrp_dbm, ST_X(t.geom) AS lon, ST_Y(t.geom) AS lat
FROM speed_tests t JOIN operators o ON o.id = t.operator_id AND o.kind = 'mobile'
WHERE t.technology = ANY(:techs) ORDER BY t.id
"""


def in_force(conn: Connection) -> list[dict]:
    """The calibrations in force, by operator and class (what the next runs apply)."""
    rows = conn.execute(
        text(
            "SELECT o.short_name AS operator, k.tech_class, k.offset_db, k.samples, k.agreement_before, "
            "k.agreement_after, k.median_error_before_db, k.accepted_by, k.accepted_at "
            "FROM coverage_calibrations k JOIN operators o ON o.id = k.operator_id "
            "WHERE k.withdrawn_at IS NULL ORDER BY o.short_name, k.tech_class"
        )
    )
    return [dict(r._mapping) for r in rows]


def offsets_by_operator(calibrations: list[dict]) -> dict[tuple[str, int], float]:
    """(operator short name, class index MBB/LEGACY) → offset dB, from a run card's or ``in_force``'s list."""
    return {(c["operator"], CLASSES.index(c["tech_class"])): float(c["offset_db"]) for c in calibrations}


def _samples(conn: Connection) -> dict[str, np.ndarray]:
    rows = conn.execute(text(_SAMPLES), {"techs": sorted(truth.SPEED_TIERS_MBPS)}).all()
    columns = ("operator", "technology", "download_mbps", "upload_mbps", "rsrp_dbm", "lon", "lat")
    out = {c: np.array([getattr(r, c) for r in rows]) for c in columns}
    out["rsrp_dbm"] = out["rsrp_dbm"].astype(float)
    return out


def _predictions(conn: Connection, samples: dict, grid: Grid, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """Per sample: the stored level of its operator's class at its grid cell (NaN where no raster
    holds it) and the offset the block's run applied (0 when none)."""
    n = samples["operator"].size
    stored, applied = np.full(n, np.nan), np.zeros(n)
    if not n:
        return stored, applied
    x, y = to_metric(samples["lon"].tolist(), samples["lat"].tolist(), crs)
    x, y = np.asarray(x), np.asarray(y)
    ix = np.floor(x / grid.block_m).astype(int)
    iy = np.floor(y / grid.block_m).astype(int)
    by_key: dict[str, list[int]] = defaultdict(list)
    for i, key in enumerate(grid.key(a, b) for a, b in zip(ix.tolist(), iy.tolist(), strict=True)):
        by_key[key].append(i)
    rows = conn.execute(
        text(
            "SELECT x.block_key, x.operators, x.ny, x.nx, x.data, r.card -> 'calibration' -> 'offsets' AS offsets "
            "FROM coverage_rasters x JOIN coverage_runs r ON r.id = x.run_id WHERE x.block_key = ANY(:k)"
        ),
        {"k": list(by_key)},
    )
    for r in rows:
        idx = np.asarray(by_key[r.block_key])
        operators = list(r.operators)
        raster = decode_raster(r.data, (len(operators), len(CLASSES), r.ny, r.nx))
        block = grid.block(r.block_key)
        row, col, inside = truth.cell_index(block, x[idx], y[idx])
        offsets = offsets_by_operator(r.offsets or [])
        for j, i in enumerate(idx.tolist()):
            op, cls = samples["operator"][i], TECH_CLASS[samples["technology"][i]]
            if inside[j] and op in operators:
                stored[i] = raster[operators.index(op), cls, row[j], col[j]]
                applied[i] = offsets.get((op, cls), 0.0)
    return stored, applied


def _card_grid(card: dict) -> tuple[Grid, str, float]:
    grid = card.get("grid") or {}
    params = card.get("parameters") or {}
    return (
        Grid(cell_m=float(grid.get("cell_m", 50.0)), block_cells=int(grid.get("block_cells", 128))),
        grid.get("crs") or params.get("crs"),
        float(params.get("outdoor_threshold_dbm", -105.0)),
    )


def model_truth(conn: Connection, card: dict) -> dict:
    """The comparison per operator and technology, and per operator and class the offset proposed,
    with the agreement of the uncalibrated model before and after it; the calibrations in force."""
    grid, crs, threshold = _card_grid(card)
    s = _samples(conn)
    stored, applied = _predictions(conn, s, grid, crs)
    placed = ~np.isnan(stored)
    covered = truth.measured_covered(
        s["rsrp_dbm"], s["download_mbps"], s["upload_mbps"], s["technology"], threshold
    )
    groups = []
    for op, tech in sorted(
        {(o, t) for o, t, p in zip(s["operator"], s["technology"], placed, strict=True) if p}
    ):
        m = placed & (s["operator"] == op) & (s["technology"] == tech)
        c = truth.compare(stored[m], covered[m], s["rsrp_dbm"][m], threshold)
        groups.append({"operator": op, "technology": tech, **c.to_dict()})
    raw = np.where(stored > NO_SIGNAL, stored - applied, stored)
    proposals = []
    for op in sorted({o for o, p in zip(s["operator"], placed, strict=True) if p}):
        m = placed & (s["operator"] == op)  # 4G and 5G tests: both judge the class mbb
        fit = truth.fit_offset(raw[m], s["rsrp_dbm"][m])
        if fit is None:
            continue
        before = truth.compare(raw[m], covered[m], s["rsrp_dbm"][m], threshold)
        after = truth.compare(
            truth.calibrated(raw[m], fit.offset_db), covered[m], s["rsrp_dbm"][m], threshold
        )
        proposals.append(
            {
                "operator": op,
                "tech_class": CLASSES[MBB],
                "offset_db": fit.offset_db,
                "samples": fit.samples,
                "agreement_before": before.to_dict()["agreement"],
                "agreement_after": after.to_dict()["agreement"],
                "median_error_before_db": before.median_error_db,
                "median_error_after_db": after.median_error_db,
            }
        )
    return {
        "threshold_dbm": threshold,
        "covered_rule": truth.COVERED_RULE,
        "offset_rule": truth.OFFSET_RULE,
        "samples": int(s["operator"].size),
        "samples_placed": int(placed.sum()),
        "groups": groups,
        "proposals": proposals,
        "in_force": in_force(conn),
    }


def _operator_id(conn: Connection, operator: str) -> int:
    op_id = conn.execute(
        text("SELECT id FROM operators WHERE short_name = :o AND kind = 'mobile'"), {"o": operator}
    ).scalar_one_or_none()
    if op_id is None:
        raise not_found("calibration.unknown_operator", operator=operator)
    return op_id


def accept(conn: Connection, operator: str, tech_class: str, offset_db: float, actor: Actor) -> dict:
    """Store the offset proposed now for ``operator`` and ``tech_class`` (the one the planner saw:
    ``offset_db``), in place of the one in force; the next coverage runs apply it."""
    from app.services.coverage.read import latest_run  # it shows this module's comparison

    op_id = _operator_id(conn, operator)
    run = latest_run(conn)  # a Connection executes as a Session does
    if run is None:
        raise not_found("calibration.no_run")
    proposals = model_truth(conn, run["card"])["proposals"]
    found = next((p for p in proposals if (p["operator"], p["tech_class"]) == (operator, tech_class)), None)
    if found is None:
        raise not_found("calibration.no_proposal", operator=operator, tech_class=tech_class)
    if abs(found["offset_db"] - offset_db) > TOLERANCE_DB:
        raise Conflict(
            reasons=[
                Problem(
                    "calibration.changed", params={"offset_db": offset_db, "proposed_db": found["offset_db"]}
                )
            ],
            extra={"proposal": found},
        )
    actor.apply(conn)
    _queue_recompute(conn, op_id, tech_class, _offset_in_force(conn, op_id, tech_class), found["offset_db"])
    _end(conn, op_id, tech_class, actor)
    conn.execute(
        text(
            "INSERT INTO coverage_calibrations (operator_id, tech_class, offset_db, samples, agreement_before, "
            "agreement_after, median_error_before_db, accepted_by) VALUES (:op, :cls, :off, :n, :before, :after, "
            ":err, :who)"
        ),
        {
            "op": op_id,
            "cls": tech_class,
            "off": found["offset_db"],
            "n": found["samples"],
            "before": found["agreement_before"],
            "after": found["agreement_after"],
            "err": found["median_error_before_db"],
            "who": actor.username,
        },
    )
    return _one(conn, operator, tech_class)


def withdraw(conn: Connection, operator: str, tech_class: str, actor: Actor) -> dict:
    """End the calibration in force: the next coverage runs compute the uncalibrated model."""
    op_id = _operator_id(conn, operator)
    current = _one(conn, operator, tech_class)
    actor.apply(conn)
    _queue_recompute(conn, op_id, tech_class, current["offset_db"])
    _end(conn, op_id, tech_class, actor)
    return current


def _queue_recompute(conn: Connection, op_id: int, tech_class: str, *offsets_db: float) -> None:
    """Queue the operator's cells of the class as changed (as the cells' trigger does), so the
    coverage worker recomputes every block they reach; their EIRP is queued with the larger of the
    old and the new offset, so the blocks only the stronger of the two levels reached are redone too."""
    techs = [t for t, c in TECH_CLASS.items() if CLASSES[c] == tech_class]
    conn.execute(
        text(
            "INSERT INTO coverage_dirty (source, source_id, detail, geom) SELECT 'cells', c.id, to_jsonb(c) || "
            "jsonb_build_object('eirp_dbm', coalesce(c.eirp_dbm, c.tx_power_dbm + c.antenna_gain_dbi) + :boost), "
            "s.geom FROM cells c JOIN sites s ON s.id = c.site_id WHERE c.operator_id = :op AND c.technology = ANY(:t)"
        ),
        {"op": op_id, "t": techs, "boost": max(0.0, *offsets_db)},
    )


def _offset_in_force(conn: Connection, op_id: int, tech_class: str) -> float:
    found = conn.execute(
        text(
            "SELECT offset_db FROM coverage_calibrations WHERE operator_id = :op AND tech_class = :cls "
            "AND withdrawn_at IS NULL"
        ),
        {"op": op_id, "cls": tech_class},
    ).scalar_one_or_none()
    return 0.0 if found is None else float(found)


def _end(conn: Connection, op_id: int, tech_class: str, actor: Actor) -> None:
    conn.execute(
        text(
            "UPDATE coverage_calibrations SET withdrawn_at = now(), withdrawn_by = :who "
            "WHERE operator_id = :op AND tech_class = :cls AND withdrawn_at IS NULL"
        ),
        {"op": op_id, "cls": tech_class, "who": actor.username},
    )


def _one(conn: Connection, operator: str, tech_class: str) -> dict:
    found = [c for c in in_force(conn) if (c["operator"], c["tech_class"]) == (operator, tech_class)]
    if not found:
        raise not_found("calibration.not_in_force", operator=operator, tech_class=tech_class)
    return found[0]
