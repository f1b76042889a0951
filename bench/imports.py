"""`make bench`: import time and peak memory on a scratch copy of the sample province (not `make test`).

The sizes issue 11 sets, each goal under 10 s and 500 MB peak on this machine:

- an operator's workbook: 5,000 sites with 15,000 cells (XLSX, Vietnamese headers, one row per cell
  with its site's columns repeated), imported, then the same file again as an upsert;
- a surveyor's layer of 50,000 poles (GeoPackage in VN-2000 / TM-3 105°, EPSG:5897);
- 5,000 poles as a CSV through the upload path (`POST /api/import`, multipart, in-process), dry run
  and import.

Every file case runs in a fresh Python process (``python -m bench.imports --case …``) so its peak
resident memory (ru_maxrss) is that import's own, not the bench's.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITES, CELLS_PER_SITE, POLES_GPKG, POLES_CSV = 5000, 3, 50_000, 5000
GOAL_S, GOAL_MB = 10.0, 500.0
# One row per cell, as operators export them from their planning tools.
XLSX_HEADER = [
    "Mã trạm",
    "Mã cell",
    "Vĩ độ",
    "Kinh độ",
    "Chủ sở hữu",
    "Nhà mạng",
    "Công nghệ",
    "Băng tần (MHz)",
    "Góc phương vị (°)",
    "Độ cao anten (m)",
    "EIRP (dBm)",
    "Loại cột",
    "Trạng thái",
]


def _points(n: int) -> list[tuple[float, float]]:
    """``n`` distinct lon/lat points near the sample's sites (so inside the province)."""
    from tests.app.importing import INSIDE

    return [
        (INSIDE[k % len(INSIDE)][0], INSIDE[k % len(INSIDE)][1] + (k // len(INSIDE)) * 1e-5) for k in range(n)
    ]


def _sites_xlsx(path: Path) -> Path:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Cell")
    ws.append(XLSX_HEADER)
    for s, (lon, lat) in enumerate(_points(SITES)):
        for k in range(CELLS_PER_SITE):
            ws.append(
                [
                    f"BENCH-{s:05d}",
                    f"BENCH-{s:05d}-{k}",
                    lat,
                    lon,
                    "Viettel",
                    "Viettel",
                    "4G",
                    1800,
                    k * 120,
                    30,
                    58,
                    "tower",
                    "active",
                ]
            )
    wb.save(path)
    return path


def _poles_gpkg(path: Path) -> Path:
    import geopandas as gpd
    from shapely import points

    lon, lat = zip(*_points(POLES_GPKG), strict=True)
    frame = gpd.GeoDataFrame(
        {
            "ma_cot": [f"BENCH-P{k:06d}" for k in range(POLES_GPKG)],
            "chu_so_huu": ["VNPT"] * POLES_GPKG,
            "chieu_cao": [8.5] * POLES_GPKG,
            "treo_cap": ["Viettel;FPT Telecom"] * POLES_GPKG,
        },
        geometry=points(lon, lat),
        crs="EPSG:4326",
    ).to_crs("EPSG:5897")
    frame.to_file(path, layer="cot_dien", driver="GPKG")
    return path


def _poles_csv(path: Path) -> Path:
    from tests.app.importing import write_csv

    rows = [
        [f"BENCH-C{k:05d}", lat, lon, "VNPT", 8.5, "Viettel;FPT Telecom"]
        for k, (lon, lat) in enumerate(_points(POLES_CSV))
    ]
    return write_csv(path, ["Mã cột", "Vĩ độ", "Kinh độ", "Chủ sở hữu", "Độ cao", "Treo cáp"], rows)


def _one_case(args: argparse.Namespace) -> int:
    """Child process: one import, then its time, peak memory and counts as one JSON line."""
    from app.db import new_engine
    from app.services.imports.importer import import_file

    engine = new_engine(args.url)
    started = time.perf_counter()
    report = import_file(engine, args.file, args.target, mode=args.mode)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "counts": report.counts}))
    return 0


def _row(label: str, seconds: float, peak_mb: float | None, counts) -> None:
    peak = f"{peak_mb:>7.0f} MB" if peak_mb is not None else f"{'–':>10}"
    print(f"{label:<50} {seconds:>7.2f} s {peak}   {counts}")


def _in_child(
    label: str, url: str, file: Path, target: str, expected: dict[str, int], mode: str = "insert"
) -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.imports",
            "--case",
            "--url",
            url,
            "--file",
            str(file),
            "--target",
            target,
            "--mode",
            mode,
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    _row(label, result["seconds"], result["peak_mb"], result["counts"])
    wrong = {k: result["counts"].get(k) for k, v in expected.items() if result["counts"].get(k) != v}
    met = result["seconds"] < GOAL_S and result["peak_mb"] < GOAL_MB and not wrong
    verdict = f"WRONG COUNTS {wrong}, expected {expected}" if wrong else ("met" if met else "MISSED")
    print(f"{'':<50} goal < {GOAL_S:.0f} s and < {GOAL_MB:.0f} MB: {verdict}")


def _planner_token(engine) -> str:
    """The upload path needs a writer: a planner of the scratch database."""
    import secrets

    from sqlalchemy.orm import Session

    from app.services import accounts

    with Session(engine) as session:
        user = accounts.create_user(session, "bench-upload", secrets.token_urlsafe(16), "planner")
        token = accounts.issue_token(session, user, "api", None, name="make bench", days=1).token
        session.commit()
    return token


def _upload_cases(engine, poles: Path) -> None:
    from fastapi.testclient import TestClient

    from app.db import reset_engine
    from app.settings import get_settings

    os.environ["DATABASE_URL"] = engine.url.render_as_string(hide_password=False)
    get_settings.cache_clear()
    reset_engine()
    from app.main import create_app

    client = TestClient(create_app(), headers={"Authorization": f"Bearer {_planner_token(engine)}"})
    body = poles.read_bytes()
    for dry_run in (True, False):
        started = time.perf_counter()
        r = client.post(
            f"/api/import?target=poles&dry_run={str(dry_run).lower()}",
            files={"file": (poles.name, body, "text/csv")},
        )
        r.raise_for_status()
        what = "dry run" if dry_run else "import"
        _row(
            f"upload: {POLES_CSV:,} poles, {len(body) / 1e6:.1f} MB CSV ({what})",
            time.perf_counter() - started,
            None,
            r.json()["counts"],
        )
    reset_engine()


def main() -> int:
    from tests.conftest import sample_database

    with tempfile.TemporaryDirectory(prefix="hg-bench-") as tmp, sample_database("bench") as engine:
        folder = Path(tmp)
        url = engine.url.render_as_string(hide_password=False)
        sites, gpkg = _sites_xlsx(folder / "tram_cell.xlsx"), _poles_gpkg(folder / "cot_dien.gpkg")
        print(f"{'case':<50} {'time':>9} {'peak':>10}   counts")
        cells = SITES * CELLS_PER_SITE
        _in_child(
            f"XLSX: {SITES:,} sites + {cells:,} cells (insert)",
            url,
            sites,
            "sites",
            {"sites": SITES, "cells": cells},
        )
        _in_child(
            "XLSX: the same workbook again (upsert)",
            url,
            sites,
            "sites",
            {"sites_updated": SITES, "cells_updated": cells},
            "upsert",
        )
        _in_child(
            f"GPKG (EPSG:5897): {POLES_GPKG:,} poles (insert)",
            url,
            gpkg,
            "poles",
            {"poles": POLES_GPKG, "pole_attachments": 2 * POLES_GPKG},
        )
        _upload_cases(engine, _poles_csv(folder / "cot.csv"))
    print(f"machine: {os.cpu_count()} cores; each file case in a fresh process, the database on this machine")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", action="store_true", help="(internal) run one import and print JSON")
    parser.add_argument("--url")
    parser.add_argument("--file")
    parser.add_argument("--target")
    parser.add_argument("--mode", default="insert")
    parsed = parser.parse_args()
    sys.exit(_one_case(parsed) if parsed.case else main())
