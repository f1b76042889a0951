"""`make bench`: import times on a scratch copy of the sample province (not part of `make test`).

A province's worth of BTS data (1,500 sites, 5,000 cells, one CSV) through the service (insert,
then the same file again as an upsert), and a 5,000-pole CSV through the upload path
(`POST /api/import`, multipart, in-process), dry run and import.
"""

import os
import sys
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from app.db import reset_engine
from app.services.importer import import_file
from app.settings import get_settings
from tests.app.importing import HEADER, INSIDE, cell_rows, write_csv
from tests.conftest import sample_database

POLES = 5000


def _sites_csv(folder: Path) -> Path:
    rows = cell_rows(500, 4, prefix="BENCH") + cell_rows(1000, 3, prefix="BENCH", start=500)
    return write_csv(folder / "tram.csv", HEADER, rows)


def _poles_csv(folder: Path) -> Path:
    rows = []
    for k in range(POLES):
        lon, lat = INSIDE[k % len(INSIDE)]
        rows.append(
            [f"BENCH-P{k:05d}", lat + (k // len(INSIDE)) * 1e-5, lon, "VNPT", 8.5, "Viettel;FPT Telecom"]
        )
    return write_csv(
        folder / "cot.csv", ["Mã cột", "Vĩ độ", "Kinh độ", "Chủ sở hữu", "Độ cao", "Treo cáp"], rows
    )


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


def _timed(label: str, fn) -> None:
    started = time.perf_counter()
    counts = fn()
    print(f"{label:<52} {time.perf_counter() - started:>7.2f} s   {counts}")


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="hg-bench-") as tmp, sample_database("bench") as engine:
        folder = Path(tmp)
        sites, poles = _sites_csv(folder), _poles_csv(folder)
        print(f"{'case':<52} {'time':>9}   counts")
        _timed(
            "service: 1,500 sites + 5,000 cells (insert)", lambda: import_file(engine, sites, "sites").counts
        )
        _timed("service: the same file again (upsert)",
               lambda: import_file(engine, sites, "sites", mode="upsert").counts)  # fmt: skip

        os.environ["DATABASE_URL"] = engine.url.render_as_string(hide_password=False)
        get_settings.cache_clear()
        reset_engine()
        from app.main import create_app

        client = TestClient(create_app(), headers={"Authorization": f"Bearer {_planner_token(engine)}"})
        body = poles.read_bytes()

        def upload(dry_run: bool):
            r = client.post(f"/api/import?target=poles&dry_run={str(dry_run).lower()}",
                            files={"file": ("cot.csv", body, "text/csv")})  # fmt: skip
            r.raise_for_status()
            return r.json()["counts"]

        _timed(f"upload: {POLES:,} poles, {len(body) / 1e6:.1f} MB CSV (dry run)", lambda: upload(True))
        _timed(f"upload: {POLES:,} poles (import)", lambda: upload(False))
        reset_engine()
    print(f"machine: {os.cpu_count()} cores; one process, the database on this machine")
    return 0


if __name__ == "__main__":
    sys.exit(main())
