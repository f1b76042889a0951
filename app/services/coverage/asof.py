"""Which coverage run the figures of a day use, and asking for the run of a day not computed yet.

Today's figures use the live run (today's network, kept fresh by the worker). A past day's use the
dated run of that day when one is stored and still fresh — no site, cell or hamlet changed after it
read them. Computing one takes seconds when few blocks can be reused (the sample province, 58
blocks, 2 busy cores: 1.2–2.8 s with none reused, 0.1 s with all; three times the blocks at the
merged city's size), far beyond the dashboard's 300 ms, so a reader does not wait: it gets the live
run, says so (the run's day in ``coverage_as_of``) and queues the day; the worker computes it,
reusing the blocks whose inputs did not change. Closing a quarter computes its run itself
(``dated.run_dated``), before freezing.

Only SQL here, so that the reports may import it without the coverage engine.
"""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, Engine, text

POLYGON_LOCK = 930_2027  # pg_advisory_xact_lock(key, run id): one builder of a dated run's polygons

_RUN = "SELECT id, finished_at, as_of, kind = 'dated' AS dated FROM coverage_runs r"
# A change queued after the dated run read the network may have altered it (a corrected
# commissioning day, a retuned cell); the worker then marks it stale (runs.stale_dated_runs).
_FRESH = (
    "r.kind = 'dated' AND r.status = 'done' AND r.as_of = :day AND NOT EXISTS (SELECT 1 FROM coverage_dirty d "
    "WHERE d.source <> 'fibre_access_points' AND d.created_at >= r.data_snapshot_at)"
)
_LIVE = "r.kind <> 'dated' AND r.status = 'done'"

# A past day's hamlet coverage, shaped like the live hamlet_coverage view's columns the indicators
# read: mobile broadband from the day's run (``{mbb}``: MBB_OF_RUN, or MBB_LIVE while the day's run
# is computed), FTTH from the access points in service that day (``{ftth}``: a relation (id, share),
# ftth.shares_on_reusing_sql, today's hamlet_ftth and its rule) at the run's level (:ftth_level, ``ftth_level``).
HAMLET_COVERAGE_ON = """
SELECT m.hamlet_id, m.mbb_covered, f.share >= CAST(:ftth_level AS float) AS ftth_covered
FROM ({mbb}) m LEFT JOIN {ftth} f ON f.id = m.hamlet_id
"""
MBB_OF_RUN = """
SELECT h.id AS hamlet_id, (c.mbb::float / nullif(c.total, 0)) >= r.mbb_level AS mbb_covered
FROM admin_units h
CROSS JOIN (SELECT coalesce((card->>'mbb_covered_share')::float, 0.95) AS mbb_level
            FROM coverage_runs WHERE id = :coverage_run) r
LEFT JOIN (SELECT k.hamlet_id, sum(k.cells_total) AS total, sum(k.cells_mbb_any) AS mbb
           FROM coverage_run_blocks b JOIN coverage_block_counts k ON k.input_hash = b.input_hash
           WHERE b.run_id = :coverage_run GROUP BY k.hamlet_id) c ON c.hamlet_id = h.id
WHERE h.level = 'hamlet'
"""
MBB_LIVE = "SELECT hamlet_id, mbb_covered FROM hamlet_coverage"

# The drill-down's hamlet detail from a dated run: shares, the population and the ground without
# mobile broadband (cells without it × the run's cell area; the dead-zone polygons are the live
# run's only). FTTH is left to the caller (ftth.ftth_shares_on, as of the same day).
HAMLET_DETAIL_OF_RUN = """
SELECT h.id AS hamlet_id, c.total AS cells_total, c.mbb::float / nullif(c.total, 0) AS mbb_share,
       (c.mbb::float / nullif(c.total, 0)) >= r.mbb_level AS mbb_covered,
       round(h.population * (c.total - c.mbb)::numeric / nullif(c.total, 0))::int AS dead_zone_population,
       (c.total - c.mbb) * r.cell_m * r.cell_m / 1e6 AS dead_zone_area_km2
FROM admin_units h
CROSS JOIN (SELECT coalesce((card->>'mbb_covered_share')::float, 0.95) AS mbb_level,
                   (card->'parameters'->>'cell_m')::float AS cell_m
            FROM coverage_runs WHERE id = :coverage_run) r
JOIN (SELECT k.hamlet_id, sum(k.cells_total) AS total, sum(k.cells_mbb_any) AS mbb
      FROM coverage_run_blocks b JOIN coverage_block_counts k ON k.input_hash = b.input_hash
      WHERE b.run_id = :coverage_run GROUP BY k.hamlet_id) c ON c.hamlet_id = h.id
WHERE h.level = 'hamlet'
"""


# The first day whose network is today's: after the last commissioning or decommissioning of a site
# and the last hamlet created or replaced (today at the latest).
LIVE_FROM = (
    "least(CURRENT_DATE, greatest("
    "(SELECT max(greatest(s.commissioned_on, s.decommissioned_on)) FROM sites s "
    "WHERE s.status IN ('active', 'decommissioned')), "
    "(SELECT max(greatest(h.valid_from, h.valid_to)) FROM admin_units h WHERE h.level = 'hamlet' "
    "AND h.valid_from <= CURRENT_DATE)))"
)
# The dated run whose polygons a past day's layers read (`{day}`: an SQL date expression).
POLYGON_RUN = (
    "(SELECT r.id FROM coverage_runs r WHERE r.kind = 'dated' AND r.status = 'done' AND r.as_of = {day} "
    "AND r.polygons_at IS NOT NULL ORDER BY r.id DESC LIMIT 1)"
)


def day_is_live(day: str) -> str:
    """SQL: the day (an SQL date expression) is answered by the live layers."""
    return f"({day} >= coalesce({LIVE_FROM}, CURRENT_DATE))"


def ftth_level(conn, run_id: int) -> float:
    """The FTTH share a hamlet needs to count as covered, as the run's card says."""
    return conn.execute(
        # A run replaced meanwhile (the worker prunes runs between two statements) has the default.
        text(
            "SELECT coalesce((SELECT (card->>'ftth_covered_share')::float FROM coverage_runs WHERE id = :r), 0.80)"
        ),
        {"r": run_id},
    ).scalar_one()


def run_params(card: dict):
    """The model parameters (gis.coverage.CoverageParams) a run's card records."""
    from gis.coverage import CoverageParams  # the engine's, not loaded by the reports

    known = CoverageParams.__dataclass_fields__
    return CoverageParams(**{k: v for k, v in card["parameters"].items() if k in known})


@dataclass(frozen=True)
class RunRef:
    id: int
    finished_at: datetime | None
    as_of: date  # the day of the network the run computed
    dated: bool

    def as_dict(self) -> dict:
        return {"id": self.id, "finished_at": self.finished_at}


def _one(conn, where: str, params: dict) -> RunRef | None:
    row = conn.execute(text(f"{_RUN} WHERE {where} ORDER BY r.id DESC LIMIT 1"), params).first()
    return RunRef(*row) if row else None


def dated_run(conn, day: date) -> RunRef | None:
    """The fresh dated run of ``day``, if one is stored."""
    return _one(conn, _FRESH, {"day": day})


def live_run(conn) -> RunRef | None:
    return _one(conn, _LIVE, {})


def run_by_id(conn, run_id: int) -> RunRef | None:
    return _one(conn, "r.id = :id", {"id": run_id})


def request(bind: Engine | Connection, day: date) -> None:
    """Queue ``day`` for the worker (once; its own transaction, so a reader's session stays read-only)."""
    sql = text(
        "INSERT INTO coverage_runs (kind, status, started_at, card, as_of) "
        "SELECT 'dated', 'queued', now(), CAST('{}' AS jsonb), :day WHERE NOT EXISTS (SELECT 1 FROM coverage_runs "
        "WHERE kind = 'dated' AND status = 'running' AND as_of = :day) "
        "ON CONFLICT (as_of) WHERE kind = 'dated' AND status = 'queued' DO NOTHING"
    )
    if isinstance(bind, Engine):
        with bind.begin() as conn:
            conn.execute(sql, {"day": day})
    else:
        bind.execute(sql, {"day": day})


def run_for_day(conn, day: date, today: date, bind: Engine | Connection | None = None) -> RunRef | None:
    """The run whose hamlet coverage the figures of ``day`` use: the live run on ``today`` (or
    later); a past day's fresh dated run; else the live run, ``day`` being queued through ``bind``."""
    if day < today:
        found = dated_run(conn, day)
        if found is not None:
            return found
        if bind is not None:
            request(bind, day)
    return live_run(conn)
