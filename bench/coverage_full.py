"""Full coverage recompute of the sample province: wall time and peak memory (a subprocess)."""

import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "app.cli", "compute"], cwd=ROOT, capture_output=True, text=True
    )
    wall = time.perf_counter() - t0
    if proc.returncode:
        print(proc.stdout, proc.stderr, file=sys.stderr)
        return proc.returncode
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    last = proc.stdout.strip().splitlines()[-1]
    print(f"{'case':<44} {'wall s':>8} {'peak RSS MB':>12}")
    print(
        f"{'full recompute, 50 m (' + last.split(', ', 1)[1].split(' in ')[0] + ')':<44} {wall:>8.1f} {peak_mb:>12.0f}"
    )
    print("(wall includes interpreter start and the database writes; peak RSS is the largest process)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
