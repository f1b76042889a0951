"""Site proposals: where the next 4G sites should go to bring the most uncovered people into
coverage, sharing first (gis/site_proposals.py solves; this module reads and explains).

For an area (any admin unit in force on a day, or the whole region) and an operator (or "any"),
the uncovered demand of the live run (proposals_demand) meets the candidates (proposals_candidates),
each candidate's gain computed with the coverage engine's own levels (gis.site_proposals.levels_at),
then maximal covering picks K sites and greedy draws the set-covering curve. The candidates radiate
with the accepted calibration offset of the operator asked for (model truth, migration 0020), as
its what-if would; for "any" operator the smallest of the mobile operators' (``any_offset_db``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date

import numpy as np
import shapely
from shapely import wkb
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.errors import Forbidden, Unprocessable, not_found
from app.layer_types import IN_FORCE, IN_FORCE_ON
from app.services import scope as scopes
from app.services.accounts import Principal
from app.services.coverage.calibration import in_force, offsets_by_operator
from app.services.coverage.inputs import load_operators
from app.services.coverage.runs import coverage_params
from app.services.proposals_candidates import (
    KINDS,
    Candidate,
    antenna_height_m,
    candidate_cells,
    load_candidates,
    reach_m,
)
from app.services.proposals_demand import Demand, live_run, load_demand
from app.services.region import region_geometry, region_on
from app.services.reports.periods import today
from gis.coverage import MBB, CoverageParams
from gis.problems import Problem
from gis.site_proposals import CoverInstance, coverage_curve, maximal_cover, newly_covered

__all__ = ["propose", "problem", "any_offset_db", "ANY"]

ANY = "any"


@dataclass
class Instance:
    """What the solver is given, and what explains its answer."""

    unit: dict
    operator: str
    run_id: int
    params: CoverageParams
    demand: Demand
    candidates: list[Candidate]
    instance: CoverInstance
    timing_ms: dict
    eirp_offset_db: float = 0.0  # the operator's accepted calibration offset the candidates radiate with


def problem(
    session: Session,
    principal: Principal,
    area: str | None,
    operator: str,
    day: date | None = None,
    grid_m: float = 1000.0,
) -> Instance:
    """The area's uncovered demand and every candidate's gain on it, as a covering instance."""
    t0 = time.perf_counter()
    conn = session.connection()
    run = live_run(conn)
    params = coverage_params()
    names, ids = load_operators(conn)
    op_index = _operator(principal, operator, names)
    unit, geom = _area(session, principal, area, day or today())
    hamlet_ids = _hamlets_in(conn, geom)
    demand = load_demand(conn, run.id, params, hamlet_ids, names, op_index)
    t_demand = time.perf_counter()
    operator_id = None if op_index is None else ids[op_index]
    offset = _offset_db(conn, None if op_index is None else names[op_index], names)
    xy = np.column_stack([demand.x_m, demand.y_m])

    def reach(kind: str, heights_m: np.ndarray) -> np.ndarray:
        return reach_m(kind, heights_m, params, offset)

    candidates = load_candidates(conn, params, operator_id, xy, reach, grid_m)
    covers = _covers(candidates, demand, params, offset)
    inst = CoverInstance.build(
        demand.people,
        covers,
        rank=[c.rank for c in candidates],
        hamlet=demand.hamlet,
        hamlet_need=demand.hamlet_need,
    )
    t_gains = time.perf_counter()
    timing = {"demand": round((t_demand - t0) * 1000), "gains": round((t_gains - t_demand) * 1000)}
    name = names[op_index] if op_index is not None else ANY
    return Instance(unit, name, run.id, params, demand, candidates, inst, timing, offset)


def _offset_db(conn, operator: str | None, operators: list[str]) -> float:
    """The accepted offset of ``operator``'s 4G/5G class (the candidates are 4G), 0 when none; for
    "any" operator (None), ``any_offset_db`` over the mobile ``operators``."""
    offsets = offsets_by_operator(in_force(conn))
    if operator is None:
        return any_offset_db(offsets, operators)
    return offsets.get((operator, MBB), 0.0)


def any_offset_db(offsets: dict[tuple[str, int], float], operators: list[str]) -> float:
    """The offset candidates radiate with for "any" operator: the smallest 4G/5G offset among the
    mobile ``operators``, one without an accepted offset counting 0 dB (the model as it stands).
    Conservative on purpose: whichever operator builds the site, it reaches at least the people the
    proposal promises; the calibrated reach of a given operator is its own proposal's. So an
    operator the model overrates (a negative offset) shrinks every candidate's reach, and a
    positive offset applies only when every operator has one."""
    return min((offsets.get((name, MBB), 0.0) for name in operators), default=0.0)


def propose(
    session: Session,
    principal: Principal,
    area: str | None,
    operator: str,
    k: int,
    day: date | None = None,
    grid_m: float = 1000.0,
) -> dict:
    p = problem(session, principal, area, operator, day, grid_m)
    demand, candidates, inst, params = p.demand, p.candidates, p.instance, p.params
    t_gains = time.perf_counter()
    solution = maximal_cover(inst, k)
    curve, fewest = coverage_curve(inst)
    t_solve = time.perf_counter()
    people_total = float(demand.people.sum())
    hamlets_total = int((demand.hamlet_need > 0).sum())
    return {
        "area": p.unit,
        "operator": p.operator,
        "k": k,
        "coverage_run_id": p.run_id,
        "eirp_offset_db": p.eirp_offset_db,
        "demand": {
            "people_uncovered": round(people_total, 1),
            "cells_uncovered": int(demand.x_m.size),
            "cell_m": params.cell_m,
            "hamlets_uncovered": hamlets_total,
            "people_coverable": round(float(inst.people.sum()), 1),
        },
        "candidates": {kind: sum(c.kind == kind for c in candidates) for kind in KINDS},
        "solver": {
            "method": solution.method,
            "objective_people": round(solution.objective, 1),
            "upper_bound_people": round(solution.upper_bound, 1),
            "gap": round(solution.gap, 6),
            "optimal": solution.optimal,
            "note": solution.note,
        },
        "proposals": _rows(candidates, solution, people_total),
        "curve": [
            {
                "sites": p.sites,
                "people": round(p.people, 1),
                "hamlets": p.hamlets,
                "people_share": round(p.people / people_total, 4) if people_total else None,
                "hamlets_share": round(p.hamlets / hamlets_total, 4) if hamlets_total else None,
            }
            for p in curve
        ],  # fmt: skip
        "sites_for_all_coverable": {"greedy": len(curve), "exact": fewest},
        "timing_ms": {**p.timing_ms, "solve": round((t_solve - t_gains) * 1000)},
    }


def _operator(principal: Principal, operator: str, names: list[str]) -> int | None:
    """The operator's index in the rasters; an operator company asks for itself only."""
    if principal.role == "operator" and operator != principal.operator:
        raise Forbidden(
            reasons=[Problem("proposal.own_company_only", "operator", params={"own": principal.operator})]
        )
    if operator == ANY:
        return None
    if operator not in names:
        known = ", ".join(names)
        raise Unprocessable(
            reasons=[
                Problem("proposal.unknown_operator", "operator", params={"name": operator, "known": known})
            ]
        )
    return names.index(operator)


def _area(session: Session, principal: Principal, code: str | None, day: date) -> tuple[dict, object]:
    """The unit ``code`` in force on ``day`` (any level), or the whole region; within a limited
    official's district only."""
    conn = session.connection()
    district = principal.district_code
    if code is None:
        if district is not None:
            raise scopes.outside_district(district)
        region = region_on(conn, day)
        return {"code": None, "name": region.name, "level": "region"}, region_geometry(conn, day)
    if district is not None:
        scopes.check_unit(session, code, district)
    row = conn.execute(
        text(
            "SELECT u.code, u.name, u.level, ST_AsBinary(u.geom) AS wkb FROM admin_units u "
            f"WHERE u.code = :code AND {IN_FORCE_ON.format(a='u', day=':day')} LIMIT 1"
        ),
        {"code": code, "day": day},
    ).first()
    if row is None:
        raise not_found("notfound.unit", code=code)
    return {"code": row.code, "name": row.name, "level": row.level}, wkb.loads(bytes(row.wkb))


def _hamlets_in(conn, geom) -> list[int]:
    """Today's hamlets (the live run's) whose inner point lies in the area."""
    if geom is None:
        return []
    return list(
        conn.execute(
            text(
                f"SELECT h.id FROM admin_units h WHERE h.level = 'hamlet' AND {IN_FORCE.format(a='h')} "
                "AND ST_Intersects(ST_GeomFromWKB(:g, 4326), ST_PointOnSurface(h.geom))"
            ),
            {"g": shapely.to_wkb(geom)},
        ).scalars()
    )


def _covers(candidates: list[Candidate], demand: Demand, params: CoverageParams, offset_db: float) -> list:
    if not candidates:
        return []
    cells = candidate_cells(candidates, params, offset_db)
    tree = demand.tree
    per = len(cells) // len(candidates)
    out = []
    for j, c in enumerate(candidates):
        sub = cells.subset(slice(j * per, (j + 1) * per))
        near = tree.query_ball_point((c.x_m, c.y_m), float(sub.max_range_m(params).max()))
        out.append(newly_covered(sub, params, demand.x_m, demand.y_m, demand.clutter, near))
    return out


def _rows(candidates: list[Candidate], solution, people_total: float) -> list[dict]:
    rows, cumulative, prev_hamlets = [], 0.0, 0
    for rank, (j, gain) in enumerate(zip(solution.chosen, solution.gains, strict=True), start=1):
        c = candidates[j]
        cumulative += gain
        hamlets = solution.hamlets_covered[rank - 1]
        rows.append(
            {
                "rank": rank,
                "kind": c.kind,
                "code": c.code,
                "label": c.label,
                "lon": round(c.lon, 6),
                "lat": round(c.lat, 6),
                "height_m": c.height_m,
                "antenna_height_m": float(antenna_height_m(c.kind, c.height_m)),
                "owner": c.owner,
                "people": round(gain, 1),
                "hamlets": hamlets - prev_hamlets,
                "cumulative_people": round(cumulative, 1),
                "cumulative_hamlets": hamlets,
                "cumulative_share": round(cumulative / people_total, 4) if people_total else None,
            }
        )
        prev_hamlets = hamlets
    return rows
