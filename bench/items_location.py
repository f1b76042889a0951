"""Database time per items page, interleaved: each feature's commune and district read as kept
(migrations 0030, 0034) against the per-row point-in-polygon lookup the pages made before.

The two ways of the same page run one after the other under the same load (a shared 2-core machine
swings with the other processes'); each figure is the median and minimum, over `--runs` pages, of
the time spent in the database (the statements' execute and fetch) by the items service: the
freshness check, the page and, on a first page, its count.

    python -m bench.items_location [--runs 20] [cells manholes …]

DATABASE_URL: as bench.run reads it (a migrated database with the sample loaded).
"""

import argparse
import os
import statistics
import time

from sqlalchemy import event, text
from sqlalchemy.orm import Session

from app.collections import COLLECTIONS, STORED_LOCATION_SOURCES
from app.db import new_engine
from app.services.features import BBoxFilter, ItemsQuery, get_items
from app.services.scope import Scope
from bench.run import region_today

HALF_BOX_DEG = 0.1  # a box ~22 × 22 km around the region's inner point
MODES = ("per-row", "kept")


def _pages(district: str) -> dict[str, ItemsQuery]:
    scope = Scope(every_company=True)  # the Department's: no scope condition
    lon, lat = region_today()[1]
    box = (lon - HALF_BOX_DEG, lat - HALF_BOX_DEG, lon + HALF_BOX_DEG, lat + HALF_BOX_DEG)
    return {
        "limit=100": ItemsQuery(scope, limit=100),
        "bbox limit=1000": ItemsQuery(scope, bbox=BBoxFilter(box), limit=1000),
        "district limit=100": ItemsQuery(scope, filters={"district": district}, limit=100),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("layers", nargs="*", default=["cells"])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    engine = new_engine(os.environ["DATABASE_URL"])
    spent_ms = [0.0]

    @event.listens_for(engine, "before_cursor_execute")
    def _start(conn, *_):
        conn.info["t0"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _stop(conn, *_):
        spent_ms[0] += (time.perf_counter() - conn.info["t0"]) * 1000

    with engine.connect() as conn:
        district = conn.execute(
            text("SELECT district_code FROM site_features GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
        ).scalar_one()
    print(f"load average {os.getloadavg()[0]:.1f}; {args.runs} pages each, database ms: median / min")
    for layer in args.layers:
        kept = STORED_LOCATION_SOURCES[layer]
        for name, query in _pages(district).items():
            times: dict[str, list[float]] = {m: [] for m in MODES}
            with Session(engine) as session:
                for run in range(args.runs + 2):  # two to warm up
                    for mode in MODES if run % 2 else reversed(MODES):
                        if mode == "kept":
                            STORED_LOCATION_SOURCES[layer] = kept
                        else:
                            STORED_LOCATION_SOURCES.pop(layer, None)
                        spent_ms[0] = 0.0
                        page = get_items(session, COLLECTIONS[layer], query)
                        session.rollback()
                        if run >= 2:
                            times[mode].append(spent_ms[0])
            STORED_LOCATION_SOURCES[layer] = kept
            cells = "  ".join(f"{m} {statistics.median(t):6.1f} / {min(t):6.1f}" for m, t in times.items())
            print(f"{layer:20s} {name:19s} {cells}   ({page.number_returned} of {page.number_matched})")


if __name__ == "__main__":
    main()
