"""A background thread that applies incremental coverage recomputes shortly after edits, then
computes the runs as of a past day that readers asked for (app.services.coverage.asof) with their
polygons (dated_layers.run_queued), so the map's first request for that day reads them.

Triggers queue every changed area in coverage_dirty; this loop picks them up every few
seconds. Several app processes may run it: the run itself takes an advisory lock.
"""

import logging
import threading

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from app.db import get_engine
from app.services.coverage import dated_layers, ftth
from app.services.coverage import runs as coverage

log = logging.getLogger(__name__)


class CoverageWorker:
    def __init__(self, poll_seconds: float, engine: Engine | None = None):
        self.poll_seconds = poll_seconds
        self._engine = engine  # None: the app's (a test gives its own database's)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="coverage-worker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _loop(self) -> None:
        while not self._stop.wait(self.poll_seconds):
            try:
                ftth.ftth_for_today(self._engine or get_engine())  # a day passed: readers find it done
                for job in (coverage.run_incremental, dated_layers.run_queued):
                    summary = job(self._engine or get_engine())
                    if summary:
                        log.info(
                            "coverage: %s run %s, %s blocks (%s reused), %.2f s",
                            summary.kind,
                            summary.run_id,
                            summary.blocks,
                            summary.reused,
                            summary.seconds,
                        )
            except SQLAlchemyError:
                log.exception("coverage: run failed; will retry")
            except Exception:  # noqa: BLE001 - keep the loop alive, the queue is kept for a retry
                log.exception("coverage: run failed unexpectedly")
