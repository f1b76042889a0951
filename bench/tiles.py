"""`make bench`: vector tiles/s and p95 at z8, z11 and z14, concurrency 1, 4 and 16, over the sample.

The service runs under uvicorn with 2 workers, twice: cold (TILE_CACHE_BYTES=0, no server-side tile
cache: every tile built by PostGIS) and warm (the cache on, filled by one pass over the same tiles).
When TiPg is installed in its own virtualenv (TIPG_VENV, /tmp/tipgvenv by default:
`python -m venv /tmp/tipgvenv && /tmp/tipgvenv/bin/pip install tipg uvicorn`), it is started on the
same database with 2 workers and served the same tiles in the same order (its tables are the raw
ones: no operators' names, tenants or shares). An in-memory ASGI server of the warm tiles' bytes
(2 workers) gives the ceiling. Every client sends Accept-Encoding: gzip; timings are wall-clock per
request, from this client, which shares the machine.

With --cpu N the service (cache off) and TiPg are up one at a time, each taking N tiles per zoom at
concurrency 4 (A-B-A: the service twice), and the CPU time spent per tile is printed: the server's
processes and the database's backends (read from /proc: this machine's PostgreSQL), which a shared
machine's load sways far less than throughput.

With --interleave N the service (cache off), TiPg and, with --before, another checkout of the service
(main's, say) run at once and take the same requests in N alternating turns: on a machine shared with
other jobs, a sequential A-B-B-A swings with their load; turns make the ratios comparable.

DATABASE_URL (in the environment, as bench.run reads it): the service's login; TiPg logs in with it too.
"""

import argparse
import math
import os
import pickle
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from app.settings import get_settings
from bench.run import _bench_token, region_today

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("sites", "poles")  # dense point layers TiPg also has as raw tables
ZOOMS = (8, 11, 14)
CONCURRENCY = (1, 4, 16)
ITEMS = ("items", "walk")  # items pages: first pages of sites and poles in a box; the walk over sites
WORKERS = 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tiles(z: int, count: int, rng: random.Random) -> list[tuple[str, int, int, int]]:
    """`count` (layer, z, x, y) at random places of the region, the layers in turn."""
    minx, miny, maxx, maxy = region_today()[0]
    n = 1 << z
    out = []
    for i in range(count):
        lon, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        x = int((lon + 180) / 360 * n)
        y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
        out.append((LAYERS[i % len(LAYERS)], z, x, y))
    return out


def items(count: int, rng: random.Random) -> list[tuple]:
    """`count` items pages: sites by 100 (the first page), poles in a random ~5 km box by 1,000, in turn."""
    minx, miny, maxx, maxy = region_today()[0]
    out: list[tuple] = []
    for i in range(count):
        if i % 2 == 0:
            out.append(("items", "sites", None, 100, None))
            continue
        lon, lat = rng.uniform(minx, maxx - 0.05), rng.uniform(miny, maxy - 0.05)
        bbox = (round(lon, 4), round(lat, 4), round(lon + 0.05, 4), round(lat + 0.05, 4))
        out.append(("items", "poles", bbox, 1000, None))
    return out


WALK_LIMIT = 100


def walk(count: int) -> list[tuple]:
    """`count` pages of the walk over all sites by `next` links (limit 100), from the first page on,
    again from the first when done. Each server is asked the page its own `next` link names: ours
    after the last id of the page before (keyset), TiPg's at an offset."""
    from sqlalchemy import text

    from app.db import new_engine

    engine = new_engine(os.environ["DATABASE_URL"])
    with engine.connect() as conn:
        codes = conn.execute(text('SELECT code FROM sites ORDER BY code COLLATE "C"')).scalars().all()
    engine.dispose()
    pages = [None, *(codes[i - 1] for i in range(WALK_LIMIT, len(codes), WALK_LIMIT))]
    return [
        ("items", "sites", None, WALK_LIMIT, (n % len(pages), pages[n % len(pages)])) for n in range(count)
    ]


def _items_query(t, tipg: bool) -> str:
    _, _, bbox, limit, page = t
    query = f"?limit={limit}" + (f"&bbox={','.join(map(str, bbox))}" if bbox else "")
    if page is not None and page[0] > 0:
        query += f"&offset={page[0] * limit}" if tipg else f"&after={page[1]}"
    return query


def ours(t) -> str:
    if t[0] == "items":
        return f"/ogc/collections/{t[1]}/items{_items_query(t, False)}"
    layer, z, x, y = t
    return f"/tiles/{layer}/{z}/{x}/{y}.mvt"


def tipg(t) -> str:
    if t[0] == "items":
        return f"/collections/public.{t[1]}/items{_items_query(t, True)}"
    layer, z, x, y = t
    return f"/collections/public.{layer}/tiles/WebMercatorQuad/{z}/{x}/{y}"


class Memory:
    """An ASGI app serving tile bytes from a dict (path -> bytes), gzipped as the client asks."""

    def __init__(self):
        import gzip

        with open(os.environ["BENCH_MEMORY_TILES"], "rb") as fh:
            self.tiles = {k: (v, gzip.compress(v, 6)) for k, v in pickle.load(fh).items()}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return
        plain, packed = self.tiles.get(scope["path"], (b"", b""))
        gz = any(k == b"accept-encoding" and b"gzip" in v for k, v in scope["headers"])
        body = packed if gz else plain
        headers = [(b"content-type", b"application/vnd.mapbox-vector-tile")]
        if gz:
            headers.append((b"content-encoding", b"gzip"))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _start(argv: list[str], env: dict, ready: str) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    proc = subprocess.Popen(
        [
            *argv,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(WORKERS),
            "--log-level",
            "warning",
        ],
        cwd=env.pop("_CWD", ROOT),
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(base + ready, timeout=5).status_code < 500:
                return proc, base
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise RuntimeError(f"{argv[0]} exited with {proc.returncode}")
        time.sleep(0.2)
    proc.terminate()
    raise RuntimeError(f"{argv} did not start")


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()


def measure(base: str, paths: list[str], concurrency: int, headers: dict) -> tuple[float, float, float]:
    """(tiles/s, p50 ms, p95 ms) of GETting `paths` with `concurrency` clients."""
    with httpx.Client(
        base_url=base,
        timeout=120,
        limits=httpx.Limits(max_connections=concurrency),
        headers={**headers, "Accept-Encoding": "gzip"},
    ) as client:

        def one(path: str) -> float:
            t0 = time.perf_counter()
            r = client.get(path)
            r.raise_for_status()
            r.read()
            return time.perf_counter() - t0

        one(paths[0])  # open the connection
        t0 = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            times = sorted(pool.map(one, paths))
        wall = time.perf_counter() - t0
    p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
    return len(paths) / wall, statistics.median(times) * 1000, p95 * 1000


def fetch_all(base: str, paths: list[str], headers: dict) -> dict[str, bytes]:
    with httpx.Client(base_url=base, timeout=120, headers=headers) as client:
        return {p: client.get(p).raise_for_status().content for p in dict.fromkeys(paths)}


def run_server(name, argv, env, ready, url_of, work, headers, warm_first) -> dict:
    """Measures one server over `work` ({z: tiles}); returns {(z, c): (tiles/s, p50, p95)}."""
    proc, base = _start(argv, env, ready)
    results = {}
    try:
        for z, zoom_tiles in work.items():
            paths = [url_of(t) for t in zoom_tiles]
            # One pass first: the database's buffers (and, when on, the tile cache) are warm for all.
            for _ in range(3 if warm_first else 1):
                measure(base, paths if warm_first else paths[:8], 4, headers)
            for c in CONCURRENCY:
                results[(z, c)] = measure(
                    base, paths[: max(24, len(paths) * c // max(CONCURRENCY))], c, headers
                )
                load = os.getloadavg()[0]
                print(
                    f"  {name:12} {z!s:>5} c={c:<2} {results[(z, c)][0]:8.1f} /s  p95 {results[(z, c)][2]:6.1f} ms"
                    f"  load {load:.2f}",
                    file=sys.stderr,
                )
    finally:
        _stop(proc)
    return results


def interleaved(servers: dict, work: dict, rounds: int) -> dict:
    """Every server of `servers` (name -> (base URL, url_of, headers)) measured on the same requests
    in `rounds` short turns, the servers in rotating order each turn: a machine whose load drifts
    (others' jobs) weighs on all of them alike. Returns {name: {(z, c): (per s, p50, p95)}}."""
    out: dict = {name: {} for name in servers}
    names = list(servers)
    for z, zoom_tiles in work.items():
        for base, url_of, headers in servers.values():  # warm the database's buffers for each
            measure(base, [url_of(t) for t in zoom_tiles[:8]], 4, headers)
        for c in CONCURRENCY:
            count = max(24, len(zoom_tiles) * c // max(CONCURRENCY))
            chunks = [zoom_tiles[i::rounds] for i in range(rounds)]
            spent = dict.fromkeys(names, 0.0)
            p95s: dict[str, list[float]] = {n: [] for n in names}
            for turn, chunk in enumerate(chunks):
                chunk = chunk[: max(1, count // rounds)]
                for name in names[turn % len(names) :] + names[: turn % len(names)]:
                    base, url_of, headers = servers[name]
                    rate, _, p95 = measure(base, [url_of(t) for t in chunk], c, headers)
                    spent[name] += len(chunk) / rate
                    p95s[name].append(p95)
            done = sum(len(ch[: max(1, count // rounds)]) for ch in chunks)
            for name in names:
                # p95: the median over the turns of each turn's p95
                out[name][(z, c)] = (done / spent[name], 0.0, statistics.median(p95s[name]))
            load = os.getloadavg()[0]
            print(
                f"  {z!s:>5} c={c:<2} "
                + "  ".join(f"{n} {out[n][(z, c)][0]:7.1f}/s" for n in names)
                + f"  load {load:.2f}",
                file=sys.stderr,
            )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--tiles", type=int, default=240, help="tiles per zoom at concurrency 16 (fewer below)"
    )
    parser.add_argument("--tipg-venv", default=os.environ.get("TIPG_VENV", "/tmp/tipgvenv"))
    parser.add_argument(
        "--servers",
        default="cold,warm,tipg,memory",
        help="which to run, in this order (comma-separated): cold (cache off), warm (cache on), tipg, memory",
    )
    parser.add_argument(
        "--items",
        type=int,
        default=0,
        help="also this many items pages (sites by 100, poles by bbox) and pages of the walk over all sites",
    )
    parser.add_argument(
        "--interleave",
        type=int,
        default=0,
        help="run cache off, TiPg (and --before) at once, in this many alternating turns per measure",
    )
    parser.add_argument(
        "--cpu",
        type=int,
        default=0,
        help="CPU time per tile of cache off and TiPg (A-B-A), this many tiles per zoom at c=4",
    )
    parser.add_argument(
        "--before", help="another checkout of the service (e.g. main's): measured too, cache off, as 'before'"
    )
    args = parser.parse_args()
    servers = args.servers.split(",")
    rng = random.Random(2023)
    work = {z: tiles(z, args.tiles, rng) for z in ZOOMS} if args.tiles else {}  # --tiles 0: items only
    if args.items:
        work["items"] = items(args.items, rng)
        work["walk"] = walk(args.items)
    token, _ = _bench_token()
    headers = {"Authorization": f"Bearer {token}"}
    app = [sys.executable, "-m", "uvicorn", "app.main:app", "--no-proxy-headers"]
    base_env = {**os.environ, "COVERAGE_WORKER": "false"}
    table = {}
    if args.cpu:
        return _cpu_main(args, app, base_env, work, headers)
    if args.interleave:
        return _interleaved_main(args, app, base_env, work, headers)
    if "cold" in servers:
        table["cold"] = run_server(
            "cache off", app, {**base_env, "TILE_CACHE_BYTES": "0"}, "/health", ours, work, headers, False
        )
    if "warm" in servers:
        table["warm"] = run_server("cache on", app, dict(base_env), "/health", ours, work, headers, True)

    uvicorn_tipg = Path(args.tipg_venv) / "bin" / "uvicorn"
    if "tipg" not in servers:
        pass
    elif uvicorn_tipg.exists():
        tipg_env = _tipg_env()
        try:
            table["tipg"] = run_server(
                "TiPg", [str(uvicorn_tipg), "tipg.main:app"], tipg_env, "/collections", tipg, work, {}, False
            )
        except (RuntimeError, httpx.HTTPError) as e:
            print(f"TiPg did not serve ({e}): no comparison", file=sys.stderr)
    else:
        print(f"TiPg not found in {args.tipg_venv}: no comparison", file=sys.stderr)

    if "memory" in servers:
        table["memory"] = _memory(app, base_env, work, headers)
    _print(table, args.tiles)
    return 0


def _tipg_env() -> dict:
    dsn = get_settings().database_url.replace("postgresql+psycopg2://", "postgresql://")
    return {
        "PATH": os.environ.get("PATH", ""),
        "DATABASE_URL": dsn,
        "TIPG_DB_TABLES": '["public.sites","public.poles"]',
        "_CWD": tempfile.gettempdir(),  # not the project's .env
    }


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pids) -> float:
    """utime + stime of the live processes among `pids`."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += int(fields[11]) + int(fields[12])
    return total / CLOCK_TICKS


def _tree(root: int) -> list[int]:
    """`root` and its descendants (uvicorn's workers)."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            pid, rest = stat.read_text().split(" ", 1)
        except (FileNotFoundError, ProcessLookupError):
            continue
        parents.setdefault(int(rest.rsplit(")", 1)[1].split()[1]), []).append(int(pid))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(parents.get(pid, []))
    return out


def cpu_per_tile(base: str, server_pid: int, paths: list[str], headers: dict, conn) -> tuple[float, float]:
    """(server CPU ms, database CPU ms) per tile over `paths` at concurrency 4, after a warm pass.
    The database's share: the backends on this database but `conn`'s own."""
    from sqlalchemy import text

    measure(base, paths, 4, headers)

    def backends() -> list[int]:
        pids = (
            conn.execute(
                text(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
            .scalars()
            .all()
        )
        conn.rollback()  # pg_stat_activity is read once per transaction
        return pids

    app_pids, db_before = _tree(server_pid), {p: _cpu_seconds([p]) for p in backends()}
    app_before = _cpu_seconds(app_pids)
    measure(base, paths, 4, headers)
    app_spent = _cpu_seconds(app_pids) - app_before
    db_spent = sum(_cpu_seconds([p]) - db_before.get(p, 0.0) for p in backends())
    return app_spent * 1000 / len(paths), db_spent * 1000 / len(paths)


def _cpu_main(args, app: list[str], base_env: dict, work: dict, headers: dict) -> int:
    """Cache off, TiPg, cache off again (and --before's checkout, cache off, between them): CPU ms
    per tile of each, by zoom."""
    from sqlalchemy import create_engine

    cold = {**base_env, "TILE_CACHE_BYTES": "0"}
    ours_run = ("cold", app, cold, "/health", ours, headers)
    tipg_uvicorn = Path(args.tipg_venv) / "bin" / "uvicorn"
    runs = [ours_run, ("tipg", [str(tipg_uvicorn), "tipg.main:app"], _tipg_env(), "/collections", tipg, {})]
    if args.before:
        runs.append(("before", app, {**cold, "_CWD": args.before}, "/health", ours, headers))
    runs.append(ours_run)
    results: dict[str, dict] = {}
    engine = create_engine(os.environ["DATABASE_URL"])
    with engine.connect() as conn:
        for name, argv, env, ready, url_of, h in runs:
            proc, base = _start(argv, dict(env), ready)
            try:
                for z, zoom_tiles in work.items():
                    paths = [url_of(t) for t in zoom_tiles[: args.cpu]]
                    app_ms, db_ms = cpu_per_tile(base, proc.pid, paths, h, conn)
                    results.setdefault(name, {}).setdefault(z, []).append((app_ms, db_ms))
                    print(
                        f"  {name:6} z{z}: server {app_ms:5.2f} ms  database {db_ms:5.2f} ms per tile"
                        f"  load {os.getloadavg()[0]:.2f}",
                        file=sys.stderr,
                    )
            finally:
                _stop(proc)
    engine.dispose()
    print(f"\nCPU ms per tile, server + database ({args.cpu} tiles per zoom at c=4, cache off)")
    for z in work:
        cells = []
        for name, runs_z in results.items():
            cells.append(f"{name} " + " / ".join(f"{a:.2f}+{d:.2f}" for a, d in runs_z[z]))
        mean = {n: statistics.mean(a + d for a, d in r[z]) for n, r in results.items()}
        ratios = "  ".join(f"TiPg/{n} {mean['tipg'] / mean[n]:.2f}" for n in mean if n != "tipg")
        print(f"  z{z:<3} " + "  |  ".join(cells) + f"  |  {ratios}")
    return 0


def _interleaved_main(args, app: list[str], base_env: dict, work: dict, headers: dict) -> int:
    """Cache off (this checkout, and --before's), and TiPg, up at once and measured in turns."""
    cold = {**base_env, "TILE_CACHE_BYTES": "0"}
    started = {"cold": (_start(app, dict(cold), "/health"), ours, headers)}
    if args.before:
        started["before"] = (_start(app, {**cold, "_CWD": args.before}, "/health"), ours, headers)
    tipg_uvicorn = Path(args.tipg_venv) / "bin" / "uvicorn"
    started["tipg"] = (_start([str(tipg_uvicorn), "tipg.main:app"], _tipg_env(), "/collections"), tipg, {})
    try:
        servers = {name: (base, url_of, h) for name, ((_, base), url_of, h) in started.items()}
        table = interleaved(servers, work, args.interleave)
    finally:
        for (proc, _), _, _ in started.values():
            _stop(proc)
    _print(table, args.tiles)
    if "before" in table:
        ratios = [table["cold"][k][0] / table["before"][k][0] for k in table["before"] if k[0] not in ITEMS]
        print(
            "items, cold / before: "
            + "  ".join(
                f"{k[0]} c={k[1]} {table['cold'][k][0] / table['before'][k][0]:.2f}"
                for k in table["before"]
                if k[0] in ITEMS
            )
        )
    if "before" in table and ratios:
        print(
            f"geometric mean over tiles, cold / before: {math.exp(sum(map(math.log, ratios)) / len(ratios)):.2f}"
        )
    return 0


def _memory(app: list[str], base_env: dict, work: dict, headers: dict) -> dict:
    """The ceiling: the same tiles' bytes from memory, under the same uvicorn settings."""
    work = {z: t for z, t in work.items() if z not in ITEMS}
    proc, base = _start(app, {**base_env}, "/health")
    try:
        every = [ours(t) for zoom_tiles in work.values() for t in zoom_tiles]
        blobs = fetch_all(base, every, headers)
    finally:
        _stop(proc)
    with tempfile.NamedTemporaryFile(suffix=".pickle", delete=False) as fh:
        pickle.dump(blobs, fh)
    try:
        memory_env = {**base_env, "BENCH_MEMORY_TILES": fh.name}
        return run_server(
            "in memory",
            [sys.executable, "-m", "uvicorn", "bench.tiles:Memory", "--factory"],
            memory_env,
            "/",
            ours,
            work,
            {},
            False,
        )
    finally:
        os.unlink(fh.name)


def _ratio(table: dict, a: str, b: str, key) -> str:
    return (
        f"{table[a][key][0] / table[b][key][0]:8.2f}"
        if a in table and b in table and key in table[b]
        else " " * 8
    )


def _print(table: dict, count: int) -> None:
    print(
        f"\nvector tiles ({', '.join(LAYERS)} in turn; {count} random tiles of the province per zoom at c=16, "
        f"fewer below), {WORKERS} uvicorn workers each, gzip; machine: {os.cpu_count()} cores, shared; "
        f"load average now {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    servers = list(table)
    head = f"{'zoom':>5} {'c':>3} | " + " | ".join(f"{s:>9} r/s  p95 ms" for s in servers)
    head += " | off/TiPg  on/TiPg"
    print(head)
    print("-" * len(head))
    for z in (*ZOOMS, *ITEMS):
        for c in CONCURRENCY:
            if (z, c) not in table[servers[0]]:
                continue
            cells = [
                f"{table[s][(z, c)][0]:13.1f} {table[s][(z, c)][2]:7.1f}" if (z, c) in table[s] else " " * 21
                for s in servers
            ]
            line = f"{z:>5} {c:>3} | " + " | ".join(cells)
            line += f" | {_ratio(table, 'cold', 'tipg', (z, c))} {_ratio(table, 'warm', 'tipg', (z, c))}"
            print(line)
    for ours_, other in (("cold", "tipg"), ("warm", "memory")):
        if ours_ in table and other in table:
            ratios = [table[ours_][k][0] / table[other][k][0] for k in table[other] if k[0] not in ITEMS]
            if not ratios:
                continue
            mean = math.exp(sum(map(math.log, ratios)) / len(ratios))
            print(f"geometric mean over tiles, {ours_} / {other}: {mean:.2f}")


if __name__ == "__main__":
    sys.exit(main())
