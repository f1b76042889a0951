"""`make bench`: tile, items, what-if, registration checks, login, dashboard and report latency over
the sample data, at concurrency 1 and 8 (as a planner with an API token made for the run).

The dashboard's indicator table is measured for an open period (computed live) and a closed one
(served from its snapshot); reports need a closed period, so the oldest sample quarter is closed
for the run (its closing time is printed) and reopened afterwards when it was open before.

Starts the app under uvicorn exactly as `make run` does (one process), on a free loopback port,
and prints one table. Timings are wall-clock per request, measured from this client.
"""

import math
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
TILE_LAYERS = "districts,communes,sites,poles"
REQUESTS = {1: 60, 8: 240}


def read_today(read):
    """`read(connection)` on the bench's database (DATABASE_URL)."""
    from app.db import new_engine

    engine = new_engine(os.environ["DATABASE_URL"])
    try:
        with engine.connect() as conn:
            return read(conn)
    finally:
        engine.dispose()


@lru_cache
def region_today() -> tuple[tuple[float, float, float, float], tuple[float, float]]:
    """The region's bounding box and inner point today (lon/lat), from its data: the sample province,
    or the city its reform made (`SAMPLE_REFORM=1`); no region is written in the bench either."""
    from app.services.region import region_on

    region = read_today(region_on)
    return region.bbox, region.centre


@lru_cache
def districts_today() -> tuple[str, ...]:
    """The codes of the districts in force today, from the data."""
    from sqlalchemy import text

    from app.layer_types import IN_FORCE

    sql = text(
        f"SELECT a.code FROM admin_units a WHERE a.level = 'district' AND {IN_FORCE.format(a='a')} ORDER BY 1"
    )
    return tuple(read_today(lambda conn: conn.execute(sql).scalars().all()))


def core_point(rng: random.Random) -> tuple[float, float]:
    """A random (lon, lat) in the middle half of the region's extent (where its sites are)."""
    minx, miny, maxx, maxy = region_today()[0]
    quarter_x, quarter_y = (maxx - minx) / 4, (maxy - miny) / 4
    return rng.uniform(minx + quarter_x, maxx - quarter_x), rng.uniform(miny + quarter_y, maxy - quarter_y)


@lru_cache
def _region_shape():
    """The region's units in force today, merged (a city's outline leaves much of its box out)."""
    import shapely

    from app.services.region import region_geometry

    shape = read_today(region_geometry)
    shapely.prepare(shape)
    return shape


def inner_point(rng: random.Random) -> tuple[float, float]:
    """core_point() inside the region: a position outside it is refused (422), not resolved."""
    import shapely

    while not _region_shape().contains(shapely.Point(point := core_point(rng))):
        pass
    return point


def _tile(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 1 << z
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def tile_urls(z: int, count: int, rng: random.Random) -> list[str]:
    minx, miny, maxx, maxy = region_today()[0]
    urls = []
    for _ in range(count):
        x, y = _tile(rng.uniform(minx, maxx), rng.uniform(miny, maxy), z)
        urls.append(f"/tiles/{TILE_LAYERS}/{z}/{x}/{y}.mvt")
    return urls


def items_urls(limit: int, count: int, rng: random.Random) -> list[str]:
    urls = []
    for _ in range(count):
        collection = rng.choice(["sites", "poles", "hamlets", "speed_tests"])
        urls.append(f"/ogc/collections/{collection}/items?limit={limit}")
    return urls


def what_if_bodies(count: int, rng: random.Random) -> list[tuple]:
    """One new 3-sector 4G site at random places inside the region's core."""
    return [
        (
            "POST",
            "/api/coverage/what-if",
            {
                "site": dict(zip(("lon", "lat"), core_point(rng), strict=True)),
                "cells": [
                    {
                        "operator": "Viettel",
                        "technology": "4G",
                        "band_mhz": 1800,
                        "azimuth_deg": az,
                        "beamwidth_deg": 65,
                        "antenna_height_m": 35,
                        "eirp_dbm": 59,
                    }
                    for az in (0, 120, 240)
                ],
            },
        )
        for _ in range(count)
    ]


def sharing_urls(count: int, rng: random.Random) -> list[str]:
    """The form's sharing-first check at random places: shareable sites within 500 m / 200 m."""
    points = [core_point(rng) for _ in range(count)]
    return [f"/api/sites/sharing-candidates?lon={lon:.6f}&lat={lat:.6f}" for lon, lat in points]


def resolve_bodies(count: int, rng: random.Random) -> list[tuple]:
    """A VN-2000 TM-3 easting/northing to WGS 84 and its place (hamlet, commune, urban or not), in the
    zone the loaded sample names for its province (the server reads bare easting/northing in it too)."""
    import json

    import shapely

    from app.settings import get_settings
    from gis.importers.crs import transform

    province = os.path.join(get_settings().sample_data_dir, "province.geojson")
    with open(province, encoding="utf-8") as fh:
        zone = json.load(fh)["features"][0]["properties"]["vn2000_crs"]
    points = transform([shapely.Point(inner_point(rng)) for _ in range(count)], "EPSG:4326", zone)
    return [
        ("POST", "/api/positions/resolve", {"easting": float(p.x), "northing": float(p.y)}) for p in points
    ]


def login_bodies(count: int, password: str) -> list[tuple]:
    return [("POST", "/api/auth/login", {"username": BENCH_USER, "password": password}) for _ in range(count)]


BENCH_USER = "bench-planner"


def _bench_token() -> tuple[str, str]:
    """A planner account for the bench (created once) and a fresh API token; returns (token, password)."""
    import secrets

    from sqlalchemy.orm import Session

    from app.db import new_engine
    from app.errors import NotFound
    from app.services import accounts

    password = secrets.token_urlsafe(16)
    engine = new_engine(os.environ["DATABASE_URL"])
    with Session(engine) as session:
        try:
            user = accounts.get_user(session, BENCH_USER)
            accounts.set_password(session, user, password)
        except NotFound:
            user = accounts.create_user(session, BENCH_USER, password, "planner", full_name="make bench")
        token = accounts.issue_token(session, user, "api", "127.0.0.1", name="make bench", days=1).token
        session.commit()
    engine.dispose()
    return token, password


def measure(client: httpx.Client, urls: list, concurrency: int) -> tuple[float, float, float]:
    def one(url) -> float:
        t0 = time.perf_counter()
        if isinstance(url, tuple):
            method, path, body = url
            r = client.request(method, path, json=body)
            if r.status_code in (400, 422) and "outside the province" in r.text:
                return time.perf_counter() - t0  # a random point fell outside: still a full request
        else:
            r = client.get(url, headers={"Accept-Encoding": "gzip"})
        r.raise_for_status()
        return time.perf_counter() - t0

    one(urls[0])  # warm the pool and the database cache
    t0 = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        times = sorted(pool.map(one, urls))
    wall = time.perf_counter() - t0
    p50 = statistics.median(times) * 1000
    p95 = times[min(len(times) - 1, int(0.95 * len(times)))] * 1000
    return p50, p95, len(urls) / wall


DASHBOARD_OPEN = "2025-Q3"
DASHBOARD_CLOSED = "2024-Q4"


def dashboard_urls(period: str, count: int) -> list[str]:
    """The two requests behind the dashboard's table (province row, district rows), alternately."""
    return [f"/api/indicators?level={('province', 'district')[i % 2]}&period={period}" for i in range(count)]


def report_urls(kind: str, count: int, rng: random.Random) -> list[str]:
    scopes = ["province", *districts_today()[:3]]
    return [f"/api/reports/{DASHBOARD_CLOSED}.{kind}?scope={rng.choice(scopes)}" for _ in range(count)]


def _close_for_reports(client: httpx.Client) -> bool:
    """Close DASHBOARD_CLOSED when it is open; True when this run closed it."""
    if any(
        p["period"] == DASHBOARD_CLOSED and p["closed"] for p in client.get("/api/periods").json()["periods"]
    ):
        return False
    t0 = time.perf_counter()
    client.post(f"/api/periods/{DASHBOARD_CLOSED}/close").raise_for_status()
    print(
        f"closing {DASHBOARD_CLOSED} (snapshot of every unit, hamlet, office, 9 maps): {time.perf_counter() - t0:.2f} s"
    )
    return True


def _reopen() -> None:
    # Only the bench reopens a period: the API has no such thing (closed periods never change).
    from sqlalchemy import text

    from app.db import new_engine

    engine = new_engine(os.environ["DATABASE_URL"])
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM closed_periods WHERE period = :p"), {"p": DASHBOARD_CLOSED})
    engine.dispose()


def wait_healthy(client: httpx.Client) -> None:
    """Wait (up to ~20 s) for the server under ``client`` to answer /health."""
    for _ in range(100):
        try:
            if client.get("/health").status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "app.main:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-proxy-headers",
        ],
        cwd=ROOT,
        env={**os.environ, "COVERAGE_WORKER": "false"},
    )
    base = f"http://127.0.0.1:{port}"
    token, password = _bench_token()
    headers = {"Authorization": f"Bearer {token}"}
    try:
        with httpx.Client(
            base_url=base, timeout=60, limits=httpx.Limits(max_connections=16), headers=headers
        ) as client:
            wait_healthy(client)
            rng = random.Random(2023)
            cases = [(f"tile z{z} ({TILE_LAYERS})", lambda n, z=z: tile_urls(z, n, rng)) for z in (8, 11, 14)]
            cases += [
                (f"items limit={lim}", lambda n, lim=lim: items_urls(lim, n, rng)) for lim in (100, 1000)
            ]
            cases += [("what-if, one 3-sector 4G site", lambda n: what_if_bodies(n, rng))]
            cases += [
                ("registration: sharing candidates", lambda n: sharing_urls(n, rng)),
                ("registration: VN-2000 position resolve", lambda n: resolve_bodies(n, rng)),
                ("login (Argon2id, 64 MiB)", lambda n: login_bodies(n, password)),
            ]
            closed_here = _close_for_reports(client)
            cases += [
                (
                    f"dashboard table, open {DASHBOARD_OPEN} (live)",
                    lambda n: dashboard_urls(DASHBOARD_OPEN, n),
                ),
                (
                    f"dashboard table, closed {DASHBOARD_CLOSED}",
                    lambda n: dashboard_urls(DASHBOARD_CLOSED, n),
                ),
                ("report XLSX (province or a district)", lambda n: report_urls("xlsx", n, rng)),
                ("report A4 HTML (province or a district)", lambda n: report_urls("html", n, rng)),
            ]
            print(f"{'case':<44} {'conc':>4} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>8}")
            try:
                for name, make in cases:
                    for conc, n in REQUESTS.items():
                        p50, p95, rate = measure(client, make(n), conc)
                        print(f"{name:<44} {conc:>4} {n:>5} {p50:>8.1f} {p95:>8.1f} {rate:>8.1f}")
            finally:
                if closed_here:
                    _reopen()
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"machine: {os.cpu_count()} cores; server: one uvicorn process, as `make run`")
    return 0


if __name__ == "__main__":
    sys.exit(main())
