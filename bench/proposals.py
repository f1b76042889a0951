"""Site proposals over the whole region with every dead zone: the demand and candidates' gains
once, then maximal covering for K = 1 … 50 (solver, value, bound, gap and time per K), the
set-covering curve, and the whole POST /api/proposals answer for K = 50 — for "any" operator and
for each mobile operator. Runs in-process against DATABASE_URL (seeded and computed, as
`make bench` leaves it); goal: K = 1 … 50 under 60 s."""

import argparse
import time

from sqlalchemy.orm import Session

from app.db import get_engine
from app.services import proposals
from app.services.accounts import Principal
from app.services.coverage.inputs import load_operators
from gis.site_proposals import coverage_curve, greedy_path, small

GOAL_S = 60.0


def _table(rows: list[tuple], head: tuple) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows, strict=True)]
    for row in (head, *rows):
        print("  ".join(str(x).rjust(w) for x, w in zip(row, widths, strict=True)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--k-max", type=int, default=50)
    parser.add_argument("--operators", action="store_true", help="also each mobile operator at K = k-max")
    args = parser.parse_args()
    planner = Principal(0, "bench", "planner")
    with Session(get_engine()) as session:
        t0 = time.perf_counter()
        p = proposals.problem(session, planner, None, proposals.ANY)
        t_problem = time.perf_counter() - t0
        inst = p.instance
        print(
            f"region {p.unit['name']}: {p.demand.x_m.size:,} uncovered cells of {p.params.cell_m:g} m, "
            f"{p.demand.people.sum():,.0f} people, {int((p.demand.hamlet_need > 0).sum())} hamlets; "
            f"{len(p.candidates):,} candidates, {inst.people.size:,} merged elements; "
            f"demand {p.timing_ms['demand'] / 1000:.2f} s, gains {p.timing_ms['gains'] / 1000:.2f} s"
        )
        # One greedy run gives every K's answer (its prefixes); each K gets its own bound.
        t_solve = time.perf_counter()
        path = greedy_path(inst, args.k_max)
        rows = [
            (
                s.k,
                s.method,
                f"{s.objective:,.0f}",
                f"{s.upper_bound:,.0f}",
                f"{100 * s.gap:.2f} %",
                f"{s.seconds:.2f}",
            )
            for s in path
        ]
        print(
            f"solver: {'exact for small instances' if small(inst) else 'greedy (instance too large for exact)'}"
        )
        t_solve = time.perf_counter() - t_solve
        _table(rows, ("K", "solver", "people", "upper bound", "gap", "bound s"))
        t = time.perf_counter()
        curve, fewest = coverage_curve(inst)
        t_curve = time.perf_counter() - t
        total = t_problem + t_solve + t_curve
        print(
            f"curve: {len(curve)} sites until every coverable person ({curve[-1].people:,.0f}) by greedy, "
            f"exact {fewest if fewest is not None else 'not tried (too large)'}; {t_curve:.2f} s"
        )
        verdict = "met" if total < GOAL_S else "MISSED"
        print(f"K = 1 … {args.k_max}: {total:.1f} s in all (goal < {GOAL_S:g} s: {verdict})")
        answers = [proposals.ANY] + (load_operators(session.connection())[0] if args.operators else [])
        rows = []
        for name in answers:
            t = time.perf_counter()
            a = proposals.propose(session, planner, None, name, args.k_max)
            rows.append(
                (name, a["solver"]["method"], f"{a['solver']['objective_people']:,.0f}",
                 f"{100 * a['solver']['gap']:.2f} %", f"{time.perf_counter() - t:.1f}")
            )  # fmt: skip
        _table(rows, ("operator", "solver", f"people (K={args.k_max})", "gap", "answer s"))


if __name__ == "__main__":
    main()
