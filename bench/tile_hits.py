"""Cache hits under load: p50/p95/p99 of tile requests the server-side cache answers, at concurrency 16.

The service runs under uvicorn with 2 workers (the cache on); the tiles of the set are fetched until
both workers' caches hold them (every request of a pass reports X-Tile-Cache: hit), then an asyncio client
sends `--requests` requests for them in random order, `--concurrency` at a time, anonymous (public
layers) and with a planner's API token. Accept-Encoding: gzip, as browsers send. The client shares the
machine with the server (and, here, with other jobs): the load average is printed.

    python -m bench.tile_hits [--requests 4000] [--concurrency 16]

DATABASE_URL: as bench.run reads it.
"""

import argparse
import asyncio
import os
import random
import statistics
import sys
import time

import httpx

from bench.run import _bench_token
from bench.tiles import _start, _stop, tiles

ZOOMS = (8, 11, 14)
PUBLIC_LAYERS = "communes,hamlets"  # what an anonymous visitor's map asks for
LAYERS = "sites,poles,hamlets"  # a logged-in planner's


def _paths(layers: str, per_zoom: int, rng: random.Random) -> list[str]:
    return [f"/tiles/{layers}/{z}/{x}/{y}.mvt" for z in ZOOMS for _, _, x, y in tiles(z, per_zoom, rng)]


async def _load(base: str, paths: list[str], requests: int, concurrency: int, headers: dict) -> dict:
    rng = random.Random(7)
    order = [rng.choice(paths) for _ in range(requests)]
    times: list[float] = []
    outcomes: dict[str, int] = {}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60, headers=headers) as client:

        async def worker(mine: list[str]) -> None:
            for path in mine:
                t0 = time.perf_counter()
                r = await client.get(path)
                r.raise_for_status()
                times.append((time.perf_counter() - t0) * 1000)
                outcome = r.headers.get("x-tile-cache", "?")
                outcomes[outcome] = outcomes.get(outcome, 0) + 1

        t0 = time.perf_counter()
        await asyncio.gather(*(worker(order[i::concurrency]) for i in range(concurrency)))
        wall = time.perf_counter() - t0
    times.sort()
    pick = lambda q: times[min(len(times) - 1, int(q * len(times)))]  # noqa: E731
    return {
        "per_s": len(times) / wall,
        "p50": statistics.median(times),
        "p95": pick(0.95),
        "p99": pick(0.99),
        "outcomes": outcomes,
    }


def _warm(base: str, paths: list[str], concurrency: int, headers: dict) -> None:
    """Until a pass over every tile, through as many connections as the load (both workers), is all hits."""
    for _ in range(10):
        res = asyncio.run(_load(base, paths, 4 * len(paths), concurrency, headers))
        if set(res["outcomes"]) == {"hit"}:
            return


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiles", type=int, default=60, help="distinct tiles per zoom (z8, z11, z14)")
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    token, _ = _bench_token()
    env = {**os.environ, "COVERAGE_WORKER": "false"}
    app = [sys.executable, "-m", "uvicorn", "app.main:app", "--no-proxy-headers"]
    proc, base = _start(app, env, "/health")
    try:
        for who, layers, headers in (
            ("anonymous", PUBLIC_LAYERS, {"Accept-Encoding": "gzip"}),
            ("planner (API token)", LAYERS, {"Accept-Encoding": "gzip", "Authorization": f"Bearer {token}"}),
        ):
            paths = _paths(layers, args.tiles, random.Random(2023))
            _warm(base, paths, args.concurrency, headers)
            res = asyncio.run(_load(base, paths, args.requests, args.concurrency, headers))
            print(
                f"{who:20} c={args.concurrency}: {res['per_s']:7.1f} /s  p50 {res['p50']:6.1f}  "
                f"p95 {res['p95']:6.1f}  p99 {res['p99']:6.1f} ms  {res['outcomes']}  "
                f"load {os.getloadavg()[0]:.2f}"
            )
    finally:
        _stop(proc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
