"""Coverage recompute of the sample province: the full live run, then runs as of a past day with
and without blocks to reuse — wall time and peak memory (each a subprocess, as `make compute`)."""

import re
import resource
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
# Days of the sample's network: sites were commissioned through 2025, so each day's network differs.
DAYS = ("2024-12-31", "2025-06-30")


def _compute(*args: str) -> tuple[float, str] | int:
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "app.cli", "compute", *args], cwd=ROOT, capture_output=True, text=True
    )
    wall = time.perf_counter() - t0
    if proc.returncode:
        print(proc.stdout, proc.stderr, file=sys.stderr)
        return proc.returncode
    return wall, proc.stdout.strip().splitlines()[-1]


def _forget_dated_runs() -> None:
    """No run as of a past day, no block kept but the live run's: nothing a dated run could reuse
    except where its network is today's."""
    from app.db import get_engine
    from app.services.coverage.runs import forget_unused_blocks

    with get_engine().begin() as conn:
        conn.execute(
            text(
                "DELETE FROM coverage_runs r WHERE kind = 'dated' "
                "AND NOT EXISTS (SELECT 1 FROM closed_periods p WHERE p.coverage_run_id = r.id)"
            )
        )
        forget_unused_blocks(conn)


def _full_run_card(line: str) -> dict:
    """The card of the full run whose summary line is ``line`` ("compute: run N, ...")."""
    from app.db import get_engine

    run_id = int(re.search(r"run ([0-9]+)", line).group(1))
    with get_engine().connect() as conn:
        return conn.execute(
            text("SELECT card FROM coverage_runs WHERE id = :id"), {"id": run_id}
        ).scalar_one()


def main() -> int:
    rows = []
    full = _compute()
    if isinstance(full, int):
        return full
    rows.append(
        ("full recompute, 50 m (" + full[1].split(", ", 1)[1].split(" in ")[0] + ")", full[0], full[1])
    )
    _forget_dated_runs()
    cases = [
        (f"as of {DAYS[0]}, no earlier dated run", DAYS[0]),
        (f"as of {DAYS[0]} again (same network)", DAYS[0]),
        (f"as of {DAYS[1]}, after {DAYS[0]}", DAYS[1]),
    ]
    for label, day in cases:
        done = _compute("--as-of", day)
        if isinstance(done, int):
            return done
        rows.append((label, done[0], done[1]))
    _forget_dated_runs()
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    card = _full_run_card(full[1])
    print(f"{'case':<44} {'wall s':>8} {'run s':>7}  blocks")
    for label, wall, line in rows:
        run_s = re.search(r" in ([0-9.]+) s", line)
        blocks = re.search(r"\(([0-9]+ reused, [0-9]+ computed)\)", line)
        print(
            f"{label:<44} {wall:>8.1f} {run_s.group(1) if run_s else '':>7}  {blocks.group(1) if blocks else 'all computed'}"
        )
    print(f"peak RSS {peak_mb:.0f} MB (the largest subprocess)")
    if card.get("stage_seconds"):
        print("full recompute by stage (wall s; the workers compute during the FTTH and block stages):")
        for stage, seconds in card["stage_seconds"]:
            print(f"  {stage:<48} {seconds:>6.2f}")
        cpu = card.get("cpu_seconds", {})
        print(
            f"  CPU s: run process {cpu.get('run')}, block workers {cpu.get('workers')} (the database's not counted)"
        )
    print("(wall includes interpreter start and the database writes; run s is the run's own time)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
