"""`make bench`: GET /api/point ("what serves this spot") at ~200 random spots inside the sample region,
as a planner (every detail: servers with codes and bearings, speed tests listed) and anonymously, at
concurrency 1 and 4. Target: p95 ≤ 50 ms at concurrency 1.

Starts the app under uvicorn as `make run` does (one process) and prints one table; the spots are
drawn inside the region's units (ST_GeneratePoints, fixed seed), so every request is a full answer.
The first request of a run reads the run's network once (see app/services/point.py); it is left out.
The first pass over the spots ("cold", as a planner) also decodes each block's raster once; the
following passes find them decoded (48 blocks kept per process; the sample has 58).
"""

import os
import subprocess
import sys

import httpx
from sqlalchemy import text

from app.db import new_engine
from bench.run import ROOT, _bench_token, _free_port, measure, wait_healthy

SPOTS = 200


def random_spots(n: int = SPOTS, seed: int = 2023) -> list[tuple[float, float]]:
    engine = new_engine(os.environ["DATABASE_URL"])
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT ST_X(p.geom), ST_Y(p.geom) FROM (SELECT (ST_Dump(ST_GeneratePoints(ST_Union(geom), :n, :seed))).geom "
                "FROM admin_units WHERE level = 'commune' AND valid_to IS NULL) p"
            ),
            {"n": n, "seed": seed},
        ).all()
    engine.dispose()
    return [(round(x, 6), round(y, 6)) for x, y in rows]


def main() -> int:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port)]
        + ["--log-level", "warning", "--no-proxy-headers"],
        cwd=ROOT,
        env={**os.environ, "COVERAGE_WORKER": "false"},
    )
    token, _ = _bench_token()
    urls = [f"/api/point?lon={lon}&lat={lat}" for lon, lat in random_spots()]
    try:
        rows = []
        for who, headers in (("planner", {"Authorization": f"Bearer {token}"}), ("anonymous", {})):
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60, headers=headers) as client:
                wait_healthy(client)
                client.get(urls[0]).raise_for_status()  # the run's network, read once
                if not rows:  # the first pass decodes each block's raster once (then kept per process)
                    rows.append(("cold", 1, *measure(client, urls, 1)))
                for concurrency in (1, 4):
                    p50, p95, rate = measure(client, urls, concurrency)
                    rows.append((who, concurrency, p50, p95, rate))
    finally:
        server.terminate()
        server.wait(10)
    print(f"\nGET /api/point, {len(urls)} random spots in the region (wall-clock per request, this client)")
    print(f"{'caller':<10} {'conc.':>5} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>7}")
    for who, concurrency, p50, p95, rate in rows:
        print(f"{who:<10} {concurrency:>5} {p50:>8.1f} {p95:>8.1f} {rate:>7.1f}")
    worst = max(p95 for who, c, _, p95, _ in rows if c == 1 and who != "cold")
    print(
        f"target p95 ≤ 50 ms at concurrency 1 (warm): {'met' if worst <= 50 else 'NOT met'} ({worst:.1f} ms)"
    )
    print(f"load average now: {' '.join(f'{v:.1f}' for v in os.getloadavg())} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
